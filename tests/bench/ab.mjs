// A/B of two (or more) builds of the npm package in one headless Chromium: the full client,
// `connect()`, over the dev server, each build's runs interleaved with the others' and with
// fetch + eventsource-parser, so a change within the noise of two separate bench runs still
// shows. For speed work on the client module; `scripts/bench.sh` stays the report.
//
//   node tests/bench/ab.mjs [--runs N] [--workload tokens|large|huge] [--profile DIR] \
//        LABEL=NPMDIR [LABEL=NPMDIR ...]
//
// NPMDIR is a built copy of npm/ (its dist/ and wasm/ are served, e.g. `cp -r npm/dist npm/wasm
// /tmp/a/` before a change). --profile writes one Chromium CPU profile per build (the last run)
// as DIR/LABEL.cpuprofile (for DevTools) and prints its 25 largest self times.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
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
const runs = Number(option('--runs', 11));
const workloadName = option('--workload', 'tokens');
const profileDir = option('--profile', undefined);
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
  const workload = workloads({ smoke: false }).find((w) => w.name === workloadName && w.chunk !== 'event');
  if (!workload) throw new Error(`no workload ${workloadName}`);
  writeFileSync(join(dir, 'w.sse'), workload.bytes);
  for (const b of builds) {
    for (const part of ['dist', 'wasm']) cpSync(join(b.dir, part), join(dir, b.label, part), { recursive: true });
  }
  mkdirSync(join(dir, 'vendor'));
  await build({ entryPoints: ['eventsource-parser'], bundle: true, format: 'esm', outfile: join(dir, 'vendor/esp.js'), absWorkingDir: here, logLevel: 'error' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./ab-page.mjs"></script>');
  writeFileSync(
    join(dir, 'ab-page.mjs'),
    `import { createParser } from './vendor/esp.js';
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
window.runOnce = async (name, url, expected) => {
  await new Promise((r) => setTimeout(r, 200));
  gc(); // the previous run's garbage is not collected inside this one (as in page/bench.mjs)
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
    args: ['--no-sandbox', '--headless', '--js-flags=--expose-gc', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => window.ready === true);
  const url = `/sse/file?name=w.sse&chunk=${workload.chunk}&session=ab`;
  const names = ['eventsource-parser + fetch', ...builds.map((b) => b.label)];
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const cdp = profileDir ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    mkdirSync(profileDir, { recursive: true });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  }
  // Round 0 warms up and is not counted; the order rotates every round.
  for (let round = 0; round <= runs; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const profile = cdp && round === runs;
      if (profile) await cdp.send('Profiler.start');
      const ms = await page.evaluate(([n, u, e]) => window.runOnce(n, u, e), [name, url, workload.events]);
      if (profile) {
        const { profile: p } = await cdp.send('Profiler.stop');
        writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(p));
        summarise(name, p);
      }
      if (round > 0) times[name].push(ms);
    }
  }
  const peer = median(times[names[0]]);
  console.log(`${workload.title}: median of ${runs} interleaved runs (ms), ratio = eventsource-parser + fetch / build`);
  for (const n of names) {
    const m = median(times[n]);
    console.log(`${n.padEnd(28)} ${m.toFixed(1).padStart(8)} ms  ${(peer / m).toFixed(2)}x   [${times[n].map((t) => t.toFixed(0)).join(' ')}]`);
  }
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** Prints a profile's ten largest self times by function (wasm functions by their names, if the build kept them). */
function summarise(name, profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`-- ${name}: self time, top 25 of ${(total / 1000).toFixed(0)} ms`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`   ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
  }
}
