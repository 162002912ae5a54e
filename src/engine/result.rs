//! The plain result structs the margin engine returns; the CLI serializes them and the GUI draws
//! them, so both show the same numbers.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::market::PriceSource;
use crate::model::params::TierBasis;
use crate::model::{MarginMode, PositionKind, Venue};

/// Long or short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Gains when the price rises (positive size, supplied asset).
    Long,
    /// Gains when the price falls (negative size, borrowed asset).
    Short,
}

impl Side {
    /// `long` or `short`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Long => "long",
            Self::Short => "short",
        }
    }
}

/// The venue's numbers for one position.
#[derive(Clone, Debug)]
pub struct PositionRisk {
    /// Index of the account in the file.
    pub account_index: usize,
    /// Index of the position within its account.
    pub position_index: usize,
    /// Account label (shared by the account's rows).
    pub account: Arc<str>,
    /// Venue symbol (asset for spot and lending).
    pub symbol: Arc<str>,
    /// Underlying coin (after wrapped-token aliases: `WETH` → `ETH`).
    pub underlying: Arc<str>,
    /// Kind of position.
    pub kind: PositionKind,
    /// Long or short.
    pub side: Side,
    /// Signed size as written in the file.
    pub size: Decimal,
    /// Entry price, if the file gives one.
    pub entry_price: Option<Decimal>,
    /// Mark price used, quote units per coin (USD for spot and lending).
    pub mark_price: Decimal,
    /// The mark is at or past the liquidation price (a long at or below it, a short at or
    /// above it), or the position's account is liquidated: the venue has taken it over, so no
    /// distance is given.
    pub liquidated: bool,
    /// Maintenance margin ÷ equity of the margin pool the position is in (its own pool when
    /// isolated; Aave: 1 / health factor): one comparable figure for every venue, 100 % is
    /// liquidation. `None` when equity is at or below zero.
    pub maintenance_usage: Option<Decimal>,
    /// The instrument's price tick when the venue's rules give one (from its [`VenueSpec`]);
    /// prices are shown to it.
    ///
    /// [`VenueSpec`]: crate::venues::VenueSpec
    pub price_tick: Option<Decimal>,
    /// Absolute notional in USD.
    pub notional_usd: Decimal,
    /// Asset the margin numbers below are in (`USDT`, `BTC`, `USD`).
    pub margin_asset: Arc<str>,
    /// Initial margin, in `margin_asset`.
    pub initial_margin: Decimal,
    /// Maintenance margin, in `margin_asset`.
    pub maintenance_margin: Decimal,
    /// Unrealized PnL, in `margin_asset`.
    pub unrealized_pnl: Decimal,
    /// Mark price at which the venue liquidates (others held at their marks), if any.
    pub liquidation_price: Option<Decimal>,
    /// Price at which the position's margin is exhausted, where the venue defines one.
    pub bankruptcy_price: Option<Decimal>,
    /// Signed move of the mark to the liquidation price, in percent (−12.5 = a 12.5 % fall).
    pub distance_to_liquidation_pct: Option<Decimal>,
    /// The same distance in daily standard deviations, when a volatility is known.
    pub distance_to_liquidation_sigma: Option<f64>,
    /// Maintenance-margin rate in force (tier MMR plus fee where counted).
    pub mm_rate: Option<Decimal>,
    /// The table and tier used; shown as `BTCUSDT tier 2 of 12`.
    pub tier: Option<TierUsed>,
    /// Source and date of the parameters used.
    pub source: Arc<str>,
    /// True when a formula is derived or a parameter is a stand-in.
    pub approximate: bool,
    /// Where the price used came from (`None` when the row's price is derived, as for
    /// lending rows).
    pub price_source: Option<PriceSource>,
    /// Set when the contract has no price of its own: the underlying whose price stands in.
    pub price_via: Option<Arc<str>>,
    /// Set for a dated future that expired before the valuation time: where it settled. Its
    /// payoff is in `unrealized_pnl` (realized, in the wallet); it has no margin or notional.
    /// Boxed: rare, and every row would otherwise carry its size through the engine's moves.
    pub expired: Option<Box<super::expiry::Expiry>>,
    /// Explanations for tooltips: formulas with numbers, stand-ins, assumptions. Kept as
    /// numbers and shared text; [`PositionRisk::explanation`] writes them out.
    pub notes: Vec<Note>,
}

impl PositionRisk {
    /// The explanation lines, written out (tooltips, the JSON `explanation` array).
    pub fn explanation(&self) -> Vec<String> {
        self.notes
            .iter()
            .map(|note| note.render(&self.margin_asset))
            .collect()
    }
}

/// The rule a position's maintenance margin came from: a table's tier or a named rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierUsed {
    /// Table or rule name (`BTCUSDT`, `deribit-btc-inverse`).
    pub name: Arc<str>,
    /// Zero-based tier index and the number of tiers in force; `None` for rules without tiers.
    pub tier: Option<(usize, usize)>,
}

impl fmt::Display for TierUsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tier {
            Some((index, count)) => write!(f, "{} tier {} of {count}", self.name, index + 1),
            None => f.write_str(&self.name),
        }
    }
}

/// The numbers of a maintenance-margin formula, for its explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmFormula {
    /// What the rate applies to (see [`TierBasis`]); `None` for size-scaled rules.
    pub basis: Option<TierBasis>,
    /// The amount the rate multiplies: notional at the mark, or position value at entry
    /// (margin asset).
    pub base: Decimal,
    /// Rate in force, as a fraction (tier MMR plus fee where counted).
    pub rate: Decimal,
    /// Maintenance amount (cum / MMD) subtracted, margin asset.
    pub deduction: Decimal,
    /// Fee rate included in `rate` (OKX).
    pub fee_rate: Decimal,
    /// Contracts held (OKX tiers count them).
    pub contracts: Decimal,
    /// The resulting maintenance margin, margin asset.
    pub maintenance_margin: Decimal,
}

/// One line of a position's explanation. The engine stores numbers and shared text and
/// writes sentences only when they are shown: a 1,000-position analysis then formats nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Fixed text.
    Static(&'static str),
    /// Text shared by every position on the same rule (stand-ins, table notes).
    Shared(Arc<str>),
    /// The maintenance-margin formula with the position's numbers.
    Maintenance(MmFormula),
    /// Isolated liquidation: where the isolated margin (margin asset) plus PnL equals MM.
    IsolatedLiquidation {
        /// Isolated margin, margin asset.
        margin: Decimal,
    },
    /// Cross liquidation at this price, other positions held at their marks.
    PoolLiquidation {
        /// Liquidation price.
        price: Decimal,
    },
    /// Bybit inverse cross counts the closing fee at the bankruptcy price.
    BybitClosingFee {
        /// Taker fee rate, fraction.
        fee_rate: Decimal,
    },
}

impl From<&'static str> for Note {
    fn from(text: &'static str) -> Self {
        Self::Static(text)
    }
}

impl From<String> for Note {
    fn from(text: String) -> Self {
        Self::Shared(text.into())
    }
}

impl Note {
    /// The sentence, with money in `asset`.
    pub fn render(&self, asset: &str) -> String {
        let percent = |rate: Decimal| (rate * Decimal::ONE_HUNDRED).round_dp(6).normalize();
        match self {
            Self::Static(text) => (*text).to_owned(),
            Self::Shared(text) => text.to_string(),
            Self::Maintenance(m) => {
                let base = m.base.round_dp(4);
                let mm = m.maintenance_margin.round_dp(4);
                let rate = percent(m.rate);
                let deduction = m.deduction.normalize();
                match m.basis {
                    Some(TierBasis::Notional) => format!(
                        "MM = notional {base} × {rate}% − maintenance amount {deduction} = {mm} {asset}"
                    ),
                    Some(TierBasis::EntryValue) => format!(
                        "MM = position value at entry {base} × {rate}% − MMD {deduction} = {mm} {asset}"
                    ),
                    Some(TierBasis::Contracts) => format!(
                        "MM = notional {base} × ({rate}% MMR incl. {}% fee) = {mm} {asset} \
                         (tier by {} contracts)",
                        percent(m.fee_rate),
                        m.contracts
                    ),
                    None => format!("MM = notional {base} × {rate}% = {mm} {asset}"),
                }
            }
            Self::IsolatedLiquidation { margin } => format!(
                "Liquidation where isolated margin {} {asset} plus PnL equals maintenance margin.",
                margin.round_dp(2)
            ),
            Self::PoolLiquidation { price } => format!(
                "Liquidation at {}: where the pool's equity equals its maintenance margin, other \
                 positions held at their marks.",
                price.round_dp(4)
            ),
            Self::BybitClosingFee { fee_rate } => format!(
                "Bybit inverse cross: closing fee at {fee_rate} counted at the bankruptcy price \
                 (venue-margin.md §3.4)."
            ),
        }
    }
}

/// The venue's numbers for one account.
#[derive(Clone, Debug)]
pub struct AccountRisk {
    /// Aave: the largest liquidation one call may make at the current health factor (the
    /// v3.3 close factor), with the collateral it seizes; `None` elsewhere or without debt.
    pub liquidation_call: Option<LiquidationCall>,
    /// Index of the account in the file.
    pub index: usize,
    /// Label.
    pub label: String,
    /// Venue.
    pub venue: Venue,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Asset `wallet_balance` is in (`USD` when the account mixes pools).
    pub margin_asset: String,
    /// Collateral before unrealized PnL, in `margin_asset`.
    pub wallet_balance: Decimal,
    /// Collateral (with haircuts) plus unrealized PnL, in USD.
    pub equity_usd: Decimal,
    /// Initial margin in USD.
    pub initial_margin_usd: Decimal,
    /// Maintenance margin in USD (Aave: the equity cushion `Σ collateral × (1 − LT)`).
    pub maintenance_margin_usd: Decimal,
    /// The venue's own margin ratio (see `margin_ratio_definition`); `None` where the venue has
    /// none (Aave uses the health factor, spot wallets have no margin).
    pub margin_ratio: Option<Decimal>,
    /// How `margin_ratio` is defined and where the venue liquidates.
    pub margin_ratio_definition: &'static str,
    /// Equity minus initial margin, in USD.
    pub free_collateral_usd: Decimal,
    /// Gross position notional over equity.
    pub leverage: Option<Decimal>,
    /// Aave health factor.
    pub health_factor: Option<Decimal>,
    /// Aave: how much more can be borrowed, in USD.
    pub available_borrows_usd: Option<Decimal>,
    /// Uniform move of every underlying (in percent) that brings the account to liquidation:
    /// the smallest in size of the downward and upward solutions; `None` when none exists
    /// within −99.9 % .. +900 %.
    pub liquidation_move_pct: Option<f64>,
    /// True when any number of the account is approximate.
    pub approximate: bool,
    /// Equity at or below maintenance margin (cross and portfolio accounts), or an Aave health
    /// factor below 1: the venue is liquidating it. No move to liquidation is given, and with
    /// equity at or below zero no leverage or margin ratio either.
    pub liquidated: bool,
    /// Maintenance margin ÷ equity (Aave: 1 / health factor; isolated: the worst position's,
    /// named in `maintenance_usage_of`): 100 % is liquidation, comparable across venues, unlike
    /// `margin_ratio`. `None` when equity is at or below zero.
    pub maintenance_usage: Option<Decimal>,
    /// Isolated accounts: the position whose usage `maintenance_usage` is.
    pub maintenance_usage_of: Option<String>,
    /// Explanations for tooltips.
    pub notes: Vec<String>,
}

/// One account's share of an underlying's exposure.
#[derive(Clone, Debug)]
pub struct ExposureShare {
    /// Account label.
    pub account: String,
    /// Venue.
    pub venue: Venue,
    /// Signed size in coins.
    pub net_size: Decimal,
    /// Signed notional in USD.
    pub net_notional_usd: Decimal,
    /// Sum of the absolute notionals of its legs, in USD.
    pub gross_notional_usd: Decimal,
}

/// Exposure to one underlying across all accounts.
#[derive(Clone, Debug)]
pub struct Exposure {
    /// Underlying coin.
    pub underlying: String,
    /// USD price used.
    pub price_usd: Decimal,
    /// Signed size in coins: spot, collateral, supplied minus borrowed, perpetuals and futures.
    pub net_size: Decimal,
    /// `net_size × price`.
    pub net_notional_usd: Decimal,
    /// Sum of absolute leg notionals.
    pub gross_notional_usd: Decimal,
    /// Per account, in file order.
    pub by_account: Vec<ExposureShare>,
}

/// The portfolio-wide numbers.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    /// Sum of account equities in USD.
    pub equity_usd: Decimal,
    /// Sum over underlyings of gross notional.
    pub gross_notional_usd: Decimal,
    /// Sum over underlyings of the absolute net notional.
    pub net_notional_usd: Decimal,
    /// Gross notional over equity.
    pub gross_leverage: Option<Decimal>,
    /// Net notional over equity.
    pub net_leverage: Option<Decimal>,
    /// Label of the account with the smallest liquidation move.
    pub weakest_account: Option<String>,
    /// That account's move, in percent.
    pub weakest_move_pct: Option<f64>,
    /// Positions whose liquidation price is within [`NEAR_LIQUIDATION_PCT`] of the mark.
    pub positions_near_liquidation: usize,
    /// Positions already past their liquidation price (or in a liquidated account).
    pub positions_liquidated: usize,
    /// Accounts already at or below their maintenance margin (Aave: health factor below 1).
    pub accounts_liquidated: usize,
}

/// Distance (percent of mark) within which a position counts as near liquidation.
pub const NEAR_LIQUIDATION_PCT: Decimal = Decimal::TEN;

/// Something left out of a total, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excluded {
    /// Where in the file: `accounts[0].positions[2]`.
    pub path: String,
    /// Why, and what would include it.
    pub reason: String,
}

/// Everything the margin engine computes for one portfolio.
#[derive(Clone, Debug, Default)]
pub struct MarginReport {
    /// Priced positions, in file order.
    pub positions: Vec<PositionRisk>,
    /// Accounts, in file order.
    pub accounts: Vec<AccountRisk>,
    /// Cross-account totals.
    pub totals: Totals,
    /// Exposure per underlying, largest gross first.
    pub exposures: Vec<Exposure>,
    /// What was left out and why.
    pub excluded: Vec<Excluded>,
    /// Assumptions made (a stablecoin at its peg, …), each once.
    pub assumptions: Vec<String>,
    /// Warnings for the user (hidden risk of hedged books).
    pub warnings: Vec<String>,
}

/// One Aave liquidation call at the account's health factor: the debt reserve repaid, the
/// collateral reserve seized, and how much (Aave v3.3 `LiquidationLogic`, venue-margin.md §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiquidationCall {
    /// The debt asset repaid.
    pub debt_asset: String,
    /// The collateral asset seized.
    pub collateral_asset: String,
    /// The most debt one call may repay by the close factor, USD: 50 % of the total debt when
    /// both this collateral reserve and this debt reserve are worth at least 2,000 USD and the
    /// health factor is above 0.95, else the whole debt of the reserve.
    pub max_liquidatable_debt_usd: Decimal,
    /// The debt repaid, USD: the maximum, or less when the collateral reserve cannot cover
    /// it with the bonus.
    pub debt_repaid_usd: Decimal,
    /// Collateral seized, USD: debt repaid × liquidation bonus.
    pub collateral_seized_usd: Decimal,
    /// The protocol's cut of the bonus, USD, when the reserve's fee is known.
    pub protocol_fee_usd: Option<Decimal>,
}

impl AccountRisk {
    /// Whether the account's initial margin exceeds its (positive) equity at a venue with a
    /// margin ratio: it could not have opened these positions.
    pub fn is_over_committed(&self) -> bool {
        crate::engine::margin::spec(self.venue).ratio != crate::venues::MarginRatio::None
            && self.equity_usd > Decimal::ZERO
            && self.initial_margin_usd > self.equity_usd
    }

    /// The row of an account the engine could not compute: every figure zero or absent, and
    /// marked approximate so nothing reads as a healthy number.
    pub fn excluded(index: usize, account: &crate::model::Account) -> Self {
        Self {
            liquidation_call: None,
            index,
            label: account.label.clone(),
            venue: account.venue,
            margin_mode: account.margin_mode,
            margin_asset: "USD".to_owned(),
            wallet_balance: Decimal::ZERO,
            equity_usd: Decimal::ZERO,
            initial_margin_usd: Decimal::ZERO,
            maintenance_margin_usd: Decimal::ZERO,
            margin_ratio: None,
            margin_ratio_definition: crate::engine::margin::spec(account.venue).ratio_definition,
            free_collateral_usd: Decimal::ZERO,
            leverage: None,
            health_factor: None,
            available_borrows_usd: None,
            liquidation_move_pct: None,
            approximate: true,
            liquidated: false,
            maintenance_usage: None,
            maintenance_usage_of: None,
            notes: vec!["Not computed: a decimal overflowed (see excluded).".to_owned()],
        }
    }
}

impl MarginReport {
    /// Warns about accounts whose initial margin exceeds their equity: they could not have
    /// opened these positions (a venue refuses the order), so the file or the prices are
    /// wrong, and the margin numbers rest on collateral that is not there.
    fn flag_over_committed(&mut self) {
        for account in &mut self.accounts {
            if account.is_over_committed() {
                let line = format!(
                    "Over-committed: \"{}\" needs {} USD of initial margin with {} USD of \
                     equity; it could not have opened these positions.",
                    account.label,
                    account.initial_margin_usd.round_dp(2),
                    account.equity_usd.round_dp(2)
                );
                account.notes.push(line.clone());
                self.warnings.push(line);
            }
        }
    }

    /// Marks what is already liquidated, so no number of it reads as healthy: a position whose
    /// mark is at or past its liquidation price; an account whose equity is at or below its
    /// maintenance margin (venues with a margin ratio, not in isolated mode), whose Aave health
    /// factor is below 1, or (isolated mode) one of whose positions is liquidated; and every
    /// position of a liquidated cross account. Liquidated rows lose their distance and move to
    /// liquidation; an account with equity at or below zero loses its leverage and margin ratio
    /// (a reader could take them for healthy).
    pub fn flag_liquidated(&mut self) {
        self.flag_over_committed();
        for position in &mut self.positions {
            position.liquidated = match (position.liquidation_price, position.side) {
                (Some(lp), Side::Long) => position.mark_price <= lp,
                (Some(lp), Side::Short) => position.mark_price >= lp,
                (None, _) => false,
            };
        }
        let liquidated_accounts: std::collections::BTreeSet<usize> = self
            .positions
            .iter()
            .filter(|p| p.liquidated)
            .map(|p| p.account_index)
            .collect();
        for account in &mut self.accounts {
            let has_ratio = crate::engine::margin::spec(account.venue).ratio
                != crate::venues::MarginRatio::None;
            let by_margin = has_ratio
                && account.margin_mode != MarginMode::Isolated
                && account.equity_usd <= account.maintenance_margin_usd
                && (account.maintenance_margin_usd > Decimal::ZERO
                    || account.equity_usd < Decimal::ZERO);
            let by_health = account.health_factor.is_some_and(|hf| hf < Decimal::ONE);
            // Isolated positions, and coin pools of inverse-only venues (each coin margins its
            // own contracts), liquidate on their own: the account is as weak as its weakest.
            let pooled_apart = account.margin_mode == MarginMode::Isolated
                || crate::engine::margin::spec(account.venue).inverse_only;
            let by_position = pooled_apart && liquidated_accounts.contains(&account.index);
            account.liquidated = by_margin || by_health || by_position;
            if account.liquidated {
                account.liquidation_move_pct = None;
                account.notes.push(if by_position {
                    "A position (or a coin pool) is past its liquidation price: the venue is \
                     liquidating it."
                        .to_owned()
                } else {
                    "Equity is at or below the maintenance margin: the venue is liquidating the \
                     account."
                        .to_owned()
                });
            }
            if account.equity_usd <= Decimal::ZERO {
                account.leverage = None;
                account.margin_ratio = None;
            }
        }
        // Cross accounts being liquidated, by file index (looked up once per position).
        let mut cross_liquidated =
            vec![false; self.accounts.iter().map(|a| a.index + 1).max().unwrap_or(0)];
        for a in &self.accounts {
            if a.liquidated && a.margin_mode != MarginMode::Isolated {
                cross_liquidated[a.index] = true;
            }
        }
        for position in &mut self.positions {
            let account_liquidated = cross_liquidated
                .get(position.account_index)
                .copied()
                .unwrap_or(false);
            position.liquidated |= account_liquidated
                && !matches!(position.kind, PositionKind::Spot | PositionKind::Supply);
            if position.liquidated {
                position.distance_to_liquidation_pct = None;
                position.distance_to_liquidation_sigma = None;
            }
        }
    }

    /// Appends the per-account results of `later` (accounts after this report's), keeping
    /// file order and listing each assumption once.
    pub fn append(&mut self, later: MarginReport) {
        self.positions.extend(later.positions);
        self.accounts.extend(later.accounts);
        self.excluded.extend(later.excluded);
        for assumption in later.assumptions {
            if !self.assumptions.contains(&assumption) {
                self.assumptions.push(assumption);
            }
        }
        self.warnings.extend(later.warnings);
    }
}
