//! Number formatting and parsing shared by the GUI and the CLI's text output: one function
//! per kind of number, so the Margin panel and `riskdeck report` print the same digits.
//!
//! - money in USD: [`money`] (2 decimals, grouped);
//! - prices and amounts in a margin asset: [`price`] (the instrument's tick when known,
//!   else 2 decimals from 100 up, 4 from 1, 6 below: enough for BTC and for a 0.3 USD coin);
//! - percentages: [`pct`] and [`signed_pct`] (2 decimals), margin ratios as percent
//!   ([`ratio_pct`]), leverage ([`leverage`], 2 decimals), health factors ([`health`], 3);
//! - ages ([`age`]: `42 s`, `6 min`, `13 d`), UTC times ([`utc_time`]), funding ([`funding_pct`]).
//!
//! No egui here: the UI only lays these strings out.

use rust_decimal::Decimal;

/// Formats `value` with every digit it has and `,` between thousands: `-1234567.5` →
/// `-1,234,567.5`.
pub fn group_thousands(value: Decimal) -> String {
    let text = value.to_string();
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |rest| ("-", rest));
    let (integer, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(text.len() + integer.len() / 3);
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// "--", what every view shows for a number that does not exist (no leverage, no ratio).
pub const NONE: &str = "--";

/// Money in USD: `1,234,567.89`.
pub fn money(value: Decimal) -> String {
    group_thousands(value.round_dp(2))
}

/// Decimal places a price or margin amount is shown with when its tick is not known.
fn price_places(value: Decimal) -> u32 {
    let magnitude = value.abs();
    if magnitude >= Decimal::ONE_HUNDRED {
        2
    } else if magnitude >= Decimal::ONE {
        4
    } else {
        6
    }
}

/// A price (or an amount in a margin asset), grouped: to the instrument's `tick` when known
/// (`0.5` → one decimal), else by size (see the module docs); trailing zeros dropped.
pub fn price(value: Decimal, tick: Option<Decimal>) -> String {
    let places = tick
        .filter(|t| !t.is_zero())
        .map_or_else(|| price_places(value), |t| t.normalize().scale());
    group_thousands(value.round_dp(places).normalize())
}

/// An optional price, `--` when there is none.
pub fn price_or_none(value: Option<Decimal>, tick: Option<Decimal>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| price(v, tick))
}

/// A percentage to 2 decimals: `12.5 %` → `12.50 %`.
pub fn pct(value_pct: f64) -> String {
    format!("{value_pct:.2} %")
}

/// A signed percentage to 2 decimals: `+12.50 %`, `-3.10 %`.
pub fn signed_pct(value_pct: f64) -> String {
    format!("{value_pct:+.2} %")
}

/// A signed decimal percentage to 2 decimals (a liquidation distance).
pub fn signed_pct_decimal(value_pct: Decimal) -> String {
    use rust_decimal::prelude::ToPrimitive;
    // Rounded half away from zero in Decimal first, so f64 formatting cannot move the digit.
    let rounded =
        value_pct.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    signed_pct(rounded.to_f64().unwrap_or(0.0))
}

/// A margin ratio (a fraction) as a percentage: `0.0425` → `4.25 %`.
pub fn ratio_pct(ratio: Decimal) -> String {
    match ratio.checked_mul(Decimal::ONE_HUNDRED) {
        Some(pct) => format!("{} %", pct.round_dp(2)),
        // A ratio too large to scale is no figure a reader could act on.
        None => "beyond range".to_owned(),
    }
}

/// A leverage to 2 decimals with its `x`: `3.25x`; `--` when there is none.
pub fn leverage(value: Option<Decimal>) -> String {
    value.map_or_else(|| NONE.to_owned(), |l| format!("{}x", l.round_dp(2)))
}

/// An Aave health factor to 3 decimals: `HF 1.333`.
pub fn health(value: Decimal) -> String {
    format!("HF {}", value.round_dp(3))
}

/// Parses what a user typed into a number field: thousands separators (`,`, `_`, spaces) are
/// ignored; anything else that is not a decimal number is an error in words.
pub fn parse_decimal_input(text: &str) -> Result<Decimal, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Err("enter a number".to_owned());
    }
    // As in files: a number Decimal would round is refused, not shortened silently.
    let max = crate::model::load::MAX_SIGNIFICANT_DIGITS;
    if let Some(digits) = crate::model::load::significant_digits(&cleaned)
        && digits > max
    {
        return Err(format!(
            "{digits} significant digits: RiskDeck keeps {max} exactly; shorten the number"
        ));
    }
    cleaned
        .parse::<Decimal>()
        .map_err(|_| format!("\"{text}\" is not a number; use digits and one decimal point"))
}

/// `2025-10-31 23:59 UTC` for a millisecond timestamp.
pub fn utc_time(ms: i64) -> Option<String> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// `42 s`, `5 min`, `3 h`, `12 d`: an age for people.
pub fn age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// A funding rate (fraction per funding interval) in percent, to 4 decimals: `0.01 %`.
pub fn funding_pct(rate: Decimal) -> String {
    match rate.checked_mul(Decimal::ONE_HUNDRED) {
        Some(pct) => format!("{} %", pct.round_dp(4).normalize()),
        None => "beyond range".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_integer_part_only() {
        let value: Decimal = "-1234567.891011".parse().unwrap();
        assert_eq!(group_thousands(value), "-1,234,567.891011", "grouping");
        assert_eq!(
            group_thousands(Decimal::from(999)),
            "999",
            "no separator below 1000"
        );
        assert_eq!(
            group_thousands(Decimal::from(1000)),
            "1,000",
            "one separator"
        );
    }

    #[test]
    fn prices_follow_the_tick_else_their_size() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(price(d("109650.456"), None), "109,650.46", "2 dp from 100");
        assert_eq!(price(d("3.123456"), None), "3.1235", "4 dp from 1");
        assert_eq!(price(d("0.12345678"), None), "0.123457", "6 dp below 1");
        assert_eq!(
            price(d("109650.26"), Some(d("0.5"))),
            "109,650.3",
            "tick 0.5"
        );
        assert_eq!(price(d("100.10"), None), "100.1", "trailing zero dropped");
        assert_eq!(signed_pct_decimal(d("-12.345")), "-12.35 %");
        assert_eq!(ratio_pct(d("0.0425")), "4.25 %");
        assert_eq!(leverage(None), "--");
    }

    #[test]
    fn parses_grouped_input_and_rejects_words() {
        assert_eq!(
            parse_decimal_input("1,234.5").unwrap(),
            "1234.5".parse::<Decimal>().unwrap(),
            "grouped"
        );
        assert!(
            parse_decimal_input("12abc")
                .unwrap_err()
                .contains("not a number"),
            "words"
        );
        assert!(parse_decimal_input("  ").is_err(), "empty");
    }
}
