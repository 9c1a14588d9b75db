//! Request recording for `/control/stats`, and the body guard that notices when a
//! client goes away.
//!
//! hyper drops a response body when the connection closes, whether the stream finished,
//! the client disconnected, or the server cut it. The guard's `Drop` is therefore the one
//! reliable place to mark a connection closed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http_body::Frame;

use crate::state::{AppState, NewRecord, RequestRecord};

/// What the recording middleware tells a handler about its request.
#[derive(Clone)]
pub struct ConnInfo {
    /// Session the request is filed under.
    pub session: String,
    /// Number of earlier requests to the same path in this session (0-based).
    pub conn_no: u64,
}

/// Reads the `session` query parameter (default [`crate::state::DEFAULT_SESSION`]).
pub fn session_of(query: Option<&str>) -> String {
    query
        .and_then(|q| {
            form_pairs(q)
                .into_iter()
                .find(|(k, _)| k == "session")
                .map(|(_, v)| v)
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| crate::state::DEFAULT_SESSION.to_owned())
}

/// Minimal `application/x-www-form-urlencoded` splitter, so the middleware does not need
/// a typed extractor.
pub fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Middleware for `/sse/...`: files the request under its session, hands the handler a
/// [`ConnInfo`], and wraps the response body in a [`GuardBody`].
pub async fn record_middleware(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let session = session_of(req.uri().query());
    let headers = req.headers();
    let new = NewRecord {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        last_event_id: header_string(headers, header::HeaderName::from_static("last-event-id")),
        authorization: headers.contains_key(header::AUTHORIZATION),
        cookie: headers.contains_key(header::COOKIE),
        origin: header_string(headers, header::ORIGIN),
    };
    let (record, conn_no) = state.open_record(&session, new);
    let session_header = HeaderValue::from_str(&session).ok();
    req.extensions_mut().insert(ConnInfo { session, conn_no });
    let mut response = next.run(req).await;
    record.set_status(response.status().as_u16());
    // On every answer, errors and redirects included, so a test can tell which attempt
    // of a reconnecting client it is looking at.
    let headers = response.headers_mut();
    if let Some(v) = session_header {
        headers.entry("x-tidings-session").or_insert(v);
    }
    headers
        .entry("x-tidings-connection")
        .or_insert(HeaderValue::from(conn_no));
    response.map(|body| Body::new(GuardBody::new(body, state, record)))
}

/// Response body wrapper: counts bytes, ends the body when the server shuts down, and
/// marks the record closed when hyper drops it.
pub struct GuardBody {
    inner: Body,
    state: AppState,
    record: Arc<RequestRecord>,
    shutdown: BoxFuture<'static, ()>,
    /// Set once the inner body finished or shutdown cut it short, so we never poll the
    /// inner body again after it ended.
    done: bool,
}

impl GuardBody {
    fn new(inner: Body, state: AppState, record: Arc<RequestRecord>) -> Self {
        let shutdown = state.shutdown_signal().boxed();
        GuardBody {
            inner,
            state,
            record,
            shutdown,
            done: false,
        }
    }
}

impl HttpBody for GuardBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if this.shutdown.poll_unpin(cx).is_ready() {
            this.done = true;
            this.state.close_record(&this.record);
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.record.add_bytes(data.len() as u64);
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => {
                this.done = true;
                this.state.close_record(&this.record);
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        // Keeps Content-Length on small fixed bodies (status pages, JSON).
        self.inner.size_hint()
    }
}

impl Drop for GuardBody {
    fn drop(&mut self) {
        self.state.close_record(&self.record);
    }
}
