//! Market data: public prices, marks, funding and candles from the venues, with no API keys.
//!
//! Every venue module is split the same way: request builders that say which path and query
//! to call, and pure `parse_*` functions that turn a response body into typed values or a
//! typed error. Transport lives elsewhere, so parsers are tested on bodies alone (the venues'
//! documentation bodies in `tests/fixtures/api/` and bodies built for each error envelope).
//! Money is parsed straight from the body's text into [`rust_decimal::Decimal`], never through
//! a float. Venue quirks handled here come from `shared/reference/price-apis.md` §0.
//!
//! [`bundle`] holds the real daily and crash-window hourly history shipped inside the binary,
//! so the app works fully offline.

pub mod binance;
pub mod board;
pub mod bundle;
pub mod bybit;
pub mod cache;
pub mod coinbase;
pub mod coingecko;
pub mod deribit;
pub mod error;
pub mod fetch;
pub mod history;
pub mod hyperliquid;
pub mod json;
pub mod kraken;
pub mod okx;
pub mod source;
pub mod transport;
pub mod types;

pub use error::{ErrorKind, FetchError, ParseError};
pub use source::{Request, Source};
pub use types::{Candle, FundingRate, Interval, OptionQuote, Price, PriceKind, Snapshot};
