//! Market data for the window: a named worker thread owns the price feed (and with it the
//! HTTP client); the UI sends it refresh requests and gets progress and finished boards back
//! over a channel, with a repaint each time, so no frame ever waits on the network.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use crate::market::board::{self, Board, Wanted};
use crate::market::cache;
use crate::market::fetch::{Progress, now_ms};
use crate::market::transport::{BaseUrls, HttpConfig, Transport};
use crate::market::{ErrorKind, FetchError, Source};

/// How the user set up the sources (Settings view).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FeedSettings {
    /// Source order for coins and the stablecoin source.
    pub plan: board::SourcePlan,
    /// Base URL per source, replacing the venue's own (and the environment's).
    pub base_urls: BaseUrls,
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
}

/// The real feed: the venues, the disk cache and the bundle.
#[derive(Default)]
pub struct LiveFeed {
    transport: Option<Transport>,
    transport_error: Option<String>,
    /// The base URLs the client was made with.
    base_urls: BaseUrls,
    /// Where the price cache lives; `None` keeps no cache.
    cache_dir: Option<std::path::PathBuf>,
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
        if settings.base_urls != self.base_urls {
            self.base_urls.clone_from(&settings.base_urls);
            self.transport = None;
            self.transport_error = None;
        }
        if self.transport.is_none() && self.transport_error.is_none() {
            match Transport::new(HttpConfig::default(), &self.base_urls) {
                Ok(transport) => self.transport = Some(transport),
                Err(e) => self.transport_error = Some(e),
            }
        }
        let (path, cached) = self.cached();
        let Some(transport) = &self.transport else {
            let mut board = board::offline(wanted, now_ms(), &cached);
            board.offline_as_of = None;
            board.errors.push(FetchError {
                source: Source::BinanceSpot,
                endpoint: "",
                kind: ErrorKind::Connect,
                message: self.transport_error.clone().unwrap_or_default(),
            });
            return board;
        };
        let board = board::refresh(transport, wanted, &settings.plan, &cached, cancel, progress);
        if let Some(path) = path
            && let Err(e) = cache::save(&path, &board.entries, now_ms())
        {
            tracing::warn!("could not write the price cache {}: {e}", path.display());
        }
        board
    }

    fn offline(&mut self, wanted: &[Wanted]) -> Board {
        board::offline(wanted, now_ms(), &self.cached().1)
    }
}

enum Request {
    Refresh {
        id: u64,
        wanted: Vec<Wanted>,
        offline: bool,
        settings: FeedSettings,
    },
}

enum Event {
    Progress(Progress),
    /// The cache and bundle for instruments not shown yet, while their live refresh runs.
    Interim(Board),
    Done {
        id: u64,
        board: Board,
    },
}

/// The UI's handle on the market worker.
pub struct MarketService {
    requests: Sender<Request>,
    events: Receiver<Event>,
    cancel: Arc<AtomicBool>,
    next_id: u64,
    running: Option<u64>,
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
    /// Starts the worker thread with `feed`; `ctx` is woken whenever something arrives.
    pub fn new(ctx: egui::Context, mut feed: Box<dyn PriceFeed>) -> Self {
        let (requests, request_rx) = channel::<Request>();
        let (event_tx, events) = channel::<Event>();
        let cancel = Arc::new(AtomicBool::new(false));
        let worker_cancel = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("riskdeck-market".to_owned())
            .spawn(move || {
                // The instruments the last board priced: new ones are shown at once from the
                // cache and the bundle (marked with their age) while the venues are asked.
                let mut shown: Option<Vec<Wanted>> = None;
                for request in request_rx {
                    let Request::Refresh {
                        id,
                        wanted,
                        offline,
                        settings,
                    } = request;
                    let progress_tx = std::sync::Mutex::new(event_tx.clone());
                    let progress_ctx = ctx.clone();
                    let progress = move |p: Progress| {
                        if let Ok(tx) = progress_tx.lock() {
                            let _ = tx.send(Event::Progress(p));
                        }
                        progress_ctx.request_repaint();
                    };
                    if !offline && shown.as_ref() != Some(&wanted) {
                        let mut interim = feed.offline(&wanted);
                        // Not offline: the venues are being asked right now.
                        interim.offline_as_of = None;
                        if event_tx.send(Event::Interim(interim)).is_err() {
                            break;
                        }
                        ctx.request_repaint();
                    }
                    let board = if offline {
                        feed.offline(&wanted)
                    } else {
                        feed.refresh(&wanted, &settings, &worker_cancel, &progress)
                    };
                    shown = Some(wanted);
                    if event_tx.send(Event::Done { id, board }).is_err() {
                        break;
                    }
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            tracing::error!("could not start the market-data thread: {e}");
        }
        Self {
            requests,
            events,
            cancel,
            next_id: 0,
            running: None,
            board: None,
            progress: BTreeMap::new(),
            last_started: None,
            last_success_ms: BTreeMap::new(),
        }
    }

    /// Asks for a new board of `wanted` (from the bundle and cache only when `offline`).
    pub fn refresh(&mut self, wanted: Vec<Wanted>, offline: bool, settings: FeedSettings) {
        self.next_id += 1;
        self.cancel.store(false, Ordering::Relaxed);
        self.running = Some(self.next_id);
        self.progress.clear();
        self.last_started = Some(Instant::now());
        let _ = self.requests.send(Request::Refresh {
            id: self.next_id,
            wanted,
            offline,
            settings,
        });
    }

    /// Stops the running refresh; what already arrived is kept.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether a refresh is running.
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// Takes what the worker sent; true when a new board arrived.
    pub fn poll(&mut self) -> bool {
        let mut arrived = false;
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Progress(p) => {
                    self.progress.insert(p.source, (p.done, p.total));
                }
                Event::Interim(board) => {
                    self.board = Some(Arc::new(board));
                    arrived = true;
                }
                Event::Done { id, board } => {
                    if self.running == Some(id) {
                        self.running = None;
                    }
                    let now = now_ms();
                    for (source, report) in &board.venues {
                        if report.answered > 0 {
                            self.last_success_ms.insert(*source, now);
                        }
                    }
                    self.board = Some(Arc::new(board));
                    arrived = true;
                }
            }
        }
        arrived
    }
}
