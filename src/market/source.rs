//! The venues prices come from, their base URLs (overridable for tests and proxies) and the
//! shape of one request.

pub use crate::model::provenance::Source;

/// Where each source is reached: base URLs (overridable) and environment variables.
impl Source {
    /// The venue's public base URL (scheme and host; paths are the venue's own).
    pub fn default_base_url(self) -> &'static str {
        match self {
            // The market-data-only host serves spot klines and tickers without a key
            // (price-apis.md §1).
            Self::BinanceSpot => "https://data-api.binance.vision",
            Self::BinanceFutures => "https://fapi.binance.com",
            Self::BinanceCoinm => "https://dapi.binance.com",
            Self::Bybit => "https://api.bybit.com",
            Self::Okx => "https://www.okx.com",
            Self::Deribit => "https://www.deribit.com",
            Self::Coinbase => "https://api.exchange.coinbase.com",
            Self::Kraken => "https://api.kraken.com",
            Self::Hyperliquid => "https://api.hyperliquid.xyz",
            Self::CoinGecko => "https://api.coingecko.com",
            Self::Bundle | Self::Manual => "",
        }
    }

    /// The environment variable that overrides the base URL.
    pub fn env_var(self) -> Option<&'static str> {
        Some(match self {
            Self::BinanceSpot => "RISKDECK_BINANCE_SPOT_URL",
            Self::BinanceFutures => "RISKDECK_BINANCE_FUTURES_URL",
            Self::BinanceCoinm => "RISKDECK_BINANCE_COINM_URL",
            Self::Bybit => "RISKDECK_BYBIT_URL",
            Self::Okx => "RISKDECK_OKX_URL",
            Self::Deribit => "RISKDECK_DERIBIT_URL",
            Self::Coinbase => "RISKDECK_COINBASE_URL",
            Self::Kraken => "RISKDECK_KRAKEN_URL",
            Self::Hyperliquid => "RISKDECK_HYPERLIQUID_URL",
            Self::CoinGecko => "RISKDECK_COINGECKO_URL",
            Self::Bundle | Self::Manual => return None,
        })
    }

    /// The base URL in force: `override_url` (from settings), else the environment variable,
    /// else the default. A trailing `/` is dropped.
    pub fn base_url(self, override_url: Option<&str>) -> String {
        let from_env = self.env_var().and_then(|name| std::env::var(name).ok());
        let url = override_url
            .map(str::to_owned)
            .or(from_env)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| self.default_base_url().to_owned());
        url.trim().trim_end_matches('/').to_owned()
    }
}

/// HTTP method of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET with a query string.
    Get,
    /// POST with a JSON body (Hyperliquid `info`).
    Post,
}

/// One request, independent of the HTTP client: the transport joins it to the base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Which venue.
    pub source: Source,
    /// The endpoint path, for error reports (`/fapi/v1/premiumIndex`).
    pub endpoint: &'static str,
    /// GET or POST.
    pub method: Method,
    /// Path and query, e.g. `/fapi/v1/premiumIndex?symbol=BTCUSDT`.
    pub path_and_query: String,
    /// JSON body for POST.
    pub body: Option<String>,
}

impl Request {
    /// A GET of `endpoint` with `query` pairs (values are percent-encoded).
    pub fn get(source: Source, endpoint: &'static str, query: &[(&str, &str)]) -> Self {
        let mut path_and_query = endpoint.to_owned();
        for (i, (key, value)) in query.iter().enumerate() {
            path_and_query.push(if i == 0 { '?' } else { '&' });
            path_and_query.push_str(key);
            path_and_query.push('=');
            path_and_query.push_str(&percent_encode(value));
        }
        Self {
            source,
            endpoint,
            method: Method::Get,
            path_and_query,
            body: None,
        }
    }

    /// A POST of a JSON `body` to `endpoint`.
    pub fn post(source: Source, endpoint: &'static str, body: String) -> Self {
        Self {
            source,
            endpoint,
            method: Method::Post,
            path_and_query: endpoint.to_owned(),
            body: Some(body),
        }
    }

    /// The full URL against `base_url`.
    pub fn url(&self, base_url: &str) -> String {
        format!("{base_url}{}", self.path_and_query)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        let request = Request::get(
            Source::BinanceSpot,
            "/api/v3/ticker/price",
            &[("symbols", "[\"BTCUSDT\",\"BNBUSDT\"]")],
        );
        assert_eq!(
            request.path_and_query,
            "/api/v3/ticker/price?symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D"
        );
    }

    #[test]
    fn override_beats_default_and_loses_its_trailing_slash() {
        assert_eq!(
            Source::Okx.base_url(Some("http://127.0.0.1:9000/")),
            "http://127.0.0.1:9000"
        );
        assert_eq!(Source::from_key("BYBIT"), Some(Source::Bybit));
        assert_eq!(Source::from_key("binance"), Some(Source::BinanceSpot));
    }
}
