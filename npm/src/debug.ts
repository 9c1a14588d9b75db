/**
 * The `debug` option: a structured trace of one stream's life — attempts, HTTP status and
 * response headers, errors with the retry they lead to (reason and delay), stalls, `retry:`
 * changes, comments and a summary of every event. DevTools' EventStream tab only shows native
 * EventSource connections; this is the same view for fetch streams.
 *
 * Built from the stream's own notifications (the wasm client reports status, heads, errors with
 * their delay and attempt): when `debug` is off no listener is attached, so it costs nothing.
 *
 * @packageDocumentation
 */
import type { EventStream, OpenInfo, Status } from './connect.js';
import type { TidingsError } from './errors.js';
import type { SSEEvent, Uniform } from './events.js';

/** What a trace entry is about. */
export type TraceKind = 'connecting' | 'open' | 'status' | 'error' | 'retry-scheduled' | 'stall' | 'gave-up' | 'retry-field' | 'comment' | 'event' | 'reconnect' | 'close';

/** One line of the trace. Fields beyond `kind`, `at`, `url`, `message` depend on the kind. */
export interface TraceEntry {
  /** What happened. */
  kind: TraceKind;
  /** Milliseconds since the stream was created. */
  at: number;
  /** The stream's URL, as given. */
  url: string;
  /** One readable line, e.g. `retry #2 in 1840 ms (http 503)`. */
  message: string;
  /** Attempt number (0 = the first connection) for `connecting`, `open`, `error`, `retry-scheduled`. */
  attempt?: number;
  /** HTTP status (`open`, `error` of kind `http`). */
  status?: number;
  /** Response headers visible to the page (`open`). */
  headers?: Record<string, string>;
  /** The connection status (`status`). */
  state?: Status;
  /** The error (`error`, `stall`, `retry-scheduled`, `gave-up`). */
  error?: TidingsError;
  /** Milliseconds until the next attempt (`retry-scheduled`), or the server's `retry:` (`retry-field`). */
  delay?: number;
  /** Event type, id and data size (`event`). */
  event?: { type: string; id: string; size: number; preview: string };
}

/** A function that receives every {@link TraceEntry}; `debug: true` logs them to `console.debug`. */
export type DebugLogger = (entry: TraceEntry) => void;

/** Longest data preview in an `event` entry. */
const PREVIEW_CHARS = 80;

function preview(data: unknown): { size: number; preview: string } {
  let text: string;
  try {
    text = typeof data === 'string' ? data : JSON.stringify(data) ?? String(data);
  } catch {
    text = String(data);
  }
  return { size: text.length, preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text };
}

function consoleLogger(entry: TraceEntry): void {
  console.debug(`[tidings] ${entry.url} +${entry.at}ms ${entry.message}`, entry);
}

/**
 * Attaches the trace to a stream (only called when `debug` is set); `born` is when the stream
 * was created, which entries count from. `connect` loads this module on demand and attaches
 * it before the client starts; a stream closed before that gets its `close` entry here.
 * @internal
 */
export function attachTrace(stream: EventStream<Uniform<unknown>>, url: string, debug: true | DebugLogger, born = Date.now()): void {
  const log = debug === true ? consoleLogger : debug;
  let attempt = 0;
  const write = (entry: Omit<TraceEntry, 'at' | 'url'>) => {
    try {
      log({ ...entry, at: Date.now() - born, url });
    } catch {
      // A broken logger must not break the stream.
    }
  };
  write({ kind: 'connecting', attempt, message: 'connecting (attempt 0)' });
  stream.on('open', (info: OpenInfo) => {
    attempt = info.attempt;
    const type = info.headers['content-type'];
    write({
      kind: 'open',
      attempt: info.attempt,
      status: info.status,
      headers: info.headers,
      message: `open: ${info.status ?? 'EventSource'}${type ? ` ${type}` : ''} (attempt ${info.attempt})`,
    });
  });
  stream.on('status', (state: Status) => {
    write({ kind: 'status', state, message: `status ${state}` });
    if (state === 'connecting' && attempt > 0) write({ kind: 'connecting', attempt, message: `connecting (attempt ${attempt})` });
  });
  stream.on('error', (error: TidingsError) => {
    const reason = `${error.kind}${error.status ? ` ${error.status}` : ''}`;
    if (error.kind === 'stall') write({ kind: 'stall', error, attempt: error.attempt, message: `stalled: ${error.message}` });
    else write({ kind: 'error', error, attempt: error.attempt, status: error.status, message: `error ${reason}: ${error.message}` });
    if (error.willRetry) {
      attempt = error.attempt;
      write({
        kind: 'retry-scheduled',
        error,
        attempt: error.attempt,
        delay: error.delay,
        message: `retry #${error.attempt} in ${error.delay ?? '?'} ms (${reason})`,
      });
    } else if (error.kind !== 'parse') {
      write({ kind: 'gave-up', error, attempt: error.attempt, message: `no retry (${error.kind === 'gave-up' ? (error.reason ?? 'gave up') : reason})` });
    }
  });
  stream.on('retry', (ms: number) => write({ kind: 'retry-field', delay: ms, message: `server retry: ${ms} ms` }));
  stream.on('comment', (text: string) => write({ kind: 'comment', message: `comment: ${text}` }));
  stream.on('*', (event: SSEEvent<unknown>) => {
    const summary = { type: event.type, id: event.lastEventId, ...preview(event.data) };
    write({ kind: 'event', event: summary, message: `event ${summary.type}${summary.id ? ` #${summary.id}` : ''} (${summary.size} chars)` });
  });
  const closed = () => write({ kind: 'close', message: `closed (${stream.metrics.messages} events, ${stream.metrics.reconnects} reconnects)` });
  stream.on('close', closed);
  if (stream.status === 'closed') closed();
  const reconnect = stream.reconnect;
  stream.reconnect = () => {
    write({ kind: 'reconnect', message: 'reconnect() called' });
    reconnect();
  };
}
