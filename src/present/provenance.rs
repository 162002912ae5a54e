//! Where a position's price came from and how old it was at the valuation time: the line
//! the report prints and the GUI shows beside each position.

use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::PositionRisk;

/// The provenance of a position's price.
#[derive(Clone, Debug, Serialize)]
pub struct PriceLine {
    /// `manual`, `peg`, `bundle`, or the venue (`binance_futures`, `okx`, …).
    pub source: String,
    /// `mark`, `last`, `index`, `mid`, `oracle`, `reference`, `manual` or `peg`.
    pub kind: String,
    /// The venue's time (ISO 8601), when known.
    pub venue_time: Option<String>,
    /// Age in seconds when the report was made (null for manual and peg prices).
    pub age_seconds: Option<i64>,
    /// Older than the threshold: 5 minutes for live prices, 1 day for bundled closes.
    pub stale: bool,
    /// A manual price from the file.
    pub manual: bool,
    /// Set when the contract had no price of its own: the coin whose price stood in.
    pub via: Option<String>,
}

impl PriceLine {
    /// The provenance of `risk`'s price at `now_ms`, stale past the default thresholds.
    pub fn of(risk: &PositionRisk, now_ms: i64) -> Option<Self> {
        use crate::market::board::{STALE_HISTORY_SECONDS, STALE_MARK_SECONDS};
        Self::with_thresholds(risk, now_ms, (STALE_MARK_SECONDS, STALE_HISTORY_SECONDS))
    }

    /// The provenance of `risk`'s price, stale past `(live, bundled)` seconds.
    pub fn with_thresholds(
        risk: &PositionRisk,
        now_ms: i64,
        (stale_mark_s, stale_history_s): (i64, i64),
    ) -> Option<Self> {
        use crate::engine::PriceSource;
        let via = risk.price_via.as_ref().map(ToString::to_string);
        Some(match risk.price_source.as_ref()? {
            PriceSource::Manual { .. } => Self {
                source: "manual".to_owned(),
                kind: "manual".to_owned(),
                venue_time: None,
                age_seconds: None,
                stale: false,
                manual: true,
                via,
            },
            PriceSource::Peg => Self {
                source: "peg".to_owned(),
                kind: "peg".to_owned(),
                venue_time: None,
                age_seconds: None,
                stale: false,
                manual: false,
                via,
            },
            PriceSource::Market {
                source,
                kind,
                venue_time_ms,
                fetched_at_ms,
            } => {
                let age = crate::model::provenance::age_seconds(
                    now_ms,
                    venue_time_ms.unwrap_or(*fetched_at_ms),
                );
                let threshold = crate::model::provenance::stale_after_s(
                    *source,
                    *kind,
                    (stale_mark_s, stale_history_s),
                );
                Self {
                    source: source.key().to_owned(),
                    kind: kind.name().to_owned(),
                    venue_time: venue_time_ms
                        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
                        .map(|t| t.to_rfc3339()),
                    age_seconds: Some(age),
                    stale: age > threshold,
                    manual: false,
                    via,
                }
            }
        })
    }

    /// `binance_futures mark, 12 s`, `manual`, `bundle reference, 2 d, STALE`: the same
    /// words in the report and beside each position in the GUI.
    pub fn summary(&self) -> String {
        let mut text = if self.manual {
            "manual".to_owned()
        } else {
            format!("{} {}", self.source, self.kind)
        };
        if let Some(age) = self.age_seconds {
            let _ = write!(text, ", {}", super::format::age(age));
        }
        if self.stale {
            text.push_str(", STALE");
        }
        if let Some(via) = &self.via {
            let _ = write!(text, ", price of {via}");
        }
        text
    }
}
