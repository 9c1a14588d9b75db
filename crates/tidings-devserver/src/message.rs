//! `/sse/message`: a response made of exactly what the query says (body, status, type),
//! after the `message.py` resource of the web-platform-tests EventSource suite. The
//! conformance tests of the npm `EventSource` class run every format case through it, for
//! the native EventSource and tidings' side by side.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Extension, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use crate::record::ConnInfo;
use crate::scenarios;
use crate::sse::{self, ByteStream};

/// Parameters of `/sse/message`.
#[derive(Debug, Default, Deserialize)]
pub struct MessageParams {
    /// The body, sent as is (URL-encoded in the query). Default `data: data` and a blank line.
    body: Option<String>,
    /// `Content-Type`; `none` omits it. Default `text/event-stream`.
    #[serde(rename = "type")]
    content_type: Option<String>,
    /// Status code. Default 200.
    status: Option<u16>,
    /// Delay before the response head, ms (max 30 s). Default 0.
    wait_ms: Option<u64>,
    /// How long the connection stays open after the body, ms (max 60 s). Default 0: the body
    /// ends right after it.
    hold_ms: Option<u64>,
}

/// `GET /sse/message`: `body` with `status` and `type`, then the end (after `hold_ms`).
pub async fn message(
    Query(p): Query<MessageParams>,
    Extension(info): Extension<ConnInfo>,
) -> Response {
    if let Some(ms) = p.wait_ms.filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms.min(30_000))).await;
    }
    let Some(status) = StatusCode::from_u16(p.status.unwrap_or(200)).ok() else {
        return sse::text_response(StatusCode::BAD_REQUEST, "bad status".to_owned());
    };
    let body = Bytes::from(p.body.unwrap_or_else(|| "data: data\n\n".to_owned()));
    let hold = Duration::from_millis(p.hold_ms.unwrap_or(0).min(60_000));
    let stream: ByteStream = Box::pin(async_stream::stream! {
        yield Ok(body);
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
    });
    let mut response = sse::sse_response_with(status, scenarios::conn_headers(&info), stream);
    match p.content_type.as_deref() {
        None => {}
        Some("none") => {
            response.headers_mut().remove(header::CONTENT_TYPE);
        }
        Some(t) => match HeaderValue::from_str(t) {
            Ok(v) => {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            Err(_) => return sse::text_response(StatusCode::BAD_REQUEST, "bad type".to_owned()),
        },
    }
    response
}
