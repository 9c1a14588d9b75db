//! Browser tests: headless Chromium against the real tidings-devserver over loopback.
//!
//! `scripts/test.sh` starts the server and passes its address at compile time in
//! `TIDINGS_TEST_SERVER` (the test page itself is served by wasm-bindgen-test-runner on
//! another port, so the server answers with CORS headers).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use tidings_core::Frame;
use tidings_web::{FetchStream, StreamError, StreamUpdate};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn server() -> &'static str {
    option_env!("TIDINGS_TEST_SERVER")
        .expect("TIDINGS_TEST_SERVER must name the dev server (scripts/test.sh sets it)")
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[derive(Debug, Default)]
struct Seen {
    opened: Option<u16>,
    events: Vec<(String, String, String)>,
    ended: bool,
    error: Option<StreamError>,
}

fn record(url: &str) -> (FetchStream, Rc<RefCell<Seen>>) {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let sink = seen.clone();
    let stream = FetchStream::start(url, move |update| {
        let mut seen = sink.borrow_mut();
        match update {
            StreamUpdate::Open { status } => seen.opened = Some(status),
            StreamUpdate::Frame(Frame::Event(e)) => seen.events.push((
                e.event_type.to_owned(),
                e.data.to_owned(),
                e.last_event_id.to_owned(),
            )),
            StreamUpdate::Frame(_) => {}
            StreamUpdate::End => seen.ended = true,
            StreamUpdate::Error(e) => seen.error = Some(e),
            _ => {}
        }
    });
    (stream, seen)
}

/// Waits (bounded) until `done` holds.
async fn wait_until(seen: &Rc<RefCell<Seen>>, done: impl Fn(&Seen) -> bool) {
    for _ in 0..200 {
        if done(&seen.borrow()) {
            return;
        }
        sleep(25).await;
    }
    panic!("timed out; state: {:?}", seen.borrow());
}

async fn open_connections(session: &str) -> u64 {
    let url = format!("{}/control/stats?session={session}", server());
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url)).await.unwrap().unchecked_into();
    let json = wasm_bindgen_futures::JsFuture::from(response.json().unwrap()).await.unwrap();
    js_sys::Reflect::get(&json, &"open".into()).unwrap().as_f64().unwrap() as u64
}

#[wasm_bindgen_test]
async fn reads_numbered_events_from_the_server() {
    let url = format!("{}/sse/ticks?count=5&interval_ms=5&session=fetch-ticks", server());
    let (_stream, seen) = record(&url);
    wait_until(&seen, |s| s.ended || s.error.is_some()).await;
    let seen = seen.borrow();
    assert_eq!(seen.opened, Some(200));
    assert_eq!(seen.error, None);
    let ids: Vec<&str> = seen.events.iter().map(|(_, _, id)| id.as_str()).collect();
    assert_eq!(ids, ["0", "1", "2", "3", "4"]);
    assert!(seen.events.iter().all(|(ty, data, _)| ty == "message" && !data.is_empty()));
}

#[wasm_bindgen_test]
async fn http_error_status_is_reported() {
    let url = format!("{}/sse/status/404?session=fetch-404", server());
    let (_stream, seen) = record(&url);
    wait_until(&seen, |s| s.error.is_some()).await;
    assert_eq!(seen.borrow().error, Some(StreamError::Http { status: 404 }));
    assert!(seen.borrow().events.is_empty());
}

#[wasm_bindgen_test]
async fn close_releases_the_connection() {
    let session = "fetch-close";
    let url = format!("{}/sse/ticks?interval_ms=20&session={session}", server());
    let (stream, seen) = record(&url);
    wait_until(&seen, |s| s.events.len() >= 2).await;
    assert_eq!(open_connections(session).await, 1);
    stream.close();
    let received = seen.borrow().events.len();
    for _ in 0..200 {
        if open_connections(session).await == 0 {
            break;
        }
        sleep(25).await;
    }
    assert_eq!(open_connections(session).await, 0, "the server still sees the connection");
    // Nothing is delivered after close.
    sleep(100).await;
    assert_eq!(seen.borrow().events.len(), received);
}
