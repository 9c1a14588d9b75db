import type { ConnectOptions, SSEEvent, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import { useStream } from './useStream.js';

/** Options of {@link useEventSource}: every {@link ConnectOptions} field plus the hook's own. */
export interface UseEventSourceOptions<T = string> extends ConnectOptions<T> {
  /** Event types that update `lastMessage` [`['message']`]; `'*'` for every type. */
  events?: string[];
  /** Called for every event, even when renders are batched. */
  onMessage?: (event: SSEEvent<T>) => void;
  /** Connect only while true [true]. */
  enabled?: boolean;
}

/** What {@link useEventSource} returns. */
export interface UseEventSourceReturn<T = string> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  status: Status;
  /** The most recent event, or null. */
  lastMessage: SSEEvent<T> | null;
  /** The most recent error, or null; cleared when the stream opens again. */
  error: TidingsError | null;
  /** Closes the connection (until `reconnect()`). */
  close: () => void;
  /** Reconnects now with a fresh backoff; reopens after `close()` or a final error. */
  reconnect: () => void;
}

/**
 * The smallest hook: the latest message of a stream, with tidings' reconnects and typed errors.
 * Use {@link useSSE} for history, typed parsing and connection control.
 *
 * StrictMode-safe (one connection), reconnects when `url` or option values change, closes
 * on unmount.
 *
 * **SSR:** connects in an effect only — nothing happens during server rendering, and the
 * initial state is the same on server and client.
 *
 * @example
 * ```tsx
 * import { useEventSource } from 'tidings/react';
 *
 * function Clock() {
 *   const { lastMessage, status, error } = useEventSource('/sse/time');
 *   if (error?.kind === 'http' && error.status === 401) return <Login />;
 *   return <time data-status={status}>{lastMessage?.data}</time>;
 * }
 * ```
 */
export function useEventSource<T = string>(url: string | null, options: UseEventSourceOptions<T> = {}): UseEventSourceReturn<T> {
  const { onMessage, ...rest } = options;
  const state = useStream<T>(url, { ...rest, onEvent: onMessage, history: 0 });
  return {
    status: state.status,
    lastMessage: state.lastEvent,
    error: state.error,
    close: state.disconnect,
    reconnect: state.reconnect,
  };
}
