// What tests/e2e/eventsource.test.mjs checks inside a dedicated and a shared module worker:
// connect(), stream() and EventSource with no window and no document, relative URLs resolved
// against the worker's location. Served by the dev server under /pkg/test/browser/.
import { connect, EventSource, stream } from '/pkg/dist/index.js';

const withTimeout = (promise, what, ms = 8000) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms))]);

export async function runChecks(session) {
  const out = {
    window: typeof window,
    document: typeof document,
    location: self.location.href,
  };

  const live = connect(`/sse/ticks?count=2&interval_ms=5&retry=50&session=${session}-connect`);
  out.connect = await withTimeout(
    new Promise((resolve) => {
      const seen = [];
      live.on('message', (e) => {
        seen.push([e.data, e.lastEventId]);
        if (seen.length === 2) {
          live.close();
          resolve(seen);
        }
      });
      live.on('error', (e) => seen.push(['error', e.kind, e.message]));
    }),
    'connect()',
  );
  out.connectStatus = live.status;

  const tokens = [];
  for await (const ev of stream(`/sse/llm?session=${session}-stream`, {
    method: 'POST',
    body: { prompt: 'hi', tokens: 3, delay_ms: 1 },
    doneSentinel: '[DONE]',
  })) {
    tokens.push(JSON.parse(ev.data).token);
  }
  out.stream = tokens;

  const source = new EventSource(`/sse/message?body=${encodeURIComponent('id: 5\ndata: from a worker\n\n')}&session=${session}-es`);
  out.eventSource = await withTimeout(
    new Promise((resolve) => {
      source.onmessage = (e) => {
        source.close();
        resolve({ data: e.data, lastEventId: e.lastEventId, url: source.url, sameOrigin: e.origin === self.location.origin });
      };
      source.onerror = (e) => resolve({ error: e.kind ?? 'error' });
    }),
    'EventSource',
  );
  return out;
}
