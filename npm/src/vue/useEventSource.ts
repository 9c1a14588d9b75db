import { getCurrentScope, onScopeDispose, shallowRef, toValue, watch, type MaybeRefOrGetter, type ShallowRef } from 'vue';

import type { ConnectOptions, EventStream, RetryOptions, SSEEvent, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import { isServer, openStream } from '../internal.js';

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

/** Options of {@link useEventSource}: VueUse's, plus every {@link ConnectOptions} field. */
export interface UseEventSourceOptions<Data = string> extends Omit<ConnectOptions<Data>, 'events'> {
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
  /** VueUse's serializer: `read` turns the raw data into `Data` (same as `parse`). */
  serializer?: { read: (raw?: string) => Data };
}

/** What {@link useEventSource} returns — VueUse's fields plus `stream`. */
export interface UseEventSourceReturn<Events extends string[] = string[], Data = string> {
  /** The latest event's data, or null. */
  data: ShallowRef<Data | null>;
  /** `CONNECTING` (also while reconnecting), `OPEN` or `CLOSED`. */
  status: ShallowRef<EventSourceStatus>;
  /** The latest event's type: `message` or one of `events`; null before the first. */
  event: ShallowRef<Events[number] | 'message' | null>;
  /** The latest error, or null; cleared when the stream opens again. */
  error: ShallowRef<TidingsError | null>;
  /** The last event ID (what a reconnect resumes from), or null before any. */
  lastEventId: ShallowRef<string | null>;
  /** The underlying tidings stream while connected (VueUse's `eventSource`). */
  eventSource: ShallowRef<EventStream<Data> | null>;
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
 * @param events - named event types to listen for, besides `message`.
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
 */
export function useEventSource<Events extends string[] = string[], Data = string>(
  url: MaybeRefOrGetter<string | URL | null | undefined>,
  events: Events = [] as unknown as Events,
  options: UseEventSourceOptions<Data> = {},
): UseEventSourceReturn<Events, Data> {
  const { immediate = true, autoConnect = true, autoReconnect = false, serializer, ...connectOptions } = options;

  const data = shallowRef<Data | null>(null);
  const status = shallowRef<EventSourceStatus>('CLOSED');
  const event = shallowRef<Events[number] | 'message' | null>(null);
  const error = shallowRef<TidingsError | null>(null);
  const lastEventId = shallowRef<string | null>(null);
  const eventSource = shallowRef<EventStream<Data> | null>(null);

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
    const reconnect = autoReconnect && autoReconnect !== true ? autoReconnect : undefined;
    const stream = openStream<Data>(String(target), {
      ...connectOptions,
      events: ['message', ...events],
      parse: serializer ? (raw) => serializer.read(raw) : connectOptions.parse,
      retry: { ...retryFrom(autoReconnect), ...connectOptions.retry },
    });
    const toStatus = (s: Status): EventSourceStatus => (s === 'open' ? 'OPEN' : s === 'closed' ? 'CLOSED' : 'CONNECTING');
    const onEvent = (e: SSEEvent<Data>) => {
      data.value = e.data;
      event.value = e.type as Events[number] | 'message';
      lastEventId.value = e.lastEventId === '' ? lastEventId.value : e.lastEventId;
    };
    const offs = [
      stream.on('status', (s) => {
        status.value = toStatus(s);
        if (s === 'open') error.value = null;
      }),
      stream.on('error', (err) => {
        error.value = err;
        if (err.willRetry && typeof reconnect?.retries === 'function' && !reconnect.retries()) {
          close();
          reconnect.onFailed?.(err);
        } else if (!err.willRetry && err.kind !== 'aborted') reconnect?.onFailed?.(err);
      }),
      ...['message', ...events].map((type) => stream.on(type, onEvent)),
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

  return { data, status, event, error, lastEventId, eventSource, open, close };
}
