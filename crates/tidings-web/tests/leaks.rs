//! Leak tests, in their own test binary (and so their own page): the live-handle counters are
//! global, so no other client may run at the same time (wasm-bindgen-test runs the tests of
//! one binary one after the other).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{Client, ClientOptions, LiveHandles, Transport, live_handles};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn report(name: &str, before: LiveHandles, peak: LiveHandles, after: LiveHandles) {
    log(&format!(
        "leaks {name}: before {} / peak {} / after {}\n  before {before:?}\n  peak   {peak:?}\n  after  {after:?}",
        before.total(),
        peak.total(),
        after.total()
    ));
}

#[wasm_bindgen_test]
async fn close_releases_every_handle_and_the_connection() {
    let before = live_handles();
    let session = session("leak-close");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?interval_ms=20&session={session}"
    ))));
    rec.wait_until(|s| s.ids().len() >= 2).await;
    assert_eq!(stats(&session).await.open, 1);
    assert!(live_handles().total() > before.total());
    rec.client.close();
    let received = rec.seen().ids().len();
    wait_for_server(&session, |s| s.open == 0).await;
    sleep(50).await;
    assert_eq!(
        rec.seen().ids().len(),
        received,
        "nothing delivered after close"
    );
    assert_eq!(settle(before).await, before);
}

async fn thousand_reconnects(transport: Transport) {
    const CONNECTIONS: u64 = 1001;
    let before = live_handles();
    let session = session("leak-reconnects");
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/drop?after=1&count={CONNECTIONS}&session={session}"
        )))
        .transport(transport)
        .policy(fast_policy(1)),
    );
    let mut peak = before;
    for _ in 0..2400 {
        let now = live_handles();
        if now.total() > peak.total() {
            peak = now;
        }
        if rec.seen().events.len() as u64 >= CONNECTIONS {
            break;
        }
        sleep(25).await;
    }
    assert_eq!(rec.seen().ids(), ids_upto(CONNECTIONS));
    rec.client.close();
    let stats = wait_for_server_for(&session, 20_000, |s| s.open == 0).await;
    assert!(stats.total >= CONNECTIONS, "{} connections", stats.total);
    drop(rec);
    let after = settle(before).await;
    report(
        &format!("{transport:?} x{} connections", stats.total),
        before,
        peak,
        after,
    );
    assert_eq!(after, before);
    assert!(
        peak.total() <= before.total() + 12,
        "handles pile up: {peak:?}"
    );
}

#[wasm_bindgen_test]
async fn fetch_1000_reconnects_leave_no_handle_behind() {
    thousand_reconnects(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_1000_reconnects_leave_no_handle_behind() {
    thousand_reconnects(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn thousand_reconnect_calls_leave_no_handle_behind() {
    let before = live_handles();
    let session = session("leak-reconnect-calls");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?interval_ms=1000&session={session}"
    ))));
    let mut peak = before;
    for i in 0..1000 {
        rec.client.reconnect();
        if i % 50 == 0 {
            sleep(0).await;
        }
        let now = live_handles();
        if now.total() > peak.total() {
            peak = now;
        }
    }
    rec.wait_until(|s| !s.events.is_empty()).await;
    rec.client.close();
    let stats = wait_for_server_for(&session, 20_000, |s| s.open == 0).await;
    drop(rec);
    let after = settle(before).await;
    report(
        &format!("reconnect() x1000, server saw {}", stats.total),
        before,
        peak,
        after,
    );
    assert_eq!(after, before);
}

async fn create_close_cycles(transport: Transport) {
    const CYCLES: u32 = 1000;
    let before = live_handles();
    let session = session("leak-cycles");
    let mut peak = before;
    for i in 0..CYCLES {
        let client = Client::connect(
            ClientOptions::new(url(&format!("/sse/ticks?interval_ms=5&session={session}")))
                .transport(transport),
        );
        if i % 2 == 0 {
            // Half of them get to start their connection before closing.
            sleep(0).await;
        }
        let now = live_handles();
        if now.total() > peak.total() {
            peak = now;
        }
        // A third are dropped without close.
        if i % 3 != 0 {
            client.close();
        }
        drop(client);
        if i % 100 == 0 {
            sleep(1).await;
        }
    }
    let stats = wait_for_server_for(&session, 30_000, |s| s.open == 0).await;
    let after = settle(before).await;
    report(
        &format!(
            "{transport:?} {CYCLES} create/close cycles, server saw {}",
            stats.total
        ),
        before,
        peak,
        after,
    );
    assert_eq!(after, before);
    assert_eq!(stats.open, 0);
}

#[wasm_bindgen_test]
async fn fetch_1000_create_close_cycles_leave_no_handle_behind() {
    create_close_cycles(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn eventsource_1000_create_close_cycles_leave_no_handle_behind() {
    create_close_cycles(Transport::EventSource).await;
}
