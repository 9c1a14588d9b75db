//! Pure helpers for the HTTP response head: `Content-Type` and `Retry-After`.
//!
//! None of these read a clock: a date is converted to a delay against a `now` the caller passes.

/// Whether a `Content-Type` header value is `text/event-stream`.
///
/// ASCII case-insensitive, surrounding whitespace allowed, parameters ignored
/// (`text/event-stream; charset=utf-8`, `TEXT/EVENT-STREAM`, `text/event-stream;`).
/// The [spec](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model)
/// fails the connection for any other type.
///
/// ```
/// use tidings_core::policy::is_event_stream;
/// assert!(is_event_stream(" Text/Event-Stream ; charset=utf-8"));
/// assert!(!is_event_stream("text/plain"));
/// assert!(!is_event_stream(""));
/// ```
pub fn is_event_stream(content_type: &str) -> bool {
    // Over bytes with slice patterns, not `split_once` and `trim_matches`: std's string
    // searching keeps panicking slice checks (never taken here) whose messages bring
    // `core::fmt` into a wasm module.
    let bytes = content_type.as_bytes();
    let essence = match bytes.iter().position(|&b| b == b';') {
        Some(end) => bytes
            .split_at_checked(end)
            .map_or(bytes, |(essence, _params)| essence),
        None => bytes,
    };
    trim_http_whitespace(essence).eq_ignore_ascii_case(b"text/event-stream")
}

/// Parses a [`Retry-After`](https://developer.mozilla.org/docs/Web/HTTP/Headers/Retry-After)
/// header value into a delay in milliseconds.
///
/// Accepts delay-seconds (`"120"`) and an HTTP-date (see [`parse_http_date`]); a date is turned
/// into a delay against `now_epoch_ms` (milliseconds since the Unix epoch, which only the driver
/// can know), and a date in the past gives `0`. Anything else gives `None`.
///
/// ```
/// use tidings_core::policy::parse_retry_after;
/// assert_eq!(parse_retry_after("120", 0), Some(120_000));
/// // 1994-11-06T08:49:37Z is 784_111_777 s after the epoch.
/// let now = 784_111_777_000 - 5_000;
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(5_000));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now_epoch_ms: u64) -> Option<u64> {
    if let Some(seconds) = parse_delay_seconds(value) {
        return Some(seconds.saturating_mul(1000));
    }
    parse_http_date(value).map(|at| at.saturating_sub(now_epoch_ms))
}

/// Parses `delay-seconds` (`1*DIGIT`, surrounding whitespace allowed) into seconds.
///
/// Values too large for `u64` saturate. Signs, fractions and empty strings give `None`.
///
/// ```
/// use tidings_core::policy::parse_delay_seconds;
/// assert_eq!(parse_delay_seconds(" 30 "), Some(30));
/// assert_eq!(parse_delay_seconds("-1"), None);
/// assert_eq!(parse_delay_seconds("1.5"), None);
/// ```
pub fn parse_delay_seconds(value: &str) -> Option<u64> {
    let digits = trim_http_whitespace(value.as_bytes());
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Parses an [HTTP-date](https://www.rfc-editor.org/rfc/rfc9110#name-date-time-formats) into
/// milliseconds since the Unix epoch.
///
/// Accepts the three formats RFC 9110 requires recipients to accept: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`, two-digit
/// years `70..=99` are 19xx, `00..=69` are 20xx) and asctime (`Sun Nov  6 08:49:37 1994`).
/// Names are matched case-insensitively; the weekday is checked to be a weekday name but not
/// against the date. Dates before 1970 and invalid fields give `None`. Pure integer arithmetic.
///
/// ```
/// use tidings_core::policy::parse_http_date;
/// assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
/// assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
/// assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784_111_777_000));
/// assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
/// ```
pub fn parse_http_date(value: &str) -> Option<u64> {
    let s = trim_http_whitespace(value.as_bytes());
    let mut c = Cursor { s, pos: 0 };
    let weekday = c.take_while(|b| b.is_ascii_alphabetic());
    let short_weekday = WEEKDAYS
        .iter()
        .any(|w| weekday.eq_ignore_ascii_case(w.as_bytes()));
    let long_weekday = LONG_WEEKDAYS
        .iter()
        .any(|w| weekday.eq_ignore_ascii_case(w.as_bytes()));
    let (year, month, day, time) = if c.eat(b',') {
        c.expect(b' ')?;
        let day = c.digits(2, 2)?;
        if short_weekday && c.eat(b' ') {
            // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
            let month = c.month()?;
            c.expect(b' ')?;
            let year = c.digits(4, 4)?;
            c.expect(b' ')?;
            (year, month, day, c.time()?)
        } else if long_weekday && c.eat(b'-') {
            // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`
            let month = c.month()?;
            c.expect(b'-')?;
            let yy = c.digits(2, 2)?;
            let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
            c.expect(b' ')?;
            (year, month, day, c.time()?)
        } else {
            return None;
        }
    } else if short_weekday {
        // asctime: `Sun Nov  6 08:49:37 1994`
        c.expect(b' ')?;
        let month = c.month()?;
        c.expect(b' ')?;
        c.eat(b' ');
        let day = c.digits(1, 2)?;
        c.expect(b' ')?;
        let time = c.time_only()?;
        c.expect(b' ')?;
        let year = c.digits(4, 4)?;
        (year, month, day, time)
    } else {
        return None;
    };
    if c.pos != s.len() || year < 1970 || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    let seconds = days
        .saturating_mul(86_400)
        .saturating_add(time.0 * 3600 + time.1 * 60 + time.2);
    Some(seconds.saturating_mul(1000))
}

/// HTTP's optional whitespace (`OWS`): space and horizontal tab.
/// `bytes` without leading and trailing spaces and tabs. Slice patterns rather than
/// `str::trim_matches`, whose char searching keeps panicking slice checks (never taken) that
/// bring `core::fmt` into a wasm module.
fn trim_http_whitespace(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian, `year >= 1970`).
/// Howard Hinnant's `days_from_civil`, in unsigned arithmetic because the year is never earlier.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719_468 = days from 0000-03-01 to 1970-01-01; never underflows for year >= 1970.
    (era * 146_097 + doe).saturating_sub(719_468)
}

/// A tiny byte cursor; every method returns `None`/`false` instead of panicking.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.s.get(start..self.pos).unwrap_or_default()
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u64> {
        let start = self.pos;
        let mut n = 0u64;
        while self.pos - start < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    n = n * 10 + u64::from(d - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        (self.pos - start >= min).then_some(n)
    }

    /// A three-letter month name, as `1..=12`.
    fn month(&mut self) -> Option<u64> {
        let name = self.s.get(self.pos..self.pos + 3)?;
        let index = MONTHS
            .iter()
            .position(|m| name.eq_ignore_ascii_case(m.as_bytes()))?;
        self.pos += 3;
        Some(index as u64 + 1)
    }

    /// `HH:MM:SS` (a leap second `60` is read as `59`).
    fn time_only(&mut self) -> Option<(u64, u64, u64)> {
        let h = self.digits(2, 2)?;
        self.expect(b':')?;
        let m = self.digits(2, 2)?;
        self.expect(b':')?;
        let s = self.digits(2, 2)?;
        (h < 24 && m < 60 && s <= 60).then_some((h, m, s.min(59)))
    }

    /// `HH:MM:SS GMT`.
    fn time(&mut self) -> Option<(u64, u64, u64)> {
        let time = self.time_only()?;
        self.expect(b' ')?;
        let zone = self.s.get(self.pos..)?;
        if !zone.eq_ignore_ascii_case(b"GMT") {
            return None;
        }
        self.pos = self.s.len();
        Some(time)
    }
}
