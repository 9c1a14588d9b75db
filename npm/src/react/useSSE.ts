import type { ConnectOptions, Status } from '../connect.js';
import type { TidingsError } from '../errors.js';
import type { AnyEvent, EventMap, Inferred, ResolveEvents, SchemaMap, Uniform } from '../events.js';
import { useStream, type StreamOptions } from './useStream.js';

/**
 * Options of {@link useSSE}: every {@link ConnectOptions} field (transport, method, body,
 * headers, retry policy, …) plus the hook's own. Options are compared by value, so inline
 * objects are fine; changing one reconnects. Callbacks may change freely: the latest runs.
 * The type parameters work as in {@link ConnectOptions}: an event map, or the types of
 * `parse` / `schema` (give `parse` before `onEvent`, so TypeScript infers from it first).
 */
export interface UseSSEOptions<M = Inferred, T = string, S = Inferred> extends ConnectOptions<M, T, S> {
  /** Event types to deliver [the `schema`'s types, else `['message']`]; `'*'` delivers every type. */
  events?: string[];
  /** Called for every event, from the stream itself: never skipped when renders are batched. */
  onEvent?: (event: AnyEvent<ResolveEvents<M, T, S>>) => void;
  /** Called for every error (retried ones too). */
  onError?: (error: TidingsError) => void;
  /** How many recent events `events` keeps [100]; 0 keeps none. */
  history?: number;
  /** Connect only while true [true]. */
  enabled?: boolean;
}

/** What {@link useSSE} returns, for event map `M`. */
export interface UseSSEReturn<M = Uniform<string>> {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  status: Status;
  /** `status === 'open'`. */
  isConnected: boolean;
  /** `connecting` or `reconnecting`. */
  isConnecting: boolean;
  /** The most recent event, or null. */
  lastEvent: AnyEvent<M> | null;
  /** The last `history` events, oldest first (a new array whenever it changes). */
  events: AnyEvent<M>[];
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
 *   const { lastEvent, isConnected } = useSSE<{ price: Price }>('/sse/prices', {
 *     events: ['price'],
 *     parse: JSON.parse,
 *     history: 20,
 *   });
 *   return <p>{isConnected ? lastEvent?.data.value : '…'}</p>;
 * }
 * ```
 * @example Validated with a Standard Schema (zod here); listens for the schema's types
 * ```tsx
 * const { events, error } = useSSE('/sse/feed', { schema: { price: PriceSchema, news: NewsSchema } });
 * // events: Array<SSEEvent<Price, 'price'> | SSEEvent<News, 'news'>>; a bad event -> error.kind === 'parse'
 * ```
 */
export function useSSE<M extends EventMap | Inferred = Inferred, T = string, const S extends SchemaMap | Inferred = Inferred>(
  url: string | null,
  options?: UseSSEOptions<M, T, S>,
): UseSSEReturn<ResolveEvents<M, T, S>>;
export function useSSE(url: string | null, options: UseSSEOptions<any, any, any> = {}): UseSSEReturn<Uniform<unknown>> {
  const state = useStream(url, options as StreamOptions);
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
