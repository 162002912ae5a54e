//! The valuation time: the moment a portfolio's numbers are for.
//!
//! A file may store one for what-if sessions (`valuation: (as_of: "2025-11-01T00:00:00Z")`);
//! the CLI takes `--as-of`; the GUI has a control. A date means its first instant, 00:00:00
//! UTC (`2025-10-31` is `2025-10-31T00:00:00Z`, the convention every view shares), so it is
//! priced at the last close before it — the previous day's; a date-time is taken as written
//! (UTC when no offset is given). Prices are never taken from after the valuation time.
//! Plain data and parsing only: which prices a time gets is decided in [`crate::pricing`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// The file's valuation settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Valuation {
    /// When the numbers are for: an RFC 3339 date-time, or `YYYY-MM-DD` (00:00:00 UTC).
    pub as_of: String,
}

/// Which valuation time the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AsOf {
    /// The file's valuation time when it has one, else now.
    #[default]
    File,
    /// Now, whatever the file says.
    Now,
    /// A chosen time (ms since the epoch).
    At(i64),
}

/// The earliest valuation time accepted: the bundled history starts in 2019, and no venue
/// RiskDeck knows listed a contract before 2009.
const EARLIEST_MS: i64 = 1_230_768_000_000; // 2009-01-01T00:00:00Z

/// The last millisecond of `date` (UTC): the close time of that day's daily candle.
pub fn close_of_day_ms(date: NaiveDate) -> i64 {
    date.and_hms_milli_opt(23, 59, 59, 999)
        .map_or(i64::MAX, |t| t.and_utc().timestamp_millis())
}

/// Parses a valuation time: `2025-10-31` (00:00:00 UTC that day), `2025-10-31T08:00:00Z`,
/// `2025-10-31T08:00Z`, `2025-10-31T08:00:00` (UTC) or any RFC 3339 offset. Times before 2009
/// are refused.
pub fn parse_as_of(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let ms = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0)
            .map_or(i64::MAX, |t| t.and_utc().timestamp_millis())
    } else if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        time.timestamp_millis()
    } else {
        let naive = text.strip_suffix('Z').unwrap_or(text);
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            format!(
                "{text:?} is not a valuation time: write a UTC date-time \
                     (2025-10-31T08:00:00Z) or a date (2025-10-31, meaning 00:00 UTC)"
            )
        })?
    };
    if ms < EARLIEST_MS {
        return Err(format!(
            "{text:?} is before 2009: there are no prices to value a portfolio at"
        ));
    }
    Ok(ms)
}

/// A valuation time as a file stores it: RFC 3339 UTC (`2025-11-01T00:00:00Z`), which
/// reads back to the same instant.
pub fn to_text(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |time| {
            let format = if ms % 1000 == 0 {
                chrono::SecondsFormat::Secs
            } else {
                chrono::SecondsFormat::Millis
            };
            time.to_rfc3339_opts(format, true)
        },
    )
}

/// A valuation time as people read it: `2025-10-31 close` for a daily candle's close time
/// (the bundle's end), else
/// `2025-10-31 08:00 UTC` (seconds when not zero).
pub fn describe(ms: i64) -> String {
    let Some(time) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return format!("{ms} ms");
    };
    if close_of_day_ms(time.date_naive()) == ms {
        return format!("{} close", time.date_naive());
    }
    if time.timestamp_millis() % 60_000 == 0 {
        time.format("%Y-%m-%d %H:%M UTC").to_string()
    } else {
        time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_mean_midnight_utc_and_times_are_utc() {
        // 2025-10-31T00:00:00Z = 1761868800000 ms; 1761955200000 is 2025-11-01T00:00Z.
        assert_eq!(parse_as_of("2025-10-31"), Ok(1_761_868_800_000));
        assert_eq!(parse_as_of("2025-10-31T00:00:00Z"), Ok(1_761_868_800_000));
        assert_eq!(parse_as_of("2025-10-31T08:00:00Z"), Ok(1_761_897_600_000));
        assert_eq!(parse_as_of("2025-10-31T08:00Z"), Ok(1_761_897_600_000));
        assert_eq!(
            parse_as_of("2025-10-31T10:00:00+02:00"),
            Ok(1_761_897_600_000)
        );
        assert_eq!(describe(1_761_955_199_999), "2025-10-31 close");
        assert_eq!(describe(1_761_897_600_000), "2025-10-31 08:00 UTC");
        assert_eq!(to_text(1_761_955_200_000), "2025-11-01T00:00:00Z");
        assert_eq!(to_text(1_761_897_600_000), "2025-10-31T08:00:00Z");
        assert_eq!(
            parse_as_of(&to_text(1_761_897_600_000)),
            Ok(1_761_897_600_000)
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "1999-01-01",
            "2025-10-31T25:00Z",
            "9e99",
        ] {
            assert!(parse_as_of(bad).is_err(), "{bad:?}");
        }
    }
}
