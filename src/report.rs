//! The portfolio summary: what `riskdeck report` prints and the GUI's status bar counts.
//!
//! Later views (margin, timeline, stress) add their sections to [`Report`]; the JSON field names
//! are a stable interface documented in the README, so fields are only ever added.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{OptionRight, Portfolio, Position, Settlement};

/// The whole summary of one portfolio file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The file the portfolio was read from, as given on the command line.
    pub file: String,
    /// Portfolio name.
    pub name: String,
    /// Format version of the file.
    pub format_version: u32,
    /// Currency totals are in (`"USD"`).
    pub base_currency: String,
    /// The portfolio's notes.
    pub notes: String,
    /// One entry per account, in file order.
    pub accounts: Vec<AccountReport>,
    /// Collateral summed per asset over all accounts, sorted by asset.
    pub collateral_totals: Vec<CollateralTotal>,
    /// How many of each thing the file holds.
    pub counts: Counts,
}

/// One account in the report.
#[derive(Clone, Debug, Serialize)]
pub struct AccountReport {
    /// Account label.
    pub label: String,
    /// Venue identifier as written in the file (`BinanceUsdm`).
    pub venue: String,
    /// Venue name for people (`Binance USDS-M`).
    pub venue_name: String,
    /// `cross`, `isolated` or `portfolio`.
    pub margin_mode: String,
    /// Collateral balances.
    pub collateral: Vec<CollateralLine>,
    /// Positions.
    pub positions: Vec<PositionLine>,
}

/// A collateral balance.
#[derive(Clone, Debug, Serialize)]
pub struct CollateralLine {
    /// Asset ticker.
    pub asset: String,
    /// Amount in units of the asset.
    #[serde(with = "rust_decimal::serde::float")]
    pub amount: Decimal,
}

/// Collateral of one asset summed over accounts.
#[derive(Clone, Debug, Serialize)]
pub struct CollateralTotal {
    /// Asset ticker.
    pub asset: String,
    /// Sum of the amounts, in units of the asset.
    #[serde(with = "rust_decimal::serde::float")]
    pub amount: Decimal,
    /// Number of accounts holding it.
    pub accounts: usize,
}

/// A position, flattened: fields that do not apply to its kind are `null`.
#[derive(Clone, Debug, Serialize)]
pub struct PositionLine {
    /// `spot`, `perpetual`, `future`, `option`, `supply` or `borrow`.
    pub kind: String,
    /// Venue symbol, or asset for spot and lending balances.
    pub symbol: String,
    /// Underlying coin.
    pub underlying: String,
    /// `linear` or `inverse` for derivatives.
    pub settlement: Option<String>,
    /// Signed size (contracts, or base units when there is no contract size).
    #[serde(with = "rust_decimal::serde::float")]
    pub size: Decimal,
    /// Value of one contract, if the position is counted in contracts.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub contract_size: Option<Decimal>,
    /// Entry price (premium per unit for options, cost basis for spot).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub entry_price: Option<Decimal>,
    /// Leverage, if set.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub leverage: Option<Decimal>,
    /// Isolated margin, if set.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub isolated_margin: Option<Decimal>,
    /// Expiry date (`YYYY-MM-DD`) of futures and options.
    pub expiry: Option<String>,
    /// Option strike.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub strike: Option<Decimal>,
    /// `call` or `put`.
    pub right: Option<String>,
}

/// Counts of what the file holds.
#[derive(Clone, Debug, Serialize)]
pub struct Counts {
    /// Accounts.
    pub accounts: usize,
    /// Positions over all accounts.
    pub positions: usize,
    /// Journal entries.
    pub journal_entries: usize,
    /// Saved scenario sets.
    pub scenario_sets: usize,
    /// Alert thresholds.
    pub alerts: usize,
    /// Manual price overrides.
    pub price_overrides: usize,
}

impl Report {
    /// Builds the summary of `portfolio`, read from `file`.
    pub fn new(file: &str, portfolio: &Portfolio) -> Self {
        let mut totals: BTreeMap<&str, (Decimal, usize)> = BTreeMap::new();
        for account in &portfolio.accounts {
            for collateral in &account.collateral {
                let entry = totals.entry(collateral.asset.as_str()).or_default();
                entry.0 += collateral.amount;
                entry.1 += 1;
            }
        }
        Self {
            file: file.to_owned(),
            name: portfolio.name.clone(),
            format_version: portfolio.format_version,
            base_currency: "USD".to_owned(),
            notes: portfolio.notes.clone(),
            accounts: portfolio
                .accounts
                .iter()
                .map(|account| AccountReport {
                    label: account.label.clone(),
                    venue: account.venue.file_name().to_owned(),
                    venue_name: account.venue.display_name().to_owned(),
                    margin_mode: account.margin_mode.display_name().to_owned(),
                    collateral: account
                        .collateral
                        .iter()
                        .map(|c| CollateralLine {
                            asset: c.asset.clone(),
                            amount: c.amount,
                        })
                        .collect(),
                    positions: account.positions.iter().map(position_line).collect(),
                })
                .collect(),
            collateral_totals: totals
                .into_iter()
                .map(|(asset, (amount, accounts))| CollateralTotal {
                    asset: asset.to_owned(),
                    amount,
                    accounts,
                })
                .collect(),
            counts: Counts {
                accounts: portfolio.accounts.len(),
                positions: portfolio.accounts.iter().map(|a| a.positions.len()).sum(),
                journal_entries: portfolio.journal.len(),
                scenario_sets: portfolio.scenario_sets.len(),
                alerts: portfolio.alerts.len(),
                price_overrides: portfolio.price_overrides.len(),
            },
        }
    }

    /// The human-readable form printed by `riskdeck report`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(
            out,
            "{} ({}, format {})",
            self.name, self.file, self.format_version
        );
        let _ = writeln!(
            out,
            "{} accounts, {} positions, {} journal entries, {} scenario sets, {} alerts",
            self.counts.accounts,
            self.counts.positions,
            self.counts.journal_entries,
            self.counts.scenario_sets,
            self.counts.alerts
        );
        for account in &self.accounts {
            let _ = writeln!(
                out,
                "\n{} — {} ({})",
                account.label, account.venue_name, account.margin_mode
            );
            for collateral in &account.collateral {
                let _ = writeln!(
                    out,
                    "  collateral {:>24} {}",
                    crate::ui::format::group_thousands(collateral.amount),
                    collateral.asset
                );
            }
            for position in &account.positions {
                let entry = position
                    .entry_price
                    .map(|price| format!(" @ {}", crate::ui::format::group_thousands(price)))
                    .unwrap_or_default();
                let leverage = position
                    .leverage
                    .map(|lev| format!(" {lev}x"))
                    .unwrap_or_default();
                let expiry = position
                    .expiry
                    .as_ref()
                    .map(|d| format!(" exp {d}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<10} {:<22} {:>16}{entry}{leverage}{expiry}",
                    position.kind,
                    position.symbol,
                    crate::ui::format::group_thousands(position.size),
                );
            }
        }
        let _ = writeln!(out, "\nCollateral totals");
        for total in &self.collateral_totals {
            let _ = writeln!(
                out,
                "  {:<8} {:>24}  ({} accounts)",
                total.asset,
                crate::ui::format::group_thousands(total.amount),
                total.accounts
            );
        }
        out
    }
}

fn position_line(position: &Position) -> PositionLine {
    let mut line = PositionLine {
        kind: String::new(),
        symbol: position.name().to_owned(),
        underlying: position.underlying().to_owned(),
        settlement: position.settlement().map(|s| {
            match s {
                Settlement::Linear => "linear",
                Settlement::Inverse => "inverse",
            }
            .to_owned()
        }),
        size: position.size(),
        contract_size: None,
        entry_price: None,
        leverage: None,
        isolated_margin: None,
        expiry: None,
        strike: None,
        right: None,
    };
    let kind = match position {
        Position::Spot(spot) => {
            line.entry_price = spot.cost_basis_usd;
            "spot"
        }
        Position::Perpetual(perp) => {
            line.contract_size = perp.contract_size;
            line.entry_price = Some(perp.entry_price);
            line.leverage = perp.leverage;
            line.isolated_margin = perp.isolated_margin;
            "perpetual"
        }
        Position::Future(future) => {
            line.contract_size = future.contract_size;
            line.entry_price = Some(future.entry_price);
            line.leverage = future.leverage;
            line.isolated_margin = future.isolated_margin;
            line.expiry = Some(future.expiry.to_string());
            "future"
        }
        Position::Option(option) => {
            line.contract_size = Some(option.contract_size);
            line.entry_price = option.entry_price;
            line.expiry = Some(option.expiry.to_string());
            line.strike = Some(option.strike);
            line.right = Some(
                match option.right {
                    OptionRight::Call => "call",
                    OptionRight::Put => "put",
                }
                .to_owned(),
            );
            "option"
        }
        Position::Supply(_) => "supply",
        Position::Borrow(_) => "borrow",
    };
    line.kind = kind.to_owned();
    line
}
