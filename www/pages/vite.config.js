// The vanilla TypeScript demo pages (multi-page build): www/pages/<name>/index.html ->
// www/dist/<name>/index.html, served by the dev server at /dist/<name>/.
// www/dist also holds the React, Vue and Leptos builds, so this build cleans only its own
// outputs instead of emptying the directory.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist', import.meta.url));
const pages = ['vanilla', 'chat', 'lab', 'share'];
const assetsDir = 'pages-assets';

export default defineConfig(({ command }) => {
  if (command === 'build') {
    for (const dir of [...pages, assetsDir]) rmSync(`${outDir}/${dir}`, { recursive: true, force: true });
  }
  return {
    root,
    base: './',
    // Pre-bundling would move tidings' `new URL('…wasm', import.meta.url)` away from the file.
    optimizeDeps: { exclude: ['tidings'] },
    build: {
      outDir,
      emptyOutDir: false,
      assetsDir,
      rollupOptions: {
        input: Object.fromEntries(pages.map((p) => [p, fileURLToPath(new URL(`./${p}/index.html`, import.meta.url))])),
      },
    },
  };
});
