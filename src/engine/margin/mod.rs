//! Per-account margin: every venue's own rules, one file per venue family.
//!
//! [`leg`] holds the exact solver the venues share; the venue files pick parameters and hold
//! the venue-specific formulas (Bybit's closing fee, Deribit's option margin, Aave's health
//! factor). This module groups an account's positions into margin pools (one per margin asset,
//! or one per position in isolated mode), prices them and returns [`crate::engine::AccountRisk`] and
//! [`crate::engine::PositionRisk`] rows.

pub mod aave;
pub mod binance;
pub mod bybit;
pub mod deribit;
pub mod dydx;
pub mod hyperliquid;
pub mod leg;
pub mod okx;
pub(crate) mod pool;
pub mod spot;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::market::{MarketSnapshot, PriceSource};
use crate::engine::result::{MarginReport, Note, Side};
use crate::model::params::{ParameterLibrary, TierTable, maintenance_amounts};
use crate::model::{Account, MarginMode, Settlement, Venue};

use leg::MarginRule;

use crate::venues::VenueSpec;

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
    let rate_fee = if spec(account.venue).fee_in_maintenance {
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

/// The rules of `venue`, as written in that venue's file.
pub fn spec(venue: Venue) -> &'static VenueSpec {
    match venue {
        Venue::BinanceUsdm => &binance::USDM_SPEC,
        Venue::BinanceCoinm => &binance::COINM_SPEC,
        Venue::BybitLinear => &bybit::LINEAR_SPEC,
        Venue::BybitInverse => &bybit::INVERSE_SPEC,
        Venue::Okx => &okx::SPEC,
        Venue::Deribit => &deribit::SPEC,
        Venue::Hyperliquid => &hyperliquid::SPEC,
        Venue::DydxV4 => &dydx::SPEC,
        Venue::AaveV3 => &aave::SPEC,
        Venue::SpotWallet => &spot::SPEC,
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
        Venue::SpotWallet => spot::analyze(context, index, account, report),
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

/// Signed move from `mark` to `target`, in percent of `mark`.
pub fn distance_pct(mark: Decimal, target: Decimal) -> Option<Decimal> {
    // Checked: an extreme liquidation price gives no distance, never a panic.
    target
        .checked_sub(mark)?
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(mark)
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

#[cfg(test)]
mod spec_tests {
    use super::*;

    #[test]
    fn every_venue_s_spec_names_that_venue() {
        for venue in Venue::ALL {
            assert_eq!(spec(venue).venue, venue, "{venue:?}");
        }
        assert_eq!(
            spec(Venue::BybitInverse).tick("btcusd"),
            Some(Decimal::new(5, 1)),
            "tick keyed on the instrument"
        );
        assert!(spec(Venue::Okx).fee_in_maintenance);
        assert!(!spec(Venue::BinanceUsdm).fee_in_maintenance);
    }
}
