//! Stage two of an account: every pool priced at the marks, each leg's exact liquidation price
//! (the shared solver, or Bybit's inverse-cross closed form) and bankruptcy price where the
//! venue shows one, written as one [`PositionRisk`] row per position with its explanation.

use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::super::leg::{Leg, MarginRule};
use super::super::{Context, bybit, distance_pct, distance_sigma, side_of};
use super::search::{FastLeg, uniform_move_pct};
use super::{AtMark, Pool, PoolLeg};
use crate::engine::result::{MarginReport, MmFormula, Note, PositionRisk, TierUsed};
use crate::model::params::TierBasis;
use crate::model::{Account, MarginMode, PositionKind, Settlement};

/// An account's pools, priced.
pub(super) struct PricedPools {
    pub(super) equity_usd: Decimal,
    pub(super) mm_usd: Decimal,
    pub(super) im_usd: Decimal,
    pub(super) gross_usd: Decimal,
    /// Each pool's liquidating move, percent.
    pub(super) moves: Vec<f64>,
    /// The worst isolated pool's margin ratio.
    pub(super) worst_ratio: Option<Decimal>,
    /// A row is approximate.
    pub(super) approximate: bool,
}

/// Prices every pool and writes its rows to `report`.
#[expect(
    clippy::too_many_lines,
    reason = "one leg's row in order: margins, prices, notes and the row itself; the pieces \
              share the pool's sums"
)]
pub(super) fn price(
    context: &Context<'_>,
    index: usize,
    account: &Account,
    pools: &[Pool<'_>],
    report: &mut MarginReport,
) -> PricedPools {
    let library = context.library;
    let market = context.market;
    let spec = super::super::spec(account.venue);
    let mut approximate = false;
    // Price every pool.
    let mut equity_usd = Decimal::ZERO;
    let mut mm_usd = Decimal::ZERO;
    let mut im_usd = Decimal::ZERO;
    let mut gross_usd = Decimal::ZERO;
    let mut moves: Vec<f64> = Vec::new();
    let mut worst_ratio: Option<Decimal> = None;
    let label: Arc<str> = account.label.as_str().into();
    let taker_fee = account
        .venue_parameters
        .as_ref()
        .and_then(|o| o.taker_fee_rate)
        .or_else(|| library.venue(account.venue).and_then(|v| v.taker_fee_rate))
        .unwrap_or_default();
    let venue_approximate =
        spec.derived_liquidation || account.margin_mode == MarginMode::Portfolio;
    // Scratch space reused by every pool (an isolated account has one pool per position).
    let mut at_marks: Vec<AtMark> = Vec::new();
    let mut fast_legs: Vec<FastLeg> = Vec::new();
    report.positions.reserve(account.positions.len());
    for pool in pools {
        at_marks.clear();
        at_marks.extend(pool.legs.iter().map(|l| AtMark::of(&l.leg)));
        let fixed_value: Decimal = pool.fixed.iter().map(|f| f.value).sum();
        let fixed_mm: Decimal = pool.fixed.iter().map(|f| f.maintenance_margin).sum();
        let fixed_im: Decimal = pool.fixed.iter().map(|f| f.initial_margin).sum();
        let total_upnl: Decimal = at_marks.iter().map(|m| m.upnl).sum();
        let total_mm: Decimal = at_marks.iter().map(|m| m.mm).sum::<Decimal>() + fixed_mm;
        let base = pool.wallet + pool.moving + fixed_value;
        let equity = base + total_upnl;
        let usage = if equity > Decimal::ZERO {
            total_mm.checked_div(equity)
        } else {
            None
        };
        let mut pool_im = fixed_im;
        // A pool of one leg and nothing else that moves: its uniform move is the leg's own
        // distance to liquidation, known exactly, so the numeric search is skipped.
        let single_leg = pool.legs.len() == 1 && pool.fixed.is_empty() && pool.moving.is_zero();
        let mut single_leg_move: Option<f64> = None;
        for (i, pool_leg) in pool.legs.iter().enumerate() {
            let leg = &pool_leg.leg;
            let instrument = &pool_leg.instrument;
            let AtMark {
                notional,
                regime,
                upnl,
                mm,
                rate: mm_rate,
            } = at_marks[i];
            let mark = leg.mark_price;
            let others_equity = base + total_upnl - upnl;
            let others_mm = total_mm - mm;
            let initial_margin = initial_margin(pool_leg, notional);
            pool_im += initial_margin;
            let bybit_inverse_cross = spec.inverse_cross_closed_form
                && !pool.isolated
                && leg.settlement == Settlement::Inverse;
            let mut notes: Vec<Note> = Vec::with_capacity(instrument.resolved.notes.len() + 3);
            notes.push(Note::Maintenance(mm_formula(
                leg,
                notional,
                regime.index,
                mm_rate,
                mm,
            )));
            let mut leg_approximate = instrument.resolved.approximate || venue_approximate;
            let (liquidation, bankruptcy) = if bybit_inverse_cross {
                let tick = instrument.tick;
                let prices = bybit::cross_inverse(
                    leg.side,
                    leg.qty,
                    leg.entry_price,
                    others_equity - others_mm,
                    mm_rate,
                    taker_fee,
                    tick,
                );
                (prices.map(|p| p.0), prices.map(|p| p.1))
            } else {
                let lp = leg.solve_price_with(
                    others_equity,
                    others_mm,
                    instrument.fast_tiers.as_deref(),
                );
                // Bybit publishes bankruptcy prices; the other venues do not show one.
                let bp = spec
                    .shows_bankruptcy
                    .then(|| leg.solve_price(others_equity, Decimal::ZERO, false))
                    .flatten();
                (lp, bp)
            };
            if let Some(price) = liquidation {
                notes.push(if pool.isolated {
                    Note::IsolatedLiquidation {
                        margin: pool.wallet,
                    }
                } else {
                    Note::PoolLiquidation { price }
                });
            }
            notes.extend(instrument.resolved.notes.iter().cloned());
            if bybit_inverse_cross {
                notes.push(Note::BybitClosingFee {
                    fee_rate: taker_fee,
                });
                if leg.side.is_sign_negative() {
                    leg_approximate = true;
                    notes.push(
                        "Short side derived by symmetry from Bybit's long formula: approximate."
                            .into(),
                    );
                }
            }
            if regime.beyond_table {
                leg_approximate = true;
                notes.push(
                    "The position is larger than the table's last tier: that tier is used.".into(),
                );
            }
            if !pool.fixed.is_empty() {
                leg_approximate = true;
                notes.push(
                    "Options in the same margin pool are held at their marks in this solve.".into(),
                );
            }
            let distance = liquidation.and_then(|lp| distance_pct(mark, lp));
            if single_leg && !bybit_inverse_cross {
                single_leg_move = distance
                    .and_then(|d| d.to_f64())
                    .filter(|d| (-99.9..=900.0).contains(d));
            }
            // Inverse contracts have a face value in USD (contracts × contract size) whatever
            // the mark; converting coins back at the coin's price would make it depend on it.
            let notional_usd = match leg.settlement {
                Settlement::Inverse => leg.qty,
                Settlement::Linear => notional * pool.asset_usd,
            };
            gross_usd += notional_usd;
            let underlying_vol = market.daily_vol.get(&*instrument.underlying).copied();
            report.positions.push(PositionRisk {
                expired: None,
                account_index: index,
                position_index: pool_leg.position_index,
                account: Arc::clone(&label),
                symbol: Arc::clone(&instrument.symbol),
                underlying: Arc::clone(&instrument.underlying),
                kind: pool_leg.kind,
                side: side_of(pool_leg.size),
                size: pool_leg.size,
                entry_price: Some(leg.entry_price),
                mark_price: mark,
                price_tick: instrument.tick,
                liquidated: false,
                maintenance_usage: usage,
                notional_usd,
                margin_asset: Arc::clone(&pool.asset),
                initial_margin,
                maintenance_margin: mm,
                unrealized_pnl: upnl,
                liquidation_price: liquidation,
                bankruptcy_price: bankruptcy,
                distance_to_liquidation_pct: distance,
                distance_to_liquidation_sigma: liquidation
                    .and_then(|lp| distance_sigma(mark, lp, underlying_vol)),
                mm_rate: Some(mm_rate),
                tier: Some(tier_used(pool_leg, regime.index)),
                source: Arc::clone(&instrument.resolved.source),
                approximate: leg_approximate,
                price_source: Some(instrument.price_source.clone()),
                price_via: instrument
                    .via_underlying
                    .then(|| Arc::clone(&instrument.underlying)),
                notes,
            });
            approximate |= leg_approximate;
        }
        for item in &pool.fixed {
            gross_usd += item.notional_usd;
            approximate |= item.approximate;
            report.positions.push(PositionRisk {
                expired: None,
                account_index: index,
                position_index: item.position_index,
                account: Arc::clone(&label),
                symbol: Arc::clone(&item.symbol),
                underlying: Arc::clone(&item.underlying),
                kind: PositionKind::Option,
                side: side_of(item.size),
                size: item.size,
                entry_price: None,
                mark_price: item.mark_price_usd,
                price_tick: None,
                liquidated: false,
                maintenance_usage: usage,
                notional_usd: item.notional_usd,
                margin_asset: Arc::clone(&pool.asset),
                initial_margin: item.initial_margin,
                maintenance_margin: item.maintenance_margin,
                unrealized_pnl: Decimal::ZERO,
                liquidation_price: None,
                bankruptcy_price: None,
                distance_to_liquidation_pct: None,
                distance_to_liquidation_sigma: None,
                mm_rate: None,
                tier: None,
                source: "Deribit standard option margin (third-party quote)".into(),
                approximate: item.approximate,
                price_source: item.price_source.clone(),
                price_via: None,
                notes: item.notes.clone(),
            });
        }
        equity_usd += equity * pool.asset_usd;
        mm_usd += total_mm * pool.asset_usd;
        im_usd += pool_im * pool.asset_usd;
        if !pool.legs.is_empty() || !pool.fixed.is_empty() {
            if pool.isolated
                && let Some(ratio) = spec.ratio.of(equity, total_mm)
            {
                worst_ratio = Some(worst_ratio.map_or(ratio, |w| spec.ratio.worse(w, ratio)));
            }
            if let Some(found) =
                single_leg_move.or_else(|| uniform_move_pct(pool, &at_marks, &mut fast_legs))
            {
                moves.push(found);
            }
        }
    }
    PricedPools {
        equity_usd,
        mm_usd,
        im_usd,
        gross_usd,
        moves,
        worst_ratio,
        approximate,
    }
}

/// The account's wallet: in the pool asset when one pool holds everything, else in USD.
pub(super) fn wallet_of(pools: &[Pool<'_>], collateral_usd: Decimal) -> (String, Decimal) {
    let funded: Vec<&Pool<'_>> = pools
        .iter()
        .filter(|p| !p.wallet.is_zero() || !p.moving.is_zero() || !p.legs.is_empty())
        .collect();
    let same_asset = funded
        .windows(2)
        .all(|w| w[0].asset.eq_ignore_ascii_case(&w[1].asset));
    match funded.first() {
        Some(first) if same_asset && funded.iter().all(|p| p.moving.is_zero()) => (
            first.asset.to_string(),
            funded.iter().map(|p| p.wallet).sum(),
        ),
        _ => ("USD".to_owned(), collateral_usd),
    }
}

/// Initial margin of a leg: isolated margin; else notional / declared leverage; else the
/// rule's own initial rate (Deribit) or the tier's maximum leverage; else the maintenance
/// margin (no initial rate known).
fn initial_margin(pool_leg: &PoolLeg<'_>, notional: Decimal) -> Decimal {
    if let Some(margin) = pool_leg.isolated_margin {
        return margin;
    }
    let leg = &pool_leg.leg;
    if let Some(leverage) = pool_leg.leverage
        && let Some(im) = notional.checked_div(leverage)
    {
        return im;
    }
    if let MarginRule::Scaled(rule) = &leg.rule {
        return notional * (rule.im_base + leg.coins_at_mark() * rule.im_per_coin);
    }
    leg.max_leverage(leg.mark_price)
        .and_then(|max| notional.checked_div(max))
        .unwrap_or_else(|| leg.maintenance_margin(leg.mark_price))
}

fn tier_used(pool_leg: &PoolLeg<'_>, index: usize) -> TierUsed {
    TierUsed {
        name: Arc::clone(&pool_leg.instrument.resolved.name),
        tier: match &pool_leg.leg.rule {
            MarginRule::Tiered { .. } => Some((index, pool_leg.leg.rule.tiers().len())),
            MarginRule::Scaled(_) => None,
        },
    }
}

/// The numbers of the leg's maintenance-margin formula in tier `index`, for its explanation.
fn mm_formula(
    leg: &Leg<'_>,
    notional: Decimal,
    index: usize,
    rate: Decimal,
    mm: Decimal,
) -> MmFormula {
    let (basis, deduction, fee_rate) = match &leg.rule {
        MarginRule::Tiered {
            table, cum, fee, ..
        } => (
            Some(table.basis),
            cum.get(index).copied().unwrap_or_default(),
            *fee,
        ),
        MarginRule::Scaled(_) => (None, Decimal::ZERO, Decimal::ZERO),
    };
    let base = if basis == Some(TierBasis::EntryValue) {
        leg.notional(leg.entry_price)
    } else {
        notional
    };
    MmFormula {
        basis,
        base,
        rate,
        deduction,
        fee_rate,
        contracts: leg.contracts,
        maintenance_margin: mm,
    }
}
