// The package as consumers meet it, outside the repository: one `npm pack`, the tarball installed
// (from the registry, like a user would) into fresh temporary apps, then
//   - webpack 5 production build -> served by the dev server -> an event in headless Chromium;
//   - vite build                 -> served by the dev server -> an event in headless Chromium;
//   - vite dev server (127.0.0.1, free port, --strictPort) -> an event from the dev server (CORS);
//   - Node 20, plain `node` ESM script, no bundler -> events over the fetch transport, and
//     createParser on bytes.
// Prints what each bundler ships for `import { connect } from 'tidings'` (JS + wasm, raw and gzip).
//
// Finding: webpack 5 needs no configuration at all. tidings instantiates each of its two wasm
// modules itself from `new URL('../wasm/<name>_bg.wasm', import.meta.url)`, which webpack turns
// into an asset module (a hashed .wasm file); `experiments.asyncWebAssembly` is not needed and not
// set here. For `import { connect }` webpack drops the parser module entirely (one .wasm asset);
// Vite emits both .wasm files as assets (it transforms every module of the graph before
// tree-shaking) but the page fetches only the client's. Either way the app downloads one .wasm.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { devServer, launch, repo, session, sleep, stats, until } from './lib.mjs';

// The top-level versions the temporary apps install. Vite: the one www/ is locked to.
const VITE = JSON.parse(readFileSync(join(repo, 'www/package-lock.json'), 'utf8')).packages['node_modules/vite'].version;
const WEBPACK = process.env.TIDINGS_WEBPACK_VERSION ?? '5.113.0';
const WEBPACK_CLI = process.env.TIDINGS_WEBPACK_CLI_VERSION ?? '6.0.1';

/** Runs a command without a shell; bounded; rejects with its output on failure. */
function run(cmd, args, cwd, timeout = 120_000) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

const install = (cwd) => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], cwd, 150_000);

/** JS + wasm files under `dir` (except those `skip` says), with raw and gzip sizes. */
function shipped(dir, skip = () => false) {
  const rows = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(m?js|wasm)$/.test(e.name)) {
        const bytes = readFileSync(p);
        if (skip(e.name, bytes)) continue;
        rows.push({ name: relative(dir, p), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
      }
    }
  };
  walk(dir);
  const total = (pred, key) => rows.filter((r) => pred(r.name)).reduce((a, r) => a + r[key], 0);
  const isWasm = (n) => n.endsWith('.wasm');
  const isJs = (n) => !n.endsWith('.wasm');
  return {
    rows,
    js: { raw: total(isJs, 'raw'), gzip: total(isJs, 'gzip') },
    wasm: { raw: total(isWasm, 'raw'), gzip: total(isWasm, 'gzip') },
    total: { raw: total(() => true, 'raw'), gzip: total(() => true, 'gzip') },
  };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const describe = (label, s) =>
  `${label}: JS ${kb(s.js.raw)} (gzip ${kb(s.js.gzip)}) + wasm ${kb(s.wasm.raw)} (gzip ${kb(s.wasm.gzip)}) = ${kb(s.total.raw)} (gzip ${kb(s.total.gzip)}) [${s.rows
    .map((r) => `${r.name} ${r.raw} B / ${r.gzip} B gz`)
    .join(', ')}]`;
const sizes = [];

// The two modules as built (the client is the one `connect` loads), to recognise hashed assets.
const CLIENT_WASM_BYTES = readFileSync(join(repo, 'npm/wasm/tidings_wasm_bg.wasm')).length;
const PARSER_WASM_BYTES = readFileSync(join(repo, 'npm/wasm/tidings_parser_bg.wasm')).length;
// The client with tab sharing: emitted (a stream with `share` may load it), never fetched here.
const SHARE_WASM_BYTES = readFileSync(join(repo, 'npm/wasm/tidings_wasm_share_bg.wasm')).length;

/** The page fetched exactly one .wasm, the client module (`asset`: its emitted file name). */
function fetchedOnlyTheClient(got, asset) {
  assert.equal(got.wasm.length, 1, `one .wasm fetched: ${JSON.stringify(got.wasm)}`);
  assert.equal(got.wasm[0].status, 200);
  assert.ok(new URL(got.wasm[0].url).pathname.endsWith(asset), `${got.wasm[0].url} is the client module (${asset})`);
}

/** The name of the emitted asset with the client module's bytes. */
function clientAsset(s) {
  const row = s.rows.find((r) => r.name.endsWith('.wasm') && r.raw === CLIENT_WASM_BYTES);
  assert.ok(row, `the client .wasm is emitted: ${JSON.stringify(s.rows)}`);
  return row.name.split('/').at(-1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The app code every bundler gets: the SSE URL comes from the page's query string.
const MAIN = `import { connect } from 'tidings';
const out = document.getElementById('out');
const url = new URLSearchParams(location.search).get('url');
const stream = connect(url, { parse: JSON.parse });
stream.on('message', (e) => { out.textContent = 'event ' + e.lastEventId + ' ' + JSON.stringify(e.data); stream.close(); });
stream.on('error', (e) => { out.textContent = 'error ' + e.kind; });
`;
const page = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><pre id="out">waiting</pre>${script}\n`;

// A plain Node ESM consumer: no bundler, no flags. Prints one JSON line.
const NODE_MAIN = `import { connect, createParser } from 'tidings';
const base = process.argv[2];
const parsed = [];
const comments = [];
const parser = createParser({ onEvent: (e) => parsed.push(e), onComment: (c) => comments.push(c) });
const bytes = new TextEncoder().encode('id: 7\\nevent: greet\\ndata: caf\\u00e9\\ndata: two\\n\\n: note\\ndata: x\\n\\n');
const cut = bytes.indexOf(0xc3) + 1; // split inside the two-byte UTF-8 sequence of 'é'
parser.feed(bytes.subarray(0, cut));
parser.feed(bytes.subarray(cut));
const events = [];
const errors = [];
const s = connect(base + '/sse/ticks?count=3&interval_ms=5&session=' + process.argv[3], { parse: JSON.parse });
s.on('message', (e) => events.push({ id: e.lastEventId, data: e.data }));
s.on('error', (e) => errors.push({ kind: e.kind, status: e.status }));
await new Promise((resolve) => s.on('close', resolve));
console.log(JSON.stringify({ node: process.versions.node, parsed, comments, events, errors, status: s.status }));
`;

let dir;
let tarball;
let app;
let nodeApp;
let www;
let server;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidings-bundlers-'));
  assert.ok(!dir.startsWith(repo), 'the apps live outside the repository');

  const [packed] = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', dir], join(repo, 'npm'))).stdout);
  tarball = packed.filename;
  sizes.push(`npm tarball ${tarball}: ${kb(packed.size)} packed, ${kb(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);

  // One app for both bundlers (one install), one bare folder for Node.
  app = join(dir, 'app');
  nodeApp = join(dir, 'node');
  www = join(dir, 'www'); // served by the dev server: www/webpack, www/vite
  for (const d of [app, nodeApp, www]) mkdirSync(d);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'fresh-bundler-app',
        private: true,
        type: 'module',
        dependencies: { tidings: `file:../${tarball}` },
        devDependencies: { vite: VITE, webpack: WEBPACK, 'webpack-cli': WEBPACK_CLI },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(join(app, 'index.html'), page('<script type="module" src="./main.js"></script>'));
  // Nothing tidings-specific: no experiments, no rules, no plugins.
  writeFileSync(
    join(app, 'webpack.config.js'),
    `import { fileURLToPath } from 'node:url';
export default {
  mode: 'production',
  entry: './main.js',
  output: { path: fileURLToPath(new URL('../www/webpack', import.meta.url)), clean: true },
};
`,
  );
  writeFileSync(
    join(nodeApp, 'package.json'),
    JSON.stringify({ name: 'fresh-node-app', private: true, type: 'module', dependencies: { tidings: `file:../${tarball}` } }, null, 2),
  );
  writeFileSync(join(nodeApp, 'main.mjs'), NODE_MAIN);

  const started = Date.now();
  await Promise.all([install(app), install(nodeApp)]);
  sizes.push(`installs took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  server = await devServer({ www });
}, { timeout: 200_000 });

after(async () => {
  await browser?.close().catch(() => {});
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const line of sizes) console.log(`# ${line}`);
});

async function chromium() {
  browser ??= await launch();
  return browser;
}

/** Loads `pageUrl?url=<sse>` and returns the text the app writes, plus console problems. */
async function receive(pageUrl, sseUrl) {
  const p = await (await chromium()).newPage();
  const problems = [];
  const wasm = [];
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(String(e)));
  p.on('response', (r) => {
    if (r.url().split('?')[0].endsWith('.wasm')) wasm.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
  });
  try {
    await p.goto(`${pageUrl}?url=${encodeURIComponent(sseUrl)}`, { timeout: 15_000 });
    const text = await until(async () => {
      const value = await p.textContent('#out');
      return value !== 'waiting' && value;
    }, 15_000, 'an event');
    return { text, problems, wasm };
  } finally {
    await p.close();
  }
}

test('webpack 5 production build (no wasm experiments) -> an event in Chromium', { timeout: 90_000 }, async (t) => {
  const { stdout } = await run(join(app, 'node_modules/.bin/webpack'), ['--no-color'], app);
  assert.match(stdout, /compiled successfully/, stdout);
  assert.doesNotMatch(stdout, /WARNING|ERROR/, stdout);
  const out = join(www, 'webpack');
  // A classic (non-module) script: webpack's default output; the wasm URL comes from publicPath 'auto'.
  writeFileSync(join(out, 'index.html'), page('<script defer src="./main.js"></script>'));
  const s = shipped(out);
  assert.deepEqual(
    s.rows.filter((r) => r.name.endsWith('.wasm')).map((r) => r.raw).sort((a, b) => a - b),
    [CLIENT_WASM_BYTES, SHARE_WASM_BYTES].sort((a, b) => a - b),
    'the two client modules are emitted as assets (the parser module is tree-shaken)',
  );
  const asset = clientAsset(s);
  sizes.push(describe(`webpack ${WEBPACK} (production)`, s));
  t.diagnostic(sizes.at(-1));

  const id = session('webpack');
  const got = await receive(`${server.url}/webpack/index.html`, `/sse/ticks?count=1&interval_ms=0&session=${id}`);
  assert.equal(got.text, 'event 0 {"n":0}');
  assert.deepEqual(got.problems, []);
  fetchedOnlyTheClient(got, asset);
  await until(async () => (await stats(server.url, id)).open === 0, 10_000, 'the stream to close');
});

test('vite build -> an event in Chromium', { timeout: 90_000 }, async (t) => {
  const out = join(www, 'vite');
  await run(join(app, 'node_modules/.bin/vite'), ['build', '--base', './', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], app);
  const s = shipped(out);
  const wasmRows = s.rows.filter((r) => r.name.endsWith('.wasm'));
  assert.deepEqual(wasmRows.map((r) => r.raw).sort((a, b) => a - b), [PARSER_WASM_BYTES, CLIENT_WASM_BYTES, SHARE_WASM_BYTES].sort((a, b) => a - b), 'the three modules are emitted as assets');
  const asset = clientAsset(s);
  // What the connect-only page downloads: every JS file and the client module, not the parser's
  // nor the share module.
  const fetched = shipped(out, (name, bytes) => name.endsWith('.wasm') && (bytes.length === PARSER_WASM_BYTES || bytes.length === SHARE_WASM_BYTES));
  sizes.push(describe(`vite ${VITE} (build; without the parser and share .wasm, emitted but never fetched)`, fetched));
  t.diagnostic(sizes.at(-1));

  const id = session('vite-build');
  const got = await receive(`${server.url}/vite/index.html`, `/sse/ticks?count=1&interval_ms=0&session=${id}`);
  assert.equal(got.text, 'event 0 {"n":0}');
  assert.deepEqual(got.problems, []);
  fetchedOnlyTheClient(got, asset);
  await until(async () => (await stats(server.url, id)).open === 0, 10_000, 'the stream to close');
});

test('vite dev server -> an event from the dev server (cross-origin) in Chromium', { timeout: 90_000 }, async (t) => {
  const port = await freePort();
  const viteBin = join(app, 'node_modules/vite/bin/vite.js');
  // `timeout` stops vite by itself even if this test process is killed.
  const child = spawn('timeout', ['-k', '5', '120', process.execPath, viteBin, '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--clearScreen', 'false'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(2_000)]);
      }
    }
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`vite exited with ${child.exitCode}: ${log}`);
    return (await fetch(`${base}/index.html`).catch(() => undefined))?.ok;
  }, 20_000, `vite dev on ${base} (${log})`);

  const id = session('vite-dev');
  const started = Date.now();
  const got = await receive(`${base}/index.html`, `${server.url}/sse/ticks?count=1&interval_ms=0&session=${id}`);
  t.diagnostic(`vite dev: first load to first event ${Date.now() - started} ms; wasm from ${got.wasm.map((w) => `${new URL(w.url).pathname} (${w.status}, ${w.type})`).join(', ')}`);
  assert.equal(got.text, 'event 0 {"n":0}');
  assert.deepEqual(got.problems, []);
  fetchedOnlyTheClient(got, '/tidings_wasm_bg.wasm');
  assert.equal(got.wasm[0].type, 'application/wasm', 'served with the MIME type instantiateStreaming needs');
  await until(async () => (await stats(server.url, id)).open === 0, 10_000, 'the stream to close');
});

test('Node 20, plain ESM, no bundler: fetch transport events and createParser on bytes', { timeout: 60_000 }, async () => {
  const id = session('node');
  const { stdout } = await run(process.execPath, ['main.mjs', server.url, id], nodeApp, 30_000);
  const got = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.match(got.node, /^\d+\./);
  assert.deepEqual(got.events, [
    { id: '0', data: { n: 0 } },
    { id: '1', data: { n: 1 } },
    { id: '2', data: { n: 2 } },
  ]);
  assert.equal(got.status, 'closed');
  assert.deepEqual(got.errors.at(-1), { kind: 'http', status: 204 }, 'the server ends the stream with a 204');
  // (Through JSON: the second event's `event: undefined`, the default type, has no key.)
  assert.deepEqual(got.parsed, [
    { event: 'greet', id: '7', data: 'caf\u00e9\ntwo', lastEventId: '7' },
    { id: '7', data: 'x', lastEventId: '7' },
  ]);
  assert.deepEqual(got.comments, ['note']);
  const seen = await stats(server.url, id);
  assert.equal(seen.open, 0);
  assert.ok(seen.requests.length >= 1);
});
