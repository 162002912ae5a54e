//! The price board: every price a portfolio needs, where each came from and how old it is.
//!
//! A refresh runs in three stages, one file each:
//! - [`wanted`]: what needs a price (each contract at its own venue, each coin);
//! - [`plan`]: which source is asked for what, round after round (contracts at their venue,
//!   then the same perpetual listed elsewhere; coins from Binance spot, Coinbase, CoinGecko;
//!   stablecoins from Kraken's USD pairs, price-apis.md §11), the requests and their parsers;
//! - [`merge`]: answers onto the board (best kind of price first), then the disk cache, the
//!   bundled history and the underlyings' prices for what is still unpriced.
//!
//! Prices are filed by [`InstrumentKey`], so `BTCUSDT` at Binance and at Bybit keep their
//! own marks. The board holds market prices only; the file's manual prices are laid over it
//! by [`crate::pricing`], the one place where prices become the engine's input.

pub mod historical;
pub mod merge;
pub mod plan;
pub mod wanted;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::error::FetchError;
use super::fetch::VenueReport;
use super::source::Source;
use super::types::PriceKind;
use crate::model::InstrumentKey;

pub use historical::at_time;
pub use merge::offline;
pub use plan::{SourcePlan, listed_elsewhere, refresh};
pub use wanted::{Wanted, wanted_by, watch_list};

/// Default age after which a live price counts as stale: 5 minutes.
pub const STALE_MARK_SECONDS: i64 = 300;
/// Default age after which a history candle counts as stale: 1 day.
pub const STALE_HISTORY_SECONDS: i64 = 86_400;

/// One price on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// What it is the price of: a coin, or a contract at its venue.
    pub key: InstrumentKey,
    /// Which price.
    pub kind: PriceKind,
    /// The value, in `quote`.
    pub price: Decimal,
    /// What the price is quoted in: `USD`, `USDT`, or `quote` (the contract's own quote).
    pub quote: &'static str,
    /// Where it came from.
    pub source: Source,
    /// The venue's timestamp (ms), when sent; the close time for bundled candles.
    pub venue_time_ms: Option<i64>,
    /// When it was received (ms); for bundled and manual prices, when the board was built.
    pub fetched_at_ms: i64,
    /// A manual price from the portfolio file.
    pub manual: bool,
    /// For a contract no source prices: the coin whose price stands in (what the margin
    /// engine uses for it).
    pub via: Option<String>,
    /// The perpetual's current (or latest) funding rate per funding interval, as a fraction
    /// (0.0001 = 0.01 %), when its venue sent one with the price.
    pub funding_rate: Option<Decimal>,
    /// When the contract's own venue gave no mark: the same contract at another venue whose
    /// mark stands in (`BTCUSDT at Bybit`); `source` names that venue.
    pub listed_as: Option<String>,
}

impl Entry {
    /// The contract symbol or coin ticker.
    pub fn instrument(&self) -> &str {
        self.key.symbol()
    }

    /// Age in seconds at `now_ms`: from the venue's time when known, else the fetch time.
    pub fn age_seconds(&self, now_ms: i64) -> i64 {
        crate::model::provenance::age_seconds(
            now_ms,
            self.venue_time_ms.unwrap_or(self.fetched_at_ms),
        )
    }

    /// Whether the price is older than its threshold of `(live, history)` seconds by the one
    /// staleness rule ([`crate::model::provenance::stale_after_s`]); manual prices never are.
    pub fn is_stale(&self, now_ms: i64, thresholds_s: (i64, i64)) -> bool {
        !self.manual
            && self.age_seconds(now_ms)
                > crate::model::provenance::stale_after_s(self.source, self.kind, thresholds_s)
    }
}

/// Every price found, every error met, and how each venue did.
#[derive(Clone, Debug, Default)]
pub struct Board {
    /// Prices, one per instrument (the best source that answered), sorted by key.
    pub entries: Vec<Entry>,
    /// Errors, per venue and endpoint.
    pub errors: Vec<FetchError>,
    /// Each venue's last round.
    pub venues: BTreeMap<Source, VenueReport>,
    /// `Some(date)` when the board comes from the bundled history (offline).
    pub offline_as_of: Option<&'static str>,
    /// `Some(time)` (ms) when the prices are for a past moment rather than now: a past
    /// valuation time (candle closes), or offline with nothing cached (the bundle's last
    /// close). Ages are then measured to that moment.
    pub as_of_ms: Option<i64>,
    /// True when the board holds candle closes at a past valuation time ([`at_time`]).
    pub historical: bool,
    /// When the disk cache the board used was written (ms), if it used one.
    pub cache_saved_at_ms: Option<i64>,
    /// Instruments nothing could price.
    pub missing: Vec<InstrumentKey>,
    /// Option marks, implied volatilities and Greeks the venues sent.
    pub options: Vec<super::types::OptionQuote>,
}

impl Board {
    /// The entry of `key`, if priced.
    pub fn get(&self, key: &InstrumentKey) -> Option<&Entry> {
        self.entries.iter().find(|e| &e.key == key)
    }

    /// The entry of the coin `ticker`, if priced.
    pub fn coin(&self, ticker: &str) -> Option<&Entry> {
        self.get(&InstrumentKey::coin(ticker))
    }

    /// The USDT price that converts USDT quotes: a live or manual one, or a close at a past
    /// valuation time. The bundled USDT series ends on 2024-12-07, so its last close cannot
    /// convert the 2025-10-31 closes (SOURCES.md).
    fn usdt_entry(&self) -> Option<&Entry> {
        self.coin("USDT").filter(|e| {
            e.quote == "USD" && (e.source != Source::Bundle || e.kind == PriceKind::Close)
        })
    }

    /// USD per USDT on this board (1 when unknown; see [`Board::usdt_assumed`]).
    pub fn usdt_usd(&self) -> Decimal {
        self.usdt_entry().map_or(Decimal::ONE, |e| e.price)
    }

    /// True when USDT-quoted prices were converted at 1 USD for want of a USDT price.
    pub fn usdt_assumed(&self) -> bool {
        self.entries.iter().any(|e| e.quote == "USDT") && self.usdt_entry().is_none()
    }

    /// The USD value of an entry (USDT quotes converted at the board's USDT price).
    pub fn usd(&self, entry: &Entry) -> Decimal {
        if entry.quote == "USDT" {
            entry.price * self.usdt_usd()
        } else {
            entry.price
        }
    }

    /// Sorts the entries by key (the order every listing shows).
    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| a.key.cmp(&b.key));
    }
}
