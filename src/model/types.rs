//! The portfolio file's data types (format version 1).
//!
//! These structs are exactly what a `.ron` portfolio file contains, field by field and in the
//! order they are written, so a saved file diffs cleanly against its previous version. Money,
//! prices, sizes and rates are [`Decimal`], written as quoted strings so nothing is lost to
//! binary floating point. Everything here is plain data: validation lives in
//! [`crate::model::validate`], file I/O in [`crate::model::io`].

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The format version this build writes. Older versions are migrated on load
/// (see [`crate::model::migrate`]); newer ones are refused with a clear error.
pub const CURRENT_FORMAT_VERSION: u32 = 1;

/// A whole portfolio: every venue account of one trader or fund, plus what later views need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portfolio {
    /// File format version; see [`CURRENT_FORMAT_VERSION`].
    pub format_version: u32,
    /// Human name of the portfolio, shown in the title bar and reports.
    pub name: String,
    /// Currency every total is expressed in. Only USD for now.
    pub base_currency: BaseCurrency,
    /// Free text: strategy, date of the prices used, anything the author wants to keep.
    #[serde(default)]
    pub notes: String,
    /// When the numbers are for, in what-if sessions; without it, now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valuation: Option<super::valuation::Valuation>,
    /// One entry per venue account.
    pub accounts: Vec<Account>,
    /// Prices the user typed in by hand; they take precedence over fetched prices.
    #[serde(default)]
    pub price_overrides: Vec<PriceOverride>,
    /// Dated record of trades, transfers and funding payments (used by "leverage over time").
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
    /// Saved stress-test scenario sets, so a risk review can be reopened.
    #[serde(default)]
    pub scenario_sets: Vec<ScenarioSet>,
    /// Thresholds that should draw the user's attention when crossed.
    #[serde(default)]
    pub alerts: Vec<AlertThreshold>,
}

/// The currency totals are reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BaseCurrency {
    /// United States dollar.
    #[default]
    USD,
}

/// One account at one venue, with its own margin rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Name the user gives the account; unique within the portfolio.
    pub label: String,
    /// Which venue (and which product family of it) the account is at.
    pub venue: Venue,
    /// How the venue pools margin for this account.
    pub margin_mode: MarginMode,
    /// Collateral balances held in the account (wallet balance, before unrealized PnL).
    #[serde(default)]
    pub collateral: Vec<Collateral>,
    /// Open positions.
    #[serde(default)]
    pub positions: Vec<Position>,
    /// Venue parameters that replace the bundled ones for this account (a VIP tier, another
    /// date's tier table); absent = the bundled tables in `assets/venues/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_parameters: Option<super::params::AccountParameters>,
}

/// The venues (and product families) RiskDeck knows the rules of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Venue {
    /// Binance USDⓈ-M futures: linear contracts margined in USDT or USDC.
    BinanceUsdm,
    /// Binance COIN-M futures: inverse contracts margined in the coin.
    BinanceCoinm,
    /// Bybit USDT/USDC perpetuals and futures (linear).
    BybitLinear,
    /// Bybit inverse perpetuals and futures (coin-margined).
    BybitInverse,
    /// OKX swaps, futures and options.
    Okx,
    /// Deribit futures, perpetuals and options.
    Deribit,
    /// Hyperliquid perpetuals (USDC-margined).
    Hyperliquid,
    /// dYdX v4 (dYdX Chain) perpetuals (USDC-margined).
    DydxV4,
    /// Aave v3 lending market: supplied collateral and borrowed debt.
    AaveV3,
    /// A plain spot wallet or custody account: no margin, no liquidation.
    SpotWallet,
}

impl Venue {
    /// Every venue, in the order menus list them.
    pub const ALL: [Self; 10] = [
        Self::BinanceUsdm,
        Self::BinanceCoinm,
        Self::BybitLinear,
        Self::BybitInverse,
        Self::Okx,
        Self::Deribit,
        Self::Hyperliquid,
        Self::DydxV4,
        Self::AaveV3,
        Self::SpotWallet,
    ];

    /// The name traders know the venue by.
    // The official name is "USDⓈ-M"; the circled S is not in the bundled fonts, so it is spelled out.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::BinanceUsdm => "Binance USDS-M",
            Self::BinanceCoinm => "Binance COIN-M",
            Self::BybitLinear => "Bybit linear",
            Self::BybitInverse => "Bybit inverse",
            Self::Okx => "OKX",
            Self::Deribit => "Deribit",
            Self::Hyperliquid => "Hyperliquid",
            Self::DydxV4 => "dYdX v4",
            Self::AaveV3 => "Aave v3",
            Self::SpotWallet => "Spot wallet / custody",
        }
    }

    /// The identifier written in the file (`venue: BinanceUsdm`).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::BinanceUsdm => "BinanceUsdm",
            Self::BinanceCoinm => "BinanceCoinm",
            Self::BybitLinear => "BybitLinear",
            Self::BybitInverse => "BybitInverse",
            Self::Okx => "Okx",
            Self::Deribit => "Deribit",
            Self::Hyperliquid => "Hyperliquid",
            Self::DydxV4 => "DydxV4",
            Self::AaveV3 => "AaveV3",
            Self::SpotWallet => "SpotWallet",
        }
    }
}

/// How a venue pools margin within an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarginMode {
    /// All positions share the account's collateral.
    Cross,
    /// Each position has its own margin; a loss cannot spread to other positions.
    Isolated,
    /// Risk-based portfolio margin (offsets between positions).
    Portfolio,
}

impl MarginMode {
    /// Every mode, in menu order.
    pub const ALL: [Self; 3] = [Self::Cross, Self::Isolated, Self::Portfolio];

    /// Lower-case name for tables and messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Cross => "cross",
            Self::Isolated => "isolated",
            Self::Portfolio => "portfolio",
        }
    }
}

/// A collateral balance in one asset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collateral {
    /// Asset ticker, e.g. `USDT`, `BTC`.
    pub asset: String,
    /// Amount in units of `asset` (not USD). May be negative only where a venue lets a
    /// balance go negative (a cross-margin wallet after losses).
    pub amount: Decimal,
}

/// One position in an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Position {
    /// Coins held outright.
    Spot(SpotHolding),
    /// A perpetual swap (no expiry).
    Perpetual(Perpetual),
    /// A dated future.
    Future(DatedFuture),
    /// A vanilla call or put.
    Option(OptionContract),
    /// An asset supplied to a lending market (Aave v3) as collateral.
    Supply(LendingBalance),
    /// An asset borrowed from a lending market (Aave v3).
    Borrow(LendingBalance),
}

/// Which kind of position, without its data (for menus, messages and venue rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PositionKind {
    /// See [`Position::Spot`].
    Spot,
    /// See [`Position::Perpetual`].
    Perpetual,
    /// See [`Position::Future`].
    Future,
    /// See [`Position::Option`].
    Option,
    /// See [`Position::Supply`].
    Supply,
    /// See [`Position::Borrow`].
    Borrow,
}

impl PositionKind {
    /// Every kind, in menu order.
    pub const ALL: [Self; 6] = [
        Self::Spot,
        Self::Perpetual,
        Self::Future,
        Self::Option,
        Self::Supply,
        Self::Borrow,
    ];

    /// Name used in tables and error messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Spot => "spot holding",
            Self::Perpetual => "perpetual",
            Self::Future => "dated future",
            Self::Option => "option",
            Self::Supply => "lending supply",
            Self::Borrow => "lending borrow",
        }
    }
}

/// Whether a contract is margined and settled in the quote currency or in the coin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Settlement {
    /// Quote-margined (USDT, USDC, USD): PnL = size × (price − entry).
    Linear,
    /// Coin-margined: contracts are worth a fixed USD amount, PnL is paid in the coin.
    Inverse,
}

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OptionRight {
    /// The right to buy at the strike.
    Call,
    /// The right to sell at the strike.
    Put,
}

/// Coins held outright in a wallet or exchange spot account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotHolding {
    /// Asset ticker, e.g. `BTC`.
    pub asset: String,
    /// Units of the asset held; never negative.
    pub amount: Decimal,
    /// Average purchase price in USD per unit, if known (for PnL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_basis_usd: Option<Decimal>,
}

/// A perpetual swap position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Perpetual {
    /// The venue's symbol, e.g. `BTCUSDT`, `BTC-USD-SWAP`, `BTC-PERPETUAL`.
    pub symbol: String,
    /// The coin whose price drives the position, e.g. `BTC`.
    pub underlying: String,
    /// Linear (quote-margined) or inverse (coin-margined).
    pub settlement: Settlement,
    /// Signed size: positive long, negative short. In base units when `contract_size` is
    /// absent; otherwise in contracts.
    pub size: Decimal,
    /// Value of one contract: base units per contract for linear contracts (OKX `ctVal`),
    /// USD per contract for inverse ones (100 for Binance BTCUSD). Absent = size is in base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_size: Option<Decimal>,
    /// Average entry price, in the quote currency per unit of the underlying.
    pub entry_price: Decimal,
    /// Leverage the position was opened with (required in isolated mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<Decimal>,
    /// Margin assigned to the position in isolated mode, in the settlement asset. Absent =
    /// initial margin implied by `leverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated_margin: Option<Decimal>,
}

/// A dated (expiring) future.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedFuture {
    /// The venue's symbol, e.g. `BTCUSD_251226`.
    pub symbol: String,
    /// The coin whose price drives the position.
    pub underlying: String,
    /// Linear or inverse.
    pub settlement: Settlement,
    /// Expiry date (UTC). Venues expire at 08:00 UTC on this date.
    pub expiry: NaiveDate,
    /// Signed size: positive long, negative short (see [`Perpetual::size`]).
    pub size: Decimal,
    /// Value of one contract (see [`Perpetual::contract_size`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_size: Option<Decimal>,
    /// Average entry price, quote currency per unit of the underlying.
    pub entry_price: Decimal,
    /// Leverage (required in isolated mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<Decimal>,
    /// Isolated margin in the settlement asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated_margin: Option<Decimal>,
}

/// A vanilla option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionContract {
    /// The venue's symbol, e.g. `BTC-26DEC25-120000-C`.
    pub symbol: String,
    /// The coin the option is on.
    pub underlying: String,
    /// Call or put.
    pub right: OptionRight,
    /// Strike price in USD per unit of the underlying.
    pub strike: Decimal,
    /// Expiry date (UTC, 08:00 at Deribit and OKX).
    pub expiry: NaiveDate,
    /// Signed number of contracts: positive bought, negative sold (written).
    pub size: Decimal,
    /// Units of the underlying per contract (1 BTC at Deribit, 0.01 BTC at OKX).
    pub contract_size: Decimal,
    /// Linear (premium and PnL in USD/USDC) or inverse (premium and PnL in the coin).
    pub settlement: Settlement,
    /// Premium paid or received per unit of the underlying, in the settlement currency
    /// (BTC for Deribit inverse options, e.g. `0.0125`). Absent when not known: the position
    /// is then valued without a premium PnL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_price: Option<Decimal>,
}

/// An amount supplied to or borrowed from a lending market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LendingBalance {
    /// Asset ticker, e.g. `WETH`, `USDC`.
    pub asset: String,
    /// Units of the asset; never negative (the variant says which side it is on).
    pub amount: Decimal,
}

impl Position {
    /// The kind of this position.
    pub fn kind(&self) -> PositionKind {
        match self {
            Self::Spot(_) => PositionKind::Spot,
            Self::Perpetual(_) => PositionKind::Perpetual,
            Self::Future(_) => PositionKind::Future,
            Self::Option(_) => PositionKind::Option,
            Self::Supply(_) => PositionKind::Supply,
            Self::Borrow(_) => PositionKind::Borrow,
        }
    }

    /// The venue symbol or asset that names the position in tables.
    pub fn name(&self) -> &str {
        match self {
            Self::Spot(s) => &s.asset,
            Self::Perpetual(p) => &p.symbol,
            Self::Future(f) => &f.symbol,
            Self::Option(o) => &o.symbol,
            Self::Supply(l) | Self::Borrow(l) => &l.asset,
        }
    }

    /// The coin whose price moves the position.
    pub fn underlying(&self) -> &str {
        match self {
            Self::Spot(s) => &s.asset,
            Self::Perpetual(p) => &p.underlying,
            Self::Future(f) => &f.underlying,
            Self::Option(o) => &o.underlying,
            Self::Supply(l) | Self::Borrow(l) => &l.asset,
        }
    }

    /// Signed size as the file stores it (amount for spot and lending balances).
    pub fn size(&self) -> Decimal {
        match self {
            Self::Spot(s) => s.amount,
            Self::Perpetual(p) => p.size,
            Self::Future(f) => f.size,
            Self::Option(o) => o.size,
            Self::Supply(l) | Self::Borrow(l) => l.amount,
        }
    }

    /// Mutable access to the size field, whatever the kind.
    pub fn size_mut(&mut self) -> &mut Decimal {
        match self {
            Self::Spot(s) => &mut s.amount,
            Self::Perpetual(p) => &mut p.size,
            Self::Future(f) => &mut f.size,
            Self::Option(o) => &mut o.size,
            Self::Supply(l) | Self::Borrow(l) => &mut l.amount,
        }
    }

    /// Name of the size field in the file (`size` or `amount`), for error paths.
    pub fn size_field(&self) -> &'static str {
        match self {
            Self::Spot(_) | Self::Supply(_) | Self::Borrow(_) => "amount",
            Self::Perpetual(_) | Self::Future(_) | Self::Option(_) => "size",
        }
    }

    /// Settlement of a derivative; `None` for spot and lending balances.
    pub fn settlement(&self) -> Option<Settlement> {
        match self {
            Self::Perpetual(p) => Some(p.settlement),
            Self::Future(f) => Some(f.settlement),
            Self::Option(o) => Some(o.settlement),
            Self::Spot(_) | Self::Supply(_) | Self::Borrow(_) => None,
        }
    }

    /// A new position of `kind` with empty names and zero amounts, for the editor's "add".
    pub fn template(kind: PositionKind, settlement: Settlement, today: NaiveDate) -> Self {
        let empty_perp = Perpetual {
            symbol: String::new(),
            underlying: String::new(),
            settlement,
            size: Decimal::ZERO,
            contract_size: None,
            entry_price: Decimal::ZERO,
            leverage: None,
            isolated_margin: None,
        };
        match kind {
            PositionKind::Spot => Self::Spot(SpotHolding {
                asset: String::new(),
                amount: Decimal::ZERO,
                cost_basis_usd: None,
            }),
            PositionKind::Perpetual => Self::Perpetual(empty_perp),
            PositionKind::Future => Self::Future(DatedFuture {
                symbol: String::new(),
                underlying: String::new(),
                settlement,
                expiry: today,
                size: Decimal::ZERO,
                contract_size: None,
                entry_price: Decimal::ZERO,
                leverage: None,
                isolated_margin: None,
            }),
            PositionKind::Option => Self::Option(OptionContract {
                symbol: String::new(),
                underlying: String::new(),
                right: OptionRight::Call,
                strike: Decimal::ZERO,
                expiry: today,
                size: Decimal::ZERO,
                contract_size: Decimal::ONE,
                settlement,
                entry_price: None,
            }),
            PositionKind::Supply => Self::Supply(LendingBalance {
                asset: String::new(),
                amount: Decimal::ZERO,
            }),
            PositionKind::Borrow => Self::Borrow(LendingBalance {
                asset: String::new(),
                amount: Decimal::ZERO,
            }),
        }
    }
}

/// A price the user set by hand; it wins over any fetched price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverride {
    /// Asset ticker (`BTC`) or venue symbol (`BTCUSDT`) the price applies to.
    pub symbol: String,
    /// The price in USD.
    pub price_usd: Decimal,
    /// Why the override exists (shown as a tooltip).
    #[serde(default)]
    pub note: String,
}

/// One dated line of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEntry {
    /// A fill that changed a position.
    Trade(JournalTrade),
    /// Collateral moved between two accounts (or in/out of the portfolio).
    Transfer(JournalTransfer),
    /// A funding payment received (positive) or paid (negative).
    Funding(JournalFunding),
}

/// A trade in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalTrade {
    /// When the fill happened (UTC).
    pub time: DateTime<Utc>,
    /// Label of the account it happened in.
    pub account: String,
    /// Venue symbol traded.
    pub symbol: String,
    /// Signed quantity: positive bought, negative sold.
    pub size: Decimal,
    /// Fill price.
    pub price: Decimal,
    /// Fee paid, in `fee_asset`.
    #[serde(default)]
    pub fee: Decimal,
    /// Asset the fee was paid in.
    #[serde(default)]
    pub fee_asset: String,
}

/// A collateral transfer in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalTransfer {
    /// When the transfer settled (UTC).
    pub time: DateTime<Utc>,
    /// Source account label; absent = deposit from outside the portfolio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_account: Option<String>,
    /// Destination account label; absent = withdrawal out of the portfolio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_account: Option<String>,
    /// Asset moved.
    pub asset: String,
    /// Amount moved; positive.
    pub amount: Decimal,
}

/// A funding payment in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalFunding {
    /// Funding timestamp (UTC).
    pub time: DateTime<Utc>,
    /// Account label.
    pub account: String,
    /// Perpetual symbol.
    pub symbol: String,
    /// Asset paid in.
    pub asset: String,
    /// Signed amount: positive received, negative paid.
    pub amount: Decimal,
}

/// A named set of stress scenarios saved with the portfolio.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSet {
    /// Name of the set, e.g. "Weekly risk review".
    pub name: String,
    /// The scenarios in the set.
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
}

/// One stress scenario: instantaneous shocks applied to prices and volatility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name shown in the stress view.
    pub name: String,
    /// Relative price moves per underlying.
    #[serde(default)]
    pub price_shocks: Vec<PriceShock>,
    /// Absolute change of implied volatility in percentage points, applied to every option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vol_shift_points: Option<Decimal>,
}

/// A relative price move of one underlying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceShock {
    /// Underlying ticker, or `*` for every underlying not named otherwise.
    pub underlying: String,
    /// Move in percent: `-20` is a 20 % fall. Never below −100.
    pub change_percent: Decimal,
}

/// A threshold that raises an alert when crossed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertThreshold {
    /// What is measured.
    pub metric: AlertMetric,
    /// The level that triggers the alert.
    pub level: Decimal,
    /// Restrict to one account label; absent = every account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// Quantities an alert can watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertMetric {
    /// Maintenance margin / margin balance, in percent; alert when above `level`.
    MarginRatioPercentAbove,
    /// Distance from mark to liquidation price, in percent; alert when below `level`.
    LiquidationDistancePercentBelow,
    /// Aave health factor; alert when below `level`.
    HealthFactorBelow,
}
