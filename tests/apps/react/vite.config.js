import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the e2e tests' mock under /apps/react/.
export default defineConfig({ base: '/apps/react/', plugins: [react()] });
