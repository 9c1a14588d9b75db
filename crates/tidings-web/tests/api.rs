//! The client API: listeners across reconnects, `off`, metrics, the `events()` stream and an
//! external AbortSignal.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::*;
use futures_util::StreamExt;
use tidings_web::{Client, ClientEvent, ClientOptions, ErrorKind, Listen, Status, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn counter(client: &Client, listen: Listen) -> (Rc<Cell<u32>>, tidings_web::ListenerId) {
    let count = Rc::new(Cell::new(0));
    let sink = count.clone();
    let id = client.on(listen, move |_| sink.set(sink.get() + 1));
    (count, id)
}

async fn listeners_survive_reconnects(transport: Transport) {
    let session = session("listeners");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/drop?after=2&count=8&interval_ms=20&session={session}"
        )))
        .transport(transport)
        .policy(fast_policy(5)),
    );
    let (all, _) = counter(&rec.client, Listen::Event("message".into()));
    let (removed, removed_id) = counter(&rec.client, Listen::AnyEvent);
    assert!(rec.client.off(removed_id));
    assert!(!rec.client.off(removed_id), "a second off finds nothing");
    let (later, later_id) = counter(&rec.client, Listen::AnyEvent);
    let (opens, _) = counter(&rec.client, Listen::Open);
    rec.wait_until(|s| s.events.len() >= 3).await;
    assert!(rec.client.off(later_id));
    let at_off = later.get();
    rec.wait_until(|s| s.events.len() >= 8).await;
    rec.client.close();
    assert_eq!(rec.seen().ids(), ids_upto(8));
    assert_eq!(all.get(), 8, "one listener saw every connection's events");
    assert!(opens.get() >= 4, "opens: {}", opens.get());
    assert_eq!(removed.get(), 0);
    assert_eq!(later.get(), at_off, "nothing after off");
}

#[wasm_bindgen_test]
async fn fetch_listeners_survive_reconnects_and_off_removes_them() {
    listeners_survive_reconnects(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_listeners_survive_reconnects_and_off_removes_them() {
    listeners_survive_reconnects(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn metrics_count_messages_bytes_and_reconnects() {
    let session = session("metrics");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/drop?after=2&count=6&interval_ms=0&session={session}"
        )))
        .policy(fast_policy(5)),
    );
    assert_eq!(rec.client.metrics(), tidings_web::Metrics::default());
    rec.wait_until(|s| s.closed).await;
    let metrics = rec.client.metrics();
    let stats = stats(&session).await;
    assert_eq!(metrics.messages, 6);
    assert_eq!(metrics.reconnects, stats.total - 1, "{stats:?}");
    // Usually 4 connections; more when a cut's reset loses bytes that were already sent
    // (the client then resumes from an earlier id, as it should).
    assert!(stats.total >= 4);
    // Each event `id: i\ndata: {"n":i}\n\n` is 21 bytes; a cut (TCP reset) may lose some
    // bytes the server sent, never add any.
    assert!(metrics.bytes >= 6 * 21, "{metrics:?}");
    assert!(metrics.bytes <= stats.bytes_sent.iter().sum::<u64>());
    assert!(metrics.last_event_at_ms.is_some());
}

async fn event_stream(transport: Transport) {
    let session = session("stream");
    let client = Client::connect(
        ClientOptions::new(url(&format!("/sse/ticks?interval_ms=10&session={session}")))
            .transport(transport),
    );
    let mut events = client.events();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let event = timeout(5000, events.next())
            .await
            .expect("an event in time");
        ids.push(event.expect("the stream is still open").last_event_id);
    }
    assert_eq!(ids, ids_upto(5));
    client.close();
    // Events already queued may still come; then the stream ends.
    let mut ended = false;
    for _ in 0..10 {
        match timeout(2000, events.next()).await {
            Some(None) => {
                ended = true;
                break;
            }
            Some(Some(_)) => continue,
            None => break,
        }
    }
    assert!(ended, "the stream ends on close");
    // A stream taken from a closed client is over at once.
    assert!(
        timeout(1000, client.events().next())
            .await
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn fetch_events_stream_yields_events_and_ends_on_close() {
    event_stream(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_events_stream_yields_events_and_ends_on_close() {
    event_stream(Transport::EventSource).await;
}

async fn external_abort(transport: Transport) {
    let session = session("abort");
    let controller = web_sys::AbortController::new().unwrap();
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")))
            .transport(transport)
            .signal(controller.signal()),
    );
    rec.wait_until(|s| s.events.len() >= 2).await;
    controller.abort();
    rec.wait_until(|s| s.closed).await;
    let seen = rec.seen();
    assert_eq!(rec.client.status(), Status::Closed);
    let error = seen.errors.last().unwrap();
    assert_eq!(error.kind, ErrorKind::Aborted);
    assert_eq!(error.kind.name(), "aborted");
    assert!(!error.will_retry);
    assert_no_more_requests(&session, 1, 300).await;
}

#[wasm_bindgen_test]
async fn fetch_external_abort_signal_closes_with_aborted() {
    external_abort(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_external_abort_signal_closes_with_aborted() {
    external_abort(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_never_connects() {
    let session = session("pre-aborted");
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")))
            .signal(controller.signal()),
    );
    rec.wait_until(|s| s.closed).await;
    assert_eq!(rec.seen().error_kinds(), ["aborted"]);
    sleep(200).await;
    let stats = stats(&session).await;
    assert_eq!(stats.open, 0);
    assert!(stats.total <= 1, "{stats:?}");
}

#[wasm_bindgen_test]
async fn a_listener_may_close_the_client_from_inside_a_callback() {
    let session = session("close-in-callback");
    let client = Client::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?interval_ms=5&session={session}"
    ))));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (sink, handle) = (seen.clone(), client.clone());
    client.on(Listen::AnyEvent, move |e| {
        if let ClientEvent::Message(m) = e {
            sink.borrow_mut().push(m.last_event_id.clone());
            if m.last_event_id == "2" {
                handle.close();
            }
        }
    });
    for _ in 0..200 {
        if client.status() == Status::Closed {
            break;
        }
        sleep(25).await;
    }
    assert_eq!(client.status(), Status::Closed);
    sleep(100).await;
    assert_eq!(*seen.borrow(), ids_upto(3));
    wait_for_server(&session, |s| s.open == 0).await;
}

/// Waits (at most 5 s) for the client to close.
async fn wait_until_closed(client: &Client) {
    for _ in 0..200 {
        if client.status() == Status::Closed {
            break;
        }
        sleep(25).await;
    }
}

/// 60 events at once: the server writes them back to back, so chunks hold many events.
fn burst_url(session: &str) -> String {
    url(&format!(
        "/sse/ticks?count=60&interval_ms=0&session={session}"
    ))
}

#[wasm_bindgen_test]
async fn batch_listeners_get_every_event_once_in_order_and_agree_with_per_event_ones() {
    let session = session("batch");
    let client = Client::connect(ClientOptions::new(burst_url(&session)));
    let batched = Rc::new(RefCell::new(Vec::new()));
    let calls = Rc::new(Cell::new(0u32));
    let per_event = Rc::new(RefCell::new(Vec::new()));
    let (sink, count) = (batched.clone(), calls.clone());
    client.on(Listen::Messages, move |e| {
        if let ClientEvent::Messages(batch) = e {
            assert!(!batch.is_empty(), "no empty batches");
            count.set(count.get() + 1);
            sink.borrow_mut()
                .extend(batch.iter().map(|m| m.last_event_id.to_owned()));
        }
    });
    let sink = per_event.clone();
    client.on(Listen::AnyEvent, move |e| {
        if let ClientEvent::Message(m) = e {
            sink.borrow_mut().push(m.last_event_id.clone());
        }
    });
    wait_until_closed(&client).await;
    assert_eq!(
        client.status(),
        Status::Closed,
        "the 204 after the last event closes"
    );
    assert_eq!(*batched.borrow(), ids_upto(60));
    assert_eq!(*per_event.borrow(), ids_upto(60));
    log(&format!("60 events in {} batch calls", calls.get()));
    assert!(calls.get() <= 60);
}

#[wasm_bindgen_test]
async fn a_listener_that_reconnects_mid_chunk_resumes_from_the_event_it_saw() {
    // Events are delivered after their whole chunk is parsed: the ID a reconnect resumes from
    // must still be the listener's event, not the chunk's last (that would lose events).
    let session = session("reconnect-mid-chunk");
    let client = Client::connect(ClientOptions::new(burst_url(&session)));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (sink, handle, done) = (seen.clone(), client.clone(), Rc::new(Cell::new(false)));
    let once = done.clone();
    client.on(Listen::AnyEvent, move |e| {
        if let ClientEvent::Message(m) = e {
            sink.borrow_mut().push(m.last_event_id.clone());
            if m.last_event_id == "5" && !once.replace(true) {
                handle.reconnect();
            }
        }
    });
    wait_until_closed(&client).await;
    assert!(done.get());
    let seen = seen.borrow().clone();
    assert_resumed_from_5(&session, &seen).await;
}

#[wasm_bindgen_test]
async fn a_batch_listener_may_resume_from_where_it_stopped() {
    let session = session("batch-resume");
    let client = Client::connect(ClientOptions::new(burst_url(&session)));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (sink, handle, done) = (seen.clone(), client.clone(), Rc::new(Cell::new(false)));
    let once = done.clone();
    client.on(Listen::Messages, move |e| {
        if let ClientEvent::Messages(batch) = e {
            for m in *batch {
                sink.borrow_mut().push(m.last_event_id.to_owned());
                if m.last_event_id == "5" && !once.replace(true) {
                    handle.reconnect_from(m.last_event_id);
                    return;
                }
            }
        }
    });
    wait_until_closed(&client).await;
    assert!(done.get());
    let seen = seen.borrow().clone();
    assert_resumed_from_5(&session, &seen).await;
}

/// Both resume tests: every event once, in order, and the second request resumed from `5`.
async fn assert_resumed_from_5(session: &str, seen: &[String]) {
    assert_eq!(seen, ids_upto(60), "nothing lost, nothing twice");
    let stats = wait_for_server(session, |s| s.open == 0).await;
    assert_eq!(stats.last_event_ids.get(1), Some(&Some("5".to_owned())));
}
