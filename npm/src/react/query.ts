/**
 * `tidings/react/query`: keeps a TanStack Query cache in sync with a stream.
 *
 * A separate entry point so that `tidings/react` works without `@tanstack/react-query`
 * installed (it is an optional peer dependency).
 *
 * @packageDocumentation
 */
import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useRef } from 'react';

import type { SSEEvent, Uniform } from '../events.js';
import { useSSE, type UseSSEOptions, type UseSSEReturn } from './useSSE.js';

/** Options of {@link useSSEQuerySync}: `T` is the events' data type (after `parse`). */
export interface UseSSEQuerySyncOptions<T = string, TData = T> extends Omit<UseSSEOptions<Uniform<T>>, 'onEvent' | 'history'> {
  /**
   * Computes the new cached value from an event and the current one (undefined when the
   * query has no data yet). Default: the event's data replaces the cached value.
   */
  transform?: (event: SSEEvent<T>, previous: TData | undefined) => TData;
  /** The client to update [the one from `QueryClientProvider`]. */
  queryClient?: QueryClient;
}

/**
 * Writes every event of a stream into the TanStack Query cache under `queryKey` (with
 * `setQueryData`), so every `useQuery(queryKey)` re-renders with live data. Each event is
 * applied in order even when renders are batched.
 *
 * **SSR:** connects in an effect only; nothing happens during server rendering.
 *
 * @example
 * ```tsx
 * import { useSSEQuerySync } from 'tidings/react/query';
 *
 * useSSEQuerySync(['orders'], '/sse/orders', {
 *   events: ['order'],
 *   parse: JSON.parse,
 *   transform: (event, orders: Order[] = []) => [...orders, event.data],
 * });
 * const { data } = useQuery({ queryKey: ['orders'], queryFn: fetchOrders });
 * ```
 */
export function useSSEQuerySync<T = string, TData = T>(
  queryKey: QueryKey,
  url: string | null,
  options: UseSSEQuerySyncOptions<T, TData> = {},
): UseSSEReturn<Uniform<T>> {
  const { transform, queryClient: given, ...rest } = options;
  const client = useQueryClient(given);
  // The latest key and transform, used by the stream listener without reconnecting.
  const latest = useRef({ queryKey, transform, client });
  latest.current = { queryKey, transform, client };
  return useSSE<Uniform<T>>(url, {
    ...rest,
    history: 0,
    onEvent: (event) => {
      const { queryKey: key, transform: fn, client: qc } = latest.current;
      qc.setQueryData<TData>(key, (previous) => (fn ? fn(event, previous) : (event.data as unknown as TData)));
    },
  });
}
