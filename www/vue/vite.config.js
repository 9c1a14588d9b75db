// The Vue demo/test app; see ../react/vite.config.js for why dedupe and optimizeDeps.
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  resolve: { dedupe: ['vue'] },
  optimizeDeps: { exclude: ['tidings'] },
  build: { outDir: fileURLToPath(new URL('../dist/vue', import.meta.url)), emptyOutDir: true },
});
