//! Typed market-data errors: what went wrong, at which venue and endpoint, so the status bar
//! can say "rate-limited" or "region blocked" instead of "down".

use std::fmt;

use super::source::Source;

/// What kind of failure a request or a body had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// No answer within the timeout.
    Timeout,
    /// The connection could not be made (DNS, refused, TLS).
    Connect,
    /// HTTP 429 or a venue's rate-limit code; wait `retry_after_s` when the venue says.
    RateLimited {
        /// Seconds from `Retry-After`, if sent.
        retry_after_s: Option<u64>,
    },
    /// HTTP 418: Binance's automatic ban after ignoring 429s.
    Banned {
        /// Seconds from `Retry-After`, if sent.
        retry_after_s: Option<u64>,
    },
    /// HTTP 451, or 403 from a venue that uses it for regions (Bybit US IPs).
    RegionBlocked,
    /// Another HTTP status (5xx, 404, …).
    Http {
        /// Status code.
        status: u16,
    },
    /// The venue's own error envelope (Binance `code`, Bybit `retCode`, OKX `code`, Kraken
    /// `error`, Deribit JSON-RPC `error`), possibly inside HTTP 200.
    Venue {
        /// The venue's code as text (`-1121`, `10001`, `EGeneral:Invalid arguments`).
        code: String,
    },
    /// The body is not the JSON or shape expected.
    Malformed,
    /// The body is empty.
    Empty,
    /// The body is larger than the cap.
    TooLarge {
        /// The cap in bytes.
        limit_bytes: usize,
    },
    /// The request asked for an instrument the venue does not list.
    UnknownInstrument,
    /// The source is switched off (offline mode, or no network allowed).
    Offline,
    /// A price no market can have: zero or negative, or stamped more than
    /// [`MAX_FUTURE_SKEW_MS`] after it was received. The next source is asked instead.
    ImpossiblePrice,
}

/// How far ahead of our clock a venue's timestamp may be before the price is refused (clocks
/// differ by seconds, not minutes): 5 minutes.
pub const MAX_FUTURE_SKEW_MS: i64 = 300_000;

impl ErrorKind {
    /// A short snake_case name for JSON (`rate_limited`, `region_blocked`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::RateLimited { .. } => "rate_limited",
            Self::Banned { .. } => "banned",
            Self::RegionBlocked => "region_blocked",
            Self::Http { .. } => "http",
            Self::Venue { .. } => "venue_error",
            Self::Malformed => "malformed",
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::UnknownInstrument => "unknown_instrument",
            Self::Offline => "offline",
            Self::ImpossiblePrice => "impossible_price",
        }
    }

    /// Whether trying again later may succeed (timeouts, 429, 5xx), as opposed to failures
    /// that repeat (a malformed body, a region block, an unknown symbol).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Connect | Self::RateLimited { .. } => true,
            Self::Http { status } => *status >= 500,
            _ => false,
        }
    }
}

/// A body that could not be turned into values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What exactly, for people: the field and what was found.
    pub message: String,
}

impl ParseError {
    /// A malformed body, with what was wrong.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Malformed,
            message: message.into(),
        }
    }

    /// The venue's own error envelope.
    pub fn venue(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Venue { code: code.into() },
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ParseError {}

/// A failed request: which venue and endpoint, what kind of failure, and the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchError {
    /// The venue asked.
    pub source: Source,
    /// The endpoint path (`/fapi/v1/premiumIndex`).
    pub endpoint: &'static str,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Details for people.
    pub message: String,
}

impl FetchError {
    /// A parse failure at `source`'s `endpoint`.
    pub fn from_parse(source: Source, endpoint: &'static str, error: ParseError) -> Self {
        Self {
            source,
            endpoint,
            kind: error.kind,
            message: error.message,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} ({})",
            self.source.display_name(),
            self.endpoint,
            self.message,
            self.kind.name()
        )
    }
}

impl std::error::Error for FetchError {}
