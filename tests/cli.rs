//! The `riskdeck` binary's headless commands: exit codes, error format, JSON.

use std::process::Command;

use crate::common::{portfolios_dir, position_of};

use crate::common::riskdeck_cli as riskdeck;

#[test]
fn check_accepts_every_sample() {
    let dir = portfolios_dir();
    let files: Vec<String> = crate::common::sample_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let args: Vec<&str> = std::iter::once("check")
        .chain(files.iter().map(String::as_str))
        .collect();
    let output = riskdeck(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("basis-trade.ron: ok"),
        "{dir:?}"
    );
}

#[test]
fn check_reports_file_line_col_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ron");
    let text = std::fs::read_to_string(portfolios_dir().join("basis-trade.ron"))
        .unwrap()
        .replacen("venue: BybitLinear", "venue: Bybot", 1);
    std::fs::write(&path, &text).unwrap();
    let output = riskdeck(&["check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "invalid file");
    let (line, col) = position_of(&text, "Bybot");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "{}:{line}:{col}: accounts[2].venue: unknown venue `Bybot`",
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn check_of_a_missing_file_exits_1() {
    let output = riskdeck(&["check", "/no/such/file.ron"]);
    assert_eq!(output.status.code(), Some(1), "missing file");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot read"),
        "says why"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        riskdeck(&["check"]).status.code(),
        Some(2),
        "check needs a file"
    );
    assert_eq!(
        riskdeck(&["frobnicate", "x", "y"]).status.code(),
        Some(2),
        "unknown subcommand"
    );
    assert_eq!(
        riskdeck(&["report", "--bogus"]).status.code(),
        Some(2),
        "unknown flag"
    );
}

#[test]
fn help_and_version() {
    let help = riskdeck(&["--help"]);
    assert_eq!(help.status.code(), Some(0), "help");
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["check", "report", "format"] {
        assert!(text.contains(command), "help lists {command}: {text}");
    }
    let version = riskdeck(&["--version"]);
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")),
        "version"
    );
}

#[test]
fn report_json_is_one_document_with_numbers() {
    let path = portfolios_dir().join("leveraged-long.ron");
    let output = riskdeck(&["report", path.to_str().unwrap(), "--json", "--offline"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["counts"]["accounts"], 4, "accounts");
    assert_eq!(json["counts"]["positions"], 6, "positions");
    let first = &json["accounts"][0]["positions"][0];
    assert_eq!(first["symbol"], "BTCUSDT", "symbol");
    assert_eq!(
        first["entry_price"].as_f64(),
        Some(109_608.01),
        "a JSON number"
    );
    assert_eq!(first["leverage"].as_f64(), Some(10.0), "leverage");
    // USDT collateral: 30,000 (Binance) + 20,000 (OKX) = 50,000 in 2 accounts.
    let usdt = json["collateral_totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["asset"] == "USDT")
        .unwrap();
    assert_eq!(usdt["amount"].as_f64(), Some(50_000.0), "sum of USDT");
    assert_eq!(usdt["accounts"], 2, "held in two accounts");
}

#[test]
fn report_text_has_thousands_separators() {
    let path = portfolios_dir().join("leveraged-long.ron");
    let output = riskdeck(&["report", path.to_str().unwrap(), "--offline"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("109,608.01"), "{text}");
    assert!(text.contains("Aave loop"), "{text}");
}

#[test]
fn format_check_passes_on_canonical_samples() {
    let files: Vec<String> = crate::common::sample_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let args: Vec<&str> = ["format", "--check"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let output = riskdeck(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn check_json_lists_problems() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ron");
    std::fs::write(&path, "").unwrap();
    let output = riskdeck(&["check", "--json", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "invalid");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], false, "overall");
    assert_eq!(json["files"][0]["problems"][0]["line"], 1, "line");
}

#[test]
fn an_unknown_command_or_source_is_a_usage_error_listing_what_exists() {
    // Without the check, "stress" was taken for a file name and the window opened.
    let output = riskdeck(&["stress"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown command \"stress\""), "{stderr}");
    assert!(
        stderr.contains("check, report, prices, history, format"),
        "{stderr}"
    );
    let output = riskdeck(&["prices", "--offline", "--source", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("use binance, coinbase"));
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let cache = tempfile::tempdir().unwrap();
    for args in [
        vec!["report", "portfolios/leveraged-long.ron", "--offline"],
        vec![
            "history",
            "BTC",
            "--from",
            "2019-01-01",
            "--to",
            "2025-10-31",
            "--offline",
        ],
        vec![
            "report",
            "portfolios/leveraged-long.ron",
            "--offline",
            "--json",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_riskdeck"))
            .args(&args)
            .env("RISKDECK_CACHE_DIR", cache.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one line, then close the pipe, as `| head -1` does.
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn the_basis_trade_sample_shows_the_hedged_book_warning() {
    let output = riskdeck(&[
        "report",
        "portfolios/basis-trade.ron",
        "--offline",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("Hedged book") && w.contains("\"Binance perps\"")),
        "{warnings:?}"
    );
}

#[test]
fn extreme_decimals_are_problems_with_their_place_never_a_panic() {
    let sample = std::fs::read_to_string(portfolios_dir().join("leveraged-long.ron")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // (the field's text in the sample, the hostile value, the path the problem names)
    for (from, to, path) in [
        (
            "size: \"1.5\"",
            "size: \"5e27\"",
            "accounts[0].positions[0].size",
        ),
        (
            "size: \"1.5\"",
            "size: \"50000000000000000000000000000\"",
            "accounts[0].positions[0].size",
        ),
        (
            "amount: \"30000\"",
            "amount: \"10000000000000000000000000000\"",
            "accounts[0].collateral[0].amount",
        ),
        (
            "entry_price: \"109608.01\"",
            "entry_price: \"0.000000000000000000000000001\"",
            "accounts[0].positions[0].entry_price",
        ),
    ] {
        assert!(sample.contains(from), "{from}");
        let file = dir.path().join("x.ron");
        std::fs::write(&file, sample.replacen(from, to, 1)).unwrap();
        for command in ["check", "report"] {
            let mut args = vec![command, file.to_str().unwrap()];
            if command == "report" {
                args.push("--offline");
            }
            let output = riskdeck(&args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{command} {to}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert!(stderr.contains(path), "{command} {to}: {stderr}");
        }
    }
}

#[test]
fn max_age_fails_a_script_on_old_prices_and_the_report_says_which() {
    // The basis book valued now (not at its file time), offline: priced from the bundled
    // closes of 2025-10-31, which are old now.
    let file = portfolios_dir().join("basis-trade.ron");
    let path = file.to_str().unwrap();
    let now = ["--as-of", "now"];
    let at_file_time = riskdeck(&["report", path, "--offline", "--max-age-s", "60"]);
    assert_eq!(
        at_file_time.status.code(),
        Some(0),
        "at its own time nothing is old"
    );
    let old = riskdeck(&[
        "report",
        path,
        "--offline",
        "--json",
        "--max-age-s",
        "60",
        now[0],
        now[1],
    ]);
    assert_eq!(
        old.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&old.stderr)
    );
    assert!(String::from_utf8_lossy(&old.stderr).contains("older than --max-age-s 60"));
    let json: serde_json::Value = serde_json::from_slice(&old.stdout).unwrap();
    assert_eq!(json["prices"]["oldest_source"], "bundle");
    assert!(json["prices"]["bundled"].as_u64().unwrap() >= 5);
    assert_eq!(json["valuation"]["basis"], "now");
    let text = riskdeck(&["report", path, "--offline", now[0], now[1]]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("  Prices: oldest "));
    // A threshold the data meets passes.
    let ok = riskdeck(&[
        "report",
        path,
        "--offline",
        "--max-age-s",
        "9999999999",
        now[0],
        now[1],
    ]);
    assert_eq!(ok.status.code(), Some(0));
    let prices = riskdeck(&[
        "prices",
        path,
        "--offline",
        "--max-age-s",
        "60",
        now[0],
        now[1],
    ]);
    assert_eq!(prices.status.code(), Some(1));
}

#[test]
fn check_warns_of_an_over_committed_account_with_its_line_and_exits_0() {
    // 1 BTC at 10x needs 10,960.80 USDT of initial margin at the 2025-10-31 close
    // (109,608.01 / 10); the wallet holds 1,000: it could not have been opened.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oc.ron");
    std::fs::write(
        &file,
        r#"#![enable(implicit_some)]
#![enable(unwrap_variant_newtypes)]
(format_version: 1, name: "oc", base_currency: USD,
    valuation: (as_of: "2025-11-01T00:00:00Z"),
    accounts: [
        (label: "Fine", venue: BinanceUsdm, margin_mode: Cross,
          collateral: [(asset: "USDT", amount: "100000")], positions: []),
        (label: "Tiny", venue: BinanceUsdm, margin_mode: Cross,
          collateral: [(asset: "USDT", amount: "1000")],
          positions: [
            Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
              size: "1", entry_price: "109608.01", leverage: "10"),
          ]),
    ])
"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = riskdeck(&["check", path]);
    assert_eq!(out.status.code(), Some(0), "a warning, not an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{path}:8:9: warning: accounts[1]: \"Tiny\" needs 10960.80 USD"
        )) && stderr.contains("over-committed"),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&riskdeck(&["check", path, "--json"]).stdout).unwrap();
    let warning = &json["files"][0]["warnings"][0];
    assert_eq!(warning["path"], "accounts[1]");
    assert_eq!(warning["line"], 8);
    // The report says it too, in warnings[].
    let report: serde_json::Value =
        serde_json::from_slice(&riskdeck(&["report", path, "--offline", "--json"]).stdout).unwrap();
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("Over-committed: \"Tiny\""))
    );
    // Every sample checks clean of warnings.
    for sample in crate::common::sample_files() {
        let out = riskdeck(&["check", sample.to_str().unwrap()]);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("warning"),
            "{}",
            sample.display()
        );
    }
}
