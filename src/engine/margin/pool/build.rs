//! Stage one of an account: every position into its margin pool (each contract's prices and
//! rule looked up once per account), options priced in as fixed items, then the collateral
//! into the pools (stablecoins to the quote pool, coins to their coin pool on inverse-only
//! venues, else into the quote pool at their haircut).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::super::leg::{FastTiers, Leg};
use super::super::{Context, deribit, resolve_rule};
use super::{FixedItem, Instrument, InstrumentKey, Pool, PoolLeg, coin_pool, exclude};
use crate::engine::result::{Excluded, MarginReport, Note};
use crate::model::{Account, MarginMode, Position, Settlement};

/// The account's pools with their legs and options: pool 0 is the quote pool; coin pools
/// follow; isolated pools after them. Positions that cannot be priced are excluded with the
/// reason.
pub(super) fn pools<'a>(
    context: &mut Context<'a>,
    index: usize,
    account: &'a Account,
    quote: &str,
    quote_usd: Decimal,
    report: &mut MarginReport,
) -> Vec<Pool<'a>> {
    let isolated_mode = account.margin_mode == MarginMode::Isolated;
    // Pool 0 is the quote pool; coin pools follow; isolated pools after them.
    let mut pools: Vec<Pool<'a>> = vec![Pool::new(quote.into(), quote_usd, false)];

    let quote_name: Arc<str> = quote.into();
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
    pools
}

/// What funding the pools found beside the balances.
pub(super) struct Funded {
    /// Every priced collateral entry in USD.
    pub(super) collateral_usd: Decimal,
    /// A haircut was not known (collateral valued at 100 %).
    pub(super) approximate: bool,
    /// Notes for the account.
    pub(super) notes: Vec<String>,
}

/// Puts the account's collateral into its pools; inverse-only venues margin every coin in its
/// own pool; in isolated mode the isolated margins come out of the collateral.
pub(super) fn fund(
    context: &Context<'_>,
    index: usize,
    account: &Account,
    pools: &mut Vec<Pool<'_>>,
    quote_usd: Decimal,
    report: &mut MarginReport,
) -> Funded {
    let library = context.library;
    let isolated_mode = account.margin_mode == MarginMode::Isolated;
    let mut approximate = false;
    let mut account_notes: Vec<String> = Vec::new();
    let spec = super::super::spec(account.venue);
    // Collateral into the pools. Inverse-only venues margin every coin in its own pool.
    let inverse_venue = spec.inverse_only;
    let mut collateral_usd = Decimal::ZERO;
    for (entry, collateral) in account.collateral.iter().enumerate() {
        let asset = collateral.asset.to_ascii_uppercase();
        let Some(price) = context.asset_usd(&asset, report) else {
            report.excluded.push(Excluded {
                path: super::super::collateral_path(index, entry),
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
            let found = coin_pool(pools, &asset, price);
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
    Funded {
        collateral_usd,
        approximate,
        notes: account_notes,
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
    if !via_underlying
        && let Some(reason) = implausible_mark(
            symbol,
            underlying,
            settlement,
            mark,
            underlying_usd,
            quote_usd,
        )
    {
        return Err(reason);
    }
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
        mark_f64: super::super::leg::to_f64(mark),
        inv_mark: if settlement == Settlement::Inverse {
            super::super::leg::reciprocal(mark)
        } else {
            Decimal::ZERO
        },
        resolved,
        fast_tiers,
        tick: super::super::spec(account.venue).tick(symbol),
    }))
}

/// Why a contract's own mark cannot be a price of it: more than twice or under half its
/// underlying's price (in the contract's quote). No perpetual or dated future trades that far
/// from its index, so such a mark is a bad feed or a typo, and every figure computed on it
/// (a margin ratio of millions) would be wrong; the position is left out and says why.
fn implausible_mark(
    symbol: &str,
    underlying: &str,
    settlement: Settlement,
    mark: Decimal,
    underlying_usd: Decimal,
    quote_usd: Decimal,
) -> Option<String> {
    let expected = match settlement {
        Settlement::Linear => underlying_usd.checked_div(quote_usd)?,
        Settlement::Inverse => underlying_usd,
    };
    let ratio = mark.checked_div(expected)?;
    let (low, high) = (Decimal::new(5, 1), Decimal::TWO);
    (ratio < low || ratio > high).then(|| {
        format!(
            "the mark {} of {symbol} is implausible: {underlying} is at {}, more than 50 % \
             away; check its price source (left out rather than computed on that mark)",
            mark.normalize(),
            expected.round_dp(8).normalize()
        )
    })
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
