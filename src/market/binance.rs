//! Binance spot (`/api/v3`), USDⓈ-M (`/fapi/v1`) and COIN-M (`/dapi/v1`) public market data
//! (price-apis.md §1–§2).
//!
//! Numbers are strings, times milliseconds, candles ascending; errors use real 4xx statuses
//! with a `{"code": -1121, "msg": "Invalid symbol."}` body. The current, still-forming
//! candle is the last row and is flagged by its close time.

use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, field, int, opt_decimal, parse_body, string};
use super::source::{Request, Source};
use super::types::{Candle, FundingRate, Interval, PriceKind, Snapshot, ascending};

/// `GET /api/v3/ticker/price`: last price of one symbol, or of all when `symbol` is `None`.
pub fn ticker_price(symbol: Option<&str>) -> Request {
    let query: Vec<(&str, &str)> = symbol.map(|s| ("symbol", s)).into_iter().collect();
    Request::get(Source::BinanceSpot, "/api/v3/ticker/price", &query)
}

/// The futures API prefix of `source` (`/fapi/v1` or `/dapi/v1`).
fn prefix(source: Source) -> &'static str {
    if source == Source::BinanceCoinm {
        "/dapi/v1"
    } else {
        "/fapi/v1"
    }
}

/// `GET /fapi/v1/premiumIndex` (or `/dapi/v1/…`): mark, index and current funding.
pub fn premium_index(source: Source, symbol: Option<&str>) -> Request {
    let endpoint = if prefix(source) == "/dapi/v1" {
        "/dapi/v1/premiumIndex"
    } else {
        "/fapi/v1/premiumIndex"
    };
    let query: Vec<(&str, &str)> = symbol.map(|s| ("symbol", s)).into_iter().collect();
    Request::get(source, endpoint, &query)
}

/// Which candle series of a futures symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KlineSeries {
    /// Trades (`klines`).
    Trades,
    /// Mark price (`markPriceKlines`): what leverage-over-time plots use.
    Mark,
}

/// Candles of `symbol` from `start_ms` (inclusive), at most `limit` rows (spot max 1000,
/// futures max 1500). `source` is spot, USDⓈ-M or COIN-M.
pub fn klines(
    source: Source,
    series: KlineSeries,
    symbol: &str,
    interval: Interval,
    start_ms: i64,
    end_ms: i64,
    limit: u32,
) -> Request {
    let endpoint = match (source, series) {
        (Source::BinanceSpot, _) => "/api/v3/klines",
        (Source::BinanceCoinm, KlineSeries::Trades) => "/dapi/v1/klines",
        (Source::BinanceCoinm, KlineSeries::Mark) => "/dapi/v1/markPriceKlines",
        (_, KlineSeries::Trades) => "/fapi/v1/klines",
        (_, KlineSeries::Mark) => "/fapi/v1/markPriceKlines",
    };
    let (start, end, limit) = (start_ms.to_string(), end_ms.to_string(), limit.to_string());
    Request::get(
        source,
        endpoint,
        &[
            ("symbol", symbol),
            ("interval", interval.name()),
            ("startTime", &start),
            ("endTime", &end),
            ("limit", &limit),
        ],
    )
}

/// `GET /fapi/v1/fundingRate`: funding history, ascending, at most 1000 rows.
pub fn funding_rate(source: Source, symbol: &str, start_ms: i64, limit: u32) -> Request {
    let endpoint = if prefix(source) == "/dapi/v1" {
        "/dapi/v1/fundingRate"
    } else {
        "/fapi/v1/fundingRate"
    };
    let (start, limit) = (start_ms.to_string(), limit.to_string());
    Request::get(
        source,
        endpoint,
        &[("symbol", symbol), ("startTime", &start), ("limit", &limit)],
    )
}

/// Binance's error body `{"code": <negative int>, "msg": …}` as a typed error; `-1003`
/// (too many requests) is a rate limit.
fn check_error(value: &Value) -> Result<(), ParseError> {
    if let (Some(code), Some(msg)) = (value.get("code"), value.get("msg"))
        && value.get("symbol").is_none()
    {
        let code = code.to_string();
        let message = format!("Binance error {code}: {}", msg.as_str().unwrap_or_default());
        if code == "-1003" {
            return Err(ParseError {
                kind: ErrorKind::RateLimited {
                    retry_after_s: None,
                },
                message,
            });
        }
        return Err(ParseError::venue(code, message));
    }
    Ok(())
}

/// Parses a body and checks it for Binance's error envelope.
fn checked(body: &[u8]) -> Result<Value, ParseError> {
    let value = parse_body(body)?;
    check_error(&value)?;
    Ok(value)
}

/// One object or an array of them, as the same list.
fn objects(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Parses `ticker/price` (one object or the array form) into last prices.
pub fn parse_ticker_price(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let value = checked(body)?;
    let mut snapshot = Snapshot::default();
    for item in objects(&value) {
        let symbol = string(item, "symbol", "ticker/price")?;
        let price = decimal(field(item, "price", symbol)?, "price")?;
        snapshot.push_price(
            symbol,
            PriceKind::Last,
            Some(price),
            Source::BinanceSpot,
            None,
            fetched_at_ms,
        );
    }
    Ok(snapshot)
}

/// Parses `premiumIndex` (object, or array for all symbols / COIN-M) into mark and index
/// prices and the last funding rate.
pub fn parse_premium_index(
    body: &[u8],
    source: Source,
    fetched_at_ms: i64,
) -> Result<Snapshot, ParseError> {
    let value = checked(body)?;
    let mut snapshot = Snapshot::default();
    for item in objects(&value) {
        let symbol = string(item, "symbol", "premiumIndex")?;
        let time = item.get("time").map(|t| int(t, "time")).transpose()?;
        let mark = decimal(field(item, "markPrice", symbol)?, "markPrice")?;
        let index = opt_decimal(item.get("indexPrice"), "indexPrice")?;
        snapshot.push_price(
            symbol,
            PriceKind::Mark,
            Some(mark),
            source,
            time,
            fetched_at_ms,
        );
        snapshot.push_price(symbol, PriceKind::Index, index, source, time, fetched_at_ms);
        if let (Some(rate), Some(time)) = (
            opt_decimal(item.get("lastFundingRate"), "lastFundingRate")?,
            time,
        ) {
            snapshot.funding.push(FundingRate {
                instrument: symbol.to_owned(),
                venue: None,
                rate,
                time_ms: time,
            });
        }
    }
    Ok(snapshot)
}

/// Parses kline rows `[openTime, o, h, l, c, v, closeTime, …]` (spot, futures, mark-price;
/// the 12th column is ignored). A row whose close time is not yet past is still forming.
pub fn parse_klines(body: &[u8], fetched_at_ms: i64) -> Result<Vec<Candle>, ParseError> {
    let value = checked(body)?;
    let rows = array(&value, "klines")?;
    let mut candles = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let context = format!("klines row {i}");
        let cells = array(row, &context)?;
        if cells.len() < 7 {
            return Err(ParseError::malformed(format!(
                "{context} has {} columns, expected 12",
                cells.len()
            )));
        }
        let close_time = int(&cells[6], "closeTime")?;
        candles.push(Candle {
            open_time_ms: int(&cells[0], "openTime")?,
            open: decimal(&cells[1], "open")?,
            high: decimal(&cells[2], "high")?,
            low: decimal(&cells[3], "low")?,
            close: decimal(&cells[4], "close")?,
            volume: decimal(&cells[5], "volume")?,
            closed: close_time < fetched_at_ms,
        });
    }
    Ok(ascending(candles))
}

/// Parses `fundingRate` history.
pub fn parse_funding_rate(body: &[u8]) -> Result<Vec<FundingRate>, ParseError> {
    let value = checked(body)?;
    array(&value, "fundingRate")?
        .iter()
        .map(|item| {
            Ok(FundingRate {
                instrument: string(item, "symbol", "fundingRate")?.to_owned(),
                venue: None,
                rate: decimal(field(item, "fundingRate", "fundingRate")?, "fundingRate")?,
                time_ms: int(field(item, "fundingTime", "fundingRate")?, "fundingTime")?,
            })
        })
        .collect()
}
