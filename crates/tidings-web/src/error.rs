use core::fmt;

use tidings_core::ParseError;

/// Why a stream ended with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// The server answered with a status other than 200.
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// The response was not `text/event-stream`.
    ContentType {
        /// The Content-Type the server sent, if any.
        content_type: Option<String>,
    },
    /// The request failed before or during the body (DNS, refused, reset, CORS...).
    Network {
        /// What the browser said.
        message: String,
    },
    /// A line or event exceeded the configured limits.
    TooLarge(ParseError),
    /// The stream was closed by the caller.
    Aborted,
}

impl StreamError {
    /// A short machine-readable name, the same strings the npm package uses as `kind`.
    ///
    /// ```
    /// use tidings_web::StreamError;
    /// assert_eq!(StreamError::Http { status: 404 }.kind(), "http");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            StreamError::Http { .. } => "http",
            StreamError::ContentType { .. } => "content-type",
            StreamError::Network { .. } => "network",
            StreamError::TooLarge(_) => "too-large",
            StreamError::Aborted => "aborted",
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Http { status } => write!(f, "http status {status}"),
            StreamError::ContentType { content_type: Some(ct) } => {
                write!(f, "unexpected content-type {ct}")
            }
            StreamError::ContentType { content_type: None } => f.write_str("missing content-type"),
            StreamError::Network { message } => write!(f, "network error: {message}"),
            StreamError::TooLarge(e) => write!(f, "{e}"),
            StreamError::Aborted => f.write_str("aborted"),
        }
    }
}

impl std::error::Error for StreamError {}
