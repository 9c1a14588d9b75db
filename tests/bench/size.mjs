// Size of what an app ships for `import { connect, createParser } from 'tidings'`, next to the
// peers, measured the same way. Prints one JSON document on stdout.
//
//   node tests/bench/size.mjs
//
// Two measurements per library:
//  * "as shipped": every ESM file the entry reaches (esbuild's metafile inputs), unminified as
//    in node_modules / npm/dist, plus tidings' .wasm; neither peer ships minified ESM;
//  * "bundled": `esbuild --bundle --minify --format=esm` of the entry (what a production
//    bundle adds), plus tidings' .wasm (already wasm-opt -Oz).
// gzip at level 9 and brotli at quality 11 (node:zlib), each file compressed on its own.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const sum = (parts) => parts.reduce((a, p) => ({ raw: a.raw + p.raw, gzip: a.gzip + p.gzip, brotli: a.brotli + p.brotli }), { raw: 0, gzip: 0, brotli: 0 });

async function library(name, entry, extra = []) {
  const common = { entryPoints: [entry], bundle: true, format: 'esm', write: false, absWorkingDir: here, logLevel: 'error', platform: 'browser', external: ['node:*'] };
  const plain = await build({ ...common, metafile: true });
  const inputs = Object.keys(plain.metafile.inputs).map((p) => join(here, p));
  const shippedFiles = [...inputs, ...extra];
  const shipped = sum(shippedFiles.map((f) => measure(readFileSync(f))));
  const minified = await build({ ...common, minify: true });
  const js = measure(minified.outputFiles[0].contents);
  const bundled = sum([js, ...extra.map((f) => measure(readFileSync(f)))]);
  return { name, files: shippedFiles.map((f) => relative(root, f)), shipped, bundledJs: js, bundled };
}

const wasm = join(root, 'npm/wasm/tidings_wasm_bg.wasm');
const libs = [
  await library('tidings', join(root, 'npm/dist/index.js'), [wasm]),
  await library('eventsource-parser', 'eventsource-parser'),
  await library('@microsoft/fetch-event-source', '@microsoft/fetch-event-source'),
];
const versions = Object.fromEntries(
  ['eventsource-parser', '@microsoft/fetch-event-source'].map((n) => [n, JSON.parse(readFileSync(join(here, 'node_modules', n, 'package.json'))).version]),
);
process.stdout.write(`${JSON.stringify({ wasm: measure(readFileSync(wasm)), libs, versions }, null, 1)}\n`);
