import {
  customRef,
  getCurrentScope,
  onScopeDispose,
  shallowRef,
  toValue,
  watch,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
} from 'vue';

import type { ConnectOptions, EventStream, RetryOptions, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import type { AnyEvent, EventMap, Inferred, ResolveEvents, SchemaMap, SSEEvent, Uniform } from '../events.js';
import { isServer, openStream, type AnyConnectOptions } from '../internal.js';

/** VueUse's status names. */
export type EventSourceStatus = 'CONNECTING' | 'OPEN' | 'CLOSED';

/** VueUse-compatible reconnect settings, mapped onto tidings' retry policy. */
export interface AutoReconnectOptions {
  /**
   * Retries per outage before giving up [-1 = unbounded]; or a function asked before every
   * retry (return false to stop). Maps to `retry.maxAttempts`.
   */
  retries?: number | (() => boolean);
  /** Milliseconds between retries [1000]: a constant delay, no jitter (the server's `retry:` is still a floor). */
  delay?: number;
  /** Called once when tidings gives up (retries exhausted or an error that is never retried, like a 401). */
  onFailed?: (error: TidingsError) => void;
}

/**
 * Options of {@link useEventSource}: VueUse's, plus every {@link ConnectOptions} field and
 * the per-event callbacks. The type parameters as in {@link ConnectOptions}: an event map, or
 * the types of `parse` (alias `serializer.read`) / `schema`.
 */
export interface UseEventSourceOptions<M = Inferred, T = string, S = Inferred> extends Omit<ConnectOptions<M, T, S>, 'events'> {
  /** Connect at once [true]. */
  immediate?: boolean;
  /** Reconnect when the URL changes [true]. */
  autoConnect?: boolean;
  /**
   * `true` or `{ retries, delay, onFailed }`: VueUse-style fixed-delay retries. `false`
   * [default] keeps tidings' own policy (exponential backoff with jitter, which also retries —
   * as the browser's EventSource does). An explicit `retry` option wins over both.
   */
  autoReconnect?: boolean | AutoReconnectOptions;
  /**
   * Called for every event, synchronously, as it arrives — **the way to consume every event.**
   * `data` holds only the latest, and a `watch(data, …)` runs once for a burst of events that
   * arrive together (a Last-Event-ID catch-up after a reconnect), so it misses the others.
   */
  onMessage?: (event: AnyEvent<ResolveEvents<M, T, S>>) => void;
  /** Alias of {@link UseEventSourceOptions.onMessage} (the name `useSSE` uses). */
  onEvent?: (event: AnyEvent<ResolveEvents<M, T, S>>) => void;
  /** Called for every error (retried ones too). */
  onError?: (error: TidingsError) => void;
  /** How many recent events the `events` ref keeps, oldest first [0: none]. */
  history?: number;
}

/** What {@link useEventSource} returns — VueUse's fields plus `events` and `lastEventId`. */
export interface UseEventSourceReturn<M = Uniform<string>> {
  /** The latest event's data, or null. To see every event use `onMessage` or `events`. */
  data: ShallowRef<AnyEvent<M>['data'] | null>;
  /** `CONNECTING` (also while reconnecting), `OPEN` or `CLOSED`. */
  status: ShallowRef<EventSourceStatus>;
  /** The latest event's type: `message` or one of `events`; null before the first. */
  event: ShallowRef<AnyEvent<M>['type'] | null>;
  /**
   * The last `history` events, oldest first; every event of a burst is in it (a new array
   * whenever it is read after a change). Empty unless the `history` option is set.
   */
  events: Readonly<Ref<AnyEvent<M>[]>>;
  /** The latest error, or null; cleared when the stream opens again. */
  error: ShallowRef<TidingsError | null>;
  /** The last event ID (what a reconnect resumes from), or null before any. */
  lastEventId: ShallowRef<string | null>;
  /** The underlying tidings stream while connected (VueUse's `eventSource`). */
  eventSource: ShallowRef<EventStream<M> | null>;
  /** Closes any current stream and connects again. */
  open: () => void;
  /** Closes the stream; it stays closed until `open()` or a URL change. */
  close: () => void;
}

function retryFrom(auto: UseEventSourceOptions['autoReconnect']): RetryOptions | undefined {
  if (!auto) return undefined;
  const { retries = -1, delay = 1000 } = auto === true ? {} : auto;
  return {
    initialDelay: delay,
    maxDelay: delay,
    multiplier: 1,
    jitter: 'none',
    ...(typeof retries === 'number' && retries >= 0 ? { maxAttempts: retries } : {}),
  };
}

/**
 * A drop-in for VueUse's `useEventSource`, backed by tidings: spec-exact parsing in wasm,
 * typed errors, fetch options (method, body, headers) and a real reconnect policy.
 *
 * The stream follows `url` (a ref, getter or string) and is closed when the calling effect
 * scope (component) is disposed.
 *
 * **SSR:** on the server (no `window`) nothing connects; `status` stays `CLOSED` and `open()`
 * does nothing. Importing the module touches no browser global.
 *
 * @param url - the stream URL; a falsy value means "not now" (closed).
 * Every event reaches `onMessage` (and the `events` history with `history: N`), even when many
 * arrive in one chunk; `data`/`event` hold the latest only, as in VueUse.
 *
 * @param events - named event types to listen for, besides `message` (and the `schema`'s types).
 * @param options - VueUse's options plus tidings' connect options.
 * @example
 * ```ts
 * import { useEventSource } from 'tidings/vue';
 *
 * const { data, status, error, close } = useEventSource(() => `/sse/room/${room.value}`, ['notice'], {
 *   autoReconnect: { retries: 5, delay: 2000, onFailed: () => alert('offline') },
 *   headers: () => ({ Authorization: `Bearer ${token.value}` }),
 * });
 * ```
 * @example Every event of a burst: onMessage, or a bounded events history
 * ```ts
 * const items = ref<Item[]>([]);
 * const { events } = useEventSource('/sse/items', [], {
 *   parse: (data): Item => JSON.parse(data),
 *   onMessage: (e) => items.value.push(e.data), // called once per event, synchronously
 *   history: 200, // `events.value`: the last 200 events
 * });
 * ```
 */
export function useEventSource<M extends EventMap | Inferred = Inferred, T = string, const S extends SchemaMap | Inferred = Inferred>(
  url: MaybeRefOrGetter<string | URL | null | undefined>,
  events?: readonly string[],
  options?: UseEventSourceOptions<M, T, S>,
): UseEventSourceReturn<ResolveEvents<M, T, S>>;
export function useEventSource(
  url: MaybeRefOrGetter<string | URL | null | undefined>,
  events: readonly string[] = [],
  options: UseEventSourceOptions<any, any, any> = {},
): UseEventSourceReturn<Uniform<unknown>> {
  const {
    immediate = true,
    autoConnect = true,
    autoReconnect = false,
    onMessage,
    onEvent: onEventAlias,
    onError,
    history = 0,
    ...connectOptions
  } = options;
  const historyLimit = Math.max(0, Math.floor(history));

  const data = shallowRef<unknown>(null);
  const status = shallowRef<EventSourceStatus>('CLOSED');
  const event = shallowRef<string | null>(null);
  const error = shallowRef<TidingsError | null>(null);
  const lastEventId = shallowRef<string | null>(null);
  const eventSource = shallowRef<EventStream<Uniform<unknown>> | null>(null);

  // The history is kept in a plain array (the truth, one push per event) and copied into a
  // new array only when read after a change: a burst of N events costs N pushes, not N copies.
  let kept: SSEEvent<unknown>[] = [];
  let snapshot: SSEEvent<unknown>[] = [];
  let changed = false;
  let notify: () => void = () => {};
  const history$ = customRef<SSEEvent<unknown>[]>((track, trigger) => {
    notify = trigger;
    return {
      get() {
        track();
        if (changed) {
          snapshot = kept.slice();
          changed = false;
        }
        return snapshot;
      },
      set() {
        // Read-only: the stream writes it.
      },
    };
  });
  const remember = (e: SSEEvent<unknown>) => {
    if (historyLimit === 0) return;
    kept.push(e);
    if (kept.length > historyLimit) kept.splice(0, kept.length - historyLimit);
    changed = true;
    notify();
  };
  const forget = () => {
    if (kept.length === 0 && snapshot.length === 0) return;
    kept = [];
    changed = true;
    notify();
  };

  let stop: (() => void) | undefined;
  const close = () => {
    stop?.();
    stop = undefined;
    eventSource.value = null;
    status.value = 'CLOSED';
  };

  const open = () => {
    close();
    const target = toValue(url);
    if (!target || isServer()) return;
    forget();
    const reconnect = autoReconnect && autoReconnect !== true ? autoReconnect : undefined;
    const { parse, parser, serializer } = connectOptions;
    const types = [...new Set(['message', ...events, ...(connectOptions.schema ? Object.keys(connectOptions.schema) : [])])];
    const stream = openStream(String(target), {
      ...(connectOptions as AnyConnectOptions),
      events: types,
      parse: parse ?? parser ?? (serializer ? (raw: string) => serializer.read(raw) : undefined),
      parser: undefined,
      serializer: undefined,
      retry: { ...retryFrom(autoReconnect), ...connectOptions.retry },
    });
    const toStatus = (s: Status): EventSourceStatus => (s === 'open' ? 'OPEN' : s === 'closed' ? 'CLOSED' : 'CONNECTING');
    const onEvent = (e: SSEEvent<unknown>) => {
      data.value = e.data;
      event.value = e.type;
      lastEventId.value = e.lastEventId === '' ? lastEventId.value : e.lastEventId;
      remember(e);
      // Last: a callback that throws must not keep the refs behind (connect reports the throw).
      onMessage?.(e as never);
      onEventAlias?.(e as never);
    };
    const offs = [
      stream.on('status', (s) => {
        status.value = toStatus(s);
        if (s === 'open') error.value = null;
      }),
      stream.on('error', (err) => {
        error.value = err;
        onError?.(err);
        if (err.willRetry && typeof reconnect?.retries === 'function' && !reconnect.retries()) {
          close();
          reconnect.onFailed?.(err);
        } else if (!err.willRetry && err.kind !== 'aborted') reconnect?.onFailed?.(err);
      }),
      ...types.map((type) => stream.on(type, onEvent)),
    ];
    status.value = toStatus(stream.status);
    eventSource.value = stream;
    stop = () => {
      for (const off of offs) off();
      stream.close();
    };
  };

  if (immediate) open();
  if (autoConnect) {
    watch(
      () => toValue(url),
      () => open(),
    );
  }
  if (getCurrentScope()) onScopeDispose(close);

  return {
    data: data as ShallowRef<string | null>,
    status,
    event,
    events: history$,
    error,
    lastEventId,
    eventSource,
    open,
    close,
  } as UseEventSourceReturn<Uniform<unknown>>;
}
