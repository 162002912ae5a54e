//! The board at a past valuation time: each coin's candle close at that moment, never
//! today's marks.
//!
//! A coin takes the close of the hourly candle that ended at the valuation time (to the
//! millisecond: a candle closes at its open + its length − 1 ms), else of the daily candle
//! that ended within a day before it. The bundled history is asked first — it is Binance's
//! own spot candles, so a venue would send the same closes, and it answers at once — then
//! the candle cache and the venues (unless offline, and only until the refresh round's
//! deadline), through [`crate::market::history::load`]. Contracts have no past marks here, so
//! each stands in at its underlying's close and says so (`via`).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::merge::stand_in_underlyings;
use super::{Board, Entry, Wanted};
use crate::market::history::{self, HistoryRequest};
use crate::market::transport::Transport;
use crate::market::types::{Candle, Interval, PriceKind};
use crate::market::{Source, bundle};
use crate::model::InstrumentKey;

/// The candle of `candles` that closed last at or before `at_ms`, and less than one
/// `interval` before it.
pub fn close_at(candles: &[Candle], interval: Interval, at_ms: i64) -> Option<&Candle> {
    let step = interval.millis();
    candles.iter().rev().find(|c| {
        let close_ms = c.open_time_ms.saturating_add(step - 1);
        close_ms <= at_ms && at_ms - close_ms < step
    })
}

/// The board of `wanted` at `at_ms` (a past time): candle closes from the cache, the venues
/// through `transport` (`None` when offline) and the bundle. `now_ms` stamps what was
/// fetched.
pub fn at_time(
    wanted: &[Wanted],
    at_ms: i64,
    transport: Option<&Transport>,
    cache_dir: Option<&Path>,
    now_ms: i64,
    cancel: &AtomicBool,
) -> Board {
    let mut board = Board {
        as_of_ms: Some(at_ms),
        historical: true,
        offline_as_of: transport.is_none().then_some(bundle::AS_OF),
        ..Board::default()
    };
    let deadline = transport.map(Transport::round_deadline);
    // Three sources stand behind each lookup, so a failing one is not retried: the next is
    // asked at once (a past valuation with no network took 11 s of retries).
    let quick = transport.map(|t| t.with_retries(0));
    let transport = quick.as_ref();
    let mut unreachable = false;
    for item in wanted {
        let Wanted::Asset { ticker } = item else {
            continue;
        };
        if let Some(entry) = bundled_close(ticker, at_ms) {
            board.entries.push(entry);
            continue;
        }
        // The venues are asked only inside the round's deadline, and not again once none
        // could be reached; later coins use the cache and the bundle.
        let transport = transport.filter(|_| !deadline.is_some_and(past) && !unreachable);
        let outcome = coin_close(ticker, at_ms, transport, cache_dir, now_ms, cancel);
        if transport.is_some() && network_failed(&outcome) {
            unreachable = true;
        }
        match outcome {
            Ok((entry, errors)) => {
                board.entries.push(entry);
                board.errors.extend(errors);
            }
            Err(errors) => {
                board.errors.extend(errors);
                board.missing.push(InstrumentKey::coin(ticker));
            }
        }
    }
    stand_in_underlyings(&mut board, wanted);
    board.sort();
    board
}

/// Whether a coin's search met only connection failures and timeouts at every venue (no
/// network, or all venues down): asking again for the next coin would only wait as long.
fn network_failed(
    outcome: &Result<(Entry, Vec<crate::market::FetchError>), Vec<crate::market::FetchError>>,
) -> bool {
    use crate::market::ErrorKind;
    let errors = match outcome {
        Ok((entry, errors)) if entry.source == Source::Bundle => errors,
        Ok(_) => return false,
        Err(errors) => errors,
    };
    !errors.is_empty()
        && errors
            .iter()
            .all(|e| matches!(e.kind, ErrorKind::Connect | ErrorKind::Timeout))
}

/// Whether `deadline` has passed.
#[expect(
    clippy::disallowed_methods,
    reason = "the refresh round's deadline on the monotonic clock (network shell)"
)]
fn past(deadline: std::time::Instant) -> bool {
    std::time::Instant::now() >= deadline
}

/// The bundled close of `ticker` at `at_ms`, when it is as exact as a venue's hourly candle
/// would be: an hourly close inside the crash windows, or a daily close within the hour
/// before `at_ms` (a date's close). Other times ask the venues for the hour first.
fn bundled_close(ticker: &str, at_ms: i64) -> Option<Entry> {
    [Interval::Hour1, Interval::Day1]
        .into_iter()
        .find_map(|interval| {
            let series = bundle::series(ticker, interval)?;
            let candle = close_at(series.candles, interval, at_ms)?;
            let close_ms = candle.open_time_ms + interval.millis() - 1;
            if at_ms - close_ms >= Interval::Hour1.millis() {
                return None;
            }
            Some(Entry {
                key: InstrumentKey::coin(ticker),
                kind: PriceKind::Close,
                price: candle.close,
                quote: series.quote,
                source: Source::Bundle,
                venue_time_ms: Some(candle.open_time_ms + interval.millis() - 1),
                fetched_at_ms: at_ms,
                manual: false,
                via: None,
                funding_rate: None,
                listed_as: None,
            })
        })
}

/// One coin's close at `at_ms`: hourly first (exact to the hour), then daily.
fn coin_close(
    ticker: &str,
    at_ms: i64,
    transport: Option<&Transport>,
    cache_dir: Option<&Path>,
    now_ms: i64,
    cancel: &AtomicBool,
) -> Result<(Entry, Vec<crate::market::FetchError>), Vec<crate::market::FetchError>> {
    let mut errors = Vec::new();
    let mut transport = transport;
    for interval in [Interval::Hour1, Interval::Day1] {
        // Hourly candles are fetched only where they may exist: the bundle holds them for
        // crash windows only, and offline nothing else can.
        let request = HistoryRequest {
            asset: ticker.to_owned(),
            interval,
            start_ms: at_ms.saturating_sub(2 * interval.millis()),
            end_ms: at_ms,
        };
        let found = match history::load(&request, transport, cache_dir, now_ms, cancel) {
            Ok(found) => found,
            Err((errs, _)) => {
                errors.extend(errs);
                continue;
            }
        };
        errors.extend(found.errors.iter().cloned());
        // No venue reachable for the hour: the day is not asked of them either.
        if !found.errors.is_empty()
            && found.errors.iter().all(|e| {
                matches!(
                    e.kind,
                    crate::market::ErrorKind::Connect | crate::market::ErrorKind::Timeout
                )
            })
        {
            transport = None;
        }
        if let Some(candle) = close_at(&found.candles, interval, at_ms) {
            let entry = Entry {
                key: InstrumentKey::coin(ticker),
                kind: PriceKind::Close,
                price: candle.close,
                quote: found.quote,
                source: found.source,
                venue_time_ms: Some(candle.open_time_ms + interval.millis() - 1),
                fetched_at_ms: if found.source == Source::Bundle {
                    at_ms
                } else {
                    now_ms
                },
                manual: false,
                via: None,
                funding_rate: None,
                listed_as: None,
            };
            return Ok((entry, errors));
        }
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::valuation::parse_as_of;

    fn offline_at(text: &str, tickers: &[&str]) -> Board {
        let wanted: Vec<Wanted> = tickers
            .iter()
            .map(|t| Wanted::Asset {
                ticker: (*t).to_owned(),
            })
            .collect();
        let at = parse_as_of(text).unwrap_or_default();
        at_time(&wanted, at, None, None, at, &AtomicBool::new(false))
    }

    #[test]
    fn a_date_takes_that_days_close_and_an_hour_inside_a_window_the_hourly_close() {
        // BTC-USDT.daily.csv, 2025-10-31: close 109608.01 (the samples' entry price), made by
        // 2025-11-01T00:00Z; at 2025-10-31 (00:00Z) only the 2025-10-30 close, 108322.88.
        let before = offline_at("2025-10-31", &["BTC"]);
        assert_eq!(
            before.coin("BTC").map(|e| e.price.to_string()).as_deref(),
            Some("108322.88")
        );
        let board = offline_at("2025-11-01T00:00:00Z", &["BTC"]);
        let btc = board.coin("BTC").expect("priced");
        assert_eq!(btc.price.to_string(), "109608.01");
        assert_eq!(btc.kind, PriceKind::Close);
        assert_eq!(btc.source, Source::Bundle);
        // 2025-10-10 lies in a bundled hourly window: 21:00 UTC takes the close of the
        // 20:00 candle, not the day's close.
        let hourly = offline_at("2025-10-10T21:00:00Z", &["BTC"]);
        let daily = offline_at("2025-10-11", &["BTC"]);
        let h = hourly.coin("BTC").expect("hourly");
        assert_eq!(
            h.venue_time_ms,
            parse_as_of("2025-10-10T21:00:00Z").ok().map(|t| t - 1)
        );
        assert_ne!(h.price, daily.coin("BTC").expect("daily").price);
    }

    #[test]
    fn a_time_without_history_is_missing_not_todays_price() {
        // The bundle ends on 2025-10-31; 2025-11-05 has no close offline.
        let board = offline_at("2025-11-05", &["BTC"]);
        assert!(board.coin("BTC").is_none());
        assert_eq!(board.missing, vec![InstrumentKey::coin("BTC")]);
    }
}
