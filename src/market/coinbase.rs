//! Coinbase Exchange public market data (price-apis.md §6): the spot fallback where Binance
//! is region-blocked.
//!
//! The ticker's numbers are strings and its time RFC 3339 with nanoseconds; candles are JSON
//! numbers in seconds, newest-first, `[time, low, high, open, close, volume]` (low before
//! high). Errors are `{"message": …}` with a 4xx status.

use serde_json::Value;

use super::error::ParseError;
use super::json::{array, decimal, field, int, parse_body};
use super::source::{Request, Source};
use super::types::{Candle, Interval, PriceKind, Snapshot, ascending};

/// `GET /products/{product}/ticker`.
pub fn ticker(product: &str) -> Request {
    Request {
        path_and_query: format!("/products/{product}/ticker"),
        ..Request::get(Source::Coinbase, "/products/{id}/ticker", &[])
    }
}

/// `GET /products/{product}/candles` between two times in seconds (at most 300 candles).
pub fn candles(product: &str, interval: Interval, start_s: i64, end_s: i64) -> Request {
    let granularity = match interval {
        Interval::Hour1 => "3600",
        Interval::Day1 => "86400",
    };
    let (start, end) = (start_s.to_string(), end_s.to_string());
    let base = Request::get(
        Source::Coinbase,
        "/products/{id}/candles",
        &[
            ("granularity", granularity),
            ("start", &start),
            ("end", &end),
        ],
    );
    Request {
        path_and_query: base.path_and_query.replacen("{id}", product, 1),
        ..base
    }
}

/// Coinbase's `{"message": …}` error body.
fn check_error(value: &Value) -> Result<(), ParseError> {
    if let Some(message) = value.get("message").and_then(Value::as_str)
        && value.get("price").is_none()
    {
        return Err(ParseError::venue("message", format!("Coinbase: {message}")));
    }
    Ok(())
}

/// Parses a ticker of `product` into its last price.
pub fn parse_ticker(
    body: &[u8],
    product: &str,
    fetched_at_ms: i64,
) -> Result<Snapshot, ParseError> {
    let value = parse_body(body)?;
    check_error(&value)?;
    let price = decimal(field(&value, "price", "ticker")?, "price")?;
    let time = value
        .get("time")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis());
    let mut snapshot = Snapshot::default();
    snapshot.push_price(
        product,
        PriceKind::Last,
        Some(price),
        Source::Coinbase,
        time,
        fetched_at_ms,
    );
    Ok(snapshot)
}

/// Parses candle rows into ascending candles (gaps stay gaps).
pub fn parse_candles(
    body: &[u8],
    interval: Interval,
    fetched_at_ms: i64,
) -> Result<Vec<Candle>, ParseError> {
    let value = parse_body(body)?;
    check_error(&value)?;
    let mut candles = Vec::new();
    for (i, row) in array(&value, "candles")?.iter().enumerate() {
        let context = format!("candles row {i}");
        let cells = array(row, &context)?;
        if cells.len() < 6 {
            return Err(ParseError::malformed(format!(
                "{context} has {} columns, expected 6",
                cells.len()
            )));
        }
        let open_time = int(&cells[0], "time")?.saturating_mul(1000);
        candles.push(Candle {
            open_time_ms: open_time,
            low: decimal(&cells[1], "low")?,
            high: decimal(&cells[2], "high")?,
            open: decimal(&cells[3], "open")?,
            close: decimal(&cells[4], "close")?,
            volume: decimal(&cells[5], "volume")?,
            closed: open_time + interval.millis() <= fetched_at_ms,
        });
    }
    Ok(ascending(candles))
}
