//! Counting of live browser handles, so tests can prove that nothing leaks.
//!
//! Every browser object tidings creates (EventSource, AbortController, stream reader, timer,
//! wasm-bindgen closure, DOM event listener) is wrapped in a [`Tracked`] guard that counts it up
//! when created and down when dropped. [`live_handles`] reads the counters.

use std::cell::Cell;

/// The kinds of browser handle tidings owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandleKind {
    EventSource,
    AbortController,
    Reader,
    Timer,
    Closure,
    DomListener,
    /// A Web Lock held or requested (tab sharing).
    Lock,
    /// An open `BroadcastChannel` (tab sharing).
    Channel,
}

thread_local! {
    // wasm is single-threaded; a thread_local keeps this `Sync`-free and allocation-free.
    static COUNTS: Cell<[u32; 8]> = const { Cell::new([0; 8]) };
}

fn bump(kind: HandleKind, up: bool) {
    COUNTS.with(|counts| {
        let mut c = counts.get();
        let slot = &mut c[kind as usize];
        *slot = if up {
            slot.saturating_add(1)
        } else {
            slot.saturating_sub(1)
        };
        counts.set(c);
    });
}

/// A counted handle: counts up on creation, down on drop, and derefs to the wrapped value.
pub(crate) struct Tracked<T> {
    value: T,
    kind: HandleKind,
}

impl<T> Tracked<T> {
    pub(crate) fn new(kind: HandleKind, value: T) -> Self {
        bump(kind, true);
        Tracked { value, kind }
    }
}

impl<T> std::ops::Deref for Tracked<T> {
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
    let c = COUNTS.with(Cell::get);
    LiveHandles {
        event_sources: c[HandleKind::EventSource as usize],
        abort_controllers: c[HandleKind::AbortController as usize],
        readers: c[HandleKind::Reader as usize],
        timers: c[HandleKind::Timer as usize],
        closures: c[HandleKind::Closure as usize],
        dom_listeners: c[HandleKind::DomListener as usize],
        locks: c[HandleKind::Lock as usize],
        channels: c[HandleKind::Channel as usize],
    }
}
