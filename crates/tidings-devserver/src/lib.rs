//! # tidings-devserver
//!
//! The axum server behind the tidings demo and every browser test: scripted
//! Server-Sent Events scenarios, fault injection, request introspection and static files.
//! It only ever listens on loopback.
//!
//! Start it in-process with [`Server::start`] (tests) or from the command line (see
//! `README.md`): `tidings-devserver [--host 127.0.0.1] [--port 0] [--www DIR] [--pkg DIR]
//! [--port-file PATH] [--exit-after SECS]`.
//!
//! ## Conventions
//!
//! - Every `/sse/...` response has `Content-Type: text/event-stream` and
//!   `Cache-Control: no-cache` (unless the scenario is about a wrong status or type), and
//!   each write reaches the socket at once.
//! - Every `/sse/...` request is recorded under its `session=NAME` query parameter
//!   (default `default`) and shows up in `/control/stats?session=NAME`. Tests running in
//!   parallel pick distinct sessions.
//! - Ticks-like endpoints send `id: i` / `data: {"n":i}` events. They resume from the
//!   `Last-Event-ID` header + 1, else the `lastEventId` query parameter + 1 (for
//!   EventSource), else `start` (default 0). When the logical stream (`count` events) is
//!   already complete they answer **204** (which tells clients to stop), or an empty 200
//!   stream with `end=empty`.
//! - Every `/sse/...` answer (errors and redirects too) carries `X-Tidings-Session` and
//!   `X-Tidings-Connection` (0-based number of this request among the session's requests
//!   to the same path); ticks add `X-Tidings-Resume-From`, chaos `X-Tidings-Cut-Offset`.
//! - CORS everywhere: the request `Origin` is mirrored, credentials are allowed, request
//!   headers are mirrored (so `Last-Event-ID`, `Authorization`, `X-Test-*` all pass),
//!   methods GET/POST/OPTIONS, and `Retry-After`, `Location` and `X-Tidings-*` are exposed.
//!   The one exception is `/sse/strict-cors`, a server that allows no request headers.
//! - Static files (`--www`, `--pkg`) and control answers carry `Cache-Control: no-store`.
//!
//! ## Ticks knobs
//!
//! Valid on `/sse/ticks`, `/sse/drop`, `/sse/burst`, `/sse/status/2xx`, `/sse/flaky`, `/sse/auth`,
//! `/sse/cookie`, `/sse/retry`, `/sse/stall`:
//!
//! | Parameter | Meaning | Default |
//! |---|---|---|
//! | `count` | events in the whole logical stream (ids `0..count`) | unbounded |
//! | `interval_ms` | delay between events | 1000 (`/sse/drop`, `/sse/retry`, `/sse/stall`: 0) |
//! | `start` | first id without a resume point | 0 |
//! | `event` | `event:` line (named type) | none (`message`) |
//! | `retry` | `retry: MS` line first | none (`/sse/drop`: 1) |
//! | `heartbeat_ms` | `: ping` while waiting longer than this between events | off |
//! | `pad` | a comment line of this many `.` before each event (max 1 MiB) | 0 |
//! | `eol` | line ending: `lf`, `crlf`, `cr` | `lf` |
//! | `lastEventId` | resume point for clients that cannot send the header | none |
//! | `end` | answer once complete: `204` or `empty` | `204` |
//! | `ids` | `0` omits the `id:` lines (events still count from the resume point) | `1` |
//!
//! ## Endpoints
//!
//! | Method | Path | What it does |
//! |---|---|---|
//! | GET | `/health` | `200 ok` |
//! | GET | `/sse/ticks` | numbered events with the knobs above |
//! | GET | `/sse/drop?after=N` | ticks, but the connection is cut (no clean chunked end) after `N` events (default 1); `mode=end` ends it cleanly instead. `count` defaults to 100, `retry` to 1, `interval_ms` to 0. The last stretch of the logical stream ends cleanly. |
//! | GET | `/sse/drop?random=1&seed=S&max=BYTES` | chaos: after the uncut `retry:` line, the connection carries exactly `cut_offset(S, conn_no, max)` bytes of events (1..=max, default max 256, mid-event/mid-line/mid-CRLF) and is then cut; see [`rng::cut_offset`] and the `X-Tidings-Cut-Offset` header. Deterministic per seed and per connection number in the session. Ends cleanly when no more bytes than that remain; the next request gets 204. |
//! | GET | `/sse/burst?after=N&burst=B` | a Last-Event-ID catch-up: without a resume point, `N` events (default 2, `interval_ms` default 20) and, 200 ms later, a cut; with one, every remaining event of the logical stream (`N + B` events, `B` default 100, max 100000) in **one write**, then a clean end (then 204). `retry` defaults to 1. |
//! | GET | `/sse/status/{code}?retry_after=V&body=TEXT&body_len=N` | answers `code` with optional `Retry-After: V` (seconds or HTTP date, passed through) and a text body (default `"CODE Reason (tidings-devserver)"`; `body_len` pads/cuts it to N bytes). 2xx other than 204/205 serve ticks with that status. |
//! | GET | `/sse/strict-cors` | ticks (with the knobs above) under strict CORS: the answer allows the request's `Origin` only (no credentials, no request or exposed headers), and every `OPTIONS` preflight gets 403 without `Access-Control-*` headers. So a cross-origin client gets the stream only if it sends no header that needs a preflight (`Last-Event-ID`, `Authorization`, `Cache-Control`, `Content-Type: application/json` …). Preflights are recorded in stats as `OPTIONS` requests |
//! | GET | `/sse/flaky?fail=N&code=C&retry_after=V` | the session's first `N` (default 1) connections get status `C` (default 503), later ones get ticks |
//! | GET | `/sse/wrong-type?type=T` | 200 with `Content-Type: T` (default `text/plain`; `none` omits it) and an SSE-looking body |
//! | GET | `/sse/retry?ms=MS&count=N` | `retry: MS` (default 500), then `N` (default 3) events from the resume point, then the end |
//! | GET | `/sse/last-event-id?idvalue=V` | web-platform-tests' `last-event-id` resource: without a `Last-Event-ID` header `id: V` (default `…`), `retry: 200`, `data: hello`; with one, `data: <its bytes>`; then the end either way |
//! | GET | `/sse/drip?delay_ms=D` | the [`drip`] script, one byte per write, `D` ms apart (default 1; 0 = just yield) |
//! | GET | `/control/drip-script` | the drip script and the events it must produce, as JSON |
//! | GET | `/sse/stall?after=N` | `N` events (default 1), then silence: no bytes, no heartbeats, until the client leaves or the server stops |
//! | GET | `/sse/huge?bytes=B` | `id: huge`, one event whose data is `B` bytes of `abc…z` repeated (default 1 MiB, max 64 MiB), then `event: done` with `data: {"bytes":B}` |
//! | GET | `/sse/file?name=NAME&chunk=BYTES` | the file `NAME` from `--www` (a plain file name), unchanged, as a `text/event-stream` body in `chunk`-byte writes (default 64 KiB, max 1 MiB), then the end; 404 without it. For benchmarks (`tests/bench`): every client reads the same prepared stream |
//! | GET | `/sse/heartbeat?interval_ms=M&count=N&every=K` | `: ping` every `M` ms (default 1000), `N` times (default unbounded), an event after every `K` pings (default 5; 0 = never), then the end |
//! | POST | `/sse/llm` | body `{"prompt": "...", "tokens": N, "delay_ms": D}` (all optional; default 24 tokens, 20 ms); streams `data: {"token":"..."}` per token (see [`scenarios::llm_tokens`]), then `data: [DONE]`. GET is 405. Bad JSON is 400. |
//! | POST | `/sse/llm/resumable?cut_after=N&cuts=K&mode=M&gone=1` | the `/sse/llm` reply (same body) with `id: i` per token, resumable from `Last-Event-ID`: the session's first `K` connections (default 1) stop after `N` tokens (default 5) without `[DONE]`, cleanly (`mode=end`, default) or cut (`mode=drop`); a resume continues after the ID and ends with `data: [DONE]`, or answers 204 when nothing is left (or with `gone=1`) |
//! | POST | `/control/token?ttl_ms=T` | `{"token": "...", "expires_in_ms": T}` (default 60000) |
//! | GET, POST | `/sse/auth` | ticks when `Authorization: Bearer <token>` is valid and unexpired, else 401 with a text body and `WWW-Authenticate`; the stream ends when the token expires |
//! | GET, POST | `/control/login?session=S` | sets `tidings_session=…; Path=/; HttpOnly; SameSite=Lax` |
//! | GET, POST | `/control/logout` | forgets the cookie and clears it |
//! | GET, POST | `/sse/cookie` | ticks with a valid login cookie, else 401. Whether any `Cookie` arrived is recorded in stats. |
//! | GET, POST | `/sse/redirect?code=C&to=PATH` | `C` in 301/302/303/307/308 (default 307) with `Location: PATH` (default `/sse/ticks?count=3&interval_ms=0`; URL-encode it; only paths on this server) |
//! | GET | `/control/stats?session=S` | JSON: `open`, `total`, `discarded`, `requests[]` with `index`, `method`, `path`, `query`, `last_event_id`, `authorization`, `cookie`, `origin`, `started_ms`, `ended_ms`, `open`, `status`, `bytes_sent` (times in ms since server start) |
//! | GET | `/sse/message?body=B&type=T&status=S&wait_ms=W&hold_ms=H` | exactly `B` (default `data: data` + blank line) with status `S` (default 200) and `Content-Type: T` (default `text/event-stream`; `none` omits it), the head after `W` ms, the end `H` ms after the body (both default 0); see [`message`] |
//! | GET | `/sse/lab` | the reconnect lab: ticks (default 500 ms apart; heartbeats aside, the ticks knobs apply) that obey the session's faults, see [`lab`] |
//! | POST | `/control/fault?session=S&kind=K&retry_after=SECS&count=N` | fault injection for the session's `/sse/lab` streams: `drop` cuts the open streams, `stall` silences them, `204`/`4xx`/`5xx` cut them and the next `count` (default 1) connections answer that status with `Retry-After: SECS`; `drop`/`stall` with `count` break the next connections after one event; `clear` forgets queued faults. JSON: `live` (open streams hit), `pending` (faults queued) |
//! | GET, POST | `/control/reset?session=S` (or `all=1`) | forgets a session's records, connection numbers and queued lab faults |
//! | GET | `/pkg/...` | files from `--pkg` (`.wasm` as `application/wasm`) |
//! | GET | `/...` | files from `--www` (`index.html` for directories) |
//!
//! A request counts as open from its arrival until hyper drops its response body, which
//! happens when the body ends, the server cuts it, or the client goes away.

#![deny(missing_docs)]

pub mod drip;
pub mod lab;
pub mod message;
pub mod record;
pub mod rng;
pub mod scenarios;
pub mod sse;
pub mod state;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post};
use tokio::task::JoinHandle;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

pub use state::AppState;

/// How long graceful shutdown may take before open connections are dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Server configuration (the command-line options).
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on; must be loopback.
    pub host: IpAddr,
    /// Port; 0 lets the OS choose.
    pub port: u16,
    /// Directory served at `/`.
    pub www: Option<PathBuf>,
    /// Directory served at `/pkg/`.
    pub pkg: Option<PathBuf>,
    /// File that receives the base URL once listening (written atomically).
    pub port_file: Option<PathBuf>,
    /// Stop by itself after this long.
    pub exit_after: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            www: None,
            pkg: None,
            port_file: None,
            exit_after: None,
        }
    }
}

/// Errors from starting the server.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The host is not a loopback address.
    NotLoopback(IpAddr),
    /// Binding the socket or writing the port file failed.
    Io(io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotLoopback(ip) => write!(
                f,
                "refusing to listen on {ip}: only loopback addresses (127.0.0.0/8, ::1) are allowed"
            ),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// A running server.
#[must_use = "dropping the handle leaves the server running until exit-after; call shutdown()"]
pub struct Server {
    addr: SocketAddr,
    state: AppState,
    task: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Binds, writes the port file and starts serving in a background task.
    pub async fn start(config: Config) -> Result<Server, Error> {
        if !config.host.is_loopback() {
            return Err(Error::NotLoopback(config.host));
        }
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(config.host, config.port))
            .await
            .map_err(Error::Io)?;
        let addr = listener.local_addr()?;
        let state = AppState::new();
        let app = router(state.clone(), &config);
        if let Some(path) = &config.port_file {
            write_atomically(path, &base_url(addr))?;
        }

        let signal_state = state.clone();
        let exit_after = config.exit_after;
        let signal = async move {
            let timer = async {
                match exit_after {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = signal_state.shutdown_signal() => {}
                _ = timer => {}
            }
            // Ends every open stream, so graceful shutdown does not wait on them.
            signal_state.begin_shutdown();
        };
        let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
        let hard_state = state.clone();
        let task = tokio::spawn(async move {
            let hard_stop = async {
                hard_state.shutdown_signal().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            };
            tokio::select! {
                r = serve.into_future() => r,
                _ = hard_stop => Ok(()),
            }
        });
        Ok(Server { addr, state, task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `http://[::1]:PORT`).
    pub fn url(&self) -> String {
        base_url(self.addr)
    }

    /// The shared state (sessions, tokens), for in-process tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Asks the server to stop; [`Server::wait`] then returns within a few seconds.
    pub fn stop(&self) {
        self.state.begin_shutdown();
    }

    /// Waits until the server stopped (exit-after, [`Server::stop`], or an error).
    pub async fn wait(self) -> io::Result<()> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(io::Error::other(e)),
        }
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) -> io::Result<()> {
        self.stop();
        self.wait().await
    }
}

/// `http://HOST:PORT` for a bound address.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

fn write_atomically(path: &std::path::Path, contents: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

/// The full application: scenario routes, control routes, static files, CORS.
pub fn router(state: AppState, config: &Config) -> Router {
    use scenarios as s;
    let sse_routes = Router::new()
        .route("/sse/ticks", get(s::ticks))
        .route("/sse/drop", get(s::drop_scenario))
        .route("/sse/burst", get(s::burst))
        .route("/sse/status/{code}", any(s::status))
        .route("/sse/flaky", get(s::flaky))
        .route("/sse/wrong-type", get(s::wrong_type))
        .route("/sse/retry", get(s::retry))
        .route("/sse/last-event-id", get(s::last_event_id))
        .route("/sse/drip", get(s::drip))
        .route("/sse/stall", get(s::stall))
        .route("/sse/huge", get(s::huge))
        .route("/sse/heartbeat", get(s::heartbeat))
        .route("/sse/file", {
            let www = config.www.clone();
            get(move |query| s::file(www, query))
        })
        .route("/sse/llm", post(s::llm))
        .route("/sse/llm/resumable", post(s::llm_resumable))
        .route("/sse/auth", get(s::auth).post(s::auth))
        .route("/sse/cookie", get(s::cookie).post(s::cookie))
        .route("/sse/redirect", get(s::redirect).post(s::redirect))
        .route("/sse/lab", get(lab::lab))
        .route("/sse/message", get(message::message))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record::record_middleware,
        ));
    let control_routes = Router::new()
        .route("/health", get(s::health))
        .route("/control/stats", get(s::stats))
        .route("/control/reset", get(s::reset).post(s::reset))
        .route("/control/token", get(s::token).post(s::token))
        .route("/control/login", get(s::login).post(s::login))
        .route("/control/logout", get(s::logout).post(s::logout))
        .route("/control/drip-script", get(s::drip_script))
        .route("/control/fault", post(lab::fault));

    // Merged after the server-wide CORS layer below, so that layer never answers for it.
    let strict_cors_routes = Router::new()
        .route(
            "/sse/strict-cors",
            get(s::strict_cors_ticks).options(s::strict_cors_preflight),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record::record_middleware,
        ));

    let mut app = Router::new().merge(sse_routes).merge(control_routes);
    if let Some(pkg) = &config.pkg {
        app = app.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = &config.www {
        app = app.fallback_service(ServeDir::new(www));
    }
    app.layer(middleware::map_response(default_no_store))
        .layer(cors_layer())
        .merge(strict_cors_routes)
        .with_state(state)
}

/// Static files and control answers must never come from a cache: demos would serve stale
/// builds. Streams already say `no-cache`, which is left alone.
async fn default_no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// CORS for browser tests on random-port origins. Mirroring the origin (rather than `*`)
/// is what allows `credentials: 'include'` and `withCredentials`.
fn cors_layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        // Mirrored so any `X-Test-*` header passes; a `*` is not allowed with credentials.
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::RETRY_AFTER,
            header::LOCATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-tidings-session"),
            HeaderName::from_static("x-tidings-connection"),
            HeaderName::from_static("x-tidings-resume-from"),
            HeaderName::from_static("x-tidings-cut-offset"),
        ])
        .allow_private_network(true)
        .max_age(Duration::from_secs(600))
}
