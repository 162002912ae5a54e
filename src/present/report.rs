//! The portfolio summary: what `riskdeck report` prints (text and JSON), built from the same
//! engine result the GUI's Margin panel shows.
//!
//! Later views (margin, timeline, stress) add their sections to [`Report`]; the JSON field names
//! are a stable interface documented in the README, so fields are only ever added.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use super::PriceLine;
use super::format::group_thousands;
use crate::engine::{MarginReport, PositionRisk};
use crate::model::{OptionRight, Portfolio, Position, PositionKind, Settlement};

/// The whole summary of one portfolio file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The file the portfolio was read from, as given on the command line.
    pub file: String,
    /// The moment every number is for, and what priced it.
    pub valuation: ValuationLine,
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
    /// Every priced position with the venue's margin numbers, in file order.
    pub positions: Vec<PositionRiskLine>,
    /// Cross-account totals.
    pub totals: TotalsLine,
    /// Exposure per underlying, largest gross notional first.
    pub exposures: Vec<ExposureLine>,
    /// What was left out of the totals, and why.
    pub excluded: Vec<ExcludedLine>,
    /// Assumptions the numbers rest on (a stablecoin at its peg, …).
    pub assumptions: Vec<String>,
    /// Warnings (the hidden risk of hedged books).
    pub warnings: Vec<String>,
    /// What the prices behind every figure are: the oldest one and how many are stale,
    /// stand-ins or manual, so a headline number never hides that it rests on old data.
    pub prices: PriceSummary,
}

/// The valuation time in the report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ValuationLine {
    /// The valuation time, RFC 3339 UTC.
    pub as_of: String,
    /// `now`, `history` (candle closes at a past time) or `bundled-history` (offline with
    /// nothing cached).
    pub basis: &'static str,
    /// True when the time is the file's own `valuation.as_of`.
    pub from_file: bool,
    /// The headline, as the GUI shows it.
    pub headline: String,
}

impl ValuationLine {
    /// The line of `valuation`.
    pub fn of(valuation: &crate::pricing::Valuation) -> Self {
        Self {
            as_of: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(valuation.at_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default(),
            basis: valuation.basis_name(),
            from_file: valuation.from_file,
            headline: valuation.headline(),
        }
    }
}

/// An Aave liquidation call, in the report (USD).
#[derive(Clone, Debug, Serialize)]
pub struct LiquidationCallLine {
    /// Debt asset repaid.
    pub debt_asset: String,
    /// Collateral asset seized.
    pub collateral_asset: String,
    /// Debt repaid (the close factor's limit, or less when the collateral cannot cover it).
    #[serde(with = "rust_decimal::serde::float")]
    pub debt_repaid_usd: Decimal,
    /// Collateral seized: debt repaid × liquidation bonus.
    #[serde(with = "rust_decimal::serde::float")]
    pub collateral_seized_usd: Decimal,
    /// The protocol's share of the bonus, when the reserve's fee is known.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub protocol_fee_usd: Option<Decimal>,
}

/// How an expired future was settled, in the report.
#[derive(Clone, Debug, Serialize)]
pub struct ExpiredLine {
    /// The expiry moment, RFC 3339 UTC (08:00 on the expiry date).
    pub expired_at: String,
    /// The settlement price used (the underlying's close at expiry).
    #[serde(with = "rust_decimal::serde::float")]
    pub settled_at: Decimal,
    /// Which close it is; the venue settles on a 30-minute average, so it is approximate.
    pub basis: String,
}

/// The state of the prices a report rests on.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PriceSummary {
    /// The position whose market price is oldest (`account symbol`), null when none is.
    pub oldest: Option<String>,
    /// Its source (`bundle`, `binance_futures`, …).
    pub oldest_source: Option<String>,
    /// Its age in seconds at the valuation time.
    pub oldest_age_seconds: Option<i64>,
    /// Positions whose price is older than the staleness threshold.
    pub stale: usize,
    /// Positions priced by a stand-in: their underlying's price (`via`).
    pub stand_in: usize,
    /// Positions priced by hand in the file.
    pub manual: usize,
    /// Positions priced from the bundled history.
    pub bundled: usize,
}

impl PriceSummary {
    /// The summary of `positions`' price lines.
    pub fn of(positions: &[PositionRiskLine]) -> Self {
        Self::from_lines(
            positions
                .iter()
                .filter_map(|p| Some((format!("{} {}", p.account, p.symbol), p.price.as_ref()?))),
        )
    }

    /// The summary of price lines named `account symbol` (what the GUI has at hand).
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = (String, &'a PriceLine)>) -> Self {
        let mut summary = Self::default();
        for (name, price) in lines {
            summary.stale += usize::from(price.stale);
            summary.stand_in += usize::from(price.via.is_some());
            summary.manual += usize::from(price.manual);
            summary.bundled += usize::from(price.source == "bundle");
            if let Some(age) = price.age_seconds
                && summary.oldest_age_seconds.is_none_or(|oldest| age > oldest)
            {
                summary.oldest = Some(name);
                summary.oldest_source = Some(price.source.clone());
                summary.oldest_age_seconds = Some(age);
            }
        }
        summary
    }

    /// `oldest 2 d (bundle, Binance cross BTCUSDT); 3 stale, 1 stand-in` for headlines.
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(age), Some(source), Some(what)) =
            (self.oldest_age_seconds, &self.oldest_source, &self.oldest)
        {
            parts.push(format!(
                "oldest {} ({source}, {what})",
                super::format::age(age)
            ));
        }
        if self.stale > 0 {
            parts.push(format!("{} STALE", self.stale));
        }
        if self.stand_in > 0 {
            parts.push(format!("{} stand-in", self.stand_in));
        }
        if self.manual > 0 {
            parts.push(format!("{} manual", self.manual));
        }
        if parts.is_empty() {
            "no market prices".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// A position with the venue's margin numbers. Money is in `margin_asset` unless the field
/// name says USD.
#[derive(Clone, Debug, Serialize)]
pub struct PositionRiskLine {
    /// Account label.
    pub account: String,
    /// Venue symbol (asset for spot and lending).
    pub symbol: String,
    /// Underlying coin.
    pub underlying: String,
    /// `spot`, `perpetual`, `future`, `option`, `supply` or `borrow`.
    pub kind: String,
    /// `long` or `short`.
    pub side: String,
    /// Signed size as in the file.
    #[serde(with = "rust_decimal::serde::float")]
    pub size: Decimal,
    /// Entry price (null for options and lending).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub entry_price: Option<Decimal>,
    /// Mark price used.
    #[serde(with = "rust_decimal::serde::float")]
    pub mark_price: Decimal,
    /// The instrument's price tick when the venue's rules give one (prices are shown to it).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub price_tick: Option<Decimal>,
    /// Absolute notional in USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub notional_usd: Decimal,
    /// Unit of the margin fields below.
    pub margin_asset: String,
    /// Initial margin.
    #[serde(with = "rust_decimal::serde::float")]
    pub initial_margin: Decimal,
    /// Maintenance margin.
    #[serde(with = "rust_decimal::serde::float")]
    pub maintenance_margin: Decimal,
    /// Unrealized PnL.
    #[serde(with = "rust_decimal::serde::float")]
    pub unrealized_pnl: Decimal,
    /// Liquidation price, null when none.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub liquidation_price: Option<Decimal>,
    /// Bankruptcy price where the venue defines one, else null.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub bankruptcy_price: Option<Decimal>,
    /// Signed move of the mark to the liquidation price, percent (null when none).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub distance_to_liquidation_pct: Option<Decimal>,
    /// The same in daily standard deviations (null until volatilities are known).
    pub distance_to_liquidation_sigma: Option<f64>,
    /// Maintenance-margin rate in force.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub mm_rate: Option<Decimal>,
    /// Table and tier used.
    pub tier: Option<String>,
    /// Source and date of the parameters.
    pub source: String,
    /// True when a formula is derived or a parameter is a stand-in.
    pub approximate: bool,
    /// Past its liquidation price, or in a liquidated account: being liquidated.
    pub liquidated: bool,
    /// Maintenance margin ÷ equity of its margin pool (100 % = liquidation), comparable
    /// across venues; null when equity is at or below zero.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub maintenance_usage: Option<Decimal>,
    /// How the numbers were computed.
    pub explanation: Vec<String>,
    /// Where the price came from and how old it is.
    pub price: Option<PriceLine>,
    /// Set for a dated future expired at the valuation time: where it settled (its payoff
    /// is `unrealized_pnl`, now in the wallet; it has no margin, notional or liquidation).
    pub expired: Option<ExpiredLine>,
}

/// Cross-account totals.
#[derive(Clone, Debug, Serialize)]
pub struct TotalsLine {
    /// Sum of account equities, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub equity_usd: Decimal,
    /// Sum of gross notionals over underlyings, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub gross_notional_usd: Decimal,
    /// Sum over underlyings of the absolute net notional, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_notional_usd: Decimal,
    /// Gross notional / equity.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub gross_leverage: Option<Decimal>,
    /// Net notional / equity.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub net_leverage: Option<Decimal>,
    /// Label of the account liquidated by the smallest uniform move.
    pub weakest_account: Option<String>,
    /// That move, percent.
    pub weakest_move_pct: Option<f64>,
    /// Positions within 10 % of their liquidation price.
    pub positions_near_liquidation: usize,
    /// Positions already past their liquidation price (or in a liquidated account).
    pub positions_liquidated: usize,
    /// Accounts at or below their maintenance margin (Aave: health factor below 1).
    pub accounts_liquidated: usize,
}

/// Exposure to one underlying.
#[derive(Clone, Debug, Serialize)]
pub struct ExposureLine {
    /// Underlying coin.
    pub underlying: String,
    /// Signed size in coins.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_size: Decimal,
    /// Signed notional, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_notional_usd: Decimal,
    /// Sum of absolute leg notionals, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub gross_notional_usd: Decimal,
    /// Per account.
    pub by_account: Vec<ExposureShareLine>,
}

/// One account's share of an exposure.
#[derive(Clone, Debug, Serialize)]
pub struct ExposureShareLine {
    /// Account label.
    pub account: String,
    /// Venue identifier.
    pub venue: String,
    /// Signed size in coins.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_size: Decimal,
    /// Signed notional, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_notional_usd: Decimal,
}

/// Something left out of the totals.
#[derive(Clone, Debug, Serialize)]
pub struct ExcludedLine {
    /// Where in the file.
    pub path: String,
    /// Why.
    pub reason: String,
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
    /// Asset `wallet_balance` is in.
    pub margin_asset: String,
    /// Collateral before unrealized PnL, in `margin_asset`.
    #[serde(with = "rust_decimal::serde::float")]
    pub wallet_balance: Decimal,
    /// Collateral plus unrealized PnL, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub equity_usd: Decimal,
    /// Initial margin, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub initial_margin_usd: Decimal,
    /// Maintenance margin, USD (Aave: the equity cushion Σ collateral × (1 − LT)).
    #[serde(with = "rust_decimal::serde::float")]
    pub maintenance_margin_usd: Decimal,
    /// The venue's own margin ratio (see `margin_ratio_definition`); null for Aave and spot.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub margin_ratio: Option<Decimal>,
    /// How the venue defines it.
    pub margin_ratio_definition: String,
    /// Equity minus initial margin, USD.
    #[serde(with = "rust_decimal::serde::float")]
    pub free_collateral_usd: Decimal,
    /// Gross notional / equity.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub leverage: Option<Decimal>,
    /// Aave health factor (null elsewhere, and for Aave without debt).
    #[serde(with = "rust_decimal::serde::float_option")]
    pub health_factor: Option<Decimal>,
    /// Uniform move of every underlying, percent, that liquidates the account (null if none).
    pub liquidation_move_pct: Option<f64>,
    /// True when any of the account's numbers is approximate.
    pub approximate: bool,
    /// At or below its maintenance margin (Aave: health factor below 1; isolated: a position
    /// past its liquidation price): being liquidated.
    pub liquidated: bool,
    /// The state of the prices this account's figures rest on (its oldest, stale, stand-in).
    pub prices: PriceSummary,
    /// Aave: the most debt one liquidation call may repay at this health factor (v3.3 close
    /// factor), USD; null elsewhere.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub max_liquidatable_debt_usd: Option<Decimal>,
    /// Aave: that largest call — the reserves it repays and seizes, the debt repaid, the
    /// collateral seized with the bonus and the protocol's fee (null when not known).
    pub liquidation_call: Option<LiquidationCallLine>,
    /// Maintenance margin ÷ equity (Aave: 1 / health factor; isolated: the worst position's),
    /// 100 % = liquidation, the same definition at every venue; null when equity ≤ 0.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub maintenance_usage: Option<Decimal>,
    /// Isolated accounts: the symbol whose usage `maintenance_usage` is.
    pub maintenance_usage_of: Option<String>,
    /// Which way the venue's own `margin_ratio` gets worse: `higher_is_worse`,
    /// `lower_is_worse` (OKX: equity ÷ MM), or null when the venue has none.
    pub margin_ratio_direction: Option<&'static str>,
    /// How the numbers were computed.
    pub explanation: Vec<String>,
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
    /// Builds the summary from an analysis already computed, with price ages measured to
    /// the valuation time the prices were taken for.
    pub fn with_analysis(
        file: &str,
        portfolio: &Portfolio,
        analysis: &MarginReport,
        valuation: &crate::pricing::Valuation,
    ) -> Self {
        let mut report = Self::build(file, portfolio, analysis, valuation.at_ms);
        report.valuation = ValuationLine::of(valuation);
        report.prices = PriceSummary::of(&report.positions);
        for account in &mut report.accounts {
            account.prices = PriceSummary::from_lines(
                report
                    .positions
                    .iter()
                    .filter(|p| p.account == account.label)
                    .filter_map(|p| Some((p.symbol.clone(), p.price.as_ref()?))),
            );
        }
        report
    }

    fn build(
        file: &str,
        portfolio: &Portfolio,
        analysis: &MarginReport,
        valued_at_ms: i64,
    ) -> Self {
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
            valuation: ValuationLine::of(&crate::pricing::Valuation::now(valued_at_ms)),
            name: portfolio.name.clone(),
            format_version: portfolio.format_version,
            base_currency: "USD".to_owned(),
            notes: portfolio.notes.clone(),
            accounts: portfolio
                .accounts
                .iter()
                .zip(&analysis.accounts)
                .map(|(account, risk)| AccountReport {
                    margin_asset: risk.margin_asset.to_string(),
                    wallet_balance: risk.wallet_balance,
                    equity_usd: risk.equity_usd,
                    initial_margin_usd: risk.initial_margin_usd,
                    maintenance_margin_usd: risk.maintenance_margin_usd,
                    margin_ratio: risk.margin_ratio,
                    margin_ratio_definition: risk.margin_ratio_definition.to_owned(),
                    free_collateral_usd: risk.free_collateral_usd,
                    leverage: risk.leverage,
                    health_factor: risk.health_factor,
                    liquidation_move_pct: risk.liquidation_move_pct,
                    approximate: risk.approximate,
                    liquidated: risk.liquidated,
                    prices: PriceSummary::default(),
                    max_liquidatable_debt_usd: risk
                        .liquidation_call
                        .as_ref()
                        .map(|c| c.max_liquidatable_debt_usd),
                    liquidation_call: risk.liquidation_call.as_ref().map(|c| LiquidationCallLine {
                        debt_asset: c.debt_asset.clone(),
                        collateral_asset: c.collateral_asset.clone(),
                        debt_repaid_usd: c.debt_repaid_usd,
                        collateral_seized_usd: c.collateral_seized_usd,
                        protocol_fee_usd: c.protocol_fee_usd,
                    }),
                    maintenance_usage: risk.maintenance_usage,
                    maintenance_usage_of: risk.maintenance_usage_of.clone(),
                    margin_ratio_direction: match crate::engine::margin::spec(account.venue).ratio {
                        crate::venues::MarginRatio::MaintenanceOverEquity => {
                            Some("higher_is_worse")
                        }
                        crate::venues::MarginRatio::EquityOverMaintenance => Some("lower_is_worse"),
                        crate::venues::MarginRatio::None => None,
                    },
                    explanation: risk.notes.clone(),
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
            positions: analysis
                .positions
                .iter()
                .map(|risk| position_risk_line(risk, valued_at_ms))
                .collect(),
            totals: TotalsLine {
                equity_usd: analysis.totals.equity_usd,
                gross_notional_usd: analysis.totals.gross_notional_usd,
                net_notional_usd: analysis.totals.net_notional_usd,
                gross_leverage: analysis.totals.gross_leverage,
                net_leverage: analysis.totals.net_leverage,
                weakest_account: analysis.totals.weakest_account.clone(),
                weakest_move_pct: analysis.totals.weakest_move_pct,
                positions_near_liquidation: analysis.totals.positions_near_liquidation,
                positions_liquidated: analysis.totals.positions_liquidated,
                accounts_liquidated: analysis.totals.accounts_liquidated,
            },
            exposures: analysis
                .exposures
                .iter()
                .map(|e| ExposureLine {
                    underlying: e.underlying.clone(),
                    net_size: e.net_size,
                    net_notional_usd: e.net_notional_usd,
                    gross_notional_usd: e.gross_notional_usd,
                    by_account: e
                        .by_account
                        .iter()
                        .map(|s| ExposureShareLine {
                            account: s.account.clone(),
                            venue: s.venue.file_name().to_owned(),
                            net_size: s.net_size,
                            net_notional_usd: s.net_notional_usd,
                        })
                        .collect(),
                })
                .collect(),
            excluded: analysis
                .excluded
                .iter()
                .map(|e| ExcludedLine {
                    path: e.path.clone(),
                    reason: e.reason.clone(),
                })
                .collect(),
            assumptions: analysis.assumptions.clone(),
            warnings: analysis.warnings.clone(),
            prices: PriceSummary::default(),
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
        let _ = writeln!(out, "{}", self.valuation.headline);
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
                    group_thousands(collateral.amount),
                    collateral.asset
                );
            }
            for position in &account.positions {
                let entry = position
                    .entry_price
                    .map(|price| format!(" @ {}", group_thousands(price)))
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
                    group_thousands(position.size),
                );
            }
        }
        self.margin_text(&mut out);
        let _ = writeln!(out, "\nCollateral totals");
        for total in &self.collateral_totals {
            let _ = writeln!(
                out,
                "  {:<8} {:>24}  ({} accounts)",
                total.asset,
                group_thousands(total.amount),
                total.accounts
            );
        }
        out
    }
}

/// A book's leverage, or "equity ≤ 0" when there is no positive equity to lever.
pub fn total_leverage(equity_usd: Decimal, leverage: Option<Decimal>) -> String {
    if equity_usd <= Decimal::ZERO {
        "equity ≤ 0".to_owned()
    } else {
        super::format::leverage(leverage)
    }
}

/// Why an account is shown as liquidated, in words.
pub fn liquidated_reason(account: &AccountReport) -> &'static str {
    if account.margin_mode == "isolated" {
        "LIQUIDATED (a position is past its liquidation price)"
    } else if account.health_factor.is_some() {
        "LIQUIDATED (health factor below 1)"
    } else {
        "LIQUIDATED (equity at or below maintenance margin)"
    }
}

/// The file name of a position kind, as the JSON writes it.
pub fn kind_name(kind: PositionKind) -> &'static str {
    match kind {
        PositionKind::Spot => "spot",
        PositionKind::Perpetual => "perpetual",
        PositionKind::Future => "future",
        PositionKind::Option => "option",
        PositionKind::Supply => "supply",
        PositionKind::Borrow => "borrow",
    }
}

impl Report {
    /// The margin section of the text report (`~` marks an approximate number).
    fn margin_text(&self, out: &mut String) {
        use super::format::{
            NONE, health, leverage, money, price, price_or_none, ratio_pct, signed_pct,
            signed_pct_decimal,
        };
        let _ = writeln!(
            out,
            "\nMargin (~ = approximate; [where each price came from, its age])"
        );
        let _ = writeln!(out, "  Prices: {}", self.prices.headline());
        for account in &self.accounts {
            let _ = writeln!(
                out,
                "  {}{}: equity {} USD, MM {} USD, MM usage {}, venue margin ratio {}, leverage {}, {}, {}; prices: {}",
                account.label,
                if account.approximate { " ~" } else { "" },
                money(account.equity_usd),
                money(account.maintenance_margin_usd),
                match (&account.maintenance_usage, &account.maintenance_usage_of) {
                    (Some(usage), Some(of)) => format!("{} ({of})", ratio_pct(*usage)),
                    (Some(usage), None) => ratio_pct(*usage),
                    (None, _) if account.equity_usd > Decimal::ZERO => {
                        "none (nothing margined)".to_owned()
                    }
                    (None, _) => "none (equity ≤ 0)".to_owned(),
                },
                account
                    .margin_ratio
                    .map_or_else(|| NONE.to_owned(), ratio_pct),
                if account.equity_usd <= Decimal::ZERO {
                    "none (equity ≤ 0)".to_owned()
                } else {
                    leverage(account.leverage)
                },
                account
                    .health_factor
                    .map_or_else(|| format!("HF {NONE}"), health),
                if account.liquidated {
                    liquidated_reason(account).to_owned()
                } else {
                    format!(
                        "liquidated by a {} move",
                        account
                            .liquidation_move_pct
                            .map_or_else(|| NONE.to_owned(), signed_pct)
                    )
                },
                account.prices.headline(),
            );
        }
        for p in &self.positions {
            let _ = writeln!(
                out,
                "  {:<16} {:<18} mark {:>14}  IM {:>14}  MM {:>14} {:<5} liq {:>14} ({}){}  [{}]",
                p.account,
                p.symbol,
                price(p.mark_price, p.price_tick),
                price(p.initial_margin, None),
                price(p.maintenance_margin, None),
                p.margin_asset,
                price_or_none(p.liquidation_price, p.price_tick),
                if let Some(expired) = &p.expired {
                    format!(
                        "expired — settled at {}",
                        price(expired.settled_at, p.price_tick)
                    )
                } else if p.liquidated {
                    "LIQUIDATED".to_owned()
                } else {
                    p.distance_to_liquidation_pct
                        .map_or_else(|| NONE.to_owned(), signed_pct_decimal)
                },
                if p.approximate { " ~" } else { "" },
                p.price
                    .as_ref()
                    .map_or_else(|| "derived price".to_owned(), PriceLine::summary),
            );
        }
        let t = &self.totals;
        let _ = writeln!(
            out,
            "  Total equity {} USD, gross {} USD ({}), net {} USD ({}); weakest: {}",
            money(t.equity_usd),
            money(t.gross_notional_usd),
            total_leverage(t.equity_usd, t.gross_leverage),
            money(t.net_notional_usd),
            total_leverage(t.equity_usd, t.net_leverage),
            match (&t.weakest_account, t.weakest_move_pct) {
                (Some(label), Some(m)) => format!("{label} at {}", signed_pct(m)),
                _ if t.accounts_liquidated > 0 => "every other account is safe".to_owned(),
                _ => "none can be liquidated".to_owned(),
            }
        );
        if t.accounts_liquidated > 0 || t.positions_liquidated > 0 {
            let _ = writeln!(
                out,
                "  LIQUIDATED: {} account(s), {} position(s) at or past their liquidation price",
                t.accounts_liquidated, t.positions_liquidated
            );
        }
        for exposure in &self.exposures {
            let _ = writeln!(
                out,
                "  exposure {:<6} net {:>14} ({} USD), gross {} USD",
                exposure.underlying,
                group_thousands(exposure.net_size.round_dp(6)),
                super::format::money(exposure.net_notional_usd),
                super::format::money(exposure.gross_notional_usd)
            );
        }
        for excluded in &self.excluded {
            let _ = writeln!(out, "  excluded {}: {}", excluded.path, excluded.reason);
        }
        for line in self.assumptions.iter().chain(&self.warnings) {
            let _ = writeln!(out, "  note: {line}");
        }
    }
}

fn position_risk_line(risk: &PositionRisk, valued_at_ms: i64) -> PositionRiskLine {
    PositionRiskLine {
        account: risk.account.to_string(),
        symbol: risk.symbol.to_string(),
        underlying: risk.underlying.to_string(),
        kind: kind_name(risk.kind).to_owned(),
        side: risk.side.name().to_owned(),
        size: risk.size,
        entry_price: risk.entry_price,
        mark_price: risk.mark_price,
        price_tick: risk.price_tick,
        notional_usd: risk.notional_usd,
        margin_asset: risk.margin_asset.to_string(),
        initial_margin: risk.initial_margin,
        maintenance_margin: risk.maintenance_margin,
        unrealized_pnl: risk.unrealized_pnl,
        liquidation_price: risk.liquidation_price,
        bankruptcy_price: risk.bankruptcy_price,
        distance_to_liquidation_pct: risk.distance_to_liquidation_pct,
        distance_to_liquidation_sigma: risk.distance_to_liquidation_sigma,
        mm_rate: risk.mm_rate,
        tier: risk.tier.as_ref().map(ToString::to_string),
        source: risk.source.to_string(),
        approximate: risk.approximate,
        liquidated: risk.liquidated,
        maintenance_usage: risk.maintenance_usage,
        explanation: risk.explanation(),
        price: PriceLine::of(risk, valued_at_ms),
        expired: risk.expired.as_ref().map(|e| ExpiredLine {
            expired_at: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(e.expiry_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            settled_at: e.settled_at,
            basis: e.basis.to_string(),
        }),
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
