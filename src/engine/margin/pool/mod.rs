//! Margin pools of derivatives accounts: which collateral backs which positions, what each
//! position's numbers are, and the uniform move that liquidates a pool.
//!
//! A cross account has one pool per margin asset: the quote pool (stablecoins, linear
//! contracts) and one coin pool per coin of inverse contracts (Binance COIN-M and Bybit inverse
//! margin each coin separately). In isolated mode every position is its own pool, funded by
//! its isolated margin. One account runs in stages, one file each:
//! - [`build`]: positions into pools (each contract's prices and rule looked up once), then
//!   the collateral into the pools;
//! - [`rows`]: every pool priced at the marks, the exact liquidation and bankruptcy prices,
//!   one row per position;
//! - [`search`]: the uniform move of every underlying that liquidates a pool (`f64`).
//!
//! This file holds the types the stages share and the account-level result.

mod build;
mod rows;
mod search;

use std::rc::Rc;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::leg::{FastTiers, Leg, Regime};
use super::{Context, ResolvedRule, mode_note, position_path};
use crate::engine::market::PriceSource;
use crate::engine::result::{AccountRisk, Excluded, MarginReport, Note};
use crate::model::{Account, MarginMode, PositionKind, Settlement};

pub use search::uniform_move_of;

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
    /// The contract's price tick when its venue's rules give one (looked up once).
    tick: Option<Decimal>,
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
pub(crate) fn quote_asset(
    library: &crate::model::params::ParameterLibrary,
    account: &Account,
) -> String {
    let mut stables = account
        .collateral
        .iter()
        .filter(|c| library.stablecoin(&c.asset).is_some())
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

/// Analyzes a derivatives account (Binance, Bybit, OKX, Deribit, Hyperliquid, dYdX): pools
/// built and funded ([`build`]), priced with one row per position ([`rows`]), then the
/// account's totals, margin ratio and liquidating move.
pub fn analyze_derivatives<'a>(
    context: &mut Context<'a>,
    index: usize,
    account: &'a Account,
    report: &mut MarginReport,
) -> AccountRisk {
    let spec = super::spec(account.venue);
    let quote = quote_asset(context.library, account);
    let quote_usd = context.asset_usd(&quote, report).unwrap_or(Decimal::ONE);
    let isolated_mode = account.margin_mode == MarginMode::Isolated;
    let mut notes: Vec<String> = mode_note(account.margin_mode)
        .map(str::to_owned)
        .into_iter()
        .collect();
    let mut pools = build::pools(context, index, account, &quote, quote_usd, report);
    let funded = build::fund(context, index, account, &mut pools, quote_usd, report);
    notes.extend(funded.notes);
    // A coin pool with contracts but none of its coin: nothing margins them.
    for pool in pools.iter().filter(|p| {
        !p.isolated
            && !p.legs.is_empty()
            && p.legs
                .iter()
                .all(|l| l.leg.settlement == Settlement::Inverse)
            && p.wallet.is_zero()
            && p.moving.is_zero()
    }) {
        let symbols: Vec<&str> = pool.legs.iter().map(|l| &*l.instrument.symbol).collect();
        let line = format!(
            "Empty coin pool: \"{}\" holds no {} collateral, so {} {} margined by nothing; \
             {} margins each coin's contracts with that coin alone.",
            account.label,
            pool.asset,
            symbols.join(", "),
            if symbols.len() == 1 { "is" } else { "are" },
            account.venue.display_name()
        );
        notes.push(line.clone());
        report.warnings.push(line);
    }
    let priced = rows::price(context, index, account, &pools, report);
    let approximate =
        account.margin_mode == MarginMode::Portfolio || funded.approximate || priced.approximate;
    let margin_ratio_value = if isolated_mode {
        priced.worst_ratio
    } else {
        spec.ratio.of(priced.equity_usd, priced.mm_usd)
    };
    if isolated_mode {
        notes.push(
            "Isolated mode: the margin ratio shown is the worst position's; the move is the \
             smallest that liquidates any position."
                .to_owned(),
        );
    }
    let (wallet_asset, wallet_balance) = rows::wallet_of(&pools, funded.collateral_usd);
    // Isolated: the account is as close to liquidation as its worst position.
    let worst_usage = if isolated_mode {
        report
            .positions
            .iter()
            .filter(|p| p.account_index == index)
            .filter_map(|p| Some((p.maintenance_usage?, p.symbol.to_string())))
            .max_by(|a, b| a.0.cmp(&b.0))
    } else {
        None
    };
    let liquidation_move_pct = priced
        .moves
        .into_iter()
        .min_by(|a, b| a.abs().total_cmp(&b.abs()));
    AccountRisk {
        liquidation_call: None,
        index,
        label: account.label.clone(),
        venue: account.venue,
        margin_mode: account.margin_mode,
        margin_asset: wallet_asset,
        wallet_balance,
        equity_usd: priced.equity_usd,
        initial_margin_usd: priced.im_usd,
        maintenance_margin_usd: priced.mm_usd,
        margin_ratio: margin_ratio_value,
        margin_ratio_definition: spec.ratio_definition,
        free_collateral_usd: priced.equity_usd - priced.im_usd,
        leverage: priced.gross_usd.checked_div(priced.equity_usd),
        health_factor: None,
        available_borrows_usd: None,
        liquidation_move_pct,
        approximate,
        liquidated: false,
        maintenance_usage: if isolated_mode {
            worst_usage.as_ref().map(|(usage, _)| *usage)
        } else if priced.equity_usd > Decimal::ZERO {
            priced.mm_usd.checked_div(priced.equity_usd)
        } else {
            None
        },
        maintenance_usage_of: worst_usage.map(|(_, symbol)| symbol),
        notes,
    }
}

/// The coin pool of `coin` (created, valued at `coin_usd`, when missing).
fn coin_pool(pools: &mut Vec<Pool<'_>>, coin: &str, coin_usd: Decimal) -> usize {
    if let Some(found) = pools
        .iter()
        .position(|p| !p.isolated && p.asset.eq_ignore_ascii_case(coin))
    {
        return found;
    }
    pools.push(Pool::new(coin.into(), coin_usd, false));
    pools.len() - 1
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
