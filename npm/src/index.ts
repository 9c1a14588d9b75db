/**
 * tidings — a spec-exact Server-Sent Events client, parsing in WebAssembly.
 *
 * Importing this module has no side effects and touches no browser global, so it is safe in
 * server-side rendering. Two wasm modules load on first use (or on {@link init}): the parser
 * module for `createParser`, the client module for `connect`/`stream`.
 *
 * @packageDocumentation
 */
export { init, type WasmSource, type WasmSources } from './loader.js';
export { TidingsError, type TidingsErrorKind } from './errors.js';
export { clearLastEventId } from './persist.js';
export type {
  AnyEvent,
  DecodeOptions,
  EventMap,
  Inferred,
  ResolveEvents,
  SchemaEvents,
  SchemaMap,
  SchemaOutput,
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
  Uniform,
} from './events.js';
export { createParser, type EventStreamParser, type ParsedEvent, type ParserCallbacks } from './parser.js';
export {
  connect,
  stream,
  type AdaptiveStallOptions,
  type ConnectOptions,
  type DebugLogger,
  type TraceEntry,
  type TraceKind,
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
export {
  EventSource,
  EventSourceErrorEvent,
  type EventSourceEventMap,
  type EventSourceOptions,
} from './eventsource.js';
