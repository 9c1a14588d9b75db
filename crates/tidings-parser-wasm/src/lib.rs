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
use alloc::vec::Vec;

use tidings_core::batch::Batch;
use tidings_core::{Limits, Parser};
use wasm_bindgen::prelude::*;

/// A `text/event-stream` parser driven from JS, delivering frames in batches.
///
/// `feed(bytes)` parses a chunk and returns a `Uint32Array` of records (see
/// [`tidings_core::batch::record`]); when it is not empty, `takeText()` returns the one string
/// the records cut up. A failure is the last record (`ERROR`, its kind and limit). One crossing
/// per chunk instead of one call and three decoded strings per event, and no JS object made
/// here: nothing in this module's interface is a `JsValue`, so wasm-bindgen adds no externref
/// table and no imports (measured: about 1.2 KB of the module). Text comes in as bytes too
/// (`npm/src/parser.ts` encodes it): no string crosses inward, so the glue has no encoder.
#[wasm_bindgen(js_name = Parser)]
pub struct JsParser {
    parser: Parser,
    batch: Batch,
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
        }
    }

    /// Feeds bytes; returns the records of the frames they completed, in order (copied into a
    /// `Uint32Array` by the glue). A `line-too-long` or `event-too-large` failure ends the
    /// table with an `ERROR` record.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u32> {
        let batch = &mut self.batch;
        batch.start();
        if let Err(error) = self.parser.feed(bytes, |frame| batch.push(frame)) {
            batch.push_error(error);
        }
        // A copy of exactly the records' size; the batch keeps its grown buffer for the next feed.
        batch.records().to_vec()
    }

    /// The text of the last `feed`'s records (once).
    #[wasm_bindgen(js_name = takeText)]
    pub fn take_text(&mut self) -> String {
        self.batch.take_text()
    }

    /// Prepares for a new connection; keeps the last event ID.
    pub fn reset(&mut self) {
        self.parser.reset();
    }

    /// Seeds the last event ID (it persists across events and resets) from its UTF-8 bytes;
    /// bytes that are not UTF-8 are decoded as the stream's would be. No getter and no
    /// `finish`: `createParser` needs neither, and each export costs wasm and glue.
    #[wasm_bindgen(js_name = setLastEventId)]
    pub fn set_last_event_id(&mut self, id: &[u8]) {
        match core::str::from_utf8(id) {
            Ok(id) => self.parser.set_last_event_id(id),
            Err(_) => self.parser.set_last_event_id(""),
        }
    }
}
