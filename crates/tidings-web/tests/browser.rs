//! Browser tests: headless Chromium against the real tidings-devserver over loopback.
//!
//! `scripts/test.sh` starts the server and passes its address at compile time in
//! `TIDINGS_TEST_SERVER` (the test page itself is served by wasm-bindgen-test-runner on
//! another port, so the server answers with CORS headers).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{ClientOptions, ErrorKind, Status, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn fetch_reads_numbered_events() {
    let session = session("fetch-ticks");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?count=5&interval_ms=5&session={session}"
    ))));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.opens, 1);
    assert_eq!(seen.ids(), ["0", "1", "2", "3", "4"]);
    // The stream ended, the client reconnected with Last-Event-ID 4, and the server said 204.
    let stats = stats(&session).await;
    assert_eq!(stats.last_event_ids, [None, Some("4".to_owned())]);
    assert!(matches!(
        seen.errors.last().map(|e| &e.kind),
        Some(ErrorKind::Http { status: 204, .. })
    ));
}

#[wasm_bindgen_test]
async fn eventsource_reads_numbered_events() {
    let session = session("es-ticks");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/ticks?count=5&interval_ms=5&session={session}"
        )))
        .transport(Transport::EventSource),
    );
    rec.wait_until(|s| s.ids().len() >= 5).await;
    assert_eq!(rec.seen().ids(), ["0", "1", "2", "3", "4"]);
    rec.client.close();
    assert_eq!(rec.client.status(), Status::Closed);
}

#[wasm_bindgen_test]
async fn http_404_stops_with_a_typed_error() {
    let session = session("fetch-404");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/status/404?session={session}"
    ))));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    let error = seen.errors.first().expect("an error");
    assert!(!error.will_retry);
    match &error.kind {
        ErrorKind::Http { status, body, .. } => {
            assert_eq!(*status, 404);
            assert!(body.contains("404"), "body excerpt: {body:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    sleep(300).await;
    assert_eq!(stats(&session).await.total, 1, "no request after a 404");
}
