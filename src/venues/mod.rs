//! Venue specs: what each venue's rules are, as data, in one place.
//!
//! [`VenueSpec`] holds what the margin engine used to decide with a `match` on the venue: the
//! margin ratio a venue shows and its direction, whether the closing fee is part of the
//! maintenance requirement, whether its liquidation formula is published or derived (and so
//! marked approximate), whether it shows a bankruptcy price and to which tick it rounds it,
//! the stablecoin a linear pool is kept in, and whether every pool is a coin pool. Each
//! venue's spec is written in that venue's file under `engine/margin/` (the code that runs for
//! it) and found with `engine::margin::spec`. Tier tables
//! and rates are data too, in `assets/venues/*.ron` (dated and sourced,
//! [`crate::model::params`]). Sources are `shared/reference/venue-margin.md` sections.

use rust_decimal::Decimal;

use crate::model::Venue;

/// How a venue's margin ratio is formed and which way is worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginRatio {
    /// Maintenance margin / equity: higher is worse, liquidation at 100 %.
    MaintenanceOverEquity,
    /// Equity / maintenance margin (OKX, §4): lower is worse, liquidation at 100 % or below.
    EquityOverMaintenance,
    /// No margin ratio (Aave uses the health factor; a spot wallet has no margin).
    None,
}

impl MarginRatio {
    /// The ratio from equity and maintenance margin (same unit); `None` when the venue has
    /// no ratio or the divisor is zero.
    pub fn of(self, equity: Decimal, maintenance: Decimal) -> Option<Decimal> {
        match self {
            Self::MaintenanceOverEquity => maintenance.checked_div(equity),
            Self::EquityOverMaintenance => equity.checked_div(maintenance),
            Self::None => None,
        }
    }

    /// The worse of two ratios of this kind.
    pub fn worse(self, a: Decimal, b: Decimal) -> Decimal {
        match self {
            Self::EquityOverMaintenance => a.min(b),
            Self::MaintenanceOverEquity | Self::None => a.max(b),
        }
    }
}

/// One venue's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueSpec {
    /// The venue.
    pub venue: Venue,
    /// Its margin ratio.
    pub ratio: MarginRatio,
    /// How the venue defines the ratio it shows, and where it liquidates.
    pub ratio_definition: &'static str,
    /// The taker fee is part of the maintenance rate (OKX's "MMR + fee", §4).
    pub fee_in_maintenance: bool,
    /// The liquidation price is derived from the venue's margin rules, not a published
    /// formula (OKX §4, Deribit §5.1, dYdX §6.1): every number built on it is approximate.
    pub derived_liquidation: bool,
    /// The venue shows a bankruptcy price (Bybit, §3.4).
    pub shows_bankruptcy: bool,
    /// Inverse cross positions use the venue's own closed form with the closing fee and a
    /// bankruptcy price rounded to the tick (Bybit inverse, §3.4), not the shared solver.
    pub inverse_cross_closed_form: bool,
    /// Every contract is coin-margined: each collateral coin is its own pool.
    pub inverse_only: bool,
    /// The stablecoin a linear pool is kept in when the account's collateral does not say.
    pub default_quote: &'static str,
    /// Price ticks of instruments whose tick the rules use, by symbol (Bybit rounds the
    /// BTCUSD bankruptcy price to 0.5, §3.4).
    pub ticks: &'static [(&'static str, Decimal)],
}

impl VenueSpec {
    /// The price tick of `symbol` when the rules give one.
    pub fn tick(&self, symbol: &str) -> Option<Decimal> {
        self.ticks
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
            .map(|(_, tick)| *tick)
    }
}

impl VenueSpec {
    /// The common case: MM / equity, published formula, no bankruptcy price, USD pools.
    pub const fn base(venue: Venue, ratio_definition: &'static str) -> Self {
        Self {
            venue,
            ratio: MarginRatio::MaintenanceOverEquity,
            ratio_definition,
            fee_in_maintenance: false,
            derived_liquidation: false,
            shows_bankruptcy: false,
            inverse_cross_closed_form: false,
            inverse_only: false,
            default_quote: "USD",
            ticks: &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_equity_over_maintenance_ratio_runs_the_other_way() {
        let okx = MarginRatio::EquityOverMaintenance;
        // equity 120 / MM 100 = 1.2; the worse of 1.2 and 1.5 is the lower.
        assert_eq!(
            okx.of(Decimal::from(120), Decimal::from(100)),
            Some(Decimal::new(12, 1))
        );
        assert_eq!(
            okx.worse(Decimal::new(12, 1), Decimal::new(15, 1)),
            Decimal::new(12, 1)
        );
        let binance = MarginRatio::MaintenanceOverEquity;
        assert_eq!(
            binance.worse(Decimal::new(12, 1), Decimal::new(15, 1)),
            Decimal::new(15, 1)
        );
    }
}
