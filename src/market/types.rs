//! The values market data is made of: prices with their provenance, candles, funding rates
//! and option quotes.

use rust_decimal::Decimal;

use super::source::Source;
use crate::model::{InstrumentKey, Venue};

pub use crate::model::provenance::PriceKind;

/// One price with where and when it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    /// The venue's instrument name (`BTCUSDT`, `BTC-PERPETUAL`, `bitcoin`).
    pub instrument: String,
    /// For a contract's price: the venue whose listing it is (set by the board's job, not
    /// the parser); `None` for a coin's price.
    pub venue: Option<Venue>,
    /// Which price.
    pub kind: PriceKind,
    /// The value, in the instrument's quote currency.
    pub value: Decimal,
    /// That quote currency when the board knows it (`USD`, `USDT`); `None` = the
    /// instrument's own quote (a contract's settlement currency).
    pub quote: Option<&'static str>,
    /// The venue it came from.
    pub source: Source,
    /// The venue's own timestamp, milliseconds since the Unix epoch, when it sends one.
    pub venue_time_ms: Option<i64>,
    /// When the body was received, milliseconds since the Unix epoch.
    pub fetched_at_ms: i64,
}

/// Candle length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interval {
    /// One hour.
    Hour1,
    /// One UTC day.
    Day1,
}

impl Interval {
    /// Length in milliseconds.
    pub fn millis(self) -> i64 {
        match self {
            Self::Hour1 => 3_600_000,
            Self::Day1 => 86_400_000,
        }
    }

    /// `1h` or `1d`, as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hour1 => "1h",
            Self::Day1 => "1d",
        }
    }

    /// Parses `1h` or `1d`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1h" => Some(Self::Hour1),
            "1d" => Some(Self::Day1),
            _ => None,
        }
    }
}

/// One OHLCV candle, oldest-first in every list this crate returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candle {
    /// Start of the candle, milliseconds since the Unix epoch (UTC).
    pub open_time_ms: i64,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close (the latest price for a candle still forming).
    pub close: Decimal,
    /// Volume as the venue reports it (base units on most venues; USD on Bybit inverse).
    pub volume: Decimal,
    /// False for the still-forming last candle (OKX `confirm:"0"`, Kraken's last row).
    pub closed: bool,
}

/// One funding rate print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingRate {
    /// The venue's instrument name.
    pub instrument: String,
    /// The venue whose listing it is, once the board knows (see [`Price::venue`]).
    pub venue: Option<Venue>,
    /// Rate per funding interval, as a fraction (0.0001 = 0.01 %).
    pub rate: Decimal,
    /// When it applied, milliseconds since the Unix epoch (not always a round hour).
    pub time_ms: i64,
}

/// An option's mark, implied volatility and Greeks as the venue publishes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionQuote {
    /// The venue's instrument name.
    pub instrument: String,
    /// The venue whose listing it is, once the board knows (see [`Price::venue`]).
    pub venue: Option<Venue>,
    /// Mark price, in the venue's unit (Deribit: underlying coin; Bybit: USD).
    pub mark_price: Option<Decimal>,
    /// Mark implied volatility as a fraction (Deribit's percent is divided by 100).
    pub mark_iv: Option<Decimal>,
    /// Underlying price in USD.
    pub underlying_price: Option<Decimal>,
    /// Delta, when published.
    pub delta: Option<Decimal>,
    /// Gamma, when published.
    pub gamma: Option<Decimal>,
    /// Vega, when published.
    pub vega: Option<Decimal>,
    /// Theta, when published.
    pub theta: Option<Decimal>,
    /// The venue it came from.
    pub source: Source,
    /// The venue's timestamp, milliseconds, when sent.
    pub venue_time_ms: Option<i64>,
}

/// What one ticker-like response holds: prices, current funding, option quotes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Prices (last, mark, index, …).
    pub prices: Vec<Price>,
    /// Current or latest funding rates.
    pub funding: Vec<FundingRate>,
    /// Option marks, IVs and Greeks.
    pub options: Vec<OptionQuote>,
}

impl Price {
    /// What this is the price of: a contract of its venue, else a coin.
    pub fn key(&self) -> InstrumentKey {
        key_of(self.venue, &self.instrument)
    }
}

impl FundingRate {
    /// The contract this rate belongs to (a coin key when the venue is not known).
    pub fn key(&self) -> InstrumentKey {
        key_of(self.venue, &self.instrument)
    }
}

impl OptionQuote {
    /// The option this quote belongs to (a coin key when the venue is not known).
    pub fn key(&self) -> InstrumentKey {
        key_of(self.venue, &self.instrument)
    }
}

fn key_of(venue: Option<Venue>, name: &str) -> InstrumentKey {
    match venue {
        Some(venue) => InstrumentKey::contract(venue, name),
        None => InstrumentKey::coin(name),
    }
}

impl Snapshot {
    /// Adds a price when the venue sent one (`None` and empty fields are skipped).
    pub fn push_price(
        &mut self,
        instrument: &str,
        kind: PriceKind,
        value: Option<Decimal>,
        source: Source,
        venue_time_ms: Option<i64>,
        fetched_at_ms: i64,
    ) {
        if let Some(value) = value {
            self.prices.push(Price {
                instrument: instrument.to_owned(),
                venue: None,
                kind,
                value,
                quote: None,
                source,
                venue_time_ms,
                fetched_at_ms,
            });
        }
    }

    /// Files every price, funding rate and option quote as a listing of `venue` (what a
    /// contract job does with its answer), so the same symbol at two venues stays apart.
    pub fn at_venue(mut self, venue: Venue) -> Self {
        for price in &mut self.prices {
            price.venue = Some(venue);
        }
        for funding in &mut self.funding {
            funding.venue = Some(venue);
        }
        for option in &mut self.options {
            option.venue = Some(venue);
        }
        self
    }

    /// The price of `instrument` of `kind`, if present.
    pub fn price(&self, instrument: &str, kind: PriceKind) -> Option<Decimal> {
        self.prices
            .iter()
            .find(|p| p.kind == kind && p.instrument.eq_ignore_ascii_case(instrument))
            .map(|p| p.value)
    }
}

/// Sorts candles oldest-first and drops duplicate open times (venues differ in order).
pub fn ascending(mut candles: Vec<Candle>) -> Vec<Candle> {
    candles.sort_by_key(|c| c.open_time_ms);
    candles.dedup_by_key(|c| c.open_time_ms);
    candles
}
