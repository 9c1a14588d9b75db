/**
 * `tidings/vue`: Vue composables over tidings' client. {@link useEventSource} has the shape of
 * VueUse's, so switching is a change of import. Importing this module touches no browser
 * global; composables connect only in the browser.
 *
 * @packageDocumentation
 */
export {
  useEventSource,
  type AutoReconnectOptions,
  type EventSourceStatus,
  type UseEventSourceOptions,
  type UseEventSourceReturn,
} from './useEventSource.js';
export type { SSEEvent, Status, ConnectOptions } from '../connect.js';
export type { AnyEvent, StandardSchemaV1 } from '../events.js';
export { TidingsError, type TidingsErrorKind } from '../errors.js';
