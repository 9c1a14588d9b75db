//! The `#[wasm_bindgen]` surface wrapped by the `tidings` npm package.
//!
//! Deliberately low-level: the TypeScript layer builds the objects its users see. Events cross
//! the boundary in batches (see [`batch`]): one call per chunk of the stream, not one per
//! event, because in Chromium each call and each decoded string costs more than parsing a
//! small event. Options arrive as a plain JS object and are read with `Reflect` rather than
//! serde, which keeps the wasm small.
//!
//! - [`parser`]: `Parser`, behind the npm `createParser`.
//! - [`client`]: `Client`, behind the npm `connect` and `stream`.

mod batch;
mod client;
mod parser;

pub use client::JsClient;
pub use parser::JsParser;

use js_sys::Reflect;
use tidings_core::ParseError;
use wasm_bindgen::JsValue;

fn parse_error_kind(error: &ParseError) -> &'static str {
    match error {
        ParseError::LineTooLong { .. } => "line-too-long",
        ParseError::EventTooLarge { .. } => "event-too-large",
        _ => "too-large",
    }
}

fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// Builds a JS `Error` whose `kind` property names the failure.
fn js_error(kind: &str, message: &str) -> JsValue {
    let error: JsValue = js_sys::Error::new(message).into();
    set(&error, "kind", kind);
    error
}
