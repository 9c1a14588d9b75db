//! The `/sse/drip` script: a fixed event stream written one byte per write.
//!
//! It exercises what a streaming parser gets wrong when chunks split anywhere: a BOM,
//! CRLF pairs split across writes, lone CR line ends, multi-byte UTF-8 split across writes,
//! comments, a field without a colon, `data:` without a space, and a trailing event that
//! must NOT be dispatched because the stream ends before its blank line.
//!
//! Expected result (WHATWG HTML §9.2.6), also served as JSON by `/control/drip-script`:
//!
//! | # | type | data | lastEventId |
//! |---|---|---|---|
//! | 1 | `message` | `héllo wörld — 日本語 🎉` | `1` |
//! | 2 | `greeting` | `line one\nline two` | `1` |
//! | 3 | `emoji` | `🎉🎉\nno-space` | `3` |
//! | 4 | `message` | `\n two spaces` | `3` |
//!
//! plus `retry` = 1000, comments ` drip script start` and ` comment between`.

use serde_json::{Value, json};

/// The exact bytes of the drip script (UTF-8, starting with a BOM).
pub const DRIP_SCRIPT: &str = concat!(
    "\u{FEFF}: drip script start\r\n",
    "retry: 1000\r\n",
    "\r\n",
    "id: 1\r\n",
    "data: héllo wörld — 日本語 🎉\r\n",
    "\r\n",
    "event: greeting\n",
    "data: line one\n",
    "data: line two\r",
    "\r",
    "id: 3\r\n",
    "event: emoji\r\n",
    "data: 🎉🎉\r\n",
    "data:no-space\r\n",
    "\r\n",
    ": comment between\n",
    "data\n",
    "data:  two spaces\n",
    "\n",
    "data: never dispatched\n",
);

/// The script and what a conforming parser must produce from it.
pub fn expected_json() -> Value {
    json!({
        "script": DRIP_SCRIPT,
        "bytes": DRIP_SCRIPT.len(),
        "events": [
            {"type": "message", "data": "héllo wörld — 日本語 🎉", "id": "1"},
            {"type": "greeting", "data": "line one\nline two", "id": "1"},
            {"type": "emoji", "data": "🎉🎉\nno-space", "id": "3"},
            {"type": "message", "data": "\n two spaces", "id": "3"},
        ],
        "retry": 1000,
        "comments": [" drip script start", " comment between"],
        "last_event_id": "3",
    })
}
