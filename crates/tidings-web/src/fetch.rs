//! The fetch + ReadableStream transport.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use tidings_core::policy::is_event_stream;
use tidings_core::{Frame, Limits, Parser};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, Request, RequestCache,
    RequestInit, Response,
};

use crate::ErrorKind;
use crate::handles::{HandleKind, Tracked};
use crate::messages::MessageBatch;
use crate::options::{Body, Credentials, HeaderCallback};
use crate::transport::{
    ResponseHead, Sink, TransportUpdate, header_byte_string, is_safe_header_value, js_error_message,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whichever global this is (window, worker or Node).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &Request) -> Promise;
}

/// How much of an error response's body is kept for the error report.
const ERROR_BODY_LIMIT: usize = 1024;

/// Everything one fetch attempt needs.
pub(crate) struct FetchRequest {
    pub url: String,
    pub method: String,
    pub body: Option<Body>,
    pub headers: Vec<(String, String)>,
    pub header_callback: Option<HeaderCallback>,
    pub credentials: Credentials,
    pub last_event_id: Option<String>,
    pub limits: Limits,
    /// Called instead of the global `fetch` when set.
    pub fetch_function: Option<js_sys::Function>,
}

/// One in-flight fetch. Dropping it aborts the request and ends the reading task.
pub(crate) struct FetchConnection {
    controller: Option<Tracked<AbortController>>,
    /// Set on drop so the reading task, which may be between two awaits, stops quietly.
    cancelled: Rc<Cell<bool>>,
}

impl FetchConnection {
    pub(crate) fn start(request: FetchRequest, sink: Sink) -> FetchConnection {
        let controller = AbortController::new()
            .ok()
            .map(|c| Tracked::new(HandleKind::AbortController, c));
        let signal = controller.as_ref().map(|c| c.signal());
        let cancelled = Rc::new(Cell::new(false));
        let task_cancelled = cancelled.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = run(request, signal, &task_cancelled, &sink).await;
            if let (Err(kind), false) = (result, task_cancelled.get()) {
                sink(TransportUpdate::Failed(kind));
            }
        });
        FetchConnection {
            controller,
            cancelled,
        }
    }
}

impl Drop for FetchConnection {
    fn drop(&mut self) {
        self.cancelled.set(true);
        if let Some(controller) = self.controller.take() {
            controller.abort();
        }
    }
}

fn network_error(value: JsValue) -> ErrorKind {
    let message = js_error_message(&value).unwrap_or_else(|| "fetch failed".to_owned());
    ErrorKind::Network { message }
}

fn set_header(headers: &Headers, name: &str, value: &str) -> Result<(), ErrorKind> {
    if !is_safe_header_value(value) {
        return Err(ErrorKind::Network {
            message: "header value contains CR, LF or NUL".to_owned(),
        });
    }
    headers.set(name, value).map_err(network_error)
}

async fn build_request(
    request: &FetchRequest,
    signal: Option<&AbortSignal>,
) -> Result<Request, ErrorKind> {
    // Only CORS-safelisted headers unless the caller asks for more: `Accept:
    // text/event-stream` is safelisted, so a plain GET needs no preflight and works against a
    // cross-origin server that allows no request headers. Caching is switched off with the
    // request's cache mode, not a `Cache-Control` header (which would need a preflight).
    let headers = Headers::new().map_err(network_error)?;
    headers
        .set("Accept", "text/event-stream")
        .map_err(network_error)?;
    match &request.body {
        Some(Body::Json(_)) => set_header(&headers, "Content-Type", "application/json")?,
        Some(Body::Text(_)) => set_header(&headers, "Content-Type", "text/plain;charset=UTF-8")?,
        _ => {}
    }
    for (name, value) in &request.headers {
        set_header(&headers, name, value)?;
    }
    if let Some(callback) = &request.header_callback {
        let produced = (callback.0)().await.map_err(|message| {
            // Pushed, not `concat()`: its generic join is 1 KB of wasm.
            let mut text = String::from("header callback failed: ");
            text.push_str(&message);
            ErrorKind::Network { message: text }
        })?;
        for (name, value) in &produced {
            set_header(&headers, name, value)?;
        }
    }
    // `Last-Event-ID` is not safelisted: a cross-origin server must allow it (a preflight)
    // for resuming to work. An unsafe ID is never sent (the parser already refuses IDs with
    // NUL; CR/LF cannot occur in a parsed line, but an initial ID from the caller could).
    if let Some(id) = request
        .last_event_id
        .as_deref()
        .filter(|id| is_safe_header_value(id))
    {
        headers
            .set("Last-Event-ID", &header_byte_string(id))
            .map_err(network_error)?;
    }
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    init.set_method(&request.method);
    init.set_headers(&headers);
    init.set_signal(signal);
    // `same-origin` is the default, so it is left unset: some runtimes without a notion of
    // origin (workerd) reject a Request that sets `credentials` at all.
    match request.credentials {
        Credentials::Omit => init.set_credentials(web_sys::RequestCredentials::Omit),
        Credentials::Include => init.set_credentials(web_sys::RequestCredentials::Include),
        Credentials::SameOrigin => {}
    }
    match &request.body {
        Some(Body::Text(text)) | Some(Body::Json(text)) => init.set_body(&JsValue::from_str(text)),
        Some(Body::Bytes(bytes)) => init.set_body(&Uint8Array::from(bytes.as_slice())),
        None => {}
    }
    Request::new_with_str_and_init(&request.url, &init)
        .or_else(|_| {
            // Runtimes without cache modes (older Cloudflare workerd) throw on the `cache`
            // field; they have no HTTP cache to skip either.
            let _ = Reflect::delete_property(&init, &JsValue::from_str("cache"));
            Request::new_with_str_and_init(&request.url, &init)
        })
        .map_err(network_error)
}

struct ReadChunk {
    done: bool,
    value: Option<Uint8Array>,
}

async fn read_chunk(reader: &ReadableStreamDefaultReader) -> Result<ReadChunk, ErrorKind> {
    let result = JsFuture::from(reader.read()).await.map_err(network_error)?;
    let done = Reflect::get(&result, &JsValue::from_str("done"))
        .ok()
        .and_then(|d| d.as_bool())
        .unwrap_or(true);
    let value = Reflect::get(&result, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok());
    Ok(ReadChunk { done, value })
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error body, then lets the rest go.
async fn read_error_body(response: &Response) -> String {
    let Some(body) = response.body() else {
        return String::new();
    };
    let reader = Tracked::new(
        HandleKind::Reader,
        body.get_reader()
            .unchecked_into::<ReadableStreamDefaultReader>(),
    );
    let mut bytes = Vec::new();
    while bytes.len() < ERROR_BODY_LIMIT {
        match read_chunk(&reader).await {
            Ok(ReadChunk {
                done: false,
                value: Some(chunk),
            }) => bytes.extend(chunk.to_vec()),
            _ => break,
        }
    }
    // Awaited: on a body the abort already errored, `cancel()` rejects, and a rejection nobody
    // handles would reach the console.
    let _ = JsFuture::from(reader.cancel()).await;
    bytes.truncate(ERROR_BODY_LIMIT);
    // The core's decoder, which the parser links anyway (std's `from_utf8_lossy` is 1 KB more).
    tidings_core::parser::decode_lossy(&bytes)
}

fn response_head(response: &Response) -> ResponseHead {
    let headers = response.headers();
    let mut pairs = Vec::new();
    // `Array.from` rather than js-sys's `try_iter`: one import instead of the iterator
    // protocol's glue.
    for entry in js_sys::Array::from(&headers).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((name, value));
        }
    }
    ResponseHead {
        status: response.status(),
        status_text: response.status_text(),
        content_type: headers.get("content-type").ok().flatten(),
        retry_after: headers.get("retry-after").ok().flatten(),
        headers: pairs,
        error_body: None,
    }
}

async fn run(
    request: FetchRequest,
    signal: Option<AbortSignal>,
    cancelled: &Cell<bool>,
    sink: &Sink,
) -> Result<(), ErrorKind> {
    let req = build_request(&request, signal.as_ref()).await?;
    if cancelled.get() {
        return Ok(());
    }
    let pending = match &request.fetch_function {
        // A plain value is awaited like a promise, as `await` would.
        Some(fetch) => Promise::resolve(&fetch.call1(&JsValue::NULL, &req).map_err(network_error)?),
        None => global_fetch(&req),
    };
    let response = JsFuture::from(pending).await.map_err(network_error)?;
    // A custom fetch may return anything; only something shaped like a Response is read.
    if !Reflect::get(&response, &JsValue::from_str("status")).is_ok_and(|s| s.as_f64().is_some()) {
        return Err(ErrorKind::Network {
            message: "the fetch function did not return a Response".to_owned(),
        });
    }
    let response: Response = response.unchecked_into();
    let mut head = response_head(&response);
    let streams = head.status == 200 && head.content_type.as_deref().is_some_and(is_event_stream);
    if !streams {
        // Error bodies are short and end; a 2xx other than 200 may be an endless stream (the
        // browser's EventSource fails it at once), so its body is not waited for.
        if !(200..300).contains(&head.status) {
            head.error_body = Some(read_error_body(&response).await);
        } else if let Some(body) = response.body() {
            let _ = body.cancel();
        }
        if !cancelled.get() {
            sink(TransportUpdate::Response(head));
        }
        return Ok(());
    }
    if !sink(TransportUpdate::Response(head)) {
        return Ok(());
    }
    let Some(body) = response.body() else {
        sink(TransportUpdate::Ended);
        return Ok(());
    };
    let reader = Tracked::new(
        HandleKind::Reader,
        body.get_reader()
            .unchecked_into::<ReadableStreamDefaultReader>(),
    );
    let mut parser = Parser::with_limits(request.limits);
    if let Some(id) = &request.last_event_id {
        // Events on this connection without an `id:` carry the ID we resumed from.
        parser.set_last_event_id(id);
    }
    // One buffer reused for every chunk: the bytes are copied out of JS memory once.
    let mut buffer = Vec::new();
    // The last event ID the client was told of (by an event or a `LastEventId`): a block with
    // an `id:` and no data moves the parser's ID without an event, and is reported apart.
    let mut reported_id = request.last_event_id.clone().unwrap_or_default();
    loop {
        let chunk = match read_chunk(&reader).await {
            Ok(chunk) => chunk,
            Err(kind) if !cancelled.get() => return Err(kind),
            Err(_) => return Ok(()),
        };
        if cancelled.get() {
            return Ok(());
        }
        if chunk.done {
            sink(TransportUpdate::Ended);
            return Ok(());
        }
        let Some(value) = chunk.value else { continue };
        buffer.resize(value.length() as usize, 0);
        value.copy_to(&mut buffer);
        let chunk_len = buffer.len();
        let mut wanted = sink(TransportUpdate::Bytes(chunk_len));
        // The chunk's events are collected here and sent as one `Messages` update per run
        // (a comment or `retry:` between events ends a run, so stream order is kept).
        let mut batch = MessageBatch::default();
        let fed = parser.feed(&buffer, |frame| {
            if !wanted {
                return;
            }
            match frame {
                Frame::Event(event) => {
                    if batch.is_empty() {
                        // Room for the chunk's text up front: one allocation, no regrowth.
                        batch = MessageBatch::with_capacity(chunk_len);
                    }
                    batch.push(event);
                }
                frame => {
                    wanted = send_messages(&mut batch, &mut reported_id, sink)
                        && sink(TransportUpdate::Frame(frame));
                }
            }
        });
        if wanted {
            wanted = send_messages(&mut batch, &mut reported_id, sink);
        }
        if wanted && reported_id != parser.last_event_id() {
            reported_id.clear();
            reported_id.push_str(parser.last_event_id());
            wanted = sink(TransportUpdate::LastEventId(&reported_id));
        }
        wanted &= sink(TransportUpdate::ChunkEnd);
        if !wanted {
            let _ = reader.cancel();
            return Ok(());
        }
        if let Err(error) = fed {
            // Free the connection at once: the server must see the reader go away.
            let _ = reader.cancel();
            return Err(ErrorKind::TooLarge(error));
        }
    }
}

/// Sends the collected events, if any, as one [`TransportUpdate::Messages`], noting the last
/// one's ID as reported. Returns what the sink answered (`true` when there was nothing).
fn send_messages(batch: &mut MessageBatch, reported_id: &mut String, sink: &Sink) -> bool {
    let Some(last) = batch.last() else {
        return true;
    };
    if *reported_id != last.last_event_id {
        reported_id.clear();
        reported_id.push_str(last.last_event_id);
    }
    sink(TransportUpdate::Messages(std::mem::take(batch)))
}
