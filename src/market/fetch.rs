//! Fetching many requests at once: one thread per venue, so a slow or failing venue never
//! delays the others; inside a venue requests run in order (venues limit per IP). A venue
//! that answers "region blocked" or "banned" is not asked again in the same round. Progress
//! is reported per venue and the whole round can be cancelled.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::error::{ErrorKind, FetchError, ParseError};
use super::source::{Request, Source};
use super::transport::Transport;
use super::types::Snapshot;

/// A body parser: bytes and fetch time (ms) to a snapshot.
pub type SnapshotParser = Box<dyn Fn(&[u8], i64) -> Result<Snapshot, ParseError> + Send + Sync>;

/// One request and how to read its answer.
pub struct Job {
    /// The request.
    pub request: Request,
    /// Its parser.
    pub parse: SnapshotParser,
}

impl Job {
    /// A job from a request and a parser.
    pub fn new(
        request: Request,
        parse: impl Fn(&[u8], i64) -> Result<Snapshot, ParseError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            request,
            parse: Box::new(parse),
        }
    }
}

/// How one venue fared in a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VenueState {
    /// Every request answered.
    Ok,
    /// Some requests failed, others answered.
    Partial,
    /// Rate limited (429, 418 or the venue's code).
    RateLimited,
    /// The venue refuses this network (451/403).
    Blocked,
    /// Every request failed otherwise.
    Failed,
    /// Offline mode or cancelled: nothing was sent.
    Offline,
}

impl VenueState {
    /// Lower-case name for JSON and the status bar.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Partial => "partial",
            Self::RateLimited => "rate_limited",
            Self::Blocked => "blocked",
            Self::Failed => "failed",
            Self::Offline => "offline",
        }
    }
}

/// One venue's round: its state, how long it took and when it last answered.
#[derive(Clone, Debug)]
pub struct VenueReport {
    /// The outcome.
    pub state: VenueState,
    /// Wall time spent on the venue.
    pub elapsed: Duration,
    /// Requests answered / sent.
    pub answered: usize,
    /// Requests sent.
    pub requested: usize,
}

/// What a round brought back: every value parsed, every error, and each venue's state.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Merged prices, funding and option quotes.
    pub snapshot: Snapshot,
    /// One error per failed request.
    pub errors: Vec<FetchError>,
    /// Per venue.
    pub venues: BTreeMap<Source, VenueReport>,
}

/// Progress of a round, sent as each request finishes.
#[derive(Clone, Debug)]
pub struct Progress {
    /// The venue.
    pub source: Source,
    /// Requests of that venue finished so far.
    pub done: usize,
    /// Requests of that venue in the round.
    pub total: usize,
}

/// Where the shell reads the time: the wall clock, or a frozen time (tests, so what they
/// see does not depend on when they run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock ([`now_ms`]).
    #[default]
    System,
    /// Always this time, ms since the epoch.
    Fixed(i64),
}

impl Clock {
    /// The time now, ms since the epoch.
    pub fn now_ms(self) -> i64 {
        match self {
            Self::System => now_ms(),
            Self::Fixed(ms) => ms,
        }
    }
}

/// The current time in milliseconds since the Unix epoch: the shell's one wall clock.
#[expect(
    clippy::disallowed_methods,
    reason = "the one place the wall clock is read; everything below takes time as an argument"
)]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Runs `jobs`, one thread per venue, and merges the results in venue order.
pub fn fetch_all(
    transport: &Transport,
    jobs: Vec<Job>,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Outcome {
    fetch_all_until(transport, jobs, cancel, progress, None)
}

/// [`fetch_all`] inside a refresh round ending at `deadline`: requests not sent by then are
/// abandoned and reported, one error each.
#[expect(
    clippy::disallowed_methods,
    reason = "network I/O: one scoped, named thread per venue so a slow venue delays no other"
)]
pub fn fetch_all_until(
    transport: &Transport,
    jobs: Vec<Job>,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
    deadline: Option<Instant>,
) -> Outcome {
    let mut by_venue: BTreeMap<Source, Vec<Job>> = BTreeMap::new();
    for job in jobs {
        by_venue.entry(job.request.source).or_default().push(job);
    }
    let results: Vec<(Source, Snapshot, Vec<FetchError>, VenueReport)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = by_venue
                .into_iter()
                .map(|(source, jobs)| {
                    let worker = std::thread::Builder::new()
                        .name(format!("riskdeck-fetch-{}", source.key()));
                    let handle = worker.spawn_scoped(scope, move || {
                        run_venue(transport, source, &jobs, cancel, progress, deadline)
                    });
                    (source, handle)
                })
                .collect();
            handles
                .into_iter()
                .map(|(source, handle)| match handle {
                    Ok(handle) => handle.join().unwrap_or_else(|_| {
                        failed(source, "the fetch thread stopped unexpectedly")
                    }),
                    Err(e) => failed(source, &format!("could not start a fetch thread: {e}")),
                })
                .collect()
        });
    let mut outcome = Outcome::default();
    for (source, snapshot, errors, report) in results {
        outcome.snapshot.prices.extend(snapshot.prices);
        outcome.snapshot.funding.extend(snapshot.funding);
        outcome.snapshot.options.extend(snapshot.options);
        outcome.errors.extend(errors);
        outcome.venues.insert(source, report);
    }
    outcome
}

/// A venue whose thread could not run.
fn failed(source: Source, message: &str) -> (Source, Snapshot, Vec<FetchError>, VenueReport) {
    (
        source,
        Snapshot::default(),
        vec![FetchError {
            source,
            endpoint: "",
            kind: ErrorKind::Connect,
            message: message.to_owned(),
        }],
        VenueReport {
            state: VenueState::Failed,
            elapsed: Duration::ZERO,
            answered: 0,
            requested: 0,
        },
    )
}

/// One venue's jobs, in order; stops asking a venue that blocks or bans this network.
#[expect(
    clippy::disallowed_methods,
    reason = "times the venue's round for the status bar (network shell, not the core)"
)]
fn run_venue(
    transport: &Transport,
    source: Source,
    jobs: &[Job],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
    deadline: Option<Instant>,
) -> (Source, Snapshot, Vec<FetchError>, VenueReport) {
    let started = Instant::now();
    let mut snapshot = Snapshot::default();
    let mut errors: Vec<FetchError> = Vec::new();
    let mut answered = 0;
    let mut refused: Option<ErrorKind> = None;
    for (done, job) in jobs.iter().enumerate() {
        let result = match &refused {
            Some(kind) => Err(FetchError {
                source,
                endpoint: job.request.endpoint,
                kind: kind.clone(),
                message: "not sent: the venue refused an earlier request".to_owned(),
            }),
            None if deadline.is_some_and(|end| Instant::now() >= end) => {
                Err(transport.past_round(&job.request))
            }
            None => {
                let fetched_at = now_ms();
                transport.fetch_until(&job.request, cancel, deadline, |body| {
                    (job.parse)(body, fetched_at)
                })
            }
        };
        match result {
            Ok(part) => {
                answered += 1;
                snapshot.prices.extend(part.prices);
                snapshot.funding.extend(part.funding);
                snapshot.options.extend(part.options);
            }
            Err(error) => {
                if matches!(
                    error.kind,
                    ErrorKind::RegionBlocked | ErrorKind::Banned { .. } | ErrorKind::Offline
                ) && refused.is_none()
                {
                    refused = Some(error.kind.clone());
                }
                errors.push(error);
            }
        }
        progress(Progress {
            source,
            done: done + 1,
            total: jobs.len(),
        });
    }
    let state = if errors.is_empty() {
        VenueState::Ok
    } else if answered > 0 {
        VenueState::Partial
    } else {
        match errors.first().map(|e| &e.kind) {
            Some(ErrorKind::RegionBlocked) => VenueState::Blocked,
            Some(ErrorKind::RateLimited { .. } | ErrorKind::Banned { .. }) => {
                VenueState::RateLimited
            }
            Some(ErrorKind::Offline) => VenueState::Offline,
            _ => VenueState::Failed,
        }
    };
    let report = VenueReport {
        state,
        elapsed: started.elapsed(),
        answered,
        requested: jobs.len(),
    };
    (source, snapshot, errors, report)
}
