//! Market data for the window: each refresh runs as the `prices` task of the task layer
//! ([`super::tasks`]), which holds the price feed (and with it the HTTP client) while it runs;
//! progress, an interim board from the cache and the finished board come back as messages,
//! with a repaint each time, so no frame ever waits on the network.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::tasks::{Policy, Tasks};

use crate::market::board::{self, Board, Wanted};
use crate::market::cache;
use crate::market::fetch::{Clock, Progress};
use crate::market::transport::{BaseUrls, HttpConfig, Transport};
use crate::market::{ErrorKind, FetchError, Source};

/// How the user set up the sources (Settings view).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FeedSettings {
    /// Source order for coins and the stablecoin source.
    pub plan: board::SourcePlan,
    /// Base URL per source, replacing the venue's own (and the environment's).
    pub base_urls: BaseUrls,
    /// Seconds a whole refresh may take; what is left then is abandoned and reported.
    pub round_deadline_s: u64,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            plan: board::SourcePlan::default(),
            base_urls: BaseUrls::default(),
            round_deadline_s: HttpConfig::default().round_deadline.as_secs(),
        }
    }
}

/// The HTTP policy of `settings`.
fn http_config(settings: &FeedSettings) -> HttpConfig {
    HttpConfig {
        round_deadline: std::time::Duration::from_secs(settings.round_deadline_s.max(1)),
        ..HttpConfig::default()
    }
}

/// Where boards come from: the venues in the app, a fake in tests.
pub trait PriceFeed: Send + 'static {
    /// Fetches `wanted` as `settings` say, reporting progress; stops early when `cancel` is
    /// raised.
    fn refresh(
        &mut self,
        wanted: &[Wanted],
        settings: &FeedSettings,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Board;
    /// The board without any network use.
    fn offline(&mut self, wanted: &[Wanted]) -> Board;
    /// The board at the past time `at_ms`: candle closes at that moment (from the bundle
    /// only, unless a feed also asks the venues and the candle cache).
    fn historical(
        &mut self,
        wanted: &[Wanted],
        at_ms: i64,
        _offline: bool,
        cancel: &AtomicBool,
    ) -> Board {
        board::at_time(wanted, at_ms, None, None, at_ms, cancel)
    }
}

/// The real feed: the venues, the disk cache and the bundle.
#[derive(Default)]
pub struct LiveFeed {
    transport: Option<Transport>,
    transport_error: Option<String>,
    /// The base URLs the client was made with.
    base_urls: BaseUrls,
    /// The refresh deadline the client was made with (s).
    round_deadline_s: u64,
    /// Where the price cache lives; `None` keeps no cache.
    cache_dir: Option<std::path::PathBuf>,
    /// The time boards and the cache are stamped with.
    clock: Clock,
}

impl LiveFeed {
    /// A feed; the HTTP client is created on the worker thread at the first refresh, and
    /// again when the base URLs change.
    pub fn new() -> Self {
        Self::with_cache_dir(cache::cache_dir())
    }

    /// A feed whose price cache is in `cache_dir` (tests pass a temporary folder, so a
    /// developer's own cache never changes what they see).
    pub fn with_cache_dir(cache_dir: Option<std::path::PathBuf>) -> Self {
        Self {
            cache_dir,
            ..Self::default()
        }
    }

    /// The same feed reading the time from `clock` (tests freeze it).
    #[must_use]
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    fn cached(&self) -> (Option<std::path::PathBuf>, cache::Cached) {
        let path = self.cache_dir.as_deref().map(cache::prices_path);
        let cached = path.as_deref().map(cache::load).unwrap_or_default();
        if let Some(warning) = &cached.warning {
            tracing::warn!("{warning}");
        }
        (path, cached)
    }
}

impl PriceFeed for LiveFeed {
    fn refresh(
        &mut self,
        wanted: &[Wanted],
        settings: &FeedSettings,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Board {
        if settings.base_urls != self.base_urls
            || settings.round_deadline_s != self.round_deadline_s
        {
            self.base_urls.clone_from(&settings.base_urls);
            self.round_deadline_s = settings.round_deadline_s;
            self.transport = None;
            self.transport_error = None;
        }
        if self.transport.is_none() && self.transport_error.is_none() {
            match Transport::new(http_config(settings), &self.base_urls) {
                Ok(transport) => self.transport = Some(transport),
                Err(e) => self.transport_error = Some(e),
            }
        }
        let (path, cached) = self.cached();
        let Some(transport) = &self.transport else {
            let mut board = board::offline(wanted, self.clock.now_ms(), &cached);
            board.offline_as_of = None;
            board.as_of_ms = None;
            board.errors.push(FetchError {
                source: Source::BinanceSpot,
                endpoint: "",
                kind: ErrorKind::Connect,
                message: self.transport_error.clone().unwrap_or_default(),
            });
            return board;
        };
        let board = board::refresh(
            transport,
            wanted,
            &settings.plan,
            &cached,
            cancel,
            progress,
            self.clock.now_ms(),
        );
        if let Some(path) = path
            && let Err(e) = cache::save(&path, &board.entries, self.clock.now_ms())
        {
            tracing::warn!("could not write the price cache {}: {e}", path.display());
        }
        board
    }

    fn offline(&mut self, wanted: &[Wanted]) -> Board {
        board::offline(wanted, self.clock.now_ms(), &self.cached().1)
    }

    fn historical(
        &mut self,
        wanted: &[Wanted],
        at_ms: i64,
        offline: bool,
        cancel: &AtomicBool,
    ) -> Board {
        if !offline && self.transport.is_none() {
            self.transport = Transport::new(HttpConfig::default(), &self.base_urls).ok();
        }
        let transport = if offline {
            None
        } else {
            self.transport.as_ref()
        };
        board::at_time(
            wanted,
            at_ms,
            transport,
            self.cache_dir.as_deref(),
            self.clock.now_ms(),
            cancel,
        )
    }
}

/// What the `prices` task sends home.
pub enum PriceEvent {
    /// A venue's progress in the running refresh.
    Progress(Progress),
    /// The cache and bundle for instruments not shown yet, while their live refresh runs.
    Interim(Board),
    /// The finished board.
    Done(Board),
}

/// The name of the price-refresh task: a newer refresh supersedes a running one.
pub const PRICES_TASK: &str = "prices";

/// The window's prices: the feed (shared with the running `prices` task, which owns the
/// HTTP client while it runs) and what the last refresh brought.
pub struct MarketService {
    feed: Arc<Mutex<Box<dyn PriceFeed>>>,
    /// The instruments the last board priced: new ones are shown at once from the cache and
    /// the bundle (marked with their age) while the venues are asked.
    shown: Option<Vec<Wanted>>,
    /// What the running refresh asks for.
    asking: Option<Vec<Wanted>>,
    /// The past valuation time the latest refresh priced (`None`: now).
    pub past: Option<i64>,
    /// The latest board, once one arrived.
    pub board: Option<Arc<Board>>,
    /// Progress of the running refresh per venue: (done, total).
    pub progress: BTreeMap<Source, (usize, usize)>,
    /// When the last refresh started (for the auto-refresh interval).
    pub last_started: Option<Instant>,
    /// Each venue's last successful answer (ms since the epoch).
    pub last_success_ms: BTreeMap<Source, i64>,
}

impl MarketService {
    /// A service over `feed`.
    pub fn new(feed: Box<dyn PriceFeed>) -> Self {
        Self {
            feed: Arc::new(Mutex::new(feed)),
            shown: None,
            asking: None,
            past: None,
            board: None,
            progress: BTreeMap::new(),
            last_started: None,
            last_success_ms: BTreeMap::new(),
        }
    }

    /// Starts the `prices` task for `wanted` (from the bundle and cache only when
    /// `offline`; candle closes at that time when `past` is a past valuation time); a
    /// refresh still running is superseded. `wrap` turns the task's events into the owner's
    /// messages.
    #[expect(
        clippy::disallowed_methods,
        reason = "the auto-refresh interval is measured on the shell's monotonic clock"
    )]
    pub fn refresh<M: Send + 'static>(
        &mut self,
        tasks: &mut Tasks<M>,
        wrap: fn(PriceEvent) -> M,
        wanted: Vec<Wanted>,
        offline: bool,
        settings: FeedSettings,
        past: Option<i64>,
    ) {
        self.progress.clear();
        self.last_started = Some(Instant::now());
        self.past = past;
        let interim = past.is_none() && !offline && self.shown.as_ref() != Some(&wanted);
        self.asking = Some(wanted.clone());
        let feed = Arc::clone(&self.feed);
        tasks.spawn(PRICES_TASK, Policy::Supersede, move |cx| {
            // A superseded refresh is cancelled; it returns quickly and frees the feed.
            let Ok(mut feed) = feed.lock() else {
                return;
            };
            if interim {
                let mut board = feed.offline(&wanted);
                // Not offline: the venues are being asked right now.
                board.offline_as_of = None;
                board.as_of_ms = None;
                cx.send(wrap(PriceEvent::Interim(board)));
            }
            if let Some(at_ms) = past.filter(|_| !offline) {
                // The bundle's and the cache's closes at once, while the venues are asked for
                // what they lack.
                let mut board = feed.historical(&wanted, at_ms, true, cx.cancel_flag());
                // Not offline: the venues are being asked right now.
                board.offline_as_of = None;
                cx.send(wrap(PriceEvent::Interim(board)));
            }
            let board = if let Some(at_ms) = past {
                feed.historical(&wanted, at_ms, offline, cx.cancel_flag())
            } else if offline {
                feed.offline(&wanted)
            } else {
                let progress = |p: Progress| {
                    cx.send(wrap(PriceEvent::Progress(p)));
                };
                feed.refresh(&wanted, &settings, cx.cancel_flag(), &progress)
            };
            cx.send(wrap(PriceEvent::Done(board)));
        });
    }

    /// Takes one event of the `prices` task; true when a new board arrived.
    pub fn handle(&mut self, event: PriceEvent, now_ms: i64) -> bool {
        match event {
            PriceEvent::Progress(p) => {
                self.progress.insert(p.source, (p.done, p.total));
                false
            }
            PriceEvent::Interim(board) => {
                self.board = Some(Arc::new(board));
                true
            }
            PriceEvent::Done(board) => {
                for (source, report) in &board.venues {
                    if report.answered > 0 {
                        self.last_success_ms.insert(*source, now_ms);
                    }
                }
                self.shown = self.asking.take();
                self.board = Some(Arc::new(board));
                true
            }
        }
    }
}
