//! The cross-venue view no exchange gives: total solvency, exposure per underlying by venue,
//! the weakest account, and the hidden risk of hedged books.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::market::MarketSnapshot;
use super::result::{Excluded, Exposure, ExposureShare, MarginReport, NEAR_LIQUIDATION_PCT};
use crate::engine::margin::position_path;
use crate::model::params::ParameterLibrary;
use crate::model::{Portfolio, Position, Settlement, Venue};

/// Below this share of net to gross notional a book counts as hedged.
const HEDGED_NET_SHARE: Decimal = Decimal::from_parts(25, 0, 0, false, 2);
/// The window the hedged-book warning looks at: the largest move within this many days.
const HEDGE_WINDOW_DAYS: usize = 30;

/// Signed coin delta of a priced position, or `None` when it is not known (options).
///
/// Inverse contracts: the account's USD value changes by `side × Q / EP` per dollar of price,
/// so their delta in coins is `Q / EP`, not `Q / mark`.
fn coin_delta(position: &Position, venue: Venue, market: &MarketSnapshot) -> Option<Decimal> {
    let leveraged = |settlement: Settlement, size: Decimal, cs: Option<Decimal>, entry: Decimal| {
        let units = cs.map_or(size, |cs| size * cs);
        match settlement {
            Settlement::Linear => Some(units),
            Settlement::Inverse => units.checked_div(entry),
        }
    };
    match position {
        Position::Spot(s) => Some(s.amount),
        Position::Supply(l) => Some(l.amount),
        Position::Borrow(l) => Some(-l.amount),
        Position::Perpetual(p) => leveraged(p.settlement, p.size, p.contract_size, p.entry_price),
        Position::Future(f) => leveraged(f.settlement, f.size, f.contract_size, f.entry_price),
        // A published delta per unit of the underlying, times the units held.
        Position::Option(o) => market
            .option_delta(venue, &o.symbol)
            .map(|(delta, _)| delta * o.size * o.contract_size),
    }
}

/// Adds exposures, totals and warnings to a report whose accounts and positions are filled.
pub fn aggregate(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    library: &ParameterLibrary,
    report: &mut MarginReport,
) {
    // underlying → (USD price, account index → (net coins, gross coins))
    type Legs = BTreeMap<usize, (Decimal, Decimal)>;
    let mut legs: BTreeMap<Arc<str>, (Decimal, Legs)> = BTreeMap::new();
    let mut add = |underlying: &Arc<str>, account: usize, coins: Decimal, gross: Decimal, price| {
        let (_, accounts) = legs
            .entry(Arc::clone(underlying))
            .or_insert_with(|| (price, BTreeMap::new()));
        let entry = accounts.entry(account).or_default();
        entry.0 += coins;
        entry.1 += gross;
    };
    // An account's rows on one underlying are adjacent and share one `Arc`: they are summed
    // in a run and priced once per run.
    struct Run {
        underlying: Arc<str>,
        account: usize,
        /// USD price, `None` for stablecoins and unpriced underlyings (not exposure).
        price: Option<Decimal>,
        net_coins: Decimal,
        gross_coins: Decimal,
    }
    let mut run: Option<Run> = None;
    let mut left_out = Vec::new();
    let mut option_sources = std::collections::BTreeSet::new();
    for row in &report.positions {
        let same_run = run.as_ref().is_some_and(|r| {
            r.account == row.account_index && Arc::ptr_eq(&r.underlying, &row.underlying)
        });
        if !same_run {
            if let Some(done) = run.take()
                && let Some(price) = done.price
            {
                add(
                    &done.underlying,
                    done.account,
                    done.net_coins,
                    done.gross_coins,
                    price,
                );
            }
            let price = if library.stablecoin(&row.underlying).is_some() {
                None
            } else {
                market
                    .asset_usd(&row.underlying, library)
                    .map(|q| q.price_usd)
            };
            run = Some(Run {
                underlying: Arc::clone(&row.underlying),
                account: row.account_index,
                price,
                net_coins: Decimal::ZERO,
                gross_coins: Decimal::ZERO,
            });
        }
        let Some(current) = run.as_mut().filter(|r| r.price.is_some()) else {
            continue;
        };
        let Some((account, position)) = portfolio
            .accounts
            .get(row.account_index)
            .and_then(|a| Some((a, a.positions.get(row.position_index)?)))
        else {
            continue;
        };
        match coin_delta(position, account.venue, market) {
            Some(coins) => {
                current.net_coins += coins;
                current.gross_coins += coins.abs();
                if let Position::Option(o) = position
                    && let Some((_, venue)) = market.option_delta(account.venue, &o.symbol)
                {
                    option_sources.insert(venue);
                }
            }
            None => left_out.push(Excluded {
                path: position_path(row.account_index, row.position_index),
                reason: "left out of exposure: no venue delta for this option yet (refresh \
                         prices online; its value and margin are counted)"
                    .to_owned(),
            }),
        }
    }
    if let Some(done) = run.take()
        && let Some(price) = done.price
    {
        add(
            &done.underlying,
            done.account,
            done.net_coins,
            done.gross_coins,
            price,
        );
    }
    report.excluded.append(&mut left_out);
    for venue in option_sources {
        report.assumptions.push(format!(
            "Option exposure uses the deltas {venue} publishes (from its mark implied \
             volatility): they change as prices and volatility move."
        ));
    }
    for (index, account) in portfolio.accounts.iter().enumerate() {
        for collateral in &account.collateral {
            if library.stablecoin(&collateral.asset).is_some() {
                continue;
            }
            let underlying: Arc<str> = library
                .priced_as(&collateral.asset)
                .to_ascii_uppercase()
                .into();
            if let Some(price) = market.asset_usd(&underlying, library).map(|q| q.price_usd) {
                add(
                    &underlying,
                    index,
                    collateral.amount,
                    collateral.amount.abs(),
                    price,
                );
            }
        }
    }
    let mut exposures: Vec<Exposure> = legs
        .into_iter()
        .map(|(underlying, (price, accounts))| {
            let by_account: Vec<ExposureShare> = accounts
                .into_iter()
                .filter_map(|(index, (coins, gross_coins))| {
                    let account = portfolio.accounts.get(index)?;
                    Some(ExposureShare {
                        account: account.label.clone(),
                        venue: account.venue,
                        net_size: coins,
                        net_notional_usd: coins * price,
                        gross_notional_usd: gross_coins * price,
                    })
                })
                .collect();
            let net_size: Decimal = by_account.iter().map(|s| s.net_size).sum();
            Exposure {
                underlying: underlying.to_string(),
                price_usd: price,
                net_size,
                net_notional_usd: net_size * price,
                gross_notional_usd: by_account.iter().map(|s| s.gross_notional_usd).sum(),
                by_account,
            }
        })
        .collect();
    exposures.sort_by_key(|e| std::cmp::Reverse(e.gross_notional_usd));

    let totals = &mut report.totals;
    totals.equity_usd = report.accounts.iter().map(|a| a.equity_usd).sum();
    totals.gross_notional_usd = exposures.iter().map(|e| e.gross_notional_usd).sum();
    totals.net_notional_usd = exposures.iter().map(|e| e.net_notional_usd.abs()).sum();
    // A leverage on equity at or below zero is no number a reader could use (−0.07x reads
    // as tiny): none, and the views say "equity ≤ 0".
    let positive = totals.equity_usd > Decimal::ZERO;
    totals.gross_leverage = positive
        .then(|| totals.gross_notional_usd.checked_div(totals.equity_usd))
        .flatten();
    totals.net_leverage = positive
        .then(|| totals.net_notional_usd.checked_div(totals.equity_usd))
        .flatten();
    let weakest = report
        .accounts
        .iter()
        .filter_map(|a| a.liquidation_move_pct.map(|m| (a, m)))
        .min_by(|x, y| x.1.abs().total_cmp(&y.1.abs()));
    totals.weakest_account = weakest.map(|(a, _)| a.label.clone());
    totals.weakest_move_pct = weakest.map(|(_, m)| m);
    totals.positions_near_liquidation = report
        .positions
        .iter()
        .filter(|p| {
            p.distance_to_liquidation_pct
                .is_some_and(|d| d.abs() <= NEAR_LIQUIDATION_PCT)
        })
        .count();
    totals.positions_liquidated = report.positions.iter().filter(|p| p.liquidated).count();
    totals.accounts_liquidated = report.accounts.iter().filter(|a| a.liquidated).count();
    hedged_book_warnings(&exposures, market, report);
    report.exposures = exposures;
}

/// The hidden risk of a hedged book: an underlying whose net exposure is under 25 % of its
/// gross looks safe in total, but each venue margins its own leg. When an account holding it
/// is liquidated by a move no larger than the largest the underlying made within 30 days of
/// its history, warn, naming the account, the move, and how many times the underlying moved
/// further within 30 days (once per account).
fn hedged_book_warnings(
    exposures: &[Exposure],
    market: &MarketSnapshot,
    report: &mut MarginReport,
) {
    let mut warned: Vec<&str> = Vec::new();
    let mut lines = Vec::new();
    for exposure in exposures {
        let Some(share) = exposure
            .net_notional_usd
            .abs()
            .checked_div(exposure.gross_notional_usd)
        else {
            continue;
        };
        let Some(closes) = market.daily_closes.get(&exposure.underlying) else {
            continue;
        };
        if share >= HEDGED_NET_SHARE {
            continue;
        }
        for holder in &exposure.by_account {
            let Some(account) = report
                .accounts
                .iter()
                .find(|a| a.label == holder.account && !a.liquidated)
            else {
                continue;
            };
            let Some(move_pct) = account.liquidation_move_pct else {
                continue;
            };
            let Some(largest) =
                super::history::largest_move_pct(closes, HEDGE_WINDOW_DAYS, move_pct > 0.0)
            else {
                continue;
            };
            if move_pct.abs() > largest.abs() || warned.contains(&account.label.as_str()) {
                continue;
            }
            warned.push(account.label.as_str());
            let times = super::history::times_moved_beyond(closes, HEDGE_WINDOW_DAYS, move_pct);
            lines.push(format!(
                "Hedged book, separate margin: {underlying} net exposure is only {share:.0} % of \
                 gross, yet \"{label}\" ({venue}) is liquidated by a {move_pct:+.1} % move of \
                 every underlying. {underlying} moved that far or further within {HEDGE_WINDOW_DAYS} \
                 days {times} times in the {source} (largest {largest:+.1} %). Each venue margins \
                 its own leg: move collateral there or cut that leg's size.",
                underlying = exposure.underlying,
                share = (share * Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0),
                label = account.label,
                venue = account.venue.display_name(),
                source = market
                    .history_source
                    .as_deref()
                    .unwrap_or("price history"),
            ));
        }
    }
    report.warnings.extend(lines);
}
