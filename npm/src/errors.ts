import type { StandardSchemaV1Issue } from './events.js';

/** The kinds of failure tidings reports, shared by the parser and the client. */
export type TidingsErrorKind =
  | 'http'
  | 'content-type'
  | 'network'
  | 'stall'
  | 'too-large'
  | 'line-too-long'
  | 'event-too-large'
  | 'aborted'
  | 'gave-up'
  | 'incomplete'
  | 'parse'
  /** The URL could not be parsed; relative URLs need a page or worker location (not in Node). */
  | 'invalid-url'
  | 'share-key-required'
  | 'shared-gap';

/**
 * The one error class tidings throws or reports. Switch on {@link TidingsError.kind}.
 *
 * @example
 * ```ts
 * stream.on('error', (err) => {
 *   if (err.kind === 'http' && err.status === 401) refreshToken();
 * });
 * ```
 */
export class TidingsError extends Error {
  // Every field is `declare`d: the constructor sets them, and only the details it is given
  // become own properties, so the compiled class carries no field initialisers.
  /** What went wrong, as a literal string. */
  declare readonly kind: TidingsErrorKind;
  /** The HTTP status, for `kind === 'http'`. */
  declare readonly status?: number;
  /** The HTTP status text, for `kind === 'http'`. */
  declare readonly statusText?: string;
  /** The first 1 KiB of the error response body, for `kind === 'http'`. */
  declare readonly body?: string;
  /** The Content-Type the server sent, for `kind === 'content-type'`. */
  declare readonly contentType?: string | null;
  /** Whether the client will reconnect. */
  declare readonly willRetry: boolean;
  /** Attempt number of the next (or, when giving up, the failed) connection. */
  declare readonly attempt: number;
  /** Milliseconds until the next attempt, when it will retry. */
  declare readonly delay?: number;
  /** Why the client gave up, for `kind === 'gave-up'`. */
  declare readonly reason?: string;
  /** The raw event data, for `kind === 'parse'`. */
  declare readonly data?: string;
  /**
   * For `kind === 'incomplete'` (a stream with a `doneSentinel` ended before it): the last event
   * ID received, what a resume continues from (empty if none).
   */
  declare readonly lastEventId?: string;
  /** For `kind === 'incomplete'`: how many events arrived before the stream was cut. */
  declare readonly events?: number;
  /** For `kind === 'stall'`: how long the connection had been silent, ms. */
  declare readonly silence?: number;
  /**
   * For `kind === 'stall'`: the stall limit it exceeded, ms (learned, or `idleTimeout`). For
   * `line-too-long` and `event-too-large`: the limit in bytes.
   */
  declare readonly limit?: number;
  /** The event's type, for `kind === 'parse'`. */
  declare readonly eventType?: string;
  /** What the schema found wrong, for `kind === 'parse'` from a `schema`. */
  declare readonly issues?: ReadonlyArray<StandardSchemaV1Issue>;

  constructor(kind: TidingsErrorKind, message: string, details: Partial<Omit<TidingsError, 'kind' | 'message' | 'name'>> & { cause?: unknown } = {}) {
    // `details` as the options: `Error` reads only its `cause`.
    super(message, details.cause === undefined ? undefined : details);
    this.name = 'TidingsError';
    this.kind = kind;
    this.willRetry = false;
    this.attempt = 0;
    // Each detail given (`willRetry` and `attempt` too) becomes an own property: a loop over
    // `details`, not a list of the field names (smaller). `cause` is set by `super` (as the
    // spec's non-enumerable own property).
    for (const key in details) {
      const value = (details as Record<string, unknown>)[key];
      if (value !== undefined && key !== 'cause') (this as Record<string, unknown>)[key] = value;
    }
  }

  /** Converts an error thrown or reported by the wasm module (an `Error` with a `kind` property). */
  static fromWasm(error: unknown): TidingsError {
    if (error instanceof TidingsError) return error;
    const e = (error ?? {}) as Partial<TidingsError>;
    return new TidingsError(e.kind ?? 'network', e.message ?? String(error), { ...e, cause: error });
  }
}
