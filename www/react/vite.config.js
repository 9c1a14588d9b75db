// The React demo/test app. `tidings` is linked from ../npm (file: dependency), whose own
// node_modules has React for its unit tests: dedupe keeps one copy of React in the bundle.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  resolve: { dedupe: ['react', 'react-dom'] },
  // Pre-bundling would move tidings' `new URL('…wasm', import.meta.url)` away from the file.
  optimizeDeps: { exclude: ['tidings'] },
  build: { outDir: fileURLToPath(new URL('../dist/react', import.meta.url)), emptyOutDir: true },
});
