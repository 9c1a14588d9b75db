//! Reconnects that do what the server asked (issue "reconnect-right"): the server's `retry:`
//! is the reconnection time, and web-platform-tests' `format-field-id*` behaviour over fetch.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_core::policy::{AdaptiveStall, StallDetection};
use tidings_web::{Body, ClientOptions, ErrorKind, Status};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn server_retry_200_brings_three_connections_within_one_and_a_half_seconds() {
    let session = session("retry-200");
    // Each response: `retry: 200`, one event from the resume point, then the end. The
    // default policy (3 s full-jitter base) would take up to 3 s per reconnect.
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/retry?ms=200&count=1&session={session}"
    ))));
    let stats = wait_for_server_for(&session, 3_000, |s| s.total >= 3).await;
    rec.client.close();
    let spread = stats.started_ms[2] - stats.started_ms[0];
    assert!(spread < 1_500.0, "three connections took {spread} ms");
    // Never sooner than the server asked for.
    for pair in stats.started_ms[..3].windows(2) {
        assert!(pair[1] - pair[0] >= 200.0, "{:?}", stats.started_ms);
    }
    assert_eq!(
        stats.last_event_ids[..3],
        [None, Some("0".to_owned()), Some("1".to_owned())]
    );
    let seen = rec.seen();
    assert_eq!(seen.ids()[..3], ["0", "1", "2"]);
    assert!(
        seen.retries.iter().all(|&ms| ms == 200),
        "{:?}",
        seen.retries
    );
}

/// WPT `format-field-id.htm` and `format-field-id-2.any.js`: the ID `…` persists across
/// reconnects and is sent (as its UTF-8 bytes) each time; the server echoes it as data.
#[wasm_bindgen_test]
async fn wpt_format_field_id_and_id_2_over_fetch() {
    let session = session("wpt-field-id");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/last-event-id?session={session}"
    ))));
    rec.wait_until_for(5_000, |s| s.events.len() >= 3).await;
    rec.client.close();
    let seen = rec.seen();
    let ellipsis = "\u{2026}".to_owned();
    let events: Vec<(String, String)> = seen.events[..3]
        .iter()
        .map(|(_, data, id)| (data.clone(), id.clone()))
        .collect();
    assert_eq!(
        events,
        [
            ("hello".to_owned(), ellipsis.clone()),
            (ellipsis.clone(), ellipsis.clone()),
            (ellipsis.clone(), ellipsis.clone()),
        ]
    );
    assert!(
        seen.errors.is_empty(),
        "no failed reconnect: {:?}",
        seen.errors
    );
}

/// WPT `format-field-id-null.htm` (current spec): an `id` with U+0000 is ignored, so no
/// Last-Event-ID is sent and the server says `hello` again, with an empty last event ID.
#[wasm_bindgen_test]
async fn wpt_format_field_id_null_over_fetch() {
    let session = session("wpt-field-id-null");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/last-event-id?idvalue=%00%00&session={session}"
    ))));
    rec.wait_until_for(5_000, |s| s.events.len() >= 2).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.data()[..2], ["hello", "hello"]);
    assert_eq!(seen.ids()[..2], ["", ""]);
    let stats = stats(&session).await;
    assert_eq!(stats.last_event_ids[..2], [None, None]);
}

// ----- one-shot streams: complete or visibly not -----

fn llm_options(path: &str, session: &str) -> ClientOptions {
    ClientOptions::new(url(&format!("{path}&session={session}")))
        .method("POST")
        .body(Body::Json(
            r#"{"prompt":"resume me","tokens":12,"delay_ms":2}"#.into(),
        ))
        .policy(fast_policy(20))
        .one_shot(true)
        .done_sentinel("[DONE]")
}

fn tokens_of(seen: &Seen) -> Vec<String> {
    seen.data()
        .iter()
        .map(|d| {
            let v = js_sys::JSON::parse(d).unwrap();
            field(&v, "token").as_string().unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn one_shot_body_ending_before_the_sentinel_is_an_incomplete_error() {
    let session = session("llm-incomplete");
    let rec = Recorder::connect(llm_options("/sse/llm/resumable?cut_after=5", &session));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(5));
    assert_eq!(seen.errors.len(), 1, "{:?}", seen.errors);
    let error = &seen.errors[0];
    assert_eq!(
        error.kind,
        ErrorKind::Incomplete {
            last_event_id: "4".into(),
            events: 5
        }
    );
    assert_eq!(error.kind.name(), "incomplete");
    assert!(!error.will_retry);
    assert_eq!(rec.client.status(), Status::Closed);
    assert_no_more_requests(&session, 1, 300).await;
}

#[wasm_bindgen_test]
async fn one_shot_resume_continues_the_reply_after_a_clean_cut_and_after_a_drop() {
    for mode in ["end", "drop"] {
        let session = session(&format!("llm-resume-{mode}"));
        let rec = Recorder::connect(
            llm_options(
                &format!("/sse/llm/resumable?cut_after=5&mode={mode}"),
                &session,
            )
            .resume(1),
        );
        rec.wait_until(|s| s.closed).await;
        let seen = rec.seen();
        assert_eq!(
            seen.ids(),
            ids_upto(12),
            "{mode}: every token once, in order"
        );
        let tokens = tokens_of(&seen);
        assert_eq!(tokens[..3], ["You", " asked:", " resume"], "{mode}");
        // One visible, retried cut; no final error.
        assert_eq!(seen.errors.len(), 1, "{mode}: {:?}", seen.errors);
        assert!(seen.errors[0].will_retry, "{mode}");
        let expected = if mode == "end" {
            "incomplete"
        } else {
            "network"
        };
        assert_eq!(seen.error_kinds(), [expected]);
        let stats = stats(&session).await;
        assert_eq!(stats.last_event_ids, [None, Some("4".to_owned())]);
        assert_eq!(stats.methods, ["POST", "POST"]);
    }
}

#[wasm_bindgen_test]
async fn one_shot_resume_answered_204_ends_cleanly_and_an_exhausted_resume_is_final() {
    let gone = session("llm-resume-204");
    let out = session("llm-resume-out");
    let rec =
        Recorder::connect(llm_options("/sse/llm/resumable?cut_after=5&gone=1", &gone).resume(3));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(5));
    assert_eq!(seen.error_kinds(), ["incomplete"], "no error for the 204");
    assert!(seen.errors[0].will_retry);
    assert_eq!(stats(&gone).await.statuses, [Some(200), Some(204)]);

    // Cut twice with one resume allowed: the second cut is final.
    let rec =
        Recorder::connect(llm_options("/sse/llm/resumable?cut_after=3&cuts=2", &out).resume(1));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(6));
    assert_eq!(seen.error_kinds(), ["incomplete", "incomplete"]);
    assert!(seen.errors[0].will_retry && !seen.errors[1].will_retry);
    assert_eq!(
        seen.errors[1].kind,
        ErrorKind::Incomplete {
            last_event_id: "5".into(),
            events: 6
        }
    );
}

// ----- stall detection -----

#[wasm_bindgen_test]
async fn adaptive_stall_fires_at_the_learned_limit_and_resumes_with_last_event_id() {
    let session = session("adaptive-stall");
    // 50 ms ticks teach a 3 x 50 ms cadence, raised to a 300 ms floor; the 10 s ceiling (the
    // limit before anything is learned) must not be what fires.
    let adaptive = AdaptiveStall::default()
        .with_floor_ms(300)
        .with_ceiling_ms(10_000);
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/stall?after=6&interval_ms=50&session={session}"
        )))
        .policy(fast_policy(10))
        .stall_detection(StallDetection::Adaptive(adaptive)),
    );
    rec.wait_until_for(8_000, |s| s.events.len() >= 12).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.ids()[..12], ids_upto(12)[..], "every event once");
    let error = &seen.errors[0];
    assert_stall(&error.kind, 300, 300..2_000);
    assert!(error.will_retry);
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(stats.last_event_ids[1].as_deref(), Some("5"));
    assert!(
        stats.ended_ms[0].is_some(),
        "the stalled connection was dropped"
    );
}
