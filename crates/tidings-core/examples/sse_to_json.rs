//! Reads a `text/event-stream` from stdin as it arrives and prints one JSON object per line
//! for every event, retry and comment (the same shapes as the conformance fixtures).
//!
//! ```text
//! curl -N https://example.com/stream | cargo run -p tidings-core --example sse_to_json
//! printf 'event: hi\ndata: 1\n\n' | cargo run -p tidings-core --example sse_to_json
//! ```
//!
//! Exits with status 1 after printing an `{"type":"error",...}` line if a limit is exceeded.

use std::fmt::Write as _;
use std::io::{self, Read, Write};

use tidings_core::{Frame, Parser};

/// Appends `text` as a JSON string literal (RFC 8259 escaping).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn frame_to_json(frame: Frame<'_>, out: &mut String) {
    match frame {
        Frame::Event(event) => {
            out.push_str(r#"{"type":"event","event":"#);
            push_json_string(out, event.event_type);
            out.push_str(r#","data":"#);
            push_json_string(out, event.data);
            out.push_str(r#","id":"#);
            push_json_string(out, event.last_event_id);
            out.push('}');
        }
        Frame::Retry(ms) => {
            let _ = write!(out, r#"{{"type":"retry","value":{ms}}}"#);
        }
        Frame::Comment(text) => {
            out.push_str(r#"{"type":"comment","value":"#);
            push_json_string(out, text);
            out.push('}');
        }
    }
    out.push('\n');
}

fn main() -> io::Result<()> {
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut parser = Parser::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut lines = String::new();
    loop {
        // `read` returns as soon as some bytes are available, so events print as they arrive.
        let n = match stdin.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        lines.clear();
        let result = parser.feed(&buffer[..n], |frame| frame_to_json(frame, &mut lines));
        if let Err(error) = result {
            let _ = writeln!(
                lines,
                r#"{{"type":"error","kind":"{}","message":"{error}"}}"#,
                error.code()
            );
            stdout.write_all(lines.as_bytes())?;
            stdout.flush()?;
            std::process::exit(1);
        }
        stdout.write_all(lines.as_bytes())?;
        stdout.flush()?;
    }
    parser.finish();
    Ok(())
}
