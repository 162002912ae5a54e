//! Aave v3 lending accounts (venue-margin.md §7; `GenericLogic.sol`, `LiquidationLogic.sol`).
//!
//! ```text
//! HF = Σ collateral_i × LT_i / total debt            (no debt: cannot be liquidated)
//! available borrows = Σ collateral_i × LTV_i − total debt
//! liquidatable when HF < 1
//! close factor (v3.3): collateral and debt of the reserve ≥ $2,000 and HF > 0.95
//!                      → at most 50 % of the total debt, else 100 % of the reserve's debt
//! collateral seized = debt repaid × P_debt / P_collateral × liquidation bonus
//! ```
//!
//! An asset's liquidation price is the price at which HF = 1 with every other price fixed.
//! In margin terms the account must keep equity above `Σ collateral × (1 − LT)`: that cushion
//! is reported as its maintenance margin, and `Σ collateral × (1 − LTV)` as its initial margin.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{Context, collateral_path, distance_pct, distance_sigma, position_path};
use crate::engine::result::{AccountRisk, Excluded, MarginReport, Note, PositionRisk, Side};
use crate::model::params::{CloseFactorRule, LendingReserve};
use crate::model::{Account, Position, PositionKind, Venue};
use crate::venues::{MarginRatio, VenueSpec};

/// `HF = Σ value × LT / debt`; `None` without debt (the position cannot be liquidated).
pub fn health_factor(collateral: &[(Decimal, Decimal)], debt_usd: Decimal) -> Option<Decimal> {
    let weighted: Decimal = collateral.iter().map(|(value, lt)| value * lt).sum();
    weighted.checked_div(debt_usd)
}

/// The most debt of one reserve a liquidator may repay (Aave v3.3 rule).
pub fn max_repay_usd(
    rule: &CloseFactorRule,
    health_factor: Decimal,
    reserve_collateral_usd: Decimal,
    reserve_debt_usd: Decimal,
    total_debt_usd: Decimal,
) -> Decimal {
    let partial = reserve_collateral_usd >= rule.min_reserve_usd
        && reserve_debt_usd >= rule.min_reserve_usd
        && health_factor > rule.health_factor_threshold;
    if partial {
        reserve_debt_usd.min(rule.partial_close_factor * total_debt_usd)
    } else {
        reserve_debt_usd
    }
}

/// Collateral units seized for repaying `debt_units` of a debt asset:
/// `debt × P_debt / P_collateral × bonus`.
pub fn collateral_seized(
    debt_units: Decimal,
    debt_price_usd: Decimal,
    collateral_price_usd: Decimal,
    liquidation_bonus: Decimal,
) -> Option<Decimal> {
    (debt_units * debt_price_usd * liquidation_bonus).checked_div(collateral_price_usd)
}

/// The largest liquidation call on the account: over every (collateral reserve, debt
/// reserve) pair a liquidator may choose, the close factor's limit for that pair
/// ([`max_repay_usd`], which compares *that* collateral reserve with 2,000 USD, not the total
/// supplied), capped by what the collateral reserve can pay with the bonus.
fn largest_call(
    lines: &[Line<'_>],
    rule: &CloseFactorRule,
    health_factor: Decimal,
    total_debt_usd: Decimal,
) -> Option<crate::engine::result::LiquidationCall> {
    use std::collections::BTreeMap;
    let mut collateral: BTreeMap<&str, (Decimal, &LendingReserve)> = BTreeMap::new();
    let mut debts: BTreeMap<&str, Decimal> = BTreeMap::new();
    for line in lines {
        let value = line.amount.checked_mul(line.price)?;
        if line.borrowed {
            *debts.entry(line.priced_as.as_str()).or_default() += value;
        } else if let Some(reserve) = line.reserve
            && reserve.liquidation_threshold > Decimal::ZERO
        {
            collateral
                .entry(line.priced_as.as_str())
                .or_insert((Decimal::ZERO, reserve))
                .0 += value;
        }
    }
    let mut best: Option<crate::engine::result::LiquidationCall> = None;
    for (debt_asset, debt_usd) in &debts {
        for (collateral_asset, (collateral_usd, reserve)) in &collateral {
            let limit = max_repay_usd(
                rule,
                health_factor,
                *collateral_usd,
                *debt_usd,
                total_debt_usd,
            );
            let coverable = collateral_usd.checked_div(reserve.liquidation_bonus)?;
            let repaid = limit.min(coverable);
            let seized = repaid.checked_mul(reserve.liquidation_bonus)?;
            let fee = reserve.liquidation_protocol_fee.and_then(|fee| {
                seized
                    .checked_sub(seized.checked_div(reserve.liquidation_bonus)?)?
                    .checked_mul(fee)
            });
            let better = best
                .as_ref()
                .is_none_or(|b| (repaid, limit) > (b.debt_repaid_usd, b.max_liquidatable_debt_usd));
            if better {
                best = Some(crate::engine::result::LiquidationCall {
                    debt_asset: (*debt_asset).to_owned(),
                    collateral_asset: (*collateral_asset).to_owned(),
                    max_liquidatable_debt_usd: limit,
                    debt_repaid_usd: repaid,
                    collateral_seized_usd: seized,
                    protocol_fee_usd: fee,
                });
            }
        }
    }
    best
}

struct Line<'a> {
    position_index: Option<usize>,
    asset: String,
    priced_as: String,
    amount: Decimal,
    price: Decimal,
    reserve: Option<&'a LendingReserve>,
    borrowed: bool,
}

/// Analyzes an Aave v3 account.
#[expect(
    clippy::too_many_lines,
    reason = "collects the balances, then writes one row per balance and the account row"
)]
pub fn analyze(
    context: &Context<'_>,
    index: usize,
    account: &Account,
    report: &mut MarginReport,
) -> AccountRisk {
    let library = context.library;
    let params = library.venue(account.venue);
    let reserve_of = |asset: &str| {
        account
            .venue_parameters
            .as_ref()
            .and_then(|o| {
                o.reserves
                    .iter()
                    .find(|r| r.asset.eq_ignore_ascii_case(asset))
            })
            .or_else(|| {
                params.and_then(|p| {
                    p.reserves
                        .iter()
                        .find(|r| r.asset.eq_ignore_ascii_case(asset))
                })
            })
    };
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut notes = Vec::new();
    let balances = account
        .collateral
        .iter()
        .enumerate()
        .map(|(i, c)| (None, Some(i), c.asset.as_str(), c.amount, false))
        .chain(
            account
                .positions
                .iter()
                .enumerate()
                .filter_map(|(i, p)| match p {
                    Position::Supply(l) => Some((Some(i), None, l.asset.as_str(), l.amount, false)),
                    Position::Borrow(l) => Some((Some(i), None, l.asset.as_str(), l.amount, true)),
                    _ => None,
                }),
        );
    for (position_index, collateral_index, asset, amount, borrowed) in balances {
        let path = position_index.map_or_else(
            || collateral_path(index, collateral_index.unwrap_or_default()),
            |p| position_path(index, p),
        );
        let Some(price) = context.asset_usd(asset, report) else {
            report.excluded.push(Excluded {
                path,
                reason: format!(
                    "no price for {asset}: add a price override (USD per {asset}) to include it"
                ),
            });
            continue;
        };
        let reserve = reserve_of(asset);
        if reserve.is_none() && !borrowed {
            report.excluded.push(Excluded {
                path: path.clone(),
                reason: format!(
                    "no Aave parameters (LTV, liquidation threshold) for {asset}: left out of \
                     the health factor; add it under venue_parameters.reserves"
                ),
            });
        }
        lines.push(Line {
            position_index,
            asset: asset.to_owned(),
            priced_as: library.priced_as(asset).to_ascii_uppercase(),
            amount,
            price,
            reserve,
            borrowed,
        });
    }
    for position_index in
        account.positions.iter().enumerate().filter_map(|(i, p)| {
            (!matches!(p, Position::Supply(_) | Position::Borrow(_))).then_some(i)
        })
    {
        report.excluded.push(Excluded {
            path: position_path(index, position_index),
            reason: "Aave holds only supplied and borrowed balances".to_owned(),
        });
    }
    if !account.collateral.is_empty() {
        notes
            .push("Collateral entries of an Aave account count as supplied collateral.".to_owned());
    }

    let value = |l: &Line<'_>| l.amount * l.price;
    let supplied: Decimal = lines.iter().filter(|l| !l.borrowed).map(value).sum();
    let debt: Decimal = lines.iter().filter(|l| l.borrowed).map(value).sum();
    let weighted: Vec<(Decimal, Decimal)> = lines
        .iter()
        .filter(|l| !l.borrowed)
        .filter_map(|l| l.reserve.map(|r| (value(l), r.liquidation_threshold)))
        .collect();
    let weighted_ltv: Decimal = lines
        .iter()
        .filter(|l| !l.borrowed)
        .filter_map(|l| l.reserve.map(|r| value(l) * r.ltv))
        .sum();
    let collateral_lt: Decimal = weighted.iter().map(|(v, lt)| v * lt).sum();
    let hf = health_factor(&weighted, debt);
    // Aave's comparable usage: 1 / HF = debt ÷ Σ collateral × LT (100 % = liquidation);
    // no debt, no usage.
    let usage = match hf {
        Some(hf) => Decimal::ONE.checked_div(hf),
        None => Some(Decimal::ZERO),
    };
    let maintenance: Decimal = weighted.iter().map(|(v, lt)| v * (Decimal::ONE - lt)).sum();
    let initial: Decimal = lines
        .iter()
        .filter(|l| !l.borrowed)
        .filter_map(|l| l.reserve.map(|r| value(l) * (Decimal::ONE - r.ltv)))
        .sum();
    let equity = supplied - debt;
    let is_stable = |l: &Line<'_>| library.stablecoin(&l.asset).is_some();

    // Price of each asset at which HF = 1, the others fixed.
    let liquidation_price_of = |asset: &str| -> Option<Decimal> {
        if debt.is_zero() {
            return None;
        }
        let mut lt_units = Decimal::ZERO;
        let mut debt_units = Decimal::ZERO;
        let mut other_lt = Decimal::ZERO;
        let mut other_debt = Decimal::ZERO;
        for line in &lines {
            let same = line.priced_as == asset;
            match (line.borrowed, line.reserve, same) {
                (false, Some(r), true) => lt_units += line.amount * r.liquidation_threshold,
                (false, Some(r), false) => other_lt += value(line) * r.liquidation_threshold,
                (true, _, true) => debt_units += line.amount,
                (true, _, false) => other_debt += value(line),
                (false, None, _) => {}
            }
        }
        let price = (other_debt - other_lt).checked_div(lt_units - debt_units)?;
        (price > Decimal::ZERO).then_some(price)
    };

    // Uniform move of every non-stable asset: (1 + x) = (D_stable − CLT_stable) / (CLT_vol − D_vol).
    let mut lt_vol = Decimal::ZERO;
    let mut lt_stable = Decimal::ZERO;
    let mut debt_vol = Decimal::ZERO;
    let mut debt_stable = Decimal::ZERO;
    for line in &lines {
        let stable = is_stable(line);
        match (line.borrowed, line.reserve, stable) {
            (false, Some(r), false) => lt_vol += value(line) * r.liquidation_threshold,
            (false, Some(r), true) => lt_stable += value(line) * r.liquidation_threshold,
            (true, _, false) => debt_vol += value(line),
            (true, _, true) => debt_stable += value(line),
            (false, None, _) => {}
        }
    }
    let liquidation_move_pct = if debt.is_zero() {
        None
    } else {
        (debt_stable - lt_stable)
            .checked_div(lt_vol - debt_vol)
            // Checked: a factor from extreme balances must not overflow, only yield no move.
            .and_then(|factor| {
                factor
                    .checked_sub(Decimal::ONE)?
                    .checked_mul(Decimal::ONE_HUNDRED)?
                    .to_f64()
            })
            .filter(|pct| (-99.9..=900.0).contains(pct))
    };

    match hf {
        Some(hf) => notes.push(format!(
            "HF = Σ collateral × LT / debt = {} / {} = {}",
            collateral_lt.round_dp(2),
            debt.round_dp(2),
            hf.round_dp(4)
        )),
        None => notes.push("No debt: the account cannot be liquidated.".to_owned()),
    }
    let liquidation_call = match (hf, params.and_then(|p| p.close_factor.as_ref())) {
        (Some(hf), Some(rule)) => largest_call(&lines, rule, hf, debt),
        _ => None,
    };
    if let Some(call) = &liquidation_call {
        notes.push(format!(
            "If liquidated at this health factor, one call may repay up to {} USD of the {} \
             debt (Aave v3.3 close factor) and seize {} USD of {} with the bonus{}.",
            call.max_liquidatable_debt_usd.round_dp(2),
            call.debt_asset,
            call.collateral_seized_usd.round_dp(2),
            call.collateral_asset,
            match call.protocol_fee_usd {
                Some(fee) => format!(", of which {} USD is the protocol's fee", fee.round_dp(2)),
                None => " (the protocol's fee is not in the parameters: not deducted)".to_owned(),
            }
        ));
    }

    let collateral_total = supplied;
    for line in &lines {
        let Some(position_index) = line.position_index else {
            continue;
        };
        let notional = value(line);
        let liquidation = liquidation_price_of(&line.priced_as);
        let mut row_notes: Vec<Note> = Vec::new();
        if let Some(r) = line.reserve {
            row_notes.push(Note::from(format!(
                "LTV {}%, liquidation threshold {}%, bonus {}% ({}, {}).",
                (r.ltv * Decimal::ONE_HUNDRED).normalize(),
                (r.liquidation_threshold * Decimal::ONE_HUNDRED).normalize(),
                ((r.liquidation_bonus - Decimal::ONE) * Decimal::ONE_HUNDRED).normalize(),
                r.source,
                r.as_of
            )));
        }
        if let Some(lp) = liquidation {
            row_notes.push(Note::from(format!(
                "At {} USD per {} the health factor reaches 1 (other prices fixed).",
                lp.round_dp(4),
                line.priced_as
            )));
        }
        let vol = context.market.daily_vol.get(&line.priced_as).copied();
        report.positions.push(PositionRisk {
            expired: None,
            account_index: index,
            position_index,
            account: account.label.as_str().into(),
            symbol: line.asset.as_str().into(),
            underlying: line.priced_as.as_str().into(),
            kind: if line.borrowed {
                PositionKind::Borrow
            } else {
                PositionKind::Supply
            },
            side: if line.borrowed {
                Side::Short
            } else {
                Side::Long
            },
            size: line.amount,
            entry_price: None,
            mark_price: line.price,
            price_tick: None,
            liquidated: false,
            maintenance_usage: usage,
            notional_usd: notional,
            margin_asset: "USD".into(),
            initial_margin: match (line.borrowed, line.reserve) {
                (false, Some(r)) => notional * (Decimal::ONE - r.ltv),
                _ => Decimal::ZERO,
            },
            maintenance_margin: match (line.borrowed, line.reserve) {
                (false, Some(r)) => notional * (Decimal::ONE - r.liquidation_threshold),
                _ => Decimal::ZERO,
            },
            unrealized_pnl: Decimal::ZERO,
            liquidation_price: liquidation,
            bankruptcy_price: None,
            distance_to_liquidation_pct: liquidation.and_then(|lp| distance_pct(line.price, lp)),
            distance_to_liquidation_sigma: liquidation
                .and_then(|lp| distance_sigma(line.price, lp, vol)),
            mm_rate: line
                .reserve
                .filter(|_| !line.borrowed)
                .map(|r| Decimal::ONE - r.liquidation_threshold),
            tier: None,
            source: line.reserve.map_or_else(
                || "Aave v3: debt counts in full".into(),
                |r| format!("{} ({})", r.source, r.as_of).into(),
            ),
            approximate: false,
            price_source: context
                .market
                .asset_usd(&line.priced_as, context.library)
                .map(|q| q.source.clone()),
            price_via: None,
            notes: row_notes,
        });
    }
    let gross: Decimal = lines
        .iter()
        .filter(|l| !is_stable(l))
        .map(|l| value(l).abs())
        .sum();
    AccountRisk {
        liquidation_call,
        index,
        label: account.label.clone(),
        venue: account.venue,
        margin_mode: account.margin_mode,
        margin_asset: "USD".to_owned(),
        wallet_balance: collateral_total,
        equity_usd: equity,
        initial_margin_usd: initial,
        maintenance_margin_usd: maintenance,
        margin_ratio: None,
        margin_ratio_definition: SPEC.ratio_definition,
        free_collateral_usd: equity - initial,
        leverage: gross.checked_div(equity),
        health_factor: hf,
        available_borrows_usd: Some((weighted_ltv - debt).max(Decimal::ZERO)),
        liquidation_move_pct,
        approximate: false,
        liquidated: false,
        maintenance_usage: usage,
        maintenance_usage_of: None,
        notes,
    }
}

/// Aave v3: no margin ratio; the health factor decides.
pub const SPEC: VenueSpec = VenueSpec {
    ratio: MarginRatio::None,
    ..VenueSpec::base(
        Venue::AaveV3,
        "none: Aave uses the health factor; liquidation below 1",
    )
};
