//! Per-account margin: every venue's own rules, one file per venue family.
//!
//! [`leg`] holds the exact solver the venues share; the venue files pick parameters and hold
//! the venue-specific formulas (Bybit's closing fee, Deribit's option margin, Aave's health
//! factor). This module groups an account's positions into margin pools (one per margin asset,
//! or one per position in isolated mode), prices them and returns [`AccountRisk`] and
//! [`PositionRisk`] rows.

pub mod aave;
pub mod binance;
pub mod bybit;
pub mod deribit;
pub mod dydx;
pub mod hyperliquid;
pub mod leg;
pub mod okx;
mod pool;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::market::{MarketSnapshot, PriceSource};
use crate::engine::result::{AccountRisk, Excluded, MarginReport, Note, PositionRisk, Side};
use crate::model::params::{ParameterLibrary, TierTable, maintenance_amounts};
use crate::model::{Account, MarginMode, Position, PositionKind, Settlement, Venue};

use leg::MarginRule;

pub use pool::uniform_move_of;

/// Caches each tier table's maintenance amounts for one analysis.
#[derive(Default)]
pub struct CumCache {
    by_table: HashMap<*const TierTable, Arc<[Decimal]>>,
}

impl CumCache {
    /// The maintenance amounts of `table`, computed once per analysis.
    pub fn get(&mut self, table: &TierTable) -> Arc<[Decimal]> {
        self.by_table
            .entry(std::ptr::from_ref(table))
            .or_insert_with(|| maintenance_amounts(&table.tiers).into())
            .clone()
    }
}

/// A margin rule found for a symbol, with how trustworthy it is. Resolved once per symbol
/// and account; its text is shared by every position on it.
pub struct ResolvedRule<'a> {
    /// The rule.
    pub rule: MarginRule<'a>,
    /// Table or rule name.
    pub name: Arc<str>,
    /// Source and date.
    pub source: Arc<str>,
    /// True for stand-ins and approximate tables.
    pub approximate: bool,
    /// Explanations.
    pub notes: Vec<Note>,
}

/// Finds the margin rule of `symbol` at `venue`: the account's own tables first, then the
/// bundled ones by symbol, then the venue's stand-in (marked approximate).
pub fn resolve_rule<'a>(
    library: &'a ParameterLibrary,
    account: &'a Account,
    symbol: &str,
    settlement: Settlement,
    cums: &mut CumCache,
) -> Option<ResolvedRule<'a>> {
    let overrides = account.venue_parameters.as_ref();
    let venue_params = library.venue(account.venue);
    let fee = overrides
        .and_then(|o| o.taker_fee_rate)
        .or_else(|| venue_params.and_then(|v| v.taker_fee_rate))
        .unwrap_or_default();
    // OKX counts the fee in its maintenance requirement; elsewhere it is not part of the rate.
    let rate_fee = if crate::venues::spec(account.venue).fee_in_maintenance {
        fee
    } else {
        Decimal::ZERO
    };
    let matches = |symbols: &[String]| symbols.iter().any(|s| s.eq_ignore_ascii_case(symbol));
    let tiered = |table: &'a TierTable, stand_in: bool, cums: &mut CumCache| {
        let mut notes: Vec<Note> = Vec::new();
        // A coin-denominated table's caps mean nothing for another coin: only its first tier
        // stands in.
        let first_tier_only = stand_in
            && settlement == Settlement::Inverse
            && table.basis == crate::model::params::TierBasis::Notional;
        if stand_in {
            notes.push(
                format!(
                    "No tier table for {symbol} is bundled: {}'s {} stands in.",
                    table.id,
                    if first_tier_only {
                        "first tier"
                    } else {
                        "table"
                    }
                )
                .into(),
            );
        }
        if !table.note.is_empty() {
            notes.push(table.note.clone().into());
        }
        ResolvedRule {
            rule: MarginRule::Tiered {
                table,
                cum: cums.get(table),
                fee: rate_fee,
                tiers_used: if first_tier_only {
                    1
                } else {
                    table.tiers.len()
                },
            },
            name: table.id.as_str().into(),
            source: format!("{} ({})", table.source, table.as_of).into(),
            approximate: stand_in || table.approximate,
            notes,
        }
    };
    if let Some(table) = overrides.and_then(|o| o.tier_tables.iter().find(|t| matches(&t.symbols)))
    {
        let mut resolved = tiered(table, false, cums);
        resolved
            .notes
            .push("Tier table from this account's venue_parameters.".into());
        return Some(resolved);
    }
    if let Some(rule) = overrides.and_then(|o| {
        o.size_scaled
            .iter()
            .find(|r| r.settlement == settlement && matches(&r.symbols))
    }) {
        return Some(scaled(rule, false, symbol));
    }
    let venue_params = venue_params?;
    if let Some(table) = venue_params
        .tier_tables
        .iter()
        .find(|t| matches(&t.symbols))
    {
        return Some(tiered(table, false, cums));
    }
    if let Some(rule) = venue_params
        .size_scaled
        .iter()
        .find(|r| r.settlement == settlement && matches(&r.symbols))
    {
        return Some(scaled(rule, false, symbol));
    }
    if let Some(table) = venue_params
        .fallback_table
        .as_ref()
        .and_then(|id| venue_params.tier_tables.iter().find(|t| &t.id == id))
    {
        return Some(tiered(table, true, cums));
    }
    venue_params
        .fallback_size_scaled
        .iter()
        .filter_map(|id| venue_params.size_scaled.iter().find(|r| &r.id == id))
        .find(|r| r.settlement == settlement)
        .map(|rule| scaled(rule, true, symbol))
}

fn scaled<'a>(
    rule: &'a crate::model::params::SizeScaledRule,
    stand_in: bool,
    symbol: &str,
) -> ResolvedRule<'a> {
    let mut notes: Vec<Note> = vec![
        format!(
            "MM rate = {} + size in coins × {}; IM rate = {} + size × {}.",
            rule.mm_base, rule.mm_per_coin, rule.im_base, rule.im_per_coin
        )
        .into(),
    ];
    if stand_in {
        notes.push(
            format!(
                "No rule for {symbol} is bundled: {}'s rule stands in.",
                rule.id
            )
            .into(),
        );
    }
    if !rule.note.is_empty() {
        notes.push(rule.note.clone().into());
    }
    ResolvedRule {
        rule: MarginRule::Scaled(rule),
        name: rule.id.as_str().into(),
        source: format!("{} ({})", rule.source, rule.as_of).into(),
        approximate: stand_in || rule.approximate,
        notes,
    }
}

/// Everything one account analysis needs.
pub struct Context<'a> {
    /// Bundled parameters.
    pub library: &'a ParameterLibrary,
    /// Prices.
    pub market: &'a MarketSnapshot,
    /// Table cache.
    pub cums: CumCache,
}

impl<'a> Context<'a> {
    /// A context with an empty table cache.
    pub fn new(library: &'a ParameterLibrary, market: &'a MarketSnapshot) -> Self {
        Context {
            library,
            market,
            cums: CumCache::default(),
        }
    }

    /// Records an assumption once.
    fn assume(report: &mut MarginReport, text: String) {
        if !report.assumptions.contains(&text) {
            report.assumptions.push(text);
        }
    }

    /// USD price of an asset, noting a peg assumption in the report.
    pub fn asset_usd(&self, asset: &str, report: &mut MarginReport) -> Option<Decimal> {
        let quote = self.market.asset_usd(asset, self.library)?;
        if quote.source == PriceSource::Peg {
            Self::assume(
                report,
                format!(
                    "{} valued at its peg of {} USD: no price for it.",
                    asset.to_ascii_uppercase(),
                    quote.price_usd
                ),
            );
        }
        Some(quote.price_usd)
    }
}

/// Analyzes one account and appends its rows to `report`.
pub fn analyze_account<'a>(
    context: &mut Context<'a>,
    index: usize,
    account: &'a Account,
    report: &mut MarginReport,
) {
    let risk = match account.venue {
        Venue::AaveV3 => aave::analyze(context, index, account, report),
        Venue::SpotWallet => analyze_spot(context, index, account, report),
        _ => pool::analyze_derivatives(context, index, account, report),
    };
    report.accounts.push(risk);
}

/// Path of a position in the file, for `excluded`.
pub fn position_path(account: usize, position: usize) -> String {
    format!("accounts[{account}].positions[{position}]")
}

/// Path of a collateral entry in the file.
pub fn collateral_path(account: usize, entry: usize) -> String {
    format!("accounts[{account}].collateral[{entry}]")
}

/// A spot wallet: holdings and collateral at market value, no margin.
fn analyze_spot(
    context: &Context<'_>,
    index: usize,
    account: &Account,
    report: &mut MarginReport,
) -> AccountRisk {
    let mut equity = Decimal::ZERO;
    let mut gross = Decimal::ZERO;
    let label: Arc<str> = account.label.as_str().into();
    let usd: Arc<str> = "USD".into();
    let source: Arc<str> = "spot holding: no margin, no liquidation".into();
    for (entry, collateral) in account.collateral.iter().enumerate() {
        match context.asset_usd(&collateral.asset, report) {
            Some(price) => {
                equity += collateral.amount * price;
                if context.library.stablecoin(&collateral.asset).is_none() {
                    gross += (collateral.amount * price).abs();
                }
            }
            None => report.excluded.push(Excluded {
                path: collateral_path(index, entry),
                reason: format!(
                    "no price for {}: add a price override to count it",
                    collateral.asset
                ),
            }),
        }
    }
    for (position_index, position) in account.positions.iter().enumerate() {
        let Position::Spot(spot) = position else {
            report.excluded.push(Excluded {
                path: position_path(index, position_index),
                reason: format!("a spot wallet holds no {}", position.kind().display_name()),
            });
            continue;
        };
        let Some(price) = context.asset_usd(&spot.asset, report) else {
            report.excluded.push(Excluded {
                path: position_path(index, position_index),
                reason: format!(
                    "no price for {}: add a price override (USD per unit) to count it",
                    spot.asset
                ),
            });
            continue;
        };
        let value = spot.amount * price;
        equity += value;
        let is_stable = context.library.stablecoin(&spot.asset).is_some();
        if !is_stable {
            gross += value.abs();
        }
        report.positions.push(PositionRisk {
            account_index: index,
            position_index,
            account: label.clone(),
            symbol: spot.asset.as_str().into(),
            underlying: context.library.priced_as(&spot.asset).into(),
            kind: PositionKind::Spot,
            side: Side::Long,
            size: spot.amount,
            entry_price: spot.cost_basis_usd,
            mark_price: price,
            price_tick: None,
            notional_usd: value.abs(),
            margin_asset: usd.clone(),
            initial_margin: Decimal::ZERO,
            maintenance_margin: Decimal::ZERO,
            unrealized_pnl: spot
                .cost_basis_usd
                .map_or(Decimal::ZERO, |basis| spot.amount * (price - basis)),
            liquidation_price: None,
            bankruptcy_price: None,
            distance_to_liquidation_pct: None,
            distance_to_liquidation_sigma: None,
            mm_rate: None,
            tier: None,
            source: source.clone(),
            approximate: false,
            price_source: context
                .market
                .asset_usd(&spot.asset, context.library)
                .map(|q| q.source.clone()),
            price_via: None,
            notes: vec!["Held outright: counts toward equity and exposure only.".into()],
        });
    }
    AccountRisk {
        index,
        label: account.label.clone(),
        venue: account.venue,
        margin_mode: account.margin_mode,
        margin_asset: "USD".to_owned(),
        wallet_balance: equity,
        equity_usd: equity,
        initial_margin_usd: Decimal::ZERO,
        maintenance_margin_usd: Decimal::ZERO,
        margin_ratio: None,
        margin_ratio_definition: crate::venues::spec(account.venue).ratio_definition,
        free_collateral_usd: equity,
        leverage: gross.checked_div(equity),
        health_factor: None,
        available_borrows_usd: None,
        liquidation_move_pct: None,
        approximate: false,
        notes: vec!["A spot wallet cannot be liquidated.".to_owned()],
    }
}

/// Signed move from `mark` to `target`, in percent of `mark`.
pub fn distance_pct(mark: Decimal, target: Decimal) -> Option<Decimal> {
    ((target - mark) * Decimal::ONE_HUNDRED).checked_div(mark)
}

/// The distance to `target` in daily standard deviations of log returns, when `daily_vol` is
/// known: `ln(target / mark) / σ_daily`.
pub fn distance_sigma(mark: Decimal, target: Decimal, daily_vol: Option<f64>) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    let vol = daily_vol.filter(|v| *v > 0.0)?;
    let ratio = target.checked_div(mark)?.to_f64()?;
    (ratio > 0.0).then(|| ratio.ln() / vol)
}

/// The sign of a size as a side.
pub fn side_of(size: Decimal) -> Side {
    if size.is_sign_negative() {
        Side::Short
    } else {
        Side::Long
    }
}

/// Whether the account's mode is modelled exactly (portfolio margin is modelled as cross).
pub fn mode_note(mode: MarginMode) -> Option<&'static str> {
    (mode == MarginMode::Portfolio).then_some(
        "Portfolio margin is modelled as cross margin (the venue's risk-based offsets are not \
         applied): approximate.",
    )
}
