//! Venue rules (margin modes, instruments, leverage ceiling) loaded from `assets/venues/rules.ron`.
//!
//! The rules are data, not code, so a venue's announcement changes one dated line in the asset
//! file. The asset is compiled into the binary so validation works offline and without an
//! install step.

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::types::{MarginMode, PositionKind, Settlement, Venue};

/// The bundled rules file, as written in the repository.
pub const BUNDLED_VENUE_RULES_RON: &str = include_str!("../../assets/venues/rules.ron");

/// What one venue allows.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueRule {
    /// The venue these rules are for.
    pub venue: Venue,
    /// Margin modes the venue offers.
    pub margin_modes: Vec<MarginMode>,
    /// Position kinds an account at this venue can hold.
    pub position_kinds: Vec<PositionKind>,
    /// Settlements the venue's derivatives use (empty for spot and lending venues).
    pub settlements: Vec<Settlement>,
    /// Whether positions are counted in contracts, so `contract_size` must be given.
    pub contract_size_required: bool,
    /// Highest leverage offered on any contract, if the reference gives one.
    pub max_leverage: Option<Decimal>,
    /// Where the figures come from.
    pub source: String,
    /// Date of the source snapshot (ISO).
    pub as_of: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueRulesFile {
    venues: Vec<VenueRule>,
}

/// Parses a venue rules file; every venue must appear exactly once.
pub fn parse_venue_rules(text: &str) -> Result<Vec<VenueRule>, String> {
    let file: VenueRulesFile = super::ron_options()
        .from_str(text)
        .map_err(|err| format!("venue rules: {err}"))?;
    for venue in Venue::ALL {
        let count = file
            .venues
            .iter()
            .filter(|rule| rule.venue == venue)
            .count();
        if count != 1 {
            return Err(format!(
                "venue rules: {} appears {count} times, expected once",
                venue.file_name()
            ));
        }
    }
    Ok(file.venues)
}

/// The bundled rules, parsed once.
pub fn venue_rules() -> &'static [VenueRule] {
    static RULES: OnceLock<Vec<VenueRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        #[expect(
            clippy::expect_used,
            reason = "the bundled asset is a compile-time constant; the unit test \
                      `bundled_rules_parse_and_cover_every_venue` proves it parses"
        )]
        parse_venue_rules(BUNDLED_VENUE_RULES_RON)
            .expect("bundled assets/venues/rules.ron is valid")
    })
}

/// The rules of one venue.
pub fn rule_for(venue: Venue) -> &'static VenueRule {
    let rules = venue_rules();
    // `parse_venue_rules` guarantees every venue is present exactly once, so the fallback to
    // the first entry is unreachable; it only avoids a panic path.
    rules
        .iter()
        .find(|rule| rule.venue == venue)
        .unwrap_or(&rules[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_parse_and_cover_every_venue() {
        let rules = parse_venue_rules(BUNDLED_VENUE_RULES_RON).unwrap();
        assert_eq!(rules.len(), Venue::ALL.len(), "one rule per venue");
        // venue-margin.md §1.3: BTCUSDT tier 1 is 125x.
        assert_eq!(
            rule_for(Venue::BinanceUsdm).max_leverage,
            Some(Decimal::from(125)),
            "Binance USDS-M ceiling"
        );
        assert!(
            rule_for(Venue::AaveV3).settlements.is_empty(),
            "Aave has no derivatives"
        );
    }

    #[test]
    fn a_missing_venue_is_reported() {
        let err = parse_venue_rules("(venues: [])").unwrap_err();
        assert!(err.contains("BinanceUsdm appears 0 times"), "{err}");
    }
}
