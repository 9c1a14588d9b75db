//! Property tests: the incremental parser against a naive reference parser written for
//! clarity, over random SSE-like streams and random bytes, fed in random chunks.
//!
//! The reference does everything the obvious way on the *whole* input: strip one BOM, decode
//! with `String::from_utf8_lossy` (WHATWG maximal-subpart replacement), split lines at
//! CRLF/LF/CR, interpret each line per WHATWG HTML §9.2.6. Limits are checked against the raw
//! bytes of each line, which the reference splits independently at the same CR/LF bytes.

use proptest::prelude::*;
use proptest::sample::Index;
use tidings_core::{Frame, Limits, ParseError, Parser};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    Event {
        event: String,
        data: String,
        id: String,
    },
    Retry(u64),
    Comment(String),
    Error(ParseError),
}

/// Splits into lines at CRLF, LF or CR. Returns the complete lines and the unterminated rest.
fn split_lines<T: Copy + PartialEq>(items: &[T], cr: T, lf: T) -> (Vec<&[T]>, &[T]) {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < items.len() {
        if items[i] == cr || items[i] == lf {
            lines.push(&items[start..i]);
            if items[i] == cr && items.get(i + 1) == Some(&lf) {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    (lines, &items[start..])
}

/// The state the spec associates with an event source and a stream.
struct Reference {
    limits: Limits,
    last_event_id: String,
}

impl Reference {
    /// Interprets one whole connection, appending its outputs.
    fn connection(&mut self, input: &[u8], out: &mut Vec<Output>) {
        let bytes = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        let text: Vec<char> = String::from_utf8_lossy(bytes).chars().collect();
        let (lines, rest) = split_lines(&text, '\r', '\n');
        let (raw_lines, raw_rest) = split_lines(bytes, b'\r', b'\n');
        assert_eq!(lines.len(), raw_lines.len());

        let mut data = String::new();
        let mut event_type = String::new();
        let mut id_buffer = self.last_event_id.clone();
        for (line, raw) in lines.iter().zip(&raw_lines) {
            if raw.len() > self.limits.max_line_len {
                out.push(Output::Error(ParseError::LineTooLong {
                    limit: self.limits.max_line_len,
                }));
                return;
            }
            let line: String = line.iter().collect();
            if line.is_empty() {
                self.last_event_id = id_buffer.clone();
                if data.is_empty() {
                    event_type.clear();
                    continue;
                }
                if data.ends_with('\n') {
                    data.pop();
                }
                out.push(Output::Event {
                    event: if event_type.is_empty() {
                        "message".into()
                    } else {
                        event_type.clone()
                    },
                    data: std::mem::take(&mut data),
                    id: self.last_event_id.clone(),
                });
                event_type.clear();
                continue;
            }
            if let Some(comment) = line.strip_prefix(':') {
                out.push(Output::Comment(
                    comment.strip_prefix(' ').unwrap_or(comment).to_owned(),
                ));
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line.as_str(), ""),
            };
            match field {
                "data" => {
                    if data.len() + value.len() > self.limits.max_event_size {
                        out.push(Output::Error(ParseError::EventTooLarge {
                            limit: self.limits.max_event_size,
                        }));
                        return;
                    }
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event_type = value.to_owned(),
                "id" if !value.contains('\0') => id_buffer = value.to_owned(),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    let ms = value.bytes().fold(0u64, |n, d| {
                        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                    });
                    out.push(Output::Retry(ms));
                }
                _ => {}
            }
        }
        let _ = rest; // end of stream: the incomplete line and pending event are discarded
        if raw_rest.len() > self.limits.max_line_len {
            out.push(Output::Error(ParseError::LineTooLong {
                limit: self.limits.max_line_len,
            }));
        }
    }
}

/// Reference result for several connections.
fn reference(connections: &[Vec<u8>], limits: Limits) -> (Vec<Output>, String) {
    let mut reference = Reference {
        limits,
        last_event_id: String::new(),
    };
    let mut out = Vec::new();
    for input in connections {
        reference.connection(input, &mut out);
    }
    (out, reference.last_event_id)
}

/// Cuts `bytes` at the given (random) positions.
fn chunk<'a>(bytes: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in points {
        chunks.push(&bytes[start..point]);
        start = point;
    }
    chunks.push(&bytes[start..]);
    chunks
}

/// Runs the real parser, checking the memory bound and sticky errors after every feed.
fn actual(connections: &[Vec<u8>], cuts: &[Index], limits: Limits) -> (Vec<Output>, String) {
    let mut parser = Parser::with_limits(limits);
    let bound = limits.max_line_len + limits.max_event_size + 1 + 6 * limits.max_line_len;
    let mut out = Vec::new();
    for (index, input) in connections.iter().enumerate() {
        if index > 0 {
            parser.reset();
        }
        let mut error = None;
        for piece in chunk(input, cuts) {
            let before = out.len();
            let result = parser.feed(piece, |frame| {
                out.push(match frame {
                    Frame::Event(e) => {
                        assert!(e.data.len() <= limits.max_event_size);
                        Output::Event {
                            event: e.event_type.into(),
                            data: e.data.into(),
                            id: e.last_event_id.into(),
                        }
                    }
                    Frame::Retry(ms) => Output::Retry(ms),
                    Frame::Comment(text) => Output::Comment(text.into()),
                })
            });
            assert!(
                parser.buffered_bytes() <= bound,
                "buffers exceed the limits"
            );
            match (result, error) {
                (Err(e), None) => {
                    error = Some(e);
                    out.push(Output::Error(e));
                }
                (result, Some(first)) => {
                    assert_eq!(result, Err(first));
                    assert_eq!(out.len(), before);
                }
                (Ok(()), None) => {}
            }
        }
        parser.finish();
    }
    (out, parser.last_event_id().to_owned())
}

const NO_LIMITS: Limits = Limits {
    max_line_len: usize::MAX / 8,
    max_event_size: usize::MAX / 8,
};

/// Pieces of SSE-like streams, weighted toward what makes parsing interesting.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let text = |s: &'static str| Just(s.as_bytes().to_vec());
    prop_oneof![
        8 => text("data"),
        3 => text("event"),
        3 => text("id"),
        3 => text("retry"),
        1 => prop::sample::select(vec!["Data", "dat", "ID", "data ", "foo"])
            .prop_map(|s| s.as_bytes().to_vec()),
        8 => text(":"),
        6 => text(" "),
        8 => text("\n"),
        4 => text("\r"),
        4 => text("\r\n"),
        4 => "[a-z0-9 ]{1,6}".prop_map(String::into_bytes),
        2 => "[0-9]{1,22}".prop_map(String::into_bytes),
        2 => prop::sample::select(vec!["é", "€", "😀", "\u{FEFF}", "\u{2028}", "\u{85}", "\t", "\0"])
            .prop_map(|s| s.as_bytes().to_vec()),
        3 => prop::sample::select(vec![
            &b"\xFF"[..], b"\x80", b"\xC3", b"\xE2\x82", b"\xF0\x9F\x98", b"\xED\xA0\x80",
            b"\xC0\x80", b"\xEF\xBB", b"\xEF\xBB\xBF", b"\xF4\x90\x80\x80", b"\xE0\x80",
        ])
        .prop_map(|s| s.to_vec()),
    ]
}

fn sse_stream() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), prop::collection::vec(token(), 0..80)).prop_map(|(bom, tokens)| {
        let mut bytes = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        bytes.extend(tokens.concat());
        bytes
    })
}

/// SSE-like bytes made mostly of complete fields, so that events really dispatch.
fn event_stream() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        4 => "data(: ?[a-zé😀 :]{0,8})?".prop_map(String::into_bytes),
        1 => "event(: ?[a-z]{0,4})?".prop_map(String::into_bytes),
        1 => "id(: ?[a-z0-9]{0,4})?".prop_map(String::into_bytes),
        1 => "retry: ?[0-9 ]{0,4}".prop_map(String::into_bytes),
        1 => ":[ a-z]{0,4}".prop_map(String::into_bytes),
        2 => Just(Vec::new()),
    ];
    let eol = prop::sample::select(vec![&b"\n"[..], b"\r", b"\r\n"]);
    prop::collection::vec((line, eol), 0..30).prop_map(|lines| {
        lines
            .into_iter()
            .flat_map(|(l, e)| [l, e.to_vec()])
            .flatten()
            .collect()
    })
}

fn small_limits() -> impl Strategy<Value = Limits> {
    (0usize..40, 0usize..60).prop_map(|(max_line_len, max_event_size)| Limits {
        max_line_len,
        max_event_size,
    })
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sse_like_streams_match_reference(input in sse_stream(), cuts in cuts()) {
        let connections = [input];
        prop_assert_eq!(actual(&connections, &cuts, NO_LIMITS), reference(&connections, NO_LIMITS));
    }

    #[test]
    fn event_streams_match_reference(input in event_stream(), cuts in cuts()) {
        let connections = [input];
        prop_assert_eq!(actual(&connections, &cuts, NO_LIMITS), reference(&connections, NO_LIMITS));
    }

    #[test]
    fn random_bytes_match_reference(input in prop::collection::vec(any::<u8>(), 0..400), cuts in cuts()) {
        let connections = [input];
        prop_assert_eq!(actual(&connections, &cuts, NO_LIMITS), reference(&connections, NO_LIMITS));
    }

    #[test]
    fn byte_by_byte_matches_whole(input in sse_stream()) {
        let mut whole = Vec::new();
        let _ = Parser::new().feed_collect(&input, &mut whole);
        let mut parser = Parser::new();
        let mut single = Vec::new();
        for byte in &input {
            let _ = parser.feed_collect(std::slice::from_ref(byte), &mut single);
        }
        prop_assert_eq!(whole, single);
    }

    #[test]
    fn limits_match_reference(input in sse_stream(), cuts in cuts(), limits in small_limits()) {
        let connections = [input];
        prop_assert_eq!(actual(&connections, &cuts, limits), reference(&connections, limits));
    }

    #[test]
    fn limits_with_random_bytes(
        input in prop::collection::vec(any::<u8>(), 0..400),
        cuts in cuts(),
        limits in small_limits(),
    ) {
        let connections = [input];
        prop_assert_eq!(actual(&connections, &cuts, limits), reference(&connections, limits));
    }

    #[test]
    fn reconnects_match_reference(
        connections in prop::collection::vec(event_stream(), 1..4),
        cuts in cuts(),
        limits in prop_oneof![Just(NO_LIMITS), small_limits()],
    ) {
        prop_assert_eq!(actual(&connections, &cuts, limits), reference(&connections, limits));
    }

    #[test]
    fn unterminated_tail_is_discarded(input in event_stream(), tail in sse_stream(), cuts in cuts()) {
        // End of stream discards an incomplete line, whatever it holds.
        let tail: Vec<u8> = tail.into_iter().filter(|&b| b != b'\r' && b != b'\n').collect();
        let mut terminated = input;
        terminated.push(b'\n');
        let mut with_tail = terminated.clone();
        with_tail.extend(&tail);
        prop_assert_eq!(
            actual(&[with_tail], &cuts, NO_LIMITS),
            actual(&[terminated], &cuts, NO_LIMITS)
        );
    }
}

#[test]
fn reference_agrees_with_hand_checked_examples() {
    let (out, id) = reference(
        &[b"\xEF\xBB\xBFid: 1\r\ndata: a\rdata\n\n: c\nretry: 05\n\xFF".to_vec()],
        NO_LIMITS,
    );
    assert_eq!(
        out,
        [
            Output::Event {
                event: "message".into(),
                data: "a\n".into(),
                id: "1".into()
            },
            Output::Comment("c".into()),
            Output::Retry(5),
        ]
    );
    assert_eq!(id, "1");
}

#[test]
fn reference_applies_limits_to_raw_lines() {
    let limits = Limits {
        max_line_len: 7,
        max_event_size: 1,
    };
    let (out, _) = reference(&[b"data: a\n\ndata: \xFF\n".to_vec()], limits);
    assert_eq!(
        out,
        [
            Output::Event {
                event: "message".into(),
                data: "a".into(),
                id: String::new()
            },
            Output::Error(ParseError::EventTooLarge { limit: 1 }),
        ]
    );
}
