//! # tidings-wasm
//!
//! The client WebAssembly module of the `tidings` npm package: the `#[wasm_bindgen]` surface
//! that the npm `connect` and `stream` wrap, over the [`tidings_web`] client. It lives in its
//! own cdylib crate so that `tidings-web` stays a plain Rust library (Leptos apps do not
//! compile this glue) and so that this module alone chooses what suits a JS package: its
//! allocator and build settings.
//!
//! Deliberately low-level: the TypeScript layer builds the objects its users see. Events cross
//! the boundary in batches ([`tidings_core::batch`]): one call per chunk of the stream, not one
//! per event, because in Chromium each call and each decoded string costs more than parsing a
//! small event. Options arrive as a plain JS object and are read with `Reflect` rather than
//! serde, which keeps the wasm small.
//!
//! - [`client`]: `Client`, behind the npm `connect` and `stream`.
//!
//! Built twice by `npm/scripts/build.mjs`: as it is, the everyday client module
//! (`tidings_wasm`), and with the `share` feature, the module for streams that share one
//! connection between tabs (`tidings_wasm_share`), which only apps that share download.
//!
//! The npm `createParser` uses a separate, much smaller module (`tidings-parser-wasm`), so an
//! app that only parses does not download the client.
#![deny(missing_docs)]

/// A small free-list allocator instead of std's dlmalloc, as in the parser module: freed
/// blocks are reused and neighbours merged, which suits the client's few long-lived buffers
/// and per-chunk batches. Only this cdylib can choose it: a library crate (tidings-web) must
/// leave the allocator to the application.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

pub mod client;

pub use client::JsClient;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// Builds a JS `Error` whose `kind` property names the failure.
fn js_error(kind: &str, message: &str) -> JsValue {
    let error: JsValue = js_sys::Error::new(message).into();
    set(&error, "kind", kind);
    error
}
