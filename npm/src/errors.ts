/** The kinds of failure tidings reports, shared by the parser and the client. */
export type TidingsErrorKind =
  | 'http'
  | 'content-type'
  | 'network'
  | 'idle-timeout'
  | 'too-large'
  | 'line-too-long'
  | 'event-too-large'
  | 'aborted'
  | 'gave-up';

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
  /** What went wrong, as a literal string. */
  readonly kind: TidingsErrorKind;
  /** The HTTP status, for `kind === 'http'`. */
  readonly status?: number;

  constructor(kind: TidingsErrorKind, message: string, details: { status?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TidingsError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
  }

  /** Converts an error thrown by the wasm module (an `Error` with a `kind` property). */
  static fromWasm(error: unknown): TidingsError {
    if (error instanceof TidingsError) return error;
    const e = error as { kind?: TidingsErrorKind; message?: string; status?: number };
    return new TidingsError(e?.kind ?? 'network', e?.message ?? String(error), { status: e?.status, cause: error });
  }
}
