//! When the server says stop, the client stops (and says why); when it says "later", the
//! client waits as long as it was told.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_core::policy::GiveUpReason;
use tidings_web::{ClientOptions, ErrorKind, Status, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Connects to `path`, waits for the client to close, checks it reported exactly one final
/// error, and that the server saw no further request.
async fn stops_on(path: &str, name: &str) -> tidings_web::ClientError {
    let session = session(name);
    let separator = if path.contains('?') { '&' } else { '?' };
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("{path}{separator}session={session}")))
            .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(rec.client.status(), Status::Closed);
    assert_eq!(seen.statuses.last(), Some(&Status::Closed));
    assert_eq!(seen.errors.len(), 1, "{:?}", seen.errors);
    let error = seen.errors[0].clone();
    assert!(!error.will_retry);
    assert_eq!(error.delay_ms, None);
    assert_no_more_requests(&session, 1, 400).await;
    error
}

#[wasm_bindgen_test]
async fn http_204_stops() {
    let error = stops_on("/sse/status/204", "stop-204").await;
    assert!(matches!(error.kind, ErrorKind::Http { status: 204, .. }));
}

#[wasm_bindgen_test]
async fn http_404_stops_with_a_typed_error() {
    let error = stops_on("/sse/status/404", "stop-404").await;
    match &error.kind {
        ErrorKind::Http { status, body, .. } => {
            assert_eq!(*status, 404);
            assert!(body.contains("404"), "body excerpt: {body:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn http_401_stops_and_keeps_only_1_kib_of_the_body() {
    let error = stops_on("/sse/status/401?body_len=5000", "stop-401").await;
    match &error.kind {
        ErrorKind::Http { status, body, .. } => {
            assert_eq!(*status, 401);
            assert_eq!(body.len(), 1024);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.kind.name(), "http");
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_stops() {
    let error = stops_on("/sse/wrong-type?type=text/plain", "stop-type").await;
    assert_eq!(
        error.kind,
        ErrorKind::ContentType {
            content_type: Some("text/plain".to_owned())
        }
    );
    assert_eq!(error.kind.name(), "content-type");
}

#[wasm_bindgen_test]
async fn a_missing_content_type_stops() {
    let error = stops_on("/sse/wrong-type?type=none", "stop-no-type").await;
    assert!(matches!(error.kind, ErrorKind::ContentType { .. }));
}

/// `code` with `Retry-After: 1` on the first two connections, then ticks: each delay honours
/// the header although the client's own backoff is 5 ms.
///
/// Two failures, not one: Chromium silently repeats a request that got a 408 on a reused
/// keep-alive socket (it takes it for a server-side idle close), so the first 408 may never
/// reach the page; the repeat goes out on a fresh socket and its 408 does.
async fn honours_retry_after(code: u16) {
    let session = session(&format!("retry-after-{code}"));
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/flaky?fail=2&code={code}&retry_after=1&count=3&interval_ms=0&session={session}"
        )))
        .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    let stats = stats(&session).await;
    assert_eq!(seen.ids(), ids_upto(3));
    let failures: Vec<_> = seen
        .errors
        .iter()
        .filter(|e| matches!(e.kind, ErrorKind::Http { status, .. } if status == code))
        .collect();
    assert!(!failures.is_empty(), "{:?} / {stats:?}", seen.errors);
    for (i, error) in failures.iter().enumerate() {
        assert!(error.will_retry);
        assert_eq!(error.attempt, i as u32 + 1);
        assert!(error.delay_ms.unwrap() >= 1000, "{error:?}");
    }
    assert_eq!(stats.statuses[..3], [Some(code), Some(code), Some(200)]);
    // The ticks came at least a second after the last refusal.
    let gap = stats.started_ms[2] - stats.started_ms[1];
    assert!(
        gap >= 990.0,
        "retried after {gap} ms despite Retry-After: 1"
    );
}

#[wasm_bindgen_test]
async fn http_408_retries_after_retry_after() {
    honours_retry_after(408).await;
}

#[wasm_bindgen_test]
async fn http_429_retries_after_retry_after() {
    honours_retry_after(429).await;
}

async fn retries_server_errors(code: u16, transport: Transport) {
    let session = session(&format!("flaky-{code}"));
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/flaky?fail=2&code={code}&count=4&interval_ms=0&session={session}"
        )))
        .transport(transport)
        .policy(fast_policy(20)),
    );
    rec.wait_until(|s| s.events.len() >= 4).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(4));
    assert!(seen.errors.len() >= 2);
    for (i, error) in seen.errors[..2].iter().enumerate() {
        assert!(error.will_retry, "{error:?}");
        assert_eq!(error.attempt, i as u32 + 1);
        assert_eq!(error.delay_ms, Some(20));
        if transport == Transport::Fetch {
            assert!(matches!(error.kind, ErrorKind::Http { status, .. } if status == code));
        } else {
            // EventSource cannot see the status: it just failed.
            assert_eq!(error.kind.name(), "network");
        }
    }
    assert_eq!(seen.opens, 1);
    let stats = stats(&session).await;
    assert_eq!(stats.statuses[..3], [Some(code), Some(code), Some(200)]);
}

#[wasm_bindgen_test]
async fn fetch_retries_500_until_it_works() {
    retries_server_errors(500, Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn fetch_retries_503_until_it_works() {
    retries_server_errors(503, Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_retries_503_until_it_works() {
    retries_server_errors(503, Transport::EventSource).await;
}

async fn gives_up_after_max_attempts(transport: Transport) {
    let session = session("max-attempts");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/status/503?session={session}")))
            .transport(transport)
            .policy(fast_policy(10).with_max_attempts(Some(2))),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(rec.client.status(), Status::Closed);
    let retries: Vec<bool> = seen.errors.iter().map(|e| e.will_retry).collect();
    assert_eq!(retries, [true, true, false, false], "{:?}", seen.errors);
    assert_eq!(
        seen.errors.last().unwrap().kind,
        ErrorKind::GaveUp(GiveUpReason::MaxAttempts)
    );
    assert_eq!(seen.error_kinds().last(), Some(&"gave-up"));
    assert_no_more_requests(&session, 3, 300).await;
}

#[wasm_bindgen_test]
async fn fetch_gives_up_after_max_attempts() {
    gives_up_after_max_attempts(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_gives_up_after_max_attempts() {
    gives_up_after_max_attempts(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn an_event_over_the_limits_stops_with_too_large() {
    let session = session("too-large");
    let mut limits = tidings_core::Limits::DEFAULT;
    limits.max_line_len = 64 * 1024;
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/huge?bytes=1048576&session={session}")))
            .limits(limits)
            .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert!(seen.events.is_empty());
    assert_eq!(seen.error_kinds(), ["too-large"]);
    assert!(!seen.errors[0].will_retry);
    assert_eq!(rec.client.status(), Status::Closed);
    // The reader was cancelled at once: the server saw the client go away.
    assert_no_more_requests(&session, 1, 300).await;
}
