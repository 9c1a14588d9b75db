//! Chaos: the server cuts every connection at a random byte offset (mid-event, mid-line,
//! mid-CRLF) 1,000+ times; the client must still deliver every id exactly once, in order.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeSet;

use common::*;
use tidings_web::{ClientOptions, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Events in the logical stream; with cuts of 1..=64 bytes (events are ~30 bytes with CRLF)
/// that makes well over 1,000 cut connections.
const EVENTS: u64 = 1500;

async fn chaos(transport: Transport, seed: u64) {
    let session = session("chaos");
    let started = now();
    let rec = Recorder::connect(
        ClientOptions::new(url(&format!(
            "/sse/drop?random=1&seed={seed}&max=64&count={EVENTS}&eol=crlf&session={session}"
        )))
        .transport(transport)
        // No jitter, 1 ms: with the server's `retry: 1` every reconnect is immediate.
        .policy(fast_policy(1)),
    );
    rec.wait_until_for(60_000, |s| s.events.len() as u64 >= EVENTS)
        .await;
    // Let anything that would be a duplicate arrive.
    sleep(300).await;
    rec.client.close();
    let elapsed = now() - started;
    let seen = rec.seen();
    let ids = seen.numbers();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    let lost = (0..EVENTS).filter(|i| !unique.contains(i)).count();
    let duplicated = ids.len() - unique.len();
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    // Every connection that served events but not the final stretch was cut.
    let served = stats.statuses.iter().filter(|s| **s == Some(200)).count();
    let drops = served.saturating_sub(1);
    let network_errors = seen
        .error_kinds()
        .iter()
        .filter(|k| **k == "network")
        .count();
    let mut by_status = std::collections::BTreeMap::new();
    for status in &stats.statuses {
        *by_status.entry(format!("{status:?}")).or_insert(0) += 1;
    }
    log(&format!(
        "chaos {transport:?}: server statuses {by_status:?}"
    ));
    log(&format!(
        "chaos {transport:?}: events {} (of {EVENTS}), drops {drops} (server connections {}, \
         client network errors {network_errors}), lost {lost}, duplicated {duplicated}, {elapsed:.0} ms",
        ids.len(),
        stats.total,
    ));
    assert_eq!(lost, 0);
    assert_eq!(duplicated, 0);
    assert_eq!(
        ids,
        (0..EVENTS).collect::<Vec<_>>(),
        "exactly 0..N in order"
    );
    assert!(drops >= 1000, "only {drops} drops");
    if transport == Transport::Fetch {
        // Every connection but the final stretch was cut and must be reported exactly once.
        // The final stretch may have been cut too, after its last complete event (e.g. between
        // the CR and the LF of the last CRLF: the CR already ends the line), so the client has
        // every event, reports that cut, and the next request gets the 204.
        assert!(
            network_errors == drops || network_errors == served,
            "each cut reported once: {network_errors} network errors for {served} connections \
             that served events"
        );
    }
    assert!(elapsed < 60_000.0);
}

#[wasm_bindgen_test]
async fn fetch_survives_1000_random_cuts_without_gap_or_duplicate() {
    chaos(Transport::Fetch, 7).await;
}

#[wasm_bindgen_test]
async fn eventsource_survives_1000_random_cuts_without_gap_or_duplicate() {
    chaos(Transport::EventSource, 11).await;
}
