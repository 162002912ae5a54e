//! CoinGecko: a slow, aggregated fallback (10–30 requests per minute without a key;
//! price-apis.md §8). Ids are CoinGecko coin ids (`bitcoin`), not tickers. Numbers are JSON
//! numbers; `last_updated_at` is in seconds, chart points in milliseconds.

use serde_json::Value;

use super::error::{ErrorKind, ParseError};
use super::json::{array, decimal, parse_body};
use super::source::{Request, Source};
use super::types::{PriceKind, Snapshot};

/// The CoinGecko id of a ticker this app knows (the bundled assets and stablecoins).
pub fn coin_id(ticker: &str) -> Option<&'static str> {
    Some(match ticker.to_ascii_uppercase().as_str() {
        "BTC" => "bitcoin",
        "ETH" => "ethereum",
        "SOL" => "solana",
        "BNB" => "binancecoin",
        "XRP" => "ripple",
        "DOGE" => "dogecoin",
        "ADA" => "cardano",
        "AVAX" => "avalanche-2",
        "LINK" => "chainlink",
        "LTC" => "litecoin",
        "USDT" => "tether",
        "USDC" => "usd-coin",
        _ => return None,
    })
}

/// `GET /api/v3/simple/price?ids=…&vs_currencies=usd&include_last_updated_at=true`.
pub fn simple_price(ids: &[&str]) -> Request {
    let ids = ids.join(",");
    Request::get(
        Source::CoinGecko,
        "/api/v3/simple/price",
        &[
            ("ids", &ids),
            ("vs_currencies", "usd"),
            ("include_last_updated_at", "true"),
        ],
    )
}

/// CoinGecko's error bodies: `{"status": {"error_code": 429, …}}` or `{"error": …}`.
fn check_error(value: &Value) -> Result<(), ParseError> {
    if let Some(status) = value.get("status") {
        let code = status
            .get("error_code")
            .map_or_else(String::new, Value::to_string);
        let message = format!(
            "CoinGecko error {code}: {}",
            status
                .get("error_message")
                .and_then(Value::as_str)
                .unwrap_or_default()
        );
        return Err(if code == "429" {
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
    if let Some(error) = value.get("error") {
        return Err(ParseError::venue(
            "error",
            format!("CoinGecko: {}", error.as_str().unwrap_or_default()),
        ));
    }
    Ok(())
}

/// Parses `simple/price` into USD reference prices named by coin id.
pub fn parse_simple_price(body: &[u8], fetched_at_ms: i64) -> Result<Snapshot, ParseError> {
    let value = parse_body(body)?;
    check_error(&value)?;
    let Value::Object(coins) = &value else {
        return Err(ParseError::malformed("simple/price should be an object"));
    };
    let mut snapshot = Snapshot::default();
    for (id, quote) in coins {
        let Some(usd) = quote.get("usd") else {
            continue;
        };
        let updated_s = quote.get("last_updated_at").and_then(Value::as_i64);
        snapshot.push_price(
            id,
            PriceKind::Reference,
            Some(decimal(usd, "usd")?),
            Source::CoinGecko,
            updated_s.map(|s| s.saturating_mul(1000)),
            fetched_at_ms,
        );
    }
    Ok(snapshot)
}

/// Parses `market_chart`'s `prices` into `(ms, USD)` points, ascending.
pub fn parse_market_chart(body: &[u8]) -> Result<Vec<(i64, rust_decimal::Decimal)>, ParseError> {
    let value = parse_body(body)?;
    check_error(&value)?;
    let prices = value
        .get("prices")
        .ok_or_else(|| ParseError::malformed("market_chart: field `prices` is missing"))?;
    let mut points = array(prices, "prices")?
        .iter()
        .map(|point| {
            let pair = array(point, "price point")?;
            match (pair.first(), pair.get(1)) {
                (Some(time), Some(price)) => {
                    Ok((super::json::int(time, "time")?, decimal(price, "price")?))
                }
                _ => Err(ParseError::malformed("price point should be [ms, price]")),
            }
        })
        .collect::<Result<Vec<_>, ParseError>>()?;
    points.sort_by_key(|p| p.0);
    Ok(points)
}
