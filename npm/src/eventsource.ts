/**
 * `EventSource`: the WHATWG interface over the tidings client, so code written for the
 * browser's EventSource (or the `eventsource` npm package) runs unchanged with a new import,
 * also where no global EventSource exists (Node, workers).
 *
 * A thin layer: connecting, parsing and reconnecting are the wasm client's (through
 * {@link connect}); this file maps its notifications onto `readyState` and DOM events.
 *
 * @packageDocumentation
 */
import { connect, type ConnectOptions, type EventStream, type HeadersOption, type RetryOptions } from './connect.js';
import { TidingsError } from './errors.js';
import type { Inferred } from './events.js';
import { pumpEventStream, type StreamPump } from './from-readable-stream.js';
import { resolveStreamUrl } from './url.js';

/**
 * The second argument of `new EventSource(url, init)`: the standard `withCredentials`, plus
 * what the native one cannot do. Without `retry` every rule is the browser's (WHATWG HTML
 * §9.2); with it, tidings' reconnect policy applies.
 */
export interface EventSourceOptions {
  /** Send cookies and HTTP auth cross-origin (fetch credentials `include`) [false]. */
  withCredentials?: boolean;
  /** Request headers; a function is called before every attempt (token refresh). Not standard. */
  headers?: HeadersOption;
  /** HTTP method [GET]. Not standard. */
  method?: string;
  /** Request body: a string, bytes, or any other value sent as JSON. Not standard. */
  body?: ConnectOptions['body'];
  /** Called instead of the global `fetch`, with one `Request`. Not standard. */
  fetch?: ConnectOptions['fetch'];
  /**
   * tidings' reconnect policy instead of the browser's rules: exponential backoff with
   * jitter, `5xx`/`408`/`429` retried (`Retry-After` honoured), limits. Not standard.
   */
  retry?: RetryOptions;
  /** Resume from this event ID: the first request sends it as `Last-Event-ID`. Not standard. */
  lastEventId?: string;
  /** Drop and reconnect when nothing (not even a comment) arrives for this long, ms [off]. Not standard. */
  idleTimeout?: number;
}

// Resolved at import, so importing the package where these globals are missing (React Native)
// does not throw; constructing an EventSource there does, saying why.
const missing = (what: string) =>
  class {
    constructor() {
      throw new TypeError(`tidings' EventSource needs ${what}, which this JavaScript runtime does not have`);
    }
  };
const EventTargetBase: typeof EventTarget =
  typeof EventTarget === 'function' ? EventTarget : (missing('EventTarget') as unknown as typeof EventTarget);
const EventBase: typeof Event = typeof Event === 'function' ? Event : (missing('Event') as unknown as typeof Event);

/**
 * The `error` event of tidings' {@link EventSource}: an `Event` of type `error` like the native
 * one, which also says what went wrong (the native one cannot). `error` is undefined when no
 * reason is known (a `fromReadableStream` stream that simply ended).
 */
export class EventSourceErrorEvent extends EventBase {
  /** What went wrong, with HTTP status, kind and whether a reconnect follows. */
  readonly error: TidingsError | undefined;

  constructor(error: TidingsError | undefined) {
    super('error');
    this.error = error;
  }

  /** {@link TidingsError.kind}, e.g. `http`, `content-type`, `network`. */
  get kind(): TidingsError['kind'] | undefined {
    return this.error?.kind;
  }

  /** The HTTP status, for `kind === 'http'`. */
  get status(): number | undefined {
    return this.error?.status;
  }

  /** Whether it will reconnect (`readyState` is then `CONNECTING`, else `CLOSED`). */
  get willRetry(): boolean {
    return this.error?.willRetry ?? false;
  }
}

/** The events an {@link EventSource} fires by name, as in the DOM's own typings. */
export interface EventSourceEventMap {
  /** A failure; `readyState` says whether it reconnects (`CONNECTING`) or not (`CLOSED`). */
  error: EventSourceErrorEvent;
  /** An event without `event:` field (named ones arrive under their own type). */
  message: MessageEvent<string>;
  /** A connection opened (again, after a reconnect). */
  open: Event;
}

type Handler<E> = ((this: EventSource, event: E) => unknown) | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** The spec leaves the initial reconnection time to the browser; Chromium's is 3 s. */
const DEFAULT_RECONNECTION_TIME = 3000;

/** The URL of every EventSource made by `fromReadableStream`, as the proposal defines it. */
const STREAM_URL = 'about:event-stream';

let handlerPropertiesCalled: boolean | undefined;

/**
 * Whether this platform's `EventTarget` itself calls an `on<type>` property of the target when
 * it dispatches (workerd does, for its WebSocket): then the handler attributes must not add a
 * listener of their own, or each handler would run twice. Probed once, on first use.
 */
function platformCallsHandlerProperties(): boolean {
  if (handlerPropertiesCalled === undefined) {
    let called = false;
    const probe = new EventTarget();
    Object.defineProperty(probe, 'ontidingsprobe', { value: () => (called = true) });
    probe.dispatchEvent(new Event('tidingsprobe'));
    handlerPropertiesCalled = called;
  }
  return handlerPropertiesCalled;
}

/** Handed from `fromReadableStream` to the constructor, which then reads it instead of connecting. */
let adopted: { stream: ReadableStream<Uint8Array> } | undefined;

/**
 * A drop-in [`EventSource`](https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface)
 * running on tidings: the same interface and, by default, the same rules as the browser's
 * (non-200 or a wrong `Content-Type` closes it; a network error or the end of the body
 * reconnects after the reconnection time, with `Last-Event-ID`; `204` stops it; redirects are
 * followed). Beyond the standard, opt in through {@link EventSourceOptions}: headers, method,
 * body, a custom fetch, tidings' retry policy. `error` events are
 * {@link EventSourceErrorEvent}s, which carry tidings' typed error. Works without a global
 * EventSource (Node 20, workers), so it doubles as a polyfill.
 *
 * @example
 * ```ts
 * import { EventSource } from 'tidings'; // the only change from the native EventSource
 *
 * const source = new EventSource('/sse/ticks');
 * source.onmessage = (e) => console.log(e.data, e.lastEventId);
 * source.addEventListener('tick', (e) => console.log('named', e.data));
 * source.onerror = (e) => console.warn(source.readyState, e.kind, e.status);
 * ```
 * @example
 * ```ts
 * // Beyond the standard: a header per attempt, POST, tidings' backoff.
 * const source = new EventSource('/api/feed', {
 *   headers: async () => ({ Authorization: `Bearer ${await token()}` }),
 *   method: 'POST',
 *   body: { topics: ['a', 'b'] },
 *   retry: { maxAttempts: 10 },
 * });
 * ```
 */
export class EventSource extends EventTargetBase {
  /** The connection is being made, or remade after a loss. */
  static readonly CONNECTING = CONNECTING;
  /** Events are flowing. */
  static readonly OPEN = OPEN;
  /** Closed for good: by `close()`, or a failure that does not reconnect. */
  static readonly CLOSED = CLOSED;
  /** {@link EventSource.CONNECTING} */
  declare readonly CONNECTING: 0;
  /** {@link EventSource.OPEN} */
  declare readonly OPEN: 1;
  /** {@link EventSource.CLOSED} */
  declare readonly CLOSED: 2;

  static {
    // On the prototype, as the IDL constants of the native interface are.
    for (const [name, value] of [
      ['CONNECTING', CONNECTING],
      ['OPEN', OPEN],
      ['CLOSED', CLOSED],
    ] as const) {
      Object.defineProperty(this.prototype, name, { value, enumerable: true });
    }
  }

  /** The absolute URL (`about:event-stream` for {@link EventSource.fromReadableStream}). */
  readonly url: string;
  /** Whether cookies go cross-origin (`withCredentials` of the constructor). */
  readonly withCredentials: boolean;

  #readyState: 0 | 1 | 2 = CONNECTING;
  #stream: EventStream | undefined;
  #pump: StreamPump | undefined;
  #origin: string;
  #lastEventId: string;
  #reconnectionTime = DEFAULT_RECONNECTION_TIME;
  #handlers = new Map<string, { handler: Handler<never>; listener: (event: Event) => void }>();

  /**
   * Connects at once. Throws a `SyntaxError` `DOMException` for a URL that cannot be parsed,
   * and for a relative URL where there is no page or worker location (Node), saying so.
   */
  constructor(url: string | URL, init: EventSourceOptions = {}) {
    super();
    const adopt = adopted;
    adopted = undefined;
    this.withCredentials = adopt ? false : Boolean(init.withCredentials);
    if (adopt) {
      this.url = STREAM_URL;
      this.#origin = 'null';
      this.#lastEventId = '';
      this.#pump = this.#read(adopt.stream);
      return;
    }
    try {
      this.url = resolveStreamUrl(url);
    } catch (error) {
      throw new DOMException((error as Error).message, 'SyntaxError');
    }
    this.#origin = new URL(this.url).origin;
    this.#lastEventId = init.lastEventId ?? '';
    const browserRules = init.retry === undefined;
    const options: ConnectOptions & { eventSourceRules?: boolean } = {
      transport: 'fetch',
      credentials: this.withCredentials ? 'include' : 'same-origin',
      headers: init.headers,
      method: init.method,
      body: init.body,
      fetch: init.fetch,
      retry: init.retry,
      lastEventId: init.lastEventId,
      idleTimeout: init.idleTimeout,
      // The browser's EventSource neither holds retries while offline nor hurries them online.
      reconnectOnOnline: !browserRules,
      eventSourceRules: browserRules,
    };
    for (const key of Object.keys(options) as Array<keyof typeof options>) {
      if (options[key] === undefined) delete options[key];
    }
    this.#stream = connect<Inferred, string>(this.url, options);
    this.#listen(this.#stream);
  }

  /**
   * An EventSource that parses `stream` (e.g. the body of a `fetch` the app made itself) and
   * never connects or reconnects: `open` when reading starts, then events, then one `error`
   * with `readyState` `CLOSED` when the stream ends or fails. Follows the proposed
   * [`EventSource.fromReadableStream()`](https://github.com/whatwg/html/pull/12272) (names,
   * `url` `about:event-stream`, origin `"null"`), so code written for it runs today.
   * Throws a `TypeError` when the stream is locked.
   *
   * @example
   * ```ts
   * const response = await fetch('/api/chat', { method: 'POST', body });
   * const source = EventSource.fromReadableStream(response.body!);
   * source.onmessage = (e) => render(e.data);
   * ```
   */
  static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSource {
    adopted = { stream };
    try {
      return new EventSource(STREAM_URL);
    } finally {
      adopted = undefined;
    }
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): 0 | 1 | 2 {
    return this.#readyState;
  }

  /** The last event ID: what a reconnect sends as `Last-Event-ID` (proposed in whatwg/html#12272). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time in ms: the server's last `retry:`, else 3000 (proposed in whatwg/html#12272). */
  get reconnectionTime(): number {
    return this.#reconnectionTime;
  }

  /** Closes for good: aborts the request, cancels timers, fires nothing more. Idempotent. */
  close(): void {
    this.#readyState = CLOSED;
    this.#stream?.close();
    this.#pump?.cancel();
  }

  /**
   * For {@link EventSource.fromReadableStream}: discards the bytes and the event being built,
   * so that a new stream of events can be piped in (the last event ID and reconnection time
   * stay). Proposed in whatwg/html#12272. Does nothing on a connected EventSource, whose
   * reconnects start each connection afresh by themselves.
   */
  reset(): void {
    this.#pump?.reset();
  }

  /** Handler of `open` events. */
  get onopen(): Handler<Event> {
    return this.#getHandler('open');
  }
  set onopen(handler: Handler<Event>) {
    this.#setHandler('open', handler);
  }
  /** Handler of `message` events (unnamed ones; named ones need `addEventListener`). */
  get onmessage(): Handler<MessageEvent<string>> {
    return this.#getHandler('message');
  }
  set onmessage(handler: Handler<MessageEvent<string>>) {
    this.#setHandler('message', handler);
  }
  /** Handler of `error` events. */
  get onerror(): Handler<EventSourceErrorEvent> {
    return this.#getHandler('error');
  }
  set onerror(handler: Handler<EventSourceErrorEvent>) {
    this.#setHandler('error', handler);
  }

  /** As `EventTarget`'s, typed: `open` gets an `Event`, `error` an {@link EventSourceErrorEvent}, any other type a `MessageEvent`. */
  override addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource, event: EventSourceEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: (this: EventSource, event: MessageEvent<string>) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** As `EventTarget`'s, with the types of {@link EventSource.addEventListener}. */
  override removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource, event: EventSourceEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: (this: EventSource, event: MessageEvent<string>) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: unknown, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  #listen(stream: EventStream): void {
    stream.on('open', () => {
      if (this.#readyState === CLOSED) return;
      this.#readyState = OPEN;
      this.dispatchEvent(new Event('open'));
    });
    stream.on('*', (event) => this.#message(event.type, event.data, event.lastEventId));
    stream.on('retry', (ms) => {
      this.#reconnectionTime = ms;
    });
    stream.on('status', (status) => {
      // The body ended cleanly: the client reconnects without an error of its own, the spec
      // fires one ("reestablish the connection").
      if (status === 'reconnecting' && this.#readyState === OPEN) {
        this.#readyState = CONNECTING;
        this.#lastEventId = stream.lastEventId;
        const ended = new TidingsError('network', 'the server ended the stream; reconnecting', { willRetry: true });
        this.dispatchEvent(new EventSourceErrorEvent(ended));
      }
    });
    stream.on('error', (error) => {
      if (this.#readyState === CLOSED) return;
      // A reconnect follows: CONNECTING, as the spec's "reestablish the connection"; else the
      // spec's "fail the connection": CLOSED.
      this.#readyState = error.willRetry ? CONNECTING : CLOSED;
      // A block with `id:` and no data moved it without a message (WHATWG HTML §9.2.6).
      this.#lastEventId = stream.lastEventId;
      if (!error.willRetry) stream.close();
      this.dispatchEvent(new EventSourceErrorEvent(error));
    });
    stream.on('close', () => {
      // Every way the client closes by itself reports an error first; this is a safety net.
      if (this.#readyState === CLOSED) return;
      this.#readyState = CLOSED;
      this.dispatchEvent(new EventSourceErrorEvent(undefined));
    });
  }

  #read(stream: ReadableStream<Uint8Array>): StreamPump {
    const pump = pumpEventStream(stream, {
      open: () => {
        if (this.#readyState === CLOSED) return;
        this.#readyState = OPEN;
        this.dispatchEvent(new Event('open'));
      },
      event: (type, data, lastEventId) => this.#message(type, data, lastEventId),
      retry: (ms) => {
        this.#reconnectionTime = ms;
      },
      end: (cause) => {
        if (this.#readyState === CLOSED) return;
        this.#readyState = CLOSED;
        const error =
          cause === undefined
            ? undefined
            : cause instanceof TidingsError
              ? cause
              : new TidingsError('network', `the stream failed: ${String((cause as Error)?.message ?? cause)}`, { cause });
        this.dispatchEvent(new EventSourceErrorEvent(error));
      },
    });
    return pump;
  }

  #message(type: string, data: string, lastEventId: string): void {
    if (this.#readyState === CLOSED) return;
    this.#lastEventId = lastEventId;
    this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin: this.#origin }));
  }

  #getHandler<E>(type: string): Handler<E> {
    return (this.#handlers.get(type)?.handler ?? null) as Handler<E>;
  }

  // IDL event handler attributes: the listener is added at the first assignment (so it runs in
  // that place among other listeners), replaced in place, and removed by `null`.
  #setHandler<E>(type: string, handler: Handler<E>): void {
    const value = typeof handler === 'function' ? handler : null;
    const entry = this.#handlers.get(type);
    if (entry) {
      if (value) entry.handler = value as Handler<never>;
      else {
        this.removeEventListener(type, entry.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (!value) return;
    const created = {
      handler: value as Handler<never>,
      listener: (event: Event) => {
        (created.handler as ((this: EventSource, event: Event) => unknown) | null)?.call(this, event);
      },
    };
    this.#handlers.set(type, created);
    if (!platformCallsHandlerProperties()) this.addEventListener(type, created.listener);
  }
}
