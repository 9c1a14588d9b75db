//! Browser tests: headless Chromium against the real tidings-devserver over loopback.
//! This file: what arrives on a stream — ids, named events, byte-by-byte drips, huge events,
//! comments, `retry:`, POST streams with a done sentinel, redirects, the first Last-Event-ID.
//!
//! `scripts/test.sh` starts the server and passes its address at compile time in
//! `TIDINGS_TEST_SERVER` (the test page itself is served by wasm-bindgen-test-runner on
//! another port, so the server answers with CORS headers).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{Body, ClientOptions, ErrorKind, Listen, Status, Transport};
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
    assert_eq!(seen.open_statuses, [Some(200)]);
    assert_eq!(seen.ids(), ["0", "1", "2", "3", "4"]);
    assert_eq!(seen.data()[4], r#"{"n":4}"#);
    // The stream ended, the client reconnected with Last-Event-ID 4, and the server said 204.
    let stats = stats(&session).await;
    assert_eq!(stats.last_event_ids, [None, Some("4".to_owned())]);
    let last = seen.errors.last().unwrap();
    assert!(matches!(last.kind, ErrorKind::Http { status: 204, .. }));
    assert!(!last.will_retry);
    assert_eq!(rec.client.status(), Status::Closed);
    assert_eq!(
        seen.statuses,
        [Status::Open, Status::Reconnecting, Status::Closed]
    );
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
    let seen = rec.seen();
    assert_eq!(seen.ids(), ["0", "1", "2", "3", "4"]);
    assert_eq!(seen.open_statuses, [None]);
    assert_eq!(rec.client.last_event_id(), "4");
    rec.client.close();
    assert_eq!(rec.client.status(), Status::Closed);
    assert!(rec.seen().closed);
}

fn named_options(session: &str, transport: Transport) -> ClientOptions {
    ClientOptions::new(url(&format!(
        "/sse/ticks?count=3&interval_ms=5&event=tick&session={session}"
    )))
    .transport(transport)
    .event_type("tick")
}

async fn named_events(transport: Transport) {
    let session = session("named");
    let rec = Recorder::connect(named_options(&session, transport));
    let ticks = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let messages = std::rc::Rc::new(std::cell::Cell::new(0));
    let sink = ticks.clone();
    rec.client.on(Listen::Event("tick".into()), move |e| {
        if let tidings_web::ClientEvent::Message(m) = e {
            sink.borrow_mut().push(m.last_event_id.clone());
        }
    });
    let count = messages.clone();
    rec.client.on(Listen::Event("message".into()), move |_| {
        count.set(count.get() + 1)
    });
    rec.wait_until(|s| s.events.len() >= 3).await;
    rec.client.close();
    let seen = rec.seen();
    assert!(seen.events.iter().all(|(t, _, _)| t == "tick"), "{seen:?}");
    assert_eq!(*ticks.borrow(), ["0", "1", "2"]);
    assert_eq!(
        messages.get(),
        0,
        "named events do not reach `message` listeners"
    );
}

#[wasm_bindgen_test]
async fn fetch_delivers_named_events_to_their_listeners() {
    named_events(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_delivers_named_events_given_event_type() {
    named_events(Transport::EventSource).await;
}

/// The drip script's published expectations: (type, data, id).
async fn drip_expectations() -> (Vec<(String, String, String)>, Vec<String>, u64) {
    let json = fetch_json(&url("/control/drip-script")).await;
    let events = js_sys::Array::from(&field(&json, "events"))
        .iter()
        .map(|e| {
            (
                field(&e, "type").as_string().unwrap(),
                field(&e, "data").as_string().unwrap(),
                field(&e, "id").as_string().unwrap(),
            )
        })
        .collect();
    // The core reports a comment's text with one leading space stripped, like field values.
    let comments = js_sys::Array::from(&field(&json, "comments"))
        .iter()
        .map(|c| {
            let c = c.as_string().unwrap();
            c.strip_prefix(' ').unwrap_or(&c).to_owned()
        })
        .collect();
    let retry = field(&json, "retry").as_f64().unwrap() as u64;
    (events, comments, retry)
}

#[wasm_bindgen_test]
async fn fetch_parses_the_byte_by_byte_drip_like_the_script_says() {
    let (events, comments, retry) = drip_expectations().await;
    let session = session("fetch-drip");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/drip?delay_ms=1&session={session}"
    ))));
    // The drip ends after the undispatched event; the client then waits `retry: 1000`.
    rec.wait_until(|s| s.events.len() >= events.len() && s.comments.len() >= 2)
        .await;
    sleep(200).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.events, events);
    assert_eq!(seen.comments, comments);
    assert_eq!(seen.retries, [retry]);
    assert_eq!(rec.client.last_event_id(), "3");
    assert!(!seen.data().iter().any(|d| d.contains("never")));
}

#[wasm_bindgen_test]
async fn eventsource_parses_the_byte_by_byte_drip_like_the_script_says() {
    let (events, _, _) = drip_expectations().await;
    let session = session("es-drip");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/drip?delay_ms=1&session={session}")))
            .transport(Transport::EventSource)
            .event_type("greeting")
            .event_type("emoji"),
    );
    rec.wait_until(|s| s.events.len() >= events.len()).await;
    sleep(200).await;
    rec.client.close();
    assert_eq!(rec.seen().events, events);
}

const HUGE: usize = 4 << 20;

async fn huge_event(transport: Transport) {
    let session = session("huge");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/huge?bytes={HUGE}&session={session}")))
            .transport(transport)
            .event_type("done"),
    );
    rec.wait_until(|s| s.events.iter().any(|(t, _, _)| t == "done"))
        .await;
    rec.client.close();
    let seen = rec.seen();
    let (kind, data, id) = &seen.events[0];
    assert_eq!((kind.as_str(), id.as_str()), ("message", "huge"));
    assert_eq!(data.len(), HUGE);
    assert!(
        data.bytes()
            .enumerate()
            .all(|(i, b)| b == b'a' + (i % 26) as u8),
        "the 4 MiB event arrived intact"
    );
    assert_eq!(seen.events[1].1, format!(r#"{{"bytes":{HUGE}}}"#));
    assert!(rec.client.metrics().bytes >= HUGE as u64);
}

#[wasm_bindgen_test]
async fn fetch_delivers_a_4_mib_event_intact() {
    huge_event(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_delivers_a_4_mib_event_intact() {
    huge_event(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn fetch_reports_heartbeat_comments() {
    let session = session("heartbeat");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/heartbeat?interval_ms=20&count=6&every=3&session={session}"
    ))));
    rec.wait_until(|s| s.comments.len() >= 6 && s.events.len() >= 2)
        .await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.comments[..6], ["ping"; 6]);
    assert_eq!(seen.ids()[..2], ["0", "1"]);
}

#[wasm_bindgen_test]
async fn fetch_reports_retry_and_uses_it_as_the_floor() {
    let session = session("retry-floor");
    // The client's own backoff is 1 ms; the server's `retry: 400` must win.
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/retry?ms=400&count=2&session={session}")))
            .policy(fast_policy(1)),
    );
    rec.wait_until(|s| s.events.len() >= 6).await;
    rec.client.close();
    let seen = rec.seen();
    assert_eq!(seen.ids()[..6], ids_upto(6)[..]);
    assert!(seen.retries.len() >= 3 && seen.retries.iter().all(|r| *r == 400));
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    for i in 1..3 {
        let gap = stats.started_ms[i] - stats.ended_ms[i - 1].unwrap();
        assert!(
            gap >= 390.0,
            "reconnect {i} came after {gap} ms, floor is 400"
        );
    }
    assert_eq!(stats.last_event_ids[1].as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn fetch_sends_the_initial_last_event_id_on_first_connect() {
    let session = session("fetch-initial-id");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/ticks?count=10&interval_ms=0&session={session}"
        )))
        .initial_last_event_id("6"),
    );
    rec.wait_until(|s| s.closed).await;
    assert_eq!(rec.seen().ids(), ["7", "8", "9"]);
    let stats = stats(&session).await;
    assert_eq!(
        stats.last_event_ids,
        [Some("6".to_owned()), Some("9".to_owned())]
    );
}

#[wasm_bindgen_test]
async fn eventsource_sends_the_initial_last_event_id_as_a_query_parameter() {
    let session = session("es-initial-id");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/ticks?count=10&interval_ms=0&session={session}"
        )))
        .transport(Transport::EventSource)
        .initial_last_event_id("6"),
    );
    rec.wait_until(|s| s.events.len() >= 3).await;
    rec.client.close();
    assert_eq!(rec.seen().ids(), ["7", "8", "9"]);
    let stats = stats(&session).await;
    assert_eq!(stats.query_ids()[0].as_deref(), Some("6"));
}

#[wasm_bindgen_test]
async fn a_last_event_id_with_cr_lf_or_nul_is_never_sent_as_a_header() {
    for (n, bad) in ["4\n", "4\r\nX-Evil: 1", "4\0"].into_iter().enumerate() {
        let session = session(&format!("unsafe-id-{n}"));
        let rec = Recorder::connect(
            ClientOptions::new(url(&format!(
                "/sse/ticks?count=3&interval_ms=0&session={session}"
            )))
            .initial_last_event_id(bad),
        );
        rec.wait_until(|s| s.closed).await;
        let seen = rec.seen();
        // Connected without the header: the whole stream from the start.
        assert_eq!(seen.ids(), ids_upto(3));
        let stats = stats(&session).await;
        assert_eq!(stats.last_event_ids[0], None, "{bad:?} was sent");
        assert_eq!(stats.last_event_ids[1].as_deref(), Some("2"));
    }
}

#[wasm_bindgen_test]
async fn fetch_post_llm_stream_stops_at_the_done_sentinel() {
    let session = session("llm");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/llm?session={session}")))
            .method("POST")
            .body(Body::Json(
                r#"{"prompt":"why rust","tokens":12,"delay_ms":5}"#.into(),
            ))
            .one_shot(true)
            .done_sentinel("[DONE]"),
    );
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    let tokens: Vec<String> = seen
        .data()
        .iter()
        .map(|d| {
            let v = js_sys::JSON::parse(d).unwrap();
            field(&v, "token").as_string().unwrap()
        })
        .collect();
    assert_eq!(tokens.len(), 12);
    assert_eq!(tokens[..4], ["You", " asked:", " why", " rust"]);
    assert_eq!(tokens[4], " Server-Sent");
    assert!(!seen.data().iter().any(|d| d.contains("[DONE]")));
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    assert_eq!(rec.client.status(), Status::Closed);
    assert_eq!(seen.statuses.last(), Some(&Status::Closed));
    assert_no_more_requests(&session, 1, 300).await;
    assert_eq!(stats(&session).await.methods, ["POST"]);
}

async fn follows_redirect(code: u16) {
    let session = session(&format!("redirect-{code}"));
    let target = format!("/sse/ticks?count=3&interval_ms=0&session={session}");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/redirect?code={code}&to={}&session={session}",
        encode(&target)
    ))));
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(seen.ids(), ids_upto(3));
    assert!(seen.saw_http(204));
    let stats = stats(&session).await;
    assert_eq!(
        stats.paths,
        ["/sse/redirect", "/sse/ticks", "/sse/redirect", "/sse/ticks"]
    );
    // The reconnect carried Last-Event-ID through the redirect.
    assert_eq!(stats.last_event_ids[3].as_deref(), Some("2"));
}

#[wasm_bindgen_test]
async fn fetch_follows_a_301_redirect() {
    follows_redirect(301).await;
}

#[wasm_bindgen_test]
async fn fetch_follows_a_307_redirect() {
    follows_redirect(307).await;
}
