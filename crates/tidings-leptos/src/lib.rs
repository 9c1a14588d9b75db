//! # tidings-leptos
//!
//! Server-Sent Events as [Leptos](https://leptos.dev) 0.8 signals, on top of the
//! [`tidings_web`] client: fetch or
//! [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource) transport, any
//! method, body and headers (static or refreshed per attempt), the tidings reconnect policy
//! (backoff with jitter, `Retry-After`, idle timeout, one-shot streams with a done-sentinel),
//! and a resume point (`Last-Event-ID`) that survives manual reconnects.
//!
//! - [`use_sse`] / [`use_sse_with_options`]: one stream as signals (`message`, bounded
//!   `messages` history, `status`, `error`, `last_event_id`, `attempt`) plus `open`, `close`,
//!   `reconnect`. The URL may be a signal; changing it reconnects.
//! - Data as a raw `String`, or any [`serde::de::DeserializeOwned`] type through JSON
//!   ([`UseSseOptions::json`]); data that does not decode is reported as [`SseError::Decode`],
//!   never dropped silently.
//! - [`provide_sse`] / [`expect_sse`]: many components, one connection.
//!
//! ## Lifetimes
//!
//! A hook's client belongs to the reactive owner that called it: when the component unmounts
//! (its owner is cleaned up, see [`on_cleanup`](leptos::prelude::on_cleanup)) the connection
//! is closed and every browser handle (fetch, reader, timers, listeners) released.
//!
//! ## Server-side rendering
//!
//! With the `ssr` feature — and on any target other than `wasm32` — the hooks create no
//! JavaScript object and register no effect: the signals keep their initial values (`status`
//! = [`Status::Closed`], no message, no error) and `open`/`close`/`reconnect` do nothing. In
//! the browser `status` starts `Closed` too and becomes `Connecting` on the first reactive tick
//! after mount or hydration, so the hydrated markup matches the server's.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use serde::Deserialize;
//! use tidings_leptos::{UseSseOptions, use_sse_with_options};
//!
//! #[derive(Clone, Deserialize)]
//! struct Token {
//!     token: String,
//! }
//!
//! #[component]
//! fn Answer() -> impl IntoView {
//!     let answer = RwSignal::new(String::new());
//!     let sse = use_sse_with_options(
//!         "/api/chat",
//!         UseSseOptions::<Token>::json()
//!             .method("POST")
//!             .body(tidings_web::Body::Json(r#"{"prompt":"hello"}"#.into()))
//!             .one_shot(true)
//!             .done_sentinel("[DONE]")
//!             .on_message(move |m| answer.update(|a| a.push_str(&m.data.token))),
//!     );
//!     view! {
//!         <p>{move || answer.get()}</p>
//!         <small>{move || sse.status.get().as_str()}</small>
//!     }
//! }
//! ```
#![deny(missing_docs)]

mod context;
mod message;
mod use_sse;

pub use context::{expect_sse, provide_sse, use_sse_context};
pub use message::{DecodeError, SseError, SseMessage};
pub use tidings_web::Status;
pub use use_sse::{UseSseOptions, UseSseReturn, use_sse, use_sse_with_options};
