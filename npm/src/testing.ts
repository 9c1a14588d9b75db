/**
 * `tidings/testing`: a fake transport for unit-testing code that uses `tidings/react` or
 * `tidings/vue`, with no wasm, no network and no timers. Each `connect()` made by the hooks
 * returns a {@link FakeStream} that the test drives: `open()`, `send()`, `fail()`, `end()`.
 *
 * @example
 * ```ts
 * import { installFakeTransport } from 'tidings/testing';
 *
 * const fake = installFakeTransport();
 * // ... render a component that calls useSSE('/sse/feed') ...
 * fake.last().open();
 * fake.last().send('hello', { id: '1' });
 * expect(fake.openCount()).toBe(1);
 * fake.uninstall();
 * ```
 * @packageDocumentation
 */
import type { ConnectOptions, EventStream, Metrics, OpenInfo, SSEEvent, Status } from './connect.js';
import { TidingsError, type TidingsErrorKind } from './errors.js';
import { setOverride, type ConnectFunction } from './internal.js';

/** A scripted stream: an {@link EventStream} plus the controls a test drives it with. */
export interface FakeStream<T = string> extends EventStream<T> {
  /** The URL the code under test connected to. */
  readonly url: string;
  /** The options it passed (including `parse`, `headers` as given). */
  readonly options: ConnectOptions<T>;
  /** Whether `close()` was called (or `end()` ended it) — i.e. the connection is released. */
  readonly closed: boolean;
  /** How many times `reconnect()` was called. */
  readonly reconnectCalls: number;
  /** Moves to `open` and notifies `open` listeners. */
  open(info?: Partial<OpenInfo>): void;
  /** Delivers one event (its data goes through `options.parse`, as the real client does). */
  send(data: string, init?: { event?: string; id?: string }): void;
  /** Reports an error; with `willRetry` the status becomes `reconnecting`, else the stream closes. */
  fail(kind: TidingsErrorKind, details?: ConstructorParameters<typeof TidingsError>[2]): void;
  /** The server ends the stream for good (like a 204): status `closed`, `close` listeners run. */
  end(): void;
  /** Sends a comment (heartbeat). */
  comment(text: string): void;
}

/** What {@link installFakeTransport} returns. */
export interface FakeTransport {
  /** Every stream opened since installation, oldest first. */
  readonly streams: FakeStream<unknown>[];
  /** The most recent stream; throws when none was opened. */
  last<T = unknown>(): FakeStream<T>;
  /** Streams not closed yet. */
  openCount(): number;
  /** Restores the real transport. */
  uninstall(): void;
}

/** Options of {@link installFakeTransport}. */
export interface FakeTransportOptions {
  /** Behave as server-side rendering (no `window`): bindings must not connect [false]. */
  server?: boolean;
}

/** Creates one fake stream, without installing anything. */
export function createFakeStream<T = string>(url: string, options: ConnectOptions<T> = {}): FakeStream<T> {
  const listeners = new Map<string, Set<(...args: never[]) => void>>();
  let status: Status = 'connecting';
  let lastEventId = options.lastEventId ?? '';
  let closed = false;
  let reconnectCalls = 0;
  const metrics: Metrics = { messages: 0, bytes: 0, reconnects: 0, connectedMs: 0, lastEventAt: null };
  const queue: Array<SSEEvent<T> | null> = [];
  let wake: (() => void) | undefined;

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
    queue.push(null);
    wake?.();
  };

  const stream: FakeStream<T> = {
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
    close: finish,
    reconnect() {
      reconnectCalls++;
      closed = false;
      setStatus('connecting');
    },
    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      finish();
    },
    open(info = {}) {
      setStatus('open');
      emit('open', { status: 200, headers: {}, attempt: 0, ...info });
    },
    send(raw, init = {}) {
      if (closed) throw new Error('FakeStream.send after close');
      if (init.id !== undefined) lastEventId = init.id;
      let data: T;
      try {
        data = options.parse ? options.parse(raw) : (raw as T);
      } catch (cause) {
        emit('error', new TidingsError('parse', `could not parse event data: ${String(cause)}`, { cause, data: raw }));
        return;
      }
      const event: SSEEvent<T> = { type: init.event ?? 'message', data, lastEventId };
      metrics.messages++;
      metrics.bytes += raw.length;
      metrics.lastEventAt = Date.now();
      emit(event.type, event);
      emit('*', event);
      queue.push(event);
      wake?.();
    },
    fail(kind, details = {}) {
      const error = new TidingsError(kind, `fake ${kind} error`, details);
      emit('error', error);
      if (error.willRetry) {
        metrics.reconnects++;
        setStatus('reconnecting');
      } else finish();
    },
    end: finish,
    comment(text) {
      emit('comment', text);
    },
    [Symbol.asyncIterator](): AsyncIterator<SSEEvent<T>> {
      return {
        async next() {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          const item = queue.shift()!;
          return item ? { value: item, done: false } : { value: undefined, done: true };
        },
        async return() {
          finish();
          return { value: undefined, done: true };
        },
      };
    },
  } as FakeStream<T>;
  return stream;
}

/**
 * Makes every stream opened by `tidings/react` and `tidings/vue` a {@link FakeStream} until
 * `uninstall()`. (The plain `connect()` export is unaffected.)
 */
export function installFakeTransport(options: FakeTransportOptions = {}): FakeTransport {
  const streams: FakeStream<unknown>[] = [];
  const fakeConnect: ConnectFunction = <T>(url: string, connectOptions: ConnectOptions<T> = {}) => {
    const stream = createFakeStream<T>(url, connectOptions);
    streams.push(stream as FakeStream<unknown>);
    return stream;
  };
  setOverride({ connect: fakeConnect, server: options.server ?? false });
  return {
    streams,
    last<T>() {
      const stream = streams.at(-1);
      if (!stream) throw new Error('no stream was opened');
      return stream as FakeStream<T>;
    },
    openCount: () => streams.filter((s) => !s.closed).length,
    uninstall: () => setOverride(undefined),
  };
}
