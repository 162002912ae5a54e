//! Spot wallets and custody: holdings and collateral at market value; no margin, no
//! liquidation. What runs for a spot wallet is [`analyze`] and the rules in [`SPEC`].

use std::sync::Arc;

use rust_decimal::Decimal;

use super::{Context, collateral_path, position_path};
use crate::engine::result::{AccountRisk, Excluded, MarginReport, PositionRisk, Side};
use crate::model::{Account, Position, PositionKind, Venue};
use crate::venues::{MarginRatio, VenueSpec};

/// A spot wallet: no margin ratio.
pub const SPEC: VenueSpec = VenueSpec {
    ratio: MarginRatio::None,
    ..VenueSpec::base(Venue::SpotWallet, "none: no margin")
};

/// A spot wallet: holdings and collateral at market value, no margin.
pub fn analyze(
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
            expired: None,
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
            liquidated: false,
            maintenance_usage: Some(Decimal::ZERO),
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
        liquidation_call: None,
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
        margin_ratio_definition: SPEC.ratio_definition,
        free_collateral_usd: equity,
        leverage: gross.checked_div(equity),
        health_factor: None,
        available_borrows_usd: None,
        liquidation_move_pct: None,
        approximate: false,
        liquidated: false,
        maintenance_usage: (equity > Decimal::ZERO).then_some(Decimal::ZERO),
        maintenance_usage_of: None,
        notes: vec!["A spot wallet cannot be liquidated.".to_owned()],
    }
}
