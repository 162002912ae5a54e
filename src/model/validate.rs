//! Checks a parsed portfolio against the venues' rules and common sense.
//!
//! Every check reports the path of the offending value, so the loader can point at its
//! line:column and the editor can mark the field. All problems are collected; none stops the
//! others from being found.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::params::{self, TierBasis, TierTable};

use super::types::{
    Account, AlertMetric, JournalEntry, MarginMode, Portfolio, Position, PositionKind, Settlement,
};
use super::venue_rules::rule_for;

/// One validation problem: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Path of the value, e.g. `accounts[1].positions[3].entry_price` (indices from 0).
    pub path: String,
    /// What is wrong, in a trader's words.
    pub message: String,
}

/// Every problem in `portfolio`, in file order.
pub fn validate(portfolio: &Portfolio) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut report = |path: String, message: String| issues.push(Issue { path, message });
    // Numbers beyond what the engine computes exactly are refused first: the checks below
    // multiply them.
    let huge = magnitudes(portfolio, &mut report);
    if huge {
        return issues;
    }
    if portfolio.name.trim().is_empty() {
        report("name".to_owned(), "the portfolio needs a name".to_owned());
    }
    if let Some(valuation) = &portfolio.valuation
        && let Err(message) = super::valuation::parse_as_of(&valuation.as_of)
    {
        report("valuation.as_of".to_owned(), message);
    }
    let mut labels = HashSet::new();
    for (index, account) in portfolio.accounts.iter().enumerate() {
        let path = format!("accounts[{index}]");
        if account.label.trim().is_empty() {
            report(
                format!("{path}.label"),
                "the account needs a label".to_owned(),
            );
        } else if !labels.insert(account.label.as_str()) {
            report(
                format!("{path}.label"),
                format!(
                    "another account is already labelled \"{}\"; labels must be unique so \
                     transfers and alerts know which account they mean",
                    account.label
                ),
            );
        }
        validate_account(account, &path, &mut report);
    }
    let account_exists = |label: &str| {
        portfolio
            .accounts
            .iter()
            .any(|account| account.label == label)
    };
    for (index, price) in portfolio.price_overrides.iter().enumerate() {
        let path = format!("price_overrides[{index}]");
        require_text(
            &price.symbol,
            &format!("{path}.symbol"),
            "symbol",
            &mut report,
        );
        require_positive(
            price.price_usd,
            &format!("{path}.price_usd"),
            "price",
            &mut report,
        );
    }
    for (index, entry) in portfolio.journal.iter().enumerate() {
        let path = format!("journal[{index}]");
        let mut check_account = |field: &str, label: &str| {
            if !account_exists(label) {
                report(
                    format!("{path}.{field}"),
                    format!("no account is labelled \"{label}\""),
                );
            }
        };
        match entry {
            JournalEntry::Trade(trade) => {
                check_account("account", &trade.account);
                require_positive(
                    trade.price,
                    &format!("{path}.price"),
                    "trade price",
                    &mut report,
                );
                require_text(
                    &trade.symbol,
                    &format!("{path}.symbol"),
                    "symbol",
                    &mut report,
                );
                if trade.fee.is_sign_negative() {
                    report(format!("{path}.fee"), "a fee cannot be negative".to_owned());
                }
            }
            JournalEntry::Transfer(transfer) => {
                if let Some(from) = &transfer.from_account {
                    check_account("from_account", from);
                }
                if let Some(to) = &transfer.to_account {
                    check_account("to_account", to);
                }
                require_positive(
                    transfer.amount,
                    &format!("{path}.amount"),
                    "transfer amount",
                    &mut report,
                );
                require_text(
                    &transfer.asset,
                    &format!("{path}.asset"),
                    "asset",
                    &mut report,
                );
            }
            JournalEntry::Funding(funding) => {
                check_account("account", &funding.account);
                require_text(
                    &funding.asset,
                    &format!("{path}.asset"),
                    "asset",
                    &mut report,
                );
            }
        }
    }
    for (set_index, set) in portfolio.scenario_sets.iter().enumerate() {
        let set_path = format!("scenario_sets[{set_index}]");
        require_text(
            &set.name,
            &format!("{set_path}.name"),
            "scenario set name",
            &mut report,
        );
        for (index, scenario) in set.scenarios.iter().enumerate() {
            let path = format!("{set_path}.scenarios[{index}]");
            require_text(
                &scenario.name,
                &format!("{path}.name"),
                "scenario name",
                &mut report,
            );
            for (shock_index, shock) in scenario.price_shocks.iter().enumerate() {
                if shock.change_percent < Decimal::from(-100) {
                    report(
                        format!("{path}.price_shocks[{shock_index}].change_percent"),
                        format!(
                            "a price cannot fall more than 100 % (found {} %)",
                            shock.change_percent
                        ),
                    );
                }
            }
        }
    }
    for (index, alert) in portfolio.alerts.iter().enumerate() {
        let path = format!("alerts[{index}]");
        if let Some(label) = &alert.account
            && !account_exists(label)
        {
            report(
                format!("{path}.account"),
                format!("no account is labelled \"{label}\""),
            );
        }
        let level_ok = match alert.metric {
            AlertMetric::MarginRatioPercentAbove | AlertMetric::LiquidationDistancePercentBelow => {
                alert.level > Decimal::ZERO && alert.level <= Decimal::ONE_HUNDRED
            }
            AlertMetric::HealthFactorBelow => alert.level > Decimal::ZERO,
        };
        if !level_ok {
            report(
                format!("{path}.level"),
                format!(
                    "alert level {} is outside the range this metric can take",
                    alert.level
                ),
            );
        }
    }
    issues
}

fn validate_account(account: &Account, path: &str, report: &mut impl FnMut(String, String)) {
    let rule = rule_for(account.venue);
    let venue = account.venue.display_name();
    if !rule.margin_modes.contains(&account.margin_mode) {
        report(
            format!("{path}.margin_mode"),
            format!(
                "{venue} has no {} margin mode; it offers {}",
                account.margin_mode.display_name(),
                rule.margin_modes
                    .iter()
                    .map(|mode| mode.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if let Some(overrides) = &account.venue_parameters {
        for (index, table) in overrides.tier_tables.iter().enumerate() {
            if let Err(message) = params::check_tier_table(table) {
                report(
                    format!("{path}.venue_parameters.tier_tables[{index}]"),
                    message,
                );
            }
        }
    }
    for (index, collateral) in account.collateral.iter().enumerate() {
        let item = format!("{path}.collateral[{index}]");
        require_text(
            &collateral.asset,
            &format!("{item}.asset"),
            "collateral asset",
            report,
        );
        if collateral.amount.is_sign_negative() && !collateral.amount.is_zero() {
            report(
                format!("{item}.amount"),
                format!(
                    "collateral cannot be negative (found {})",
                    collateral.amount
                ),
            );
        }
    }
    for (index, position) in account.positions.iter().enumerate() {
        let item = format!("{path}.positions[{index}]");
        validate_position(account, position, &item, report);
    }
    isolated_margins_fit(account, path, report);
}

/// Isolated margins come out of the account's collateral: summed per margin asset (the
/// stablecoins for linear contracts, the coin for inverse ones) they cannot exceed what the
/// account holds of it, or the positions could not have been opened and their liquidation
/// prices would rest on margin that does not exist. Reported at the isolated margin that
/// goes over.
fn isolated_margins_fit(account: &Account, path: &str, report: &mut impl FnMut(String, String)) {
    use super::Settlement;
    if account.margin_mode != MarginMode::Isolated {
        return;
    }
    let library = params::library();
    let held = |asset: Option<&str>| -> Decimal {
        account
            .collateral
            .iter()
            .filter(|c| match asset {
                // Linear: every stablecoin the account posts.
                None => library.stablecoin(&c.asset).is_some(),
                Some(coin) => library.priced_as(&c.asset).eq_ignore_ascii_case(coin),
            })
            .fold(Decimal::ZERO, |sum, c| sum.saturating_add(c.amount))
    };
    let mut used: Vec<(Option<String>, Decimal)> = Vec::new();
    for (index, position) in account.positions.iter().enumerate() {
        let (margin, settlement) = match position {
            Position::Perpetual(p) => (p.isolated_margin, p.settlement),
            Position::Future(f) => (f.isolated_margin, f.settlement),
            _ => continue,
        };
        let Some(margin) = margin.filter(|m| *m > Decimal::ZERO) else {
            continue;
        };
        let asset = (settlement == Settlement::Inverse).then(|| {
            library
                .priced_as(position.underlying())
                .to_ascii_uppercase()
        });
        let slot = match used.iter().position(|(a, _)| *a == asset) {
            Some(found) => found,
            None => {
                used.push((asset.clone(), Decimal::ZERO));
                used.len() - 1
            }
        };
        let before = used[slot].1;
        let after = before.saturating_add(margin);
        used[slot].1 = after;
        let wallet = held(asset.as_deref());
        if after > wallet && before <= wallet {
            let unit = asset.as_deref().unwrap_or("in stablecoins");
            report(
                format!("{path}.positions[{index}].isolated_margin"),
                format!(
                    "isolated margins of this account reach {after} ({unit}), more than the \
                     {wallet} it holds: the positions could not have been opened; lower the \
                     isolated margins or add collateral"
                ),
            );
        }
    }
}

fn validate_position(
    account: &Account,
    position: &Position,
    path: &str,
    report: &mut impl FnMut(String, String),
) {
    let rule = rule_for(account.venue);
    let venue = account.venue.display_name();
    let kind = position.kind();
    if !rule.position_kinds.contains(&kind) {
        let offered: Vec<_> = rule
            .position_kinds
            .iter()
            .map(|kind| kind.display_name())
            .collect();
        report(
            path.to_owned(),
            format!(
                "a {} cannot be held in a {venue} account (it holds: {})",
                kind.display_name(),
                offered.join(", ")
            ),
        );
    }
    if let Some(settlement) = position.settlement()
        && !rule.settlements.contains(&settlement)
    {
        report(
            format!("{path}.settlement"),
            format!(
                "{venue} has no {} contracts",
                match settlement {
                    Settlement::Linear => "linear (quote-margined)",
                    Settlement::Inverse => "inverse (coin-margined)",
                }
            ),
        );
    }
    let size_path = format!("{path}.{}", position.size_field());
    match position {
        Position::Spot(spot) => {
            require_text(&spot.asset, &format!("{path}.asset"), "asset", report);
            require_not_negative(spot.amount, &size_path, "a spot holding", report);
            if let Some(cost) = spot.cost_basis_usd {
                require_not_negative(
                    cost,
                    &format!("{path}.cost_basis_usd"),
                    "a cost basis",
                    report,
                );
            }
        }
        Position::Supply(balance) | Position::Borrow(balance) => {
            require_text(&balance.asset, &format!("{path}.asset"), "asset", report);
            require_not_negative(balance.amount, &size_path, "a lending balance", report);
        }
        Position::Perpetual(perp) => {
            require_text(&perp.symbol, &format!("{path}.symbol"), "symbol", report);
            require_text(
                &perp.underlying,
                &format!("{path}.underlying"),
                "underlying",
                report,
            );
            require_positive(
                perp.entry_price,
                &format!("{path}.entry_price"),
                "entry price",
                report,
            );
            let leveraged = Leveraged {
                symbol: &perp.symbol,
                size: perp.size,
                entry_price: perp.entry_price,
                settlement: perp.settlement,
                contract_size: perp.contract_size,
                leverage: perp.leverage,
                isolated_margin: perp.isolated_margin,
            };
            validate_leveraged(account, &leveraged, path, report);
        }
        Position::Future(future) => {
            require_text(&future.symbol, &format!("{path}.symbol"), "symbol", report);
            require_text(
                &future.underlying,
                &format!("{path}.underlying"),
                "underlying",
                report,
            );
            require_positive(
                future.entry_price,
                &format!("{path}.entry_price"),
                "entry price",
                report,
            );
            let leveraged = Leveraged {
                symbol: &future.symbol,
                size: future.size,
                entry_price: future.entry_price,
                settlement: future.settlement,
                contract_size: future.contract_size,
                leverage: future.leverage,
                isolated_margin: future.isolated_margin,
            };
            validate_leveraged(account, &leveraged, path, report);
        }
        Position::Option(option) => {
            require_text(&option.symbol, &format!("{path}.symbol"), "symbol", report);
            require_text(
                &option.underlying,
                &format!("{path}.underlying"),
                "underlying",
                report,
            );
            require_positive(option.strike, &format!("{path}.strike"), "strike", report);
            require_positive(
                option.contract_size,
                &format!("{path}.contract_size"),
                "contract size",
                report,
            );
            if let Some(premium) = option.entry_price {
                require_not_negative(
                    premium,
                    &format!("{path}.entry_price"),
                    "an option premium",
                    report,
                );
            }
        }
    }
    if kind == PositionKind::Option && account.margin_mode == MarginMode::Isolated {
        report(
            path.to_owned(),
            "options are margined across the account; use cross or portfolio mode".to_owned(),
        );
    }
}

/// The fields perpetuals and dated futures share.
struct Leveraged<'a> {
    symbol: &'a str,
    size: Decimal,
    entry_price: Decimal,
    settlement: Settlement,
    contract_size: Option<Decimal>,
    leverage: Option<Decimal>,
    isolated_margin: Option<Decimal>,
}

fn validate_leveraged(
    account: &Account,
    position: &Leveraged<'_>,
    path: &str,
    report: &mut impl FnMut(String, String),
) {
    let rule = rule_for(account.venue);
    let venue = account.venue.display_name();
    match position.contract_size {
        Some(size) => require_positive(
            size,
            &format!("{path}.contract_size"),
            "contract size",
            report,
        ),
        None if position.settlement == Settlement::Inverse => report(
            format!("{path}.contract_size"),
            "inverse contracts need contract_size: the USD value of one contract \
             (\"100\" for Binance BTCUSD, \"10\" for Deribit BTC)"
                .to_owned(),
        ),
        None if rule.contract_size_required => report(
            format!("{path}.contract_size"),
            format!(
                "{venue} counts positions in contracts; give contract_size (base units per contract)"
            ),
        ),
        None => {}
    }
    match position.leverage {
        Some(leverage) => {
            if leverage < Decimal::ONE {
                report(
                    format!("{path}.leverage"),
                    format!("leverage must be at least 1x (found {leverage}x)"),
                );
            } else if let Some((max, where_)) = tier_max_leverage(account, position)
                && leverage > max
            {
                report(
                    format!("{path}.leverage"),
                    format!(
                        "{} allows at most {max}x at this size (found {leverage}x; {where_})",
                        position.symbol
                    ),
                );
            } else if let Some(max) = rule.max_leverage
                && leverage > max
            {
                report(
                    format!("{path}.leverage"),
                    format!(
                        "{venue} offers at most {max}x leverage (found {leverage}x; source: {}, {})",
                        rule.source, rule.as_of
                    ),
                );
            }
        }
        None if account.margin_mode == MarginMode::Isolated => report(
            format!("{path}.leverage"),
            "an isolated position needs its leverage (e.g. leverage: \"10\")".to_owned(),
        ),
        None => {}
    }
    if let Some(margin) = position.isolated_margin {
        if account.margin_mode != MarginMode::Isolated {
            report(
                format!("{path}.isolated_margin"),
                format!(
                    "isolated_margin only applies in isolated mode; this account is {}",
                    account.margin_mode.display_name()
                ),
            );
        }
        require_positive(
            margin,
            &format!("{path}.isolated_margin"),
            "isolated margin",
            report,
        );
    }
}

/// The highest leverage the symbol's own tier table allows at the position's entry size, and
/// which table and tier say so. Stand-in tables (for symbols without one) are not used here:
/// their caps are not this symbol's.
fn tier_max_leverage(account: &Account, position: &Leveraged<'_>) -> Option<(Decimal, String)> {
    let matches = |table: &&TierTable| {
        table
            .symbols
            .iter()
            .any(|s| s.eq_ignore_ascii_case(position.symbol))
    };
    let table = account
        .venue_parameters
        .as_ref()
        .and_then(|o| o.tier_tables.iter().find(matches))
        .or_else(|| {
            params::library()
                .venue(account.venue)
                .and_then(|v| v.tier_tables.iter().find(matches))
        })?;
    let units = position.size.abs() * position.contract_size.unwrap_or(Decimal::ONE);
    let amount = match (table.basis, position.settlement) {
        (TierBasis::Contracts, _) => position.size.abs(),
        (_, Settlement::Linear) => units * position.entry_price,
        (_, Settlement::Inverse) => units.checked_div(position.entry_price)?,
    };
    let (index, _) = params::tier_index(&table.tiers, amount);
    let max = table.tiers.get(index)?.max_leverage?;
    Some((
        max,
        format!(
            "{} tier {} of {}, {} {}",
            table.id,
            index + 1,
            table.tiers.len(),
            table.source,
            table.as_of
        ),
    ))
}

/// The largest size, amount or notional RiskDeck computes with: 10^18 (a quintillion units or
/// USD). Decimal holds 28 digits; products of a size, a price and a rate, summed over
/// thousands of positions, then stay exact, so no figure overflows.
const MAX_AMOUNT: Decimal = Decimal::from_parts(2_808_348_672, 232_830_643, 0, false, 0);
/// The largest price: 10^12 USD per unit.
const MAX_PRICE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// The smallest positive price: 10^-12 USD per unit (inverse contracts divide by it).
const MIN_PRICE: Decimal = Decimal::from_parts(1, 0, 0, false, 12);
/// The largest leverage: 10,000x.
const MAX_LEVERAGE: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// Reports every number outside the ranges above, with its path; true when any was.
fn magnitudes(portfolio: &Portfolio, report: &mut impl FnMut(String, String)) -> bool {
    let mut found = false;
    let mut check = |value: Decimal, path: String, max: Decimal, min_positive: Option<Decimal>| {
        bound(&mut found, report, value, path, max, min_positive);
    };
    for (index, price) in portfolio.price_overrides.iter().enumerate() {
        check(
            price.price_usd,
            format!("price_overrides[{index}].price_usd"),
            MAX_PRICE,
            Some(MIN_PRICE),
        );
    }
    for (a, account) in portfolio.accounts.iter().enumerate() {
        for (c, collateral) in account.collateral.iter().enumerate() {
            check(
                collateral.amount,
                format!("accounts[{a}].collateral[{c}].amount"),
                MAX_AMOUNT,
                None,
            );
        }
        for (p, position) in account.positions.iter().enumerate() {
            let path = format!("accounts[{a}].positions[{p}]");
            check(
                position.size(),
                format!("{path}.{}", position.size_field()),
                MAX_AMOUNT,
                None,
            );
            let (entry, contract_size, leverage, isolated) = match position {
                Position::Perpetual(x) => (
                    Some(x.entry_price),
                    x.contract_size,
                    x.leverage,
                    x.isolated_margin,
                ),
                Position::Future(x) => (
                    Some(x.entry_price),
                    x.contract_size,
                    x.leverage,
                    x.isolated_margin,
                ),
                Position::Option(x) => {
                    check(
                        x.strike,
                        format!("{path}.strike"),
                        MAX_PRICE,
                        Some(MIN_PRICE),
                    );
                    (x.entry_price, Some(x.contract_size), None, None)
                }
                Position::Spot(x) => (x.cost_basis_usd, None, None, None),
                Position::Supply(_) | Position::Borrow(_) => (None, None, None, None),
            };
            let entry_field = if matches!(position, Position::Spot(_)) {
                "cost_basis_usd"
            } else {
                "entry_price"
            };
            if let Some(entry) = entry {
                check(
                    entry,
                    format!("{path}.{entry_field}"),
                    MAX_PRICE,
                    Some(MIN_PRICE),
                );
            }
            if let Some(cs) = contract_size {
                check(
                    cs,
                    format!("{path}.contract_size"),
                    MAX_PRICE,
                    Some(MIN_PRICE),
                );
            }
            if let Some(leverage) = leverage {
                check(leverage, format!("{path}.leverage"), MAX_LEVERAGE, None);
            }
            if let Some(margin) = isolated {
                check(margin, format!("{path}.isolated_margin"), MAX_AMOUNT, None);
            }
            // The notional (size × contract size, × entry for linear) must fit too.
            let units = position
                .size()
                .abs()
                .checked_mul(contract_size.unwrap_or(Decimal::ONE));
            let notional = match (position.settlement(), units, entry) {
                (Some(Settlement::Linear), Some(u), Some(e)) => u.checked_mul(e),
                (_, units, _) => units,
            };
            if notional.is_none_or(|n| n > MAX_AMOUNT) {
                check(
                    Decimal::MAX,
                    format!("{path}.{}", position.size_field()),
                    MAX_AMOUNT,
                    None,
                );
            }
        }
    }
    found
}

/// Reports `value` at `path` when it is outside `max` (or, positive, below `min_positive`).
fn bound(
    found: &mut bool,
    report: &mut impl FnMut(String, String),
    value: Decimal,
    path: String,
    max: Decimal,
    min_positive: Option<Decimal>,
) {
    let magnitude = value.abs();
    if magnitude > max {
        *found = true;
        let what = if value == Decimal::MAX {
            "the position's notional".to_owned()
        } else {
            value.to_string()
        };
        report(
            path,
            format!("{what} is larger than RiskDeck computes with exactly (at most {max})"),
        );
    } else if let Some(min) = min_positive
        && !magnitude.is_zero()
        && magnitude < min
    {
        *found = true;
        report(
            path,
            format!("{value} is smaller than RiskDeck computes with exactly (at least {min})"),
        );
    }
}

fn require_text(value: &str, path: &str, what: &str, report: &mut impl FnMut(String, String)) {
    if value.trim().is_empty() {
        report(path.to_owned(), format!("{what} is empty"));
    }
}

fn require_positive(
    value: Decimal,
    path: &str,
    what: &str,
    report: &mut impl FnMut(String, String),
) {
    if value <= Decimal::ZERO {
        report(
            path.to_owned(),
            format!("{what} must be greater than zero (found {value})"),
        );
    }
}

fn require_not_negative(
    value: Decimal,
    path: &str,
    what: &str,
    report: &mut impl FnMut(String, String),
) {
    if value < Decimal::ZERO {
        report(
            path.to_owned(),
            format!("{what} cannot be negative (found {value})"),
        );
    }
}
