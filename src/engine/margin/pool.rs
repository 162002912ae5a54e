//! Margin pools of derivatives accounts: which collateral backs which positions, and the
//! account-level solve for the uniform move that liquidates a pool.
//!
//! A cross account has one pool per margin asset: the quote pool (stablecoins, linear
//! contracts) and one coin pool per coin of inverse contracts (Binance COIN-M and Bybit inverse
//! margin each coin separately). In isolated mode every position is its own pool, funded by
//! its isolated margin.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::leg::{FastTiers, Leg, MarginRule, Regime};
use super::{
    Context, ResolvedRule, bybit, deribit, distance_pct, distance_sigma, mode_note, position_path,
    resolve_rule, side_of,
};
use crate::engine::market::PriceSource;
use crate::engine::result::{
    AccountRisk, Excluded, MarginReport, MmFormula, Note, PositionRisk, TierUsed,
};
use crate::model::params::TierBasis;
use crate::model::{Account, MarginMode, Position, PositionKind, Settlement};

/// What every position on one contract of an account shares: its prices, its margin rule
/// and the rule's `f64` model. Looked up once per contract, not once per position.
struct Instrument<'a> {
    symbol: Arc<str>,
    /// Underlying ticker after aliases, upper case.
    underlying: Arc<str>,
    /// USD per unit of the underlying.
    underlying_usd: Decimal,
    /// The contract's mark (its own price if known, else the underlying's in the quote).
    mark: Decimal,
    /// Where `mark` came from.
    price_source: PriceSource,
    /// True when the underlying's price stands in for the contract's own.
    via_underlying: bool,
    /// `mark` in `f64`, for the uniform-move search.
    mark_f64: f64,
    /// `1 / mark` for inverse contracts (0 for linear ones).
    inv_mark: Decimal,
    resolved: ResolvedRule<'a>,
    /// Tier table in `f64` for the uniform-move search (notional-based tables only).
    fast_tiers: Option<Rc<FastTiers>>,
}

/// Symbol, underlying and settlement: what identifies a contract within an account.
type InstrumentKey<'a> = (&'a str, &'a str, Settlement);

/// A leg in a pool, with the file coordinates its row needs.
struct PoolLeg<'a> {
    position_index: usize,
    leg: Leg<'a>,
    instrument: Rc<Instrument<'a>>,
    leverage: Option<Decimal>,
    /// Isolated margin (only in isolated pools).
    isolated_margin: Option<Decimal>,
    kind: PositionKind,
    size: Decimal,
}

/// An option priced into a pool: its value and margin are held fixed when prices move.
struct FixedItem {
    position_index: usize,
    symbol: Arc<str>,
    underlying: Arc<str>,
    size: Decimal,
    mark_price_usd: Decimal,
    notional_usd: Decimal,
    value: Decimal,
    initial_margin: Decimal,
    maintenance_margin: Decimal,
    approximate: bool,
    notes: Vec<Note>,
    price_source: Option<PriceSource>,
}

/// Collateral and positions sharing one margin balance.
struct Pool<'a> {
    /// `USDT`, `USD`, or a coin.
    asset: Arc<str>,
    /// USD per unit of `asset`.
    asset_usd: Decimal,
    /// Collateral that does not move with the underlyings, in `asset`.
    wallet: Decimal,
    /// Non-margin coins valued in `asset` at their marks (after haircut): they move with the
    /// uniform move.
    moving: Decimal,
    legs: Vec<PoolLeg<'a>>,
    fixed: Vec<FixedItem>,
    isolated: bool,
}

impl Pool<'_> {
    fn new(asset: Arc<str>, asset_usd: Decimal, isolated: bool) -> Self {
        Pool {
            asset,
            asset_usd,
            wallet: Decimal::ZERO,
            moving: Decimal::ZERO,
            legs: Vec::new(),
            fixed: Vec::new(),
            isolated,
        }
    }
}

/// The stablecoin a linear pool is kept in: the account's only stablecoin, else `USD`.
fn quote_asset(context: &Context<'_>, account: &Account) -> String {
    let mut stables = account
        .collateral
        .iter()
        .filter(|c| context.library.stablecoin(&c.asset).is_some())
        .map(|c| c.asset.to_ascii_uppercase());
    match (stables.next(), stables.next()) {
        (Some(first), None) => first,
        _ => super::spec(account.venue).default_quote.to_owned(),
    }
}

fn exclude(report: &mut MarginReport, account: usize, position: usize, reason: String) {
    report.excluded.push(Excluded {
        path: position_path(account, position),
        reason,
    });
}

/// Analyzes a derivatives account (Binance, Bybit, OKX, Deribit, Hyperliquid, dYdX).
#[expect(
    clippy::too_many_lines,
    reason = "one pass that builds the pools, prices them and writes the rows; splitting it \
              would scatter the shared state across several functions"
)]
pub fn analyze_derivatives<'a>(
    context: &mut Context<'a>,
    index: usize,
    account: &'a Account,
    report: &mut MarginReport,
) -> AccountRisk {
    let library = context.library;
    let market = context.market;
    let spec = super::spec(account.venue);
    let quote = quote_asset(context, account);
    let quote_usd = context.asset_usd(&quote, report).unwrap_or(Decimal::ONE);
    let isolated_mode = account.margin_mode == MarginMode::Isolated;
    let mut account_notes: Vec<String> = mode_note(account.margin_mode)
        .map(str::to_owned)
        .into_iter()
        .collect();
    let mut approximate = account.margin_mode == MarginMode::Portfolio;

    // Pool 0 is the quote pool; coin pools follow; isolated pools after them.
    let mut pools: Vec<Pool<'_>> = vec![Pool::new(quote.as_str().into(), quote_usd, false)];
    let coin_pool = |pools: &mut Vec<Pool<'_>>, coin: &str, coin_usd: Decimal| -> usize {
        if let Some(found) = pools
            .iter()
            .position(|p| !p.isolated && p.asset.eq_ignore_ascii_case(coin))
        {
            return found;
        }
        pools.push(Pool::new(coin.into(), coin_usd, false));
        pools.len() - 1
    };

    let quote_name: Arc<str> = quote.as_str().into();
    let mut last_instrument: Option<(InstrumentKey<'a>, Rc<Instrument<'a>>)> = None;
    let mut instruments: HashMap<InstrumentKey<'a>, Result<Rc<Instrument<'a>>, String>> =
        HashMap::new();
    for (position_index, position) in account.positions.iter().enumerate() {
        let (symbol, underlying, settlement, size, contract_size, entry, leverage, isolated) =
            match position {
                Position::Perpetual(p) => (
                    &p.symbol,
                    &p.underlying,
                    p.settlement,
                    p.size,
                    p.contract_size,
                    p.entry_price,
                    p.leverage,
                    p.isolated_margin,
                ),
                Position::Future(f) => (
                    &f.symbol,
                    &f.underlying,
                    f.settlement,
                    f.size,
                    f.contract_size,
                    f.entry_price,
                    f.leverage,
                    f.isolated_margin,
                ),
                Position::Option(option) => {
                    add_option(
                        context,
                        account,
                        index,
                        position_index,
                        option,
                        &mut pools,
                        report,
                    );
                    continue;
                }
                other => {
                    exclude(
                        report,
                        index,
                        position_index,
                        format!(
                            "{} holds no {}",
                            account.venue.display_name(),
                            other.kind().display_name()
                        ),
                    );
                    continue;
                }
            };
        if size.is_zero() {
            exclude(report, index, position_index, "size is zero".to_owned());
            continue;
        }
        let contract_size = match (settlement, contract_size) {
            (_, Some(cs)) => cs,
            (Settlement::Linear, None) => Decimal::ONE,
            (Settlement::Inverse, None) => {
                exclude(
                    report,
                    index,
                    position_index,
                    "inverse contract without contract_size (USD per contract)".to_owned(),
                );
                continue;
            }
        };
        let key = (symbol.as_str(), underlying.as_str(), settlement);
        // Positions on one contract are usually adjacent: reuse the last one without hashing.
        let instrument = match &last_instrument {
            Some((last_key, found)) if *last_key == key => Rc::clone(found),
            _ => match instruments.entry(key).or_insert_with(|| {
                instrument_of(context, account, symbol, underlying, settlement, quote_usd)
            }) {
                Ok(found) => {
                    last_instrument = Some((key, Rc::clone(found)));
                    Rc::clone(found)
                }
                Err(reason) => {
                    exclude(report, index, position_index, reason.clone());
                    continue;
                }
            },
        };
        let (pool_asset, pool_usd) = match settlement {
            Settlement::Linear => (Arc::clone(&quote_name), quote_usd),
            Settlement::Inverse => (
                Arc::clone(&instrument.underlying),
                instrument.underlying_usd,
            ),
        };
        let leg = Leg::with_reciprocal_mark(
            settlement,
            size,
            contract_size,
            entry,
            (instrument.mark, instrument.inv_mark),
            instrument.resolved.rule.clone(),
        );
        let pool_leg = PoolLeg {
            position_index,
            isolated_margin: None,
            leg,
            instrument,
            leverage,
            kind: position.kind(),
            size,
        };
        if isolated_mode {
            // Isolated margin: as given, else the initial margin at entry implied by leverage.
            let margin = isolated
                .or_else(|| leverage.and_then(|lev| pool_leg.leg.notional(entry).checked_div(lev)));
            let Some(margin) = margin else {
                exclude(
                    report,
                    index,
                    position_index,
                    "isolated position without leverage or isolated_margin".to_owned(),
                );
                continue;
            };
            let mut pool = Pool::new(pool_asset, pool_usd, true);
            pool.wallet = margin;
            pool.legs.push(PoolLeg {
                isolated_margin: Some(margin),
                ..pool_leg
            });
            pools.push(pool);
        } else {
            let target = match settlement {
                Settlement::Linear => 0,
                Settlement::Inverse => coin_pool(&mut pools, &pool_asset, pool_usd),
            };
            pools[target].legs.push(pool_leg);
        }
    }

    // Collateral into the pools. Inverse-only venues margin every coin in its own pool.
    let inverse_venue = spec.inverse_only;
    let mut collateral_usd = Decimal::ZERO;
    for (entry, collateral) in account.collateral.iter().enumerate() {
        let asset = collateral.asset.to_ascii_uppercase();
        let Some(price) = context.asset_usd(&asset, report) else {
            report.excluded.push(Excluded {
                path: super::collateral_path(index, entry),
                reason: format!("no price for {asset}: add a price override to count it"),
            });
            continue;
        };
        collateral_usd += collateral.amount * price;
        if library.stablecoin(&asset).is_some() {
            let amount = if *asset == *pools[0].asset {
                collateral.amount
            } else {
                (collateral.amount * price)
                    .checked_div(quote_usd)
                    .unwrap_or_default()
            };
            pools[0].wallet += amount;
            continue;
        }
        let existing = pools
            .iter()
            .position(|p| !p.isolated && p.asset.eq_ignore_ascii_case(&asset));
        if let Some(found) = existing {
            pools[found].wallet += collateral.amount;
        } else if inverse_venue {
            let found = coin_pool(&mut pools, &asset, price);
            pools[found].wallet += collateral.amount;
        } else {
            let haircut = library.haircut(account.venue, &asset);
            let kept = Decimal::ONE - haircut.map_or(Decimal::ZERO, |h| h.haircut);
            if haircut.is_none() {
                approximate = true;
                account_notes.push(format!(
                    "{asset} collateral valued at 100 %: {}'s haircut for it is not bundled.",
                    account.venue.display_name()
                ));
            }
            pools[0].moving += (collateral.amount * price * kept)
                .checked_div(quote_usd)
                .unwrap_or_default();
        }
    }
    if isolated_mode {
        // Isolated margins come out of the account's collateral; what is left is free.
        let committed: Vec<(Arc<str>, Decimal)> = pools
            .iter()
            .filter(|p| p.isolated)
            .map(|p| (p.asset.clone(), p.wallet))
            .collect();
        for (asset, margin) in committed {
            if let Some(home) = pools
                .iter_mut()
                .find(|p| !p.isolated && p.asset.eq_ignore_ascii_case(&asset))
            {
                home.wallet -= margin;
            }
        }
    }

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
    for pool in &pools {
        at_marks.clear();
        at_marks.extend(pool.legs.iter().map(|l| AtMark::of(&l.leg)));
        let fixed_value: Decimal = pool.fixed.iter().map(|f| f.value).sum();
        let fixed_mm: Decimal = pool.fixed.iter().map(|f| f.maintenance_margin).sum();
        let fixed_im: Decimal = pool.fixed.iter().map(|f| f.initial_margin).sum();
        let total_upnl: Decimal = at_marks.iter().map(|m| m.upnl).sum();
        let total_mm: Decimal = at_marks.iter().map(|m| m.mm).sum::<Decimal>() + fixed_mm;
        let base = pool.wallet + pool.moving + fixed_value;
        let equity = base + total_upnl;
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
                let tick = spec.tick(&instrument.symbol);
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
            let notional_usd = notional * pool.asset_usd;
            gross_usd += notional_usd;
            let underlying_vol = market.daily_vol.get(&*instrument.underlying).copied();
            report.positions.push(PositionRisk {
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
                price_tick: spec.tick(&instrument.symbol),
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
    let margin_ratio_value = if isolated_mode {
        worst_ratio
    } else {
        spec.ratio.of(equity_usd, mm_usd)
    };
    if isolated_mode {
        account_notes.push(
            "Isolated mode: the margin ratio shown is the worst position's; the move is the \
             smallest that liquidates any position."
                .to_owned(),
        );
    }
    let (wallet_asset, wallet_balance) = wallet_of(&pools, collateral_usd);
    let liquidation_move_pct = moves.into_iter().min_by(|a, b| a.abs().total_cmp(&b.abs()));
    AccountRisk {
        index,
        label: account.label.clone(),
        venue: account.venue,
        margin_mode: account.margin_mode,
        margin_asset: wallet_asset,
        wallet_balance,
        equity_usd,
        initial_margin_usd: im_usd,
        maintenance_margin_usd: mm_usd,
        margin_ratio: margin_ratio_value,
        margin_ratio_definition: spec.ratio_definition,
        free_collateral_usd: equity_usd - im_usd,
        leverage: gross_usd.checked_div(equity_usd),
        health_factor: None,
        available_borrows_usd: None,
        liquidation_move_pct,
        approximate,
        notes: account_notes,
    }
}

/// A leg's numbers at its mark, found once and reused for MM, rate, tier and notes.
#[derive(Clone, Copy)]
struct AtMark {
    /// Notional in the margin asset.
    notional: Decimal,
    regime: Regime,
    upnl: Decimal,
    /// Maintenance margin in the margin asset.
    mm: Decimal,
    /// Maintenance-margin rate in force.
    rate: Decimal,
}

impl AtMark {
    fn of(leg: &Leg<'_>) -> Self {
        let mark = leg.mark_price;
        let notional = leg.notional(mark);
        let regime = leg.regime_with_notional(notional);
        AtMark {
            notional,
            regime,
            upnl: leg.upnl(mark),
            mm: leg.maintenance_margin_in(regime.index, mark),
            rate: leg.mm_rate_in(regime.index),
        }
    }
}

/// The account's wallet: in the pool asset when one pool holds everything, else in USD.
fn wallet_of(pools: &[Pool<'_>], collateral_usd: Decimal) -> (String, Decimal) {
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

/// Finds an account's contract: its prices and margin rule, or why it cannot be priced.
fn instrument_of<'a>(
    context: &mut Context<'a>,
    account: &'a Account,
    symbol: &str,
    underlying: &str,
    settlement: Settlement,
    quote_usd: Decimal,
) -> Result<Rc<Instrument<'a>>, String> {
    let library = context.library;
    let market = context.market;
    let underlying_key = library.priced_as(underlying).to_ascii_uppercase();
    let Some(underlying_quote) = market.asset_usd(&underlying_key, library) else {
        return Err(format!(
            "no price for {underlying}: add a price override (USD per {underlying}) to include it"
        ));
    };
    let underlying_usd = underlying_quote.price_usd;
    let (mark, price_source, via_underlying) = match market.contract(account.venue, symbol) {
        Some(contract) => (contract.price_usd, contract.source.clone(), false),
        None => (
            match settlement {
                Settlement::Linear => underlying_usd
                    .checked_div(quote_usd)
                    .unwrap_or(underlying_usd),
                Settlement::Inverse => underlying_usd,
            },
            underlying_quote.source.clone(),
            true,
        ),
    };
    let Some(resolved) = resolve_rule(library, account, symbol, settlement, &mut context.cums)
    else {
        return Err(format!(
            "no margin parameters for {symbol} at {}",
            account.venue.display_name()
        ));
    };
    let fast_tiers = FastTiers::of(&resolved.rule).map(Rc::new);
    Ok(Rc::new(Instrument {
        symbol: symbol.into(),
        underlying: underlying_key.into(),
        underlying_usd,
        mark,
        price_source,
        via_underlying,
        mark_f64: f(mark),
        inv_mark: if settlement == Settlement::Inverse {
            super::leg::reciprocal(mark)
        } else {
            Decimal::ZERO
        },
        resolved,
        fast_tiers,
    }))
}

/// Prices an option into its pool (Deribit standard margin), or excludes it with the reason.
fn add_option(
    context: &mut Context<'_>,
    account: &Account,
    index: usize,
    position_index: usize,
    option: &crate::model::OptionContract,
    pools: &mut Vec<Pool<'_>>,
    report: &mut MarginReport,
) {
    let library = context.library;
    let Some((premium_usd, premium_source)) = context
        .market
        .contract(account.venue, &option.symbol)
        .map(|q| (q.price_usd, q.source.clone()))
    else {
        exclude(
            report,
            index,
            position_index,
            format!(
                "no price for option {}: add a price override (USD per unit of {}) to include \
                 its value and margin; its delta needs an implied volatility, which is not \
                 known yet",
                option.symbol, option.underlying
            ),
        );
        return;
    };
    let underlying_key = library.priced_as(&option.underlying).to_ascii_uppercase();
    let Some(underlying_usd) = context
        .market
        .asset_usd(&underlying_key, library)
        .map(|q| q.price_usd)
    else {
        exclude(
            report,
            index,
            position_index,
            format!("no price for {}", option.underlying),
        );
        return;
    };
    let units = option.size * option.contract_size;
    let value_usd = units * premium_usd;
    let rule = library
        .venue(account.venue)
        .and_then(|v| v.option_margin.as_ref());
    let (pool_index, to_pool) = match option.settlement {
        Settlement::Inverse => {
            let found = pools
                .iter()
                .position(|p| !p.isolated && p.asset.eq_ignore_ascii_case(&underlying_key));
            let found = found.unwrap_or_else(|| {
                pools.push(Pool::new(
                    underlying_key.as_str().into(),
                    underlying_usd,
                    false,
                ));
                pools.len() - 1
            });
            (found, underlying_usd)
        }
        Settlement::Linear => (0, pools[0].asset_usd),
    };
    let mut notes: Vec<Note> = vec![
        format!(
            "Valued at {premium_usd} USD per {}; held fixed when prices move.",
            option.underlying
        )
        .into(),
    ];
    let (im_usd, mm_usd) = match (rule, option.size.is_sign_negative()) {
        (_, false) => {
            notes.push("Long option: no margin beyond the premium paid.".into());
            (Decimal::ZERO, Decimal::ZERO)
        }
        (Some(rule), true) => {
            let (im, mm) = deribit::short_option_margin(
                rule,
                option.right,
                option.strike,
                underlying_usd,
                premium_usd,
            );
            notes.push(format!(
                "Short option margin per {} (Deribit standard, third-party quote): IM {} / MM {} \
                 of the underlying.",
                option.underlying,
                im.round_dp(6),
                mm.round_dp(6)
            )
            .into());
            let scale = units.abs() * underlying_usd;
            (im * scale, mm * scale)
        }
        (None, true) => {
            notes.push(
                format!(
                    "{} option margin rules are not in the reference: no margin counted.",
                    account.venue.display_name()
                )
                .into(),
            );
            (Decimal::ZERO, Decimal::ZERO)
        }
    };
    let to_asset = |usd: Decimal| usd.checked_div(to_pool).unwrap_or_default();
    pools[pool_index].fixed.push(FixedItem {
        position_index,
        symbol: option.symbol.as_str().into(),
        underlying: underlying_key.into(),
        size: option.size,
        mark_price_usd: premium_usd,
        notional_usd: (units * underlying_usd).abs(),
        value: to_asset(value_usd),
        initial_margin: to_asset(im_usd),
        maintenance_margin: to_asset(mm_usd),
        approximate: true,
        notes,
        price_source: Some(premium_source),
    });
}

/// f64 model of one leg's maintenance margin, for the uniform-move search.
enum MmModel {
    Constant(f64),
    Rate(f64),
    Tiered(Rc<FastTiers>),
}

struct FastLeg {
    inverse: bool,
    side: f64,
    qty: f64,
    entry: f64,
    mark: f64,
    mm: MmModel,
}

fn f(value: Decimal) -> f64 {
    super::leg::to_f64(value)
}

impl FastLeg {
    fn new(pool_leg: &PoolLeg<'_>, mm: Decimal, rate: Decimal) -> Self {
        let leg = &pool_leg.leg;
        let mm = match (&pool_leg.instrument.fast_tiers, &leg.rule) {
            (Some(tiers), _) => MmModel::Tiered(Rc::clone(tiers)),
            (None, MarginRule::Tiered { table, .. }) if table.basis == TierBasis::EntryValue => {
                MmModel::Constant(f(mm))
            }
            (None, _) => MmModel::Rate(f(rate)),
        };
        FastLeg {
            inverse: leg.settlement == Settlement::Inverse,
            side: if leg.side.is_sign_negative() {
                -1.0
            } else {
                1.0
            },
            qty: f(leg.qty),
            entry: f(leg.entry_price),
            mark: pool_leg.instrument.mark_f64,
            mm,
        }
    }

    /// Equity contribution minus maintenance margin at a uniform move `x`.
    fn surplus(&self, x: f64) -> f64 {
        let p = self.mark * (1.0 + x);
        let (upnl, notional) = if self.inverse {
            (
                self.side * self.qty * (1.0 / self.entry - 1.0 / p),
                self.qty / p,
            )
        } else {
            (self.side * self.qty * (p - self.entry), self.qty * p)
        };
        let mm = match &self.mm {
            MmModel::Constant(mm) => *mm,
            MmModel::Rate(rate) => notional * rate,
            MmModel::Tiered(tiers) => {
                let FastTiers { caps, rates, cums } = &**tiers;
                let i = caps
                    .iter()
                    .position(|cap| notional <= *cap)
                    .unwrap_or(caps.len().saturating_sub(1));
                notional * rates.get(i).copied().unwrap_or(0.0)
                    - cums.get(i).copied().unwrap_or(0.0)
            }
        };
        upnl - mm
    }
}

/// The uniform move of every underlying, in percent, at which the pool's equity equals its
/// maintenance margin: the root nearest zero within −99.9 % .. +900 %. A statistic for people,
/// so it is solved in `f64` (liquidation prices stay exact `Decimal`): a coarse grid finds the
/// first sign change on each side, then the Illinois variant of regula falsi narrows it to
/// 1e-9. Tier changes are evaluated at every step.
fn uniform_move_pct(pool: &Pool<'_>, at_marks: &[AtMark], legs: &mut Vec<FastLeg>) -> Option<f64> {
    legs.clear();
    legs.extend(
        pool.legs
            .iter()
            .zip(at_marks)
            .map(|(l, m)| FastLeg::new(l, m.mm, m.rate)),
    );
    let legs = &*legs;
    let fixed: f64 = pool
        .fixed
        .iter()
        .map(|i| f(i.value - i.maintenance_margin))
        .sum();
    let wallet = f(pool.wallet) + fixed;
    let moving = f(pool.moving);
    let surplus =
        |x: f64| wallet + moving * (1.0 + x) + legs.iter().map(|l| l.surplus(x)).sum::<f64>();
    uniform_move_of(surplus)
}

/// The root of `surplus` nearest zero (see [`uniform_move_pct`]), in percent.
pub fn uniform_move_of(surplus: impl Fn(f64) -> f64) -> Option<f64> {
    const DOWN: [f64; 13] = [
        -0.01, -0.02, -0.05, -0.1, -0.15, -0.2, -0.3, -0.4, -0.5, -0.65, -0.8, -0.9, -0.999,
    ];
    const UP: [f64; 13] = [
        0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 4.0, 9.0,
    ];
    let f0 = surplus(0.0);
    if f0 <= 0.0 {
        return Some(0.0);
    }
    let mut best: Option<f64> = None;
    for grid in [DOWN, UP] {
        let (mut a, mut fa): (f64, f64) = (0.0, f0);
        for &b in &grid {
            if best.is_some_and(|found: f64| found.abs() < a.abs()) {
                break;
            }
            let fb = surplus(b);
            if fb <= 0.0 {
                let root = illinois(&surplus, a, fa, b, fb);
                if best.is_none_or(|found| root.abs() < found.abs()) {
                    best = Some(root);
                }
                break;
            }
            (a, fa) = (b, fb);
        }
    }
    best.map(|x| x * 100.0)
}

/// Illinois regula falsi on a bracket with `fa > 0 ≥ fb`.
fn illinois(g: &impl Fn(f64) -> f64, mut a: f64, mut fa: f64, mut b: f64, mut fb: f64) -> f64 {
    let mut side = 0;
    for _ in 0..100 {
        if (b - a).abs() < 1e-9 {
            break;
        }
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = g(c);
        if fc > 0.0 {
            (a, fa) = (c, fc);
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        } else {
            (b, fb) = (c, fc);
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        }
        if fc == 0.0 {
            return c;
        }
    }
    b
}
