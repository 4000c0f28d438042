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
import init, { mount } from './modelarts-sync-status.js';

await init({ module_or_path: new URL('./modelarts-sync-status_bg.wasm', import.meta.url) });

export { mount };
