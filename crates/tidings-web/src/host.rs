//! The JS host (`js/host.js`): every browser call of the client — fetch and its body reader,
//! EventSource, timers, DOM listeners, sessionStorage, microtasks — behind one object with a
//! handful of methods, and one callback by which it reports back.
//!
//! Rust still decides everything: what to request, whether to read on after a chunk, when to
//! reconnect. The host only makes the calls. Why not web-sys and `async`: each web-sys method
//! is an import with a glue function of its own (the client used about 90), and each `async`
//! step a state machine driven by the futures executor; the npm package's client module was
//! mostly those (tests/bench/findings.md, "Lean client").
//!
//! Resources (a fetch, a timer, an EventSource, a client's DOM listeners) are [`Resource`]s:
//! a number the host knows them by and a handler for the host's reports about them. Dropping
//! the `Resource` releases the browser object; after that nothing more is reported about it.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, OnceCell};

use crate::cell::RefCell;

use wasm_bindgen::prelude::*;

/// What a report from the host is about (the `what` of `dispatch`). The same numbers are at the
/// top of `js/host.js`.
pub(crate) mod report {
    /// `n`: the status; text: the status text, then `name\nvalue\n` per response header.
    pub(crate) const HEAD: u32 = 1;
    /// `n`: a chunk's length; the handler returns where in memory to copy it (0: nowhere).
    pub(crate) const CHUNK: u32 = 2;
    /// `n`: the length of the chunk now in place; the handler returns 1 to read on, 0 to stop.
    pub(crate) const FED: u32 = 3;
    /// The body ended.
    pub(crate) const END: u32 = 4;
    /// text: what failed.
    pub(crate) const FAIL: u32 = 5;
    /// The timer fired.
    pub(crate) const TIMER: u32 = 6;
    pub(crate) const ONLINE: u32 = 7;
    pub(crate) const OFFLINE: u32 = 8;
    /// `n`: 1 when the document is hidden.
    pub(crate) const VISIBILITY: u32 = 9;
    /// The caller's `AbortSignal` fired.
    pub(crate) const ABORT: u32 = 10;
    pub(crate) const ES_OPEN: u32 = 11;
    /// `n`: 1 while the browser reconnects by itself, 0 when it gave up.
    pub(crate) const ES_ERROR: u32 = 12;
    /// `n`: the index of the event type; text: `lastEventId\ndata`.
    pub(crate) const ES_MESSAGE: u32 = 13;
    /// text: `name\nvalue\n` per header of the caller's header function.
    pub(crate) const HEADERS: u32 = 14;
    /// With id 0: run the queued microtasks.
    pub(crate) const MICROTASK: u32 = 15;
    /// The Web Lock was granted (tab sharing).
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub(crate) const LOCK: u32 = 16;
    /// Another tab stole the lock.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub(crate) const LOST: u32 = 17;
    /// text: a `BroadcastChannel` message.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub(crate) const MESSAGE: u32 = 18;
    /// `pagehide` or `freeze`.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub(crate) const LEAVE: u32 = 19;
    /// `pageshow` or `resume`.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub(crate) const RETURN: u32 = 20;
}

/// What [`Host::command`] is asked to do (its `what`). The same numbers are in `js/host.js`.
///
/// One method for these five rather than one each: every reconnect makes four of them, and
/// each JS function a reconnect runs is compiled by V8 once it is hot, the compiled code then
/// staying on the heap: most of a reconnecting client's heap growth was that (issue 10's
/// memory figure, tests/bench/findings.md section 6).
mod command {
    /// Free resource `id`; nothing more is reported about it.
    pub(crate) const RELEASE: u32 = 1;
    /// Start timer `id`, to fire in `n` ms (`report::TIMER`).
    pub(crate) const SET_TIMER: u32 = 2;
    /// Read the body of fetch `id` (`report::CHUNK`, `FED`, then `END` or `FAIL`).
    pub(crate) const READ_BODY: u32 = 3;
    /// Report `report::MICROTASK` with id 0 from a microtask (once until it ran).
    pub(crate) const QUEUE_MICROTASK: u32 = 4;
    /// Answers the live count of counter `id` (a [`live`] index).
    pub(crate) const LIVE_COUNT: u32 = 5;
}

impl Host {
    /// Live browser handles of counter `kind` (a [`live`] index).
    pub(crate) fn live(&self, kind: u32) -> u32 {
        self.command(command::LIVE_COUNT, kind, 0.0)
    }

    /// Reads the body of fetch `id`.
    pub(crate) fn read(&self, id: u32) {
        self.command(command::READ_BODY, id, 0.0);
    }

    fn release(&self, id: u32) {
        self.command(command::RELEASE, id, 0.0);
    }

    fn set_timer(&self, id: u32, ms: u32) {
        self.command(command::SET_TIMER, id, f64::from(ms));
    }

    fn queue_microtask(&self) {
        self.command(command::QUEUE_MICROTASK, 0, 0.0);
    }
}

/// Counter indexes of [`Host::live`], in [`crate::LiveHandles`] order.
pub(crate) mod live {
    pub(crate) const EVENT_SOURCES: u32 = 0;
    pub(crate) const ABORT_CONTROLLERS: u32 = 1;
    pub(crate) const READERS: u32 = 2;
    pub(crate) const TIMERS: u32 = 3;
    pub(crate) const DOM_LISTENERS: u32 = 4;
    pub(crate) const LOCKS: u32 = 5;
    pub(crate) const CHANNELS: u32 = 6;
}

type Dispatch = Closure<dyn Fn(u32, u32, f64, Option<String>) -> u32>;

#[wasm_bindgen(module = "/js/host.js")]
extern "C" {
    /// The object `createHost` returns; its methods are documented in `js/host.js`.
    pub(crate) type Host;

    #[wasm_bindgen(js_name = createHost)]
    fn create_host(dispatch: &Dispatch, memory: &JsValue) -> Host;

    /// `Date.now`, imported as it is: a free function of numbers needs no glue function (a
    /// method of the host would get one, a JS function of its own on every reconnect's path).
    #[wasm_bindgen(js_name = now)]
    fn date_now() -> f64;
    /// `Math.random`, likewise.
    #[wasm_bindgen(js_name = random)]
    fn math_random() -> f64;
    /// The commands that carry only numbers (see [`command`]), through one method: one glue
    /// function, and one JS function, for all of them.
    #[wasm_bindgen(method)]
    fn command(this: &Host, what: u32, id: u32, n: f64) -> u32;
    #[wasm_bindgen(method)]
    pub(crate) fn watch(
        this: &Host,
        id: u32,
        online: bool,
        visibility: bool,
        signal: Option<&JsValue>,
        lifecycle: bool,
    );
    #[wasm_bindgen(method)]
    pub(crate) fn headers(this: &Host, id: u32, produce: &JsValue);
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(method)]
    pub(crate) fn fetch(
        this: &Host,
        id: u32,
        url: &str,
        method: &str,
        headers: &str,
        body_kind: u32,
        body_text: &str,
        body_bytes: Option<&[u8]>,
        credentials: u32,
        fetch_function: Option<&JsValue>,
    );
    #[wasm_bindgen(method, js_name = eventSource)]
    pub(crate) fn event_source(
        this: &Host,
        id: u32,
        url: &str,
        with_credentials: bool,
        types: &str,
    ) -> Option<String>;
    #[wasm_bindgen(method)]
    pub(crate) fn absolute(this: &Host, url: &str) -> String;
    #[cfg(feature = "share")]
    #[wasm_bindgen(method, js_name = canShare)]
    pub(crate) fn can_share(this: &Host) -> bool;
    #[cfg(feature = "share")]
    #[wasm_bindgen(method)]
    pub(crate) fn lock(this: &Host, id: u32, name: &str, steal: bool) -> bool;
    #[cfg(feature = "share")]
    #[wasm_bindgen(method)]
    pub(crate) fn channel(this: &Host, id: u32, name: &str) -> bool;
    #[cfg(feature = "share")]
    #[wasm_bindgen(method)]
    pub(crate) fn post(this: &Host, id: u32, text: &str);
    #[wasm_bindgen(method)]
    pub(crate) fn storage(this: &Host, op: u32, key: &str, value: &str) -> Option<String>;
}

/// Module-wide state. wasm32-unknown-unknown (without the atomics feature) runs on one
/// thread, which is what makes sharing these `Sync`; on other targets there is no host, so
/// no resource, handler or microtask is ever stored (see [`with_host`]).
struct Global<T>(T);

// SAFETY: see `Global`: one thread on wasm32, and nothing is ever stored elsewhere.
unsafe impl<T> Sync for Global<T> {}

/// The host and its callback, made on first use and kept for the module's life (one of each
/// per module: not per client or connection).
static HOST: Global<OnceCell<(Host, Dispatch)>> = Global(OnceCell::new());

/// A report handler: `(what, n, text) -> answer`.
type Handler = Rc<dyn Fn(u32, f64, Option<String>) -> u32>;

/// The live resources' handlers by id. A handful per client, so a list, searched from the end
/// (the newest resources are the busiest: the connection of the moment).
static HANDLERS: Global<RefCell<Vec<(u32, Handler)>>> = Global(RefCell::new(Vec::new()));
/// The last id given out (0 is never an id: it addresses the microtask queue).
static LAST_ID: Global<Cell<u32>> = Global(Cell::new(0));

type Task = Box<dyn FnOnce()>;
static MICROTASKS: Global<RefCell<Vec<Task>>> = Global(RefCell::new(Vec::new()));

/// Runs `f` with the host; `None` where there is none (native builds: tests and docs).
pub(crate) fn with_host<R>(f: impl FnOnce(&Host) -> R) -> Option<R> {
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    let (host, _) = HOST.0.get_or_init(|| {
        let dispatch = Dispatch::new(dispatch);
        (create_host(&dispatch, &wasm_bindgen::memory()), dispatch)
    });
    Some(f(host))
}

fn dispatch(id: u32, what: u32, n: f64, text: Option<String>) -> u32 {
    if id == 0 {
        if what == report::MICROTASK {
            run_microtasks();
        }
        return 0;
    }
    let handler = HANDLERS
        .0
        .borrow()
        .iter()
        .rev()
        .find(|(of, _)| *of == id)
        .map(|(_, handler)| handler.clone());
    handler.map_or(0, |handler| handler(what, n, text))
}

/// A browser object the host holds for Rust; dropping it releases the object.
pub(crate) struct Resource {
    id: u32,
}

impl Resource {
    /// Registers `handler` for the reports about a new resource. The caller then asks the host
    /// to make the object under [`Resource::id`].
    pub(crate) fn new(handler: impl Fn(u32, f64, Option<String>) -> u32 + 'static) -> Resource {
        let id = LAST_ID.0.get().wrapping_add(1).max(1);
        LAST_ID.0.set(id);
        if cfg!(target_arch = "wasm32") {
            HANDLERS.0.borrow_mut().push((id, Rc::new(handler)));
        }
        Resource { id }
    }

    /// The number the host knows this resource by.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }
}

impl Drop for Resource {
    fn drop(&mut self) {
        // Taken out first, dropped after the borrow: the handler may own other resources.
        let handler = {
            let mut handlers = HANDLERS.0.borrow_mut();
            let at = handlers.iter().rposition(|(of, _)| *of == self.id);
            // `swap_remove` by hand: its index check formats a panic message.
            match (at, handlers.pop()) {
                (Some(at), Some(last)) => match handlers.get_mut(at) {
                    Some(slot) => Some(core::mem::replace(slot, last)),
                    None => Some(last),
                },
                (None, last) => {
                    handlers.extend(last);
                    None
                }
                (Some(_), None) => None,
            }
        };
        with_host(|host| host.release(self.id));
        drop(handler);
    }
}

/// Runs `task` in a microtask (after the current JS task's synchronous work), in order with
/// the other tasks queued this way.
pub(crate) fn in_microtask(task: Task) {
    if cfg!(not(target_arch = "wasm32")) {
        return;
    }
    let first = {
        let mut queue = MICROTASKS.0.borrow_mut();
        queue.push(task);
        queue.len() == 1
    };
    if first {
        with_host(|host| host.queue_microtask());
    }
}

fn run_microtasks() {
    let tasks = core::mem::take(&mut *MICROTASKS.0.borrow_mut());
    for task in tasks {
        task();
    }
}

/// `Date.now()`.
pub(crate) fn now_ms() -> u64 {
    if cfg!(not(target_arch = "wasm32")) {
        return 0;
    }
    date_now() as u64
}

/// `Math.random()`.
pub(crate) fn random() -> f64 {
    if cfg!(not(target_arch = "wasm32")) {
        return 0.0;
    }
    math_random()
}

/// A one-shot timer: `on_fire` runs once, `ms` from now, unless dropped before.
pub(crate) fn timer(ms: u32, on_fire: impl Fn() + 'static) -> Resource {
    let resource = Resource::new(move |what, _, _| {
        if what == report::TIMER {
            on_fire();
        }
        0
    });
    with_host(|host| host.set_timer(resource.id(), ms));
    resource
}

/// `text` split at its first line break: the first line, and the rest (empty without one).
///
/// By hand rather than `split_once`: std's string searching keeps panicking slice checks whose
/// messages bring `core::fmt` into the module; `get` cannot panic.
pub(crate) fn first_line(text: &str) -> (&str, &str) {
    match text.bytes().position(|b| b == b'\n') {
        Some(at) => (
            text.get(..at).unwrap_or_default(),
            text.get(at + 1..).unwrap_or_default(),
        ),
        None => (text, ""),
    }
}

/// The pairs of a `name\nvalue\n…` list (header lists cross the boundary so).
pub(crate) fn pairs(list: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = list;
    core::iter::from_fn(move || {
        let (name, after) = first_line(rest);
        let (value, after) = first_line(after);
        if rest.is_empty() {
            return None;
        }
        rest = after;
        Some((name, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_splits_at_the_first_line_break_only() {
        assert_eq!(first_line("a\nb\nc"), ("a", "b\nc"));
        assert_eq!(first_line("\n"), ("", ""));
        assert_eq!(first_line("no break"), ("no break", ""));
        assert_eq!(first_line("é\nü"), ("é", "ü"));
        assert_eq!(first_line(""), ("", ""));
    }

    #[test]
    fn pairs_reads_name_value_lines() {
        let all = |list| pairs(list).collect::<Vec<_>>();
        assert_eq!(
            all("content-type\ntext/event-stream\nx-a\n\n"),
            [("content-type", "text/event-stream"), ("x-a", "")]
        );
        // The last pair may lack its line break; a name without a value line has value "".
        assert_eq!(all("a\n1\nb\n2"), [("a", "1"), ("b", "2")]);
        assert_eq!(all("a\n1\nb"), [("a", "1"), ("b", "")]);
        assert_eq!(all(""), []);
    }
}
