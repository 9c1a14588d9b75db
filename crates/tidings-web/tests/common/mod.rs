//! Helpers shared by the browser tests: the server address, a recorder of client
//! notifications, bounded waits, and the dev server's per-session stats.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use tidings_web::{Client, ClientError, ClientEvent, ClientOptions, Listen, Status};
use wasm_bindgen::JsCast;

/// The dev server's base URL, fixed at compile time by `scripts/test.sh`.
// Not `env!`: clippy and `cargo check` must still build the tests without a server running.
#[allow(clippy::option_env_unwrap)]
pub fn server() -> &'static str {
    option_env!("TIDINGS_TEST_SERVER")
        .expect("TIDINGS_TEST_SERVER must name the dev server (scripts/test.sh sets it)")
}

/// An absolute URL on the dev server.
pub fn url(path: &str) -> String {
    format!("{}{path}", server())
}

/// A session name unique to this test run, so parallel runs and reruns never share records.
pub fn session(name: &str) -> String {
    let nonce = (js_sys::Math::random() * 1e9) as u64;
    format!("{name}-{nonce}")
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Everything a client reported.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub opens: u32,
    pub open_statuses: Vec<Option<u16>>,
    /// (type, data, last event id)
    pub events: Vec<(String, String, String)>,
    pub errors: Vec<ClientError>,
    pub statuses: Vec<Status>,
    pub retries: Vec<u64>,
    pub comments: Vec<String>,
    pub closed: bool,
}

impl Seen {
    pub fn ids(&self) -> Vec<String> {
        self.events.iter().map(|(_, _, id)| id.clone()).collect()
    }
    pub fn data(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(_, data, _)| data.clone())
            .collect()
    }
}

/// A client plus everything it reported.
pub struct Recorder {
    pub client: Client,
    pub seen: Rc<RefCell<Seen>>,
}

impl Recorder {
    pub fn connect(options: ClientOptions) -> Recorder {
        let client = Client::connect(options);
        let seen = Rc::new(RefCell::new(Seen::default()));
        let sink = seen.clone();
        client.on(Listen::AnyEvent, move |e| {
            if let ClientEvent::Message(m) = e {
                sink.borrow_mut().events.push((
                    m.event_type.clone(),
                    m.data.clone(),
                    m.last_event_id.clone(),
                ));
            }
        });
        for listen in [
            Listen::Open,
            Listen::Error,
            Listen::Status,
            Listen::Retry,
            Listen::Comment,
            Listen::Close,
        ] {
            let sink = seen.clone();
            client.on(listen, move |e| {
                let mut seen = sink.borrow_mut();
                match e {
                    ClientEvent::Open(info) => {
                        seen.opens += 1;
                        seen.open_statuses.push(info.status);
                    }
                    ClientEvent::Error(error) => seen.errors.push((*error).clone()),
                    ClientEvent::Status(status) => seen.statuses.push(*status),
                    ClientEvent::Retry(ms) => seen.retries.push(*ms),
                    ClientEvent::Comment(text) => seen.comments.push((*text).to_owned()),
                    ClientEvent::Close => seen.closed = true,
                    _ => {}
                }
            });
        }
        Recorder { client, seen }
    }

    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits (at most ~10 s) until `done` holds.
    pub async fn wait_until(&self, done: impl Fn(&Seen) -> bool) {
        for _ in 0..400 {
            if done(&self.seen.borrow()) {
                return;
            }
            sleep(25).await;
        }
        panic!("timed out; seen: {:?}", self.seen.borrow());
    }
}

/// The dev server's records for one session.
#[derive(Debug, Default)]
pub struct Stats {
    pub open: u64,
    pub total: u64,
    /// The `Last-Event-ID` header of each request, in order.
    pub last_event_ids: Vec<Option<String>>,
    pub authorization: Vec<bool>,
    pub cookie: Vec<bool>,
    pub queries: Vec<String>,
}

async fn fetch_json(url: &str) -> wasm_bindgen::JsValue {
    let window = web_sys::window().unwrap();
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
            .await
            .unwrap()
            .unchecked_into();
    wasm_bindgen_futures::JsFuture::from(response.json().unwrap())
        .await
        .unwrap()
}

fn field(value: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(value, &key.into()).unwrap()
}

pub async fn stats(session: &str) -> Stats {
    let json = fetch_json(&url(&format!("/control/stats?session={session}"))).await;
    let requests = js_sys::Array::from(&field(&json, "requests"));
    Stats {
        open: field(&json, "open").as_f64().unwrap() as u64,
        total: field(&json, "total").as_f64().unwrap() as u64,
        last_event_ids: requests
            .iter()
            .map(|r| field(&r, "last_event_id").as_string())
            .collect(),
        authorization: requests
            .iter()
            .map(|r| field(&r, "authorization").is_truthy())
            .collect(),
        cookie: requests
            .iter()
            .map(|r| field(&r, "cookie").is_truthy())
            .collect(),
        queries: requests
            .iter()
            .map(|r| field(&r, "query").as_string().unwrap_or_default())
            .collect(),
    }
}

/// Waits (at most ~10 s) until the server's stats for `session` satisfy `done`.
pub async fn wait_for_server(session: &str, done: impl Fn(&Stats) -> bool) -> Stats {
    for _ in 0..200 {
        let stats = stats(session).await;
        if done(&stats) {
            return stats;
        }
        sleep(50).await;
    }
    let stats = stats(session).await;
    panic!("server never reached the expected state: {stats:?}");
}
