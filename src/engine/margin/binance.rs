//! Binance USDⓈ-M (linear) and COIN-M (inverse) futures.
//!
//! Maintenance margin is tiered with a maintenance amount: `MM = notional × MMR − cum`
//! (venue-margin.md §1.1; COIN-M in coin, §2). The one-way liquidation price is
//!
//! ```text
//! USDⓈ-M: LP = (WB − TMM1 + UPNL1 + cum − side·qty·EP) / (qty·MMR − side·qty)
//! COIN-M: LP = (N·MMR + side·N) / ((WB − TMM1 + UPNL1 + cum)/CS + side·N/EP)
//! ```
//!
//! with `WB` the cross (or isolated) wallet balance and `TMM1`, `UPNL1` the maintenance margin
//! and PnL of every other position (zero in isolated mode), re-solved in the tier the answer
//! falls in (Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M / COIN-M Futures
//! Contracts"). Both are [`super::leg::Leg::solve_price`] with a notional-based table, so what
//! runs for Binance is the shared solver with the rules below; the FAQ's closed forms are test
//! oracles (`tests/oracles.rs`) the engine is checked against.

use crate::model::Venue;
use crate::venues::VenueSpec;

/// Binance USDⓈ-M: MM / margin balance, the FAQ's formula, USDT or USDC pools.
pub const USDM_SPEC: VenueSpec = VenueSpec::base(
    Venue::BinanceUsdm,
    "maintenance margin / margin balance; liquidation at 100 %",
);

/// Binance COIN-M: every contract inverse, every collateral coin its own pool.
pub const COINM_SPEC: VenueSpec = VenueSpec {
    inverse_only: true,
    ..VenueSpec::base(
        Venue::BinanceCoinm,
        "maintenance margin / margin balance; liquidation at 100 %",
    )
};
