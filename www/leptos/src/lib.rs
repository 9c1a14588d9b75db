//! The tidings Leptos demo: a live feed of `/sse/ticks` with a status badge, sharing one
//! connection between components through context, and an LLM-style answer streamed by
//! `POST /sse/llm` (one-shot, ended by `[DONE]`). Built by `scripts/build-leptos-demo.sh` into
//! `www/dist/leptos/`, served by the dev server at `/dist/leptos/index.html`.

use leptos::prelude::*;
use serde::Deserialize;
use tidings_leptos::{Status, UseSseOptions, expect_sse, provide_sse, use_sse_with_options};
use tidings_web::Body;

/// One tick of `/sse/ticks`: `data: {"n": i}`.
#[derive(Debug, Clone, Deserialize)]
struct Tick {
    n: u64,
}

/// One token of `/sse/llm`: `data: {"token": "..."}`.
#[derive(Debug, Clone, Deserialize)]
struct Token {
    token: String,
}

/// Mounts the demo on `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"tidings"</a>
            <nav>
                <a href="/">"Vanilla"</a>
                <a href="/dist/react/index.html">"React"</a>
                <a href="/dist/vue/index.html">"Vue"</a>
                <a href="/dist/leptos/index.html" aria-current="page">"Leptos"</a>
            </nav>
        </header>
        <main class="page">
            <div class="page-head">
                <div>
                    <h1>"tidings · Leptos"</h1>
                    <p>
                        "Rust all the way: " <code>"tidings-leptos"</code>
                        " hooks turn Server-Sent Events into Leptos signals."
                    </p>
                </div>
            </div>
            <div class="cols even">
                <LiveTicks/>
                <LlmAnswer/>
            </div>
        </main>
    }
}

/// Opens `/sse/ticks` once and shares it with the badge and the feed through context.
#[component]
fn LiveTicks() -> impl IntoView {
    let sse = provide_sse(
        "/sse/ticks?interval_ms=500&session=demo-leptos",
        UseSseOptions::<Tick>::json().history(20),
    );
    let running = move || sse.status.get() != Status::Closed;
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Live ticks " <StatusBadge/></h2>
                <div class="controls" style="display: flex; gap: .5rem">
                    <button
                        id="toggle"
                        type="button"
                        on:click=move |_| if running() { sse.close() } else { sse.open() }
                    >
                        {move || if running() { "Disconnect" } else { "Connect" }}
                    </button>
                    <button id="reconnect" type="button" on:click=move |_| sse.reconnect()>
                        "Reconnect"
                    </button>
                </div>
            </div>
            <p class="hint">
                <code>"use_sse_with_options(\"/sse/ticks\", UseSseOptions::<Tick>::json())"</code>
                ", shared by " <code>"provide_sse"</code> "; a reconnect resumes from the last event ID."
            </p>
            <p>
                "Last event ID: " <strong id="last-id">{move || sse.last_event_id.get()}</strong>
                " · attempt " <strong id="attempt">{move || sse.attempt.get()}</strong>
            </p>
            <p id="error" class="hint">{move || sse.error.get().map(|e| e.to_string())}</p>
            <Feed/>
        </section>
    }
}

/// The shared stream's status as a badge (the same `data-status` styles as the other demos).
#[component]
fn StatusBadge() -> impl IntoView {
    let sse = expect_sse::<Tick>();
    let status = move || sse.status.get().as_str();
    view! { <span id="status" class="badge" data-status=status>{status}</span> }
}

/// The last ticks, newest first.
#[component]
fn Feed() -> impl IntoView {
    let sse = expect_sse::<Tick>();
    view! {
        <ol id="events" reversed>
            {move || {
                sse.messages
                    .get()
                    .into_iter()
                    .rev()
                    .map(|m| view! { <li data-id=m.last_event_id>"tick " {m.data.n}</li> })
                    .collect_view()
            }}
        </ol>
    }
}

/// An LLM-style answer: each Send mounts a fresh one-shot POST stream.
#[component]
fn LlmAnswer() -> impl IntoView {
    let prompt = RwSignal::new("Why is the sky blue?".to_owned());
    // Bumped per Send: the keyed block below remounts, so the old stream's owner is cleaned
    // up (its connection closed) and a new one starts.
    let run = RwSignal::new(0u32);
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"LLM-style stream"</h2>
            </div>
            <p class="hint">
                <code>"POST /sse/llm"</code> " with a JSON body, " <code>".one_shot(true)"</code>
                " and " <code>".done_sentinel(\"[DONE]\")"</code> "."
            </p>
            <textarea
                id="prompt"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <button id="send" class="primary" type="button" on:click=move |_| run.update(|n| *n += 1)>
                    "Send"
                </button>
            </div>
            {move || {
                let n = run.get();
                (n > 0).then(|| view! { <Answer prompt=prompt.get_untracked()/> })
            }}
        </section>
    }
}

/// One answer: the tokens as they arrive, and the stream's status.
#[component]
fn Answer(prompt: String) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let body = serde_json::json!({ "prompt": prompt, "tokens": 40, "delay_ms": 40 }).to_string();
    let sse = use_sse_with_options(
        "/sse/llm?session=demo-leptos-llm",
        UseSseOptions::<Token>::json()
            .method("POST")
            .body(Body::Json(body))
            .one_shot(true)
            .done_sentinel("[DONE]")
            .history(0)
            .on_message(move |m| text.update(|t| t.push_str(&m.data.token))),
    );
    let status = move || match (sse.status.get(), sse.error.get().is_some()) {
        (Status::Closed, true) => "error",
        (Status::Closed, false) => "done",
        (Status::Open, _) => "streaming",
        (other, _) => other.as_str(),
    };
    view! {
        <p>
            <span id="llm-status" class="badge" data-status=status>{status}</span>
        </p>
        <pre id="answer" class="answer" style="white-space: pre-wrap">{move || text.get()}</pre>
        <p class="hint">{move || sse.error.get().map(|e| e.to_string())}</p>
    }
}
