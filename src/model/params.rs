//! Venue margin parameters: tier tables, size-scaled margin rates, lending reserves and
//! collateral facts, loaded from `assets/venues/*.ron`.
//!
//! Venues change these by announcement or governance vote, so they are data with a source and
//! an `as_of` date per table, never constants in the engine. A portfolio file can override them
//! per account ([`AccountParameters`]) to model another date or a VIP tier. Everything is
//! compiled into the binary so the engine works offline.

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::types::{Settlement, Venue};

/// What a tier table's bounds measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TierBasis {
    /// Notional at the mark price, in the margin asset: quote units for linear contracts
    /// (Binance USDⓈ-M, Hyperliquid), coins for inverse ones (Binance COIN-M). The tier changes
    /// as the price moves, so liquidation prices are re-solved per tier.
    Notional,
    /// Position value at the entry price (Bybit: `PV = qty × EP`, coins `Q / EP` for inverse).
    EntryValue,
    /// Number of contracts (OKX), independent of price.
    Contracts,
}

/// One tier ("bracket", "risk limit") of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Upper bound of the tier, inclusive (`floor < x ≤ cap`); `None` = unbounded. The floor is
    /// the previous tier's cap (0 for the first).
    pub cap: Option<Decimal>,
    /// Maintenance margin rate (0.004 = 0.4 %).
    pub mmr: Decimal,
    /// Highest leverage allowed inside the tier, if published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_leverage: Option<Decimal>,
    /// The tier's maintenance amount as the venue publishes it (Binance "cum", Bybit "MMD"),
    /// when given: used as is, after a check that it keeps MM continuous; else derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_amount: Option<Decimal>,
}

/// A tiered maintenance-margin table for one or more symbols.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierTable {
    /// Short name used in explanations and as a fallback reference.
    pub id: String,
    /// Venue symbols the table applies to exactly.
    #[serde(default)]
    pub symbols: Vec<String>,
    /// What the bounds measure.
    pub basis: TierBasis,
    /// Tiers from the smallest position up.
    pub tiers: Vec<Tier>,
    /// Where the numbers come from.
    pub source: String,
    /// Date of the source (ISO).
    pub as_of: String,
    /// True when the table is known to be incomplete, secondary or a stand-in.
    #[serde(default)]
    pub approximate: bool,
    /// What a user should know about the table (shown in tooltips).
    #[serde(default)]
    pub note: String,
}

/// Maintenance amount (Binance "cum", Bybit "MMD", Hyperliquid "maintenance deduction") of
/// every tier: `cum_1 = 0`, `cum_n = floor_n × (MMR_n − MMR_{n−1}) + cum_{n−1}`, which makes
/// `MM = x × MMR_tier − cum_tier` continuous in the position size `x`
/// (venue-margin.md §1.1, §3.2; Hyperliquid docs "Margin tiers").
///
/// A tier whose `maintenance_amount` is given uses it (the venue's own rounding), and the
/// next tiers continue from it.
pub fn maintenance_amounts(tiers: &[Tier]) -> Vec<Decimal> {
    let mut out = Vec::with_capacity(tiers.len());
    let mut cum = Decimal::ZERO;
    let mut previous: Option<&Tier> = None;
    for tier in tiers {
        if let Some(prev) = previous {
            let floor = prev.cap.unwrap_or(Decimal::ZERO);
            cum += floor * (tier.mmr - prev.mmr);
        }
        if let Some(given) = tier.maintenance_amount {
            cum = given;
        }
        out.push(cum);
        previous = Some(tier);
    }
    out
}

/// How far a published maintenance amount may be from the continuous one: venues round it
/// (Binance publishes whole USDT), so a unit of the quote, or 0.01 % when larger.
fn continuity_tolerance(expected: Decimal) -> Decimal {
    (expected.abs() * Decimal::new(1, 4)).max(Decimal::ONE)
}

/// Index of the tier holding `amount` (`floor < amount ≤ cap`), and whether `amount` lies
/// beyond the last bounded tier (then the last tier is used and the result is approximate).
pub fn tier_index(tiers: &[Tier], amount: Decimal) -> (usize, bool) {
    for (index, tier) in tiers.iter().enumerate() {
        match tier.cap {
            Some(cap) if amount <= cap => return (index, false),
            Some(_) => {}
            None => return (index, false),
        }
    }
    (tiers.len().saturating_sub(1), true)
}

/// Margin rates that grow linearly with position size (Deribit standard margin for futures and
/// perpetuals, venue-margin.md §5.1): `rate = base + size_in_coins × per_coin`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeScaledRule {
    /// Short name used in explanations.
    pub id: String,
    /// Venue symbols the rule applies to exactly.
    #[serde(default)]
    pub symbols: Vec<String>,
    /// Linear or inverse contracts.
    pub settlement: Settlement,
    /// Initial margin rate at zero size.
    pub im_base: Decimal,
    /// Initial margin rate added per coin of position size.
    pub im_per_coin: Decimal,
    /// Maintenance margin rate at zero size.
    pub mm_base: Decimal,
    /// Maintenance margin rate added per coin of position size.
    pub mm_per_coin: Decimal,
    /// Where the numbers come from.
    pub source: String,
    /// Date of the source (ISO).
    pub as_of: String,
    /// True when the rule is a stand-in or not confirmed.
    #[serde(default)]
    pub approximate: bool,
    /// What a user should know.
    #[serde(default)]
    pub note: String,
}

/// Standard margin of short options per contract, in the coin (Deribit inverse options,
/// venue-margin.md §5.2, a third-party quote of Deribit's rule: approximate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionMarginRule {
    /// `0.15` in `IM = max(0.15 − OTM/underlying, 0.1) + mark`.
    pub im_base: Decimal,
    /// `0.1` floor in the same formula.
    pub im_floor: Decimal,
    /// `0.075` in `MM = 0.075 + mark`.
    pub mm_base: Decimal,
    /// Where the rule comes from.
    pub source: String,
    /// Date of the source (ISO).
    pub as_of: String,
}

/// Risk parameters of one Aave v3 reserve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LendingReserve {
    /// Asset ticker as written in portfolio files (`WETH`).
    pub asset: String,
    /// Loan-to-value: share of the collateral value that may be borrowed (0.825 = 82.5 %).
    pub ltv: Decimal,
    /// Liquidation threshold: share of the collateral value counted in the health factor.
    pub liquidation_threshold: Decimal,
    /// Liquidation bonus as a multiplier (1.052 = the liquidator receives 5.2 % extra).
    pub liquidation_bonus: Decimal,
    /// The protocol's share of the bonus (`liquidationProtocolFee`, 0.1 = 10 %), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_protocol_fee: Option<Decimal>,
    /// Where the numbers come from.
    pub source: String,
    /// Date of the source (ISO).
    pub as_of: String,
}

/// Aave v3.3 close-factor rule (venue-margin.md §7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseFactorRule {
    /// Above this health factor only part of the debt can be repaid (0.95).
    pub health_factor_threshold: Decimal,
    /// The part of the total debt one liquidation may repay (0.5).
    pub partial_close_factor: Decimal,
    /// Both the reserve's collateral and its debt must be worth at least this many USD for the
    /// partial rule to apply (2,000).
    pub min_reserve_usd: Decimal,
}

/// Parameters a portfolio file may set on one account, taking precedence over the bundled ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountParameters {
    /// Tier tables matched by symbol before the bundled ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tier_tables: Vec<TierTable>,
    /// Size-scaled rules (Deribit) matched by symbol before the bundled ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub size_scaled: Vec<SizeScaledRule>,
    /// Aave reserves matched by asset before the bundled ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserves: Vec<LendingReserve>,
    /// Taker fee rate used where a venue counts the closing fee in its margin (OKX, Bybit
    /// inverse cross), e.g. a VIP rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taker_fee_rate: Option<Decimal>,
}

impl AccountParameters {
    /// True when nothing is overridden (then the field is left out of saved files).
    pub fn is_empty(&self) -> bool {
        self.tier_tables.is_empty()
            && self.size_scaled.is_empty()
            && self.reserves.is_empty()
            && self.taker_fee_rate.is_none()
    }
}

/// The bundled parameters of one venue (one file in `assets/venues/`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueParameters {
    /// The venue.
    pub venue: Venue,
    /// Tier tables.
    #[serde(default)]
    pub tier_tables: Vec<TierTable>,
    /// Table `id` used (and marked approximate) for a symbol no table lists.
    #[serde(default)]
    pub fallback_table: Option<String>,
    /// Size-scaled rules (Deribit).
    #[serde(default)]
    pub size_scaled: Vec<SizeScaledRule>,
    /// Rule `id` used (approximate) for a symbol no size-scaled rule lists, per settlement.
    #[serde(default)]
    pub fallback_size_scaled: Vec<String>,
    /// Short-option margin rule (Deribit).
    #[serde(default)]
    pub option_margin: Option<OptionMarginRule>,
    /// Aave reserves.
    #[serde(default)]
    pub reserves: Vec<LendingReserve>,
    /// Aave close factor.
    #[serde(default)]
    pub close_factor: Option<CloseFactorRule>,
    /// Taker fee rate the venue's margin formula counts (OKX, Bybit inverse cross).
    #[serde(default)]
    pub taker_fee_rate: Option<Decimal>,
    /// Where the fee rate comes from.
    #[serde(default)]
    pub taker_fee_source: String,
}

/// A USD stablecoin and the price it is assumed at when no price is known.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stablecoin {
    /// Ticker.
    pub asset: String,
    /// The USD value it is designed to hold (1).
    pub peg_usd: Decimal,
}

/// A wrapped or bridged token priced as another asset.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetAlias {
    /// Ticker as held (`WETH`).
    pub asset: String,
    /// Ticker whose price it takes (`ETH`).
    pub priced_as: String,
}

/// A collateral haircut at one venue: the share of an asset's value that does not count.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Haircut {
    /// Venue.
    pub venue: Venue,
    /// Asset.
    pub asset: String,
    /// Share deducted (0.05 = 5 %).
    pub haircut: Decimal,
    /// Where it comes from.
    pub source: String,
}

/// Collateral facts shared by all venues (`assets/venues/collateral.ron`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollateralFacts {
    /// USD stablecoins.
    pub stablecoins: Vec<Stablecoin>,
    /// Wrapped tokens.
    pub aliases: Vec<AssetAlias>,
    /// Haircuts per venue and asset.
    #[serde(default)]
    pub haircuts: Vec<Haircut>,
}

/// Everything bundled: one [`VenueParameters`] per venue with margin rules, plus collateral.
#[derive(Clone, Debug)]
pub struct ParameterLibrary {
    /// Per venue.
    pub venues: Vec<VenueParameters>,
    /// Collateral facts.
    pub collateral: CollateralFacts,
}

/// The bundled venue files, as (file name, text).
pub const BUNDLED_VENUE_FILES: [(&str, &str); 9] = [
    (
        "binance_usdm.ron",
        include_str!("../../assets/venues/binance_usdm.ron"),
    ),
    (
        "binance_coinm.ron",
        include_str!("../../assets/venues/binance_coinm.ron"),
    ),
    (
        "bybit_linear.ron",
        include_str!("../../assets/venues/bybit_linear.ron"),
    ),
    (
        "bybit_inverse.ron",
        include_str!("../../assets/venues/bybit_inverse.ron"),
    ),
    ("okx.ron", include_str!("../../assets/venues/okx.ron")),
    (
        "deribit.ron",
        include_str!("../../assets/venues/deribit.ron"),
    ),
    (
        "hyperliquid.ron",
        include_str!("../../assets/venues/hyperliquid.ron"),
    ),
    (
        "dydx_v4.ron",
        include_str!("../../assets/venues/dydx_v4.ron"),
    ),
    (
        "aave_v3.ron",
        include_str!("../../assets/venues/aave_v3.ron"),
    ),
];

/// The bundled collateral facts file.
pub const BUNDLED_COLLATERAL: &str = include_str!("../../assets/venues/collateral.ron");

/// Parses and checks a set of venue files and the collateral file: every tier table has at
/// least one tier, caps increase, only the last tier may be unbounded, rates lie in [0, 1] and
/// fallbacks name a table that exists.
pub fn parse_library(files: &[(&str, &str)], collateral: &str) -> Result<ParameterLibrary, String> {
    let mut venues = Vec::new();
    for (name, text) in files {
        let params: VenueParameters = super::ron_options()
            .from_str(text)
            .map_err(|err| format!("assets/venues/{name}: {err}"))?;
        check_venue(&params).map_err(|err| format!("assets/venues/{name}: {err}"))?;
        venues.push(params);
    }
    let collateral: CollateralFacts = super::ron_options()
        .from_str(collateral)
        .map_err(|err| format!("assets/venues/collateral.ron: {err}"))?;
    Ok(ParameterLibrary { venues, collateral })
}

/// Checks one tier table (also used for tables in portfolio files); the message names the table.
pub fn check_tier_table(table: &TierTable) -> Result<(), String> {
    if table.tiers.is_empty() {
        return Err(format!("table {} has no tiers", table.id));
    }
    let mut floor = Decimal::ZERO;
    let mut cum = Decimal::ZERO;
    let mut previous_mmr: Option<Decimal> = None;
    for (index, tier) in table.tiers.iter().enumerate() {
        // MM = x × MMR − cum must not jump at the tier's floor: cum_n = floor × (MMR_n −
        // MMR_{n−1}) + cum_{n−1}.
        let expected = previous_mmr.map_or(Decimal::ZERO, |prev| {
            floor
                .checked_mul(tier.mmr - prev)
                .and_then(|step| step.checked_add(cum))
                .unwrap_or(Decimal::MAX)
        });
        if let Some(given) = tier.maintenance_amount {
            if (given - expected).abs() > continuity_tolerance(expected) {
                return Err(format!(
                    "table {} tier {}: maintenance_amount {given} makes the maintenance margin \
                     jump at {floor}: continuity needs {} (floor × the MMR step + the \
                     previous tier's amount)",
                    table.id,
                    index + 1,
                    expected.normalize()
                ));
            }
            cum = given;
        } else {
            cum = expected;
        }
        previous_mmr = Some(tier.mmr);
        if !(Decimal::ZERO..=Decimal::ONE).contains(&tier.mmr) {
            return Err(format!(
                "table {} tier {}: mmr {} is outside 0..1",
                table.id,
                index + 1,
                tier.mmr
            ));
        }
        match tier.cap {
            Some(cap) if cap <= floor => {
                return Err(format!(
                    "table {} tier {}: cap {cap} is not above the previous cap {floor}",
                    table.id,
                    index + 1
                ));
            }
            Some(cap) => floor = cap,
            None if index + 1 != table.tiers.len() => {
                return Err(format!(
                    "table {} tier {}: only the last tier may have no cap",
                    table.id,
                    index + 1
                ));
            }
            None => {}
        }
        if let Some(leverage) = tier.max_leverage
            && leverage < Decimal::ONE
        {
            return Err(format!(
                "table {} tier {}: max_leverage {leverage} is below 1",
                table.id,
                index + 1
            ));
        }
    }
    Ok(())
}

fn check_venue(params: &VenueParameters) -> Result<(), String> {
    for table in &params.tier_tables {
        check_tier_table(table)?;
    }
    if let Some(fallback) = &params.fallback_table
        && !params.tier_tables.iter().any(|t| &t.id == fallback)
    {
        return Err(format!("fallback_table {fallback} names no table"));
    }
    for fallback in &params.fallback_size_scaled {
        if !params.size_scaled.iter().any(|r| &r.id == fallback) {
            return Err(format!("fallback_size_scaled {fallback} names no rule"));
        }
    }
    Ok(())
}

/// The bundled library, parsed once.
pub fn library() -> &'static ParameterLibrary {
    static LIBRARY: OnceLock<ParameterLibrary> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        #[expect(
            clippy::expect_used,
            reason = "the bundled assets are compile-time constants; the unit test \
                      `bundled_library_parses` proves they parse and pass the checks"
        )]
        parse_library(&BUNDLED_VENUE_FILES, BUNDLED_COLLATERAL)
            .expect("bundled assets/venues/*.ron are valid")
    })
}

impl ParameterLibrary {
    /// The parameters of `venue`, if it has margin rules (spot wallets have none).
    pub fn venue(&self, venue: Venue) -> Option<&VenueParameters> {
        self.venues.iter().find(|v| v.venue == venue)
    }

    /// The stablecoin entry for `asset`, if it is one.
    pub fn stablecoin(&self, asset: &str) -> Option<&Stablecoin> {
        self.collateral
            .stablecoins
            .iter()
            .find(|s| s.asset.eq_ignore_ascii_case(asset))
    }

    /// The ticker whose price `asset` takes (`WETH` → `ETH`), or `asset` itself.
    pub fn priced_as<'a>(&'a self, asset: &'a str) -> &'a str {
        self.collateral
            .aliases
            .iter()
            .find(|a| a.asset.eq_ignore_ascii_case(asset))
            .map_or(asset, |a| a.priced_as.as_str())
    }

    /// The haircut of `asset` as collateral at `venue`, if one is known.
    pub fn haircut(&self, venue: Venue, asset: &str) -> Option<&Haircut> {
        self.collateral
            .haircuts
            .iter()
            .find(|h| h.venue == venue && h.asset.eq_ignore_ascii_case(asset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn bundled_library_parses() {
        let library = parse_library(&BUNDLED_VENUE_FILES, BUNDLED_COLLATERAL).unwrap();
        assert_eq!(library.venues.len(), 9);
        assert!(library.venue(Venue::SpotWallet).is_none());
        assert_eq!(library.priced_as("WETH"), "ETH");
        assert!(library.stablecoin("usdt").is_some());
    }

    #[test]
    fn bundled_binance_btc_cum_matches_the_snapshot() {
        // venue-margin.md §1.3, 2024-10-24 snapshot: cum 0, 50, 950, 11,450, 131,450, 481,450,
        // 2,981,450, 14,481,450, 26,481,450, 41,481,450, 121,481,450, 421,481,450.
        let library = library();
        let table = &library.venue(Venue::BinanceUsdm).unwrap().tier_tables[0];
        assert_eq!(table.id, "BTCUSDT");
        let cum = maintenance_amounts(&table.tiers);
        let expected = [
            dec!(0),
            dec!(50),
            dec!(950),
            dec!(11450),
            dec!(131450),
            dec!(481450),
            dec!(2981450),
            dec!(14481450),
            dec!(26481450),
            dec!(41481450),
            dec!(121481450),
            dec!(421481450),
        ];
        assert_eq!(cum, expected);
    }

    #[test]
    fn tier_bounds_are_floor_exclusive_cap_inclusive() {
        let tiers = [
            Tier {
                cap: Some(dec!(50000)),
                mmr: dec!(0.004),
                max_leverage: None,
                maintenance_amount: None,
            },
            Tier {
                cap: Some(dec!(250000)),
                mmr: dec!(0.005),
                max_leverage: None,
                maintenance_amount: None,
            },
        ];
        assert_eq!(tier_index(&tiers, dec!(50000)), (0, false));
        assert_eq!(tier_index(&tiers, dec!(50000.01)), (1, false));
        assert_eq!(tier_index(&tiers, dec!(250001)), (1, true));
    }

    #[test]
    fn broken_tables_are_refused() {
        let mut table = TierTable {
            id: "X".into(),
            symbols: vec![],
            basis: TierBasis::Notional,
            tiers: vec![
                Tier {
                    cap: None,
                    mmr: dec!(0.01),
                    max_leverage: None,
                    maintenance_amount: None,
                },
                Tier {
                    cap: Some(dec!(5)),
                    mmr: dec!(0.02),
                    max_leverage: None,
                    maintenance_amount: None,
                },
            ],
            source: String::new(),
            as_of: String::new(),
            approximate: false,
            note: String::new(),
        };
        assert!(
            check_tier_table(&table)
                .unwrap_err()
                .contains("only the last tier")
        );
        table.tiers[0].cap = Some(dec!(10));
        assert!(check_tier_table(&table).unwrap_err().contains("not above"));
        table.tiers[1].cap = Some(dec!(20));
        table.tiers[1].mmr = dec!(1.5);
        assert!(
            check_tier_table(&table)
                .unwrap_err()
                .contains("outside 0..1")
        );
    }
}
