//! The last event ID of blocks without data: WHATWG HTML §9.2.6 "dispatch the event" sets the
//! event source's last event ID before it drops an event whose data buffer is empty, so
//! `id: 9` followed by a blank line moves it, and the next reconnect sends `Last-Event-ID: 9`
//! (as the browser's EventSource does).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::*;
use tidings_web::{ClientEvent, ClientOptions, Listen};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The first response is `id: 1`, `retry: 200`, `data: hello`, then `id: 9` alone, then the
/// end; a reconnect is answered with its `Last-Event-ID` as data.
fn id_only_url(session: &str) -> String {
    url(&format!(
        "/sse/last-event-id?idvalue=1&then_id=9&session={session}"
    ))
}

#[wasm_bindgen_test]
async fn an_id_only_block_moves_the_last_event_id_that_the_reconnect_sends() {
    let session = session("id-only-block");
    let rec = Recorder::connect(ClientOptions::new(id_only_url(&session)));
    rec.wait_until_for(5_000, |s| s.events.len() >= 2).await;
    rec.client.close();
    let stats = stats(&session).await;
    assert_eq!(stats.last_event_ids[..2], [None, Some("9".to_owned())]);
    let seen = rec.seen();
    let events: Vec<(String, String)> = seen.events[..2]
        .iter()
        .map(|(_, data, id)| (data.clone(), id.clone()))
        .collect();
    assert_eq!(
        events,
        [
            ("hello".to_owned(), "1".to_owned()),
            ("9".to_owned(), "9".to_owned())
        ]
    );
    assert_eq!(rec.client.last_event_id(), "9");
}

#[wasm_bindgen_test]
async fn a_listener_that_reconnects_on_the_event_before_an_id_only_block_resumes_from_its_event() {
    // The ID-only block comes after `hello` in the same body: a listener that reconnects on
    // `hello` ends that connection, so the block's ID must not move the last event ID.
    let session = session("id-only-block-reconnect");
    let client = tidings_web::Client::connect(ClientOptions::new(id_only_url(&session)));
    let reconnected = Rc::new(Cell::new(false));
    let (handle, once) = (client.clone(), reconnected.clone());
    client.on(Listen::AnyEvent, move |e| {
        if let ClientEvent::Message(m) = e
            && m.data == "hello"
            && !once.replace(true)
        {
            handle.reconnect();
        }
    });
    // What the client holds as its last event ID when each connection opens: after the
    // reconnect, still `1` (a late `9` would be sent by the reconnect after that).
    let at_open = Rc::new(RefCell::new(Vec::new()));
    let (sink, handle) = (at_open.clone(), client.clone());
    client.on(Listen::Open, move |_| {
        sink.borrow_mut().push(handle.last_event_id())
    });
    let stats = wait_for_server_for(&session, 5_000, |s| s.total >= 2).await;
    for _ in 0..100 {
        if at_open.borrow().len() >= 2 {
            break;
        }
        sleep(50).await;
    }
    client.close();
    assert!(reconnected.get());
    assert_eq!(stats.last_event_ids[..2], [None, Some("1".to_owned())]);
    assert_eq!(at_open.borrow()[..2], ["", "1"]);
}
