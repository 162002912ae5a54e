//! Hyperliquid public market data: `POST /info` with a JSON body naming the request type
//! (price-apis.md §9). Prices are strings, times milliseconds.
//!
//! `candleSnapshot` rows are objects `{t: start ms, T: end ms, s, i, o, h, l, c, v, n}`
//! (field names as in the Hyperliquid info-endpoint docs); only the latest 5000 candles are
//! served.

use serde_json::{Value, json};

use super::error::ParseError;
use super::json::{array, decimal, field, int, opt_decimal, parse_body, string};
use super::source::{Request, Source};
use super::types::{Candle, FundingRate, Interval, PriceKind, Snapshot, ascending};

/// `{"type": "allMids"}`: mid prices of every perpetual.
pub fn all_mids() -> Request {
    Request::post(
        Source::Hyperliquid,
        "/info",
        json!({"type": "allMids"}).to_string(),
    )
}

/// `{"type": "metaAndAssetCtxs"}`: mark, oracle and funding of every perpetual.
pub fn meta_and_asset_ctxs() -> Request {
    Request::post(
        Source::Hyperliquid,
        "/info",
        json!({"type": "metaAndAssetCtxs"}).to_string(),
    )
}

/// `{"type": "candleSnapshot", …}` of `coin` between two times.
pub fn candle_snapshot(coin: &str, interval: Interval, start_ms: i64, end_ms: i64) -> Request {
    Request::post(
        Source::Hyperliquid,
        "/info",
        json!({
            "type": "candleSnapshot",
            "req": {"coin": coin, "interval": interval.name(), "startTime": start_ms, "endTime": end_ms}
        })
        .to_string(),
    )
}

/// `{"type": "fundingHistory", …}` of `coin` from `start_ms` (hourly prints).
pub fn funding_history(coin: &str, start_ms: i64) -> Request {
    Request::post(
        Source::Hyperliquid,
        "/info",
        json!({"type": "fundingHistory", "coin": coin, "startTime": start_ms}).to_string(),
    )
}

/// Parses `allMids` (`{"BTC": "…", …}`) into mid prices.
pub fn parse_all_mids(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let value = parse_body(body)?;
    let Value::Object(mids) = value else {
        return Err(ParseError::malformed(format!(
            "allMids should be an object, found {}",
            super::json::kind_of(&value)
        )));
    };
    let mut snapshot = Snapshot::default();
    for (coin, mid) in &mids {
        snapshot.push_price(
            coin,
            PriceKind::Mid,
            Some(decimal(mid, coin)?),
            Source::Hyperliquid,
            None,
            fetched_at_ms,
        );
    }
    Ok(snapshot)
}

/// Parses `metaAndAssetCtxs` (`[{universe: [{name, …}]}, [{markPx, oraclePx, funding, …}]]`,
/// index-aligned) into mark and oracle prices and current funding.
pub fn parse_meta_and_asset_ctxs(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let value = parse_body(body)?;
    let parts = array(&value, "metaAndAssetCtxs")?;
    let (Some(meta), Some(contexts)) = (parts.first(), parts.get(1)) else {
        return Err(ParseError::malformed(
            "metaAndAssetCtxs should hold [meta, contexts]",
        ));
    };
    let universe = array(field(meta, "universe", "meta")?, "universe")?;
    let contexts = array(contexts, "asset contexts")?;
    if universe.len() != contexts.len() {
        return Err(ParseError::malformed(format!(
            "metaAndAssetCtxs: {} assets but {} contexts",
            universe.len(),
            contexts.len()
        )));
    }
    let mut snapshot = Snapshot::default();
    for (asset, context) in universe.iter().zip(contexts) {
        let name = string(asset, "name", "universe")?;
        let get = |f: &str| opt_decimal(context.get(f), f);
        let source = Source::Hyperliquid;
        snapshot.push_price(
            name,
            PriceKind::Mark,
            get("markPx")?,
            source,
            None,
            fetched_at_ms,
        );
        snapshot.push_price(
            name,
            PriceKind::Oracle,
            get("oraclePx")?,
            source,
            None,
            fetched_at_ms,
        );
        snapshot.push_price(
            name,
            PriceKind::Mid,
            get("midPx")?,
            source,
            None,
            fetched_at_ms,
        );
        if let Some(rate) = get("funding")? {
            snapshot.funding.push(FundingRate {
                instrument: name.to_owned(),
                venue: None,
                rate,
                time_ms: fetched_at_ms,
            });
        }
    }
    Ok(snapshot)
}

/// Parses `candleSnapshot` into ascending candles; a candle whose end is not yet past is open.
pub fn parse_candle_snapshot(body: &[u8], fetched_at_ms: i64) -> Result<Vec<Candle>, ParseError> {
    let value = parse_body(body)?;
    let rows = array(&value, "candleSnapshot")?;
    let mut candles = Vec::with_capacity(rows.len());
    for row in rows {
        let end = int(field(row, "T", "candle")?, "T")?;
        candles.push(Candle {
            open_time_ms: int(field(row, "t", "candle")?, "t")?,
            open: decimal(field(row, "o", "candle")?, "o")?,
            high: decimal(field(row, "h", "candle")?, "h")?,
            low: decimal(field(row, "l", "candle")?, "l")?,
            close: decimal(field(row, "c", "candle")?, "c")?,
            volume: decimal(field(row, "v", "candle")?, "v")?,
            closed: end < fetched_at_ms,
        });
    }
    Ok(ascending(candles))
}

/// Parses `fundingHistory` (`[{coin, fundingRate, premium, time}]`).
pub fn parse_funding_history(body: &[u8]) -> Result<Vec<FundingRate>, ParseError> {
    let value = parse_body(body)?;
    array(&value, "fundingHistory")?
        .iter()
        .map(|item| {
            Ok(FundingRate {
                instrument: string(item, "coin", "funding")?.to_owned(),
                venue: None,
                rate: decimal(field(item, "fundingRate", "funding")?, "fundingRate")?,
                time_ms: int(field(item, "time", "funding")?, "time")?,
            })
        })
        .collect()
}
