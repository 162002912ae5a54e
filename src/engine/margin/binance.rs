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
//! Contracts"). Both are [`Leg::solve_price`] with a notional-based table.

use rust_decimal::Decimal;

use super::leg::{Leg, MarginRule};
use crate::model::Settlement;
use crate::model::params::{TierTable, maintenance_amounts, tier_index};

/// `MM = notional × MMR_tier − cum_tier` for a notional in the margin asset.
pub fn maintenance_margin(table: &TierTable, notional: Decimal) -> Decimal {
    let (index, _) = tier_index(&table.tiers, notional);
    let cum = maintenance_amounts(&table.tiers);
    table.tiers.get(index).map_or(Decimal::ZERO, |tier| {
        notional * tier.mmr - cum.get(index).copied().unwrap_or_default()
    })
}

/// USDⓈ-M one-way liquidation price of a position of signed `size` coins entered at
/// `entry_price`, with cross wallet `wallet` and the other positions' maintenance margin
/// `other_mm` and PnL `other_upnl` (all in USDT; zeros for isolated). `mark_price` only picks
/// the tier tried first.
pub fn liquidation_price_usdm(
    table: &TierTable,
    wallet: Decimal,
    other_mm: Decimal,
    other_upnl: Decimal,
    size: Decimal,
    entry_price: Decimal,
    mark_price: Decimal,
) -> Option<Decimal> {
    let leg = leg(
        table,
        Settlement::Linear,
        size,
        Decimal::ONE,
        entry_price,
        mark_price,
    );
    leg.solve_price(wallet + other_upnl, other_mm, true)
}

/// COIN-M one-way liquidation price of `contracts` (signed) of `contract_size_usd` each, with
/// the coin wallet `wallet_coin` and the other positions' MM and PnL in coin.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per variable of Binance's formula, so a call reads like the FAQ"
)]
pub fn liquidation_price_coinm(
    table: &TierTable,
    wallet_coin: Decimal,
    other_mm: Decimal,
    other_upnl: Decimal,
    contracts: Decimal,
    contract_size_usd: Decimal,
    entry_price: Decimal,
    mark_price: Decimal,
) -> Option<Decimal> {
    let leg = leg(
        table,
        Settlement::Inverse,
        contracts,
        contract_size_usd,
        entry_price,
        mark_price,
    );
    leg.solve_price(wallet_coin + other_upnl, other_mm, true)
}

/// A leg on `table` (no fee).
pub fn leg(
    table: &TierTable,
    settlement: Settlement,
    size: Decimal,
    contract_size: Decimal,
    entry_price: Decimal,
    mark_price: Decimal,
) -> Leg<'_> {
    Leg::new(
        settlement,
        size,
        contract_size,
        entry_price,
        mark_price,
        MarginRule::Tiered {
            table,
            cum: maintenance_amounts(&table.tiers).into(),
            fee: Decimal::ZERO,
            tiers_used: table.tiers.len(),
        },
    )
}
