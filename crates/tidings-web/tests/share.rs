//! Tab sharing with several clients in one page: they elect a leader over the same Web Lock and
//! talk over the same BroadcastChannel name exactly as tabs do (the cross-tab cases are in
//! tests/e2e/share.test.mjs). Its own test binary: the live-handle counters are global.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::{
    ClientOptions, ErrorKind, LiveHandles, Role, Share, Status, live_handles, share_key,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The counters once every earlier test's deferred drops ran: the tests of this binary run
/// one after the other, so this is the baseline each one must return to.
async fn baseline() -> LiveHandles {
    for _ in 0..150 {
        if live_handles().total() == 0 {
            break;
        }
        sleep(20).await;
    }
    live_handles()
}

fn assert_contiguous(ids: &[u64], what: &str) {
    assert!(!ids.is_empty(), "{what} received nothing");
    for pair in ids.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "{what}: {ids:?}");
    }
}

fn leaders(recs: &[&Recorder]) -> usize {
    recs.iter()
        .filter(|r| r.client.role() == Role::Leader)
        .count()
}

async fn wait_for_one_leader(recs: &[&Recorder]) {
    for _ in 0..150 {
        if leaders(recs) == 1
            && recs
                .iter()
                .all(|r| matches!(r.client.role(), Role::Leader | Role::Follower))
        {
            return;
        }
        sleep(20).await;
    }
    panic!(
        "no single leader: {:?}",
        recs.iter().map(|r| r.client.role()).collect::<Vec<_>>()
    );
}

#[wasm_bindgen_test]
async fn clients_share_one_connection_and_hand_over_without_loss() {
    let before = baseline().await;
    let session = session("share-handover");
    let options = ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")))
        .share(Share::Auto);
    let recs: Vec<Recorder> = (0..3).map(|_| Recorder::connect(options.clone())).collect();
    let all: Vec<&Recorder> = recs.iter().collect();
    wait_for_one_leader(&all).await;
    for rec in &recs {
        rec.wait_until(|s| s.events.len() >= 10).await;
    }
    let stats = stats(&session).await;
    assert_eq!((stats.open, stats.total), (1, 1), "{stats:?}");
    for rec in &recs {
        assert_eq!(rec.client.status(), Status::Open);
    }

    // Close the leader: the next client leads, resuming from the last ID it saw.
    let leader = recs
        .iter()
        .position(|r| r.client.role() == Role::Leader)
        .unwrap();
    recs[leader].client.close();
    let rest: Vec<&Recorder> = recs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != leader)
        .map(|(_, r)| r)
        .collect();
    let closed_at = now();
    wait_for_one_leader(&rest).await;
    assert!(now() - closed_at < 3_000.0, "a new leader within 3 s");
    let stats = wait_for_server(&session, |s| s.open == 1 && s.total == 2).await;
    assert!(stats.last_event_ids[1].is_some(), "{stats:?}");
    let at = rest[0].seen().events.len();
    for rec in &rest {
        rec.wait_until(|s| s.events.len() >= at + 10).await;
    }
    for (i, rec) in recs.iter().enumerate() {
        assert_contiguous(&rec.seen().numbers(), &format!("client {i}"));
    }
    // The last one to close ends the connection; nothing stays behind.
    for rec in &rest {
        rec.client.close();
    }
    wait_for_server(&session, |s| s.open == 0).await;
    drop(recs);
    assert_eq!(settle(before).await, before);
}

#[wasm_bindgen_test]
async fn a_follower_close_stops_only_its_own_delivery() {
    let before = baseline().await;
    let session = session("share-follower-close");
    let options = ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")))
        .share(Share::Key("follower-close".into()));
    let a = Recorder::connect(options.clone());
    let b = Recorder::connect(options);
    wait_for_one_leader(&[&a, &b]).await;
    let (leader, follower) = if a.client.role() == Role::Leader {
        (&a, &b)
    } else {
        (&b, &a)
    };
    follower.wait_until(|s| s.events.len() >= 3).await;
    follower.client.close();
    let stopped = follower.seen().events.len();
    let at = leader.seen().events.len();
    leader.wait_until(|s| s.events.len() >= at + 10).await;
    assert_eq!(follower.seen().events.len(), stopped);
    assert!(follower.seen().closed);
    assert_eq!(stats(&session).await.open, 1, "the leader keeps it");
    drop(a);
    drop(b);
    wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(settle(before).await, before);
}

#[wasm_bindgen_test]
async fn different_keys_and_unshared_clients_have_their_own_connections() {
    let session = session("share-keys");
    let base = ClientOptions::new(url(&format!("/sse/ticks?interval_ms=20&session={session}")));
    let recs = [
        Recorder::connect(base.clone().share(Share::Key("a".into()))),
        Recorder::connect(base.clone().share(Share::Key("a".into()))),
        Recorder::connect(base.clone().share(Share::Key("b".into()))),
        Recorder::connect(base.clone()),
    ];
    for rec in &recs {
        rec.wait_until(|s| s.events.len() >= 3).await;
    }
    assert_eq!(recs[3].client.role(), Role::Solo);
    assert_eq!(wait_for_server(&session, |s| s.open == 3).await.total, 3);
    drop(recs);
    wait_for_server(&session, |s| s.open == 0).await;
}

#[wasm_bindgen_test]
async fn auto_share_with_headers_or_credentials_needs_a_key() {
    let session = session("share-key-required");
    let options = ClientOptions::new(url(&format!("/sse/ticks?session={session}")))
        .header("Authorization", "Bearer t0k3n")
        .share(Share::Auto);
    assert_eq!(share_key(&options), Err(ErrorKind::ShareKeyRequired));
    let rec = Recorder::connect(options);
    rec.wait_until(|s| s.closed).await;
    assert_eq!(rec.seen().error_kinds(), ["share-key-required"]);
    assert_eq!(rec.client.status(), Status::Closed);
    assert_eq!(stats(&session).await.total, 0, "nothing was requested");
    let keyed = ClientOptions::new("/sse")
        .credentials(tidings_web::Credentials::Include)
        .share(Share::Key("k".into()));
    assert_eq!(share_key(&keyed), Ok(Some("key:k".into())));
}
