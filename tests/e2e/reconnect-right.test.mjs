// Stall detection behind a real proxy: a small Node HTTP proxy in front of a dedicated dev
// server (never the shared one). Like Vite's dev proxy, it pipes the upstream response and,
// when the upstream dies mid-body, leaves the browser's response open: no error, no end.
// The client must notice the silence (stall), reconnect through the proxy (502 while the
// upstream is down), and resume with Last-Event-ID once it is back: every event once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, repo, session, sleep, stats, until } from './lib.mjs';

const binary = process.env.TIDINGS_DEVSERVER ?? join(repo, 'target/debug/tidings-devserver');
const dir = mkdtempSync(join(tmpdir(), 'tidings-stall-'));

/** Starts the dev server on `port` (0 = any); resolves to { child, port }. */
async function upstream(port, name) {
  const portFile = join(dir, name);
  const child = spawn(binary, ['--port', String(port), '--port-file', portFile, '--exit-after', '120', '--pkg', join(repo, 'npm')], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200 && !existsSync(portFile); i++) await sleep(25);
  if (!existsSync(portFile)) {
    child.kill('SIGKILL');
    throw new Error(`the dev server did not start on port ${port}`);
  }
  return { child, port: Number(new URL(readFileSync(portFile, 'utf8').trim()).port) };
}

/** The proxy: every request forwarded to 127.0.0.1:target.port; 502 when it is unreachable. */
function startProxy(target) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode, upstreamRes.headers);
        // The upstream dying mid-body is swallowed, as many proxies do: the browser's
        // response stays open and silent.
        upstreamRes.on('error', () => {});
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway: upstream down');
      }
    });
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close() {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      }),
    );
  });
}

let browser;
let proxy;
const target = { port: 0, child: undefined };
before(async () => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p tidings-devserver`);
  const first = await upstream(0, 'first');
  Object.assign(target, first);
  proxy = await startProxy(target);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  proxy?.close();
  target.child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('a killed and restarted upstream behind a proxy: the stall is noticed, every event arrives once', async () => {
  const s = session('stall-proxy');
  const page = await (await browser.newContext()).newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  await page.goto(`${proxy.url}/health`);
  await page.evaluate(async (url) => {
    const { connect } = await import('/pkg/dist/index.js');
    window.__ids = [];
    window.__errors = [];
    // Adaptive detection with a low floor so the test takes seconds: 100 ms ticks make the
    // learned limit 3 x 100 ms, raised to the 500 ms floor.
    const stream = connect(url, { idleTimeout: { floor: 500, ceiling: 5_000 }, retry: { initialDelay: 150, maxDelay: 300 } });
    stream.on('message', (e) => window.__ids.push(e.lastEventId));
    stream.on('error', (e) => window.__errors.push({ kind: e.kind, status: e.status, silence: e.silence, limit: e.limit, willRetry: e.willRetry }));
    stream.on('close', () => (window.__closed = true));
  }, `${proxy.url}/sse/ticks?count=40&interval_ms=100&session=${s}`);
  const read = () => page.evaluate(() => ({ ids: window.__ids, errors: window.__errors, closed: !!window.__closed }));

  await until(async () => (await read()).ids.length >= 10, 10_000, 'ten events before the kill');
  target.child.kill('SIGKILL');
  await new Promise((resolve) => target.child.once('exit', resolve));
  // Down for a while: the open response through the proxy is silent, later attempts get 502.
  await until(async () => (await read()).errors.some((e) => e.kind === 'stall'), 5_000, 'the stall');
  await until(async () => (await read()).errors.some((e) => e.status === 502), 5_000, 'a 502 while down');
  let restarted;
  for (let attempt = 0; attempt < 20 && !restarted; attempt++) {
    restarted = await upstream(target.port, `again-${attempt}`).catch(() => undefined);
    if (!restarted) await sleep(100);
  }
  assert.ok(restarted, 'the upstream restarted on its port');
  Object.assign(target, restarted);

  const state = await until(async () => {
    const st = await read();
    return st.closed && st;
  }, 20_000, 'the whole stream, then the 204');
  const expected = Array.from({ length: 40 }, (_, i) => String(i));
  assert.deepEqual(state.ids, expected, 'every event once, in order');
  const stall = state.errors.find((e) => e.kind === 'stall');
  assert.equal(stall.willRetry, true);
  // The learned limit: 3 x the longest gap between ticks, raised to the 500 ms floor (a loaded
  // machine stretches some 100 ms gaps, so it can exceed the floor), below the 5 s ceiling.
  assert.ok(stall.limit >= 500 && stall.limit < 5_000, `limit ${stall.limit}`);
  assert.ok(stall.silence >= stall.limit && stall.silence < stall.limit + 3_000, `silence ${stall.silence}`);
  // The restarted server saw the resume.
  const seen = await stats(`http://127.0.0.1:${target.port}`, s);
  assert.match(seen.requests[0].last_event_id ?? '', /^\d+$/);
  assert.ok(Number(seen.requests[0].last_event_id) >= 9);
  assert.deepEqual(pageErrors, []);
});

test('persistLastEventId: a reload resumes from sessionStorage; clearLastEventId forgets it', async () => {
  const s = session('reload');
  const base = `http://127.0.0.1:${target.port}`;
  const url = `${base}/sse/ticks?interval_ms=40&session=${s}`;
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/health`);
  const start = (options) =>
    page.evaluate(
      async ([url, options]) => {
        const { connect } = await import('/pkg/dist/index.js');
        window.__ids = [];
        window.__stream = connect(url, options);
        window.__stream.on('message', (e) => window.__ids.push(e.lastEventId));
      },
      [url, options],
    );
  const ids = () => page.evaluate(() => window.__ids);
  const stored = () => page.evaluate(() => Object.entries(sessionStorage).filter(([k]) => k.startsWith('tidings:')));

  // Without the option nothing is stored.
  await start({});
  await until(async () => (await ids()).length >= 2, 10_000, 'two events');
  await page.evaluate(() => window.__stream.close());
  assert.deepEqual(await stored(), []);

  await start({ persistLastEventId: 'feed' });
  await until(async () => (await ids()).length >= 3, 10_000, 'three events');
  await page.reload();
  const kept = await stored();
  assert.equal(kept.length, 1);
  assert.equal(kept[0][0], `tidings:last-event-id:feed:${url}`);
  const resumeFrom = Number(kept[0][1]);
  assert.ok(resumeFrom >= 2, `stored ${kept[0][1]}`);
  await start({ persistLastEventId: 'feed' });
  await until(async () => (await ids()).length >= 1, 10_000, 'an event after the reload');
  assert.equal((await ids())[0], String(resumeFrom + 1), 'the reload resumed after the stored ID');
  let seen = await stats(base, s);
  assert.equal(seen.requests.at(-1).last_event_id, String(resumeFrom));

  // One call forgets it: the next load starts from the beginning.
  await page.evaluate(async (url) => {
    const { clearLastEventId } = await import('/pkg/dist/index.js');
    window.__stream.close();
    clearLastEventId(url, 'feed');
  }, url);
  assert.deepEqual(await stored(), []);
  await page.reload();
  await start({ persistLastEventId: 'feed' });
  await until(async () => (await ids()).length >= 1, 10_000, 'an event after clearing');
  assert.equal((await ids())[0], '0');
  seen = await stats(base, s);
  assert.equal(seen.requests.at(-1).last_event_id, null);
  await page.evaluate(() => window.__stream.close());
});
