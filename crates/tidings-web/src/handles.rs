//! Counting of live browser handles, so tests can prove that nothing leaks.
//!
//! The JS host (`crate::host`) counts what it holds for the client: EventSources,
//! AbortControllers, readers, timers and DOM listeners. Objects that Rust holds itself (tab
//! sharing's channel, lock requests, their closures and page-lifecycle listeners) are wrapped
//! in a [`Tracked`] guard that counts up when created and down when dropped. [`live_handles`]
//! adds the two.

use core::cell::Cell;

use crate::host::{self, with_host};

/// The kinds of browser handle Rust holds itself (the rest are counted by the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "share"), allow(dead_code))]
pub(crate) enum HandleKind {
    Closure,
    DomListener,
    /// A Web Lock held or requested (tab sharing).
    Lock,
    /// An open `BroadcastChannel` (tab sharing).
    Channel,
}

/// The counters of [`HandleKind`]s. wasm32 runs on one thread; see `host::Global` for why a
/// plain static is enough.
struct Counts(Cell<[u32; 4]>);

// SAFETY: one thread on wasm32; natively nothing creates a `Tracked` (no browser objects).
unsafe impl Sync for Counts {}

static COUNTS: Counts = Counts(Cell::new([0; 4]));

fn bump(kind: HandleKind, up: bool) {
    let mut c = COUNTS.0.get();
    let slot = &mut c[kind as usize];
    *slot = if up {
        slot.saturating_add(1)
    } else {
        slot.saturating_sub(1)
    };
    COUNTS.0.set(c);
}

/// A counted handle: counts up on creation, down on drop, and derefs to the wrapped value.
#[cfg_attr(not(feature = "share"), allow(dead_code))]
pub(crate) struct Tracked<T> {
    value: T,
    kind: HandleKind,
}

#[cfg_attr(not(feature = "share"), allow(dead_code))]
impl<T> Tracked<T> {
    pub(crate) fn new(kind: HandleKind, value: T) -> Self {
        bump(kind, true);
        Tracked { value, kind }
    }
}

impl<T> core::ops::Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        bump(self.kind, false);
    }
}

/// How many browser handles tidings holds right now, by kind (a debug metric).
///
/// After every client is closed and dropped, [`LiveHandles::total`] is back to what it was
/// before they were created.
///
/// ```
/// let before = tidings_web::live_handles();
/// assert_eq!(before.total(), before.event_sources + before.abort_controllers + before.readers
///     + before.timers + before.closures + before.dom_listeners + before.locks + before.channels);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveHandles {
    /// Open `EventSource` objects.
    pub event_sources: u32,
    /// `AbortController`s of in-flight fetches.
    pub abort_controllers: u32,
    /// `ReadableStream` readers being read.
    pub readers: u32,
    /// Pending `setTimeout` timers.
    pub timers: u32,
    /// wasm-bindgen closures handed to the browser.
    pub closures: u32,
    /// DOM event listeners (online/offline, visibility, abort signals, EventSource events,
    /// page lifecycle for tab sharing).
    pub dom_listeners: u32,
    /// Web Locks held or queued for (tab sharing).
    pub locks: u32,
    /// Open `BroadcastChannel`s (tab sharing).
    pub channels: u32,
}

impl LiveHandles {
    /// The sum over all kinds.
    pub fn total(&self) -> u32 {
        self.event_sources
            + self.abort_controllers
            + self.readers
            + self.timers
            + self.closures
            + self.dom_listeners
            + self.locks
            + self.channels
    }
}

/// Reads the live-handle counters. See [`LiveHandles`].
pub fn live_handles() -> LiveHandles {
    let c = COUNTS.0.get();
    let held = |kind| with_host(|host| host.live(kind)).unwrap_or(0);
    LiveHandles {
        event_sources: held(host::live::EVENT_SOURCES),
        abort_controllers: held(host::live::ABORT_CONTROLLERS),
        readers: held(host::live::READERS),
        timers: held(host::live::TIMERS),
        closures: c[HandleKind::Closure as usize],
        dom_listeners: held(host::live::DOM_LISTENERS) + c[HandleKind::DomListener as usize],
        locks: c[HandleKind::Lock as usize],
        channels: c[HandleKind::Channel as usize],
    }
}
