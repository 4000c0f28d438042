// The one file a page needs. As a module script it loads the widget and
// registers <modelarts-sync-status>:
//
//   <script type="module" src="/widget/modelarts-sync-status-loader.js"></script>
//   <modelarts-sync-status project-id="p1" dataset-id="d1"></modelarts-sync-status>
//
// Imported, it also gives the JS API:
//
//   import { mount } from '/widget/modelarts-sync-status-loader.js';
//   const card = mount(document.querySelector('#sync'), { projectId: 'p1', datasetId: 'd1' });
//
// The wasm and JS files are found next to this file, wherever it is served.
// A setup that serves the wasm elsewhere names it, before this file loads:
//
//   <meta name="modelarts-sync-status-wasm" content="/static/widget.wasm">

const named = document.querySelector('meta[name="modelarts-sync-status-wasm"]')?.content;
const url = named
  ? new URL(named, document.baseURI)
  : new URL('./modelarts-sync-status_bg.wasm', import.meta.url);
// The wasm is downloaded and compiled now, as its bytes arrive, while the JS
// glue loads: not after it. Unless the widget already runs on this page
// (then `init` below fetches nothing, or, for another copy of the glue,
// fetches `url` itself). Where streaming compilation is refused (a server
// that does not send `application/wasm`), `init` gets a download of its
// own, and falls back or reports the failure once.
let wasm = url;
if (!customElements.get('modelarts-sync-status')) {
  wasm = typeof WebAssembly.compileStreaming === 'function'
    ? WebAssembly.compileStreaming(fetch(url)).catch(() => fetch(url))
    : fetch(url);
  // A failed download is reported once, by `init` below, not also as unhandled.
  wasm.catch(() => {});
}
const { default: init, mount } = await import('./modelarts-sync-status.js');
await init({ module_or_path: wasm });

export { mount };
