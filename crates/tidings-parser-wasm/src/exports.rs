//! The module's exports: functions over a parser handle, called by `npm/src/parser.ts`.
//!
//! Not a `#[wasm_bindgen]` class, for size: a class brings wasm-bindgen's `Rc<WasmRefCell>`
//! wrapper with its borrow checks and their error strings, a `throw` import, and a glue class
//! with its own `FinalizationRegistry` (measured: the module and its glue 0.5 KB gzip larger).
//! Here a handle is an index into [`PARSERS`]; a stale or made-up handle finds nothing and
//! does nothing, so JS cannot cause undefined behaviour through it. The TS side frees a handle
//! when its parser object is collected (its own `FinalizationRegistry`).
//!
//! Frames leave as [`tidings_core::batch::record`]s plus one text, both read by JS straight
//! from the module's memory (see [`parser_feed`]); a failure is the last record.
//! Text comes in as UTF-8 bytes (`npm/src/parser.ts` encodes strings): nothing in this
//! interface is a `JsValue` or an inbound string, so the glue has no externref handling beyond
//! wasm-bindgen's table setup and no string encoder.

use alloc::vec::Vec;
use core::cell::UnsafeCell;

use tidings_core::batch::Batch;
use tidings_core::{Limits, Parser};
use wasm_bindgen::prelude::*;

/// One parser and the batch its frames are encoded into: what a handle stands for.
struct State {
    parser: Parser,
    batch: Batch,
    /// Where the last feed's batch is, for JS: see [`parser_feed`].
    header: [u32; 4],
}

/// The live parsers; handle `h` is slot `h - 1` (0 is never a handle). Freed slots are reused.
struct Slab(UnsafeCell<Vec<Option<State>>>);

// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread, and no
// function here calls out to JS (the module has no imports), so none can re-enter another
// while it holds the slab: the one `&mut` made in `slab()` is never aliased.
unsafe impl Sync for Slab {}

static PARSERS: Slab = Slab(UnsafeCell::new(Vec::new()));

fn slab() -> &'static mut Vec<Option<State>> {
    // SAFETY: see `Slab`; each export takes this once and drops it before returning.
    unsafe { &mut *PARSERS.0.get() }
}

/// Runs `f` on the parser of `handle`; a handle that is not live gives `R::default()`.
fn with<R: Default>(handle: u32, f: impl FnOnce(&mut State) -> R) -> R {
    match slab().get_mut((handle as usize).wrapping_sub(1)) {
        Some(Some(state)) => f(state),
        _ => R::default(),
    }
}

/// A limit from JS: a number of bytes (saturated into `usize`), or `NaN` (what `undefined`
/// becomes) for the default. Numbers, not `Option<u32>`: the glue then converts nothing.
fn limit(bytes: f64, default: usize) -> usize {
    if bytes.is_nan() {
        default
    } else {
        bytes as usize
    }
}

/// Creates a parser and returns its handle. `max_line_len` and `max_event_size` (bytes; `NaN`
/// for the default) default to the core's [`Limits::default`]. `last_event_id` seeds the last
/// event ID (it persists across events and resets) from its UTF-8 bytes (always valid from a
/// `TextEncoder`; anything else seeds the empty ID): an argument, not a setter, which would be
/// one more export and glue function.
#[wasm_bindgen(js_name = parserNew)]
pub fn parser_new(max_line_len: f64, max_event_size: f64, last_event_id: &[u8]) -> u32 {
    let defaults = Limits::default();
    let mut parser = Parser::with_limits(Limits {
        max_line_len: limit(max_line_len, defaults.max_line_len),
        max_event_size: limit(max_event_size, defaults.max_event_size),
    });
    parser.set_last_event_id(core::str::from_utf8(last_event_id).unwrap_or_default());
    let state = State {
        parser,
        batch: Batch::new(),
        header: [0; 4],
    };
    let parsers = slab();
    let index = match parsers.iter().position(Option::is_none) {
        Some(free) => free,
        None => {
            parsers.push(None);
            parsers.len() - 1
        }
    };
    if let Some(slot) = parsers.get_mut(index) {
        *slot = Some(state);
    }
    index as u32 + 1
}

/// Frees the parser of `handle` (a handle that is not live is ignored).
#[wasm_bindgen(js_name = parserFree)]
pub fn parser_free(handle: u32) {
    if let Some(slot) = slab().get_mut((handle as usize).wrapping_sub(1)) {
        *slot = None;
    }
}

/// Feeds bytes. Returns 0 when they completed no frame (a chunk in the middle of a long
/// event), else the address of four words in the module's memory: where the batch's records
/// are and how many, where its text (UTF-8) is and how many bytes. JS reads both straight
/// from memory, before it calls into the module again: nothing is copied out and no array
/// or string is made on this side (wasm-bindgen would copy a `Vec<u32>` into a new
/// `Uint32Array` and a `String` into a JS string, each with an allocation and a free). The
/// batch keeps its buffers for the next feed. A `line-too-long` or `event-too-large` failure
/// is the last record (its kind and limit included).
#[wasm_bindgen(js_name = parserFeed)]
pub fn parser_feed(handle: u32, bytes: &[u8]) -> u32 {
    with(handle, |state| {
        let State {
            parser,
            batch,
            header,
        } = state;
        batch.start();
        // `feed_batch`, not `feed` + `push`: a long event's data comes out in parts.
        if let Err(error) = parser.feed_batch(bytes, batch) {
            batch.push_error(error);
        }
        let (records, text) = (batch.records(), batch.text());
        if records.is_empty() {
            return 0;
        }
        *header = [
            records.as_ptr() as u32,
            records.len() as u32,
            text.as_ptr() as u32,
            text.len() as u32,
        ];
        header.as_ptr() as u32
    })
}

/// Prepares for a new connection; keeps the last event ID.
#[wasm_bindgen(js_name = parserReset)]
pub fn parser_reset(handle: u32) {
    with(handle, |state| state.parser.reset())
}
