// The `workerd` export condition in workerd itself (the runtime of Cloudflare Workers, from the
// `workerd` npm package): the package's workerd entry imports both .wasm files as modules (workerd
// forbids compiling wasm from bytes at run time), and EventSource, connect() and
// fromReadableStream work inside a worker against the dev server on loopback. (workerd's own
// EventTarget calls `on<type>` properties by itself; handlers must still run once.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { devServer, repo, session, sleep } from './lib.mjs';

const pkg = JSON.parse(readFileSync(join(repo, 'npm/package.json'), 'utf8'));

let server;
let runtime;
let base;
let dir;

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// ENTRY: where the package's exports map sends the `workerd` condition.
const WORKER = `
import { connect, EventSource } from './node_modules/tidings/ENTRY';

const collect = (source, n) =>
  new Promise((resolve) => {
    const seen = [];
    source.onmessage = (e) => {
      seen.push([e.data, e.lastEventId]);
      if (seen.length === n) {
        source.close();
        resolve(seen);
      }
    };
    source.onerror = (e) => {
      seen.push(['error', source.readyState, e.kind, e.error?.message]);
      if (source.readyState === EventSource.CLOSED) resolve({ error: e.kind, message: e.error?.message, seen });
    };
  });

export default {
  async fetch(request, env) {
    const session = new URL(request.url).searchParams.get('session');
    const out = {};
    out.eventSource = await collect(new EventSource(env.SERVER + '/sse/ticks?count=2&interval_ms=5&retry=50&session=' + session), 2);
    const response = await fetch(env.SERVER + '/sse/message?body=' + encodeURIComponent('id: 3\\ndata: piped\\n\\n'));
    out.fromReadableStream = await collect(EventSource.fromReadableStream(response.body), 1);
    out.relative = await new Promise((resolve) => connect('/sse/ticks').on('error', (e) => resolve([e.kind, e.message])));
    return Response.json(out);
  },
};
`;

before(async () => {
  server = await devServer({});
  dir = mkdtempSync(join(tmpdir(), 'tidings-workerd-'));
  // The package as an app would have it in node_modules, resolved through its exports map.
  const root = join(dir, 'node_modules/tidings');
  cpSync(join(repo, 'npm/dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(repo, 'npm/wasm'), join(root, 'wasm'), { recursive: true });
  const entry = pkg.exports['.'].workerd.replace(/^\.\//, '');
  writeFileSync(join(dir, 'worker.mjs'), WORKER.replace('ENTRY', entry));
  const modules = [`(name = "worker.mjs", esModule = embed "worker.mjs")`];
  for (const sub of ['dist', 'wasm']) {
    for (const file of readdirSync(join(root, sub), { recursive: true })) {
      const path = `node_modules/tidings/${sub}/${file}`;
      if (file.endsWith('.js')) modules.push(`(name = "${path}", esModule = embed "${path}")`);
      if (file.endsWith('.wasm')) modules.push(`(name = "${path}", wasm = embed "${path}")`);
    }
  }
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(',\n    ')}],
  compatibilityDate = "2026-11-01",
  bindings = [(name = "SERVER", text = "${server.url}")],
  globalOutbound = "loopback",
);
`,
  );
  const binary = join(repo, 'tests/node_modules/.bin/workerd');
  runtime = spawn(binary, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'inherit', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/?session=probe`).then(() => true, () => false)) break;
    await sleep(100);
  }
});

after(() => {
  runtime?.kill();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('EventSource, fromReadableStream and connect() inside workerd, wasm imported as modules', async () => {
  const response = await fetch(`${base}/?session=${session('workerd')}`);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const out = JSON.parse(text);
  assert.deepEqual(out.eventSource, [
    ['{"n":0}', '0'],
    ['{"n":1}', '1'],
  ]);
  assert.deepEqual(out.fromReadableStream, [['piped', '3']]);
  assert.equal(out.relative[0], 'invalid-url');
  assert.match(out.relative[1], /relative URL/);
});
