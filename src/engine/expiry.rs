//! Dated futures past their expiry at the valuation time: settled, not left in the book.
//!
//! A future that expired before the valuation time no longer exists at the venue: it was
//! settled at the venue's settlement price and its payoff credited to (or debited from) the
//! account's wallet. Binance, Bybit, OKX and Deribit settle quarterly futures at 08:00 UTC on
//! the expiry date on an average of the index over the last half hour (venue-margin.md);
//! the history RiskDeck has gives the underlying's close at 08:00 (hourly) or of the day, so
//! each settlement is marked approximate and says which close it used.
//!
//! [`settle`] takes the expired futures out of a copy of the portfolio, adds each payoff to
//! the wallet in its settlement asset (quote coin for linear, the coin for inverse), and
//! returns one row per expired future; the margin engine then sees only what still exists,
//! so expired futures leave margin and exposure.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::market::MarketSnapshot;
use super::result::{Excluded, Note, PositionRisk, Side};
use crate::model::{Collateral, Portfolio, Position, PositionKind, Settlement};

/// The hour of the day (UTC) at which the venues expire dated futures.
pub const EXPIRY_HOUR_UTC: u32 = 8;

/// The expiry moment of a future expiring on `date` (08:00 UTC), ms since the epoch.
pub fn expiry_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(EXPIRY_HOUR_UTC, 0, 0)
        .map_or(i64::MAX, |t| t.and_utc().timestamp_millis())
}

/// A settlement price the history gives for an underlying at an expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementPrice {
    /// The underlying's price at expiry, in the contract's quote (USDT closes).
    pub price: Decimal,
    /// Which close it is (`bundled 1h close at 08:00 UTC`), for the row and the JSON.
    pub basis: Arc<str>,
}

/// How an expired future was settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// The expiry moment (ms).
    pub expiry_ms: i64,
    /// The settlement price used.
    pub settled_at: Decimal,
    /// Which close it is.
    pub basis: Arc<str>,
}

/// What [`settle`] found.
pub struct Settled {
    /// The portfolio without its expired futures, payoffs added to the wallets.
    pub portfolio: Portfolio,
    /// For each account, the file index of each position kept, in order.
    pub kept: Vec<Vec<usize>>,
    /// One row per expired future that was settled.
    pub rows: Vec<PositionRisk>,
    /// Expired futures with no settlement price in the history: left out, with the reason.
    pub excluded: Vec<Excluded>,
    /// Lines for the report's warnings.
    pub warnings: Vec<String>,
}

/// Settles every dated future of `portfolio` that expired before the snapshot's valuation
/// time; `None` when none did (the common case costs one scan and no copy). `quote_of`
/// names an account's linear settlement asset.
pub fn settle(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    quote_of: &dyn Fn(&crate::model::Account) -> String,
) -> Option<Settled> {
    let at_ms = market.valued_at_ms?;
    let expired = |p: &Position| matches!(p, Position::Future(f) if expiry_ms(f.expiry) <= at_ms);
    if !portfolio
        .accounts
        .iter()
        .any(|a| a.positions.iter().any(expired))
    {
        return None;
    }
    let mut settled = Settled {
        portfolio: portfolio.clone(),
        kept: Vec::new(),
        rows: Vec::new(),
        excluded: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, account) in settled.portfolio.accounts.iter_mut().enumerate() {
        let mut kept = Vec::new();
        let mut payoffs: Vec<(String, Decimal)> = Vec::new();
        let positions = std::mem::take(&mut account.positions);
        for (position_index, position) in positions.into_iter().enumerate() {
            let Position::Future(future) = &position else {
                kept.push(position_index);
                account.positions.push(position);
                continue;
            };
            if !expired(&position) {
                kept.push(position_index);
                account.positions.push(position);
                continue;
            }
            let path = super::margin::position_path(index, position_index);
            let Some(settlement) = market
                .settlements
                .get(&(future.underlying.to_ascii_uppercase(), future.expiry))
            else {
                settled.excluded.push(Excluded {
                    path,
                    reason: format!(
                        "{} expired on {} 08:00 UTC and the history holds no {} price at \
                         that time to settle it at: left out of every figure",
                        future.symbol, future.expiry, future.underlying
                    ),
                });
                continue;
            };
            let (asset, payoff) = match payoff(future, settlement.price) {
                Some(found) => found,
                None => {
                    settled.excluded.push(Excluded {
                        path,
                        reason: format!(
                            "{} expired; its payoff at {} is too extreme to compute",
                            future.symbol, settlement.price
                        ),
                    });
                    continue;
                }
            };
            let asset = asset.unwrap_or_else(|| quote_of(account));
            let line = format!(
                "{} ({}) expired on {} 08:00 UTC — settled at {} ({}; the venue settles on a \
                 30-minute average, so approximate): payoff {} {asset} in the wallet.",
                future.symbol,
                account.label,
                future.expiry,
                settlement.price.normalize(),
                settlement.basis,
                payoff.round_dp(8).normalize()
            );
            settled.warnings.push(line.clone());
            settled.rows.push(PositionRisk {
                account_index: index,
                position_index,
                account: account.label.as_str().into(),
                symbol: future.symbol.as_str().into(),
                underlying: future.underlying.as_str().into(),
                kind: PositionKind::Future,
                side: if future.size.is_sign_negative() {
                    Side::Short
                } else {
                    Side::Long
                },
                size: future.size,
                entry_price: Some(future.entry_price),
                mark_price: settlement.price,
                liquidated: false,
                maintenance_usage: None,
                price_tick: None,
                notional_usd: Decimal::ZERO,
                margin_asset: asset.as_str().into(),
                initial_margin: Decimal::ZERO,
                maintenance_margin: Decimal::ZERO,
                unrealized_pnl: payoff,
                liquidation_price: None,
                bankruptcy_price: None,
                distance_to_liquidation_pct: None,
                distance_to_liquidation_sigma: None,
                mm_rate: None,
                tier: None,
                source: "expired: settled".into(),
                approximate: true,
                price_source: None,
                price_via: None,
                expired: Some(Box::new(Expiry {
                    expiry_ms: expiry_ms(future.expiry),
                    settled_at: settlement.price,
                    basis: Arc::clone(&settlement.basis),
                })),
                notes: vec![Note::Shared(line.into())],
            });
            payoffs.push((asset, payoff));
        }
        for (asset, payoff) in payoffs {
            match account
                .collateral
                .iter_mut()
                .find(|c| c.asset.eq_ignore_ascii_case(&asset))
            {
                Some(entry) => entry.amount = entry.amount.saturating_add(payoff),
                None => account.collateral.push(Collateral {
                    asset,
                    amount: payoff,
                }),
            }
        }
        settled.kept.push(kept);
    }
    Some(settled)
}

/// The payoff of `future` settled at `price`: (settlement asset when it is the coin, amount).
/// Linear: size × contract size × (price − entry) in the quote; inverse: the face value in
/// USD × (1/entry − 1/price) in the coin.
fn payoff(future: &crate::model::DatedFuture, price: Decimal) -> Option<(Option<String>, Decimal)> {
    let sign = if future.size.is_sign_negative() {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };
    match future.settlement {
        Settlement::Linear => {
            let qty = future
                .size
                .abs()
                .checked_mul(future.contract_size.unwrap_or(Decimal::ONE))?;
            let pnl = qty.checked_mul(price.checked_sub(future.entry_price)?)?;
            Some((None, pnl * sign))
        }
        Settlement::Inverse => {
            let face = future.size.abs().checked_mul(future.contract_size?)?;
            let per_usd = Decimal::ONE
                .checked_div(future.entry_price)?
                .checked_sub(Decimal::ONE.checked_div(price)?)?;
            Some((
                Some(future.underlying.to_ascii_uppercase()),
                face.checked_mul(per_usd)? * sign,
            ))
        }
    }
}

/// Puts the file's position indices back on rows and paths computed on the settled copy.
pub fn restore_indices(report: &mut super::MarginReport, kept: &[Vec<usize>]) {
    for row in &mut report.positions {
        if row.expired.is_none()
            && let Some(original) = kept
                .get(row.account_index)
                .and_then(|k| k.get(row.position_index))
        {
            row.position_index = *original;
        }
    }
    for excluded in &mut report.excluded {
        if let Some(rest) = excluded.path.strip_prefix("accounts[")
            && let Some((account, rest)) = rest.split_once("].positions[")
            && let Some((position, tail)) = rest.split_once(']')
            && let (Ok(a), Ok(p)) = (account.parse::<usize>(), position.parse::<usize>())
            && let Some(original) = kept.get(a).and_then(|k| k.get(p))
        {
            excluded.path = format!("accounts[{a}].positions[{original}]{tail}");
        }
    }
}
