//! Bybit linear (USDT) and inverse perpetuals.
//!
//! Isolated (venue-margin.md §3.1, §3.3): `PV = qty × EP` (coins `Q/EP` for inverse),
//! `IM = PV / leverage`, `MM = PV × MMR − MMD`, and
//!
//! ```text
//! LP_long  = EP − (IM − MM)/qty − extra/qty        LP_short = EP + (IM − MM)/qty + extra/qty
//! BP_long  = EP × (1 − IMR)                        BP_short = EP × (1 + IMR)
//! inverse: LP_long = Q / (PV + (IM − MM))          LP_short = Q / (PV − (IM − MM))
//! ```
//!
//! which is [`super::leg::Leg::solve_price`] on an entry-value table with the isolated margin
//! (`IM + extra`, less funding taken from it) as the wallet. Inverse cross (classic account,
//! §3.4) counts the closing fee at the bankruptcy price: see [`cross_inverse`].

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::Venue;
use crate::venues::VenueSpec;

/// Bybit inverse cross margin (§3.4): returns `(liquidation price, bankruptcy price)`.
///
/// ```text
/// BP_long  = (1 + fee) × Q / (Q/EP + available)          rounded up to the tick
/// Q × (1/EP − 1/LP) = −(available − Q/EP × MMR − Q × fee / BP)
/// ```
///
/// `available` is account balance minus order margin, in coin; `fee` the taker fee rate
/// (0.075 %). Bybit rounds long bankruptcy prices up and short ones down to the tick (0.5 for
/// BTCUSD). The short side mirrors the long formula (`1 − fee`, signs reversed): derived.
pub fn cross_inverse(
    side: Decimal,
    q_usd: Decimal,
    entry_price: Decimal,
    available: Decimal,
    mmr: Decimal,
    fee: Decimal,
    tick: Option<Decimal>,
) -> Option<(Decimal, Decimal)> {
    let value_at_entry = q_usd.checked_div(entry_price)?;
    let long = side.is_sign_positive();
    let raw_bp = if long {
        ((Decimal::ONE + fee) * q_usd).checked_div(value_at_entry + available)?
    } else {
        ((Decimal::ONE - fee) * q_usd).checked_div(value_at_entry - available)?
    };
    if raw_bp <= Decimal::ZERO {
        return None;
    }
    let bp = match tick {
        Some(tick) if !tick.is_zero() => {
            let strategy = if long {
                RoundingStrategy::AwayFromZero
            } else {
                RoundingStrategy::ToZero
            };
            (raw_bp / tick).round_dp_with_strategy(0, strategy) * tick
        }
        _ => raw_bp,
    };
    let cushion = available - value_at_entry * mmr - q_usd * fee / bp;
    let denominator = if long {
        value_at_entry + cushion
    } else {
        value_at_entry - cushion
    };
    let lp = q_usd.checked_div(denominator)?;
    (lp > Decimal::ZERO).then_some((lp, bp))
}

/// 0.5, Bybit's BTCUSD tick: bankruptcy prices are rounded to it (§3.4).
const BTCUSD_TICK: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// Bybit linear: MM / equity, a bankruptcy price shown beside the liquidation price.
pub const LINEAR_SPEC: VenueSpec = VenueSpec {
    shows_bankruptcy: true,
    ..VenueSpec::base(
        Venue::BybitLinear,
        "maintenance margin / equity (MM rate); liquidation at 100 %",
    )
};

/// Bybit inverse: coin pools; cross positions use [`cross_inverse`] with the closing fee and
/// the bankruptcy price rounded to the instrument's tick.
pub const INVERSE_SPEC: VenueSpec = VenueSpec {
    shows_bankruptcy: true,
    inverse_cross_closed_form: true,
    inverse_only: true,
    ticks: &[("BTCUSD", BTCUSD_TICK)],
    ..VenueSpec::base(
        Venue::BybitInverse,
        "maintenance margin / equity (MM rate); liquidation at 100 %",
    )
};
