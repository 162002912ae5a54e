//! Deribit v2 public market data over JSON-RPC `GET /api/v2/public/<method>` (price-apis.md
//! §5).
//!
//! Numbers are JSON numbers (exponent form appears: `2.203e-05`); errors are a JSON-RPC
//! `error` object (10028 = rate limit). Option prices are in the underlying coin and IVs in
//! percent (divided by 100 here).

use rust_decimal::Decimal;
use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, field, int, opt_decimal, parse_body, string};
use super::source::{Request, Source};
use super::types::{Candle, FundingRate, Interval, OptionQuote, PriceKind, Snapshot, ascending};

/// `public/ticker?instrument_name=…`: last, mark, index, funding, option Greeks.
pub fn ticker(instrument: &str) -> Request {
    Request::get(
        Source::Deribit,
        "/api/v2/public/ticker",
        &[("instrument_name", instrument)],
    )
}

/// `public/get_book_summary_by_currency?currency=…&kind=…`: bulk marks and IVs.
pub fn book_summary(currency: &str, kind: &str) -> Request {
    Request::get(
        Source::Deribit,
        "/api/v2/public/get_book_summary_by_currency",
        &[("currency", currency), ("kind", kind)],
    )
}

/// `public/get_index_price?index_name=btc_usd`.
pub fn index_price(index_name: &str) -> Request {
    Request::get(
        Source::Deribit,
        "/api/v2/public/get_index_price",
        &[("index_name", index_name)],
    )
}

/// `public/get_tradingview_chart_data`: candles of `instrument` between two times.
pub fn chart(instrument: &str, interval: Interval, start_ms: i64, end_ms: i64) -> Request {
    let resolution = match interval {
        Interval::Hour1 => "60",
        Interval::Day1 => "1D",
    };
    let (start, end) = (start_ms.to_string(), end_ms.to_string());
    Request::get(
        Source::Deribit,
        "/api/v2/public/get_tradingview_chart_data",
        &[
            ("instrument_name", instrument),
            ("start_timestamp", &start),
            ("end_timestamp", &end),
            ("resolution", resolution),
        ],
    )
}

/// `public/get_funding_rate_history` between two times (hourly rows).
pub fn funding_rate_history(instrument: &str, start_ms: i64, end_ms: i64) -> Request {
    let (start, end) = (start_ms.to_string(), end_ms.to_string());
    Request::get(
        Source::Deribit,
        "/api/v2/public/get_funding_rate_history",
        &[
            ("instrument_name", instrument),
            ("start_timestamp", &start),
            ("end_timestamp", &end),
        ],
    )
}

/// Opens the JSON-RPC envelope: `result`, or the typed error.
fn open(body: &[u8]) -> Result<Value, ParseError> {
    let mut value = parse_body(body)?;
    if let Some(error) = value.get("error") {
        let code = error.get("code").map_or_else(String::new, Value::to_string);
        let message = format!(
            "Deribit error {code}: {}",
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
        );
        return Err(if code == "10028" {
            ParseError {
                kind: ErrorKind::RateLimited {
                    retry_after_s: None,
                },
                message,
            }
        } else {
            ParseError::venue(code, message)
        });
    }
    value
        .get_mut("result")
        .map(Value::take)
        .ok_or_else(|| ParseError::malformed("Deribit envelope: field `result` is missing"))
}

/// Percent to fraction (`mark_iv: 45.43` → 0.4543).
fn percent(value: Option<Decimal>) -> Option<Decimal> {
    value.map(|v| v / Decimal::ONE_HUNDRED)
}

/// Parses `public/ticker`: prices, perpetual funding (`funding_8h`) and option Greeks.
pub fn parse_ticker(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let result = open(body)?;
    let name = string(&result, "instrument_name", "ticker")?;
    let time = result
        .get("timestamp")
        .map(|t| int(t, "timestamp"))
        .transpose()?;
    let get = |field_name: &str| opt_decimal(result.get(field_name), field_name);
    let mut snapshot = Snapshot::default();
    for (kind, field_name) in [
        (PriceKind::Last, "last_price"),
        (PriceKind::Mark, "mark_price"),
        (PriceKind::Index, "index_price"),
    ] {
        snapshot.push_price(
            name,
            kind,
            get(field_name)?,
            Source::Deribit,
            time,
            fetched_at_ms,
        );
    }
    if let (Some(rate), Some(time)) = (get("funding_8h")?, time) {
        snapshot.funding.push(FundingRate {
            instrument: name.to_owned(),
            venue: None,
            rate,
            time_ms: time,
        });
    }
    if let Some(greeks) = result.get("greeks") {
        let greek = |g: &str| opt_decimal(greeks.get(g), g);
        snapshot.options.push(OptionQuote {
            instrument: name.to_owned(),
            venue: None,
            mark_price: get("mark_price")?,
            mark_iv: percent(get("mark_iv")?),
            underlying_price: get("underlying_price")?,
            delta: greek("delta")?,
            gamma: greek("gamma")?,
            vega: greek("vega")?,
            theta: greek("theta")?,
            source: Source::Deribit,
            venue_time_ms: time,
        });
    }
    Ok(snapshot)
}

/// Parses `get_book_summary_by_currency`: mark (and last) per instrument, option IVs.
pub fn parse_book_summary(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let result = open(body)?;
    let mut snapshot = Snapshot::default();
    for item in array(&result, "book summary")? {
        let name = string(item, "instrument_name", "book summary")?;
        let time = item
            .get("creation_timestamp")
            .map(|t| int(t, "creation_timestamp"))
            .transpose()?;
        let get = |field_name: &str| opt_decimal(item.get(field_name), field_name);
        snapshot.push_price(
            name,
            PriceKind::Mark,
            get("mark_price")?,
            Source::Deribit,
            time,
            fetched_at_ms,
        );
        snapshot.push_price(
            name,
            PriceKind::Last,
            get("last")?,
            Source::Deribit,
            time,
            fetched_at_ms,
        );
        if let Some(iv) = get("mark_iv")?
            && name.matches('-').count() >= 3
        {
            snapshot.options.push(OptionQuote {
                instrument: name.to_owned(),
                venue: None,
                mark_price: get("mark_price")?,
                mark_iv: percent(Some(iv)),
                underlying_price: get("underlying_price")?,
                delta: None,
                gamma: None,
                vega: None,
                theta: None,
                source: Source::Deribit,
                venue_time_ms: time,
            });
        }
    }
    Ok(snapshot)
}

/// Parses `get_index_price` for `index_name` (`btc_usd`).
pub fn parse_index_price(
    body: &[u8],
    index_name: &str,
    fetched_at_ms: i64,
) -> Result<Snapshot, ParseError> {
    let result = open(body)?;
    let mut snapshot = Snapshot::default();
    snapshot.push_price(
        index_name,
        PriceKind::Index,
        Some(decimal(
            field(&result, "index_price", "index price")?,
            "index_price",
        )?),
        Source::Deribit,
        None,
        fetched_at_ms,
    );
    Ok(snapshot)
}

/// Parses the columnar `get_tradingview_chart_data` (`status: "no_data"` = no candles);
/// the candle containing `fetched_at_ms` is still open.
pub fn parse_chart(
    body: &[u8],
    interval: Interval,
    fetched_at_ms: i64,
) -> Result<Vec<Candle>, ParseError> {
    let result = open(body)?;
    if result.get("status").and_then(Value::as_str) == Some("no_data") {
        return Ok(Vec::new());
    }
    let column = |name: &str| array(field(&result, name, "chart data")?, name);
    let ticks = column("ticks")?;
    let (open, high, low, close) = (
        column("open")?,
        column("high")?,
        column("low")?,
        column("close")?,
    );
    let volume = column("volume")?;
    if [open, high, low, close, volume]
        .iter()
        .any(|c| c.len() != ticks.len())
    {
        return Err(ParseError::malformed(
            "chart data: columns have different lengths",
        ));
    }
    let mut candles = Vec::with_capacity(ticks.len());
    for i in 0..ticks.len() {
        let open_time = int(&ticks[i], "ticks")?;
        candles.push(Candle {
            open_time_ms: open_time,
            open: decimal(&open[i], "open")?,
            high: decimal(&high[i], "high")?,
            low: decimal(&low[i], "low")?,
            close: decimal(&close[i], "close")?,
            volume: decimal(&volume[i], "volume")?,
            closed: open_time + interval.millis() <= fetched_at_ms,
        });
    }
    Ok(ascending(candles))
}

/// Parses `get_funding_rate_history` into 8-hour funding rates (`interest_8h`) by hour.
pub fn parse_funding_rate_history(
    body: &[u8],
    instrument: &str,
) -> Result<Vec<FundingRate>, ParseError> {
    let result = open(body)?;
    array(&result, "funding rate history")?
        .iter()
        .map(|item| {
            Ok(FundingRate {
                instrument: instrument.to_owned(),
                venue: None,
                rate: decimal(field(item, "interest_8h", "funding")?, "interest_8h")?,
                time_ms: int(field(item, "timestamp", "funding")?, "timestamp")?,
            })
        })
        .collect()
}
