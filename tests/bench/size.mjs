// Size of what an app ships for tidings, per usage, next to the peers, measured the same way.
// Prints one JSON document on stdout.
//
//   node tests/bench/size.mjs
//
// tidings ships two wasm modules, each loaded on first use: the parser (`createParser`) and the
// client (`connect`/`stream`). So the honest figure depends on what the app imports:
//  * "createParser only": `export { createParser } from 'tidings'` + the parser .wasm,
//    next to eventsource-parser;
//  * "connect only": `export { connect } from 'tidings'` + the client .wasm, next to
//    @microsoft/fetch-event-source;
//  * "connect with share": the same JS + the client-with-tab-sharing .wasm, which a stream
//    opened with `share: true` loads instead (only if npm/wasm has it);
//  * "main entry": `export { connect, createParser } from 'tidings'`: its JS (which is all an
//    import fetches up front) and, for an app that uses both, the JS + both .wasm files.
// Two measurements per usage:
//  * "as shipped": every ESM file the bundle keeps (esbuild's metafile, after tree-shaking),
//    unminified as in node_modules / npm/dist, plus the .wasm files it loads; neither peer ships
//    minified ESM;
//  * "bundled": `esbuild --bundle --minify --format=esm` of the entry (what a production
//    bundle adds), plus the .wasm files (already wasm-opt -Oz).
// gzip at level 9 and brotli at quality 11 (node:zlib), each file compressed on its own.
//  * "code-split": the same minified build with esbuild's `splitting` (what Vite, webpack and
//    Rollup do with a dynamic `import()` by default), counting only the chunks the usage
//    downloads: the entry, its static imports and the lazy chunk of the wasm glue it loads.
// `bundledJs` is the minified JS alone: the size floor of a usage (the TypeScript layer and the
// wasm-bindgen glue, with no wasm), so the report can tell the wasm's share from the JS's.
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * `names` re-exported from `from`, bundled; `wasm` are the .wasm files that usage loads, `lazy`
 * the glue modules it imports on first use (for the code-split measure).
 */
async function usage(name, library, from, names, wasm = [], lazy = []) {
  const common = {
    stdin: { contents: `export { ${names.join(', ')} } from ${JSON.stringify(from)};\n`, resolveDir: here, loader: 'js' },
    bundle: true, format: 'esm', write: false, absWorkingDir: here, logLevel: 'error', platform: 'browser', external: ['node:*'],
  };
  const plain = await build({ ...common, metafile: true });
  // The files that end up in the bundle (tree-shaking drops the others, e.g. connect.js for a
  // createParser-only app).
  const [output] = Object.values(plain.metafile.outputs);
  const inputs = Object.entries(output.inputs).filter(([p, i]) => p !== '<stdin>' && i.bytesInOutput > 0).map(([p]) => join(here, p));
  const shippedFiles = [...inputs, ...wasm];
  const shipped = sum(shippedFiles.map((f) => measure(readFileSync(f))));
  const minified = await build({ ...common, minify: true });
  const js = measure(minified.outputFiles[0].contents);
  const bundled = sum([js, ...wasm.map((f) => measure(readFileSync(f)))]);
  // Code-split (what Vite, webpack and Rollup do by default with a dynamic `import()`): the
  // chunks this usage downloads are the entry, what it imports statically, and the lazy
  // chunks holding the glue of the module it loads. The glue of a module it never loads (the
  // tab-sharing client's, for a plain `connect`) stays in a chunk nobody fetches; without
  // splitting, esbuild inlines every dynamic import, so "bundled" counts it.
  const split = await build({ ...common, minify: true, splitting: true, outdir: join(here, '.size-split'), metafile: true });
  const outputs = split.metafile.outputs;
  const loaded = new Set();
  const visit = (out) => {
    if (loaded.has(out)) return;
    loaded.add(out);
    for (const i of outputs[out].imports) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
  };
  for (const [out, o] of Object.entries(outputs)) {
    if (o.entryPoint === '<stdin>' || Object.keys(o.inputs).some((input) => lazy.includes(join(here, input)))) visit(out);
  }
  const chunk = (out) => split.outputFiles.find((f) => f.path === join(here, out)).contents;
  const splitJs = sum([...loaded].map((out) => measure(chunk(out))));
  const codeSplit = { chunks: loaded.size, of: Object.keys(outputs).length, js: splitJs, total: sum([splitJs, ...wasm.map((f) => measure(readFileSync(f)))]) };
  return { name, library, imports: names, files: shippedFiles.map((f) => relative(root, f)), shipped, bundledJs: js, bundled, codeSplit };
}

const entry = join(root, 'npm/dist/index.js');
const parserWasm = join(root, 'npm/wasm/tidings_parser_bg.wasm');
const clientWasm = join(root, 'npm/wasm/tidings_wasm_bg.wasm');
// What a stream with `share: true` loads instead of the client module (the fuller client, with
// tab sharing). Its JS is the connect-only bundle's (`share` is an option, not an import). It is
// built by the npm build since the tab-sharing split; a tree without it still gets every other
// figure, and the JSON says why the row is missing.
const shareWasm = join(root, 'npm/wasm/tidings_wasm_share_bg.wasm');
const hasShare = existsSync(shareWasm);
const clientGlue = join(root, 'npm/wasm/tidings_wasm.js');
const shareGlue = join(root, 'npm/wasm/tidings_wasm_share.js');
const usages = [
  await usage('tidings: createParser only', 'tidings', entry, ['createParser'], [parserWasm]),
  await usage('tidings: connect only', 'tidings', entry, ['connect'], [clientWasm], [clientGlue]),
  ...(hasShare ? [await usage('tidings: connect with share', 'tidings', entry, ['connect'], [shareWasm], [shareGlue])] : []),
  await usage('tidings: main entry, both', 'tidings', entry, ['connect', 'createParser'], [parserWasm, clientWasm], [clientGlue]),
  await usage('eventsource-parser: createParser', 'eventsource-parser', 'eventsource-parser', ['createParser']),
  await usage('@microsoft/fetch-event-source: fetchEventSource', '@microsoft/fetch-event-source', '@microsoft/fetch-event-source', ['fetchEventSource']),
];
const versions = Object.fromEntries(
  ['eventsource-parser', '@microsoft/fetch-event-source'].map((n) => [n, JSON.parse(readFileSync(join(here, 'node_modules', n, 'package.json'))).version]),
);
const wasm = { parser: measure(readFileSync(parserWasm)), client: measure(readFileSync(clientWasm)), ...(hasShare ? { clientShare: measure(readFileSync(shareWasm)) } : {}) };
const notes = hasShare ? [] : [`${relative(root, shareWasm)} not built: no 'tidings: connect with share' row`];
process.stdout.write(`${JSON.stringify({ wasm, usages, versions, notes }, null, 1)}\n`);
