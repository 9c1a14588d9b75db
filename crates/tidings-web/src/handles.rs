//! Counting of live browser handles, so tests can prove that nothing leaks.
//!
//! Every browser object the client uses is held by the JS host (`crate::host`), which counts
//! them by kind as it makes and releases them; [`live_handles`] reads its counters.

use crate::host::{self, with_host};

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
    /// wasm-bindgen closures handed to the browser per client or connection: none since every
    /// call goes through the JS host (kept for compatibility; always 0).
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
    let held = |kind| with_host(|host| host.live(kind)).unwrap_or(0);
    LiveHandles {
        event_sources: held(host::live::EVENT_SOURCES),
        abort_controllers: held(host::live::ABORT_CONTROLLERS),
        readers: held(host::live::READERS),
        timers: held(host::live::TIMERS),
        // The host hands the browser no wasm-bindgen closure per connection: its one callback
        // lives as long as the module.
        closures: 0,
        dom_listeners: held(host::live::DOM_LISTENERS),
        locks: held(host::live::LOCKS),
        channels: held(host::live::CHANNELS),
    }
}
