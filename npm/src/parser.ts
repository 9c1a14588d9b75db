import { deliverBatch, type BatchHandlers } from './batch.js';
import { TidingsError } from './errors.js';
import { loadParserWasm, parserMemory, parserWasmIfReady, type ParserWasm } from './parser-wasm.js';

/** An event as delivered by {@link createParser}, shaped like eventsource-parser's. */
export interface ParsedEvent {
  /** The `event:` type, or `undefined` for the default type `message` (as eventsource-parser does). */
  event: string | undefined;
  /** The last event ID in force for this event, or `undefined` when it is empty. */
  id: string | undefined;
  /** The event data (data lines joined by `\n`). */
  data: string;
  /** The spec's persisted last event ID (an empty string when none was ever set). */
  lastEventId: string;
}

/** Callbacks for {@link createParser}; the same names and shapes as eventsource-parser's. */
export interface ParserCallbacks {
  /** Called for every dispatched event. */
  onEvent: (event: ParsedEvent) => void;
  /** Called when a valid `retry:` field sets the reconnection time, in milliseconds. */
  onRetry?: (retryMs: number) => void;
  /** Called for each comment line (`: text`); servers often send these as heartbeats. */
  onComment?: (comment: string) => void;
  /**
   * Called when a line or event exceeds `maxBufferSize` (the parser stops until `reset()`),
   * and with kind `network` when the parser's wasm module cannot be loaded: once when the
   * load fails (the chunks fed meanwhile cannot be parsed), then on every later `feed`.
   * Without `onError`, `feed` throws these instead.
   */
  onError?: (error: TidingsError) => void;
  /** Largest line and largest event, in bytes (eventsource-parser's name). Defaults to 16 MiB. */
  maxBufferSize?: number;
  /** Largest line in bytes, without its line ending; overrides `maxBufferSize` for lines. */
  maxLineSize?: number;
  /** Largest event data in bytes; overrides `maxBufferSize` for events. */
  maxEventSize?: number;
  /** Seeds the last event ID, e.g. to resume a stream you were already reading [empty]. */
  lastEventId?: string;
}

/** A streaming parser: feed it chunks as they arrive. */
export interface EventStreamParser {
  /** Feeds a chunk: a string, or bytes (decoded as UTF-8 by the parser, split anywhere). */
  feed(chunk: string | Uint8Array): void;
  /** Prepares for a new connection; keeps the last event ID. */
  reset(): void;
}

// Strings are encoded here, not by wasm-bindgen's glue: the parser module then takes only
// bytes, and its glue carries no string encoder (smaller; the bytes path, a fetch body's, is
// unchanged). Made on first use, so importing tidings constructs nothing.
let utf8: TextEncoder | undefined;
const encode = (text: string): Uint8Array => (utf8 ??= new TextEncoder()).encode(text);
// Decodes a batch's text from the module's memory. `ignoreBOM`: a U+FEFF at its start is
// event text, not a byte order mark. (The text is valid UTF-8: the parser made it.)
let utf8Decoder: TextDecoder | undefined;

// A parser's wasm state is freed when its `EventStreamParser` is garbage-collected (the
// module's interface is a handle, not a class whose glue would do this).
let registry: FinalizationRegistry<number> | undefined;
const freeWhenCollected = (wasm: ParserWasm, owner: object, handle: number) => {
  if (typeof FinalizationRegistry === 'undefined') return;
  (registry ??= new FinalizationRegistry((h) => wasm.parserFree(h))).register(owner, handle);
};

// Work of every parser that arrives while one of them delivers a batch: a callback that feeds
// or resets (this parser or another one) acts after the rest of that batch, in order. The batch
// is read from the module's memory, which any feed may reuse or grow (detaching the views), so
// nothing feeds while it is read. Pairs of a parser's `run` and its item, flat (no allocation
// per chunk). Every queued item runs even if one throws (no `onError`); the first error is
// rethrown after.
let busy: unknown[] | undefined;
function runOrQueue<T>(run: (item: T) => void, item: T): void {
  if (busy) {
    busy.push(run, item);
    return;
  }
  busy = [run, item];
  let thrown: [unknown] | undefined;
  for (let i = 0; i < busy.length; i += 2) {
    try {
      (busy[i] as (item: unknown) => void)(busy[i + 1]);
    } catch (error) {
      thrown ??= [error];
    }
  }
  busy = undefined;
  if (thrown) throw thrown[0];
}

/**
 * Creates a `text/event-stream` parser with the callback shape of eventsource-parser, so
 * switching is a change of import. Parsing runs in WebAssembly and follows WHATWG HTML §9.2.
 *
 * Runs on the small parser-only wasm module, loaded on the first call (the client module, which
 * `connect` needs, is not downloaded). If it is not loaded yet, chunks are queued and parsed in
 * order as soon as it is (so nothing is lost); `await init()` first to get callbacks
 * synchronously inside `feed`. A callback that feeds or resets (this parser or another) acts
 * after the rest of its chunk's frames, still inside the outer `feed`.
 *
 * @example
 * ```ts
 * import { createParser, init } from 'tidings';
 * await init({ client: false }); // optional: preload the parser module only
 * const parser = createParser({ onEvent: (e) => console.log(e.event ?? 'message', e.data) });
 * parser.feed('data: hello\n\n');
 * ```
 */
export function createParser(callbacks: ParserCallbacks): EventStreamParser {
  // The loaded module and this parser's handle in it (see crates/tidings-parser-wasm/src/exports.rs).
  let wasm: ParserWasm | undefined;
  let handle = 0;
  // Set when the wasm module failed to load: nothing can be parsed, every feed reports it.
  let loadFailure: TidingsError | undefined;

  const build = (loaded: ParserWasm) => {
    wasm = loaded;
    // An unset limit is `undefined`, which the wasm boundary turns into NaN (an f64
    // parameter takes ToNumber): the module's default.
    handle = loaded.parserNew(
      (callbacks.maxLineSize ?? callbacks.maxBufferSize) as number,
      (callbacks.maxEventSize ?? callbacks.maxBufferSize) as number,
      encode(callbacks.lastEventId ?? ''),
    );
    freeWhenCollected(loaded, api, handle);
  };

  const handlers: BatchHandlers = {
    // Set here, not added later: the object keeps one shape.
    partial: '',
    event: (event, data, lastEventId) =>
      callbacks.onEvent({ event, id: lastEventId === '' ? undefined : lastEventId, data, lastEventId }),
    comment: callbacks.onComment,
    retry: callbacks.onRetry,
    // The wasm reports only which limit and its size; the message (tidings-core's wording) is
    // built here, which keeps string formatting out of the parser module. Raised after the
    // batch, so a throw (no `onError`) cannot drop the frames before it.
    error: (lineTooLong, limit) => {
      failure = new TidingsError(
        lineTooLong ? 'line-too-long' : 'event-too-large',
        lineTooLong ? `line longer than ${limit} bytes` : `event data larger than ${limit} bytes`,
        { limit },
      );
    },
  };
  let failure: TidingsError | undefined;
  let words: Uint32Array | undefined;
  // Delivers one feed's frames, in order (one boundary crossing per chunk, see batch.ts), from
  // the four words at `at` in the module's memory: where its records are, how many, where its
  // text is, how many bytes (see crates/tidings-parser-wasm/src/exports.rs). Views, not copies:
  // the next feed reuses that memory, so nothing feeds while they are read (see `perform`).
  const deliver = (at: number) => {
    const buffer = parserMemory().buffer;
    // Made again after the memory grew (its old buffer is then detached).
    if (words?.buffer !== buffer) words = new Uint32Array(buffer);
    const header = at >>> 2;
    const records = words[header] >>> 2;
    const length = words[header + 3];
    // `failure` is undefined here: every delivery resets it before it can throw.
    deliverBatch(
      words,
      length ? (utf8Decoder ??= new TextDecoder('utf-8', { ignoreBOM: true })).decode(new Uint8Array(buffer, words[header + 2], length)) : '',
      handlers,
      records,
      records + words[header + 1],
    );
    const error = failure as TidingsError | undefined;
    failure = undefined;
    if (error) fail(error);
  };
  const fail = (error: unknown) => {
    const err = TidingsError.fromWasm(error);
    if (callbacks.onError) callbacks.onError(err);
    else throw err;
  };
  // A chunk, or `null` for a reset.
  const run = (item: string | Uint8Array | null) => {
    if (item === null) {
      wasm!.parserReset(handle);
      // The event in progress is gone, with the parts of its data delivered so far.
      handlers.partial = '';
      return;
    }
    let at: number;
    try {
      at = wasm!.parserFeed(handle, typeof item === 'string' ? encode(item) : item);
    } catch (error) {
      fail(error);
      return;
    }
    if (at) deliver(at);
  };
  // Chunks and resets that arrive while the module is still loading.
  let waiting: Array<string | Uint8Array | null> | undefined;
  const perform = (item: string | Uint8Array | null) => {
    if (waiting) waiting.push(item);
    else runOrQueue(run, item);
  };

  const api: EventStreamParser = {
    feed(chunk) {
      if (loadFailure) fail(loadFailure);
      else perform(chunk);
    },
    reset() {
      if (!loadFailure) perform(null);
    },
  };
  const ready = parserWasmIfReady();
  if (ready) build(ready);
  else {
    waiting = [];
    void loadParserWasm().then(
      (wasm) => {
        build(wasm);
        const items = waiting!;
        waiting = undefined;
        // All in one go: each runs even if an earlier one throws.
        runOrQueue(() => {
          for (const item of items) runOrQueue(run, item);
        }, null);
      },
      (cause: unknown) => {
        waiting = undefined;
        const why = cause instanceof Error ? `: ${cause.message}` : '';
        loadFailure = new TidingsError('network', `could not load the tidings parser wasm module${why}`, { cause });
        // Not thrown here, where nobody could catch it (an unhandled rejection): without
        // `onError`, the next `feed` throws it.
        callbacks.onError?.(loadFailure);
      },
    );
  }
  return api;
}
