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

#[cfg(test)]
mod tests {
    use super::*;

    /// (type, data, lastEventId) of a dispatched event.
    type Event = (String, String, String);

    /// A naive, whole-input reading of WHATWG HTML §9.2.6, to check the expectations we
    /// publish. Returns (events as (type, data, id), retry, comments).
    fn reference_parse(input: &str) -> (Vec<Event>, Option<u64>, Vec<String>) {
        let input = input.strip_prefix('\u{feff}').unwrap_or(input);
        let mut lines = Vec::new();
        let mut rest = input;
        // Only lines that end with a line break count: a final unterminated line is discarded.
        while let Some(pos) = rest.find(['\r', '\n']) {
            lines.push(&rest[..pos]);
            let skip = if rest[pos..].starts_with("\r\n") {
                2
            } else {
                1
            };
            rest = &rest[pos + skip..];
        }
        let (mut events, mut retry, mut comments) = (Vec::new(), None, Vec::new());
        let (mut event_type, mut data, mut last_id) = (String::new(), String::new(), String::new());
        for line in lines {
            if line.is_empty() {
                if !data.is_empty() {
                    data.pop();
                    let t = if event_type.is_empty() {
                        "message"
                    } else {
                        &event_type
                    };
                    events.push((t.to_owned(), std::mem::take(&mut data), last_id.clone()));
                }
                data.clear();
                event_type.clear();
                continue;
            }
            if let Some(comment) = line.strip_prefix(':') {
                comments.push(comment.to_owned());
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "event" => event_type = value.to_owned(),
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "id" if !value.contains('\0') => last_id = value.to_owned(),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    retry = value.parse().ok();
                }
                _ => {}
            }
        }
        (events, retry, comments)
    }

    #[test]
    fn published_expectations_match_a_reference_reading() {
        let expected = expected_json();
        let (events, retry, comments) = reference_parse(DRIP_SCRIPT);
        let want: Vec<Event> = expected["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap().to_owned();
                (s("type"), s("data"), s("id"))
            })
            .collect();
        assert_eq!(events, want);
        assert_eq!(retry, expected["retry"].as_u64());
        let want_comments: Vec<String> = expected["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(comments, want_comments);
        assert_eq!(events.last().unwrap().2, expected["last_event_id"]);
        assert_eq!(expected["bytes"], DRIP_SCRIPT.len());
    }

    #[test]
    fn script_exercises_the_hard_splits() {
        let bytes = DRIP_SCRIPT.as_bytes();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM first");
        assert!(DRIP_SCRIPT.contains("\r\n"), "CRLF pairs");
        assert!(DRIP_SCRIPT.contains("two\r\r"), "lone CR line ends");
        assert!(
            DRIP_SCRIPT.chars().any(|c| c.len_utf8() == 4),
            "4-byte UTF-8"
        );
        assert!(
            DRIP_SCRIPT.chars().any(|c| c.len_utf8() == 3),
            "3-byte UTF-8"
        );
        assert!(
            !DRIP_SCRIPT.ends_with("\n\n"),
            "a final event that is never dispatched"
        );
    }
}
