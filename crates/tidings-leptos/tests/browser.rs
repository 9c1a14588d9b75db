//! tidings-leptos in headless Chromium against the dev server: components mounted with
//! `mount_to`, messages checked in the DOM, connections checked in the server's stats.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use leptos::prelude::*;
use serde::Deserialize;
use tidings_leptos::{
    SseError, Status, UseSseOptions, UseSseReturn, expect_sse, provide_sse, use_sse,
    use_sse_with_options,
};
use tidings_web::Body;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Hands the hook's return value out of the component to the test.
type Slot<T> = Rc<RefCell<Option<UseSseReturn<T>>>>;

fn slot<T: Send + Sync + 'static>() -> Slot<T> {
    Rc::new(RefCell::new(None))
}

fn take<T: Send + Sync + 'static>(slot: &Slot<T>) -> UseSseReturn<T> {
    slot.borrow().expect("the component ran")
}

#[derive(Debug, Clone, Deserialize)]
struct Tick {
    n: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct Token {
    token: String,
}

/// A feed of raw messages: `<li>` per message in the history, the status and the last id.
fn feed(sse: UseSseReturn<String>) -> impl IntoView {
    view! {
        <span class="status">{move || sse.status.get().as_str()}</span>
        <span class="last-id">{move || sse.last_event_id.get()}</span>
        <span class="latest">{move || sse.message.get().map(|m| m.data).unwrap_or_default()}</span>
        <ul>
            {move || {
                sse.messages
                    .get()
                    .into_iter()
                    .map(|m| view! { <li>{m.last_event_id}</li> })
                    .collect_view()
            }}
        </ul>
    }
}

#[wasm_bindgen_test]
async fn messages_appear_in_the_dom() {
    let session = session("dom");
    let src = url(&format!(
        "/sse/ticks?count=3&interval_ms=10&session={session}"
    ));
    let (div, _mounted) = mount("dom", move || feed(use_sse(src)));

    wait_until("three items", || texts(&div, "li") == ["0", "1", "2"]).await;
    assert_eq!(text(&div, ".latest"), r#"{"n":2}"#);
    assert_eq!(text(&div, ".last-id"), "2");
    // The logical stream is complete: the resume request gets 204 and the client stops.
    wait_until("closed", || text(&div, ".status") == "closed").await;
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(stats.total, 2, "{stats:?}");
    assert_eq!(stats.last_event_ids[1].as_deref(), Some("2"));
}

#[wasm_bindgen_test]
async fn json_data_is_decoded_and_history_is_bounded() {
    let session = session("json");
    let src = url(&format!(
        "/sse/ticks?count=10&interval_ms=0&session={session}"
    ));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let out = slot::<Tick>();
    let out_in = out.clone();
    let (div, _mounted) = mount("json", move || {
        let sse = use_sse_with_options(
            src,
            UseSseOptions::<Tick>::json()
                .history(3)
                .on_message(move |m| sink.borrow_mut().push(m.data.n)),
        );
        *out_in.borrow_mut() = Some(sse);
        view! {
            <ol>{move || sse.messages.get().into_iter().map(|m| view! { <li>{m.data.n}</li> }).collect_view()}</ol>
        }
    });
    let sse = take(&out);
    wait_until("closed", || {
        sse.status.get_untracked() == Status::Closed && seen.borrow().len() == 10
    })
    .await;
    // Every event reached the callback even though they arrived faster than renders.
    assert_eq!(*seen.borrow(), (0..10).collect::<Vec<u64>>());
    wait_until("the last three", || texts(&div, "li") == ["7", "8", "9"]).await;
    assert_eq!(sse.message.get_untracked().map(|m| m.data.n), Some(9));
    // The only error is the server's 204 that ended the stream: nothing failed to decode.
    let error = sse.error.get_untracked().expect("the final 204");
    assert_eq!(error.kind_name(), "http");
    assert!(!error.will_retry());
}

#[wasm_bindgen_test]
async fn json_decode_error_is_surfaced() {
    let session = session("decode");
    // Ticks carry {"n":..}: a Token decoder refuses every one of them.
    let src = url(&format!(
        "/sse/ticks?count=2&interval_ms=0&session={session}"
    ));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let sink = errors.clone();
    let out = slot::<Token>();
    let out_in = out.clone();
    let (div, _mounted) = mount("decode", move || {
        let sse = use_sse_with_options(
            src,
            UseSseOptions::<Token>::json().on_error(move |e| sink.borrow_mut().push(e.clone())),
        );
        *out_in.borrow_mut() = Some(sse);
        view! {
            <p class="error">{move || sse.error.get().map(|e| e.kind_name()).unwrap_or("none")}</p>
        }
    });
    let sse = take(&out);
    wait_until("two decode errors", || errors.borrow().len() >= 2).await;
    wait_until("the error in the DOM", || text(&div, ".error") == "decode").await;
    match &errors.borrow()[0] {
        SseError::Decode(e) => {
            assert_eq!(e.data, r#"{"n":0}"#);
            assert_eq!(e.last_event_id, "0");
            assert!(e.message.contains("token"), "{e}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // Refused data is reported, not delivered; the stream itself went on.
    assert!(sse.message.get_untracked().is_none());
    assert!(sse.messages.get_untracked().is_empty());
    assert_eq!(sse.last_event_id.get_untracked(), "1");
}

#[wasm_bindgen_test]
async fn llm_post_stream_until_done() {
    let session = session("llm");
    let src = url(&format!("/sse/llm?session={session}"));
    let answer = RwSignal::new(String::new());
    let out = slot::<Token>();
    let out_in = out.clone();
    let (div, _mounted) = mount("llm", move || {
        let sse = use_sse_with_options(
            src,
            UseSseOptions::<Token>::json()
                .method("POST")
                .body(Body::Json(
                    r#"{"prompt":"hello leptos","tokens":8,"delay_ms":5}"#.into(),
                ))
                .one_shot(true)
                .done_sentinel("[DONE]")
                .history(0)
                .on_message(move |m| answer.update(|a| a.push_str(&m.data.token))),
        );
        *out_in.borrow_mut() = Some(sse);
        view! { <p class="answer">{move || answer.get()}</p> }
    });
    let sse = take(&out);
    // `status` starts Closed (as under SSR) and turns Connecting on the first tick.
    assert_eq!(sse.status.get_untracked(), Status::Closed);
    wait_until("connecting", || {
        sse.status.get_untracked() != Status::Closed
    })
    .await;
    wait_until("closed", || sse.status.get_untracked() == Status::Closed).await;
    let shown = text(&div, ".answer");
    assert!(shown.starts_with("You asked: hello leptos"), "{shown:?}");
    // The sentinel ended the stream cleanly: no error, no decode error for `[DONE]`.
    assert_eq!(sse.error.get_untracked(), None);
    assert!(
        sse.messages.get_untracked().is_empty(),
        "history(0) keeps none"
    );
    let stats = wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(stats.total, 1);
    assert_eq!(stats.methods, ["POST"]);
}

#[wasm_bindgen_test]
async fn llm_reply_cut_before_done_shows_the_incomplete_error() {
    let session = session("llm-incomplete");
    let src = url(&format!("/sse/llm/resumable?cut_after=3&session={session}"));
    let out = slot::<Token>();
    let out_in = out.clone();
    let (_div, _mounted) = mount("llm-incomplete", move || {
        let sse = use_sse_with_options(
            src,
            UseSseOptions::<Token>::json()
                .method("POST")
                .body(Body::Json(r#"{"tokens":8,"delay_ms":2}"#.into()))
                .one_shot(true)
                .done_sentinel("[DONE]"),
        );
        *out_in.borrow_mut() = Some(sse);
        view! { <p></p> }
    });
    let sse = take(&out);
    wait_until("an error", || sse.error.get_untracked().is_some()).await;
    wait_until("closed", || sse.status.get_untracked() == Status::Closed).await;
    match sse.error.get_untracked() {
        Some(SseError::Client(error)) => {
            assert_eq!(
                error.kind,
                tidings_web::ErrorKind::Incomplete {
                    last_event_id: "2".into(),
                    events: 3
                }
            );
            assert!(!error.will_retry);
        }
        other => panic!("expected the incomplete error, got {other:?}"),
    }
    assert_eq!(sse.last_event_id.get_untracked(), "2");
}

#[wasm_bindgen_test]
async fn url_change_reconnects() {
    let session = session("url");
    let first = url(&format!("/sse/ticks?interval_ms=30&session={session}"));
    let second = url(&format!(
        "/sse/ticks?interval_ms=30&start=100&session={session}"
    ));
    let src = RwSignal::new(first);
    let (div, _mounted) = mount("url", move || feed(use_sse(src)));

    wait_until("first stream", || texts(&div, "li").len() >= 2).await;
    src.set(second);
    wait_until("second stream", || {
        let ids = texts(&div, "li");
        ids.first()
            .is_some_and(|id| id.parse::<u64>().unwrap() >= 100)
    })
    .await;
    // The old stream's messages were cleared, and the old connection is gone.
    assert!(
        texts(&div, "li")
            .iter()
            .all(|id| id.parse::<u64>().unwrap() >= 100)
    );
    let stats = wait_for_server(&session, |s| s.total == 2 && s.open == 1).await;
    assert!(stats.queries[1].contains("start=100"), "{stats:?}");
    // A different URL is a different stream: no resume point carried over.
    assert_eq!(stats.last_event_ids[1], None);
}

#[wasm_bindgen_test]
async fn reconnect_resumes_with_last_event_id() {
    let session = session("resume");
    let src = url(&format!("/sse/ticks?interval_ms=30&session={session}"));
    let out = slot::<String>();
    let out_in = out.clone();
    let (div, _mounted) = mount("resume", move || {
        let sse = use_sse(src);
        *out_in.borrow_mut() = Some(sse);
        view! {
            {feed(sse)}
            <button on:click=move |_| sse.reconnect()>"reconnect"</button>
        }
    });
    let sse = take(&out);
    wait_until("three messages", || texts(&div, "li").len() >= 3).await;
    let button: web_sys::HtmlElement =
        wasm_bindgen::JsCast::unchecked_into(div.query_selector("button").unwrap().unwrap());
    button.click();
    let resumed_from = sse.last_event_id.get_untracked();
    let stats = wait_for_server(&session, |s| s.total == 2 && s.open == 1).await;
    let header = stats.last_event_ids[1].clone().expect("Last-Event-ID sent");
    assert!(header.parse::<u64>().unwrap() >= resumed_from.parse::<u64>().unwrap());
    // The feed goes on from there, without a gap or a repeat.
    let before = texts(&div, "li").len();
    wait_until("more messages", || texts(&div, "li").len() >= before + 2).await;
    let ids: Vec<u64> = texts(&div, "li")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    assert_eq!(sse.status.get_untracked(), Status::Open);
}

#[wasm_bindgen_test]
async fn close_then_open_resumes_and_immediate_false_waits() {
    let session = session("open");
    let src = url(&format!("/sse/ticks?interval_ms=30&session={session}"));
    let out = slot::<String>();
    let out_in = out.clone();
    let (div, _mounted) = mount("open", move || {
        let sse = use_sse_with_options(src, UseSseOptions::new().immediate(false));
        *out_in.borrow_mut() = Some(sse);
        feed(sse)
    });
    let sse = take(&out);
    sleep(300).await;
    assert_eq!(
        stats(&session).await.total,
        0,
        "immediate(false) must not connect"
    );
    assert_eq!(text(&div, ".status"), "closed");

    sse.open();
    wait_until("messages", || texts(&div, "li").len() >= 2).await;
    sse.close();
    assert_eq!(sse.status.get_untracked(), Status::Closed);
    wait_for_server(&session, |s| s.open == 0 && s.total == 1).await;
    let last = sse.last_event_id.get_untracked();

    sse.open();
    let stats = wait_for_server(&session, |s| s.total == 2 && s.open == 1).await;
    assert_eq!(stats.last_event_ids[1].as_deref(), Some(last.as_str()));
    wait_until("open", || text(&div, ".status") == "open").await;
}

#[wasm_bindgen_test]
async fn unmount_closes_the_connection() {
    let session = session("unmount");
    let src = url(&format!("/sse/ticks?interval_ms=30&session={session}"));
    let handles_before = tidings_web::live_handles().total();
    let (div, mounted) = mount("unmount", move || feed(use_sse(src)));
    wait_until("messages", || texts(&div, "li").len() >= 2).await;
    wait_for_server(&session, |s| s.open == 1).await;

    drop(mounted);
    assert!(texts(&div, "li").is_empty(), "the view is gone");
    let after = wait_for_server(&session, |s| s.open == 0).await;
    assert_eq!(after.total, 1);
    // Nothing reconnects later, and every browser handle was released.
    sleep(500).await;
    assert_eq!(stats(&session).await.total, 1);
    wait_until("handles released", || {
        tidings_web::live_handles().total() <= handles_before
    })
    .await;
}

#[component]
fn Latest(label: &'static str) -> impl IntoView {
    let sse = expect_sse::<String>();
    view! {
        <p class="shared">
            {label} ": " {move || sse.message.get().map(|m| m.last_event_id).unwrap_or_default()}
        </p>
    }
}

#[wasm_bindgen_test]
async fn context_shares_one_connection() {
    let session = session("context");
    let src = url(&format!(
        "/sse/ticks?count=4&interval_ms=20&session={session}"
    ));
    let (div, mounted) = mount("context", move || {
        provide_sse(src, UseSseOptions::new());
        view! {
            <Latest label="a"/>
            <Latest label="b"/>
            <Latest label="c"/>
        }
    });
    wait_until("every reader sees the last event", || {
        texts(&div, ".shared") == ["a: 3", "b: 3", "c: 3"]
    })
    .await;
    // One connection for three readers, plus the one resume request that the server answers
    // 204 once the logical stream is complete.
    wait_for_server(&session, |s| s.open == 0 && s.total >= 2).await;
    sleep(300).await;
    let stats = stats(&session).await;
    assert_eq!(stats.total, 2, "{stats:?}");
    drop(mounted);
}

#[wasm_bindgen_test]
async fn http_error_is_reported_and_stops() {
    let session = session("http");
    let src = url(&format!("/sse/status/404?session={session}"));
    let out = slot::<String>();
    let out_in = out.clone();
    let (div, _mounted) = mount("http", move || {
        let sse = use_sse(src);
        *out_in.borrow_mut() = Some(sse);
        view! { <p class="error">{move || sse.error.get().map(|e| e.to_string()).unwrap_or_default()}</p> }
    });
    let sse = take(&out);
    wait_until("the error", || !text(&div, ".error").is_empty()).await;
    assert_eq!(
        sse.error.get_untracked().map(|e| e.kind_name()),
        Some("http")
    );
    assert!(
        text(&div, ".error").contains("404"),
        "{}",
        text(&div, ".error")
    );
    wait_until("closed", || sse.status.get_untracked() == Status::Closed).await;
    assert!(!sse.error.get_untracked().unwrap().will_retry());
    sleep(300).await;
    assert_eq!(stats(&session).await.total, 1, "4xx stops");
}

#[wasm_bindgen_test]
async fn shared_hooks_hold_one_connection_and_see_the_same_events() {
    // Two components with `share` in one page elect a leader over the same Web Lock and
    // BroadcastChannel as two tabs do (tests/e2e/share.test.mjs has the cross-tab cases).
    let session = session("share");
    let src = url(&format!("/sse/ticks?interval_ms=20&session={session}"));
    let options = || {
        UseSseOptions::new()
            .share(tidings_web::Share::Auto)
            .history(500)
    };
    let (a, _a) = mount("share-a", {
        let src = src.clone();
        move || feed(use_sse_with_options(src, options()))
    });
    let (b, _b) = mount("share-b", move || {
        feed(use_sse_with_options(src, options()))
    });
    wait_until("both receive", || {
        texts(&a, "li").len() >= 8 && texts(&b, "li").len() >= 8
    })
    .await;
    let stats = stats(&session).await;
    assert_eq!((stats.open, stats.total), (1, 1), "{stats:?}");
    for div in [&a, &b] {
        let ids: Vec<u64> = texts(div, "li")
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    }
    assert_eq!(text(&a, ".status"), "open");
    assert_eq!(text(&b, ".status"), "open");
}
