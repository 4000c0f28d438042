// Builds the peers into OUT (argv[2]): NAME.js bundled and minified by
// esbuild, as a portal's build would, and NAME.html (page.html), for the
// React and plain-JS peers.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) throw new Error('usage: node bench/peers/build.mjs OUT_DIR');
mkdirSync(out, { recursive: true });
const page = readFileSync(join(here, 'page.html'), 'utf8');
for (const [name, entry] of [['react', 'react.jsx'], ['plain', 'plain.js']]) {
  await build({
    entryPoints: [join(here, 'src', entry)],
    outfile: join(out, `${name}.js`),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(join(out, `${name}.html`), page.replaceAll('NAME', name));
}
