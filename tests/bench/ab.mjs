// A/B of two (or more) builds of the npm package in one headless Chromium: the full client,
// `connect()`, over the dev server, each build's runs interleaved with the others' and with
// fetch + eventsource-parser, so a change within the noise of two separate bench runs still
// shows. For speed work on the client module; `scripts/bench.sh` stays the report.
//
//   node tests/bench/ab.mjs [--parser [--back-to-back]] [--runs N] [--workload tokens|large|huge] [--profile DIR] [--js-flags F] \
//        LABEL=NPMDIR [LABEL=NPMDIR ...]
//
// NPMDIR is a built copy of npm/ (its dist/ and wasm/ are served, e.g. `cp -r npm/dist npm/wasm
// /tmp/a/` before a change). --profile records a Chromium CPU profile of every counted run,
// keeps each build's fastest and slowest as DIR/LABEL.fast.cpuprofile and DIR/LABEL.slow.cpuprofile
// (for DevTools) and prints their 25 largest self times side by side, to explain a spread.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { balancedOrders } from './order.mjs';
import { workloads } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
// A multiple of the order design's rounds (order.mjs) balances the order exactly: 12 for one or two
// builds (with the peer, 3 contenders: 6 rounds), 12 or 16 for three (4 contenders: 4 rounds).
const runs = Number(option('--runs', 11));
const workloadName = option('--workload', 'tokens');
const profileDir = option('--profile', undefined);
// Extra V8 flags for an experiment, e.g. --js-flags '--no-liftoff' (appended to --expose-gc).
const extraJsFlags = option('--js-flags', '');
// --parser: A/B `createParser` instead of `connect()`, on pre-split chunks in the page (as
// scripts/bench.sh's parser table), against eventsource-parser + TextDecoder.
const parserMode = args.includes('--parser') && args.splice(args.indexOf('--parser'), 1).length > 0;
// --back-to-back: no pause and no forced collection before a run, as scripts/bench.sh's parser
// table runs them (V8's heap state changes the figures more than either parser, findings.md 1.).
const backToBack = args.includes('--back-to-back') && args.splice(args.indexOf('--back-to-back'), 1).length > 0;
const builds = args.map((arg) => {
  const [label, dir] = arg.split('=');
  if (!label || !dir || !existsSync(join(dir, 'dist/index.js'))) throw new Error(`expected LABEL=NPMDIR with a built dist/, got ${arg}`);
  return { label, dir };
});
if (builds.length === 0) throw new Error('usage: node tests/bench/ab.mjs [--runs N] [--workload NAME] A=DIR [B=DIR ...]');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'tidings-ab-'));
let server;
let browser;
try {
  // One event per chunk exists only pre-split in the page (--parser): over the dev server the
  // server decides the chunks.
  const workload = workloads({ smoke: false }).find((w) => w.name === workloadName && (parserMode || w.chunk !== 'event'));
  if (!workload) throw new Error(`no workload ${workloadName}`);
  writeFileSync(join(dir, 'w.sse'), workload.bytes);
  for (const b of builds) {
    for (const part of ['dist', 'wasm']) cpSync(join(b.dir, part), join(dir, b.label, part), { recursive: true });
  }
  mkdirSync(join(dir, 'vendor'));
  for (const file of ['workloads.mjs', 'parsers.mjs']) cpSync(join(here, file), join(dir, file));
  await build({ entryPoints: ['eventsource-parser'], bundle: true, format: 'esm', outfile: join(dir, 'vendor/esp.js'), absWorkingDir: here, logLevel: 'error' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./ab-page.mjs"></script>');
  writeFileSync(
    join(dir, 'ab-page.mjs'),
    `import { createParser } from './vendor/esp.js';
import { parserRunners } from './parsers.mjs';
import { split } from './workloads.mjs';
const labels = ${JSON.stringify(builds.map((b) => b.label))};
const modules = {};
for (const label of labels) {
  modules[label] = await import('/' + label + '/dist/index.js');
  await modules[label].init();
}
const viaTidings = (connect) => (url, expected) => new Promise((resolve, reject) => {
  let events = 0;
  const stream = connect(url, { retry: { maxAttempts: 0 } });
  stream.on('message', () => { if (++events === expected) { stream.close(); resolve(events); } });
  stream.on('error', (e) => { stream.close(); reject(e); });
});
const viaEsp = async (url) => {
  let events = 0;
  const response = await fetch(url);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent() { events++; } });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return events;
};
window.clients = { 'eventsource-parser + fetch': viaEsp };
for (const label of labels) window.clients[label] = viaTidings(modules[label].connect);
if (${parserMode}) {
  // The parsers on the same pre-split chunks: run() resolves to the event count, like the clients.
  const chunks = split(new Uint8Array(await (await fetch('/w.sse')).arrayBuffer()), ${JSON.stringify(workload.chunk)});
  const runners = (tidingsCreateParser) => parserRunners({ tidingsCreateParser, espCreateParser: createParser });
  window.clients = { 'eventsource-parser + TextDecoder': async () => runners(null)['eventsource-parser + TextDecoder'](chunks).events };
  for (const label of labels) window.clients[label] = async () => runners(modules[label].createParser)['tidings createParser'](chunks).events;
}
window.runOnce = async (name, url, expected) => {
  if (!${backToBack}) {
    await new Promise((r) => setTimeout(r, 200));
    gc(); // the previous run's garbage is not collected inside this one (as in page/bench.mjs)
  }
  const start = performance.now();
  const events = await window.clients[name](url, expected);
  if (events !== expected) throw new Error(name + ': ' + events + ' events');
  return performance.now() - start;
};
window.ready = true;
`,
  );
  const addrFile = join(dir, 'addr');
  const serverBin = join(root, 'target/debug/tidings-devserver');
  server = spawn(serverBin, ['--port', '0', '--port-file', addrFile, '--exit-after', '1800', '--www', dir, '--pkg', join(root, 'npm')], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 200 && !existsSync(addrFile); i++) await new Promise((r) => setTimeout(r, 50));
  const base = readFileSync(addrFile, 'utf8').trim();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', `--js-flags=--expose-gc ${extraJsFlags}`.trim(), '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => window.ready === true);
  const url = `/sse/file?name=w.sse&chunk=${workload.chunk}&session=ab`;
  const peerName = parserMode ? 'eventsource-parser + TextDecoder' : 'eventsource-parser + fetch';
  const names = [peerName, ...builds.map((b) => b.label)];
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const cdp = profileDir ? await page.context().newCDPSession(page) : undefined;
  const extremes = {}; // name -> { fast: { ms, p }, slow: { ms, p } } with --profile
  if (cdp) {
    mkdirSync(profileDir, { recursive: true });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  }
  // Round 0 warms up and is not counted. Each round has its own order, in which every
  // contender follows every other one equally often over the design's rounds (order.mjs:
  // 2 rounds for one build and the peer, 6 for two builds): with a rotation by one, each build
  // always followed the same contender, and what ran just before changes a run's time.
  const orders = balancedOrders(names.length);
  for (let round = 0; round <= runs; round++) {
    for (const k of orders[round % orders.length]) {
      const name = names[k];
      const profile = cdp && round > 0;
      if (profile) await cdp.send('Profiler.start');
      const ms = await page.evaluate(([n, u, e]) => window.runOnce(n, u, e), [name, url, workload.events]);
      if (profile) {
        const { profile: p } = await cdp.send('Profiler.stop');
        const kept = extremes[name] ?? (extremes[name] = {});
        if (!kept.fast || ms < kept.fast.ms) kept.fast = { ms, p };
        if (!kept.slow || ms > kept.slow.ms) kept.slow = { ms, p };
      }
      if (round > 0) times[name].push(ms);
    }
  }
  for (const [name, kept] of Object.entries(extremes)) {
    for (const which of ['fast', 'slow']) writeFileSync(join(profileDir, `${name}.${which}.cpuprofile`), JSON.stringify(kept[which].p));
    compare(name, kept.fast, kept.slow);
  }
  const peer = median(times[names[0]]);
  console.log(`${workload.title}: median of ${runs} interleaved runs (ms), ratio = ${peerName} / build`);
  for (const n of names) {
    const m = median(times[n]);
    console.log(`${n.padEnd(28)} ${m.toFixed(1).padStart(8)} ms  ${(peer / m).toFixed(2)}x   [${times[n].map((t) => t.toFixed(0)).join(' ')}]`);
  }
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** Self time (µs) by function in a CPU profile (wasm functions by their names, if the build kept them). */
function selfTimes(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  return self;
}

/** Prints the 25 functions whose self time differs most between a build's fastest and slowest run. */
function compare(name, fast, slow) {
  const a = selfTimes(fast.p);
  const b = selfTimes(slow.p);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const diff = (k) => (b.get(k) ?? 0) - (a.get(k) ?? 0);
  const ms = (us) => (us / 1000).toFixed(1).padStart(7);
  console.log(`-- ${name}: fastest run ${fast.ms.toFixed(0)} ms, slowest ${slow.ms.toFixed(0)} ms; self time (ms) fast / slow / difference, largest differences first`);
  for (const k of keys.sort((x, y) => Math.abs(diff(y)) - Math.abs(diff(x))).slice(0, 25)) {
    console.log(`   ${ms(a.get(k) ?? 0)} ${ms(b.get(k) ?? 0)} ${ms(diff(k))}  ${k}`);
  }
}
