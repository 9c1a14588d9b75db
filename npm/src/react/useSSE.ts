import type { ConnectOptions, SSEEvent, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import { useStream } from './useStream.js';

/**
 * Options of {@link useSSE}: every {@link ConnectOptions} field (transport, method, body,
 * headers, retry policy, …) plus the hook's own. Options are compared by value, so inline
 * objects are fine; changing one reconnects. Callbacks may change freely: the latest runs.
 */
export interface UseSSEOptions<T = string> extends Omit<ConnectOptions<T>, 'parse'> {
  /** Event types to deliver [`['message']`]; `'*'` delivers every type. */
  events?: string[];
  /** Turns each event's data into `T` (e.g. `JSON.parse`); a throw becomes an `error` of kind `parse`. */
  parser?: (data: string) => T;
  /** Called for every event, from the stream itself: never skipped when renders are batched. */
  onEvent?: (event: SSEEvent<T>) => void;
  /** Called for every error (retried ones too). */
  onError?: (error: TidingsError) => void;
  /** How many recent events `events` keeps [100]; 0 keeps none. */
  history?: number;
  /** Connect only while true [true]. */
  enabled?: boolean;
}

/** What {@link useSSE} returns. */
export interface UseSSEReturn<T = string> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  status: Status;
  /** `status === 'open'`. */
  isConnected: boolean;
  /** `connecting` or `reconnecting`. */
  isConnecting: boolean;
  /** The most recent event, or null. */
  lastEvent: SSEEvent<T> | null;
  /** The last `history` events, oldest first (a new array whenever it changes). */
  events: SSEEvent<T>[];
  /** The most recent error, or null; cleared when the stream opens again. */
  error: TidingsError | null;
  /** Opens a fresh connection (also after `disconnect()`). */
  connect: () => void;
  /** Closes the connection until `connect()` is called. */
  disconnect: () => void;
}

/**
 * Subscribes a component to a Server-Sent Events stream.
 *
 * - StrictMode-safe: the double mount in development leaves exactly one open connection.
 * - `onEvent` sees every event, even when a burst is rendered once.
 * - A new `url` or different option values reconnect; `url = null` or `enabled: false` closes;
 *   unmounting closes.
 *
 * **SSR:** the connection is opened in an effect, so rendering on the server (Next.js,
 * `renderToString`) never connects and never touches `window`; the first render returns
 * `status: 'connecting'` (or `'closed'` when disabled) on both server and client, so hydration
 * matches.
 *
 * @example
 * ```tsx
 * import { useSSE } from 'tidings/react';
 *
 * function Prices() {
 *   const { lastEvent, isConnected } = useSSE<{ price: number }>('/sse/prices', {
 *     events: ['price'],
 *     parser: JSON.parse,
 *     history: 20,
 *   });
 *   return <p>{isConnected ? lastEvent?.data.price : '…'}</p>;
 * }
 * ```
 */
export function useSSE<T = string>(url: string | null, options: UseSSEOptions<T> = {}): UseSSEReturn<T> {
  const { parser, ...rest } = options;
  const state = useStream<T>(url, { ...rest, parse: parser });
  return {
    status: state.status,
    isConnected: state.status === 'open',
    isConnecting: state.status === 'connecting' || state.status === 'reconnecting',
    lastEvent: state.lastEvent,
    events: state.events,
    error: state.error,
    connect: state.connect,
    disconnect: state.disconnect,
  };
}
