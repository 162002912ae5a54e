//! Venue specs: what each venue's rules are, as data, in one place.
//!
//! Everything the margin engine used to decide with a `match` on the venue lives here: the
//! margin ratio a venue shows and its direction, whether the closing fee is part of the
//! maintenance requirement, whether its liquidation formula is published or derived (and so
//! marked approximate), whether it shows a bankruptcy price and to which tick it rounds it,
//! the stablecoin a linear pool is kept in, and whether every pool is a coin pool. Tier tables
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

/// 0.5, Bybit's BTCUSD tick (venue-margin.md §3.4).
const HALF: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

const fn base(venue: Venue, ratio_definition: &'static str) -> VenueSpec {
    VenueSpec {
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

static SPECS: [VenueSpec; 10] = [
    base(
        Venue::BinanceUsdm,
        "maintenance margin / margin balance; liquidation at 100 %",
    ),
    VenueSpec {
        inverse_only: true,
        ..base(
            Venue::BinanceCoinm,
            "maintenance margin / margin balance; liquidation at 100 %",
        )
    },
    VenueSpec {
        shows_bankruptcy: true,
        ..base(
            Venue::BybitLinear,
            "maintenance margin / equity (MM rate); liquidation at 100 %",
        )
    },
    VenueSpec {
        shows_bankruptcy: true,
        inverse_cross_closed_form: true,
        inverse_only: true,
        ticks: &[("BTCUSD", HALF)],
        ..base(
            Venue::BybitInverse,
            "maintenance margin / equity (MM rate); liquidation at 100 %",
        )
    },
    VenueSpec {
        ratio: MarginRatio::EquityOverMaintenance,
        fee_in_maintenance: true,
        derived_liquidation: true,
        ..base(
            Venue::Okx,
            "equity / (maintenance margin + closing fee); liquidation at 100 % or below",
        )
    },
    VenueSpec {
        derived_liquidation: true,
        ..base(
            Venue::Deribit,
            "maintenance margin / equity; liquidation (incremental) from 100 %",
        )
    },
    VenueSpec {
        default_quote: "USDC",
        ..base(
            Venue::Hyperliquid,
            "maintenance margin / account value; liquidation at 100 %",
        )
    },
    VenueSpec {
        derived_liquidation: true,
        default_quote: "USDC",
        ..base(
            Venue::DydxV4,
            "maintenance requirement / equity; liquidation at 100 %",
        )
    },
    VenueSpec {
        ratio: MarginRatio::None,
        ..base(
            Venue::AaveV3,
            "none: Aave uses the health factor; liquidation below 1",
        )
    },
    VenueSpec {
        ratio: MarginRatio::None,
        ..base(Venue::SpotWallet, "none: no margin")
    },
];

/// The spec of `venue`.
pub fn spec(venue: Venue) -> &'static VenueSpec {
    // SPECS lists every venue once, in `Venue::ALL` order (checked by a test).
    SPECS.iter().find(|s| s.venue == venue).unwrap_or(&SPECS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_venue_has_exactly_one_spec() {
        for venue in Venue::ALL {
            assert_eq!(
                SPECS.iter().filter(|s| s.venue == venue).count(),
                1,
                "{venue:?}"
            );
            assert_eq!(spec(venue).venue, venue);
        }
    }

    #[test]
    fn okx_ratio_runs_the_other_way() {
        let okx = spec(Venue::Okx).ratio;
        // equity 120 / MM 100 = 1.2; the worse of 1.2 and 1.5 is the lower.
        assert_eq!(
            okx.of(Decimal::from(120), Decimal::from(100)),
            Some(Decimal::new(12, 1))
        );
        assert_eq!(
            okx.worse(Decimal::new(12, 1), Decimal::new(15, 1)),
            Decimal::new(12, 1)
        );
        assert_eq!(spec(Venue::BybitInverse).tick("btcusd"), Some(HALF));
    }
}
