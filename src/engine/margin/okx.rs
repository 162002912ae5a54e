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
//! The engine solves these through [`super::leg::Leg::solve_price`] with a contracts-based
//! table and the fee added to the rate; the closed forms below are kept as the independent
//! statement the tests compare against.

use rust_decimal::Decimal;

/// USDT-margined isolated liquidation price (closed form above): `ct_val` coins per contract,
/// `contracts` signed, `margin` the isolated margin in USDT.
pub fn liquidation_price_linear(
    ct_val: Decimal,
    contracts: Decimal,
    entry_price: Decimal,
    margin: Decimal,
    mmr: Decimal,
    fee: Decimal,
) -> Option<Decimal> {
    let coins = ct_val * contracts.abs();
    let price = if contracts.is_sign_negative() {
        (coins * entry_price + margin).checked_div(coins * (Decimal::ONE + mmr + fee))?
    } else {
        (coins * entry_price - margin).checked_div(coins * (Decimal::ONE - mmr - fee))?
    };
    (price > Decimal::ZERO).then_some(price)
}

/// Coin-margined isolated liquidation price: `ct_val` USD per contract, `margin` in coin.
pub fn liquidation_price_inverse(
    ct_val: Decimal,
    contracts: Decimal,
    entry_price: Decimal,
    margin: Decimal,
    mmr: Decimal,
    fee: Decimal,
) -> Option<Decimal> {
    let face = ct_val * contracts.abs();
    let price = if contracts.is_sign_negative() {
        (face * (Decimal::ONE - mmr - fee)).checked_div(face / entry_price - margin)?
    } else {
        (face * (Decimal::ONE + mmr + fee)).checked_div(margin + face / entry_price)?
    };
    (price > Decimal::ZERO).then_some(price)
}
