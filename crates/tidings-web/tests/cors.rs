//! Cross-origin streams without a preflight. The test page is served by
//! wasm-bindgen-test-runner on another port than the dev server, so every request here is
//! cross-origin. `/sse/strict-cors` plays a server that allows no request headers: it refuses
//! every preflight and its stats record each preflight as an `OPTIONS` request.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{ClientOptions, ErrorKind};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The first connection of a plain GET needs no preflight; resuming sends `Last-Event-ID`,
/// which is not CORS-safelisted, so the reconnect is preflighted and this server refuses it.
#[wasm_bindgen_test]
async fn a_plain_get_streams_from_a_server_that_allows_no_request_headers() {
    let session = session("strict-cors");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/strict-cors?count=3&interval_ms=5&session={session}"
        )))
        .policy(fast_policy(50)),
    );
    rec.wait_until(|s| s.ids().len() >= 3 && !s.errors.is_empty())
        .await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ["0", "1", "2"]);
    assert_eq!(seen.open_statuses, [Some(200)]);
    // The stream ended; the reconnect with `Last-Event-ID: 2` fails at the refused preflight.
    let error = &seen.errors[0];
    assert!(matches!(error.kind, ErrorKind::Network { .. }), "{error:?}");
    assert!(error.will_retry);
    rec.client.close();
    let stats = stats(&session).await;
    assert_eq!(stats.methods[..2], ["GET", "OPTIONS"], "{stats:?}");
    assert_eq!(stats.last_event_ids[0], None);
}

/// A header the caller adds is sent as asked, so it needs the server's permission.
#[wasm_bindgen_test]
async fn a_header_of_the_caller_makes_the_request_need_a_preflight() {
    let session = session("strict-cors-header");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/strict-cors?count=3&interval_ms=5&session={session}"
        )))
        .header("X-Test-Case", "strict")
        .policy(fast_policy(50)),
    );
    rec.wait_until(|s| !s.errors.is_empty()).await;
    rec.client.close();
    let seen = rec.seen();
    assert!(seen.ids().is_empty(), "{seen:?}");
    assert!(matches!(seen.errors[0].kind, ErrorKind::Network { .. }));
    let stats = stats(&session).await;
    assert_eq!(stats.methods[0], "OPTIONS", "{stats:?}");
    assert!(!stats.methods.iter().any(|m| m == "GET"), "{stats:?}");
}
