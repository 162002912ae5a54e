//! Bybit v5 public market data (price-apis.md §3).
//!
//! Every body is an envelope `{"retCode", "retMsg", "result", "time"}`; a failure can come
//! with HTTP 200 and `retCode ≠ 0` (10006 = rate limit). Numbers are strings, candle lists
//! newest-first, option IVs fractions.

use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, field, int, opt_decimal, parse_body, string};
use super::source::{Request, Source};
use super::types::{Candle, FundingRate, Interval, OptionQuote, PriceKind, Snapshot, ascending};

/// A product line of Bybit v5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Spot.
    Spot,
    /// USDT and USDC contracts.
    Linear,
    /// Coin-margined contracts.
    Inverse,
    /// Options.
    Option,
}

impl Category {
    /// The `category` query value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Spot => "spot",
            Self::Linear => "linear",
            Self::Inverse => "inverse",
            Self::Option => "option",
        }
    }
}

/// `GET /v5/market/tickers` for one symbol (or, for options, a whole `baseCoin` chain).
pub fn tickers(category: Category, symbol: Option<&str>, base_coin: Option<&str>) -> Request {
    let mut query = vec![("category", category.name())];
    if let Some(symbol) = symbol {
        query.push(("symbol", symbol));
    }
    if let Some(coin) = base_coin {
        query.push(("baseCoin", coin));
    }
    Request::get(Source::Bybit, "/v5/market/tickers", &query)
}

/// `GET /v5/market/kline` (or `mark-price-kline`) from `start_ms` to `end_ms`, at most 1000.
pub fn kline(
    category: Category,
    symbol: &str,
    interval: Interval,
    start_ms: i64,
    end_ms: i64,
    mark: bool,
) -> Request {
    let endpoint = if mark {
        "/v5/market/mark-price-kline"
    } else {
        "/v5/market/kline"
    };
    let interval = match interval {
        Interval::Hour1 => "60",
        Interval::Day1 => "D",
    };
    let (start, end) = (start_ms.to_string(), end_ms.to_string());
    Request::get(
        Source::Bybit,
        endpoint,
        &[
            ("category", category.name()),
            ("symbol", symbol),
            ("interval", interval),
            ("start", &start),
            ("end", &end),
            ("limit", "1000"),
        ],
    )
}

/// `GET /v5/market/funding/history` up to `end_ms` (Bybit rejects `startTime` alone).
pub fn funding_history(category: Category, symbol: &str, end_ms: i64) -> Request {
    let end = end_ms.to_string();
    Request::get(
        Source::Bybit,
        "/v5/market/funding/history",
        &[
            ("category", category.name()),
            ("symbol", symbol),
            ("endTime", &end),
            ("limit", "200"),
        ],
    )
}

/// Opens the envelope: `result` and the venue time, or the typed error.
fn open(body: &[u8]) -> Result<(Value, Option<i64>), ParseError> {
    let mut value = parse_body(body)?;
    let code = int(field(&value, "retCode", "Bybit envelope")?, "retCode")?;
    if code != 0 {
        let message = format!(
            "Bybit retCode {code}: {}",
            value
                .get("retMsg")
                .and_then(Value::as_str)
                .unwrap_or_default()
        );
        return Err(if code == 10006 {
            ParseError {
                kind: ErrorKind::RateLimited {
                    retry_after_s: None,
                },
                message,
            }
        } else {
            ParseError::venue(code.to_string(), message)
        });
    }
    let time = value.get("time").map(|t| int(t, "time")).transpose()?;
    let result = value
        .get_mut("result")
        .map(Value::take)
        .ok_or_else(|| ParseError::malformed("Bybit envelope: field `result` is missing"))?;
    Ok((result, time))
}

/// Parses `tickers` of any category: last/mark/index and funding for contracts, last and USD
/// index for spot, mark/IV/Greeks for options.
pub fn parse_tickers(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let (result, time) = open(body)?;
    let category = result
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or("linear");
    let mut snapshot = Snapshot::default();
    for item in array(field(&result, "list", "tickers")?, "tickers list")? {
        let symbol = string(item, "symbol", "tickers")?;
        let get = |name: &str| opt_decimal(item.get(name), name);
        snapshot.push_price(
            symbol,
            PriceKind::Last,
            get("lastPrice")?,
            Source::Bybit,
            time,
            fetched_at_ms,
        );
        match category {
            "spot" => snapshot.push_price(
                symbol,
                PriceKind::Index,
                get("usdIndexPrice")?,
                Source::Bybit,
                time,
                fetched_at_ms,
            ),
            "option" => {
                snapshot.push_price(
                    symbol,
                    PriceKind::Mark,
                    get("markPrice")?,
                    Source::Bybit,
                    time,
                    fetched_at_ms,
                );
                snapshot.options.push(OptionQuote {
                    instrument: symbol.to_owned(),
                    venue: None,
                    mark_price: get("markPrice")?,
                    mark_iv: get("markIv")?,
                    underlying_price: get("underlyingPrice")?,
                    delta: get("delta")?,
                    gamma: get("gamma")?,
                    vega: get("vega")?,
                    theta: get("theta")?,
                    source: Source::Bybit,
                    venue_time_ms: time,
                });
            }
            _ => {
                snapshot.push_price(
                    symbol,
                    PriceKind::Mark,
                    get("markPrice")?,
                    Source::Bybit,
                    time,
                    fetched_at_ms,
                );
                snapshot.push_price(
                    symbol,
                    PriceKind::Index,
                    get("indexPrice")?,
                    Source::Bybit,
                    time,
                    fetched_at_ms,
                );
                if let (Some(rate), Some(time)) = (get("fundingRate")?, time) {
                    snapshot.funding.push(FundingRate {
                        instrument: symbol.to_owned(),
                        venue: None,
                        rate,
                        time_ms: time,
                    });
                }
            }
        }
    }
    Ok(snapshot)
}

/// Parses `kline` / `mark-price-kline` rows `[start, o, h, l, c, volume?, turnover?]`,
/// newest-first, into ascending candles; the candle containing `fetched_at_ms` is open.
pub fn parse_kline(
    body: &[u8],
    interval: Interval,
    fetched_at_ms: i64,
) -> Result<Vec<Candle>, ParseError> {
    let (result, _) = open(body)?;
    let rows = array(field(&result, "list", "kline")?, "kline list")?;
    let mut candles = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let context = format!("kline row {i}");
        let cells = array(row, &context)?;
        if cells.len() < 5 {
            return Err(ParseError::malformed(format!(
                "{context} has {} columns, expected 7 (5 for mark-price)",
                cells.len()
            )));
        }
        let open_time = int(&cells[0], "startTime")?;
        candles.push(Candle {
            open_time_ms: open_time,
            open: decimal(&cells[1], "open")?,
            high: decimal(&cells[2], "high")?,
            low: decimal(&cells[3], "low")?,
            close: decimal(&cells[4], "close")?,
            volume: opt_decimal(cells.get(5), "volume")?.unwrap_or_default(),
            closed: open_time + interval.millis() <= fetched_at_ms,
        });
    }
    Ok(ascending(candles))
}

/// Parses `funding/history` (newest-first) into ascending funding prints.
pub fn parse_funding_history(body: &[u8]) -> Result<Vec<FundingRate>, ParseError> {
    let (result, _) = open(body)?;
    let mut rates = array(field(&result, "list", "funding history")?, "funding list")?
        .iter()
        .map(|item| {
            Ok(FundingRate {
                instrument: string(item, "symbol", "funding history")?.to_owned(),
                venue: None,
                rate: decimal(field(item, "fundingRate", "funding")?, "fundingRate")?,
                time_ms: int(
                    field(item, "fundingRateTimestamp", "funding")?,
                    "fundingRateTimestamp",
                )?,
            })
        })
        .collect::<Result<Vec<_>, ParseError>>()?;
    rates.sort_by_key(|r| r.time_ms);
    Ok(rates)
}
