//! The market snapshot the engine prices positions with.
//!
//! Prices come from the portfolio file's manual overrides and from the market-data board
//! (venues, or the bundled history offline). The snapshot keeps where each price came from so
//! the report can say so, and stablecoins without a price are valued at their peg with the
//! assumption listed. The engine reads no clock: ages are computed by whoever shows them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::model::Portfolio;
use crate::model::Venue;
use crate::model::params::ParameterLibrary;

/// Where a price came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriceSource {
    /// Typed into the portfolio file (`price_overrides`); the note says why.
    Manual {
        /// The override's note.
        note: Arc<str>,
    },
    /// No price known: a stablecoin taken at its peg.
    Peg,
    /// Fetched from a venue, or read from the bundled history.
    Market {
        /// Where from.
        source: crate::market::Source,
        /// Which price.
        kind: crate::market::PriceKind,
        /// The venue's time (ms since the epoch), when sent; the close for bundled candles.
        venue_time_ms: Option<i64>,
        /// When it was received (ms since the epoch).
        fetched_at_ms: i64,
    },
}

/// One price in USD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    /// USD per unit (for a contract symbol: the contract's mark in its quote currency).
    pub price_usd: Decimal,
    /// Where it came from.
    pub source: PriceSource,
}

/// Prices and volatilities at one moment.
#[derive(Clone, Debug, Default)]
pub struct MarketSnapshot {
    /// Keyed by upper-case asset ticker (`BTC`) or venue symbol (`BTCUSDT`).
    pub prices: BTreeMap<String, Quote>,
    /// Daily volatility (standard deviation of daily log returns) per underlying, when known.
    pub daily_vol: BTreeMap<String, f64>,
    /// Option deltas per unit of the underlying, as a venue publishes them (keyed by upper-case
    /// symbol), with the venue's name for the assumption line.
    pub option_delta: BTreeMap<String, (Decimal, &'static str)>,
}

/// The name a contract's market price is filed under. Hyperliquid names its perpetuals by
/// the bare coin (`SOL`, price-apis.md §8), which would collide with the coin's own price,
/// so its marks are filed as `SOL (Hyperliquid)`; every other venue's symbol is distinct.
pub fn contract_key(venue: Venue, symbol: &str) -> String {
    if venue == Venue::Hyperliquid {
        format!("{symbol} (Hyperliquid)")
    } else {
        symbol.to_owned()
    }
}

impl MarketSnapshot {
    /// The snapshot of a portfolio file's manual prices.
    pub fn from_overrides(portfolio: &Portfolio) -> Self {
        let mut snapshot = Self::default();
        for price in &portfolio.price_overrides {
            snapshot.prices.insert(
                price.symbol.to_ascii_uppercase(),
                Quote {
                    price_usd: price.price_usd,
                    source: PriceSource::Manual {
                        note: price.note.as_str().into(),
                    },
                },
            );
        }
        snapshot
    }

    /// The price of `key` (symbol or ticker), case-insensitive.
    pub fn get(&self, key: &str) -> Option<&Quote> {
        // Keys are stored upper case; only a key with lower-case letters needs a copy.
        if key.bytes().any(|b| b.is_ascii_lowercase()) {
            self.prices.get(&key.to_ascii_uppercase())
        } else {
            self.prices.get(key)
        }
    }

    /// The mark of `symbol` at `venue`: a manual price of that name in the file wins (it
    /// names the contract too), then the market price filed under [`contract_key`].
    pub fn contract(&self, venue: Venue, symbol: &str) -> Option<&Quote> {
        match self.get(symbol) {
            Some(quote) if matches!(quote.source, PriceSource::Manual { .. }) => Some(quote),
            found if venue != Venue::Hyperliquid => found,
            _ => self.get(&contract_key(venue, symbol)),
        }
    }

    /// The USD price of an asset: its own quote, else the quote of what it wraps, else its
    /// peg if it is a stablecoin. `None` when nothing is known.
    pub fn asset_usd(&self, asset: &str, library: &ParameterLibrary) -> Option<Cow<'_, Quote>> {
        if let Some(quote) = self.get(asset) {
            return Some(Cow::Borrowed(quote));
        }
        let priced_as = library.priced_as(asset);
        if let Some(quote) = self.get(priced_as) {
            return Some(Cow::Borrowed(quote));
        }
        library.stablecoin(asset).map(|coin| {
            Cow::Owned(Quote {
                price_usd: coin.peg_usd,
                source: PriceSource::Peg,
            })
        })
    }
}
