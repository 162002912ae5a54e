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
//! which is the same line as every other venue's; the engine solves it through
//! [`super::leg::Leg::solve_price`] and the tests check it against this closed form.

use rust_decimal::Decimal;

/// `MMR = 1 / (2 × max leverage)`.
pub fn maintenance_rate(max_leverage: Decimal) -> Option<Decimal> {
    Decimal::ONE.checked_div(Decimal::TWO * max_leverage)
}

/// The documented formula: `price − side × available / size / (1 − l × side)`, with `size` the
/// absolute size in coins and `available` the margin above maintenance, in USDC.
pub fn liquidation_price(
    price: Decimal,
    side: Decimal,
    margin_available: Decimal,
    size: Decimal,
    mmr: Decimal,
) -> Option<Decimal> {
    let step = margin_available.checked_div(size)?;
    let lp = price - side * step.checked_div(Decimal::ONE - mmr * side)?;
    (lp > Decimal::ZERO).then_some(lp)
}
