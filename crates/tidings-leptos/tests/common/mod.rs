//! Helpers for the browser tests: the dev server's address and per-session stats, bounded
//! waits, and mounting components on fresh elements.
#![allow(dead_code)]

use leptos::mount::mount_to;
use leptos::prelude::*;
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

/// A session name unique to this run, so parallel runs and reruns never share records.
pub fn session(name: &str) -> String {
    let nonce = (js_sys::Math::random() * 1e9) as u64;
    format!("leptos-{name}-{nonce}")
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (at most ~10 s) until `done` holds; panics with `what` otherwise.
pub async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        sleep(25).await;
    }
    panic!("timed out waiting for {what}");
}

/// A fresh `<div>` in the page, to mount one test's components on.
pub fn fresh_div(id: &str) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    div.set_id(id);
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

/// Mounts `view` on a fresh div; the connection lives until the handle is dropped.
pub fn mount<F, N>(id: &str, view: F) -> (web_sys::HtmlElement, Box<dyn std::any::Any>)
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
    N::State: 'static,
{
    let div = fresh_div(id);
    let handle = mount_to(div.clone(), view);
    (div, Box::new(handle))
}

/// The texts of the elements matching `selector` under `root`.
pub fn texts(root: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

/// The text of the first element matching `selector` under `root` (empty when none).
pub fn text(root: &web_sys::HtmlElement, selector: &str) -> String {
    texts(root, selector).into_iter().next().unwrap_or_default()
}

fn field(value: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(value, &key.into()).unwrap()
}

/// The dev server's records for one session.
#[derive(Debug, Default)]
pub struct Stats {
    pub open: u64,
    pub total: u64,
    /// The `Last-Event-ID` header of each request, in order.
    pub last_event_ids: Vec<Option<String>>,
    pub queries: Vec<String>,
    pub methods: Vec<String>,
}

pub async fn stats(session: &str) -> Stats {
    let window = web_sys::window().unwrap();
    let url = url(&format!("/control/stats?session={session}"));
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url))
            .await
            .unwrap()
            .unchecked_into();
    let json = wasm_bindgen_futures::JsFuture::from(response.json().unwrap())
        .await
        .unwrap();
    let requests = js_sys::Array::from(&field(&json, "requests"));
    let strings = |key: &str| -> Vec<String> {
        requests
            .iter()
            .map(|r| field(&r, key).as_string().unwrap_or_default())
            .collect()
    };
    Stats {
        open: field(&json, "open").as_f64().unwrap() as u64,
        total: field(&json, "total").as_f64().unwrap() as u64,
        last_event_ids: requests
            .iter()
            .map(|r| field(&r, "last_event_id").as_string())
            .collect(),
        queries: strings("query"),
        methods: strings("method"),
    }
}

/// Waits (at most ~10 s) until the server's stats for `session` satisfy `done`.
pub async fn wait_for_server(session: &str, done: impl Fn(&Stats) -> bool) -> Stats {
    for _ in 0..200 {
        let stats = stats(session).await;
        if done(&stats) {
            return stats;
        }
        sleep(50).await;
    }
    let stats = stats(session).await;
    panic!("server never reached the expected state: {stats:?}");
}
