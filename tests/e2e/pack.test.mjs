// The packaging test: `npm pack` the package, install the tarball into a fresh Vite app in a
// temporary folder outside the repository (from the registry, like a user would), build it,
// serve the build from the dev server and receive an event in headless Chromium. Also reports
// what such an app ships for `import { connect } from 'tidings'` (JS + wasm, raw and gzip).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { devServer, launch, repo, session, stats, until } from './lib.mjs';

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

test('npm pack -> fresh Vite app outside the repo -> vite build -> an event in Chromium', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-pack-'));
  assert.ok(!dir.startsWith(repo), 'the app lives outside the repository');
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], join(repo, 'npm')));
  t.diagnostic(`packed ${packed.filename}: ${packed.size} bytes, unpacked ${packed.unpackedSize} bytes, ${packed.entryCount} files`);
  const files = packed.files.map((f) => f.path);
  for (const f of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/react/index.js', 'dist/vue/index.js', 'wasm/tidings_wasm.js', 'wasm/tidings_wasm_bg.wasm', 'wasm/tidings_wasm_share.js', 'wasm/tidings_wasm_share_bg.wasm', 'wasm/tidings_parser.js', 'wasm/tidings_parser_bg.wasm']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests in the tarball');

  const app = join(dir, 'app');
  mkdirSync(app);
  const vite = JSON.parse(readFileSync(join(repo, 'www/node_modules/vite/package.json'), 'utf8')).version;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'fresh-app', private: true, type: 'module', dependencies: { tidings: `file:../${packed.filename}` }, devDependencies: { vite } }, null, 2),
  );
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><pre id="out">waiting</pre><script type="module" src="./main.js"></script>\n');
  writeFileSync(
    join(app, 'main.js'),
    `import { connect } from 'tidings';
const out = document.getElementById('out');
const url = new URLSearchParams(location.search).get('url');
const stream = connect(url, { parse: JSON.parse });
stream.on('message', (e) => { out.textContent = 'event ' + e.lastEventId + ' ' + JSON.stringify(e.data); stream.close(); });
stream.on('error', (e) => { out.textContent = 'error ' + e.kind; });
`,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
  run(join(app, 'node_modules/.bin/vite'), ['build', '--base', './'], app);

  const assets = join(app, 'dist/assets');
  let raw = 0;
  let gzip = 0;
  const rows = [];
  for (const name of readdirSync(assets).filter((n) => /\.(js|wasm)$/.test(n))) {
    const bytes = readFileSync(join(assets, name));
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += statSync(join(assets, name)).size;
    gzip += gz;
    rows.push(`${name} ${bytes.length} B (gzip ${gz} B)`);
  }
  t.diagnostic(`vite build of import { connect } from 'tidings': ${rows.join(', ')}; total ${raw} B, gzip ${gzip} B`);
  assert.ok(rows.some((r) => r.includes('.wasm')), 'the wasm file is emitted as an asset');

  const server = await devServer({ www: join(app, 'dist') });
  t.after(() => server.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const s = session('pack');
  await page.goto(`${server.url}/index.html?url=${encodeURIComponent(`/sse/ticks?count=1&interval_ms=0&session=${s}`)}`);
  const text = await until(async () => {
    const value = await page.textContent('#out');
    return value !== 'waiting' && value;
  }, 15_000, 'an event');
  assert.equal(text, 'event 0 {"n":0}');
  await until(async () => (await stats(server.url, s)).open === 0, 10_000, 'the stream to close');
});
