// Diagnostic (not run by scripts/bench.sh): which objects accumulate over reconnects. Takes a
// V8 heap snapshot after N1 and after N2 reconnects of the memory benchmark's client and prints
// the constructors whose live count or size grew the most.
//
//   node tests/bench/heapdiff.mjs [N1=100] [N2=1100] [tidings|fetch-loop] [--compiled]
//
// --compiled: instead of the snapshots, lists the functions V8 compiles (Maglev, TurboFan) between
// the two points, by file and position, from V8's code log (`--log-code`). The points are marked
// in the log itself (a function named TIDINGS_MARK_A/B compiled there), not on the console:
// Chromium's stdout is buffered, so `--trace-opt` lines and console markers arrive out of order.
// A function listed more than once was compiled again after a collection freed its code.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const compiled = process.argv.includes('--compiled');
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [n1, n2] = [Number(positional[0] ?? 100), Number(positional[1] ?? 1100)];
const kind = positional[2] ?? 'tidings';
const dir = mkdtempSync(join(tmpdir(), 'tidings-heapdiff-'));
let server;
let browser;
try {
  for (const file of ['page/index.html', 'page/bench.mjs', 'workloads.mjs', 'parsers.mjs']) {
    copyFileSync(join(here, file), join(dir, file.replace('page/', '')));
  }
  mkdirSync(join(dir, 'vendor'));
  for (const [entry, out] of [['eventsource-parser', 'eventsource-parser.js'], ['@microsoft/fetch-event-source', 'fetch-event-source.js']]) {
    await build({ entryPoints: [entry], bundle: true, format: 'esm', outfile: join(dir, 'vendor', out), absWorkingDir: here, logLevel: 'error' });
  }
  const addrFile = join(dir, 'addr');
  server = spawn(join(root, 'target/debug/tidings-devserver'), ['--port', '0', '--port-file', addrFile, '--exit-after', '600', '--www', dir, '--pkg', join(root, 'npm')], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(addrFile); i++) await new Promise((r) => setTimeout(r, 50));
  const base = readFileSync(addrFile, 'utf8').trim();
  const codeLog = join(dir, 'v8.log');
  const jsFlags = compiled ? [`--js-flags=--log-code --logfile=${codeLog} --no-logfile-per-isolate`] : [];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...jsFlags] });
  const page = await browser.newPage();
  page.setDefaultTimeout(600_000);
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => window.benchReady === true);
  const cdp = await page.context().newCDPSession(page);
  const snapshot = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    let text = '';
    const onChunk = ({ chunk }) => (text += chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    const snap = JSON.parse(text);
    const f = snap.snapshot.meta.node_fields;
    const types = snap.snapshot.meta.node_types[0];
    const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
    const counts = new Map();
    for (let i = 0; i < snap.nodes.length; i += f.length) {
      const key = `${types[snap.nodes[i + iType]]}:${snap.strings[snap.nodes[i + iName]].slice(0, 60)}`;
      const c = counts.get(key) ?? { n: 0, bytes: 0 };
      c.n++;
      c.bytes += snap.nodes[i + iSize];
      counts.set(key, c);
    }
    return counts;
  };
  await page.evaluate((k) => window.benchMemoryStart(k), kind);
  await page.evaluate((n) => window.benchMemoryUntil(n), n1);
  if (compiled) {
    // A marker: a function of this name, compiled (hence logged) when it first runs.
    const mark = (name) => page.evaluate((n) => new Function(`function ${n}() { return 1 } return ${n}()`)(), name);
    await cdp.send('HeapProfiler.collectGarbage');
    await mark('TIDINGS_MARK_A');
    await page.evaluate((n) => window.benchMemoryUntil(n), n2);
    await mark('TIDINGS_MARK_B');
    await browser.close();
    browser = undefined;
    // code-creation,<type>,<kind>,<time>,<address>,<size>,<name and position>,...,<tier marker>:
    // optimised JS code ends in `+` (Maglev) or `*` (TurboFan); `~` is bytecode.
    const lines = readFileSync(codeLog, 'utf8').split('\n');
    const from = lines.findIndex((l) => l.includes('TIDINGS_MARK_A'));
    const to = lines.findIndex((l) => l.includes('TIDINGS_MARK_B'));
    if (from < 0 || to < from) throw new Error('markers not found in the V8 log');
    const counts = new Map();
    for (const line of lines.slice(from, to)) {
      if (!line.startsWith('code-creation,JS,')) continue;
      const fields = line.split(',');
      const tier = fields[fields.length - 1].replace(/'/g, '');
      if (tier !== '+' && tier !== '*') continue;
      const name = fields[6].replace(/https?:\/\/[^/]+/, '').trim();
      if (name.startsWith('wasm-function')) continue; // wasm tier-up: not on the JS heap
      const key = `${tier === '*' ? 'TurboFan' : 'Maglev  '} ${name}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`JS functions compiled from ${n1} to ${n2} reconnects (${kind}): ${total}`);
    for (const [key, n] of [...counts].sort((x, y) => y[1] - x[1])) console.log(`${String(n).padStart(4)}  ${key}`);
  } else {
    const a = await snapshot();
    await page.evaluate((n) => window.benchMemoryUntil(n), n2);
    const b = await snapshot();
    const rows = [...b.entries()]
      .map(([key, v]) => ({ key, dn: v.n - (a.get(key)?.n ?? 0), dbytes: v.bytes - (a.get(key)?.bytes ?? 0) }))
      .filter((r) => r.dbytes > 0 || r.dn > 0)
      .sort((x, y) => y.dbytes - x.dbytes)
      .slice(0, 25);
    console.log(`growth from ${n1} to ${n2} reconnects (count, bytes):`);
    for (const r of rows) console.log(`${String(r.dn).padStart(7)} ${String(r.dbytes).padStart(9)}  ${r.key}`);
  }
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
