//! OKX perpetual swaps (USDT- and coin-margined).
//!
//! Tiers count contracts; the margin ratio is `equity / (ctVal × |n| × mark × (MMR + fee))`
//! (coin-margined: `ctVal × |n| / mark`), liquidation at a ratio of 100 % (OKX "Tiered
//! maintenance margin ratio rules", venue-margin.md §4). Setting the ratio to 1 gives the
//! liquidation price; OKX publishes no numeric example, so every OKX number is **derived and
//! approximate**:
//!
//! ```text
//! USDT-margined: LP_long = (ctVal·n·EP − M) / (ctVal·n·(1 − MMR − f))
//!                LP_short = (ctVal·n·EP + M) / (ctVal·n·(1 + MMR + f))
//! coin-margined: LP_long = ctVal·n·(1 + MMR + f) / (M + ctVal·n/EP)
//!                LP_short = ctVal·n·(1 − MMR − f) / (ctVal·n/EP − M)
//! ```
//!
//! What runs for OKX is [`super::leg::Leg::solve_price`] with a contracts-based table and the
//! fee added to the rate (`fee_in_maintenance` below, applied in [`super::resolve_rule`]), and
//! the inverted ratio (`ratio` below); the closed forms are test oracles (`tests/oracles.rs`).

use crate::model::Venue;
use crate::venues::{MarginRatio, VenueSpec};

/// OKX: the ratio is equity over (MM + closing fee), so lower is worse; the taker fee is part
/// of the maintenance rate; the liquidation price is derived, hence approximate.
pub const SPEC: VenueSpec = VenueSpec {
    ratio: MarginRatio::EquityOverMaintenance,
    fee_in_maintenance: true,
    derived_liquidation: true,
    ..VenueSpec::base(
        Venue::Okx,
        "equity / (maintenance margin + closing fee); liquidation at 100 % or below",
    )
};
