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
//! The engine solves it through [`super::leg::Leg::solve_price`] (a one-tier table).

use rust_decimal::Decimal;

/// The derived isolated liquidation price for a signed size `size` with collateral `collateral`.
pub fn liquidation_price(
    size: Decimal,
    entry_price: Decimal,
    collateral: Decimal,
    mmf: Decimal,
) -> Option<Decimal> {
    let s = size.abs();
    let price = if size.is_sign_negative() {
        (entry_price * s + collateral).checked_div(s * (Decimal::ONE + mmf))?
    } else {
        (entry_price * s - collateral).checked_div(s * (Decimal::ONE - mmf))?
    };
    (price > Decimal::ZERO).then_some(price)
}
