/**
 * `tidings/react`: React hooks over tidings' client.
 *
 * - {@link useSSE}: status, typed events with bounded history, connect/disconnect.
 * - {@link useEventSource}: just the latest message.
 * - `useSSEQuerySync` lives at `tidings/react/query` (needs `@tanstack/react-query`).
 *
 * All hooks connect in effects only (SSR-safe), survive StrictMode with one connection,
 * deliver every event to callbacks, reconnect when the URL or option values change, and close
 * on unmount. Importing this module touches no browser global.
 *
 * @packageDocumentation
 */
export { useSSE, type UseSSEOptions, type UseSSEReturn } from './useSSE.js';
export { useEventSource, type UseEventSourceOptions, type UseEventSourceReturn } from './useEventSource.js';
export type { SSEEvent, Status, ConnectOptions } from '../connect.js';
export type { AnyEvent, StandardSchemaV1 } from '../events.js';
export { TidingsError, type TidingsErrorKind } from '../errors.js';
