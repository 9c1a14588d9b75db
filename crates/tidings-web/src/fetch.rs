//! The fetch + ReadableStream driver.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use tidings_core::{Frame, Parser};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, Request, RequestInit, Response};

use crate::StreamError;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whichever global this is (window, worker or Node).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &Request) -> Promise;
}

/// What a [`FetchStream`] reports to its callback.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamUpdate<'a> {
    /// The server answered 200 with `text/event-stream`.
    Open {
        /// The HTTP status (always 200 here; kept for symmetry with error reports).
        status: u16,
    },
    /// A parsed frame: an event, a `retry:` change or a comment.
    Frame(Frame<'a>),
    /// The body ended normally.
    End,
    /// The stream failed; nothing more will be reported.
    Error(StreamError),
}

/// A single `fetch` of an event stream, read until it ends, fails or is closed.
///
/// Dropping the handle aborts the request: the `AbortController` cancels the fetch and the
/// pending `reader.read()`, which ends the reading task.
///
/// ```no_run
/// use tidings_web::{FetchStream, StreamUpdate};
/// let stream = FetchStream::start("http://127.0.0.1:8080/sse/ticks", |update| {
///     if let StreamUpdate::Error(e) = update {
///         web_sys::console::warn_1(&e.to_string().into());
///     }
/// });
/// drop(stream); // aborts
/// ```
#[must_use = "dropping a FetchStream aborts the request at once"]
pub struct FetchStream {
    controller: Option<AbortController>,
    /// Set on close so a callback racing with the abort never sees another update.
    closed: Rc<Cell<bool>>,
}

impl FetchStream {
    /// Starts a GET of `url` with `Accept: text/event-stream` and hands every update to `on_update`.
    pub fn start(url: &str, on_update: impl FnMut(StreamUpdate<'_>) + 'static) -> FetchStream {
        let controller = AbortController::new().ok();
        let closed = Rc::new(Cell::new(false));
        let signal = controller.as_ref().map(|c| c.signal());
        let task_closed = closed.clone();
        let url = url.to_owned();
        wasm_bindgen_futures::spawn_local(async move {
            let mut on_update = on_update;
            let result = read_stream(&url, signal.as_ref(), &task_closed, &mut on_update).await;
            if task_closed.get() {
                return;
            }
            match result {
                Ok(()) => on_update(StreamUpdate::End),
                Err(e) => on_update(StreamUpdate::Error(e)),
            }
        });
        FetchStream { controller, closed }
    }

    /// Aborts the request; no further updates are delivered. Calling it twice is harmless.
    pub fn close(mut self) {
        self.abort();
    }

    fn abort(&mut self) {
        self.closed.set(true);
        if let Some(controller) = self.controller.take() {
            controller.abort();
        }
    }
}

impl Drop for FetchStream {
    fn drop(&mut self) {
        self.abort();
    }
}

fn network_error(value: JsValue) -> StreamError {
    let message = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    StreamError::Network { message }
}

/// True for `text/event-stream`, with or without parameters, in any case.
fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("text/event-stream")
}

async fn read_stream(
    url: &str,
    signal: Option<&web_sys::AbortSignal>,
    closed: &Cell<bool>,
    on_update: &mut impl FnMut(StreamUpdate<'_>),
) -> Result<(), StreamError> {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_signal(signal);
    let headers = Headers::new().map_err(network_error)?;
    headers.set("Accept", "text/event-stream").map_err(network_error)?;
    headers.set("Cache-Control", "no-cache").map_err(network_error)?;
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(network_error)?;
    let response: Response = JsFuture::from(global_fetch(&request))
        .await
        .map_err(network_error)?
        .unchecked_into();
    let status = response.status();
    if status != 200 {
        return Err(StreamError::Http { status });
    }
    let content_type = response.headers().get("content-type").ok().flatten();
    if !content_type.as_deref().is_some_and(is_event_stream) {
        return Err(StreamError::ContentType { content_type });
    }
    on_update(StreamUpdate::Open { status });
    let Some(body) = response.body() else {
        return Ok(());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut parser = Parser::new();
    // One buffer reused for every chunk: the bytes are copied out of JS memory once.
    let mut buffer = Vec::new();
    loop {
        let result = JsFuture::from(reader.read()).await.map_err(network_error)?;
        if closed.get() {
            return Err(StreamError::Aborted);
        }
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            parser.finish();
            return Ok(());
        }
        let Ok(value) = Reflect::get(&result, &JsValue::from_str("value")) else {
            continue;
        };
        let chunk: Uint8Array = value.unchecked_into();
        buffer.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buffer);
        let fed = parser.feed(&buffer, |frame| {
            if !closed.get() {
                on_update(StreamUpdate::Frame(frame));
            }
        });
        if let Err(e) = fed {
            // Free the connection at once: the server must see the reader go away.
            let _ = reader.cancel();
            return Err(StreamError::TooLarge(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_event_stream;

    #[test]
    fn content_type_essence() {
        assert!(is_event_stream("text/event-stream"));
        assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
        assert!(is_event_stream("text/event-stream;"));
        assert!(!is_event_stream("text/plain"));
        assert!(!is_event_stream("text/event-streams"));
    }
}
