import { createApp } from 'vue';
import 'modelarts-sync-status/element';
import App from './App.vue';

createApp(App).mount('#app');
