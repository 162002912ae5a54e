//! What a price belongs to: a coin by its ticker, or a contract by its venue and the venue's
//! own symbol.
//!
//! Two venues list contracts under the same symbol (`BTCUSDT` on Binance USDⓈ-M and on Bybit,
//! `SOL` as a Hyperliquid perpetual and as the coin), and their marks differ, so a contract's
//! price is never filed under its symbol alone. The board, the price cache, the engine's
//! market snapshot and the screens all key prices by this type.

use super::Venue;

/// The thing a price is the price of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstrumentKey {
    /// A coin or stablecoin, priced in USD, by upper-case ticker (`BTC`, `USDT`).
    Coin(String),
    /// A contract at its venue, by the venue's symbol in upper case (`BTCUSDT`,
    /// `BTC-PERPETUAL`, `SOL` for Hyperliquid's SOL perpetual).
    Contract {
        /// The venue that lists it (its mark is that venue's).
        venue: Venue,
        /// The venue's symbol, upper case.
        symbol: String,
    },
}

impl InstrumentKey {
    /// The key of a coin (`weth` → `WETH`; wrapped tokens are mapped by the caller).
    pub fn coin(ticker: &str) -> Self {
        Self::Coin(ticker.to_ascii_uppercase())
    }

    /// The key of `symbol` listed at `venue`.
    pub fn contract(venue: Venue, symbol: &str) -> Self {
        Self::Contract {
            venue,
            symbol: symbol.to_ascii_uppercase(),
        }
    }

    /// The ticker or the venue's symbol.
    pub fn symbol(&self) -> &str {
        match self {
            Self::Coin(ticker) => ticker,
            Self::Contract { symbol, .. } => symbol,
        }
    }

    /// The venue of a contract; `None` for a coin.
    pub fn venue(&self) -> Option<Venue> {
        match self {
            Self::Coin(_) => None,
            Self::Contract { venue, .. } => Some(*venue),
        }
    }

    /// Whether this is a contract.
    pub fn is_contract(&self) -> bool {
        matches!(self, Self::Contract { .. })
    }
}

impl std::fmt::Display for InstrumentKey {
    /// `BTC` for a coin, `BTCUSDT at Bybit linear` for a contract.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Coin(ticker) => f.write_str(ticker),
            Self::Contract { venue, symbol } => write!(f, "{symbol} at {}", venue.display_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_symbol_at_two_venues_is_two_keys() {
        let binance = InstrumentKey::contract(Venue::BinanceUsdm, "btcusdt");
        let bybit = InstrumentKey::contract(Venue::BybitLinear, "BTCUSDT");
        assert_ne!(binance, bybit, "venue is part of the key");
        assert_eq!(binance.symbol(), "BTCUSDT", "symbols are upper case");
        assert_ne!(
            InstrumentKey::coin("SOL"),
            InstrumentKey::contract(Venue::Hyperliquid, "SOL"),
            "a Hyperliquid perp named like its coin is not the coin"
        );
    }
}
