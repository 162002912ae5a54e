//! OKX v5 public market data (price-apis.md §4).
//!
//! Envelope `{"code": "0", "msg": "", "data": [...]}`; a failure is `code ≠ "0"` (50011 =
//! rate limit), possibly with HTTP 200. Numbers are strings (empty when not applicable),
//! candles newest-first with `confirm: "0"` on the still-forming one.

use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, field, int, opt_decimal, parse_body, string};
use super::source::{Request, Source};
use super::types::{Candle, FundingRate, Interval, OptionQuote, PriceKind, Snapshot, ascending};

/// `GET /api/v5/market/ticker?instId=…`: last price.
pub fn ticker(inst_id: &str) -> Request {
    Request::get(Source::Okx, "/api/v5/market/ticker", &[("instId", inst_id)])
}

/// `GET /api/v5/public/mark-price?instType=…&instId=…`: mark price.
pub fn mark_price(inst_type: &str, inst_id: &str) -> Request {
    Request::get(
        Source::Okx,
        "/api/v5/public/mark-price",
        &[("instType", inst_type), ("instId", inst_id)],
    )
}

/// `GET /api/v5/public/funding-rate?instId=…`: current funding.
pub fn funding_rate(inst_id: &str) -> Request {
    Request::get(
        Source::Okx,
        "/api/v5/public/funding-rate",
        &[("instId", inst_id)],
    )
}

/// `GET /api/v5/public/funding-rate-history?instId=…&after=…`: funding older than `after_ms`.
pub fn funding_rate_history(inst_id: &str, after_ms: i64) -> Request {
    let after = after_ms.to_string();
    Request::get(
        Source::Okx,
        "/api/v5/public/funding-rate-history",
        &[("instId", inst_id), ("after", &after), ("limit", "400")],
    )
}

/// `GET /api/v5/market/history-candles` (any age; `candles` only reaches the latest 1,440)
/// for candles older than `after_ms`, UTC-aligned days.
pub fn history_candles(inst_id: &str, interval: Interval, after_ms: i64) -> Request {
    let bar = match interval {
        Interval::Hour1 => "1H",
        // Plain `1D` is aligned to UTC+8; `1Dutc` to UTC like every other source here.
        Interval::Day1 => "1Dutc",
    };
    let after = after_ms.to_string();
    Request::get(
        Source::Okx,
        "/api/v5/market/history-candles",
        &[
            ("instId", inst_id),
            ("bar", bar),
            ("after", &after),
            ("limit", "100"),
        ],
    )
}

/// `GET /api/v5/public/opt-summary?instFamily=…`: option vols and Greeks.
pub fn opt_summary(inst_family: &str) -> Request {
    Request::get(
        Source::Okx,
        "/api/v5/public/opt-summary",
        &[("instFamily", inst_family)],
    )
}

/// Opens the envelope: the `data` array, or the typed error.
fn open(body: &[u8]) -> Result<Vec<Value>, ParseError> {
    let mut value = parse_body(body)?;
    let code = field(&value, "code", "OKX envelope")?;
    let code = code
        .as_str()
        .map_or_else(|| code.to_string(), str::to_owned);
    if code != "0" {
        let message = format!(
            "OKX code {code}: {}",
            value.get("msg").and_then(Value::as_str).unwrap_or_default()
        );
        return Err(if code == "50011" {
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
    match value.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(ParseError::malformed(format!(
            "OKX envelope: `data` should be an array, found {}",
            super::json::kind_of(&other)
        ))),
        None => Err(ParseError::malformed(
            "OKX envelope: field `data` is missing",
        )),
    }
}

/// The `ts` field of an item.
fn ts(item: &Value) -> Result<Option<i64>, ParseError> {
    item.get("ts").map(|t| int(t, "ts")).transpose()
}

/// Parses `market/ticker` into last prices.
pub fn parse_ticker(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let mut snapshot = Snapshot::default();
    for item in open(body)? {
        let inst = string(&item, "instId", "ticker")?;
        snapshot.push_price(
            inst,
            PriceKind::Last,
            Some(decimal(field(&item, "last", inst)?, "last")?),
            Source::Okx,
            ts(&item)?,
            fetched_at_ms,
        );
    }
    Ok(snapshot)
}

/// Parses `public/mark-price` into mark prices.
pub fn parse_mark_price(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let mut snapshot = Snapshot::default();
    for item in open(body)? {
        let inst = string(&item, "instId", "mark-price")?;
        snapshot.push_price(
            inst,
            PriceKind::Mark,
            Some(decimal(field(&item, "markPx", inst)?, "markPx")?),
            Source::Okx,
            ts(&item)?,
            fetched_at_ms,
        );
    }
    Ok(snapshot)
}

/// Parses `public/funding-rate` and `funding-rate-history` into funding prints (ascending).
pub fn parse_funding(body: &[u8]) -> Result<Vec<FundingRate>, ParseError> {
    let mut rates = open(body)?
        .iter()
        .map(|item| {
            Ok(FundingRate {
                instrument: string(item, "instId", "funding")?.to_owned(),
                venue: None,
                rate: decimal(field(item, "fundingRate", "funding")?, "fundingRate")?,
                time_ms: int(field(item, "fundingTime", "funding")?, "fundingTime")?,
            })
        })
        .collect::<Result<Vec<_>, ParseError>>()?;
    rates.sort_by_key(|r| r.time_ms);
    Ok(rates)
}

/// Parses `candles` / `history-candles` rows `[ts, o, h, l, c, vol, volCcy, volCcyQuote,
/// confirm]` (newest-first) into ascending candles; `confirm: "0"` marks an open candle.
pub fn parse_candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows = open(body)?;
    let mut candles = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let context = format!("candles row {i}");
        let cells = array(row, &context)?;
        if cells.len() < 6 {
            return Err(ParseError::malformed(format!(
                "{context} has {} columns, expected 9",
                cells.len()
            )));
        }
        candles.push(Candle {
            open_time_ms: int(&cells[0], "ts")?,
            open: decimal(&cells[1], "open")?,
            high: decimal(&cells[2], "high")?,
            low: decimal(&cells[3], "low")?,
            close: decimal(&cells[4], "close")?,
            volume: decimal(&cells[5], "vol")?,
            closed: cells.get(8).and_then(Value::as_str) != Some("0"),
        });
    }
    Ok(ascending(candles))
}

/// Parses `opt-summary` into option quotes: `markVol` as the IV and the Black-Scholes
/// Greeks (`deltaBS`, …), whose delta is the unitless one exposure needs; the plain `delta`
/// is price-adjusted (coin terms) and not used (price-apis.md §4.6).
pub fn parse_opt_summary(body: &[u8]) -> Result<Vec<OptionQuote>, ParseError> {
    open(body)?
        .iter()
        .map(|item| {
            let get = |name: &str| opt_decimal(item.get(name), name);
            Ok(OptionQuote {
                instrument: string(item, "instId", "opt-summary")?.to_owned(),
                venue: None,
                mark_price: None,
                mark_iv: get("markVol")?,
                underlying_price: get("fwdPx")?,
                delta: get("deltaBS")?,
                gamma: get("gammaBS")?,
                vega: get("vegaBS")?,
                theta: get("thetaBS")?,
                source: Source::Okx,
                venue_time_ms: ts(item)?,
            })
        })
        .collect()
}
