// The React demo page (www/react/index.html without `?url=`): tidings' hooks in real use —
// a live feed with a status badge and a bounded history, an LLM reply with Stop, and an auth
// error that a token fixes. Same nav and style as the other demo pages.
import { useState } from 'react';
import { useEventSource, useSSE } from 'tidings/react';

import '../style.css';

const session = `demo-react-${Math.random().toString(36).slice(2, 8)}`;
const time = (at) => new Date(at).toLocaleTimeString([], { hour12: false });

function Feed() {
  const [interval, setInterval] = useState(500);
  const { status, events, error, connect, disconnect, isConnected } = useSSE(`/sse/ticks?interval_ms=${interval}&session=${session}`, {
    parse: (data) => ({ ...JSON.parse(data), at: Date.now() }),
    history: 12,
  });
  return (
    <section className="card" id="feed">
      <div className="card-head">
        <h2>
          Live feed <span id="feed-status" className="badge" data-status={status}>{status}</span>
        </h2>
        <div className="row">
          <label className="field">
            every
            <select value={interval} onChange={(e) => setInterval(Number(e.target.value))}>
              <option value={250}>250 ms</option>
              <option value={500}>500 ms</option>
              <option value={1000}>1 s</option>
            </select>
          </label>
          <button id="feed-toggle" type="button" className="primary" onClick={isConnected ? disconnect : connect}>
            {isConnected ? 'Disconnect' : 'Connect'}
          </button>
        </div>
      </div>
      {error && <p className="hint">last error: {error.kind}</p>}
      <ol id="feed-history" className="log">
        {events.length === 0 ? <li className="empty">waiting for the first event…</li> : null}
        {[...events].reverse().map((e) => (
          <li key={e.lastEventId} data-id={e.lastEventId}>
            <span className="t">{time(e.data.at)}</span>
            <span className="k">#{e.lastEventId}</span>
            <span>{`{"n":${e.data.n}}`}</span>
          </li>
        ))}
      </ol>
      <p className="hint">useSSE(url, {'{'} parse, history: 12 {'}'}) — the last 12 events, newest first.</p>
    </section>
  );
}

function Reply() {
  const [prompt, setPrompt] = useState('How do LLMs stream their answers?');
  const [asked, setAsked] = useState(null);
  const [reply, setReply] = useState('');
  const [stopped, setStopped] = useState(false);
  const { status, error, connect, disconnect } = useSSE(asked ? `/sse/llm?session=${session}` : null, {
    method: 'POST',
    body: asked ?? undefined,
    oneShot: true,
    doneSentinel: '[DONE]',
    parse: (data) => JSON.parse(data).token,
    history: 0,
    onEvent: (e) => setReply((text) => text + e.data),
  });
  const streaming = asked !== null && status !== 'closed';
  const state = !asked ? 'idle' : streaming ? 'streaming' : stopped ? 'stopped' : error ? 'error' : 'done';
  return (
    <section className="card" id="reply">
      <div className="card-head">
        <h2>
          LLM reply <span id="reply-status" className="badge" data-status={state}>{state}</span>
        </h2>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setReply('');
          setStopped(false);
          setAsked({ prompt, tokens: 40, delay_ms: 40, nonce: Date.now() });
          connect(); // after a Stop (disconnect), the hook stays closed until connect()
        }}
      >
        <input id="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} style={{ flex: 1 }} />
        <button id="ask" type="submit" className="primary" disabled={streaming}>Ask</button>
        <button
          id="stop"
          type="button"
          className="danger"
          disabled={!streaming}
          onClick={() => {
            setStopped(true);
            disconnect();
          }}
        >
          ■ Stop
        </button>
      </form>
      <p id="reply-text" style={{ minHeight: '4.5rem' }} data-tokens={reply ? reply.split(' ').length : 0}>{reply || '…'}</p>
      <p className="hint">A POST stream to [DONE]; Stop closes the request mid-reply.</p>
    </section>
  );
}

function Auth() {
  const [token, setToken] = useState(null);
  const { lastMessage, error, status } = useEventSource(`/sse/auth?interval_ms=700&session=${session}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const signIn = async () => {
    const answer = await (await fetch('/control/token?ttl_ms=60000', { method: 'POST' })).json();
    setToken(answer.token);
  };
  return (
    <section className="card" id="auth">
      <div className="card-head">
        <h2>
          Auth <span id="auth-status" className="badge" data-status={error ? 'error' : status}>{error ? `${error.kind} ${error.status ?? ''}`.trim() : status}</span>
        </h2>
        <button id="sign-in" type="button" onClick={signIn} disabled={Boolean(token)}>Get a token</button>
      </div>
      {error ? (
        <p id="auth-error">
          <b>{error.kind === 'http' && error.status === 401 ? 'Not signed in (401).' : error.message}</b> tidings does not retry a 401:
          new headers reconnect.
        </p>
      ) : (
        <p id="auth-data">{lastMessage ? `authorised · event #${lastMessage.lastEventId}` : 'connecting with the token…'}</p>
      )}
      <p className="hint">useEventSource(url, {'{'} headers {'}'}) — error.kind, error.status, error.willRetry.</p>
    </section>
  );
}

export function Demo() {
  return (
    <>
      <header className="topbar">
        <a className="brand" href="/">
          <svg viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="8" fill="#4f46e5" />
            <path d="M6 20c3-6 6-6 9 0s6 6 11-8" stroke="#fff" strokeWidth="2.6" fill="none" strokeLinecap="round" />
          </svg>
          tidings
        </a>
        <nav>
          <a href="/">Home</a>
          <a href="/dist/vanilla/">Vanilla TS</a>
          <a href="/dist/chat/">LLM chat</a>
          <a href="/dist/lab/">Reconnect lab</a>
          <a href="/dist/share/">Shared tabs</a>
          <a href="/dist/react/index.html" aria-current="page">React</a>
          <a href="/dist/vue/index.html">Vue</a>
          <a href="/dist/leptos/index.html">Leptos</a>
        </nav>
      </header>
      <main className="page">
        <div className="page-head">
          <div>
            <h1>React hooks</h1>
            <p>
              <code>useSSE</code> and <code>useEventSource</code> from <code>tidings/react</code>, in StrictMode: one connection
              per hook, every event reaches <code>onEvent</code>, unmount closes.
            </p>
          </div>
        </div>
        <div className="cols even">
          <Feed />
          <div className="stack">
            <Reply />
            <Auth />
          </div>
        </div>
      </main>
    </>
  );
}
