//! # tidings-web
//!
//! The browser side of tidings: drivers that move bytes between the browser and the sans-IO
//! [`tidings_core`] parser. This is the only tidings crate that touches web APIs.
//!
//! Today it offers [`FetchStream`], which reads a `text/event-stream` response with
//! [`fetch`](https://developer.mozilla.org/docs/Web/API/Fetch_API) and a
//! [`ReadableStream`](https://developer.mozilla.org/docs/Web/API/ReadableStream) reader and hands
//! each parsed [`Frame`](tidings_core::Frame) to a callback. With the default `js-exports`
//! feature it also exports the `#[wasm_bindgen]` surface that the `tidings` npm package wraps.
//!
//! ```no_run
//! use tidings_web::{FetchStream, StreamUpdate};
//!
//! let stream = FetchStream::start("/sse/ticks", |update| {
//!     if let StreamUpdate::Frame(tidings_core::Frame::Event(event)) = update {
//!         web_sys::console::log_1(&event.data.into());
//!     }
//! });
//! // Dropping (or closing) the handle aborts the request and releases the reader.
//! stream.close();
//! ```
#![deny(missing_docs)]

mod error;
mod fetch;
#[cfg(feature = "js-exports")]
pub mod js;

pub use error::StreamError;
pub use fetch::{FetchStream, StreamUpdate};
