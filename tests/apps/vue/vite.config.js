import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Served by the e2e tests' mock under /apps/vue/. The widget's tag is a
// custom element, not a Vue component.
export default defineConfig({
  base: '/apps/vue/',
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'modelarts-sync-status' } } })],
});
