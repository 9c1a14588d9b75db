//! Handlers for the `/sse/...` scenario endpoints and the `/control/...` endpoints.
//! The crate docs hold the table of what each one does.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::drip;
use crate::record::ConnInfo;
use crate::rng;
use crate::sse::{self, ByteStream, TickParams, TickPlan};
use crate::state::AppState;

/// Default `interval_ms` of `/sse/ticks` and friends: slow enough to watch in the demo.
const DEFAULT_TICK_INTERVAL_MS: u64 = 1000;

/// `?session=` only.
#[derive(Debug, Default, Deserialize)]
pub struct SessionParam {
    session: Option<String>,
}

impl SessionParam {
    fn name(&self) -> &str {
        self.session
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(crate::state::DEFAULT_SESSION)
    }
}

/// `X-Tidings-Session` and `X-Tidings-Connection` of this connection, for the scenario
/// handlers and `/sse/message` (the record middleware puts the same values on any answer
/// that lacks them).
pub(crate) fn conn_headers(info: &ConnInfo) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&info.session) {
        h.insert("x-tidings-session", v);
    }
    h.insert("x-tidings-connection", HeaderValue::from(info.conn_no));
    h
}

/// [`conn_headers`] and `X-Tidings-Resume-From`, the first event number `plan` sends: the
/// headers of every ticks stream.
fn ticks_headers(info: &ConnInfo, plan: &TickPlan) -> HeaderMap {
    let mut h = conn_headers(info);
    h.insert("x-tidings-resume-from", HeaderValue::from(plan.from));
    h
}

/// Serves a ticks plan, or the "already complete" answer.
fn serve_ticks(params: &TickParams, plan: TickPlan, info: &ConnInfo) -> Response {
    if plan.is_finished() {
        return sse::finished_response(params);
    }
    let extra = ticks_headers(info, &plan);
    sse::sse_response_with(StatusCode::OK, extra, sse::ticks_stream(plan))
}

/// `GET /sse/ticks`
pub async fn ticks(
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
    serve_ticks(&params, plan, &info)
}

/// `GET /sse/strict-cors`: ticks for a cross-origin client that sends only CORS-safelisted
/// request headers. The answer allows the request's origin and nothing else: no credentials,
/// no request headers, no exposed headers (this route is outside the server-wide CORS layer).
pub async fn strict_cors_ticks(
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
    let mut response = serve_ticks(&params, plan, &info);
    if let Some(origin) = headers.get(header::ORIGIN) {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
    response
}

/// `OPTIONS /sse/strict-cors`: every preflight is refused (403, no `Access-Control-*`
/// headers), as by a server that allows no request headers at all. Recorded in the session's
/// stats like any request, so a test can tell whether a client needed a preflight.
pub async fn strict_cors_preflight() -> Response {
    (
        StatusCode::FORBIDDEN,
        "preflight refused (tidings-devserver)",
    )
        .into_response()
}

/// Parameters of `/sse/drop`.
#[derive(Debug, Default, Deserialize)]
pub struct DropParams {
    after: Option<u64>,
    random: Option<u8>,
    seed: Option<u64>,
    max: Option<u64>,
    mode: Option<String>,
}

/// Default logical stream length of `/sse/drop`, so chaos runs finish by themselves.
const DEFAULT_DROP_COUNT: u64 = 100;

/// `GET /sse/drop`
pub async fn drop_scenario(
    Query(mut params): Query<TickParams>,
    Query(drop): Query<DropParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    params.count = Some(params.count.unwrap_or(DEFAULT_DROP_COUNT));
    params.retry = Some(params.retry.unwrap_or(1));
    let mut plan = TickPlan::new(&params, &headers, 0);
    if plan.is_finished() {
        return sse::finished_response(&params);
    }
    let clean_end = drop.mode.as_deref() == Some("end");
    let mut extra = ticks_headers(&info, &plan);
    let stream: ByteStream = if drop.random.unwrap_or(0) != 0 {
        let offset = rng::cut_offset(
            drop.seed.unwrap_or(0),
            info.conn_no,
            drop.max.unwrap_or(256),
        );
        extra.insert("x-tidings-cut-offset", HeaderValue::from(offset));
        // The `retry:` line goes out uncut so every connection tells the client to
        // reconnect fast; the cut offset counts event bytes only.
        let prelude = plan.retry.take().map(|ms| sse::retry_line(ms, plan.eol));
        let events = sse::ticks_stream(plan);
        let cut = if clean_end {
            take_bytes(events, offset)
        } else {
            sse::cut_after(events, offset)
        };
        match prelude {
            Some(line) => Box::pin(futures_util::stream::iter([Ok(line)]).chain(cut)),
            None => cut,
        }
    } else {
        plan.limit = Some(drop.after.unwrap_or(1));
        let remaining = plan.count - plan.from;
        let events = sse::ticks_stream(plan.clone());
        // Only cut when the limit actually stops the stream early; the final stretch ends
        // cleanly so the client can finish.
        if clean_end || plan.limit.is_some_and(|l| l >= remaining) {
            events
        } else {
            sse::then_abort(events)
        }
    };
    sse::sse_response_with(StatusCode::OK, extra, stream)
}

/// Parameters of `/sse/burst`.
#[derive(Debug, Default, Deserialize)]
pub struct BurstParams {
    after: Option<u64>,
    burst: Option<u64>,
}

/// How long the first `/sse/burst` connection waits after its last event before the cut:
/// long enough for a page still starting up (wasm compile, first render) to read both events,
/// so the reconnect names the last one (see [`sse::then_abort_after`]).
const BURST_CUT_PAUSE: Duration = Duration::from_millis(200);

/// Largest `burst`, so one write stays a reasonable size.
const MAX_BURST: u64 = 100_000;

/// `GET /sse/burst`: a Last-Event-ID catch-up. The first connection sends `after` events
/// (default 2) one at a time and is cut; a reconnect with a resume point gets every remaining
/// event (`burst`, default 100, after the first `after`) in one write, then a clean end.
pub async fn burst(
    Query(mut params): Query<TickParams>,
    Query(b): Query<BurstParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let after = b.after.unwrap_or(2);
    let start = params.start.unwrap_or(0);
    params.count = Some(start + after + b.burst.unwrap_or(100).min(MAX_BURST));
    params.retry = Some(params.retry.unwrap_or(1));
    // Spaced out so each event of the first connection reaches the client before the cut
    // (see `then_abort`).
    let mut plan = TickPlan::new(&params, &headers, 20);
    if plan.is_finished() {
        return sse::finished_response(&params);
    }
    let resumed = sse::resume_point(&headers, params.last_event_id.as_deref()).is_some();
    let extra = ticks_headers(&info, &plan);
    if !resumed {
        plan.limit = Some(after);
        return sse::sse_response_with(
            StatusCode::OK,
            extra,
            sse::then_abort_after(sse::ticks_stream(plan), BURST_CUT_PAUSE),
        );
    }
    // The whole catch-up as one body chunk: what a server replaying a backlog writes.
    let mut chunk = Vec::new();
    if let Some(ms) = plan.retry.take() {
        chunk.extend_from_slice(&sse::retry_line(ms, plan.eol));
    }
    for i in plan.from..plan.count {
        chunk.extend_from_slice(&sse::tick_event(i, &plan));
    }
    let body: ByteStream = Box::pin(futures_util::stream::iter([Ok(Bytes::from(chunk))]));
    sse::sse_response_with(StatusCode::OK, extra, body)
}

/// First `n` bytes of `stream`, then a clean end.
fn take_bytes(stream: ByteStream, n: u64) -> ByteStream {
    Box::pin(async_stream::stream! {
        let mut left = n;
        let mut stream = stream;
        while left > 0 {
            let Some(item) = stream.next().await else { break };
            match item {
                Ok(chunk) => {
                    let take = (chunk.len() as u64).min(left);
                    left -= take;
                    yield Ok(chunk.slice(..take as usize));
                }
                Err(e) => {
                    yield Err(e);
                    break;
                }
            }
        }
    })
}

/// Parameters of `/sse/status/{code}` and `/sse/flaky`.
#[derive(Debug, Default, Deserialize)]
pub struct StatusParams {
    retry_after: Option<String>,
    body: Option<String>,
    body_len: Option<usize>,
    fail: Option<u64>,
    code: Option<u16>,
}

/// Largest error body `body_len` may ask for.
const MAX_ERROR_BODY: usize = 1 << 20;

fn status_answer(code: u16, p: &StatusParams) -> Response {
    let Ok(status) = StatusCode::from_u16(code) else {
        return sse::text_response(StatusCode::BAD_REQUEST, format!("bad status code {code}"));
    };
    let mut response = if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        status.into_response()
    } else {
        let mut body = p.body.clone().unwrap_or_else(|| {
            format!(
                "{} {} (tidings-devserver)",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
        });
        if let Some(len) = p.body_len.map(|l| l.min(MAX_ERROR_BODY)) {
            // Pad (or cut) to an exact size, to test how much of a body clients show.
            let filler = "0123456789abcdef";
            while body.len() < len {
                body.push_str(filler);
            }
            let mut cut = len;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        sse::text_response(status, body)
    };
    if let Some(v) = p
        .retry_after
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// `GET /sse/status/{code}`: 2xx (except 204/205) serve ticks, everything else a small
/// text body.
pub async fn status(
    Path(code): Path<u16>,
    Query(p): Query<StatusParams>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    if (200..300).contains(&code) && code != 204 && code != 205 {
        let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
        let mut r = serve_ticks(&params, plan, &info);
        if let Ok(s) = StatusCode::from_u16(code)
            && r.status() == StatusCode::OK
        {
            *r.status_mut() = s;
        }
        return r;
    }
    status_answer(code, &p)
}

/// `GET /sse/flaky`: the first `fail` connections of the session get `code`, then ticks.
pub async fn flaky(
    Query(p): Query<StatusParams>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    if info.conn_no < p.fail.unwrap_or(1) {
        let mut r = status_answer(p.code.unwrap_or(503), &p);
        r.headers_mut().extend(conn_headers(&info));
        return r;
    }
    let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
    serve_ticks(&params, plan, &info)
}

/// Parameters of `/sse/wrong-type`.
#[derive(Debug, Default, Deserialize)]
pub struct WrongTypeParams {
    #[serde(rename = "type")]
    content_type: Option<String>,
}

/// `GET /sse/wrong-type`
pub async fn wrong_type(Query(p): Query<WrongTypeParams>) -> Response {
    let body = "id: 0\ndata: this looks like SSE but the Content-Type says otherwise\n\n";
    let mut r = Response::new(axum::body::Body::from(body));
    let ct = p.content_type.unwrap_or_else(|| "text/plain".to_owned());
    if ct != "none"
        && let Ok(v) = HeaderValue::from_str(&ct)
    {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Parameters of `/sse/retry`.
#[derive(Debug, Default, Deserialize)]
pub struct RetryParams {
    ms: Option<u64>,
}

/// `GET /sse/retry`: `retry: MS`, then `count` (default 3) events, then the end.
pub async fn retry(
    Query(r): Query<RetryParams>,
    Query(mut params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    params.retry = Some(r.ms.unwrap_or(500));
    params.count = Some(params.count.unwrap_or(3));
    // Each connection sends a fresh burst; this endpoint is about the `retry:` field.
    let mut plan = TickPlan::new(&params, &headers, 0);
    let limit = plan.count;
    plan.count = u64::MAX;
    plan.limit = Some(limit);
    serve_ticks(&params, plan, &info)
}

/// Parameters of `/sse/drip`.
#[derive(Debug, Default, Deserialize)]
pub struct DripParams {
    delay_ms: Option<u64>,
}

/// `GET /sse/drip`: the drip script, one byte per write.
pub async fn drip(Query(p): Query<DripParams>) -> Response {
    let delay = Duration::from_millis(p.delay_ms.unwrap_or(1));
    let bytes = Bytes::from_static(drip::DRIP_SCRIPT.as_bytes());
    sse::sse_response(Box::pin(async_stream::stream! {
        for i in 0..bytes.len() {
            if i > 0 {
                if delay.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(delay).await;
                }
            }
            yield Ok(bytes.slice(i..i + 1));
        }
    }))
}

/// `GET /control/drip-script`
pub async fn drip_script() -> Json<serde_json::Value> {
    Json(drip::expected_json())
}

/// Parameters of `/sse/stall`.
#[derive(Debug, Default, Deserialize)]
pub struct StallParams {
    after: Option<u64>,
}

/// `GET /sse/stall`: `after` events (default 1), then silence until the client leaves.
pub async fn stall(
    Query(s): Query<StallParams>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let mut plan = TickPlan::new(&params, &headers, 0);
    plan.heartbeat = None;
    plan.limit = Some(s.after.unwrap_or(1));
    let stream: ByteStream = Box::pin(sse::ticks_stream(plan).chain(sse::never()));
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}

/// Parameters of `/sse/huge`.
#[derive(Debug, Default, Deserialize)]
pub struct HugeParams {
    bytes: Option<u64>,
}

/// Default and cap of `/sse/huge?bytes=`.
const DEFAULT_HUGE: u64 = 1 << 20;
const MAX_HUGE: u64 = 64 << 20;
const HUGE_CHUNK: usize = 64 * 1024;

/// `GET /sse/huge`: one `message` whose data is `bytes` bytes of `a..z` repeated, then a
/// `done` event whose data is `{"bytes":B}`.
pub async fn huge(Query(h): Query<HugeParams>) -> Response {
    let total = h.bytes.unwrap_or(DEFAULT_HUGE).min(MAX_HUGE);
    let pattern: Bytes = (0..HUGE_CHUNK + 26)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    sse::sse_response(Box::pin(async_stream::stream! {
        yield Ok(Bytes::from_static(b"id: huge\ndata: "));
        let mut sent = 0u64;
        while sent < total {
            let len = (total - sent).min(HUGE_CHUNK as u64) as usize;
            let start = (sent % 26) as usize;
            yield Ok(pattern.slice(start..start + len));
            sent += len as u64;
        }
        yield Ok(Bytes::from(format!("\n\nevent: done\ndata: {{\"bytes\":{total}}}\n\n")));
    }))
}

/// Parameters of `/sse/file`.
#[derive(Debug, Default, Deserialize)]
pub struct FileParams {
    name: Option<String>,
    chunk: Option<usize>,
}

/// Default and cap of `/sse/file?chunk=`.
const DEFAULT_FILE_CHUNK: usize = 64 * 1024;
const MAX_FILE_CHUNK: usize = 1 << 20;

/// `GET /sse/file?name=NAME&chunk=BYTES`: the bytes of the file `NAME` in the `--www`
/// directory, unchanged, as a `text/event-stream` body written in `chunk`-byte pieces (default
/// 64 KiB, 1..=1 MiB), then the end. For benchmarks: every client reads the same prepared
/// stream at loopback speed. `NAME` must be a plain file name (no `/`, `\`, `..`); without
/// `--www` or an existing file the answer is 404.
pub async fn file(www: Option<std::path::PathBuf>, Query(f): Query<FileParams>) -> Response {
    let name = f.name.unwrap_or_default();
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.contains("..");
    let Some(dir) = www.filter(|_| plain) else {
        return sse::text_response(StatusCode::NOT_FOUND, "no such file\n".into());
    };
    let Ok(bytes) = tokio::fs::read(dir.join(&name)).await else {
        return sse::text_response(StatusCode::NOT_FOUND, "no such file\n".into());
    };
    let bytes = Bytes::from(bytes);
    let chunk = f
        .chunk
        .unwrap_or(DEFAULT_FILE_CHUNK)
        .clamp(1, MAX_FILE_CHUNK);
    sse::sse_response(Box::pin(async_stream::stream! {
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + chunk).min(bytes.len());
            yield Ok(bytes.slice(at..end));
            at = end;
        }
    }))
}

/// Parameters of `/sse/heartbeat`.
#[derive(Debug, Default, Deserialize)]
pub struct HeartbeatParams {
    interval_ms: Option<u64>,
    count: Option<u64>,
    every: Option<u64>,
}

/// `GET /sse/heartbeat`: `: ping` every `interval_ms` (default 1000), `count` times
/// (default unbounded), with an event (`id: k`, `data: {"n":k}`) after every `every`
/// pings (default 5, 0 = never). Ends after the last ping.
pub async fn heartbeat(
    Query(h): Query<HeartbeatParams>,
    Extension(info): Extension<ConnInfo>,
) -> Response {
    let interval = Duration::from_millis(h.interval_ms.unwrap_or(1000));
    let count = h.count.unwrap_or(u64::MAX);
    let every = h.every.unwrap_or(5);
    let plan = TickPlan::new(&TickParams::default(), &HeaderMap::new(), 0);
    let stream: ByteStream = Box::pin(async_stream::stream! {
        let mut k = 0u64;
        for n in 1..=count {
            tokio::time::sleep(interval).await;
            yield Ok(sse::ping(sse::Eol::Lf));
            if every > 0 && n % every == 0 {
                yield Ok(sse::tick_event(k, &plan));
                k += 1;
            }
        }
    });
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}

/// Body of `POST /sse/llm`.
#[derive(Debug, Default, Deserialize)]
pub struct LlmRequest {
    prompt: Option<String>,
    tokens: Option<u64>,
    delay_ms: Option<u64>,
}

impl LlmRequest {
    /// The request in `body`, for `/sse/llm` and `/sse/llm/resumable`: an empty or blank body
    /// takes every default; anything else must be the JSON object, or the answer is a 400
    /// (boxed: a `Response` is large for an `Err`).
    fn from_body(body: &[u8]) -> Result<Self, Box<Response>> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        serde_json::from_slice(body).map_err(|e| {
            Box::new(sse::text_response(
                StatusCode::BAD_REQUEST,
                format!("bad JSON body: {e}"),
            ))
        })
    }

    /// The reply's tokens (default 24), see [`llm_tokens`].
    fn tokens(&self) -> Vec<String> {
        llm_tokens(
            self.prompt.as_deref().unwrap_or(""),
            self.tokens.unwrap_or(24),
        )
    }

    /// The pause between tokens (default 20 ms).
    fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.unwrap_or(20))
    }
}

/// Fixed continuation of every `/sse/llm` reply, so replies are deterministic.
pub const LLM_TEXT: &str = "Server-Sent Events keep one HTTP response open and let the server \
    push small text frames as they become ready, which is exactly how a language model \
    streams its answer token by token.";

const MAX_LLM_TOKENS: u64 = 10_000;

/// The tokens of the reply to `prompt`: "You asked:", the prompt's words, then
/// [`LLM_TEXT`] repeated. Every token but the first starts with a space.
pub fn llm_tokens(prompt: &str, n: u64) -> Vec<String> {
    let words: Vec<&str> = ["You", "asked:"]
        .into_iter()
        .chain(prompt.split_whitespace().take(64))
        .chain(LLM_TEXT.split_whitespace().cycle())
        .take(n.min(MAX_LLM_TOKENS) as usize)
        .collect();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                (*w).to_owned()
            } else {
                format!(" {w}")
            }
        })
        .collect()
}

/// `POST /sse/llm`: `data: {"token":"..."}` per token, then `data: [DONE]`.
pub async fn llm(Extension(info): Extension<ConnInfo>, body: Bytes) -> Response {
    let req = match LlmRequest::from_body(&body) {
        Ok(req) => req,
        Err(answer) => return *answer,
    };
    let tokens = req.tokens();
    let delay = req.delay();
    let stream: ByteStream = Box::pin(async_stream::stream! {
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let data = json!({ "token": t }).to_string();
            yield Ok(Bytes::from(format!("data: {data}\n\n")));
        }
        yield Ok(Bytes::from_static(b"data: [DONE]\n\n"));
    });
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}

/// Parameters of `/control/token`.
#[derive(Debug, Default, Deserialize)]
pub struct TokenParams {
    ttl_ms: Option<u64>,
}

/// `POST /control/token`: `{"token": "...", "expires_in_ms": T}`.
pub async fn token(State(state): State<AppState>, Query(t): Query<TokenParams>) -> Response {
    let ttl = t.ttl_ms.unwrap_or(60_000);
    let token = state.issue_token(Duration::from_millis(ttl));
    Json(json!({ "token": token, "expires_in_ms": ttl })).into_response()
}

fn unauthorized(message: &str, scheme: &'static str) -> Response {
    let mut r = sse::text_response(StatusCode::UNAUTHORIZED, format!("401 {message}"));
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(scheme));
    r
}

/// `GET|POST /sse/auth`: ticks while the bearer token is valid; the stream ends when the
/// token expires.
pub async fn auth(
    State(state): State<AppState>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return unauthorized("missing bearer token", "Bearer");
    };
    let expires = match state.check_token(token) {
        Ok(exp) => exp,
        Err(why) => return unauthorized(why, "Bearer"),
    };
    let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
    if plan.is_finished() {
        return sse::finished_response(&params);
    }
    let deadline = tokio::time::Instant::from_std(expires.max(Instant::now()));
    let stream: ByteStream =
        Box::pin(sse::ticks_stream(plan).take_until(tokio::time::sleep_until(deadline)));
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}

/// Name of the login cookie.
pub const COOKIE_NAME: &str = "tidings_session";

/// `GET|POST /control/login`: sets the login cookie.
pub async fn login(State(state): State<AppState>, Query(s): Query<SessionParam>) -> Response {
    let value = state.login(s.name());
    // Same-site (scheme + host; the port does not count), so Lax cookies reach the server
    // from a test page on another 127.0.0.1 port with `credentials: 'include'`.
    let cookie = format!("{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Lax");
    let mut r = Json(json!({ "ok": true, "session": s.name() })).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_owned())
}

/// `GET|POST /control/logout`: invalidates and clears the login cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(v) = cookie_value(&headers) {
        state.logout(&v);
    }
    let mut r = Json(json!({ "ok": true })).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tidings_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    r
}

/// `GET|POST /sse/cookie`: ticks only with a valid login cookie.
pub async fn cookie(
    State(state): State<AppState>,
    Query(params): Query<TickParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    match cookie_value(&headers) {
        None => unauthorized("missing login cookie", "Cookie"),
        Some(v) if !state.cookie_valid(&v) => unauthorized("unknown login cookie", "Cookie"),
        Some(_) => {
            let plan = TickPlan::new(&params, &headers, DEFAULT_TICK_INTERVAL_MS);
            serve_ticks(&params, plan, &info)
        }
    }
}

/// Parameters of `/sse/redirect`.
#[derive(Debug, Default, Deserialize)]
pub struct RedirectParams {
    code: Option<u16>,
    to: Option<String>,
}

/// `GET|POST /sse/redirect`: answers `code` (default 307) with `Location: to`.
pub async fn redirect(Query(p): Query<RedirectParams>) -> Response {
    let code = p.code.unwrap_or(307);
    if !matches!(code, 301 | 302 | 303 | 307 | 308) {
        return sse::text_response(
            StatusCode::BAD_REQUEST,
            format!("redirect code must be 301, 302, 303, 307 or 308, not {code}"),
        );
    }
    let to =
        p.to.unwrap_or_else(|| "/sse/ticks?count=3&interval_ms=0".to_owned());
    // Same-server paths only: this is a test fixture, not an open redirector.
    if !to.starts_with('/') || to.starts_with("//") {
        return sse::text_response(
            StatusCode::BAD_REQUEST,
            "`to` must be a path on this server".to_owned(),
        );
    }
    let Ok(location) = HeaderValue::from_str(&to) else {
        return sse::text_response(StatusCode::BAD_REQUEST, "bad `to`".to_owned());
    };
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
    (
        status,
        [(header::LOCATION, location)],
        format!("redirecting to {to}"),
    )
        .into_response()
}

/// `GET /control/stats`
pub async fn stats(State(state): State<AppState>, Query(s): Query<SessionParam>) -> Response {
    Json(state.stats(s.name())).into_response()
}

/// Parameters of `/control/reset`.
#[derive(Debug, Default, Deserialize)]
pub struct ResetParams {
    session: Option<String>,
    all: Option<u8>,
}

/// `POST /control/reset`
pub async fn reset(State(state): State<AppState>, Query(p): Query<ResetParams>) -> Response {
    if p.all.unwrap_or(0) != 0 {
        state.reset_all();
        state.labs().clear_all();
    } else {
        let s = SessionParam { session: p.session };
        state.reset(s.name());
        state.labs().clear(s.name());
    }
    Json(json!({ "ok": true })).into_response()
}

/// `GET /health`
pub async fn health() -> &'static str {
    "ok"
}

/// Parameters of `/sse/last-event-id`.
#[derive(Debug, Default, Deserialize)]
pub struct LastEventIdParams {
    idvalue: Option<String>,
    then_id: Option<String>,
}

/// `GET /sse/last-event-id`: web-platform-tests' `last-event-id` resource. Without a
/// `Last-Event-ID` header: `id: IDVALUE` (default `…`), `retry: 200`, `data: hello`, then
/// (with `then_id=X`) a block `id: X` with no data, then the end; with one:
/// `data: <the header's bytes>`, then the end. The client comes back after 200 ms each time,
/// so a test sees whether the ID was kept and sent (for `then_id`: whether a block without
/// data moved it, as the spec says it does).
pub async fn last_event_id(
    Query(p): Query<LastEventIdParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
) -> Response {
    let body: Vec<u8> = match headers
        .get("last-event-id")
        .map(HeaderValue::as_bytes)
        .filter(|id| !id.is_empty())
    {
        Some(id) => [b"data: ", id, b"\n\n"].concat(),
        None => {
            let id = p.idvalue.unwrap_or_else(|| "\u{2026}".to_owned());
            let mut body = [b"id: ", id.as_bytes(), b"\nretry: 200\ndata: hello\n\n"].concat();
            if let Some(then_id) = p.then_id {
                body.extend_from_slice(&[b"id: ", then_id.as_bytes(), b"\n\n"].concat());
            }
            body
        }
    };
    let stream: ByteStream = Box::pin(futures_util::stream::iter([Ok(Bytes::from(body))]));
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}

/// Parameters of `/sse/llm/resumable`.
#[derive(Debug, Default, Deserialize)]
pub struct ResumableParams {
    cut_after: Option<u64>,
    cuts: Option<u64>,
    mode: Option<String>,
    gone: Option<u8>,
}

/// `POST /sse/llm/resumable`: the `/sse/llm` reply with `id: i` on every token, resumable
/// from `Last-Event-ID`. The session's first `cuts` connections (default 1) stop after
/// `cut_after` tokens (default 5) without `[DONE]`: a clean end (`mode=end`, the default) or a
/// cut connection (`mode=drop`). A resume continues after the ID and ends with `[DONE]`; it is
/// answered `204` ("nothing to resume") when nothing is left or with `gone=1`.
pub async fn llm_resumable(
    Query(p): Query<ResumableParams>,
    Extension(info): Extension<ConnInfo>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = match LlmRequest::from_body(&body) {
        Ok(req) => req,
        Err(answer) => return *answer,
    };
    let tokens = req.tokens();
    let from = sse::resume_point(&headers, None).unwrap_or(0);
    let resuming = headers.contains_key("last-event-id");
    if resuming && (p.gone.unwrap_or(0) != 0 || from >= tokens.len() as u64) {
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().extend(conn_headers(&info));
        return r;
    }
    let cut = info.conn_no < p.cuts.unwrap_or(1);
    let end = if cut {
        (from + p.cut_after.unwrap_or(5)).min(tokens.len() as u64)
    } else {
        tokens.len() as u64
    };
    let delay = req.delay();
    let drop = p.mode.as_deref() == Some("drop");
    let events: ByteStream = Box::pin(async_stream::stream! {
        for i in from..end {
            if i > from && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let data = json!({ "token": tokens[i as usize] }).to_string();
            yield Ok(Bytes::from(format!("id: {i}\ndata: {data}\n\n")));
        }
        if !cut {
            yield Ok(Bytes::from_static(b"data: [DONE]\n\n"));
        }
    });
    let stream = if cut && drop {
        sse::then_abort(events)
    } else {
        events
    };
    sse::sse_response_with(StatusCode::OK, conn_headers(&info), stream)
}
