// EventSource.fromReadableStream() in Node 20: every transcribed web-platform-tests case of the
// proposal (cases/from-readable-stream.mjs), the fetch() ones against the dev server.
import { after, before, test } from 'node:test';

import { EventSource } from '../dist/index.js';
import { cases } from './cases/from-readable-stream.mjs';
import { devServer } from './server.mjs';

let server;
before(async () => {
  server = await devServer();
});
after(() => server?.stop());

const env = {
  messageUrl: (body) => `${server.url}/sse/message?body=${encodeURIComponent(body)}`,
};

for (const c of cases) {
  test(`fromReadableStream: ${c.name}`, () => c.run(EventSource, env));
}
