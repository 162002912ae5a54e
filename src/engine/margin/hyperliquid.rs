//! Hyperliquid perpetuals (USDC).
//!
//! Maintenance margin is half the initial margin at the tier's maximum leverage,
//! `MMR = 1 / (2 × max leverage)`, tiered with a maintenance deduction like Binance's
//! (Hyperliquid docs "Margin tiers"; venue-margin.md §6.2). The docs give the liquidation price
//!
//! ```text
//! LP = price − side × margin_available / position_size / (1 − l × side),   l = MMR
//! margin_available = isolated_margin − MM   (cross: account_value − MM)
//! ```
//!
//! which is the same line as every other venue's: what runs for Hyperliquid is
//! [`super::leg::Leg::solve_price`] on its bundled tier table with the rules below; the
//! documented closed form is a test oracle (`tests/oracles.rs`).

use crate::model::Venue;
use crate::venues::VenueSpec;

/// Hyperliquid: MM / account value, USDC pools, the documented formula.
pub const SPEC: VenueSpec = VenueSpec {
    default_quote: "USDC",
    ..VenueSpec::base(
        Venue::Hyperliquid,
        "maintenance margin / account value; liquidation at 100 %",
    )
};
