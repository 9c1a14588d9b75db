// tidings in React. Without a query string: the demo page (Demo.jsx). With `?url=`: one stream
// through `useSSE`, configured by the query string so the end-to-end tests can drive every
// scenario, e.g.
//   ?url=/sse/ticks%3Fcount%3D5&events=tick
//   ?url=/sse/llm&method=POST&body={"prompt":"hi"}&doneSentinel=[DONE]&oneShot=1
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useSSE } from 'tidings/react';

import { Demo } from './Demo.jsx';

const params = new URLSearchParams(location.search);
const url = params.get('url') ?? '/sse/ticks?interval_ms=500&session=demo-react';
const options = {
  events: params.get('events')?.split(',') ?? undefined,
  method: params.get('method') ?? undefined,
  body: params.has('body') ? JSON.parse(params.get('body')) : undefined,
  doneSentinel: params.get('doneSentinel') ?? undefined,
  oneShot: params.get('oneShot') === '1',
  share: params.get('share') === '1' || undefined,
  history: 1000,
};
// Every event as the hook's onEvent saw it (the tests compare it with the rendered list).
window.__seen = [];

function Stream() {
  const { status, events, error } = useSSE(url, { ...options, onEvent: (e) => window.__seen.push(e) });
  return (
    <section>
      <p>
        status: <b id="status">{status}</b> · events: <b id="count">{events.length}</b>
      </p>
      <pre id="error">{error ? JSON.stringify({ kind: error.kind, status: error.status ?? null, willRetry: error.willRetry }) : ''}</pre>
      <ol id="events">
        {events.map((e, i) => (
          <li key={i} data-type={e.type} data-id={e.lastEventId}>
            {e.data}
          </li>
        ))}
      </ol>
    </section>
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  return (
    <main>
      <h1>tidings · React</h1>
      <button id="unmount" onClick={() => setMounted((m) => !m)}>
        {mounted ? 'unmount' : 'mount'}
      </button>
      {mounted ? <Stream /> : <p id="unmounted">unmounted</p>}
    </main>
  );
}

// With `?url=` the page is the end-to-end test app; without, the demo page.
createRoot(document.getElementById('root')).render(<StrictMode>{params.has('url') ? <App /> : <Demo />}</StrictMode>);
