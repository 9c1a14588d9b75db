//! The fetch + ReadableStream transport: a state machine driven by the JS host's reports
//! (`crate::host`). The host makes the request and reads the body; this side builds the
//! request, decides what to do with the response, and parses every chunk.

use crate::cell::RefCell;
use crate::prelude::*;
use alloc::rc::{Rc, Weak};

use tidings_core::policy::is_event_stream;
use tidings_core::{Frame, Limits, Parser};

use crate::ErrorKind;
use crate::host::{self, Resource, report, with_host};
use crate::messages::MessageBatch;
use crate::options::{Body, Credentials, HeaderCallback, HeaderSource, JsFunction};
use crate::transport::{
    ResponseHead, Sink, TransportUpdate, header_byte_string, is_safe_header_value,
};

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
    pub fetch_function: Option<JsFunction>,
}

/// One in-flight fetch. Dropping it aborts the request and stops the reading.
pub(crate) struct FetchConnection {
    _resource: Resource,
}

/// Where an attempt is.
enum Phase {
    /// Waiting for the caller's header callback.
    Headers,
    /// The request is out; waiting for the response head.
    Requested,
    /// The body streams into the parser.
    Streaming,
    /// Reading the start of an error body; the head is reported once it is read.
    ErrorBody(ResponseHead),
    /// Reported its end (or failure): nothing more is sent to the sink.
    Done,
}

struct Task {
    id: u32,
    request: FetchRequest,
    sink: Sink,
    phase: Phase,
    parser: Parser,
    /// The chunk being read, copied here by the host; reused for every chunk.
    buffer: Vec<u8>,
    /// The error body read so far.
    error_body: Vec<u8>,
    /// The last event ID the client was told of (by an event or a `LastEventId`): a block with
    /// an `id:` and no data moves the parser's ID without an event, and is reported apart.
    reported_id: String,
}

impl FetchConnection {
    pub(crate) fn start(request: FetchRequest, sink: Sink) -> FetchConnection {
        let mut parser = Parser::with_limits(request.limits);
        if let Some(id) = &request.last_event_id {
            // Events on this connection without an `id:` carry the ID we resumed from.
            parser.set_last_event_id(id);
        }
        let reported_id = request.last_event_id.clone().unwrap_or_default();
        let task = Rc::new(RefCell::new(Task {
            id: 0,
            request,
            sink,
            phase: Phase::Headers,
            parser,
            buffer: Vec::new(),
            error_body: Vec::new(),
            reported_id,
        }));
        let handler_task = task.clone();
        let resource = Resource::new(move |what, n, text| on_report(&handler_task, what, n, text));
        let weak = Rc::downgrade(&task);
        let callback = {
            let mut task = task.borrow_mut();
            task.id = resource.id();
            task.request.header_callback.clone()
        };
        match callback.map(|c| c.0) {
            None => send(&weak, Vec::new()),
            Some(HeaderSource::Js(function)) => {
                with_host(|host| host.headers(resource.id(), function.as_ref()));
            }
            #[cfg(feature = "std")]
            Some(HeaderSource::Future(produce)) => {
                let produced = produce();
                wasm_bindgen_futures::spawn_local(async move {
                    let produced = produced.await.map_err(|message| {
                        // Pushed, not `concat()`: its generic join is 1 KB of wasm.
                        let mut text = String::from("header callback failed: ");
                        text.push_str(&message);
                        text
                    });
                    match produced {
                        Ok(headers) => send(&weak, headers),
                        Err(message) => fail_later(&weak, message),
                    }
                });
            }
        }
        FetchConnection {
            _resource: resource,
        }
    }
}

/// Reports a failure from a microtask: never inside the call that started the attempt (the
/// client is busy there), and not at all once the connection was dropped.
fn fail_later(task: &Weak<RefCell<Task>>, message: String) {
    let task = task.clone();
    host::in_microtask(alloc::boxed::Box::new(move || {
        if let Some(task) = task.upgrade() {
            fail(&mut task.borrow_mut(), ErrorKind::Network { message });
        }
    }));
}

fn fail(task: &mut Task, kind: ErrorKind) {
    if !matches!(task.phase, Phase::Done) {
        task.phase = Phase::Done;
        (task.sink)(TransportUpdate::Failed(kind));
    }
}

/// Adds one header line to `list` (`name\nvalue\n`), or says why it may not be sent.
fn push_header(list: &mut String, name: &str, value: &str) -> Result<(), String> {
    // Header injection, and fetch would throw; the list's own separator must not occur either.
    if !is_safe_header_value(name) || !is_safe_header_value(value) {
        return Err("header name or value contains CR, LF or NUL".to_string());
    }
    for part in [name, "\n", value, "\n"] {
        list.push_str(part);
    }
    Ok(())
}

/// Builds the request (`extra`: the header callback's headers) and hands it to the host.
fn send(task: &Weak<RefCell<Task>>, extra: Vec<(String, String)>) {
    let Some(task_rc) = task.upgrade() else {
        return;
    };
    let mut list = String::new();
    let built = {
        let mut task = task_rc.borrow_mut();
        task.phase = Phase::Requested;
        build_headers(&task.request, &extra, &mut list)
    };
    if let Err(message) = built {
        fail_later(task, message);
        return;
    }
    let task = task_rc.borrow();
    let request = &task.request;
    let (body_kind, text, bytes) = match &request.body {
        // No bytes, rather than empty ones, unless the body is bytes: the glue then makes no
        // view of wasm memory for them.
        None => (0, "", None),
        Some(Body::Text(text) | Body::Json(text)) => (1, text.as_str(), None),
        Some(Body::Bytes(bytes)) => (2, "", Some(bytes.as_slice())),
    };
    let credentials = match request.credentials {
        Credentials::Omit => 0,
        // `same-origin` is the default, so it is left unset: some runtimes without a notion
        // of origin (workerd) reject a Request that sets `credentials` at all.
        Credentials::SameOrigin => 1,
        Credentials::Include => 2,
    };
    with_host(|host| {
        host.fetch(
            task.id,
            &request.url,
            &request.method,
            &list,
            body_kind,
            text,
            bytes,
            credentials,
            request.fetch_function.as_ref().map(AsRef::as_ref),
        )
    });
}

fn build_headers(
    request: &FetchRequest,
    extra: &[(String, String)],
    list: &mut String,
) -> Result<(), String> {
    // Only CORS-safelisted headers unless the caller asks for more: `Accept:
    // text/event-stream` is safelisted, so a plain GET needs no preflight and works against a
    // cross-origin server that allows no request headers. Caching is switched off with the
    // request's cache mode (in the host), not a `Cache-Control` header (which would need a
    // preflight).
    push_header(list, "Accept", "text/event-stream")?;
    match &request.body {
        Some(Body::Json(_)) => push_header(list, "Content-Type", "application/json")?,
        Some(Body::Text(_)) => push_header(list, "Content-Type", "text/plain;charset=UTF-8")?,
        _ => {}
    }
    for (name, value) in request.headers.iter().chain(extra) {
        push_header(list, name, value)?;
    }
    // `Last-Event-ID` is not safelisted: a cross-origin server must allow it (a preflight)
    // for resuming to work. An unsafe ID is never sent (the parser already refuses IDs with
    // NUL; CR/LF cannot occur in a parsed line, but an initial ID from the caller could).
    if let Some(id) = request
        .last_event_id
        .as_deref()
        .filter(|id| is_safe_header_value(id))
    {
        push_header(list, "Last-Event-ID", &header_byte_string(id))?;
    }
    Ok(())
}

/// The head of a response, from the host's HEAD report: the status text, then the headers.
fn response_head(status: f64, text: &str) -> ResponseHead {
    let (status_text, list) = host::first_line(text);
    let mut head = ResponseHead {
        status: status as u16,
        status_text: status_text.to_string(),
        ..ResponseHead::default()
    };
    for (name, value) in host::pairs(list) {
        // `Headers` iterates with lowercase names.
        match name {
            "content-type" => head.content_type = Some(value.to_string()),
            "retry-after" => head.retry_after = Some(value.to_string()),
            _ => {}
        }
        head.headers.push((name.to_string(), value.to_string()));
    }
    head
}

fn on_report(task_rc: &Rc<RefCell<Task>>, what: u32, n: f64, text: Option<String>) -> u32 {
    if what == report::HEADERS {
        // Before the borrow below: `send` takes its own.
        if task_rc
            .try_borrow()
            .is_ok_and(|task| matches!(task.phase, Phase::Headers))
        {
            let extra = host::pairs(text.as_deref().unwrap_or(""))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            send(&Rc::downgrade(task_rc), extra);
        }
        return 0;
    }
    // Busy: a report could only arrive re-entrantly, from a listener's doing, and the host
    // sends none such; ignoring it loses nothing.
    let Ok(mut task) = task_rc.try_borrow_mut() else {
        return 0;
    };
    let task = &mut *task;
    match (what, &task.phase) {
        (report::HEAD, Phase::Requested) => {
            on_head(task, response_head(n, text.as_deref().unwrap_or("")))
        }
        (report::CHUNK, Phase::Streaming | Phase::ErrorBody(_)) => {
            let length = n as usize;
            if task.buffer.len() < length {
                task.buffer.resize(length, 0);
            }
            task.buffer.as_mut_ptr() as u32
        }
        (report::FED, Phase::Streaming) => u32::from(feed(task, n as usize)),
        (report::FED, Phase::ErrorBody(_)) => {
            let chunk = task.buffer.get(..n as usize).unwrap_or_default();
            task.error_body.extend_from_slice(chunk);
            if task.error_body.len() < ERROR_BODY_LIMIT {
                return 1;
            }
            finish_error_body(task);
            0
        }
        (report::END, Phase::Streaming) => {
            task.phase = Phase::Done;
            (task.sink)(TransportUpdate::Ended);
            0
        }
        // A failed read of an error body reports what was read.
        (report::END | report::FAIL, Phase::ErrorBody(_)) => {
            finish_error_body(task);
            0
        }
        (report::FAIL, _) => {
            fail(
                task,
                ErrorKind::Network {
                    message: text.unwrap_or_else(|| "fetch failed".to_string()),
                },
            );
            0
        }
        _ => 0,
    }
}

fn on_head(task: &mut Task, head: ResponseHead) -> u32 {
    let streams = head.status == 200 && head.content_type.as_deref().is_some_and(is_event_stream);
    if !streams {
        // Error bodies are short and end; a 2xx other than 200 may be an endless stream (the
        // browser's EventSource fails it at once), so its body is not waited for: the client
        // drops this connection, which aborts it.
        if (200..300).contains(&head.status) {
            task.phase = Phase::Done;
            (task.sink)(TransportUpdate::Response(head));
        } else {
            task.phase = Phase::ErrorBody(head);
            with_host(|host| host.read(task.id));
        }
        return 0;
    }
    task.phase = Phase::Streaming;
    if (task.sink)(TransportUpdate::Response(head)) {
        with_host(|host| host.read(task.id));
    } else {
        task.phase = Phase::Done;
    }
    0
}

fn finish_error_body(task: &mut Task) {
    let Phase::ErrorBody(mut head) = core::mem::replace(&mut task.phase, Phase::Done) else {
        return;
    };
    let body = task
        .error_body
        .get(..ERROR_BODY_LIMIT)
        .unwrap_or(&task.error_body);
    // The core's decoder, which the parser links anyway (std's `from_utf8_lossy` is 1 KB more).
    head.error_body = Some(tidings_core::parser::decode_lossy(body));
    task.error_body = Vec::new();
    (task.sink)(TransportUpdate::Response(head));
}

/// Parses the chunk of `length` bytes the host put in the buffer and reports its frames.
/// Returns whether to read on.
fn feed(task: &mut Task, length: usize) -> bool {
    let Task {
        sink,
        parser,
        buffer,
        reported_id,
        phase,
        ..
    } = task;
    let chunk = buffer.get(..length).unwrap_or_default();
    let mut wanted = sink(TransportUpdate::Bytes(length));
    // The chunk's events are collected here and sent as one `Messages` update per run
    // (a comment or `retry:` between events ends a run, so stream order is kept).
    let mut batch = MessageBatch::default();
    let fed = parser.feed(chunk, |frame| {
        if !wanted {
            return;
        }
        match frame {
            Frame::Event(event) => {
                if batch.is_empty() {
                    // Room for the chunk's text up front: one allocation, no regrowth.
                    batch = MessageBatch::with_capacity(length);
                }
                batch.push(event);
            }
            frame => {
                wanted = send_messages(&mut batch, reported_id, sink)
                    && sink(TransportUpdate::Frame(frame));
            }
        }
    });
    if wanted {
        wanted = send_messages(&mut batch, reported_id, sink);
    }
    if wanted && *reported_id != parser.last_event_id() {
        reported_id.clear();
        reported_id.push_str(parser.last_event_id());
        wanted = sink(TransportUpdate::LastEventId(reported_id));
    }
    wanted &= sink(TransportUpdate::ChunkEnd);
    if !wanted {
        *phase = Phase::Done;
        return false;
    }
    if let Err(error) = fed {
        // Stop reading at once (the host cancels the reader): the server must see it go.
        *phase = Phase::Done;
        sink(TransportUpdate::Failed(ErrorKind::TooLarge(error)));
        return false;
    }
    true
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
    sink(TransportUpdate::Messages(core::mem::take(batch)))
}
