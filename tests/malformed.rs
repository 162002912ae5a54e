//! Broken portfolio files: each gives the exact path and line:column, in words a trader
//! understands, and loading never panics.
//!
//! Expected positions are computed by searching the broken text for the offending token
//! (`common::position_of`), independently of the parser's own span tracking.

use riskdeck::model::{Problem, parse_portfolio, parse_portfolio_bytes};

use crate::common::position_of;

const BASE: &str = r#"// A small valid portfolio the cases below break one way each.
(
    format_version: 1,
    name: "Test",
    base_currency: USD,
    accounts: [
        (
            label: "Main",
            venue: BinanceUsdm,
            margin_mode: Cross,
            collateral: [
                (asset: "USDT", amount: "1000"),
            ],
            positions: [
                Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "1", entry_price: "100000", leverage: "10"),
            ],
        ),
        (
            label: "Wallet",
            venue: SpotWallet,
            margin_mode: Cross,
            positions: [
                Spot(asset: "BTC", amount: "2"),
            ],
        ),
        (
            label: "Options",
            venue: Deribit,
            margin_mode: Cross,
            positions: [
                Option(symbol: "BTC-26DEC25-95000-P", underlying: "BTC", right: Put, strike: "95000", expiry: "2025-12-26", size: "-1", contract_size: "1", settlement: Inverse),
            ],
        ),
    ],
)
"#;

/// Replaces the one occurrence of `from` in the base file.
fn broken(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "{from:?} must occur once in BASE"
    );
    BASE.replacen(from, to, 1)
}

fn problems(text: &str) -> Vec<Problem> {
    parse_portfolio(text).expect_err("the broken file must be rejected")
}

/// Asserts there is a problem at `path`, at the position of `needle` in `text`, whose
/// message contains `words`.
fn assert_problem(text: &str, path: &str, needle: &str, words: &str) {
    let (line, col) = position_of(text, needle);
    let found = problems(text);
    assert!(
        found
            .iter()
            .any(|p| p.path == path && p.line == line && p.col == col && p.message.contains(words)),
        "expected {path} at {line}:{col} containing {words:?}; got:\n{}",
        found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn base_file_is_valid() {
    parse_portfolio(BASE).unwrap();
}

#[test]
fn empty_file() {
    let found = problems("");
    assert_eq!((found[0].line, found[0].col), (1, 1), "position");
    assert!(found[0].message.contains("empty"), "{}", found[0].message);
}

#[test]
fn whitespace_and_comment_only_file() {
    let found = problems("// nothing here\n   \n");
    assert!(
        found[0].message.contains("ends where a value was expected"),
        "{}",
        found[0].message
    );
    assert_eq!((found[0].line, found[0].col), (3, 1), "the end of the file");
}

#[test]
fn binary_file() {
    let bytes = b"(\n  name: \"x\xff\xfe\x00\"";
    let found = parse_portfolio_bytes(bytes).unwrap_err();
    // The invalid byte follows `(`, a newline and `  name: "x`: line 2, column 11.
    assert_eq!(
        (found[0].line, found[0].col),
        (2, 11),
        "position of the first bad byte"
    );
    assert!(
        found[0].message.contains("not a text file"),
        "{}",
        found[0].message
    );
}

#[test]
fn huge_file_is_refused_before_parsing() {
    let bytes = vec![b' '; 17 * 1024 * 1024];
    let found = parse_portfolio_bytes(&bytes).unwrap_err();
    assert!(found[0].message.contains("at most"), "{}", found[0].message);
}

#[test]
fn deeply_nested_file_does_not_overflow() {
    let text = format!("(format_version: 1, name: {}", "[".repeat(200_000));
    let found = problems(&text);
    assert!(
        found[0].message.contains("nested too deeply"),
        "{}",
        found[0].message
    );
}

#[test]
fn unknown_field_in_a_position() {
    let text = broken("leverage: \"10\"", "levrage: \"10\"");
    assert_problem(
        &text,
        "accounts[0].positions[0].levrage",
        "levrage",
        "unknown field `levrage`",
    );
}

#[test]
fn unknown_top_level_field() {
    let text = broken(
        "    name: \"Test\",\n",
        "    name: \"Test\",\n    colour: \"red\",\n",
    );
    assert_problem(&text, "colour", "colour", "unknown field `colour`");
}

#[test]
fn unknown_venue() {
    let text = broken("venue: BinanceUsdm", "venue: Binanse");
    assert_problem(
        &text,
        "accounts[0].venue",
        "Binanse",
        "unknown venue `Binanse`",
    );
}

#[test]
fn unknown_margin_mode() {
    let text = broken(
        "venue: SpotWallet,\n            margin_mode: Cross",
        "venue: SpotWallet,\n            margin_mode: Crossed",
    );
    assert_problem(
        &text,
        "accounts[1].margin_mode",
        "Crossed",
        "unknown margin mode `Crossed`",
    );
}

#[test]
fn unknown_position_kind() {
    let text = broken("Spot(asset", "Spott(asset");
    assert_problem(
        &text,
        "accounts[1].positions[0]",
        "Spott",
        "unknown position kind `Spott`",
    );
}

#[test]
fn wrong_instrument_for_venue() {
    let text = broken(
        "Spot(asset: \"BTC\", amount: \"2\")",
        "Perpetual(symbol: \"BTCUSDT\", underlying: \"BTC\", settlement: Linear, size: \"1\", entry_price: \"1\")",
    );
    assert_problem(
        &text,
        "accounts[1].positions[0]",
        "Perpetual(symbol: \"BTCUSDT\", underlying: \"BTC\", settlement: Linear, size: \"1\", entry_price: \"1\")",
        "cannot be held in a Spot wallet",
    );
}

#[test]
fn negative_entry_price() {
    let text = broken("entry_price: \"100000\"", "entry_price: \"-5\"");
    assert_problem(
        &text,
        "accounts[0].positions[0].entry_price",
        "\"-5\"",
        "greater than zero",
    );
}

#[test]
fn negative_spot_amount() {
    let text = broken("amount: \"2\"", "amount: \"-2\"");
    assert_problem(
        &text,
        "accounts[1].positions[0].amount",
        "\"-2\"",
        "cannot be negative",
    );
}

#[test]
fn negative_collateral() {
    let text = broken("amount: \"1000\"", "amount: \"-1000\"");
    assert_problem(
        &text,
        "accounts[0].collateral[0].amount",
        "\"-1000\"",
        "cannot be negative",
    );
}

#[test]
fn leverage_above_the_venue_maximum() {
    let text = broken("leverage: \"10\"", "leverage: \"200\"");
    assert_problem(
        &text,
        "accounts[0].positions[0].leverage",
        "\"200\"",
        "at most 100x at this size",
    );
}

#[test]
fn leverage_below_one() {
    let text = broken("leverage: \"10\"", "leverage: \"0.5\"");
    assert_problem(
        &text,
        "accounts[0].positions[0].leverage",
        "\"0.5\"",
        "at least 1x",
    );
}

#[test]
fn option_without_expiry() {
    let text = broken("expiry: \"2025-12-26\", ", "");
    // ron reports a missing field where the struct closes: the `)` ending the option.
    let option_end = ", settlement: Inverse)";
    let (line, col) = position_of(&text, option_end);
    let found = problems(&text);
    let problem = found
        .iter()
        .find(|p| p.path == "accounts[2].positions[0]")
        .expect("option problem");
    assert!(
        problem
            .message
            .contains("required field `expiry` is missing"),
        "{}",
        problem.message
    );
    assert_eq!(problem.line, line, "line of the option");
    assert_eq!(
        problem.col,
        col + option_end.len() - 1,
        "column of its closing parenthesis"
    );
}

#[test]
fn duplicate_account_labels() {
    let text = broken("label: \"Wallet\"", "label: \"Main\"");
    let (line, col) = position_of(&text, "\"Main\",\n            venue: SpotWallet");
    let found = problems(&text);
    assert!(
        found.iter().any(|p| p.path == "accounts[1].label"
            && (p.line, p.col) == (line, col)
            && p.message.contains("already labelled \"Main\"")),
        "{found:?}"
    );
}

#[test]
fn empty_account_label() {
    let text = broken("label: \"Wallet\"", "label: \"  \"");
    assert_problem(&text, "accounts[1].label", "\"  \"", "needs a label");
}

#[test]
fn missing_format_version() {
    let text = broken("    format_version: 1,\n", "");
    assert_problem(
        &text,
        "format_version",
        "(\n    name",
        "format_version` is missing",
    );
}

#[test]
fn newer_format_version() {
    let text = broken("format_version: 1", "format_version: 2");
    assert_problem(&text, "format_version", "2,", "newer RiskDeck");
}

#[test]
fn format_version_not_a_number() {
    let text = broken("format_version: 1", "format_version: \"one\"");
    assert_problem(&text, "format_version", "\"one\"", "whole number");
}

#[test]
fn decimal_written_without_quotes() {
    let text = broken("size: \"1\", entry_price", "size: 1, entry_price");
    assert_problem(
        &text,
        "accounts[0].positions[0].size",
        "1, entry_price",
        "in quotes",
    );
}

#[test]
fn decimal_that_is_not_a_number() {
    let text = broken("size: \"1\", entry_price", "size: \"1.2.3\", entry_price");
    assert_problem(
        &text,
        "accounts[0].positions[0].size",
        "\"1.2.3\"",
        "not a valid decimal",
    );
}

#[test]
fn impossible_date() {
    let text = broken("expiry: \"2025-12-26\"", "expiry: \"2025-13-45\"");
    assert_problem(
        &text,
        "accounts[2].positions[0].expiry",
        "\"2025-13-45\"",
        "date",
    );
}

#[test]
fn margin_mode_the_venue_does_not_offer() {
    let text = broken(
        "venue: SpotWallet,\n            margin_mode: Cross",
        "venue: SpotWallet,\n            margin_mode: Isolated",
    );
    assert_problem(
        &text,
        "accounts[1].margin_mode",
        "Isolated",
        "has no isolated margin mode",
    );
}

#[test]
fn isolated_position_without_leverage() {
    let text = broken(
        "venue: BinanceUsdm,\n            margin_mode: Cross",
        "venue: BinanceUsdm,\n            margin_mode: Isolated",
    );
    let text = text.replacen(", leverage: \"10\"", "", 1);
    // A missing field is reported at the position that lacks it.
    assert_problem(
        &text,
        "accounts[0].positions[0].leverage",
        "Perpetual(",
        "needs its leverage",
    );
}

#[test]
fn isolated_margin_in_a_cross_account() {
    let text = broken(
        "leverage: \"10\"",
        "leverage: \"10\", isolated_margin: \"500\"",
    );
    assert_problem(
        &text,
        "accounts[0].positions[0].isolated_margin",
        "\"500\"",
        "only applies in isolated mode",
    );
}

#[test]
fn inverse_contract_on_a_linear_venue() {
    let text = broken(
        "settlement: Linear",
        "settlement: Inverse, contract_size: \"100\"",
    );
    assert_problem(
        &text,
        "accounts[0].positions[0].settlement",
        "Inverse, contract_size",
        "has no inverse",
    );
}

#[test]
fn okx_position_without_contract_size() {
    let text = broken("venue: BinanceUsdm", "venue: Okx");
    assert_problem(
        &text,
        "accounts[0].positions[0].contract_size",
        "Perpetual(",
        "counts positions in contracts",
    );
}

#[test]
fn unclosed_string() {
    let text = broken("name: \"Test\",", "name: \"Test,");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "one syntax error");
    // The quote opened on line 4 swallows text up to the next `"`; the scanner reports the
    // first place where what follows makes no sense (the quote pairing is off from there on).
    assert!(
        found[0].line >= position_of(&text, "\"Test,").0,
        "at or after the open quote: {found:?}"
    );
}

#[test]
fn truncated_file() {
    let text = &BASE[..BASE.find("label: \"Wallet\"").unwrap()];
    let found = problems(text);
    assert!(found[0].message.contains("ends"), "{found:?}");
}

#[test]
fn trailing_text_after_the_portfolio() {
    let text = format!("{BASE}\nextra");
    let found = problems(&text);
    let (line, col) = position_of(&text, "extra");
    assert_eq!((found[0].line, found[0].col), (line, col), "{found:?}");
    assert!(found[0].message.contains("after the end"), "{found:?}");
}

#[test]
fn journal_names_an_unknown_account() {
    let text = broken(
        "    ],\n)\n",
        "    ],\n    journal: [\n        Funding(time: \"2025-10-31T08:00:00Z\", account: \"Ghost\", symbol: \"BTCUSDT\", asset: \"USDT\", amount: \"-3.5\"),\n    ],\n)\n",
    );
    assert_problem(
        &text,
        "journal[0].account",
        "\"Ghost\"",
        "no account is labelled \"Ghost\"",
    );
}

#[test]
fn scenario_falling_more_than_100_percent() {
    let text = broken(
        "    ],\n)\n",
        "    ],\n    scenario_sets: [\n        (name: \"Doom\", scenarios: [(name: \"Zero\", price_shocks: [(underlying: \"BTC\", change_percent: \"-150\")])]),\n    ],\n)\n",
    );
    assert_problem(
        &text,
        "scenario_sets[0].scenarios[0].price_shocks[0].change_percent",
        "\"-150\"",
        "more than 100 %",
    );
}

#[test]
fn every_problem_in_a_file_is_reported_together() {
    // Three independent type errors in three places, plus the validation they hide.
    let text = broken("venue: BinanceUsdm", "venue: Binanse");
    let text = text.replacen("amount: \"2\"", "amount: 2", 1);
    let text = text.replacen("right: Put", "right: Putt", 1);
    let found = problems(&text);
    let paths: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"accounts[0].venue"), "{paths:?}");
    assert!(
        paths.contains(&"accounts[1].positions[0].amount"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"accounts[2].positions[0].right"),
        "{paths:?}"
    );
}

#[test]
fn every_validation_problem_is_reported_together() {
    let text = broken("entry_price: \"100000\"", "entry_price: \"-1\"");
    let text = text.replacen("amount: \"2\"", "amount: \"-2\"", 1);
    let text = text.replacen("label: \"Options\"", "label: \"Main\"", 1);
    let found = problems(&text);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found
            .windows(2)
            .all(|pair| (pair[0].line, pair[0].col) <= (pair[1].line, pair[1].col)),
        "sorted by position"
    );
}

#[test]
fn random_bytes_never_panic() {
    // A deterministic stream of pseudo-random byte strings (64-bit LCG).
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for length in 0..400 {
        let bytes: Vec<u8> = (0..length)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                b"()[]{}:,\"'/*#rR_aZ09 \n-."[(state >> 33) as usize % 24]
            })
            .collect();
        let _ = parse_portfolio_bytes(&bytes);
    }
}

#[test]
fn every_prefix_of_a_valid_file_never_panics() {
    for end in (0..BASE.len()).filter(|&end| BASE.is_char_boundary(end)) {
        let _ = parse_portfolio(&BASE[..end]);
    }
}

/// A file of `n` positions each with a size that is not a number (one problem each).
fn many_problems(n: usize) -> String {
    let positions: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "                Perpetual(symbol: \"BTCUSDT\", underlying: \"BTC\", settlement: \
                 Linear, size: \"lots{i}\", entry_price: \"100\", leverage: \"10\"),"
            )
        })
        .collect();
    BASE.replace(
        "                Perpetual(symbol: \"BTCUSDT\", underlying: \"BTC\", settlement: Linear, size: \"1\", entry_price: \"100000\", leverage: \"10\"),",
        &positions.join("\n"),
    )
}

#[test]
fn forty_thousand_problems_are_all_listed_each_at_its_line() {
    // The listing is linear (line starts indexed once); its speed is in benches/problems.rs.
    let text = many_problems(40_000);
    let found = problems(&text);
    assert_eq!(found.len(), 40_000);
    for i in [0, 1, 19_999, 39_999] {
        let (line, col) = position_of(&text, &format!("\"lots{i}\""));
        let problem = &found[i];
        assert_eq!((problem.line, problem.col), (line, col), "{problem}");
        assert_eq!(problem.path, format!("accounts[0].positions[{i}].size"));
    }
}

#[test]
fn a_byte_order_mark_and_cr_only_line_endings_are_read() {
    let with_bom = format!("\u{feff}{BASE}");
    assert!(
        parse_portfolio_bytes(with_bom.as_bytes()).is_ok(),
        "a UTF-8 BOM is read"
    );
    let cr_only = BASE.replace('\n', "\r");
    assert!(
        parse_portfolio(&cr_only).is_ok(),
        "old-Mac line endings are read"
    );
    let crlf = BASE.replace('\n', "\r\n");
    assert!(parse_portfolio(&crlf).is_ok());
    // Positions stay right in a CR-only file: the broken size is on the line it is on.
    let broken = broken("entry_price: \"100000\"", "entry_price: \"one\"").replace('\n', "\r");
    let found = problems(&broken);
    let (line, col) = position_of(&broken.replace('\r', "\n"), "\"one\"");
    assert_eq!((found[0].line, found[0].col), (line, col), "{:?}", found[0]);
    // A BOM file keeps its top comment through a save (it is part of the header).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.ron");
    std::fs::write(&path, with_bom.as_bytes()).unwrap();
    let loaded = riskdeck::model::io::load_file(&path).unwrap();
    assert!(
        loaded.header.starts_with("// A small valid portfolio"),
        "{:?}",
        loaded.header
    );
}

#[test]
fn a_decimal_with_more_digits_than_decimal_holds_is_an_error_at_its_position() {
    // 31 significant digits: Decimal would round it to 28 and `format` would write it shorter.
    let text = broken(
        "entry_price: \"100000\"",
        "entry_price: \"109608.0123456789012345678901234\"",
    );
    let found = problems(&text);
    let (line, col) = position_of(&text, "\"109608.0123456789012345678901234\"");
    assert_eq!((found[0].line, found[0].col), (line, col));
    assert_eq!(found[0].path, "accounts[0].positions[0].entry_price");
    assert!(
        found[0].message.contains("31 significant digits"),
        "{}",
        found[0].message
    );
    // 28 digits, and trailing zeros beyond, are exact and accepted.
    let ok = broken(
        "entry_price: \"100000\"",
        "entry_price: \"109608.0123456789012345678900000000\"",
    );
    assert!(parse_portfolio(&ok).is_ok());
    // A name that happens to be digits is text, not a number.
    let named = broken(
        "name: \"Test\"",
        "name: \"1234567890123456789012345678901234\"",
    );
    assert!(parse_portfolio(&named).is_ok());
    // The GUI's number fields refuse the same input.
    assert!(
        riskdeck::present::format::parse_decimal_input("109,608.0123456789012345678901234")
            .unwrap_err()
            .contains("significant digits")
    );
    for (input, digits) in [
        ("-0012.3400", Some(4)),
        ("0.0001", Some(4)),
        ("1e5", None),
        ("", None),
    ] {
        assert_eq!(
            riskdeck::model::load::significant_digits(input),
            digits,
            "{input}"
        );
    }
}

#[test]
fn the_too_large_message_gives_the_file_s_own_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ron");
    let size = riskdeck::model::load::MAX_FILE_BYTES + 5_000_000;
    std::fs::write(&path, vec![b' '; size]).unwrap();
    let error = riskdeck::model::io::load_file(&path)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("the file is {size} bytes")),
        "{error}"
    );
}
