//! # tidings-parser-wasm
//!
//! The parser-only WebAssembly module of the `tidings` npm package: the sans-IO
//! [`tidings_core::Parser`] behind the npm `createParser`, and nothing else, so an app that only
//! parses does not download the client (fetch, EventSource, reconnects). The client is the
//! other module, `tidings-wasm`.
//!
//! Frames cross into JS in the batch format of [`tidings_core::batch`], one crossing per `feed`.
//! Size rules for this crate: no `core::fmt` (no `format!`, `to_string()`, `Debug`, panicking
//! index or `unwrap`), so the module stays a fraction of the client's.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

/// A small free-list allocator instead of std's dlmalloc (measured: about a third of this
/// module). Freed blocks are reused and neighbours merged, which suits a parser's few growing
/// buffers and per-feed batches.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// With `no-std` nothing links std, so this module supplies the panic handler: trap. (The
/// parser does not panic on any input; this keeps the formatting of panic messages out.)
#[cfg(all(feature = "no-std", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

use alloc::string::String;

use tidings_core::batch::Batch;
use tidings_core::{Limits, ParseError, Parser};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The JS `Error` class, bound here rather than through js-sys.
    #[wasm_bindgen(js_name = Error)]
    type JsError;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new() -> JsError;

    #[wasm_bindgen(method, setter)]
    fn set_kind(this: &JsError, kind: &str);

    #[wasm_bindgen(method, setter)]
    fn set_limit(this: &JsError, limit: f64);

    /// A JS `Uint32Array`: the records are copied out by its constructor, so they stay in the
    /// batch for the next feed (no allocation handed over and freed per feed).
    #[wasm_bindgen(js_name = Uint32Array, typescript_type = "Uint32Array")]
    pub type Records;

    #[wasm_bindgen(constructor, js_class = "Uint32Array")]
    fn new(records: &[u32]) -> Records;
}

/// A `text/event-stream` parser driven from JS, delivering frames in batches.
///
/// `feed(bytes)` parses a chunk and returns a `Uint32Array` of records (see
/// [`tidings_core::batch::record`]); when it is not empty, `takeText()` returns the one string
/// the records cut up, and after an `ERROR` record `takeError()` returns the error. One
/// crossing per chunk instead of one call and three decoded strings per event.
#[wasm_bindgen(js_name = Parser)]
pub struct JsParser {
    parser: Parser,
    batch: Batch,
    error: Option<ParseError>,
}

#[wasm_bindgen(js_class = Parser)]
impl JsParser {
    /// Creates a parser. `max_line_len` and `max_event_size` (bytes) default to the core's
    /// [`Limits::default`].
    #[wasm_bindgen(constructor)]
    pub fn new(max_line_len: Option<u32>, max_event_size: Option<u32>) -> JsParser {
        let defaults = Limits::default();
        let parser = Parser::with_limits(Limits {
            max_line_len: max_line_len.map_or(defaults.max_line_len, |n| n as usize),
            max_event_size: max_event_size.map_or(defaults.max_event_size, |n| n as usize),
        });
        JsParser {
            parser,
            batch: Batch::new(),
            error: None,
        }
    }

    /// Feeds bytes; returns the records of the frames they completed, in order. A
    /// `line-too-long` or `event-too-large` failure ends the table with an `ERROR` record.
    pub fn feed(&mut self, bytes: &[u8]) -> Records {
        let batch = &mut self.batch;
        batch.start();
        if let Err(error) = self.parser.feed(bytes, |frame| batch.push(frame)) {
            batch.push_error();
            self.error = Some(error);
        }
        Records::new(batch.records())
    }

    /// Feeds text (encoded to UTF-8 by wasm-bindgen on the way in).
    #[wasm_bindgen(js_name = feedText)]
    pub fn feed_text(&mut self, text: &str) -> Records {
        self.feed(text.as_bytes())
    }

    /// The text of the last `feed`'s records (once).
    #[wasm_bindgen(js_name = takeText)]
    pub fn take_text(&mut self) -> String {
        self.batch.take_text()
    }

    /// The error of the last `feed`'s `ERROR` record (once): an `Error` whose `kind` is
    /// `line-too-long` or `event-too-large` and whose `limit` is the limit in bytes;
    /// `undefined` if none. Its message is left to JS (`npm/src/parser.ts`), which keeps
    /// string building out of this module.
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().map_or(JsValue::UNDEFINED, |e| {
            let error = JsError::new();
            error.set_kind(e.code());
            error.set_limit(e.limit() as f64);
            error.into()
        })
    }

    /// Prepares for a new connection; keeps the last event ID.
    pub fn reset(&mut self) {
        self.parser.reset();
    }

    /// Seeds the last event ID (it persists across events and resets). No getter and no
    /// `finish`: `createParser` needs neither, and each export costs wasm and glue.
    #[wasm_bindgen(setter, js_name = lastEventId)]
    pub fn set_last_event_id(&mut self, id: &str) {
        self.parser.set_last_event_id(id);
    }
}
