//! Reconnecting: replay from Last-Event-ID after a cut, the idle timeout, `reconnect()`,
//! and the EventSource hand-over from the browser's own retries to tidings.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{ClientOptions, Status, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn fetch_replays_from_last_event_id_after_a_drop() {
    let session = session("fetch-drop");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/drop?after=3&count=9&session={session}")))
            .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(9));
    assert_eq!(seen.opens, 3);
    assert_eq!(seen.error_kinds(), ["network", "network", "http"]);
    assert!(seen.errors[..2].iter().all(|e| e.will_retry));
    let stats = stats(&session).await;
    assert_eq!(
        stats.last_event_ids,
        [
            None,
            Some("2".to_owned()),
            Some("5".to_owned()),
            Some("8".to_owned())
        ]
    );
    assert_eq!(rec.client.metrics().reconnects, 3);
}

#[wasm_bindgen_test]
async fn eventsource_replays_from_last_event_id_after_a_drop() {
    let session = session("es-drop");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/drop?after=3&count=9&session={session}")))
            .transport(Transport::EventSource)
            .policy(fast_policy(5)),
    );
    rec.wait_until(|s| s.events.len() >= 9).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(9));
    // The browser reconnected by itself, sending the header.
    let stats = wait_for_server(&session, |s| s.total >= 3).await;
    assert_eq!(stats.last_event_ids[1].as_deref(), Some("2"));
    assert_eq!(stats.last_event_ids[2].as_deref(), Some("5"));
    rec.client.close();
}

#[wasm_bindgen_test]
async fn eventsource_browser_retries_are_reconnecting_and_tidings_takes_over_when_it_gives_up() {
    let session = session("es-takeover");
    // conn 0: events 0..3 then a cut (the browser reconnects: CONNECTING); conn 1: 3..6 and a
    // clean end (again); conn 2: 204, which makes the browser give up (CLOSED); then tidings
    // creates a new EventSource carrying `lastEventId=5`.
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/drop?after=3&count=6&session={session}")))
            .transport(Transport::EventSource)
            .policy(fast_policy(50)),
    );
    let stats = wait_for_server(&session, |s| s.total >= 4).await;
    let seen = rec.seen();
    rec.client.close();
    assert_eq!(seen.ids(), ids_upto(6));
    assert_eq!(
        stats.last_event_ids[..3],
        [None, Some("2".into()), Some("5".into())]
    );
    assert_eq!(stats.statuses[2], Some(204));
    assert_eq!(stats.query_ids()[..4], [None, None, None, Some("5".into())]);
    // While the browser retried, the client said `reconnecting`, never `closed`.
    let closed_at = seen.statuses.iter().position(|s| *s == Status::Closed);
    assert_eq!(closed_at, None, "{:?}", seen.statuses);
    assert_eq!(seen.statuses[..2], [Status::Open, Status::Reconnecting]);
    assert!(
        seen.errors.iter().all(|e| e.will_retry),
        "{:?}",
        seen.errors
    );
    assert_eq!(seen.opens, 2, "conn 0 and conn 1 opened");
}

async fn idle_timeout(transport: Transport) {
    let session = session("idle");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/stall?after=2&session={session}")))
            .transport(transport)
            .policy(fast_policy(10))
            .idle_timeout_ms(Some(300)),
    );
    rec.wait_until(|s| s.events.len() >= 4).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.ids()[..4], ids_upto(4)[..]);
    let error = &seen.errors[0];
    assert_stall(&error.kind, 300, 300..2_000);
    assert_eq!(error.kind.name(), "stall");
    assert!(error.will_retry);
    assert_eq!(error.delay_ms, Some(10));
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    let resumed = match transport {
        Transport::Fetch => stats.last_event_ids[1].clone(),
        _ => stats.query_ids()[1].clone(),
    };
    assert_eq!(resumed.as_deref(), Some("1"));
    // The stalled connection was really dropped.
    assert!(stats.ended_ms[0].is_some());
}

#[wasm_bindgen_test]
async fn fetch_idle_timeout_drops_and_resumes() {
    idle_timeout(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_idle_timeout_drops_and_resumes() {
    idle_timeout(Transport::EventSource).await;
}

async fn reconnect_now(transport: Transport) {
    let session = session("reconnect-now");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/ticks?interval_ms=30&session={session}")))
            .transport(transport),
    );
    rec.wait_until(|s| s.events.len() >= 3).await;
    let resume_from = rec.client.last_event_id();
    let at = now();
    rec.client.reconnect();
    rec.wait_until(|s| s.opens >= 2).await;
    assert!(now() - at < 1000.0, "reconnect() waited for a backoff");
    rec.wait_until(|s| s.events.len() >= 6).await;
    rec.client.close();
    let seen = rec.seen();
    let n = seen.events.len() as u64;
    assert_eq!(seen.ids(), ids_upto(n), "no gap, no duplicate");
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(stats.total, 2);
    let sent = match transport {
        Transport::Fetch => stats.last_event_ids[1].clone(),
        _ => stats.query_ids()[1].clone(),
    };
    assert_eq!(sent, Some(resume_from));
    assert_eq!(rec.client.metrics().reconnects, 1);
}

#[wasm_bindgen_test]
async fn fetch_reconnect_resumes_at_once() {
    reconnect_now(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_reconnect_resumes_at_once() {
    reconnect_now(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn reconnect_reopens_a_closed_client() {
    let session = session("reopen");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?count=6&interval_ms=30&session={session}"
    ))));
    rec.wait_until(|s| s.events.len() >= 2).await;
    rec.client.close();
    assert_eq!(rec.client.status(), Status::Closed);
    rec.client.reconnect();
    assert_ne!(rec.client.status(), Status::Closed);
    rec.wait_until(|s| s.events.len() >= 6).await;
    assert_eq!(rec.seen().ids(), ids_upto(6));
    rec.client.close();
}

async fn close_stops_everything(transport: Transport) {
    let session = session("close");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")))
            .transport(transport),
    );
    rec.wait_until(|s| s.events.len() >= 2).await;
    rec.client.close();
    rec.client.close(); // harmless
    assert_eq!(rec.client.status(), Status::Closed);
    let seen = rec.seen();
    assert!(seen.closed);
    assert!(
        seen.errors.is_empty(),
        "closing is not an error: {:?}",
        seen.errors
    );
    assert_no_more_requests(&session, 1, 300).await;
    let after = rec.seen();
    assert_eq!(after.events.len(), seen.events.len(), "nothing after close");
    assert_eq!(after.statuses.len(), seen.statuses.len());
}

#[wasm_bindgen_test]
async fn fetch_close_then_nothing_more() {
    close_stops_everything(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_close_then_nothing_more() {
    close_stops_everything(Transport::EventSource).await;
}

/// Events without `id:` keep the ID the connection resumed from (WHATWG: the last event ID
/// persists), also on an EventSource that tidings created with the `lastEventId` parameter,
/// whose own `lastEventId` starts out empty.
async fn resume_id_survives_events_without_ids(transport: Transport) {
    let session = session("no-ids");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/ticks?count=10&interval_ms=0&ids=0&session={session}"
        )))
        .transport(transport)
        .initial_last_event_id("6")
        // The stream ends after its three events. No reconnect within the test: with the
        // default policy's full jitter the first retry can come within milliseconds, and its
        // events (7, 8, 9 again, resumed from the same ID) then arrived before the check.
        .policy(fast_policy(60_000)),
    );
    rec.wait_until(|s| s.events.len() >= 3).await;
    let seen = rec.seen();
    assert_eq!(
        seen.data(),
        [r#"{"n":7}"#, r#"{"n":8}"#, r#"{"n":9}"#],
        "resumed after 6"
    );
    assert_eq!(seen.ids(), ["6", "6", "6"]);
    assert_eq!(rec.client.last_event_id(), "6");
    rec.client.close();
}

#[wasm_bindgen_test]
async fn fetch_events_without_ids_keep_the_resume_id() {
    resume_id_survives_events_without_ids(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_events_without_ids_keep_the_resume_id() {
    resume_id_survives_events_without_ids(Transport::EventSource).await;
}
