//! Number formatting and parsing shared by the GUI and the CLI's text output.

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
    format!(
        "{} %",
        (rate * Decimal::ONE_HUNDRED).round_dp(4).normalize()
    )
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
