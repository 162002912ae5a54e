//! Arbitrary decimals in every numeric field of every sample: `check` (parse + validation),
//! the engine and the report never panic; a value out of range is a problem with its path.

use proptest::prelude::*;
use riskdeck::model::parse_portfolio;

/// Every quoted decimal of `text` (`"109608.01"`), as byte ranges of the digits.
fn numeric_fields(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end] != b'"' {
                end += 1;
            }
            let inner = &text[start..end.min(text.len())];
            if !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
                && inner.chars().any(|c| c.is_ascii_digit())
            {
                fields.push((start, end));
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    fields
}

/// A hostile decimal: huge, tiny, negative, zero, many digits, exponent-free.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("-0".to_owned()),
        Just("79228162514264337593543950335".to_owned()),
        Just("-79228162514264337593543950335".to_owned()),
        Just("0.0000000000000000000000000001".to_owned()),
        Just("50000000000000000000000000000".to_owned()),
        Just("1000000000000000000".to_owned()),
        Just("0.000000000001".to_owned()),
        (1u32..29, any::<bool>()).prop_map(|(digits, negative)| {
            format!(
                "{}1{}",
                if negative { "-" } else { "" },
                "0".repeat(digits as usize)
            )
        }),
        (1u32..28).prop_map(|places| format!("0.{}1", "0".repeat(places as usize))),
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<u32>(), 0u32..20)
            .prop_map(|(n, scale)| { rust_decimal::Decimal::new(i64::from(n), scale).to_string() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::fuzz_files::cases()))]

    #[test]
    fn no_number_in_any_sample_makes_check_or_report_panic(
        sample in 0usize..4,
        picks in proptest::collection::vec((any::<prop::sample::Index>(), hostile()), 1..4),
    ) {
        let files = crate::common::sample_files();
        let text = std::fs::read_to_string(&files[sample % files.len()]).unwrap();
        let fields = numeric_fields(&text);
        prop_assume!(!fields.is_empty());
        let mut chosen: Vec<(usize, usize, String)> = picks
            .into_iter()
            .map(|(index, value)| {
                let (start, end) = fields[index.index(fields.len())];
                (start, end, value)
            })
            .collect();
        chosen.sort_by_key(|c| std::cmp::Reverse(c.0));
        chosen.dedup_by_key(|c| c.0);
        let mut mutated = text.clone();
        for (start, end, value) in chosen {
            mutated.replace_range(start..end, &value);
        }
        match parse_portfolio(&mutated) {
            // Priced at the file's time from the bundle, as it opens: no panic, and no
            // liquidation price on the wrong side of its mark.
            Ok(_) => prop_assert_eq!(crate::fuzz_files::check_file(mutated.as_bytes()), Ok(())),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for problem in problems {
                    prop_assert!(!problem.message.is_empty());
                }
            }
        }
    }
}
