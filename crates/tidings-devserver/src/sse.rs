//! Raw `text/event-stream` building blocks.
//!
//! Scenarios need exact bytes (split CRLF pairs, cut mid-event), so streams here are plain
//! `Bytes` streams rather than `axum::response::sse` events. Each item becomes one chunk on
//! the wire: hyper flushes whenever the stream is pending, so nothing waits in a buffer.

use std::io;
use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

/// A boxed stream of body chunks. An `Err` item aborts the connection without the final
/// chunk, which the client sees as a network error (a "cut" TCP stream).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send>>;

/// Wraps a byte stream in a 200 `text/event-stream` response with `Cache-Control: no-cache`.
pub fn sse_response(stream: ByteStream) -> Response {
    sse_response_with(StatusCode::OK, HeaderMap::new(), stream)
}

/// Like [`sse_response`] with a status and extra headers.
pub fn sse_response_with(status: StatusCode, extra: HeaderMap, stream: ByteStream) -> Response {
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Reverse proxies (nginx) would otherwise buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    headers.extend(extra);
    response
}

/// A plain-text response, used for error statuses.
pub fn text_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Line ending used by generated events (`eol` query parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Eol {
    /// `\n` (default).
    #[default]
    Lf,
    /// `\r\n`.
    Crlf,
    /// `\r`.
    Cr,
}

impl Eol {
    fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::Crlf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

/// Query parameters shared by every ticks-like endpoint. Unknown parameters are ignored,
/// so endpoint-specific ones can sit in the same query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TickParams {
    /// Events in the whole logical stream (ids `0..count`). Default: unbounded.
    pub count: Option<u64>,
    /// Milliseconds between events.
    pub interval_ms: Option<u64>,
    /// First id when the request carries no resume point. Default 0.
    pub start: Option<u64>,
    /// Event type (`event:` line). Default: none, so the browser fires `message`.
    pub event: Option<String>,
    /// Sends `retry: MS` before the first event.
    pub retry: Option<u64>,
    /// Sends `: ping` whenever no bytes were written for this long.
    pub heartbeat_ms: Option<u64>,
    /// Adds a comment line with this many filler bytes before each event.
    pub pad: Option<usize>,
    /// Line ending: `lf` (default), `crlf` or `cr`.
    pub eol: Option<Eol>,
    /// Resume point for clients that cannot send headers (EventSource on a new object).
    #[serde(rename = "lastEventId")]
    pub last_event_id: Option<String>,
    /// What a request gets when the stream is already complete: `204` (default, tells
    /// clients to stop) or `empty` (200 with an empty stream).
    pub end: Option<String>,
    /// `0` omits the `id:` lines (events still count from the resume point), to test what
    /// clients report as the last event ID when the server sends none. Default 1.
    pub ids: Option<u8>,
}

/// A resolved ticks plan for one connection.
#[derive(Clone, Debug)]
pub struct TickPlan {
    /// First id to send.
    pub from: u64,
    /// One past the last id of the logical stream.
    pub count: u64,
    /// Delay between events.
    pub interval: Duration,
    /// Event type, if any.
    pub event: Option<String>,
    /// `retry:` value to send first, if any.
    pub retry: Option<u64>,
    /// Heartbeat period, if any.
    pub heartbeat: Option<Duration>,
    /// Padding bytes per event.
    pub pad: usize,
    /// Line ending.
    pub eol: Eol,
    /// At most this many events on this connection (then the stream ends).
    pub limit: Option<u64>,
    /// Whether events carry an `id:` line.
    pub ids: bool,
}

/// Largest accepted `pad`, so a typo cannot ask for gigabytes per event.
const MAX_PAD: usize = 1 << 20;

impl TickPlan {
    /// Resolves parameters against the request headers (`Last-Event-ID` wins over the
    /// `lastEventId` query parameter, which wins over `start`).
    pub fn new(params: &TickParams, headers: &HeaderMap, default_interval_ms: u64) -> Self {
        let from = resume_point(headers, params.last_event_id.as_deref())
            .unwrap_or(params.start.unwrap_or(0));
        TickPlan {
            from,
            count: params.count.unwrap_or(u64::MAX),
            interval: Duration::from_millis(params.interval_ms.unwrap_or(default_interval_ms)),
            event: params.event.clone().filter(|e| !e.is_empty()),
            retry: params.retry,
            heartbeat: params
                .heartbeat_ms
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
            pad: params.pad.unwrap_or(0).min(MAX_PAD),
            eol: params.eol.unwrap_or_default(),
            limit: None,
            ids: params.ids != Some(0),
        }
    }

    /// Whether the logical stream is already complete for this request.
    pub fn is_finished(&self) -> bool {
        self.from >= self.count
    }
}

/// `Last-Event-ID` header (or query fallback) + 1, when it is a number.
pub fn resume_point(headers: &HeaderMap, query_fallback: Option<&str>) -> Option<u64> {
    let header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    header
        .or(query_fallback.map(str::trim).filter(|v| !v.is_empty()))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|n| n.saturating_add(1))
}

/// The response for a request whose stream is already complete (see [`TickParams::end`]).
pub fn finished_response(params: &TickParams) -> Response {
    if params.end.as_deref() == Some("empty") {
        sse_response(Box::pin(futures_util::stream::empty()))
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// The bytes of tick event `i`.
pub fn tick_event(i: u64, plan: &TickPlan) -> Bytes {
    let eol = plan.eol.as_str();
    let mut s = String::with_capacity(48 + plan.pad);
    if plan.pad > 0 {
        s.push(':');
        s.extend(std::iter::repeat_n('.', plan.pad));
        s.push_str(eol);
    }
    if let Some(event) = &plan.event {
        s.push_str("event: ");
        s.push_str(event);
        s.push_str(eol);
    }
    if plan.ids {
        s.push_str(&format!("id: {i}{eol}"));
    }
    s.push_str(&format!("data: {{\"n\":{i}}}{eol}{eol}"));
    Bytes::from(s)
}

/// `retry: MS` plus a line ending.
pub fn retry_line(ms: u64, eol: Eol) -> Bytes {
    Bytes::from(format!("retry: {ms}{}", eol.as_str()))
}

/// A heartbeat comment line.
pub fn ping(eol: Eol) -> Bytes {
    Bytes::from(format!(": ping{}", eol.as_str()))
}

/// The ticks stream for one connection: optional `retry:` line, events `from..count`
/// (at most `limit`), `interval` apart, with heartbeats while waiting. Ends after the last
/// event.
pub fn ticks_stream(plan: TickPlan) -> ByteStream {
    Box::pin(async_stream::stream! {
        if let Some(ms) = plan.retry {
            yield Ok(retry_line(ms, plan.eol));
        }
        let mut sent = 0u64;
        let mut i = plan.from;
        while i < plan.count && plan.limit.is_none_or(|l| sent < l) {
            if sent > 0 {
                // Wait for the interval, sending heartbeats if it is longer than their period.
                let mut remaining = plan.interval;
                while !remaining.is_zero() {
                    let step = plan.heartbeat.map_or(remaining, |h| h.min(remaining));
                    tokio::time::sleep(step).await;
                    remaining -= step;
                    if !remaining.is_zero() {
                        yield Ok(ping(plan.eol));
                    }
                }
            }
            yield Ok(tick_event(i, &plan));
            sent += 1;
            i += 1;
        }
    })
}

/// A stream that never yields: the connection stays open and silent.
pub fn never() -> ByteStream {
    Box::pin(futures_util::stream::pending())
}

/// How long `then_abort` waits before cutting. Chromium's fetch discards body bytes that reach
/// it in the same read as a reset (`ERR_INCOMPLETE_CHUNKED_ENCODING`), so without a pause the
/// client may lose the last events before the cut, and "N events, then a cut" would not be what
/// it sees. The random chaos cuts (`cut_after`) keep the short pause on purpose.
const CUT_AFTER_EVENTS_PAUSE: Duration = Duration::from_millis(10);

/// Appends a connection abort to `stream`: the client sees the body cut without a clean end,
/// after it has received everything `stream` sent.
pub fn then_abort(stream: ByteStream) -> ByteStream {
    then_abort_after(stream, CUT_AFTER_EVENTS_PAUSE)
}

/// [`then_abort`] with a pause of the caller's choosing, for a scenario whose test checks
/// the exact resume point: Chromium also discards body bytes that a busy page has not read
/// yet when the cut arrives, and a longer pause gives the page time to read them.
pub fn then_abort_after(stream: ByteStream, pause: Duration) -> ByteStream {
    Box::pin(stream.chain(abort_after(pause)))
}

/// A stream that waits briefly (so hyper flushes what it buffered, since it discards
/// buffered bytes when a body fails) and then fails.
pub fn abort() -> ByteStream {
    abort_after(Duration::from_millis(1))
}

/// A stream that waits `pause` and then fails (see [`abort`]).
fn abort_after(pause: Duration) -> ByteStream {
    Box::pin(async_stream::stream! {
        tokio::time::sleep(pause).await;
        yield Err(io::Error::new(io::ErrorKind::ConnectionAborted, "tidings-devserver: cut"));
    })
}

/// Passes through the first `offset` bytes of `stream`, splitting a chunk if needed, then
/// aborts the connection. If the stream ends first it ends cleanly.
pub fn cut_after(stream: ByteStream, offset: u64) -> ByteStream {
    Box::pin(async_stream::stream! {
        let mut left = offset;
        let mut stream = stream;
        while let Some(item) = stream.next().await {
            let chunk = match item {
                Ok(chunk) => chunk,
                Err(e) => {
                    yield Err(e);
                    return;
                }
            };
            if (chunk.len() as u64) < left {
                left -= chunk.len() as u64;
                yield Ok(chunk);
                continue;
            }
            let head = chunk.slice(..left as usize);
            let whole_chunk = head.len() == chunk.len();
            if !head.is_empty() {
                yield Ok(head);
            }
            // A cut that falls exactly on the last byte cuts nothing: the stream ends cleanly,
            // so clients (and tests counting cuts) see a clean end there, as documented.
            if whole_chunk && stream.next().await.is_none() {
                return;
            }
            let mut tail = abort();
            while let Some(item) = tail.next().await {
                yield item;
            }
            return;
        }
    })
}
