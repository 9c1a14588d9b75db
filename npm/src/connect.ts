import { deliverBatch, type BatchHandlers } from './batch.js';
import { TidingsError, type TidingsErrorKind } from './errors.js';
import { clientMemory, clientWasmFor, type ClientWasm } from './client-wasm.js';
import { resolveStreamUrl } from './url.js';
import type { DebugLogger, TraceEntry } from './debug.js';
import { currentOverride } from './override.js';
import {
  createDecoder,
  DecodeFailure,
  type AnyEvent,
  type DecodeOptions,
  type EventMap,
  type Inferred,
  type ResolveEvents,
  type SchemaMap,
  type SSEEvent,
  type Uniform,
} from './events.js';

export type { SSEEvent };

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

/** Tuning of adaptive stall detection ({@link ConnectOptions.idleTimeout}); defaults in brackets. */
export interface AdaptiveStallOptions {
  /** The limit is this many times the longest gap seen between signs of life [3]. */
  multiple?: number;
  /** Lowest limit, ms [30000]. */
  floor?: number;
  /** Highest limit, and the limit until the cadence is known, ms [120000]. */
  ceiling?: number;
  /** Gaps to see before the learned limit applies [3]. */
  minGaps?: number;
}

/**
 * Options of {@link connect}. The type parameters type the events: an event map `M`
 * (`{ price: Price }`), or, without one, `T` from the return type of `parse` and `S` from
 * `schema` (see {@link DecodeOptions}).
 */
export interface ConnectOptions<M = Inferred, T = string, S = Inferred> extends DecodeOptions<M, T, S> {
  /**
   * `fetch` (the default): any method, body and headers; sees HTTP status and headers, so errors say
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
  /**
   * Keep the last event ID in `sessionStorage` (keyed by the URL, and by this string when one
   * is given), so a page reload resumes the stream from it; an explicit `lastEventId` wins.
   * Opt-in [off]: nothing is stored otherwise. Clear it with `clearLastEventId()` from `tidings`. Without
   * `sessionStorage` (SSR, workers, a storage that throws) nothing is stored and nothing fails.
   */
  persistLastEventId?: boolean | string;
  /** Reconnect policy. */
  retry?: RetryOptions;
  /**
   * Stall detection: a connection silent (no events, no comments) for longer than the stall
   * limit is dropped and resumed with `Last-Event-ID`, reported as an error of kind `stall`
   * (`silence`, `limit`, `willRetry`). By default [adaptive] the limit is learned from the
   * stream: 3x the longest gap seen, at least 30 s, at most 120 s (120 s until 3 gaps were
   * seen). A number fixes the limit, ms; `false` turns detection off; an object tunes the
   * adaptive limit. The `eventsource` transport cannot see comments, so only a number applies
   * to it.
   */
  idleTimeout?: number | false | AdaptiveStallOptions;
  /** Done when the body ends, no reconnect after it opened (LLM replies) [false]. */
  oneShot?: boolean;
  /**
   * An event whose data is exactly this ends the stream cleanly (e.g. `[DONE]`); it is not
   * delivered. A one-shot stream whose body ends before it fails with an `incomplete` error
   * (`lastEventId`, `events`): a half answer is never a clean end.
   */
  doneSentinel?: string;
  /**
   * One-shot streams: when the reply is cut (a network drop, or `incomplete`), reconnect with
   * `Last-Event-ID` so a server with resumable streams continues it. `true` resumes once, a
   * number up to that many times [off]. A `204` on the resume means "nothing to resume" and
   * ends the stream cleanly.
   */
  resume?: boolean | number;
  /** Close while the page is hidden, resume with Last-Event-ID when visible [false; never for one-shot]. */
  pauseWhileHidden?: boolean;
  /** Reconnect at once when the browser comes back online [true]. */
  reconnectOnOnline?: boolean;
  /** Longest line, bytes [16 MiB]. */
  maxLineSize?: number;
  /** Largest event, bytes [16 MiB]. */
  maxEventSize?: number;
  /**
   * Called instead of the global `fetch` (fetch transport), with one `Request`; returns a
   * `Response` or a promise of one: a mock, an instrumented fetch, a runtime's own fetcher.
   */
  fetch?: (request: Request) => Response | Promise<Response>;
  /**
   * A structured trace of the stream's life: attempts, status and response headers, errors with
   * the retry they lead to (reason, delay), stalls, `retry:` changes and one summary per event.
   * `true` logs to `console.debug`; a function receives each {@link TraceEntry} [off: no cost].
   */
  debug?: boolean | DebugLogger;
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

/**
 * A live stream of the events of map `M`: listeners survive reconnects; `close()` releases
 * everything. Iterating it (`for await`) yields every event, a union discriminated on `type`.
 */
export interface EventStream<M = Uniform<string>> extends AsyncIterable<AnyEvent<M>> {
  /** Adds a listener; returns a function that removes it. */
  on<K extends Lifecycle>(type: K, listener: LifecycleListeners[K]): () => void;
  /** `'*'`: every event, whatever its type (a union discriminated on `type`). */
  on(type: '*', listener: (event: AnyEvent<M>) => void): () => void;
  /** Events of one type (`message` for events without `event:`). */
  on<K extends keyof M & string>(type: K, listener: (event: SSEEvent<M[K], K>) => void): () => void;
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

/** A number option as the wasm client reads it: `NaN` (its default) unless a number ≥ 0. */
const count = (value: unknown): number => (typeof value === 'number' && value >= 0 ? value : NaN);
/** A boolean option: 1 or 0, `NaN` (its default) unless a boolean. */
const flag = (value: unknown): number => (typeof value === 'boolean' ? Number(value) : NaN);
/** A string option, or `undefined`. */
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** Header pairs as the wasm client takes them: `name\nvalue\n` each. */
function headerList(headers: Record<string, string> | Headers | Array<[string, string]>): string {
  let list = '';
  const pairs = typeof Headers === 'function' && headers instanceof Headers ? headers : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of pairs) if (typeof name === 'string' && typeof value === 'string') list += `${name}\n${value}\n`;
  return list;
}

/**
 * The arguments of the wasm client's constructor for `options` (crates/tidings-wasm/src/client.rs:
 * `numbers` by the indexes of its `option` module, then the strings, the JS values and `notify`).
 * The wasm client reads no JS object: defaults for what is absent are its own.
 */
function wasmArguments(options: ConnectOptions<any, any, any>) {
  const retry = (options.retry ?? {}) as RetryOptions;
  const idle = options.idleTimeout;
  const tuned = typeof idle === 'object' && idle !== null ? idle : undefined;
  const body = options.body ?? undefined;
  const bodyBytes =
    body instanceof Uint8Array ? body : typeof ArrayBuffer === 'function' && body instanceof ArrayBuffer ? new Uint8Array(body) : undefined;
  const bodyKind = body === undefined ? NaN : typeof body === 'string' ? 1 : bodyBytes ? 3 : 2;
  const resume = options.resume;
  const numbers = new Float64Array([
    options.transport === 'eventsource' ? 1 : 0,
    options.credentials === 'omit' ? 0 : options.credentials === 'include' ? 2 : 1,
    flag(options.withCredentials),
    bodyKind,
    count(retry.initialDelay),
    count(retry.maxDelay),
    count(retry.multiplier),
    retry.jitter === undefined ? NaN : retry.jitter === 'equal' ? 1 : retry.jitter === 'none' ? 2 : 0,
    count(retry.maxAttempts),
    count(retry.maxElapsed),
    count(retry.healthyAfter),
    // idleTimeout: false is off, a number fixes the limit, an object tunes the adaptive one.
    idle === false ? 0 : count(idle) >= 0 ? 1 : tuned ? 2 : NaN,
    count(idle),
    count(tuned?.floor),
    count(tuned?.ceiling),
    count(tuned?.multiple),
    count(tuned?.minGaps),
    flag((options as { eventSourceRules?: boolean }).eventSourceRules),
    flag(options.oneShot),
    typeof resume === 'boolean' ? Number(resume) : count(resume),
    flag(options.pauseWhileHidden),
    flag(options.reconnectOnOnline),
    count(options.maxLineSize),
    count(options.maxEventSize),
    count((options as { jitterSeed?: number }).jitterSeed),
  ]);
  const headers = options.headers;
  // The EventSource transport only hears the types it listens for: the schema's, by default.
  const events = options.events ?? (options.schema ? Object.keys(options.schema) : undefined);
  const persist = options.persistLastEventId;
  const share = options.share;
  const signal = options.signal;
  return [
    numbers,
    text(options.method),
    typeof body === 'string' ? body : bodyKind === 2 ? (JSON.stringify(body) ?? '') : undefined,
    bodyBytes,
    headers && typeof headers !== 'function' ? headerList(headers) : undefined,
    events ? Array.from(events, String).join('\n') : undefined,
    options.lastEventIdParam === null ? '' : text(options.lastEventIdParam),
    text(options.lastEventId),
    text(options.doneSentinel),
    persist === true ? '' : text(persist),
    share === true ? '' : share ? (text(share.key) ?? '') : undefined,
    typeof AbortSignal === 'function' && signal instanceof AbortSignal ? signal : undefined,
    typeof options.fetch === 'function' ? options.fetch : undefined,
    typeof headers === 'function' ? headers : undefined,
  ] as const;
}

/** The wasm client's status and role codes, as strings. */
const STATUSES: readonly Status[] = ['connecting', 'open', 'reconnecting', 'closed'];
const ROLES: readonly Role[] = ['leader', 'follower', 'solo'];

/** The kinds of the wasm client's `notify` calls (`notify` in crates/tidings-wasm/src/client.rs). */
const enum Notify {
  Batch = 1,
  Open,
  Error,
  Status,
  Retry,
  Comment,
  Close,
  Role,
}

/** The pairs of a `name\nvalue\n` list, as an object. */
function headerObject(list: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const parts = (list ?? '').split('\n');
  for (let i = 0; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
  return headers;
}

/**
 * Opens a Server-Sent Events stream. Returns at once; the wasm module loads on first use.
 *
 * @example
 * ```ts
 * import { connect } from 'tidings';
 *
 * const stream = connect('/sse/ticks', { parse: (data): Tick => JSON.parse(data), retry: { maxAttempts: 10 } });
 * stream.on('message', (e) => console.log(e.data.n, e.lastEventId)); // e.data: Tick
 * stream.on('error', (err) => console.warn(err.kind, err.status, err.willRetry));
 * // later
 * stream.close();
 * ```
 * @example Typed event map, validated by a Standard Schema (zod, valibot, arktype…)
 * ```ts
 * const feed = connect('/sse/feed', { schema: { price: PriceSchema, news: NewsSchema } });
 * feed.on('price', (e) => chart.push(e.data.value)); // e.data: z.infer<typeof PriceSchema>
 * feed.on('error', (err) => err.kind === 'parse' && console.warn(err.eventType, err.issues));
 * for await (const e of feed) if (e.type === 'news') show(e.data.title);
 * ```
 * @example An event map as a type only (no runtime validation)
 * ```ts
 * const feed = connect<{ price: Price; news: News }>('/sse/feed', { parse: JSON.parse });
 * feed.on('news', (e) => show(e.data.title)); // e.data: News
 * ```
 * @example
 * ```ts
 * for await (const event of connect('/sse/notifications')) render(event.data);
 * ```
 * @typeParam M - an event map (`{ price: Price; news: News }`); leave it out to infer the types.
 * @typeParam T - inferred from the return type of `parse`: every event's data (default `string`).
 * @typeParam S - inferred from `schema`: the event map is the schemas' output types.
 */
export function connect<M extends EventMap | Inferred = Inferred, T = string, const S extends SchemaMap | Inferred = Inferred>(
  url: string,
  options?: ConnectOptions<M, T, S>,
): EventStream<ResolveEvents<M, T, S>>;
export function connect(url: string, options: ConnectOptions<any, any, any> = {}): EventStream<Uniform<unknown>> {
  // `tidings/testing` installed a fake transport: no wasm, no network.
  const fake = currentOverride();
  if (fake) return fake.connect(url, options);
  type T = unknown;
  const decode = createDecoder(options);
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
  // Each type's listeners, in the order added. Copy on write: `on` and `off` replace the
  // array, so a delivery walks the array it started with (a listener that adds or removes
  // listeners does not change it) and the per-event path copies and allocates nothing.
  type Listener = (...args: never[]) => void;
  const listeners = new Map<string, readonly Listener[]>();
  const none: readonly Listener[] = [];
  // The lists every event looks up, kept apart so the per-event path does no map lookup.
  let messageListeners = none;
  let anyListeners = none;
  const setListeners = (type: string, list: readonly Listener[]) => {
    listeners.set(type, list);
    if (type === 'message') messageListeners = list;
    else if (type === '*') anyListeners = list;
  };
  let client: WasmClient | undefined;
  let status: Status = 'connecting';
  let closedBeforeReady = false;
  let lastEventId = options.lastEventId ?? '';
  // Set when a connection ended by itself: the client's last event ID is then the stream's,
  // which also moved on a block with `id:` and no data, which delivers no event (WHATWG HTML
  // §9.2.6). Read from the client when asked for, not at every reconnect. (Only a listener
  // that closed the stream mid-batch leaves the client ahead, and then no error or reconnect
  // of that connection follows.)
  let clientIdIsNewer = false;
  const currentLastEventId = () => {
    if (clientIdIsNewer && client) {
      lastEventId = client.lastEventId;
      clientIdIsNewer = false;
    }
    return lastEventId;
  };
  // Bumped by close() and reconnect(): events of a batch from before are not delivered.
  let epoch = 0;
  // Iterators waiting for events: each has its own unbounded queue, so nothing is lost.
  const iterators = new Set<{ push(item: IteratorResult<SSEEvent<T>> | TidingsError): void }>();

  // A throwing listener must not stop delivery to the others: its error is rethrown later.
  const rethrowLater = (error: unknown) =>
    queueMicrotask(() => {
      throw error;
    });
  const emit = (type: string, ...args: unknown[]) => {
    for (const listener of listeners.get(type) ?? none) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        rethrowLater(error);
      }
    }
  };
  const fail = (error: TidingsError) => {
    emit('error', error);
    if (!error.willRetry) for (const it of iterators) it.push(error);
  };

  // The epoch of the batch being delivered: its events are dropped once the stream was closed
  // or reconnected since (set by `notify` for each batch).
  let batchEpoch = epoch;
  const onEvent = (eventType: string | undefined, raw: string, id: string) => {
    if (epoch !== batchEpoch) return;
    const type = eventType ?? 'message';
    lastEventId = id;
    clientIdIsNewer = false;
    const data = decode ? decode(type, raw) : raw;
    if (data instanceof DecodeFailure) {
      emit('error', data.error);
      return;
    }
    const event: SSEEvent<T> = { type, data, lastEventId: id };
    // `emit` for events, the hot path, in line: one argument, no rest array, the lists already
    // found; the type's listeners, then the `*` ones. (In line rather than a helper: each
    // function that every reconnect runs is one more that V8 compiles and keeps; findings §6.)
    let list = eventType === undefined ? messageListeners : (listeners.get(type) ?? none);
    for (let pass = 0; pass < 2; pass++, list = anyListeners) {
      for (const listener of list) {
        try {
          (listener as (e: SSEEvent<T>) => void)(event);
        } catch (error) {
          rethrowLater(error);
        }
      }
    }
    if (iterators.size) for (const it of iterators) it.push({ value: event, done: false });
  };

  const start = (wasm: ClientWasm) => {
    if (closedBeforeReady) return;
    let absolute: string;
    try {
      absolute = resolveStreamUrl(url);
    } catch (error) {
      status = 'closed';
      fail(error as TidingsError);
      emit('close');
      return;
    }
    // Events arrive one batch per chunk of the stream (see batch.ts), not one call per event.
    // A listener that closes or reconnects the stream ends the connection the batch came
    // from: the rest of the batch is then dropped, as the wasm client drops later chunks.
    // The records are in the module's memory, valid until the next call into it (a listener
    // may make one): copied first into an array reused from batch to batch, or into one of
    // their own should a batch ever arrive while another is being delivered.
    const memory = clientMemory(wasm);
    let records = new Uint32Array(256);
    let delivering = false;
    // One handlers object for every batch.
    const handlers: BatchHandlers = { event: onEvent };
    // Everything the wasm client reports, as numbers and strings (see `Notify`).
    const notify = (
      kind: Notify,
      a: number,
      b: number,
      c: number,
      n1: number,
      n2: number,
      s: string | undefined,
      t: string | undefined,
      s1: string | undefined,
      s2: string | undefined,
    ) => {
      switch (kind) {
        case Notify.Batch: {
          // (address, count, _, _, _, text): `count` records at `address` in the module's memory.
          const outer = batchEpoch;
          batchEpoch = epoch;
          const view = new Uint32Array(memory.buffer, a, b);
          // (`deliverBatch` does not throw: it drops what its handlers throw.)
          if (delivering) {
            deliverBatch(view.slice(), s!, handlers);
          } else {
            if (records.length < b) records = new Uint32Array(b * 2);
            records.set(view);
            delivering = true;
            deliverBatch(records, s!, handlers, 0, b);
            delivering = false;
          }
          batchEpoch = outer;
          break;
        }
        case Notify.Open:
          emit('open', { status: Number.isNaN(a) ? undefined : a, headers: headerObject(s), attempt: b } satisfies OpenInfo);
          break;
        case Notify.Error: {
          // (In line, as is `fail`: every reconnect runs this, and each function a reconnect
          // calls is one more that V8 compiles, its code staying on the heap; findings §6.)
          // (willRetry, attempt, delay or NaN, n1, n2, kind, message, s1, s2), as client.rs sends it.
          const kind = s as TidingsErrorKind;
          const willRetry = a === 1;
          const details: Record<string, unknown> = { willRetry, attempt: b };
          if (!Number.isNaN(c)) details.delay = c;
          if (kind === 'http') Object.assign(details, { status: n1, statusText: s1, body: s2 });
          else if (kind === 'content-type') details.contentType = s1 ?? null;
          else if (kind === 'gave-up') details.reason = s1;
          else if (kind === 'stall') Object.assign(details, { silence: n1, limit: n2 });
          else if (kind === 'incomplete') Object.assign(details, { lastEventId: s1, events: n1 });
          const error = new TidingsError(kind, t!, details);
          if (willRetry) clientIdIsNewer = true;
          emit('error', error);
          if (!willRetry) for (const it of iterators) it.push(error);
          break;
        }
        case Notify.Status:
          if (s === 'reconnecting') clientIdIsNewer = true;
          status = s as Status;
          emit('status', s);
          break;
        case Notify.Retry:
          emit('retry', a);
          break;
        case Notify.Comment:
          emit('comment', s);
          break;
        case Notify.Close:
          emit('close');
          for (const it of iterators) it.push({ value: undefined, done: true });
          break;
        case Notify.Role:
          role = s as Role;
          emit('role', s);
          break;
      }
    };
    try {
      client = new wasm.Client(absolute, ...wasmArguments(options), notify);
    } catch (cause) {
      // The wasm client rejects what the check in `connect` lets through in other shapes.
      status = 'closed';
      fail(TidingsError.fromWasm(cause));
      emit('close');
      return;
    }
    role = ROLES[client.role];
  };
  // The `debug` trace's code is loaded only by a stream that asks for one (most never do:
  // 0.5 KB gzip off an app its bundler code-splits), at the same time as the wasm module. It
  // is attached before the client starts (or its load failure is reported): it misses nothing.
  const loading = clientWasmFor(Boolean(share));
  const debug = options.debug;
  const born = Date.now();
  const traced = debug
    ? import('./debug.js').then(
        (trace) => trace.attachTrace(stream, url, debug, born),
        // The stream matters more than its trace.
        (cause: unknown) => console.warn('tidings: could not load the debug trace', cause),
      )
    : undefined;
  void (traced ? traced.then(() => loading) : loading).then(start, (cause: unknown) => {
    status = 'closed';
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    fail(new TidingsError('network', `could not load the tidings wasm module${why}`, { cause }));
  });

  const stream: EventStream<Uniform<T>> = {
    on(type: string, listener: Listener) {
      const list = listeners.get(type) ?? none;
      // A listener added twice is called once, as with `addEventListener`.
      if (!list.includes(listener)) setListeners(type, [...list, listener]);
      return () => stream.off(type, listener);
    },
    off(type, listener) {
      const list = listeners.get(type);
      if (list) setListeners(type, list.filter((l) => l !== listener));
    },
    get status() {
      return client ? STATUSES[client.status] : status;
    },
    get lastEventId() {
      // Tracked here, per delivered event (the wasm client counts whole batches).
      return currentLastEventId();
    },
    get role() {
      return role;
    },
    get metrics(): Metrics {
      // Five calls written out (no array, no callback): dashboards poll this.
      if (!client) return { messages: 0, bytes: 0, reconnects: 0, connectedMs: 0, lastEventAt: null };
      const at = client.metric(4);
      return {
        messages: client.metric(0),
        bytes: client.metric(1),
        reconnects: client.metric(2),
        connectedMs: client.metric(3),
        lastEventAt: Number.isNaN(at) ? null : at,
      };
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
      client?.reconnect(currentLastEventId());
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
  } as EventStream<Uniform<T>>;
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
export function stream<M extends EventMap | Inferred = Inferred, T = string, const S extends SchemaMap | Inferred = Inferred>(
  url: string,
  options?: ConnectOptions<M, T, S>,
): AsyncIterable<AnyEvent<ResolveEvents<M, T, S>>>;
export function stream(url: string, options: ConnectOptions<any, any, any> = {}): AsyncIterable<SSEEvent<unknown>> {
  return {
    [Symbol.asyncIterator]() {
      return connect(url, { oneShot: true, ...options })[Symbol.asyncIterator]();
    },
  };
}

export type { TidingsErrorKind };
export type { DebugLogger, TraceEntry, TraceKind } from './debug.js';
