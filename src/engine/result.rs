//! The plain result structs the margin engine returns; the CLI serializes them and the GUI draws
//! them, so both show the same numbers.

use rust_decimal::Decimal;

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
    /// Account label.
    pub account: String,
    /// Venue symbol (asset for spot and lending).
    pub symbol: String,
    /// Underlying coin (after wrapped-token aliases: `WETH` → `ETH`).
    pub underlying: String,
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
    /// Absolute notional in USD.
    pub notional_usd: Decimal,
    /// Asset the margin numbers below are in (`USDT`, `BTC`, `USD`).
    pub margin_asset: String,
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
    /// The table and tier used, e.g. `BTCUSDT tier 2 of 12`.
    pub tier: Option<String>,
    /// Source and date of the parameters used.
    pub source: String,
    /// True when a formula is derived or a parameter is a stand-in.
    pub approximate: bool,
    /// Explanations for tooltips: formulas with numbers, stand-ins, assumptions.
    pub notes: Vec<String>,
}

/// The venue's numbers for one account.
#[derive(Clone, Debug)]
pub struct AccountRisk {
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
