import { deliverBatch, type BatchHandlers } from './batch.js';
import { TidingsError, type TidingsErrorKind } from './errors.js';
import { loadClientWasm, type ClientWasm } from './client-wasm.js';

/** Which browser API carries the stream. See {@link ConnectOptions.transport}. */
export type Transport = 'fetch' | 'eventsource';

/** The connection status. `reconnecting` is never reported as `closed`. */
export type Status = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * This tab's part in a shared connection ({@link ConnectOptions.share}): `leader` holds the
 * connection, `follower` receives the leader's events, `solo` has its own (no sharing, or the
 * browser cannot share: no Web Locks or BroadcastChannel, or not a secure context).
 */
export type Role = 'leader' | 'follower' | 'solo';

/** See {@link ConnectOptions.share}. */
export type ShareOption = boolean | { key: string };

/** Headers as an object, a `Headers`, pairs, or a function (called before every attempt). */
export type HeadersOption =
  | Record<string, string>
  | Headers
  | Array<[string, string]>
  | (() => Record<string, string> | Headers | Array<[string, string]> | Promise<Record<string, string> | Headers | Array<[string, string]>>);

/** Reconnect policy. Every field is optional; defaults in brackets. */
export interface RetryOptions {
  /** Backoff of the first retry, ms [3000]; with full jitter the first retry comes after 0–3 s. */
  initialDelay?: number;
  /** Cap on the backoff, ms [10000]. The server's `retry:` and `Retry-After` may exceed it. */
  maxDelay?: number;
  /** Growth per retry [2]. */
  multiplier?: number;
  /** `full` spreads a herd of clients the most [full]. */
  jitter?: 'full' | 'equal' | 'none';
  /** Give up after this many retries of one outage [unbounded]. */
  maxAttempts?: number;
  /** Give up after this long in one outage, ms [unbounded]. */
  maxElapsed?: number;
  /** A connection open this long resets the backoff, ms [5000]. */
  healthyAfter?: number;
}

/** Options of {@link connect}. */
export interface ConnectOptions<T = string> {
  /**
   * `fetch` [default]: any method, body and headers; sees HTTP status and headers, so errors say
   * why; parsing and reconnects are tidings' own. `eventsource`: the browser's native
   * EventSource (GET, no headers; the browser reconnects, tidings takes over when it gives up).
   */
  transport?: Transport;
  /** HTTP method (fetch) [GET]. */
  method?: string;
  /** Request body (fetch): a string, bytes, or any other value sent as JSON. */
  body?: string | Uint8Array | ArrayBuffer | object;
  /** Request headers (fetch); a function is called before every attempt (token refresh). */
  headers?: HeadersOption;
  /** Fetch credentials mode [same-origin]. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Aborting it closes the stream with an `aborted` error. */
  signal?: AbortSignal;
  /** EventSource `withCredentials` [false]. */
  withCredentials?: boolean;
  /** Named event types the EventSource transport listens for (it cannot see others). */
  events?: string[];
  /** Query parameter carrying the last event ID when tidings creates a new EventSource [lastEventId]; `null` disables. */
  lastEventIdParam?: string | null;
  /** Resume from this event ID on the first connection. */
  lastEventId?: string;
  /** Reconnect policy. */
  retry?: RetryOptions;
  /** Drop and reconnect when nothing (not even a comment) arrives for this long, ms [off]. */
  idleTimeout?: number;
  /** Done when the body ends, no reconnect after it opened (LLM replies) [false]. */
  oneShot?: boolean;
  /** An event whose data is exactly this ends the stream cleanly (e.g. `[DONE]`); it is not delivered. */
  doneSentinel?: string;
  /** Close while the page is hidden, resume with Last-Event-ID when visible [false; never for one-shot]. */
  pauseWhileHidden?: boolean;
  /** Reconnect at once when the browser comes back online [true]. */
  reconnectOnOnline?: boolean;
  /** Longest line, bytes [16 MiB]. */
  maxLineSize?: number;
  /** Largest event, bytes [16 MiB]. */
  maxEventSize?: number;
  /** Turns each event's data into `T` (e.g. `JSON.parse`). A throw is reported as an error, not lost. */
  parse?: (data: string) => T;
  /**
   * One connection for every tab of this origin that opens the same stream [off]. `true` keys it
   * by method, URL and body; `{ key }` names it, and is required when the request has `headers`
   * or credentials (`credentials: 'include'`, `withCredentials`), so two users' streams never
   * mix (`connect` throws a `share-key-required` error otherwise). One tab leads and holds the
   * connection; the others receive its events; when the leader closes, navigates or is frozen,
   * another tab takes over from the last event ID any tab has seen. Headers are never broadcast.
   */
  share?: ShareOption;
}

/** A received event. */
export interface SSEEvent<T = string> {
  /** The event type (`message` unless the server sent `event:`). */
  type: string;
  /** The data, after {@link ConnectOptions.parse}. */
  data: T;
  /** The last event ID in force for this event. */
  lastEventId: string;
}

/** What `open` listeners receive. */
export interface OpenInfo {
  /** HTTP status (undefined for EventSource, which cannot see it). */
  status: number | undefined;
  /** Response headers visible to the page. */
  headers: Record<string, string>;
  /** 0 for the first connection, n for the n-th retry of an outage. */
  attempt: number;
}

/** Counters of a stream's life. */
export interface Metrics {
  /** Events delivered. */
  messages: number;
  /** Body bytes received. */
  bytes: number;
  /** Reconnection attempts made. */
  reconnects: number;
  /** Total time spent open, ms. */
  connectedMs: number;
  /** `Date.now()` of the last event, or null. */
  lastEventAt: number | null;
}

/** Lifecycle notifications; any other name is an event type (`message`, or `*` for all). */
export interface LifecycleListeners {
  open: (info: OpenInfo) => void;
  error: (error: TidingsError) => void;
  status: (status: Status) => void;
  retry: (ms: number) => void;
  comment: (text: string) => void;
  close: () => void;
  /** This tab's part in a shared connection changed ({@link ConnectOptions.share}). */
  role: (role: Role) => void;
}

type Lifecycle = keyof LifecycleListeners;
const LIFECYCLE: readonly Lifecycle[] = ['open', 'error', 'status', 'retry', 'comment', 'close', 'role'];

/** A live stream: listeners survive reconnects; `close()` releases everything. */
export interface EventStream<T = string> extends AsyncIterable<SSEEvent<T>> {
  /** Adds a listener; returns a function that removes it. */
  on<K extends Lifecycle>(type: K, listener: LifecycleListeners[K]): () => void;
  on(type: string, listener: (event: SSEEvent<T>) => void): () => void;
  /** Removes a listener added with {@link EventStream.on}. */
  off(type: string, listener: (...args: never[]) => void): void;
  /** The current status. */
  readonly status: Status;
  /** The last event ID (what a reconnect resumes from). */
  readonly lastEventId: string;
  /** Counters so far. */
  readonly metrics: Metrics;
  /** `leader`, `follower` or `solo`: see {@link ConnectOptions.share}. */
  readonly role: Role;
  /** Aborts the connection, cancels timers, releases every browser handle. Idempotent. */
  close(): void;
  /** Reconnects now with a fresh backoff (also reopens a closed stream). */
  reconnect(): void;
  /** Same as `close()`, for `using stream = connect(...)`. */
  [Symbol.dispose](): void;
}

const disposeSymbol: typeof Symbol.dispose =
  (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

type WasmClient = InstanceType<ClientWasm['Client']>;

function resolveUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return new URL(url, base).href;
}

function wasmOptions<T>(options: ConnectOptions<T>): Record<string, unknown> {
  // `parse` stays on this side; everything else is read by the wasm client.
  const { parse: _parse, ...rest } = options;
  return rest;
}

/**
 * Opens a Server-Sent Events stream. Returns at once; the wasm module loads on first use.
 *
 * @example
 * ```ts
 * import { connect } from 'tidings';
 *
 * const stream = connect<{ n: number }>('/sse/ticks', { parse: JSON.parse, retry: { maxAttempts: 10 } });
 * stream.on('message', (e) => console.log(e.data.n, e.lastEventId));
 * stream.on('error', (err) => console.warn(err.kind, err.status, err.willRetry));
 * // later
 * stream.close();
 * ```
 * @example
 * ```ts
 * for await (const event of connect('/sse/notifications')) render(event.data);
 * ```
 */
export function connect<T = string>(url: string, options: ConnectOptions<T> = {}): EventStream<T> {
  const share = options.share;
  if (
    share &&
    (share === true || typeof share.key !== 'string') &&
    (options.headers !== undefined || options.credentials === 'include' || options.withCredentials)
  ) {
    throw new TidingsError(
      'share-key-required',
      'share needs an explicit key when the request has headers or credentials: share: { key }',
      { willRetry: false },
    );
  }
  let role: Role = share ? 'follower' : 'solo';
  const listeners = new Map<string, Set<(...args: never[]) => void>>();
  let client: WasmClient | undefined;
  let status: Status = 'connecting';
  let closedBeforeReady = false;
  let lastEventId = options.lastEventId ?? '';
  // Bumped by close() and reconnect(): events of a batch from before are not delivered.
  let epoch = 0;
  // Iterators waiting for events: each has its own unbounded queue, so nothing is lost.
  const iterators = new Set<{ push(item: IteratorResult<SSEEvent<T>> | TidingsError): void }>();

  const call = (listener: (...a: never[]) => void, args: unknown[]) => {
    try {
      (listener as (...a: unknown[]) => void)(...args);
    } catch (error) {
      // A throwing listener must not stop delivery to the others.
      queueMicrotask(() => {
        throw error;
      });
    }
  };
  const emit = (type: string, ...args: unknown[]) => {
    const set = listeners.get(type);
    if (!set || set.size === 0) return;
    if (set.size === 1) {
      call(set.values().next().value!, args);
      return;
    }
    // A copy, so a listener that adds or removes listeners does not change this delivery.
    for (const listener of [...set]) call(listener, args);
  };
  const fail = (error: TidingsError) => {
    emit('error', error);
    if (!error.willRetry) for (const it of iterators) it.push(error);
  };

  const onEvent = (eventType: string | undefined, raw: string, id: string) => {
    const type = eventType ?? 'message';
    lastEventId = id;
    let data: T;
    try {
      data = options.parse ? options.parse(raw) : (raw as T);
    } catch (cause) {
      emit('error', new TidingsError('parse', `could not parse event data: ${String(cause)}`, { cause, data: raw }));
      return;
    }
    const event: SSEEvent<T> = { type, data, lastEventId: id };
    emit(type, event);
    emit('*', event);
    for (const it of iterators) it.push({ value: event, done: false });
  };

  const start = (wasm: ClientWasm) => {
    if (closedBeforeReady) return;
    let absolute: string;
    try {
      absolute = resolveUrl(url);
    } catch (cause) {
      status = 'closed';
      fail(new TidingsError('network', `invalid URL: ${url}`, { cause }));
      emit('close');
      return;
    }
    try {
      client = new wasm.Client(absolute, wasmOptions(options));
    } catch (cause) {
      // The wasm client rejects what the check in `connect` lets through in other shapes.
      status = 'closed';
      fail(TidingsError.fromWasm(cause));
      emit('close');
      return;
    }
    // Events arrive one batch per chunk of the stream (see batch.ts), not one call per event.
    // A listener that closes or reconnects the stream ends the connection the batch came
    // from: the rest of the batch is then dropped, as the wasm client drops later chunks.
    client.on('batch', undefined, (records: Uint32Array, text: string) => {
      const at = epoch;
      const handlers: BatchHandlers = {
        event: (type, data, id) => {
          if (epoch === at) onEvent(type, data, id);
        },
      };
      deliverBatch(records, text, handlers);
    });
    client.on('open', undefined, (s: number | undefined, headers: Record<string, string>, attempt: number) =>
      emit('open', { status: s, headers, attempt } satisfies OpenInfo),
    );
    client.on('error', undefined, (e: unknown) => fail(TidingsError.fromWasm(e)));
    client.on('status', undefined, (s: Status) => {
      status = s;
      emit('status', s);
    });
    client.on('retry', undefined, (ms: number) => emit('retry', ms));
    client.on('comment', undefined, (text: string) => emit('comment', text));
    role = client.role as Role;
    client.on('role', undefined, (r: Role) => {
      role = r;
      emit('role', r);
    });
    client.on('close', undefined, () => {
      emit('close');
      for (const it of iterators) it.push({ value: undefined, done: true });
    });
  };
  void loadClientWasm().then(start, (cause: unknown) => {
    status = 'closed';
    fail(new TidingsError('network', 'could not load the tidings wasm module', { cause }));
  });

  const stream: EventStream<T> = {
    on(type: string, listener: (...args: never[]) => void) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener);
      return () => stream.off(type, listener);
    },
    off(type, listener) {
      listeners.get(type)?.delete(listener);
    },
    get status() {
      return client ? (client.status as Status) : status;
    },
    get lastEventId() {
      // Tracked here, per delivered event (the wasm client counts whole batches).
      return lastEventId;
    },
    get role() {
      return role;
    },
    get metrics(): Metrics {
      return client
        ? (client.metrics() as Metrics)
        : { messages: 0, bytes: 0, reconnects: 0, connectedMs: 0, lastEventAt: null };
    },
    close() {
      epoch++;
      if (client) client.close();
      else if (!closedBeforeReady) {
        closedBeforeReady = true;
        status = 'closed';
        emit('status', 'closed');
        emit('close');
        for (const it of iterators) it.push({ value: undefined, done: true });
      }
    },
    reconnect() {
      epoch++;
      // From the last event delivered here: inside a batch the wasm client is further on.
      client?.reconnect(lastEventId);
    },
    [disposeSymbol]() {
      stream.close();
    },
    [Symbol.asyncIterator](): AsyncIterator<SSEEvent<T>> {
      const queue: Array<IteratorResult<SSEEvent<T>> | TidingsError> = [];
      let wake: (() => void) | undefined;
      const sink = {
        push(item: IteratorResult<SSEEvent<T>> | TidingsError) {
          queue.push(item);
          wake?.();
        },
      };
      iterators.add(sink);
      if (stream.status === 'closed') sink.push({ value: undefined, done: true });
      return {
        async next() {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          const item = queue.shift()!;
          if (item instanceof TidingsError) {
            iterators.delete(sink);
            throw item;
          }
          if (item.done) iterators.delete(sink);
          return item;
        },
        async return() {
          // `break` out of `for await` closes the stream: nothing else would release it.
          iterators.delete(sink);
          stream.close();
          return { value: undefined, done: true };
        },
      };
    },
  } as EventStream<T>;
  return stream;
}

/**
 * A one-shot stream as an async iterator, for LLM-style replies: done when the body ends (or at
 * `doneSentinel`), no reconnect after it opened; a fatal error is thrown from the loop; `break`
 * aborts the request.
 *
 * @example
 * ```ts
 * import { stream } from 'tidings';
 * for await (const ev of stream('/api/chat', { method: 'POST', body: { prompt }, doneSentinel: '[DONE]' })) {
 *   output.textContent += JSON.parse(ev.data).token;
 * }
 * ```
 */
export function stream<T = string>(url: string, options: ConnectOptions<T> = {}): AsyncIterable<SSEEvent<T>> {
  return {
    [Symbol.asyncIterator]() {
      return connect<T>(url, { oneShot: true, ...options })[Symbol.asyncIterator]();
    },
  };
}

export type { TidingsErrorKind };
