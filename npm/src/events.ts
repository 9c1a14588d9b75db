/**
 * Typed event maps, the data decoder (`parse` and its aliases) and Standard Schema validation:
 * the types behind `connect<{ price: Price }>()` and the one runtime function that turns a raw
 * event into typed data or a `parse` error. Used by `connect`, the hooks, the composable and
 * the testing fakes, so they all decode the same way.
 *
 * @packageDocumentation
 */
import { TidingsError } from './errors.js';

/**
 * The [Standard Schema](https://standardschema.dev) v1 interface, typed here so that tidings has
 * no dependency on any schema library. zod (3.24+), valibot (1.0+), arktype (2.0+) and others
 * implement it: pass their schemas as they are.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The interface's properties, under a name no schema library uses for anything else. */
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

/** What a Standard Schema carries under `~standard`. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** Always 1 for this version. */
  readonly version: 1;
  /** The library, e.g. `zod`. */
  readonly vendor: string;
  /** Validates a value: its output, or the issues found. */
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Type-level only: the input and output types. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** The result of {@link StandardSchemaV1Props.validate}. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaV1Issue> };

/** One validation problem. */
export interface StandardSchemaV1Issue {
  /** What is wrong, for people. */
  readonly message: string;
  /** Where: keys from the root of the value. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of a Standard Schema. */
export type SchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

declare const inferred: unique symbol;
/**
 * The default of the event-map type parameter: "no map given", so the events' data type comes
 * from `schema`, else from the return type of `parse`, else is `string`.
 */
export interface Inferred {
  /** Never present: only makes the type distinct. */
  readonly [inferred]: true;
}

/** Event type -> data type, e.g. `{ price: Price; news: News }`. */
export type EventMap = object;

/** Event type -> Standard Schema of its data. */
export type SchemaMap = Record<string, StandardSchemaV1<any, any>>;

/** Every event type has data `T` (what you get without an event map). */
export type Uniform<T> = { [type: string]: T };

/** The event map a schema map describes. */
export type SchemaEvents<S> = { [K in keyof S & string]: SchemaOutput<S[K]> };

/**
 * The event map of a stream: the explicit map `M`, else the schema map's, else every type
 * carrying `T` (the return type of `parse`, `string` by default).
 */
export type ResolveEvents<M, T, S> = [M] extends [Inferred] ? ([S] extends [Inferred] ? Uniform<T> : SchemaEvents<S>) : M;

/** What the decoder must return: `T`, or any data type of the explicit map. */
export type DecodedData<M, T> = [M] extends [Inferred] ? T : M[keyof M];

/** A received event. `K` is its type; with an event map, `'*'` listeners get a union of these. */
export interface SSEEvent<T = string, K extends string = string> {
  /** The event type (`message` unless the server sent `event:`). */
  type: K;
  /** The data, after `parse` / `schema`. */
  data: T;
  /** The last event ID in force for this event. */
  lastEventId: string;
}

/** Any event of map `M`: a union discriminated on `type`. */
export type AnyEvent<M> = { [K in keyof M & string]: SSEEvent<M[K], K> }[keyof M & string];

/**
 * The decoding options, shared by `connect`, `stream`, the React hooks and the Vue composable.
 * `parse`, `parser` and `serializer.read` are the same thing under three names (tidings',
 * the first `useSSE`'s and VueUse's); give one.
 */
export interface DecodeOptions<M = Inferred, T = string, S = Inferred> {
  /**
   * Turns each event's data into a value (e.g. `JSON.parse`); its return type types the events
   * unless an event map is given. A throw is reported as an `error` of kind `parse`, not lost.
   * With `schema`, it runs first and the schema validates its result [`JSON.parse` then].
   */
  parse?: (data: string) => DecodedData<M, T>;
  /** Alias of {@link DecodeOptions.parse} (the name the first `useSSE` used). */
  parser?: (data: string) => DecodedData<M, T>;
  /** Alias of {@link DecodeOptions.parse}, in VueUse's shape: `read` decodes. */
  serializer?: { read: (raw?: string) => DecodedData<M, T> };
  /**
   * Validates and types each event with a Standard Schema per event type (zod, valibot,
   * arktype…): `{ price: PriceSchema }`. The data is `JSON.parse`d first (or given to `parse`).
   * A failure, or an event whose type has no schema, is an `error` of kind `parse` with the
   * `issues` — never thrown into your code. Synchronous schemas only (an async one is a
   * `parse` error). With `transport: 'eventsource'`, the schema's types are listened for.
   */
  schema?: [M] extends [Inferred] ? S : { [K in keyof M & string]: StandardSchemaV1<unknown, M[K]> };
}

/** What a {@link Decoder} returns when an event cannot be delivered. @internal */
export class DecodeFailure {
  /** @internal */
  constructor(readonly error: TidingsError) {}
}

/**
 * The decoding step: the typed data, or a {@link DecodeFailure} with the `parse` error to
 * report. Successful events allocate nothing here (this runs once per event). @internal
 */
export type Decoder = (type: string, raw: string) => unknown;

/**
 * Builds the decoder for a set of options: `parse` (or an alias), then the event type's schema.
 * The decoder function is picked once; the schema map is read per event (the hooks hand in a
 * getter for their latest one). `undefined` when there is nothing to decode (the data is the
 * raw string): the caller then calls nothing per event. @internal
 */
export function createDecoder(options: DecodeOptions<any, any, any>): Decoder | undefined {
  const { serializer } = options;
  const given = options.parse ?? options.parser ?? (serializer ? (s: string) => serializer.read(s) : undefined);
  if (!given && !options.schema) return undefined;
  const decode: ((s: string) => unknown) | undefined = given ?? (options.schema ? JSON.parse : undefined);
  return (type, raw) => {
    let data: unknown = raw;
    if (decode) {
      try {
        data = decode(raw);
      } catch (cause) {
        return new DecodeFailure(new TidingsError('parse', `could not parse event data: ${String(cause)}`, { cause, data: raw, eventType: type }));
      }
    }
    const schemas = options.schema as Record<string, StandardSchemaV1> | undefined;
    return schemas ? validate(schemas, type, raw, data) : data;
  };
}

function validate(schemas: Record<string, StandardSchemaV1>, type: string, raw: string, data: unknown): unknown {
  const fail = (message: string, details: { cause?: unknown; issues?: ReadonlyArray<StandardSchemaV1Issue> } = {}) =>
    new DecodeFailure(new TidingsError('parse', message, { ...details, data: raw, eventType: type }));
  const schema = Object.prototype.hasOwnProperty.call(schemas, type) ? schemas[type] : undefined;
  if (!schema) return fail(`no schema for event type "${type}"`);
  let result: StandardSchemaV1Result<unknown> | Promise<StandardSchemaV1Result<unknown>>;
  try {
    result = schema['~standard'].validate(data);
  } catch (cause) {
    return fail(`the schema for "${type}" threw: ${String(cause)}`, { cause });
  }
  if (result instanceof Promise) {
    // Events must keep their order; an async validation would let a later event overtake.
    result.catch(() => {});
    return fail(`the schema for "${type}" is asynchronous; only synchronous schemas are supported`);
  }
  if (result.issues) {
    const where = (issue: StandardSchemaV1Issue) =>
      issue.path?.length ? ` at ${issue.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}` : '';
    const first = result.issues[0];
    return fail(`event "${type}" failed validation: ${first ? first.message + where(first) : 'invalid'}`, { issues: result.issues });
  }
  return result.value;
}
