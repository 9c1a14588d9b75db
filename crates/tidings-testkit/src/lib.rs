//! Helpers shared by the tidings browser test suites (`tidings-web`, `tidings-leptos`): the
//! dev server's address and per-session stats, requests from the test page itself, and
//! bounded waits. Dev-only: never published, never a dependency of a shipped crate.
//!
//! ```no_run
//! # async fn example() {
//! use tidings_testkit::{session, stats, url};
//! let session = session("ticks");
//! let _ = url(&format!("/sse/ticks?count=3&session={session}"));
//! assert_eq!(stats(&session).await.total, 0);
//! # }
//! ```
#![allow(clippy::missing_panics_doc)]

use wasm_bindgen::JsCast;

/// The dev server's base URL, fixed at compile time by `scripts/test.sh`.
// Not `env!`: clippy and `cargo check` must still build the tests without a server running.
#[allow(clippy::option_env_unwrap)]
pub fn server() -> &'static str {
    option_env!("TIDINGS_TEST_SERVER")
        .expect("TIDINGS_TEST_SERVER must name the dev server (scripts/test.sh sets it)")
}

/// An absolute URL on the dev server.
pub fn url(path: &str) -> String {
    format!("{}{path}", server())
}

/// A session name unique to this test run, so parallel runs and reruns never share records.
pub fn session(name: &str) -> String {
    let nonce = (js_sys::Math::random() * 1e9) as u64;
    format!("{name}-{nonce}")
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// `Date.now()`.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Logs a line to the browser console (shown by wasm-bindgen-test on failure, and with
/// `--nocapture`).
pub fn log(line: &str) {
    web_sys::console::log_1(&line.into());
}

/// Runs `future`, or gives up after `ms` with `None`.
pub async fn timeout<T>(ms: i32, future: impl std::future::Future<Output = T>) -> Option<T> {
    use futures_util::future::{Either, select};
    let future = std::pin::pin!(future);
    let timer = std::pin::pin!(sleep(ms));
    match select(future, timer).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    }
}

/// Resolves after `ms` milliseconds (a `setTimeout`).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// The dev server's records for one session.
#[derive(Debug, Default)]
pub struct Stats {
    pub open: u64,
    pub total: u64,
    /// The `Last-Event-ID` header of each request, in order.
    pub last_event_ids: Vec<Option<String>>,
    pub authorization: Vec<bool>,
    pub cookie: Vec<bool>,
    pub queries: Vec<String>,
    pub paths: Vec<String>,
    pub methods: Vec<String>,
    /// The status each request was answered with (None while unknown).
    pub statuses: Vec<Option<u16>>,
    /// Server clock (ms since it started) when each request arrived / ended.
    pub started_ms: Vec<f64>,
    pub ended_ms: Vec<Option<f64>>,
    pub bytes_sent: Vec<u64>,
}

impl Stats {
    /// The `lastEventId` query parameter of each request, if any.
    pub fn query_ids(&self) -> Vec<Option<String>> {
        self.queries
            .iter()
            .map(|q| {
                q.split('&')
                    .find_map(|pair| pair.strip_prefix("lastEventId="))
                    .map(str::to_owned)
            })
            .collect()
    }
}

/// `GET url` from the test page, as JSON.
pub async fn fetch_json(url: &str) -> wasm_bindgen::JsValue {
    request_json(url, "GET", false).await
}

/// A request from the test page itself (not through tidings); `include` sends and stores
/// cookies cross-origin.
pub async fn request_json(url: &str, method: &str, include: bool) -> wasm_bindgen::JsValue {
    let window = web_sys::window().unwrap();
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if include {
        init.set_credentials(web_sys::RequestCredentials::Include);
    }
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .unwrap()
            .unchecked_into();
    wasm_bindgen_futures::JsFuture::from(response.json().unwrap())
        .await
        .unwrap()
}

/// A fresh bearer token valid for `ttl_ms`.
pub async fn new_token(ttl_ms: u64) -> String {
    let json = request_json(
        &url(&format!("/control/token?ttl_ms={ttl_ms}")),
        "POST",
        false,
    )
    .await;
    field(&json, "token").as_string().unwrap()
}

/// Logs the browser in: the server sets its `tidings_session` cookie.
pub async fn login(session: &str) {
    request_json(
        &url(&format!("/control/login?session={session}")),
        "POST",
        true,
    )
    .await;
}

/// `value[key]`.
pub fn field(value: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(value, &key.into()).unwrap()
}

/// The dev server's records for `session` (`/control/stats`).
pub async fn stats(session: &str) -> Stats {
    let json = fetch_json(&url(&format!("/control/stats?session={session}"))).await;
    let requests = js_sys::Array::from(&field(&json, "requests"));
    Stats {
        open: field(&json, "open").as_f64().unwrap() as u64,
        total: field(&json, "total").as_f64().unwrap() as u64,
        last_event_ids: requests
            .iter()
            .map(|r| field(&r, "last_event_id").as_string())
            .collect(),
        authorization: requests
            .iter()
            .map(|r| field(&r, "authorization").is_truthy())
            .collect(),
        cookie: requests
            .iter()
            .map(|r| field(&r, "cookie").is_truthy())
            .collect(),
        queries: requests
            .iter()
            .map(|r| field(&r, "query").as_string().unwrap_or_default())
            .collect(),
        paths: requests
            .iter()
            .map(|r| field(&r, "path").as_string().unwrap_or_default())
            .collect(),
        methods: requests
            .iter()
            .map(|r| field(&r, "method").as_string().unwrap_or_default())
            .collect(),
        statuses: requests
            .iter()
            .map(|r| field(&r, "status").as_f64().map(|s| s as u16))
            .collect(),
        started_ms: requests
            .iter()
            .map(|r| field(&r, "started_ms").as_f64().unwrap_or_default())
            .collect(),
        ended_ms: requests
            .iter()
            .map(|r| field(&r, "ended_ms").as_f64())
            .collect(),
        bytes_sent: requests
            .iter()
            .map(|r| field(&r, "bytes_sent").as_f64().unwrap_or_default() as u64)
            .collect(),
    }
}

/// Waits (at most ~10 s) until the server's stats for `session` satisfy `done`.
pub async fn wait_for_server(session: &str, done: impl Fn(&Stats) -> bool) -> Stats {
    wait_for_server_for(session, 10_000, done).await
}

/// Waits at most about `ms` until the server's stats for `session` satisfy `done`.
pub async fn wait_for_server_for(session: &str, ms: u32, done: impl Fn(&Stats) -> bool) -> Stats {
    for _ in 0..ms.div_ceil(50) {
        let stats = stats(session).await;
        if done(&stats) {
            return stats;
        }
        sleep(50).await;
    }
    let stats = stats(session).await;
    panic!("server never reached the expected state: {stats:?}");
}

/// `0..n` as strings, the ids a complete ticks stream carries.
pub fn ids_upto(n: u64) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

/// Waits `ms`, then checks the server saw exactly `total` requests for `session` (none
/// after the client stopped) and that none is still open.
pub async fn assert_no_more_requests(session: &str, total: u64, ms: i32) {
    sleep(ms).await;
    let stats = wait_for_server(session, |s| s.open == 0).await;
    assert_eq!(
        stats.total, total,
        "requests after the client stopped: {stats:?}"
    );
}
