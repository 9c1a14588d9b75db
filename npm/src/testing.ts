/**
 * `tidings/testing`: a fake transport for unit-testing code that uses tidings — `connect()`,
 * `stream()`, the `EventSource` class, `tidings/react` and `tidings/vue` — with no wasm, no
 * network and no timers.
 * While it is installed, every connection returns a {@link FakeStream}, a scripted server the
 * test drives: `open()`, `send()`, `comment()`, `respond(503)`, `drop()`, `done()`, `end()`.
 * Events go through the same `parse` / `schema` decoding as the real client.
 *
 * @example Driving a stream by hand
 * ```ts
 * import { installFakeTransport } from 'tidings/testing';
 *
 * const fake = installFakeTransport();
 * // ... render a component that calls useSSE('/sse/feed') ...
 * fake.last().open();
 * fake.last().send('hello', { id: '1' });
 * fake.last().drop(); // a network error: the client reconnects with Last-Event-ID 1
 * expect(fake.openCount()).toBe(1);
 * fake.uninstall();
 * ```
 * @example A scripted server for every matching connection (also for stream(), which connects lazily)
 * ```ts
 * const fake = installFakeTransport();
 * fake.route('/api/chat', (server) => {
 *   server.open();
 *   for (const token of ['Hel', 'lo']) server.send(JSON.stringify({ token }));
 *   server.done(); // sends the `doneSentinel` ([DONE]): the one-shot stream ends cleanly
 * });
 * expect(await askAssistant('hi')).toBe('Hello'); // your code: for await (… of stream('/api/chat', …))
 * ```
 * @packageDocumentation
 */
import type { EventStream, Metrics, OpenInfo, Status } from './connect.js';
import { TidingsError, type TidingsErrorKind } from './errors.js';
import { createDecoder, DecodeFailure, type SSEEvent, type Uniform } from './events.js';
import { attachTrace } from './debug.js';
import { setOverride, type AnyConnectOptions, type ConnectFunction } from './override.js';

/** A scripted stream: an {@link EventStream} plus the controls a test drives it with. */
export interface FakeStream<M = Uniform<string>> extends EventStream<M> {
  /** The URL the code under test connected to. */
  readonly url: string;
  /** The options it passed (including `parse`, `headers` as given). */
  readonly options: AnyConnectOptions;
  /** Whether `close()` was called (or the stream ended) — i.e. the connection is released. */
  readonly closed: boolean;
  /** How many times `reconnect()` was called. */
  readonly reconnectCalls: number;
  /** Moves to `open` and notifies `open` listeners. */
  open(info?: Partial<OpenInfo>): void;
  /**
   * Delivers one event (its data goes through `parse` / `schema`, as in the real client). Data
   * equal to the `doneSentinel` option ends the stream cleanly instead, as the real client does.
   */
  send(data: string, init?: { event?: string; id?: string }): void;
  /** Sends a comment (heartbeat). */
  comment(text: string): void;
  /** Sends a `retry:` field: `retry` listeners get the new reconnection time. */
  retry(ms: number): void;
  /**
   * Answers the (re)connection with an HTTP status, the way the real client reacts: 2xx opens,
   * 204 ends the stream, 408/429/5xx are retried (`reconnecting`), other statuses are final
   * `http` errors (the stream closes). `retryAfter` (ms) is reported as the error's `delay`.
   * For tidings' `EventSource` without a `retry` option the browser's rules apply, as in the
   * real client: only 200 opens and every other status is final.
   */
  respond(code: number, init?: { statusText?: string; body?: string; retryAfter?: number; headers?: Record<string, string> }): void;
  /** The connection breaks (a network error, will retry): status `reconnecting` until `open()`. */
  drop(): void;
  /** Sends the `doneSentinel` (default `[DONE]`), which ends the stream cleanly. */
  done(): void;
  /** Reports an error; with `willRetry` the status becomes `reconnecting`, else the stream closes. */
  fail(kind: TidingsErrorKind, details?: ConstructorParameters<typeof TidingsError>[2]): void;
  /** The stream ends for good (like a 204 or the end of a one-shot body): `closed`, `close` listeners run. */
  end(): void;
}

/** Which connections a {@link FakeTransport.route} script serves. */
export type RouteMatch = string | RegExp | ((url: string) => boolean);

/** What {@link installFakeTransport} returns. */
export interface FakeTransport {
  /** Every stream opened since installation, oldest first. */
  readonly streams: FakeStream<Uniform<unknown>>[];
  /** The most recent stream; throws when none was opened. */
  last<M = Uniform<unknown>>(): FakeStream<M>;
  /** Streams not closed yet. */
  openCount(): number;
  /**
   * Runs `script` for every stream opened from now on whose URL matches: a string matches the
   * URL exactly or as its path before `?` (also the path of an absolute URL, which is what
   * `new EventSource(url)` connects to); a RegExp or a predicate as you would expect. The
   * script starts in a microtask, after the code under test attached its listeners. The
   * newest matching route wins. Returns a function that removes the route.
   */
  route(match: RouteMatch, script: (server: FakeStream<Uniform<unknown>>) => void | Promise<void>): () => void;
  /** Resolves with the next stream opened (for code that connects later, like `stream()`). */
  next(): Promise<FakeStream<Uniform<unknown>>>;
  /** Restores the real transport. */
  uninstall(): void;
}

/** Options of {@link installFakeTransport}. */
export interface FakeTransportOptions {
  /** Behave as server-side rendering (no `window`): bindings must not connect [false]. */
  server?: boolean;
}

/** Creates one fake stream, without installing anything. */
export function createFakeStream<M = Uniform<string>>(url: string, options: AnyConnectOptions = {}): FakeStream<M> {
  type T = unknown;
  const decode = createDecoder(options);
  // Set (not public) by the `EventSource` class when it follows the browser's rules.
  const browserRules = (options as { eventSourceRules?: boolean }).eventSourceRules === true;
  const listeners = new Map<string, Set<(...args: never[]) => void>>();
  let status: Status = 'connecting';
  let lastEventId = options.lastEventId ?? '';
  let closed = false;
  let reconnectCalls = 0;
  let attempt = 0;
  const metrics: Metrics = { messages: 0, bytes: 0, reconnects: 0, connectedMs: 0, lastEventAt: null };
  // Shared by the iterators: events, then `null` at the end or the fatal error.
  const queue: Array<SSEEvent<T> | TidingsError | null> = [];
  let wake: (() => void) | undefined;
  const push = (item: SSEEvent<T> | TidingsError | null) => {
    queue.push(item);
    wake?.();
  };

  const emit = (type: string, ...args: unknown[]) => {
    for (const listener of [...(listeners.get(type) ?? [])]) (listener as (...a: unknown[]) => void)(...args);
  };
  const setStatus = (next: Status) => {
    if (status === next) return;
    status = next;
    emit('status', next);
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    setStatus('closed');
    emit('close');
    push(null);
  };
  const report = (error: TidingsError) => {
    if (closed) return;
    emit('error', error);
    if (error.willRetry) {
      metrics.reconnects++;
      attempt = error.attempt;
      setStatus('reconnecting');
    } else {
      push(error);
      finish();
    }
  };
  const onAbort = () => report(new TidingsError('aborted', 'the stream was aborted', { attempt }));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const stream: FakeStream<Uniform<T>> = {
    url,
    options,
    get closed() {
      return closed;
    },
    get reconnectCalls() {
      return reconnectCalls;
    },
    get status() {
      return status;
    },
    get lastEventId() {
      return lastEventId;
    },
    get metrics() {
      return { ...metrics };
    },
    // A fake stream shares with nobody.
    get role() {
      return 'solo' as const;
    },
    on(type: string, listener: (...args: never[]) => void) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener);
      return () => stream.off(type, listener);
    },
    off(type: string, listener: (...args: never[]) => void) {
      listeners.get(type)?.delete(listener);
    },
    close() {
      options.signal?.removeEventListener('abort', onAbort);
      finish();
    },
    reconnect() {
      reconnectCalls++;
      closed = false;
      setStatus('connecting');
    },
    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      stream.close();
    },
    open(info = {}) {
      if (closed) throw new Error('FakeStream.open after close');
      setStatus('open');
      emit('open', { status: 200, headers: {}, attempt, ...info });
    },
    send(raw, init = {}) {
      if (closed) throw new Error('FakeStream.send after close');
      if (options.doneSentinel !== undefined && raw === options.doneSentinel) {
        finish();
        return;
      }
      if (init.id !== undefined) lastEventId = init.id;
      const type = init.event ?? 'message';
      const data = decode ? decode(type, raw) : raw;
      if (data instanceof DecodeFailure) {
        emit('error', data.error);
        return;
      }
      const event: SSEEvent<T> = { type, data, lastEventId };
      metrics.messages++;
      metrics.bytes += raw.length;
      metrics.lastEventAt = Date.now();
      emit(event.type, event);
      emit('*', event);
      push(event);
    },
    comment(text) {
      emit('comment', text);
    },
    retry(ms) {
      emit('retry', ms);
    },
    respond(code, init = {}) {
      if (code === 204) return finish();
      // The `EventSource` class without `retry` asks for the browser's rules, and the real
      // client then opens on 200 only and retries no status at all: so does the fake.
      const opens = browserRules ? code === 200 : code >= 200 && code < 300;
      if (opens) return stream.open({ status: code, headers: init.headers ?? {} });
      const willRetry = !browserRules && (code === 408 || code === 429 || code >= 500);
      report(
        new TidingsError('http', `HTTP ${code}`, {
          status: code,
          statusText: init.statusText,
          body: init.body,
          willRetry,
          attempt: willRetry ? attempt + 1 : attempt,
          delay: willRetry ? (init.retryAfter ?? 0) : undefined,
        }),
      );
    },
    drop() {
      report(new TidingsError('network', 'the connection was lost', { willRetry: true, attempt: attempt + 1, delay: 0 }));
    },
    done() {
      stream.send(options.doneSentinel ?? '[DONE]');
      // Without a `doneSentinel` option the real client would deliver `[DONE]` as an event.
    },
    fail(kind, details = {}) {
      report(new TidingsError(kind, `fake ${kind} error`, details));
    },
    end: () => stream.close(),
    [Symbol.asyncIterator](): AsyncIterator<SSEEvent<T>> {
      return {
        async next() {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          const item = queue[0]!;
          // The end (and a fatal error) stays in the queue for every later `next()`.
          if (item === null) return { value: undefined, done: true };
          queue.shift();
          if (item instanceof TidingsError) {
            queue.unshift(null);
            throw item;
          }
          return { value: item, done: false };
        },
        async return() {
          stream.close();
          return { value: undefined, done: true };
        },
      };
    },
  } as FakeStream<Uniform<T>>;
  if (options.debug) attachTrace(stream, url, options.debug);
  return stream as unknown as FakeStream<M>;
}

function matches(match: RouteMatch, url: string): boolean {
  if (typeof match === 'function') return match(url);
  if (match instanceof RegExp) return match.test(url);
  return url === match || url.split('?')[0] === match || (match.startsWith('/') && pathOf(url) === match);
}

/** The path of an absolute URL (the `EventSource` class connects to one), else `undefined`. */
function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

/**
 * Makes every stream — from `connect()`, `stream()`, `new EventSource()`, `tidings/react` and
 * `tidings/vue` — a {@link FakeStream} until `uninstall()`.
 */
export function installFakeTransport(options: FakeTransportOptions = {}): FakeTransport {
  const streams: FakeStream<Uniform<unknown>>[] = [];
  const routes: Array<{ match: RouteMatch; script: (server: FakeStream<Uniform<unknown>>) => void | Promise<void> }> = [];
  const waiting: Array<(stream: FakeStream<Uniform<unknown>>) => void> = [];
  const fakeConnect: ConnectFunction = (url, connectOptions = {}) => {
    const stream = createFakeStream<Uniform<unknown>>(url, connectOptions);
    streams.push(stream);
    for (const resolve of waiting.splice(0)) resolve(stream);
    const route = [...routes].reverse().find((r) => matches(r.match, url));
    if (route) queueMicrotask(() => void route.script(stream));
    return stream;
  };
  setOverride({ connect: fakeConnect, server: options.server ?? false });
  return {
    streams,
    last<M>() {
      const stream = streams.at(-1);
      if (!stream) throw new Error('no stream was opened');
      return stream as unknown as FakeStream<M>;
    },
    openCount: () => streams.filter((s) => !s.closed).length,
    route(match, script) {
      const entry = { match, script };
      routes.push(entry);
      return () => {
        const i = routes.indexOf(entry);
        if (i >= 0) routes.splice(i, 1);
      };
    },
    next: () => new Promise((resolve) => waiting.push(resolve)),
    uninstall: () => setOverride(undefined),
  };
}
