//! Credentials: bearer tokens refreshed per attempt, cookies with and without `include`.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use tidings_web::{ClientOptions, Credentials, ErrorKind, HeaderCallback, Status, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_header_callback_refreshes_the_token_on_every_attempt() {
    let session = session("token-refresh");
    let calls = Rc::new(Cell::new(0u32));
    let counted = calls.clone();
    // Tokens live 400 ms: each connection ends when its token expires, and the next attempt
    // fetches a fresh one and resumes from Last-Event-ID.
    let callback = HeaderCallback::new(move || {
        let counted = counted.clone();
        async move {
            counted.set(counted.get() + 1);
            let token = new_token(400).await;
            Ok(vec![(
                "Authorization".to_owned(),
                format!("Bearer {token}"),
            )])
        }
    });
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/auth?count=20&interval_ms=50&session={session}"
        )))
        .header_callback(callback)
        .policy(fast_policy(20)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(
        seen.ids(),
        ids_upto(20),
        "no gap, no duplicate across tokens"
    );
    assert!(seen.saw_http(204), "{:?}", seen.errors);
    assert!(!seen.saw_http(401), "{:?}", seen.errors);
    let stats = stats(&session).await;
    assert!(
        stats.total >= 3,
        "the token expired at least once: {stats:?}"
    );
    assert_eq!(calls.get() as u64, stats.total, "one callback per attempt");
    assert!(stats.authorization.iter().all(|a| *a));
    assert_eq!(stats.last_event_ids[0], None);
    // Every later request resumed where the previous one stopped.
    for id in stats.last_event_ids[1..].iter() {
        let id: u64 = id
            .as_deref()
            .expect("resumed with Last-Event-ID")
            .parse()
            .unwrap();
        assert!(id < 20);
    }
    assert_eq!(stats.last_event_ids.last().unwrap().as_deref(), Some("19"));
    let resumed: Vec<u64> = stats.last_event_ids[1..]
        .iter()
        .map(|id| id.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(resumed.windows(2).all(|w| w[0] < w[1]), "{resumed:?}");
}

#[wasm_bindgen_test]
async fn an_invalid_token_is_a_final_401() {
    let session = session("token-bad");
    let calls = Rc::new(Cell::new(0u32));
    let counted = calls.clone();
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/auth?count=5&session={session}")))
            .header_callback(HeaderCallback::new(move || {
                counted.set(counted.get() + 1);
                async { Ok(vec![("Authorization".into(), "Bearer nope".into())]) }
            }))
            .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert!(matches!(
        seen.errors[0].kind,
        ErrorKind::Http { status: 401, .. }
    ));
    assert!(!seen.errors[0].will_retry);
    assert_no_more_requests(&session, 1, 300).await;
    assert_eq!(calls.get(), 1);
}

#[wasm_bindgen_test]
async fn a_failing_header_callback_is_reported() {
    let session = session("token-fails");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/auth?count=5&session={session}")))
            .header_callback(HeaderCallback::new(|| async {
                Err("token service down".to_owned())
            }))
            .policy(fast_policy(5).with_max_attempts(Some(1))),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    match &seen.errors[0].kind {
        ErrorKind::Network { message } => assert!(message.contains("token service down")),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(seen.error_kinds().last(), Some(&"gave-up"));
    sleep(100).await;
    assert_eq!(stats(&session).await.total, 0, "no request without headers");
}

#[wasm_bindgen_test]
async fn fetch_with_credentials_include_sends_the_login_cookie() {
    let session = session("cookie-include");
    login(&session).await;
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/cookie?count=3&interval_ms=0&session={session}"
        )))
        .credentials(Credentials::Include),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(3));
    assert!(seen.saw_http(204));
    let stats = stats(&session).await;
    assert_eq!(stats.cookie, [true, true]);
}

#[wasm_bindgen_test]
async fn fetch_without_include_gets_401_and_sends_no_cookie() {
    let session = session("cookie-omit");
    login(&session).await;
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/cookie?count=3&interval_ms=0&session={session}"
    ))));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert!(seen.events.is_empty());
    assert!(seen.saw_http(401));
    assert_eq!(rec.client.status(), Status::Closed);
    assert_no_more_requests(&session, 1, 300).await;
    assert_eq!(stats(&session).await.cookie, [false]);
}

#[wasm_bindgen_test]
async fn eventsource_with_credentials_sends_the_login_cookie() {
    let session = session("cookie-es");
    login(&session).await;
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/cookie?count=3&interval_ms=0&session={session}"
        )))
        .transport(Transport::EventSource)
        .with_credentials(true),
    );
    rec.wait_until(|s| s.events.len() >= 3).await;
    rec.client.close();
    assert_eq!(rec.seen().ids(), ids_upto(3));
    let stats = stats(&session).await;
    assert!(stats.cookie[0]);
}
