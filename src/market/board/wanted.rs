//! Stage one of a refresh: what a portfolio needs priced (each contract at its venue, each
//! coin held, posted or underlying), or the default watch list when no file is open.

use std::collections::BTreeSet;

use crate::market::bundle;
use crate::model::params::ParameterLibrary;
use crate::model::{InstrumentKey, Portfolio, Position, Venue};

/// Something that needs a price.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wanted {
    /// A contract at its venue (the name is the venue's symbol).
    Contract {
        /// The venue's symbol.
        symbol: String,
        /// The venue.
        venue: Venue,
        /// The coin it is on.
        underlying: String,
        /// An option: its price is never its underlying's (no stand-in; the model values
        /// it, or it is listed as unpriced).
        option: bool,
    },
    /// A coin or stablecoin, priced in USD.
    Asset {
        /// Upper-case ticker (wrapped tokens as what they wrap: `WETH` → `ETH`).
        ticker: String,
    },
}

impl Wanted {
    /// The key the board files its price under.
    pub fn key(&self) -> InstrumentKey {
        match self {
            Self::Contract { symbol, venue, .. } => InstrumentKey::contract(*venue, symbol),
            Self::Asset { ticker } => InstrumentKey::coin(ticker),
        }
    }
}

/// What `portfolio` needs priced: each contract, and each coin held, posted or underlying.
pub fn wanted_by(portfolio: &Portfolio, library: &ParameterLibrary) -> Vec<Wanted> {
    let mut wanted = BTreeSet::new();
    let asset = |ticker: &str| Wanted::Asset {
        ticker: library.priced_as(ticker).to_ascii_uppercase(),
    };
    for account in &portfolio.accounts {
        for collateral in &account.collateral {
            wanted.insert(asset(&collateral.asset));
        }
        for position in &account.positions {
            wanted.insert(asset(position.underlying()));
            if matches!(
                position,
                Position::Perpetual(_) | Position::Future(_) | Position::Option(_)
            ) {
                wanted.insert(Wanted::Contract {
                    symbol: position.name().to_owned(),
                    venue: account.venue,
                    underlying: position.underlying().to_ascii_uppercase(),
                    option: matches!(position, Position::Option(_)),
                });
            }
        }
    }
    wanted.into_iter().collect()
}

/// The default watch list when no file is given: the coins with bundled history.
pub fn watch_list() -> Vec<Wanted> {
    bundle::assets()
        .map(|ticker| Wanted::Asset {
            ticker: ticker.to_owned(),
        })
        .collect()
}
