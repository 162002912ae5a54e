//! The HTTP side of market data: one blocking reqwest client (rustls, gzip, an explicit
//! User-Agent) with a connect timeout and a total deadline per request that covers reading
//! the body (a body dribbled a byte at a time is cut off), a cap on body size, retries with
//! exponential backoff and jitter for transient failures, `Retry-After` honoured on 429/418
//! up to a cap, every wait kept inside the refresh round's deadline, and cancellation between
//! attempts. Redirects are not followed (a venue API never redirects; following one could
//! send a request to another host, and a redirected POST would become a GET). Status codes
//! become typed errors (price-apis.md §0).
//!
//! This is the only module that opens sockets; callers decide which requests to make
//! ([`super::fetch`]) and parse bodies with the venue modules.

use std::io::Read as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::{ErrorKind, FetchError, ParseError};
use super::source::{Method, Request, Source};

/// Timeouts, limits and retry policy.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub total_timeout: Duration,
    /// Time allowed for a whole refresh (every request and wait of it); what is left when it
    /// passes is abandoned and reported.
    pub round_deadline: Duration,
    /// Bodies larger than this are rejected (a venue never sends more for these calls).
    pub max_body_bytes: usize,
    /// Attempts after the first for transient failures.
    pub retries: u32,
    /// First backoff; doubled per attempt, with up to 50 % jitter added.
    pub backoff: Duration,
    /// The longest `Retry-After` waited for; a longer one is reported, not waited out.
    pub max_retry_after: Duration,
    /// Sent as `User-Agent`.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            round_deadline: Duration::from_secs(20),
            max_body_bytes: 8 * 1024 * 1024,
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(10),
            user_agent: format!("RiskDeck/{} (desktop risk tool)", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A received body and its status (2xx, or a 4xx whose body may hold the venue's error).
#[derive(Debug)]
pub struct Body {
    /// HTTP status.
    pub status: u16,
    /// The bytes, at most `max_body_bytes`.
    pub bytes: Vec<u8>,
}

/// Base URLs in force per source (settings override, then environment, then default).
pub type BaseUrls = std::collections::BTreeMap<Source, String>;

/// The HTTP client with its policy.
pub struct Transport {
    client: reqwest::blocking::Client,
    config: HttpConfig,
    base_urls: BaseUrls,
}

impl Transport {
    /// A client with `config`; `overrides` replace base URLs per source (else environment
    /// variable, else the venue's own).
    pub fn new(config: HttpConfig, overrides: &BaseUrls) -> Result<Self, String> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone())
            .gzip(true)
            .build()
            .map_err(|e| format!("could not create the HTTP client: {e}"))?;
        let base_urls = Source::NETWORK
            .into_iter()
            .map(|s| (s, s.base_url(overrides.get(&s).map(String::as_str))))
            .collect();
        Ok(Self {
            client,
            config,
            base_urls,
        })
    }

    /// The base URL used for `source`.
    pub fn base_url(&self, source: Source) -> &str {
        self.base_urls.get(&source).map_or("", String::as_str)
    }

    /// The policy in force.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The same client (its connections shared) with `retries` attempts after the first:
    /// lookups that have other sources to fall back on need not wait out retries.
    #[must_use]
    pub fn with_retries(&self, retries: u32) -> Self {
        Self {
            client: self.client.clone(),
            config: HttpConfig {
                retries,
                ..self.config.clone()
            },
            base_urls: self.base_urls.clone(),
        }
    }

    /// The deadline of a refresh round starting now.
    #[expect(
        clippy::disallowed_methods,
        reason = "a network deadline on the monotonic clock (transport shell)"
    )]
    pub fn round_deadline(&self) -> Instant {
        Instant::now() + self.config.round_deadline
    }

    /// Sends `request`, retrying transient failures, and parses the body with `parse`. A 4xx
    /// body is given to `parse` too, so the venue's own error envelope becomes the error.
    pub fn fetch<T>(
        &self,
        request: &Request,
        cancel: &AtomicBool,
        parse: impl Fn(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, FetchError> {
        self.fetch_until(request, cancel, None, parse)
    }

    /// [`Transport::fetch`] inside a round that ends at `deadline`: no attempt starts, and no
    /// wait runs, past it.
    pub fn fetch_until<T>(
        &self,
        request: &Request,
        cancel: &AtomicBool,
        deadline: Option<Instant>,
        parse: impl Fn(&[u8]) -> Result<T, ParseError>,
    ) -> Result<T, FetchError> {
        let body = self.send_with_retries(request, cancel, deadline)?;
        match parse(&body.bytes) {
            Ok(value) if body.status < 300 => Ok(value),
            // A 4xx whose body parsed as data: report the status.
            Ok(_) => Err(self.error(
                request,
                ErrorKind::Http {
                    status: body.status,
                },
                format!("HTTP {}", body.status),
            )),
            Err(error) if body.status >= 300 && error.kind == ErrorKind::Malformed => Err(self
                .error(
                    request,
                    ErrorKind::Http {
                        status: body.status,
                    },
                    format!("HTTP {}: {}", body.status, snippet(&body.bytes)),
                )),
            Err(error) => Err(FetchError::from_parse(
                request.source,
                request.endpoint,
                error,
            )),
        }
    }

    /// Sends `request` up to `1 + retries` times while failures are transient, within the
    /// round's `deadline` when given.
    #[expect(
        clippy::disallowed_methods,
        reason = "request deadlines on the monotonic clock (transport shell)"
    )]
    pub fn send_with_retries(
        &self,
        request: &Request,
        cancel: &AtomicBool,
        round: Option<Instant>,
    ) -> Result<Body, FetchError> {
        let mut attempt = 0;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(self.error(request, ErrorKind::Offline, "cancelled".to_owned()));
            }
            let now = Instant::now();
            if round.is_some_and(|end| now >= end) {
                return Err(self.past_round(request));
            }
            let own = now + self.config.total_timeout;
            let deadline = round.map_or(own, |end| end.min(own));
            let error = match self.send_once(request, deadline) {
                Ok(body) => return Ok(body),
                Err(error) => error,
            };
            let wait = match &error.kind {
                ErrorKind::RateLimited {
                    retry_after_s: Some(seconds),
                } => {
                    let wait = Duration::from_secs(*seconds);
                    if wait > self.config.max_retry_after {
                        return Err(error);
                    }
                    wait
                }
                kind if kind.is_transient() => backoff(self.config.backoff, attempt),
                _ => return Err(error),
            };
            if attempt >= self.config.retries {
                return Err(error);
            }
            // A wait that would end past the round's deadline is not started.
            if round.is_some_and(|end| Instant::now() + wait >= end) {
                return Err(FetchError {
                    message: format!(
                        "{}; no retry: waiting {} s would pass the refresh round's deadline",
                        error.message,
                        wait.as_secs()
                    ),
                    ..error
                });
            }
            attempt += 1;
            if !sleep_unless_cancelled(wait, cancel) {
                return Err(self.error(request, ErrorKind::Offline, "cancelled".to_owned()));
            }
        }
    }

    /// The error of a request the round's deadline left unsent.
    pub fn past_round(&self, request: &Request) -> FetchError {
        self.error(
            request,
            ErrorKind::Timeout,
            format!(
                "not sent: the refresh round's {} s deadline passed",
                self.config.round_deadline.as_secs()
            ),
        )
    }

    /// One attempt, finished by `deadline` (body included): status codes and transport
    /// failures become typed errors.
    #[expect(
        clippy::disallowed_methods,
        reason = "the request's deadline on the monotonic clock (transport shell)"
    )]
    fn send_once(&self, request: &Request, deadline: Instant) -> Result<Body, FetchError> {
        let url = request.url(self.base_url(request.source));
        let builder = match request.method {
            Method::Get => self.client.get(&url),
            Method::Post => self
                .client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(request.body.clone().unwrap_or_default()),
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let response = builder
            .timeout(remaining.max(Duration::from_millis(1)))
            .send()
            .map_err(|e| self.transport_error(request, &e))?;
        let status = response.status().as_u16();
        let retry_after_s = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let kind = match status {
            429 => Some(ErrorKind::RateLimited { retry_after_s }),
            418 => Some(ErrorKind::Banned { retry_after_s }),
            451 => Some(ErrorKind::RegionBlocked),
            // Bybit answers 403 to US addresses and Binance's firewall uses it too.
            403 => Some(ErrorKind::RegionBlocked),
            s if s >= 500 => Some(ErrorKind::Http { status }),
            // Not followed: see the module docs.
            s if (300..400).contains(&s) => Some(ErrorKind::Http { status }),
            _ => None,
        };
        if let Some(kind) = kind {
            let message = match &kind {
                ErrorKind::RegionBlocked => format!(
                    "HTTP {status}: the venue refuses requests from this network (region or \
                     IP block)"
                ),
                _ if (300..400).contains(&status) => format!(
                    "HTTP {status}: a redirect to {} was not followed (venue APIs do not \
                     redirect; check the base URL)",
                    response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("an unnamed location")
                ),
                _ => format!("HTTP {status}"),
            };
            return Err(self.error(request, kind, message));
        }
        let limit = self.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(self.too_large(request, limit));
        }
        // Read in chunks, checking the deadline between them: each read is bounded by the
        // client's timeout, but a body that keeps arriving slowly must still end in time.
        let mut bytes = Vec::new();
        let mut reader = response.take(limit as u64 + 1);
        let mut chunk = [0u8; 16 * 1024];
        let late = |received: usize| {
            self.error(
                request,
                ErrorKind::Timeout,
                format!("the body did not arrive in time ({received} bytes received)"),
            )
        };
        loop {
            if Instant::now() >= deadline {
                return Err(late(bytes.len()));
            }
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // The client's own timeout ends a read at the deadline too.
                Err(_) if Instant::now() + Duration::from_millis(50) >= deadline => {
                    return Err(late(bytes.len()));
                }
                Err(e) => {
                    let kind = if is_timeout_io(&e) {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Connect
                    };
                    return Err(self.error(request, kind, format!("reading the body failed: {e}")));
                }
            }
        }
        if bytes.len() > limit {
            return Err(self.too_large(request, limit));
        }
        Ok(Body { status, bytes })
    }

    fn too_large(&self, request: &Request, limit: usize) -> FetchError {
        self.error(
            request,
            ErrorKind::TooLarge { limit_bytes: limit },
            format!("the body is larger than {limit} bytes"),
        )
    }

    fn transport_error(&self, request: &Request, error: &reqwest::Error) -> FetchError {
        let kind = if error.is_timeout() {
            ErrorKind::Timeout
        } else {
            ErrorKind::Connect
        };
        self.error(request, kind, error.to_string())
    }

    fn error(&self, request: &Request, kind: ErrorKind, message: String) -> FetchError {
        FetchError {
            source: request.source,
            endpoint: request.endpoint,
            kind,
            message,
        }
    }
}

/// Whether an I/O error while reading a body was the total timeout.
fn is_timeout_io(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::TimedOut
        || error.to_string().to_ascii_lowercase().contains("timed out")
}

/// `base × 2^attempt` plus up to 50 % jitter, so clients that failed together do not retry
/// together.
#[expect(
    clippy::disallowed_methods,
    reason = "jitter seed from the clock's nanoseconds: transport shell, not a computed figure"
)]
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1 << attempt.min(10));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // A cheap per-call fraction in [0, 0.5): jitter needs spread, not cryptographic quality.
    let fraction = f64::from(nanos % 1000) / 2000.0;
    exponential + exponential.mul_f64(fraction)
}

/// Sleeps `duration` in short steps; false if `cancel` was raised meanwhile.
#[expect(
    clippy::disallowed_methods,
    reason = "a retry wait measured on the monotonic clock (transport shell)"
)]
fn sleep_unless_cancelled(duration: Duration, cancel: &AtomicBool) -> bool {
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep((deadline - Instant::now()).min(Duration::from_millis(20)));
    }
    !cancel.load(Ordering::Relaxed)
}

/// The start of a body, for messages.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
