//! dYdX v4 perpetuals (USDC).
//!
//! `IMR = |S × P × IMF|`, `MMR = |S × P × MMF|` summed over markets, liquidation when equity
//! falls below the maintenance requirement (dYdX docs "Margin"; venue-margin.md §6.1). IMF and
//! MMF come from governance-set liquidity tiers; the bundled ones are the genesis fixtures, so
//! dYdX numbers are **approximate**. No dYdX liquidation-price example is published; the
//! isolated closed form derived from the definition is
//!
//! ```text
//! LP_long = (EP·|S| − C) / (|S|·(1 − MMF))      LP_short = (EP·|S| + C) / (|S|·(1 + MMF))
//! ```
//!
//! What runs for dYdX is [`super::leg::Leg::solve_price`] on a one-tier table with the rules
//! below; the derived closed form is a test oracle (`tests/oracles.rs`).

use crate::model::Venue;
use crate::venues::VenueSpec;

/// dYdX v4: MM / equity, USDC pools; the liquidation price is derived (approximate).
pub const SPEC: VenueSpec = VenueSpec {
    derived_liquidation: true,
    default_quote: "USDC",
    ..VenueSpec::base(
        Venue::DydxV4,
        "maintenance requirement / equity; liquidation at 100 %",
    )
};
