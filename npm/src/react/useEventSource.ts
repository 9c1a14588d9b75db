import type { ConnectOptions, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import type { AnyEvent, EventMap, Inferred, ResolveEvents, SchemaMap, Uniform } from '../events.js';
import { useStream, type StreamOptions } from './useStream.js';

/**
 * Options of {@link useEventSource}: every {@link ConnectOptions} field plus the hook's own;
 * the type parameters as in {@link ConnectOptions}.
 */
export interface UseEventSourceOptions<M = Inferred, T = string, S = Inferred> extends ConnectOptions<M, T, S> {
  /** Event types that update `lastMessage` [the `schema`'s types, else `['message']`]; `'*'` for every type. */
  events?: string[];
  /** Called for every event, even when renders are batched. */
  onMessage?: (event: AnyEvent<ResolveEvents<M, T, S>>) => void;
  /** Connect only while true [true]. */
  enabled?: boolean;
}

/** What {@link useEventSource} returns, for event map `M`. */
export interface UseEventSourceReturn<M = Uniform<string>> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  status: Status;
  /** The most recent event, or null. */
  lastMessage: AnyEvent<M> | null;
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
export function useEventSource<M extends EventMap | Inferred = Inferred, T = string, const S extends SchemaMap | Inferred = Inferred>(
  url: string | null,
  options?: UseEventSourceOptions<M, T, S>,
): UseEventSourceReturn<ResolveEvents<M, T, S>>;
export function useEventSource(url: string | null, options: UseEventSourceOptions<any, any, any> = {}): UseEventSourceReturn<Uniform<unknown>> {
  const { onMessage, ...rest } = options;
  const state = useStream(url, { ...(rest as StreamOptions), onEvent: onMessage, history: 0 });
  return {
    status: state.status,
    lastMessage: state.lastEvent,
    error: state.error,
    close: state.disconnect,
    reconnect: state.reconnect,
  };
}
