/**
 * tidings — a spec-exact Server-Sent Events client, parsing in WebAssembly.
 *
 * Importing this module has no side effects and touches no browser global, so it is safe in
 * server-side rendering; the wasm module loads on first use (or on {@link init}).
 *
 * @packageDocumentation
 */
export { init, type WasmSource } from './loader.js';
export { TidingsError, type TidingsErrorKind } from './errors.js';
export { createParser, type EventStreamParser, type ParsedEvent, type ParserCallbacks } from './parser.js';
export {
  connect,
  stream,
  type ConnectOptions,
  type EventStream,
  type HeadersOption,
  type LifecycleListeners,
  type Metrics,
  type OpenInfo,
  type RetryOptions,
  type SSEEvent,
  type Status,
  type Transport,
} from './connect.js';
