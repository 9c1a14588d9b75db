//! Leak tests, in their own test binary (and so their own page): the live-handle counters are
//! global, so no other client may run at the same time.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use tidings_web::ClientOptions;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn close_releases_every_handle_and_the_connection() {
    let before = tidings_web::live_handles();
    let session = session("leak-close");
    let rec = Recorder::connect(ClientOptions::new(url(&format!(
        "/sse/ticks?interval_ms=20&session={session}"
    ))));
    rec.wait_until(|s| s.ids().len() >= 2).await;
    assert_eq!(stats(&session).await.open, 1);
    assert!(tidings_web::live_handles().total() > before.total());
    rec.client.close();
    let received = rec.seen().ids().len();
    wait_for_server(&session, |s| s.open == 0).await;
    sleep(50).await;
    assert_eq!(
        rec.seen().ids().len(),
        received,
        "nothing delivered after close"
    );
    assert_eq!(tidings_web::live_handles(), before);
}
