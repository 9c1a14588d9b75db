//! Outside a browser (the `ssr` feature, or any native target) the hooks create no JS object
//! (a native `js_sys` call would panic) and hand out closed signals.
#![cfg(not(target_arch = "wasm32"))]

use leptos::prelude::*;
use tidings_leptos::{
    Status, UseSseOptions, expect_sse, provide_sse, use_sse, use_sse_context, use_sse_with_options,
};

#[derive(Clone, serde::Deserialize)]
struct Tick {
    #[allow(dead_code)]
    n: u64,
}

#[test]
fn hooks_return_closed_signals_and_controls_do_nothing() {
    let owner = Owner::new();
    owner.set();
    let url = RwSignal::new("/sse/ticks".to_owned());
    let sse = use_sse_with_options(
        url,
        UseSseOptions::<Tick>::json()
            .initial_last_event_id("41")
            .on_message(|_| panic!("no message under SSR")),
    );
    assert_eq!(sse.status.get_untracked(), Status::Closed);
    assert!(sse.message.get_untracked().is_none());
    assert!(sse.messages.get_untracked().is_empty());
    assert_eq!(sse.error.get_untracked(), None);
    assert_eq!(sse.attempt.get_untracked(), 0);
    assert_eq!(sse.last_event_id.get_untracked(), "41");
    sse.open();
    sse.reconnect();
    url.set("/sse/other".to_owned());
    sse.close();
    assert_eq!(sse.status.get_untracked(), Status::Closed);

    let raw = use_sse("/sse/ticks");
    raw.open();
    assert_eq!(raw.status.get_untracked(), Status::Closed);
    owner.cleanup();
    // The controls stay harmless after the owner is gone.
    raw.reconnect();
}

#[test]
fn context_is_provided_under_ssr() {
    let owner = Owner::new();
    owner.set();
    assert!(use_sse_context::<String>().is_none());
    let provided = provide_sse("/sse/ticks", UseSseOptions::new());
    let child = owner.child();
    child.with(|| {
        let shared = expect_sse::<String>();
        assert_eq!(shared.status.get_untracked(), Status::Closed);
        assert_eq!(
            shared.status.get_untracked(),
            provided.status.get_untracked()
        );
    });
}
