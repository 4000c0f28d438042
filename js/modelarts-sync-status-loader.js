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

const url = new URL('./modelarts-sync-status_bg.wasm', import.meta.url);
// The wasm download starts now, beside the JS glue's, not after it; unless
// the widget already runs on this page (then `init` below fetches nothing,
// or, for another copy of the glue, fetches `url` itself).
let wasm = url;
if (!customElements.get('modelarts-sync-status')) {
  wasm = fetch(url);
  // A failed download is reported once, by `init` below, not also as unhandled.
  wasm.catch(() => {});
}
const { default: init, mount } = await import('./modelarts-sync-status.js');
await init({ module_or_path: wasm });

export { mount };
