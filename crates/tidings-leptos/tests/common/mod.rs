//! Helpers for the browser tests: bounded waits and mounting components on fresh elements;
//! the dev server's address and per-session stats come from `tidings-testkit`.
#![allow(dead_code)]

use leptos::mount::mount_to;
use leptos::prelude::*;
pub use tidings_testkit::{session, sleep, stats, url, wait_for_server};
use wasm_bindgen::JsCast;

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
