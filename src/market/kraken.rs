//! Kraken spot public market data (price-apis.md §7).
//!
//! Envelope `{"error": [...], "result": {...}}` with HTTP 200 even on failure. The `result`
//! key is Kraken's canonical pair name (`XXBTZUSD`), which can differ from the request, so
//! the single key that is not `last` is taken. OHLC rows are ascending with times in seconds;
//! the last row is the still-forming candle.

use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, field, int, parse_body};
use super::source::{Request, Source};
use super::types::{Candle, Interval, PriceKind, Snapshot, ascending};

/// Kraken's USD pair of `coin` (BTC is `XBT` at Kraken).
pub fn usd_pair(coin: &str) -> String {
    format!("{}USD", if coin == "BTC" { "XBT" } else { coin })
}

/// `GET /0/public/Ticker?pair=…` (BTC is `XBT` at Kraken).
pub fn ticker(pair: &str) -> Request {
    Request::get(Source::Kraken, "/0/public/Ticker", &[("pair", pair)])
}

/// `GET /0/public/OHLC?pair=…&interval=…&since=…` (at most the latest 720 rows).
pub fn ohlc(pair: &str, interval: Interval, since_s: i64) -> Request {
    let minutes = match interval {
        Interval::Hour1 => "60",
        Interval::Day1 => "1440",
    };
    let since = since_s.to_string();
    Request::get(
        Source::Kraken,
        "/0/public/OHLC",
        &[("pair", pair), ("interval", minutes), ("since", &since)],
    )
}

/// Opens the envelope: the canonical pair name and its data, or the typed error.
fn open(body: &[u8]) -> Result<(String, Value), ParseError> {
    let mut value = parse_body(body)?;
    let errors: Vec<String> = value
        .get("error")
        .and_then(Value::as_array)
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(first) = errors.first() {
        let message = format!("Kraken: {}", errors.join("; "));
        let limited = errors
            .iter()
            .any(|e| e.contains("Rate limit") || e.contains("Throttled") || e.contains("Too many"));
        return Err(if limited {
            ParseError {
                kind: ErrorKind::RateLimited {
                    retry_after_s: None,
                },
                message,
            }
        } else if first.contains("Unknown asset pair") {
            ParseError {
                kind: ErrorKind::UnknownInstrument,
                message,
            }
        } else {
            ParseError::venue(first.clone(), message)
        });
    }
    let Some(Value::Object(mut result)) = value.get_mut("result").map(Value::take) else {
        return Err(ParseError::malformed(
            "Kraken: `result` is missing or not an object",
        ));
    };
    result.remove("last");
    let mut pairs = result.into_iter();
    match (pairs.next(), pairs.next()) {
        (Some((name, data)), None) => Ok((name, data)),
        (None, _) => Err(ParseError::malformed("Kraken: `result` holds no pair")),
        (Some(_), Some(_)) => Err(ParseError::malformed(
            "Kraken: `result` holds several pairs; ask for one",
        )),
    }
}

/// Parses `Ticker` into the last trade price (`c[0]`), named by Kraken's canonical pair.
pub fn parse_ticker(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let (pair, data) = open(body)?;
    let last = array(field(&data, "c", &pair)?, "c")?
        .first()
        .ok_or_else(|| ParseError::malformed("Kraken ticker: `c` is empty"))?;
    let mut snapshot = Snapshot::default();
    snapshot.push_price(
        &pair,
        PriceKind::Last,
        Some(decimal(last, "c[0]")?),
        Source::Kraken,
        None,
        fetched_at_ms,
    );
    Ok(snapshot)
}

/// Parses `OHLC` rows `[time, o, h, l, c, vwap, volume, count]`; the last row is open.
pub fn parse_ohlc(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let (pair, data) = open(body)?;
    let rows = array(&data, &pair)?;
    let mut candles = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let context = format!("OHLC row {i}");
        let cells = array(row, &context)?;
        if cells.len() < 7 {
            return Err(ParseError::malformed(format!(
                "{context} has {} columns, expected 8",
                cells.len()
            )));
        }
        candles.push(Candle {
            open_time_ms: int(&cells[0], "time")?.saturating_mul(1000),
            open: decimal(&cells[1], "open")?,
            high: decimal(&cells[2], "high")?,
            low: decimal(&cells[3], "low")?,
            close: decimal(&cells[4], "close")?,
            volume: decimal(&cells[6], "volume")?,
            closed: i + 1 < rows.len(),
        });
    }
    Ok(ascending(candles))
}
