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

use crate::model::params::ParameterLibrary;
use crate::model::{InstrumentKey, Portfolio, Venue};

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
        source: crate::model::provenance::Source,
        /// Which price.
        kind: crate::model::provenance::PriceKind,
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MarketSnapshot {
    /// Market prices: coins in USD, contracts in their quote currency, each keyed by what it
    /// is the price of (a contract by its venue and symbol, so two venues listing `BTCUSDT`
    /// keep their own marks).
    pub prices: BTreeMap<InstrumentKey, Quote>,
    /// The portfolio file's manual prices by upper-case name. A name prices the coin of that
    /// ticker and every contract of that symbol, at any venue, and wins over market prices.
    pub manual: BTreeMap<String, Quote>,
    /// Daily volatility (standard deviation of daily log returns) per underlying, when known.
    pub daily_vol: BTreeMap<String, f64>,
    /// Option deltas per unit of the underlying, as a venue publishes them, with the venue's
    /// name for the assumption line.
    pub option_delta: BTreeMap<InstrumentKey, (Decimal, &'static str)>,
    /// Daily closes per underlying, oldest first, for history statistics (the hedged-book
    /// warning); `history_source` says where they come from.
    pub daily_closes: BTreeMap<String, Arc<[f64]>>,
    /// Where `daily_closes` come from and what they span, for the warnings that cite them.
    pub history_source: Option<String>,
    /// The valuation time (ms), when known: dated futures that expired before it are settled.
    pub valued_at_ms: Option<i64>,
    /// Settlement prices by (underlying, expiry date) for futures expired at `valued_at_ms`.
    pub settlements: BTreeMap<(String, chrono::NaiveDate), super::expiry::SettlementPrice>,
}

impl MarketSnapshot {
    /// The snapshot of a portfolio file's manual prices.
    pub fn from_overrides(portfolio: &Portfolio) -> Self {
        let mut snapshot = Self::default();
        for price in &portfolio.price_overrides {
            snapshot.manual.insert(
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

    /// A manual price of `name` (ticker or symbol), case-insensitive.
    fn manual(&self, name: &str) -> Option<&Quote> {
        if self.manual.is_empty() {
            return None;
        }
        // Keys are stored upper case; only a name with lower-case letters needs a copy.
        if name.bytes().any(|b| b.is_ascii_lowercase()) {
            self.manual.get(&name.to_ascii_uppercase())
        } else {
            self.manual.get(name)
        }
    }

    /// The USD price of the coin `ticker` (not what it wraps, not its peg): a manual price
    /// first, then the market's.
    pub fn coin(&self, ticker: &str) -> Option<&Quote> {
        self.manual(ticker)
            .or_else(|| self.prices.get(&InstrumentKey::coin(ticker)))
    }

    /// The mark of `symbol` at `venue`: a manual price of that name in the file wins (it
    /// names the contract at every venue), then that venue's own market price.
    pub fn contract(&self, venue: Venue, symbol: &str) -> Option<&Quote> {
        self.manual(symbol)
            .or_else(|| self.prices.get(&InstrumentKey::contract(venue, symbol)))
    }

    /// The published delta of the option `symbol` at `venue`, with the venue's name.
    pub fn option_delta(&self, venue: Venue, symbol: &str) -> Option<(Decimal, &'static str)> {
        self.option_delta
            .get(&InstrumentKey::contract(venue, symbol))
            .copied()
    }

    /// The USD price of an asset: its own quote, else the quote of what it wraps, else its
    /// peg if it is a stablecoin. `None` when nothing is known.
    pub fn asset_usd(&self, asset: &str, library: &ParameterLibrary) -> Option<Cow<'_, Quote>> {
        if let Some(quote) = self.coin(asset) {
            return Some(Cow::Borrowed(quote));
        }
        let priced_as = library.priced_as(asset);
        if let Some(quote) = self.coin(priced_as) {
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
