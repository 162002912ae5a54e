//! Deribit standard margin.
//!
//! Futures and perpetuals (venue-margin.md §5.1): rates grow with size in coins,
//! `IM% = base + size × k`, `MM% = base + size × k`, applied to the notional at the index
//! (BTC_USDC: 2 % + 0.005 %/BTC and 1 % + 0.005 %/BTC). Deribit liquidates incrementally when
//! equity falls below MM and publishes no liquidation-price formula, so the engine's price
//! (equity = MM, rates fixed at the current size) is **approximate**.
//!
//! Short options (§5.2, a third-party quote of Deribit's rule, **approximate**), per unit of
//! the underlying, in the coin:
//!
//! ```text
//! short call: IM = max(0.15 − OTM/S, 0.1) + mark          MM = 0.075 + mark
//! short put:  IM = max(max(0.15 − OTM/S, 0.1) + mark, MM)  MM = max(0.075, 0.075 × mark) + mark
//! ```

use rust_decimal::Decimal;

use crate::model::params::OptionMarginRule;
use crate::model::{OptionRight, Venue};
use crate::venues::VenueSpec;

/// `(IM, MM)` of one short option per unit of the underlying, as a fraction of the underlying
/// price (multiply by units × price for USD). `premium_usd` is the option's mark in USD per unit.
pub fn short_option_margin(
    rule: &OptionMarginRule,
    right: OptionRight,
    strike: Decimal,
    underlying_usd: Decimal,
    premium_usd: Decimal,
) -> (Decimal, Decimal) {
    let mark = premium_usd.checked_div(underlying_usd).unwrap_or_default();
    let otm_usd = match right {
        OptionRight::Call => (strike - underlying_usd).max(Decimal::ZERO),
        OptionRight::Put => (underlying_usd - strike).max(Decimal::ZERO),
    };
    let otm = otm_usd.checked_div(underlying_usd).unwrap_or_default();
    let base_im = (rule.im_base - otm).max(rule.im_floor) + mark;
    match right {
        OptionRight::Call => (base_im, rule.mm_base + mark),
        OptionRight::Put => {
            let mm = rule.mm_base.max(rule.mm_base * mark) + mark;
            (base_im.max(mm), mm)
        }
    }
}

/// Deribit: MM / equity; liquidation is incremental and no price formula is published, so the
/// engine's price is derived (approximate).
pub const SPEC: VenueSpec = VenueSpec {
    derived_liquidation: true,
    ..VenueSpec::base(
        Venue::Deribit,
        "maintenance margin / equity; liquidation (incremental) from 100 %",
    )
};
