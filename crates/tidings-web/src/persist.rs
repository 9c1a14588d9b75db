//! The last event ID kept in
//! [`sessionStorage`](https://developer.mozilla.org/docs/Web/API/Window/sessionStorage), so a
//! page reload resumes the stream where it was (opt-in: [`ClientOptions::persist_last_event_id`](crate::ClientOptions::persist_last_event_id)).
//!
//! Every access tolerates a missing `window` (workers, server-side rendering) and a storage
//! that throws (privacy modes, quota): the stream then simply starts without a stored ID.

use crate::host::with_host;
use crate::prelude::*;

/// Prefix of the storage keys; the npm package's `clearLastEventId` builds the same key.
const PREFIX: &str = "tidings:last-event-id:";

/// The key for `url` and the user's `key`: `tidings:last-event-id:<key>:<url>`.
fn storage_key(url: &str, key: &str) -> String {
    // Pushed, not `concat()`: its generic join is 1 KB of wasm.
    let mut storage_key = String::with_capacity(PREFIX.len() + key.len() + 1 + url.len());
    for part in [PREFIX, key, ":", url] {
        storage_key.push_str(part);
    }
    storage_key
}

/// The host's storage operations (`storage` in `js/host.js`).
const GET: u32 = 0;
const SET: u32 = 1;
const REMOVE: u32 = 2;

/// The stored ID for `url` and `key`, if any.
pub(crate) fn load(url: &str, key: &str) -> Option<String> {
    with_host(|host| host.storage(GET, &storage_key(url, key), ""))
        .flatten()
        .filter(|id| !id.is_empty())
}

/// Stores `id` (an empty ID removes the entry: there is nothing to resume from).
pub(crate) fn save(url: &str, key: &str, id: &str) {
    let op = if id.is_empty() { REMOVE } else { SET };
    with_host(|host| host.storage(op, &storage_key(url, key), id));
}

/// Forgets the last event ID stored for `url` and `key` by a client with
/// [`ClientOptions::persist_last_event_id`](crate::ClientOptions::persist_last_event_id): the
/// next client (or reload) starts from the beginning. `url` is the one the client was given
/// (the npm package passes absolute URLs). Does nothing without `sessionStorage`.
///
/// ```no_run
/// tidings_web::clear_persisted_last_event_id("https://example.com/sse/feed", "");
/// ```
pub fn clear_persisted_last_event_id(url: &str, key: &str) {
    with_host(|host| host.storage(REMOVE, &storage_key(url, key), ""));
}
