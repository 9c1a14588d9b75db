//! # tidings-web
//!
//! The browser side of tidings: a Server-Sent Events [`Client`] over `fetch` +
//! [`ReadableStream`](https://developer.mozilla.org/docs/Web/API/ReadableStream) or the native
//! [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource), parsed and
//! reconnected by the sans-IO [`tidings_core`]. This is the only tidings crate that touches web
//! APIs.
//!
//! - Listeners per event type that survive reconnects, plus open/error/status/close.
//! - Typed errors ([`ClientError`]) with the HTTP status, the start of the error body, and
//!   whether/when the client will retry.
//! - Every browser handle is released on close and on drop; [`live_handles`] counts them.
//! - One connection for every tab of the app with [`ClientOptions::share`]: a leader tab holds
//!   it (elected with Web Locks), the others get its events over `BroadcastChannel`, and a
//!   handover resumes from the last event ID any tab has seen.
//!
//! A plain Rust library: the `#[wasm_bindgen]` surface of the `tidings` npm package lives in
//! its own cdylib crate (`tidings-wasm`), so Rust users (e.g. Leptos apps) do not compile it.
//!
//! ```no_run
//! use tidings_web::{Body, Client, ClientEvent, ClientOptions, Listen};
//!
//! let client = Client::connect(
//!     ClientOptions::new("/api/chat")
//!         .method("POST")
//!         .body(Body::Json(r#"{"prompt":"hello"}"#.into()))
//!         .one_shot(true)
//!         .done_sentinel("[DONE]"),
//! );
//! client.on(Listen::AnyEvent, |event| {
//!     if let ClientEvent::Message(m) = event {
//!         web_sys::console::log_1(&m.data.as_str().into());
//!     }
//! });
//! ```
//! ## Cargo features
//!
//! - `std` (default): [`Client::events`] (a `Stream`), [`HeaderCallback::new`] (an async Rust
//!   function, driven by wasm-bindgen-futures) and `std::error::Error` for [`ClientError`].
//!   Without it the crate is `no_std` + `alloc`, which lets the npm package's module leave
//!   std's panic machinery and the futures executor out.
//! - `share` (default): tab sharing's browser driver ([`ClientOptions::share`]).
//!
//! Every browser call goes through a small JS module of this crate (`js/host.js`, bundled by
//! wasm-bindgen as a snippet): fetch and its reader, EventSource, timers, DOM listeners,
//! sessionStorage. Rust decides; the host only makes the calls and reports back.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cell;
mod client;
mod error;
mod eventsource;
mod fetch;
mod handles;
mod host;
mod messages;
mod options;
mod persist;
mod share;
mod transport;

/// What std's prelude would bring into scope (the crate is `no_std`, see above).
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

#[cfg(feature = "std")]
pub use client::EventStream;
pub use client::{
    Client, ClientEvent, Listen, ListenerId, MessageEvent, Metrics, OpenInfo, Status,
};
pub use error::{ClientError, ErrorKind};
pub use handles::{LiveHandles, live_handles};
pub use messages::{Iter as MessageBatchIter, MessageBatch, MessagePart, Parts as MessageParts};
pub use options::{
    AbortSignal, Body, ClientOptions, Credentials, HeaderCallback, HeadersFuture, JsFunction,
    Transport,
};
pub use persist::clear_persisted_last_event_id;
pub use share::{Role, Share, share_key};
