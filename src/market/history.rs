//! Candle history of one coin, from the first place that has it: the disk cache (when it
//! already covers the range), the venues in priority order (Binance spot, Coinbase, Kraken),
//! then the bundled history. Every answer says where it came from.
//!
//! Fetched candles are cached per venue, coin and interval in `candles/` beside the price
//! cache, with the time spans they are known to cover, so asking again for a range already
//! seen (or asking offline) needs no network. Only closed candles are cached: a still-forming
//! candle changes until its interval ends. A corrupt or foreign cache file is ignored with a
//! warning and rewritten by the next fetch.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::{ErrorKind, FetchError};
use super::source::Source;
use super::transport::Transport;
use super::types::{Candle, Interval, ascending};
use super::{binance, bundle, coinbase, kraken};

/// The cache format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The venues asked for history, in order: Binance spot has the deepest history (1000 rows
/// a page); Coinbase (300 a page) stands in where Binance is region-blocked; Kraken returns
/// only its latest 720 rows (price-apis.md §7, "should not be primaries").
pub const ONLINE_ORDER: [Source; 3] = [Source::BinanceSpot, Source::Coinbase, Source::Kraken];

/// What was asked: a coin's candles of one interval between two times (inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRequest {
    /// Base asset, upper case (`BTC`).
    pub asset: String,
    /// Candle length.
    pub interval: Interval,
    /// First candle start, ms since the epoch.
    pub start_ms: i64,
    /// Last candle start at or before this, ms since the epoch.
    pub end_ms: i64,
}

/// Where a history came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Fetched just now.
    Venue,
    /// The disk cache of an earlier fetch.
    Cache,
    /// The bundled history (as of [`bundle::AS_OF`]).
    Bundle,
}

impl Origin {
    /// Lower-case name for JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Venue => "venue",
            Self::Cache => "cache",
            Self::Bundle => "bundle",
        }
    }
}

/// A history and its provenance.
#[derive(Clone, Debug)]
pub struct History {
    /// The venue the candles are from ([`Source::Bundle`] for the bundle).
    pub source: Source,
    /// Fetched now, from the cache, or bundled.
    pub origin: Origin,
    /// Quote currency of the prices (`USDT` at Binance, `USD` at Coinbase and Kraken).
    pub quote: &'static str,
    /// Candles, oldest first, within the request.
    pub candles: Vec<Candle>,
    /// Failures of the venues tried before the one that answered (or all of them).
    pub errors: Vec<FetchError>,
    /// Cache files that were unreadable and ignored.
    pub warnings: Vec<String>,
    /// What a user should know about the coverage (Kraken's short memory).
    pub note: Option<String>,
}

/// The quote currency of `source`'s history.
fn quote_of(source: Source) -> &'static str {
    if source == Source::BinanceSpot {
        "USDT"
    } else {
        "USD"
    }
}

/// Finds the history: cache, then (unless `transport` is `None`, i.e. offline) the venues,
/// then the bundle, then whatever part the cache holds. `None` when nothing has the coin.
pub fn load(
    request: &HistoryRequest,
    transport: Option<&Transport>,
    cache_dir: Option<&Path>,
    now_ms: i64,
    cancel: &AtomicBool,
) -> Result<History, (Vec<FetchError>, Vec<String>)> {
    let mut warnings = Vec::new();
    let covered_to = covered_end(request, now_ms);
    let mut partial: Option<(Source, Vec<Candle>)> = None;
    if let Some(dir) = cache_dir {
        for source in ONLINE_ORDER {
            let file = match read_cache(&cache_path(dir, source, &request.asset, request.interval))
            {
                Ok(Some(file)) => file,
                Ok(None) => continue,
                Err(warning) => {
                    warnings.push(warning);
                    continue;
                }
            };
            let candles = file.in_range(request.start_ms, request.end_ms);
            if file.covers(request.start_ms, covered_to) {
                return Ok(History {
                    source,
                    origin: Origin::Cache,
                    quote: quote_of(source),
                    candles,
                    errors: Vec::new(),
                    warnings,
                    note: None,
                });
            }
            if partial.is_none() && !candles.is_empty() {
                partial = Some((source, candles));
            }
        }
    }
    let mut errors = Vec::new();
    if let Some(transport) = transport {
        for source in ONLINE_ORDER {
            match fetch(transport, source, request, now_ms, cancel) {
                Ok(candles) => {
                    if let Some(dir) = cache_dir
                        && let Err(e) = save_cache(dir, source, request, &candles, now_ms)
                    {
                        warnings.push(format!("candle cache not written: {e}"));
                    }
                    let note = (source == Source::Kraken)
                        .then(|| kraken_note(&candles, request))
                        .flatten();
                    return Ok(History {
                        source,
                        origin: Origin::Venue,
                        quote: quote_of(source),
                        candles,
                        errors,
                        warnings,
                        note,
                    });
                }
                Err(error) => {
                    let stop = cancel.load(std::sync::atomic::Ordering::Relaxed);
                    errors.push(error);
                    if stop {
                        break;
                    }
                }
            }
        }
    }
    if let Some(series) = bundle::series(&request.asset, request.interval) {
        return Ok(History {
            source: Source::Bundle,
            origin: Origin::Bundle,
            quote: series.quote,
            candles: bundle::range(
                &request.asset,
                request.interval,
                request.start_ms,
                request.end_ms,
            )
            .unwrap_or_default(),
            errors,
            warnings,
            note: None,
        });
    }
    if let Some((source, candles)) = partial {
        let note = format!(
            "only part of the range is cached ({} candles from {}); the venues could not be asked",
            candles.len(),
            source.display_name()
        );
        return Ok(History {
            source,
            origin: Origin::Cache,
            quote: quote_of(source),
            candles,
            errors,
            warnings,
            note: Some(note),
        });
    }
    Err((errors, warnings))
}

/// The last moment of the request that closed candles can cover: the request's end, or the
/// start of the candle still forming at `now_ms`, whichever is earlier.
fn covered_end(request: &HistoryRequest, now_ms: i64) -> i64 {
    let step = request.interval.millis();
    let forming = now_ms - now_ms.rem_euclid(step);
    request.end_ms.min(forming - 1)
}

/// Kraken answers with its latest 720 rows whatever `since` says; say so when they start
/// after the requested start.
fn kraken_note(candles: &[Candle], request: &HistoryRequest) -> Option<String> {
    let first = candles.first()?;
    (first.open_time_ms > request.start_ms + request.interval.millis()).then(|| {
        format!(
            "Kraken keeps only its latest 720 candles: history starts at {}",
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(first.open_time_ms)
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default()
        )
    })
}

/// Fetches the request's candles from one venue, page by page.
pub fn fetch(
    transport: &Transport,
    source: Source,
    request: &HistoryRequest,
    now_ms: i64,
    cancel: &AtomicBool,
) -> Result<Vec<Candle>, FetchError> {
    let HistoryRequest {
        asset,
        interval,
        start_ms,
        end_ms,
    } = request;
    let (interval, start_ms, end_ms) = (*interval, *start_ms, *end_ms);
    let step = interval.millis();
    let mut candles: Vec<Candle> = Vec::new();
    match source {
        Source::BinanceSpot => {
            let symbol = format!("{asset}USDT");
            let mut from = start_ms;
            while from <= end_ms {
                let request = binance::klines(
                    source,
                    binance::KlineSeries::Trades,
                    &symbol,
                    interval,
                    from,
                    end_ms,
                    1000,
                );
                let page =
                    transport.fetch(&request, cancel, |b| binance::parse_klines(b, now_ms))?;
                let Some(last) = page.last() else {
                    break;
                };
                from = last.open_time_ms + step;
                let full = page.len() >= 1000;
                candles.extend(page);
                if !full {
                    break;
                }
            }
        }
        Source::Coinbase => {
            // 300 candles a request (price-apis.md §6); `end` is inclusive.
            let product = format!("{asset}-USD");
            let mut from = start_ms;
            while from <= end_ms {
                let to = (from + 299 * step).min(end_ms);
                let request = coinbase::candles(&product, interval, from / 1000, to / 1000);
                candles.extend(transport.fetch(&request, cancel, |b| {
                    coinbase::parse_candles(b, interval, now_ms)
                })?);
                from = to + step;
            }
        }
        Source::Kraken => {
            let pair = kraken::usd_pair(asset);
            let request = kraken::ohlc(&pair, interval, start_ms / 1000);
            candles = transport.fetch(&request, cancel, kraken::parse_ohlc)?;
        }
        other => {
            return Err(FetchError {
                source: other,
                endpoint: "history",
                kind: ErrorKind::UnknownInstrument,
                message: format!("{} is not a history source", other.display_name()),
            });
        }
    }
    let candles: Vec<Candle> = ascending(candles)
        .into_iter()
        .filter(|c| c.open_time_ms >= start_ms && c.open_time_ms <= end_ms)
        .collect();
    if candles.is_empty() {
        return Err(FetchError {
            source,
            endpoint: "history",
            kind: ErrorKind::Empty,
            message: format!("no {} candles for {asset} in the range", interval.name()),
        });
    }
    Ok(candles)
}

/// The cache file of one venue, coin and interval.
pub fn cache_path(dir: &Path, source: Source, asset: &str, interval: Interval) -> PathBuf {
    dir.join("candles")
        .join(format!("{}-{asset}-{}.json", source.key(), interval.name()))
}

#[derive(Serialize, Deserialize, Clone)]
struct CachedCandle {
    t: i64,
    o: Decimal,
    h: Decimal,
    l: Decimal,
    c: Decimal,
    v: Decimal,
}

#[derive(Serialize, Deserialize)]
struct CandleFile {
    format_version: u32,
    source: Source,
    asset: String,
    interval: String,
    saved_at_ms: i64,
    /// Inclusive time spans (ms) whose closed candles are all in `candles`, sorted, disjoint.
    spans: Vec<(i64, i64)>,
    candles: Vec<CachedCandle>,
}

impl CandleFile {
    fn covers(&self, from: i64, to: i64) -> bool {
        from > to || self.spans.iter().any(|(a, b)| *a <= from && to <= *b)
    }

    fn in_range(&self, from: i64, to: i64) -> Vec<Candle> {
        self.candles
            .iter()
            .filter(|c| c.t >= from && c.t <= to)
            .map(|c| Candle {
                open_time_ms: c.t,
                open: c.o,
                high: c.h,
                low: c.l,
                close: c.c,
                volume: c.v,
                closed: true,
            })
            .collect()
    }
}

/// Reads a cache file: `Ok(None)` when there is none, `Err(warning)` when it is unusable.
fn read_cache(path: &Path) -> Result<Option<CandleFile>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("candle cache {} ignored: {e}", path.display())),
    };
    match serde_json::from_slice::<CandleFile>(&bytes) {
        Ok(file) if file.format_version == FORMAT_VERSION => Ok(Some(file)),
        Ok(file) => Err(format!(
            "candle cache {} ignored: format {} (this build reads {FORMAT_VERSION})",
            path.display(),
            file.format_version
        )),
        Err(e) => Err(format!(
            "candle cache {} ignored: unreadable ({e}); it will be rewritten",
            path.display()
        )),
    }
}

/// Merges the closed candles of a fetch into the cache, recording the span they cover.
fn save_cache(
    dir: &Path,
    source: Source,
    request: &HistoryRequest,
    candles: &[Candle],
    now_ms: i64,
) -> std::io::Result<()> {
    let path = cache_path(dir, source, &request.asset, request.interval);
    let mut file = read_cache(&path).ok().flatten().unwrap_or(CandleFile {
        format_version: FORMAT_VERSION,
        source,
        asset: request.asset.clone(),
        interval: request.interval.name().to_owned(),
        saved_at_ms: now_ms,
        spans: Vec::new(),
        candles: Vec::new(),
    });
    // Kraken may not reach back to the start: the span begins where its answer does.
    let first = candles.first().map_or(request.start_ms, |c| c.open_time_ms);
    let span_start = if source == Source::Kraken {
        first.max(request.start_ms)
    } else {
        request.start_ms
    };
    let span_end = candles
        .iter()
        .find(|c| !c.closed)
        .map_or(covered_end(request, now_ms), |open| open.open_time_ms - 1)
        .min(covered_end(request, now_ms));
    file.candles.retain(|c| c.t < span_start || c.t > span_end);
    file.candles.extend(
        candles
            .iter()
            .filter(|c| c.closed && c.open_time_ms >= span_start && c.open_time_ms <= span_end)
            .map(|c| CachedCandle {
                t: c.open_time_ms,
                o: c.open,
                h: c.high,
                l: c.low,
                c: c.close,
                v: c.volume,
            }),
    );
    file.candles.sort_by_key(|c| c.t);
    file.candles.dedup_by_key(|c| c.t);
    if span_start <= span_end {
        file.spans.push((span_start, span_end));
    }
    file.spans = merge_spans(std::mem::take(&mut file.spans), request.interval.millis());
    file.saved_at_ms = now_ms;
    let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    super::cache::write_atomic(&path, &bytes)
}

/// Sorts spans and joins those that overlap or touch (within one candle).
fn merge_spans(mut spans: Vec<(i64, i64)>, step_ms: i64) -> Vec<(i64, i64)> {
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 + step_ms => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}
