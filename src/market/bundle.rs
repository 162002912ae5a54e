//! Real price history shipped inside the binary, so a fresh machine with no network can price
//! a portfolio and draw history: Binance spot daily candles 2019-01 .. 2025-10-31 for ten
//! assets (quoted in USDT), hourly candles for nine crash windows, and USDT/USDC against USD
//! (Yahoo Finance, to 2024-12-07). Provenance, gaps and caveats: `assets/prices/SOURCES.md`.
//!
//! The CSV files are embedded as text (about 4 MB) and parsed on first use of each series.

use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::types::{Candle, Interval};

/// The last day of bundled history.
pub const AS_OF: &str = "2025-10-31";
/// The close time of the last bundled day, [`AS_OF`] 23:59:59.999 UTC (ms since the epoch).
pub const AS_OF_CLOSE_MS: i64 = 1_761_955_199_999;

/// One embedded CSV series.
struct Series {
    asset: &'static str,
    /// Quote currency: `USDT` for the Binance spot files, `USD` for the stablecoin files.
    quote: &'static str,
    interval: Interval,
    text: &'static str,
}

macro_rules! series {
    ($asset:literal, $quote:literal, daily) => {
        Series {
            asset: $asset,
            quote: $quote,
            interval: Interval::Day1,
            text: include_str!(concat!(
                "../../assets/prices/",
                $asset,
                "-",
                $quote,
                ".daily.csv"
            )),
        }
    };
    ($asset:literal, $quote:literal, hourly) => {
        Series {
            asset: $asset,
            quote: $quote,
            interval: Interval::Hour1,
            text: include_str!(concat!(
                "../../assets/prices/",
                $asset,
                "-",
                $quote,
                ".hourly.csv"
            )),
        }
    };
}

static SERIES: [Series; 22] = [
    series!("BTC", "USDT", daily),
    series!("ETH", "USDT", daily),
    series!("SOL", "USDT", daily),
    series!("BNB", "USDT", daily),
    series!("XRP", "USDT", daily),
    series!("DOGE", "USDT", daily),
    series!("ADA", "USDT", daily),
    series!("AVAX", "USDT", daily),
    series!("LINK", "USDT", daily),
    series!("LTC", "USDT", daily),
    series!("USDT", "USD", daily),
    series!("USDC", "USD", daily),
    series!("BTC", "USDT", hourly),
    series!("ETH", "USDT", hourly),
    series!("SOL", "USDT", hourly),
    series!("BNB", "USDT", hourly),
    series!("XRP", "USDT", hourly),
    series!("DOGE", "USDT", hourly),
    series!("ADA", "USDT", hourly),
    series!("AVAX", "USDT", hourly),
    series!("LINK", "USDT", hourly),
    series!("LTC", "USDT", hourly),
];

/// Parsed candles per entry of [`SERIES`], filled on first use.
static PARSED: [OnceLock<Vec<Candle>>; 22] = [const { OnceLock::new() }; 22];

/// A bundled series: its quote currency and candles, oldest first.
#[derive(Clone, Copy, Debug)]
pub struct Bundled {
    /// Base asset (`BTC`).
    pub asset: &'static str,
    /// Quote currency (`USDT` or `USD`).
    pub quote: &'static str,
    /// Candles, oldest first, every one closed.
    pub candles: &'static [Candle],
}

/// The assets with bundled history (daily), in bundle order.
pub fn assets() -> impl Iterator<Item = &'static str> {
    SERIES
        .iter()
        .filter(|s| s.interval == Interval::Day1)
        .map(|s| s.asset)
}

/// The bundled series of `asset` (`BTC`, `btc`, `BTCUSDT`, `BTC-USDT`) at `interval`.
pub fn series(asset: &str, interval: Interval) -> Option<Bundled> {
    let base = base_asset(asset);
    let index = SERIES
        .iter()
        .position(|s| s.interval == interval && s.asset == base)?;
    let entry = &SERIES[index];
    let candles = PARSED[index].get_or_init(|| parse_csv(entry.text, entry.interval));
    Some(Bundled {
        asset: entry.asset,
        quote: entry.quote,
        candles,
    })
}

/// The base asset of a ticker or pair: `BTCUSDT`, `BTC-USDT`, `btc/usdt` → `BTC`.
pub fn base_asset(symbol: &str) -> String {
    let upper = symbol.trim().to_ascii_uppercase();
    let base = upper.split(['-', '/', '_']).next().unwrap_or(&upper);
    for quote in ["USDT", "USDC", "USD"] {
        if let Some(stripped) = base.strip_suffix(quote)
            && !stripped.is_empty()
        {
            return stripped.to_owned();
        }
    }
    base.to_owned()
}

/// Candles of `asset` whose open time lies in `from_ms ..= to_ms`.
pub fn range(asset: &str, interval: Interval, from_ms: i64, to_ms: i64) -> Option<Vec<Candle>> {
    let bundled = series(asset, interval)?;
    let start = bundled
        .candles
        .partition_point(|c| c.open_time_ms < from_ms);
    let end = bundled.candles.partition_point(|c| c.open_time_ms <= to_ms);
    Some(bundled.candles[start..end.max(start)].to_vec())
}

/// The last bundled daily close of `asset`: (open time of that day in ms, close, quote).
pub fn last_close(asset: &str) -> Option<(i64, Decimal, &'static str)> {
    let bundled = series(asset, Interval::Day1)?;
    bundled
        .candles
        .last()
        .map(|c| (c.open_time_ms, c.close, bundled.quote))
}

/// Realized daily volatility of `asset`: the sample standard deviation of the last `days`
/// daily log returns of the bundled closes (a statistic, so `f64`).
pub fn daily_vol(asset: &str, days: usize) -> Option<f64> {
    daily_vol_at(asset, days, i64::MAX).map(|(vol, _)| vol)
}

/// [`daily_vol`] at a valuation time: the last `days` daily log returns ending at the last
/// close made at or before `at_ms` (a candle closes at its open + 1 day − 1 ms), never a
/// later one; with the open time (ms) of that last candle.
pub fn daily_vol_at(asset: &str, days: usize, at_ms: i64) -> Option<(f64, i64)> {
    use rust_decimal::prelude::ToPrimitive;
    let bundled = series(asset, Interval::Day1)?;
    let end = bundled
        .candles
        .partition_point(|c| c.open_time_ms.saturating_add(86_400_000 - 1) <= at_ms);
    let last = bundled.candles.get(end.checked_sub(1)?)?.open_time_ms;
    let closes: Vec<f64> = bundled.candles[..end]
        .iter()
        .rev()
        .take(days + 1)
        .filter_map(|c| c.close.to_f64())
        .collect();
    let returns: Vec<f64> = closes
        .windows(2)
        .filter(|w| w[0] > 0.0 && w[1] > 0.0)
        .map(|w| (w[0] / w[1]).ln())
        .collect();
    if returns.len() < 2 {
        return None;
    }
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let variance = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((variance.sqrt(), last))
}

/// Parses one embedded CSV (`date|timestamp,open,high,low,close,volume`). The files are
/// checked by this module's tests; a row that does not parse is skipped rather than
/// stopping the app.
fn parse_csv(text: &str, interval: Interval) -> Vec<Candle> {
    text.lines()
        .skip(1)
        .filter_map(|line| parse_row(line, interval))
        .collect()
}

/// One CSV row, or `None` if it is not well formed.
fn parse_row(line: &str, interval: Interval) -> Option<Candle> {
    let mut cells = line.split(',');
    let time = cells.next()?;
    let open_time_ms = match interval {
        Interval::Day1 => NaiveDate::parse_from_str(time, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp_millis(),
        Interval::Hour1 => NaiveDateTime::parse_from_str(time, "%Y-%m-%dT%H:%M:%SZ")
            .ok()?
            .and_utc()
            .timestamp_millis(),
    };
    let mut number = || Decimal::from_str(cells.next()?).ok();
    Some(Candle {
        open_time_ms,
        open: number()?,
        high: number()?,
        low: number()?,
        close: number()?,
        volume: number()?,
        closed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_close_time_constant_is_the_last_day() {
        let day = NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("date");
        assert_eq!(
            crate::model::valuation::close_of_day_ms(day),
            AS_OF_CLOSE_MS
        );
        let last = last_close("BTC").expect("btc").0;
        assert_eq!(last + 86_400_000 - 1, AS_OF_CLOSE_MS);
    }

    #[test]
    fn every_row_of_every_file_parses() {
        for (entry, _) in SERIES.iter().zip(&PARSED) {
            let rows = entry.text.lines().skip(1).count();
            let parsed = parse_csv(entry.text, entry.interval);
            assert_eq!(parsed.len(), rows, "{} {:?}", entry.asset, entry.interval);
            assert!(
                parsed
                    .windows(2)
                    .all(|w| w[0].open_time_ms < w[1].open_time_ms)
            );
        }
    }
}
