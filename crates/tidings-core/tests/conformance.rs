//! Replays the shared conformance corpus (`tests/fixtures/parser/*.json`, format in
//! `tests/fixtures/README.md`) through the parser: each case whole, at every two-way split
//! point of every connection, and byte by byte. All chunkings must produce the expected output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tidings_core::{Frame, Limits, Parser};

/// One recorded parser output, in the fixture's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    Event {
        event: String,
        data: String,
        id: String,
    },
    Retry(u64),
    Comment(String),
    Error(String),
}

struct Case {
    name: String,
    limits: Option<Limits>,
    initial_last_event_id: Option<String>,
    connections: Vec<Vec<u8>>,
    expected: Vec<Output>,
    last_event_id: Option<String>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/parser")
}

fn decode_hex(name: &str, hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "{name}: odd number of hex digits"
    );
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).unwrap();
            u8::from_str_radix(text, 16).unwrap_or_else(|_| panic!("{name}: bad hex byte {text:?}"))
        })
        .collect()
}

/// Reads the input keys of a case or of one connection.
fn input_bytes(name: &str, object: &Value) -> Vec<u8> {
    let keys = ["input", "input_hex", "input_parts"];
    let present: Vec<_> = keys.iter().filter(|k| object.get(**k).is_some()).collect();
    assert_eq!(present.len(), 1, "{name}: need exactly one of {keys:?}");
    if let Some(text) = object.get("input") {
        return text
            .as_str()
            .expect("input is a string")
            .as_bytes()
            .to_vec();
    }
    if let Some(hex) = object.get("input_hex") {
        return decode_hex(name, hex.as_str().expect("input_hex is a string"));
    }
    let mut bytes = Vec::new();
    for part in object["input_parts"]
        .as_array()
        .expect("input_parts is an array")
    {
        match part {
            Value::String(text) => bytes.extend_from_slice(text.as_bytes()),
            Value::Object(_) => bytes.extend(decode_hex(name, part["hex"].as_str().unwrap())),
            other => panic!("{name}: bad input part {other}"),
        }
    }
    bytes
}

fn parse_expected(name: &str, value: &Value) -> Output {
    let field = |key: &str| -> String {
        value[key]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: expected item lacks string {key:?}: {value}"))
            .to_owned()
    };
    match value["type"].as_str() {
        Some("event") => Output::Event {
            event: field("event"),
            data: field("data"),
            id: field("id"),
        },
        Some("retry") => Output::Retry(value["value"].as_u64().expect("retry value is a u64")),
        Some("comment") => Output::Comment(field("value")),
        Some("error") => Output::Error(field("kind")),
        _ => panic!("{name}: unknown expected item {value}"),
    }
}

fn load_case(path: &Path) -> Case {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: invalid JSON: {e}"));
    assert!(
        json["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{name}: needs a description"
    );
    let connections = match json.get("connections") {
        Some(list) => list
            .as_array()
            .expect("connections is an array")
            .iter()
            .map(|c| input_bytes(&name, c))
            .collect(),
        None => vec![input_bytes(&name, &json)],
    };
    let limits = json.get("limits").map(|l| Limits {
        max_line_len: l["max_line_len"].as_u64().unwrap() as usize,
        max_event_size: l["max_event_size"].as_u64().unwrap() as usize,
    });
    let expected = json["expected"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: needs an expected array"))
        .iter()
        .map(|v| parse_expected(&name, v))
        .collect();
    Case {
        limits,
        initial_last_event_id: json
            .get("initial_last_event_id")
            .map(|v| v.as_str().unwrap().to_owned()),
        connections,
        expected,
        last_event_id: json
            .get("last_event_id")
            .map(|v| v.as_str().unwrap().to_owned()),
        name,
    }
}

/// Replays a case with the given chunking (one list of chunks per connection).
fn run(case: &Case, chunked: &[Vec<&[u8]>]) -> (Vec<Output>, String) {
    let mut parser = match case.limits {
        Some(limits) => Parser::with_limits(limits),
        None => Parser::new(),
    };
    if let Some(id) = &case.initial_last_event_id {
        parser.set_last_event_id(id);
    }
    let mut out = Vec::new();
    for (index, chunks) in chunked.iter().enumerate() {
        if index > 0 {
            parser.reset();
        }
        let mut error = None;
        for chunk in chunks {
            let before = out.len();
            let result = parser.feed(chunk, |frame| {
                out.push(match frame {
                    Frame::Event(e) => Output::Event {
                        event: e.event_type.to_owned(),
                        data: e.data.to_owned(),
                        id: e.last_event_id.to_owned(),
                    },
                    Frame::Retry(ms) => Output::Retry(ms),
                    Frame::Comment(text) => Output::Comment(text.to_owned()),
                });
            });
            match (result, error) {
                (Ok(()), None) => {}
                (Err(e), None) => {
                    error = Some(e);
                    out.push(Output::Error(e.code().to_owned()));
                }
                (result, Some(first)) => {
                    assert_eq!(result, Err(first), "{}: error must be sticky", case.name);
                    assert_eq!(out.len(), before, "{}: output after an error", case.name);
                }
            }
        }
        assert_eq!(parser.is_failed(), error.is_some(), "{}", case.name);
        parser.finish();
    }
    (out, parser.last_event_id().to_owned())
}

fn check(case: &Case, how: &str, chunked: &[Vec<&[u8]>], failures: &mut String) {
    let (out, last_id) = run(case, chunked);
    if out != case.expected {
        let _ = writeln!(
            failures,
            "{} [{how}]:\n  expected {:?}\n  actual   {:?}",
            case.name, case.expected, out
        );
    } else if let Some(expected_id) = &case.last_event_id
        && &last_id != expected_id
    {
        let _ = writeln!(
            failures,
            "{} [{how}]: last_event_id expected {expected_id:?}, actual {last_id:?}",
            case.name
        );
    }
}

/// Fails with the first few mismatches (a broken rule fails at hundreds of split points).
fn report(failures: &str) {
    if failures.is_empty() {
        return;
    }
    let total = failures.lines().filter(|l| !l.starts_with(' ')).count();
    let shown: Vec<&str> = failures.lines().take(30).collect();
    panic!("{total} mismatches, first ones:\n{}", shown.join("\n"));
}

fn load_all() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory exists")
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load_case(p)).collect()
}

#[test]
fn corpus_is_large_and_covers_every_topic() {
    let cases = load_all();
    assert!(cases.len() >= 70, "only {} cases", cases.len());
    for topic in [
        "bom-",
        "eol-",
        "field-",
        "comment-",
        "data-",
        "event-",
        "id-",
        "retry-",
        "dispatch-",
        "utf8-",
        "limit-",
        "reset-",
    ] {
        assert!(
            cases.iter().any(|c| c.name.starts_with(topic)),
            "no {topic} case"
        );
    }
}

#[test]
fn whole_input() {
    let mut failures = String::new();
    for case in load_all() {
        let chunked: Vec<Vec<&[u8]>> = case.connections.iter().map(|c| vec![&c[..]]).collect();
        check(&case, "whole", &chunked, &mut failures);
    }
    report(&failures);
}

#[test]
fn every_two_way_split() {
    let mut failures = String::new();
    for case in load_all() {
        for (index, connection) in case.connections.iter().enumerate() {
            for at in 0..=connection.len() {
                let mut chunked: Vec<Vec<&[u8]>> =
                    case.connections.iter().map(|c| vec![&c[..]]).collect();
                chunked[index] = vec![&connection[..at], &connection[at..]];
                let how = format!("connection {index} split at byte {at}");
                check(&case, &how, &chunked, &mut failures);
            }
        }
    }
    report(&failures);
}

#[test]
fn byte_by_byte() {
    let mut failures = String::new();
    for case in load_all() {
        let chunked: Vec<Vec<&[u8]>> = case
            .connections
            .iter()
            .map(|c| c.chunks(1).collect())
            .collect();
        check(&case, "byte by byte", &chunked, &mut failures);
    }
    report(&failures);
}

#[test]
fn every_three_way_split_of_short_cases() {
    let mut failures = String::new();
    for case in load_all() {
        if case.connections.len() != 1 || case.connections[0].len() > 48 {
            continue;
        }
        let bytes = &case.connections[0];
        for a in 0..=bytes.len() {
            for b in a..=bytes.len() {
                let chunked = vec![vec![&bytes[..a], &bytes[a..b], &bytes[b..]]];
                check(
                    &case,
                    &format!("split at {a} and {b}"),
                    &chunked,
                    &mut failures,
                );
            }
        }
    }
    report(&failures);
}
