//! The valuation time: `--as-of`, the file's `valuation`, history pricing at a past time, and
//! dated futures settled once expired.

use std::process::Command;

use rust_decimal::Decimal;

use crate::common::portfolios_dir;

use crate::common::{price_entry, riskdeck_cli as riskdeck};

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The close of `asset`'s bundled CSV row starting with `time` (read independently of the
/// bundle module).
fn csv_close(file: &str, time: &str) -> Decimal {
    let text = std::fs::read_to_string(format!("assets/prices/{file}")).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with(time))
        .unwrap_or_else(|| panic!("{time} in {file}"));
    row.split(',').nth(4).unwrap().parse().unwrap()
}

#[test]
fn samples_open_at_their_valuation_date_priced_from_the_bundle() {
    for file in crate::common::sample_files() {
        let path = file.to_str().unwrap();
        let json = json_of(&riskdeck(&["report", path, "--json", "--offline"]));
        assert_eq!(
            json["valuation"]["as_of"], "2025-11-01T00:00:00.000Z",
            "{path}"
        );
        assert_eq!(json["valuation"]["basis"], "history", "{path}");
        assert_eq!(json["valuation"]["from_file"], true, "{path}");
        // Nothing manual any more, nothing stale at its own time.
        assert_eq!(json["prices"]["manual"], 0, "{path}");
        assert_eq!(json["prices"]["stale"], 0, "{path}");
    }
    // A coin held in a wallet is valued at that day's close: basis-trade's cold BTC.
    let json = json_of(&riskdeck(&[
        "report",
        portfolios_dir().join("basis-trade.ron").to_str().unwrap(),
        "--json",
        "--offline",
    ]));
    let btc = json["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["account"] == "Cold wallet" && p["symbol"] == "BTC")
        .unwrap();
    assert_eq!(
        btc["mark_price"].as_f64(),
        Some(109_608.01),
        "BTC-USDT.daily.csv 2025-10-31 close"
    );
    assert_eq!(btc["price"]["kind"], "close");
    let text = riskdeck(&[
        "report",
        portfolios_dir().join("basis-trade.ron").to_str().unwrap(),
        "--offline",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with(
            "Valued at 2025-11-01 00:00 UTC (the file's valuation time): priced from history"
        )),
        "the headline is the report's second line:\n{text}"
    );
}

#[test]
fn as_of_an_hour_in_a_crash_window_takes_the_hourly_close_and_a_day_the_daily_close() {
    let path = portfolios_dir().join("basis-trade.ron");
    let path = path.to_str().unwrap();
    // The cold wallet's BTC mark, as the JSON number's shortest decimal.
    let mark = |json: &serde_json::Value| {
        json["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["account"] == "Cold wallet" && p["symbol"] == "BTC")
            .and_then(|p| p["mark_price"].as_f64())
            .unwrap()
            .to_string()
    };
    // 2025-10-10T21:00Z: the 20:00 hourly candle's close (it closes at 20:59:59.999).
    let hourly = json_of(&riskdeck(&[
        "report",
        path,
        "--json",
        "--offline",
        "--as-of",
        "2025-10-10T21:00Z",
    ]));
    assert_eq!(
        mark(&hourly).parse::<Decimal>().unwrap(),
        csv_close("BTC-USDT.hourly.csv", "2025-10-10T20:00:00Z")
    );
    assert_eq!(hourly["valuation"]["from_file"], false);
    // 2025-06-27 (no hourly window) means 2025-06-27T00:00:00Z: the last close before it,
    // the daily close of 2025-06-26 — never the close of a day not over yet.
    let daily = json_of(&riskdeck(&[
        "report",
        path,
        "--json",
        "--offline",
        "--as-of",
        "2025-06-27",
    ]));
    assert_eq!(
        mark(&daily).parse::<Decimal>().unwrap(),
        csv_close("BTC-USDT.daily.csv", "2025-06-26")
    );
    assert_eq!(daily["valuation"]["as_of"], "2025-06-27T00:00:00.000Z");
    // `prices` at a past time lists closes, kind "close", not stale at their time.
    let prices = json_of(&riskdeck(&[
        "prices",
        "--json",
        "--offline",
        "--as-of",
        "2022-11-09",
    ]));
    let btc = price_entry(&prices, "BTC");
    assert_eq!(btc["kind"], "close");
    assert_eq!(btc["stale"], false);
    assert_eq!(
        btc["price"].as_f64().map(|f| f.to_string()),
        Some(csv_close("BTC-USDT.daily.csv", "2022-11-08").to_string())
    );
}

#[test]
fn a_bad_or_future_valuation_time_is_refused_clearly() {
    let path = portfolios_dir().join("basis-trade.ron");
    let path = path.to_str().unwrap();
    let bad = riskdeck(&["report", path, "--offline", "--as-of", "31/10/2025"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a valuation time"));
    let future = riskdeck(&["report", path, "--offline", "--as-of", "2999-01-01"]);
    assert_eq!(future.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&future.stderr).contains("is in the future"));
    let before = riskdeck(&["prices", "--offline", "--as-of", "2001-01-01"]);
    assert_eq!(before.status.code(), Some(2));
    // No history at that time: missing, never today's price.
    let missing = json_of(&riskdeck(&[
        "prices",
        "--json",
        "--offline",
        "--as-of",
        "2026-01-05",
    ]));
    assert!(
        missing["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "BTC")
    );
    // A file's valuation time that is not a time: an error with its line and column.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v.ron");
    let text = std::fs::read_to_string(portfolios_dir().join("basis-trade.ron"))
        .unwrap()
        .replace("as_of: \"2025-11-01T00:00:00Z\"", "as_of: \"last tuesday\"");
    std::fs::write(&file, text).unwrap();
    let check = riskdeck(&["check", file.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("v.ron:11:") && stderr.contains("valuation.as_of"),
        "{stderr}"
    );
}

/// A file with one linear BTC future on Binance USDⓈ-M expiring on `expiry`, size 2, entry
/// 110,000, 50,000 USDT of wallet, valued at 2025-10-31.
fn future_book(expiry: &str) -> riskdeck::model::Portfolio {
    let text = format!(
        r#"#![enable(implicit_some)]
#![enable(unwrap_variant_newtypes)]
(format_version: 1, name: "f", base_currency: USD,
            valuation: (as_of: "2025-11-01T00:00:00Z"),
            accounts: [(label: "Futures", venue: BinanceUsdm, margin_mode: Cross,
              collateral: [(asset: "USDT", amount: "50000")],
              positions: [
                Future(symbol: "BTCUSDT_X", underlying: "BTC", settlement: Linear,
                  expiry: "{expiry}", size: "2", entry_price: "110000", leverage: "10"),
                Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                  size: "0.1", entry_price: "100000", leverage: "10"),
              ])])"#
    );
    riskdeck::model::parse_portfolio(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

fn priced_at_file_time(p: &riskdeck::model::Portfolio) -> riskdeck::engine::MarginReport {
    crate::common::priced_at_file_time(p).1
}

#[test]
fn an_expired_future_is_settled_at_the_08_00_close_and_leaves_margin_and_exposure() {
    let book = future_book("2025-10-10");
    let report = priced_at_file_time(&book);
    let future = report
        .positions
        .iter()
        .find(|p| &*p.symbol == "BTCUSDT_X")
        .expect("a settled row");
    let expiry = future.expired.as_ref().expect("expired");
    // Settled at the close of the 07:00 candle (07:00–07:59:59.999), i.e. BTC at 08:00 UTC.
    let settle = csv_close("BTC-USDT.hourly.csv", "2025-10-10T07:00:00Z");
    assert_eq!(settle, Decimal::new(12_093_205, 2));
    assert_eq!(expiry.settled_at, settle);
    assert!(expiry.basis.contains("1h close at 08:00"));
    // Payoff 2 × (120,932.05 − 110,000) = 21,864.10 USDT, realized into the wallet.
    assert_eq!(future.unrealized_pnl, Decimal::new(2_186_410, 2));
    assert!(future.approximate);
    assert_eq!(future.maintenance_margin, Decimal::ZERO);
    assert_eq!(future.notional_usd, Decimal::ZERO);
    assert!(future.liquidation_price.is_none());
    // The account: wallet 50,000 + 21,864.10; only the perpetual is margined and exposed.
    let account = &report.accounts[0];
    let perp = report
        .positions
        .iter()
        .find(|p| &*p.symbol == "BTCUSDT")
        .unwrap();
    assert_eq!(perp.position_index, 1, "the file's own index is kept");
    assert_eq!(future.position_index, 0);
    assert_eq!(account.maintenance_margin_usd, perp.maintenance_margin);
    let btc = report
        .exposures
        .iter()
        .find(|e| &*e.underlying == "BTC")
        .unwrap();
    // 0.1 BTC × the 2025-10-31 close 109,608.01 = 10,960.801 USD: the future is not in it.
    assert_eq!(btc.gross_notional_usd, Decimal::new(10_960_801, 3));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("expired on 2025-10-10") && w.contains("settled at 120932.05"))
    );
    // Its report line says "expired — settled at".
    let text = riskdeck::present::Report::with_analysis(
        "f.ron",
        &book,
        &report,
        &riskdeck::pricing::Valuation::now(0),
    )
    .to_text();
    assert!(text.contains("expired — settled at 120,932.05"), "{text}");
}

#[test]
fn outside_the_hourly_windows_a_future_settles_at_the_daily_close_and_without_history_is_left_out()
{
    let report = priced_at_file_time(&future_book("2025-06-27"));
    let future = report
        .positions
        .iter()
        .find(|p| &*p.symbol == "BTCUSDT_X")
        .unwrap();
    let expiry = future.expired.as_ref().unwrap();
    assert_eq!(
        expiry.settled_at,
        csv_close("BTC-USDT.daily.csv", "2025-06-27")
    );
    assert!(expiry.basis.contains("daily close of 2025-06-27"));
    // Not yet expired at the valuation time: an ordinary margined position.
    let live = priced_at_file_time(&future_book("2025-12-26"));
    let open = live
        .positions
        .iter()
        .find(|p| &*p.symbol == "BTCUSDT_X")
        .unwrap();
    assert!(open.expired.is_none());
    assert!(open.maintenance_margin > Decimal::ZERO);
    // Valued now (a year later), the bundle has no BTC price at that expiry: left out, said.
    let library = riskdeck::model::params::library();
    let book = future_book("2025-12-26");
    let board = riskdeck::market::board::offline(
        &riskdeck::market::board::wanted_by(&book, library),
        1_790_000_000_000,
        &riskdeck::market::cache::Cached::default(),
    );
    let now = riskdeck::pricing::for_choice(&board, riskdeck::model::valuation::AsOf::Now);
    let priced = riskdeck::pricing::price(Some(&book), &now, library, 1_790_000_000_000);
    let report = riskdeck::pricing::analyze(&book, &priced, library);
    assert!(report.positions.iter().all(|p| &*p.symbol != "BTCUSDT_X"));
    assert!(report.excluded.iter().any(
        |e| e.path == "accounts[0].positions[0]" && e.reason.contains("expired on 2025-12-26")
    ));
}

/// The app on the basis sample a month after its valuation time, offline, with its own
/// empty cache.
fn month_later_app() -> (
    tempfile::TempDir,
    egui_kittest::Harness<'static, riskdeck::app::RiskDeckApp>,
) {
    let (dir, path) = crate::common::temp_copy("basis-trade.ron");
    let cache = dir.path().join("cache");
    let later = crate::common::FIXED_NOW_MS + 30 * 86_400_000;
    let harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            let feed = riskdeck::app::market::LiveFeed::with_cache_dir(Some(cache))
                .with_clock(riskdeck::market::fetch::Clock::Fixed(later));
            let mut app = crate::common::frozen_app(cc, path, true, Box::new(feed));
            app.clock = riskdeck::market::fetch::Clock::Fixed(later);
            app
        });
    (dir, harness)
}

fn cold_btc_mark(app: &riskdeck::app::RiskDeckApp) -> Option<Decimal> {
    app.document
        .as_ref()?
        .analysis()
        .positions
        .iter()
        .find(|p| &*p.account == "Cold wallet" && &*p.symbol == "BTC")
        .map(|p| p.mark_price)
}

#[test]
fn the_gui_opens_a_sample_at_its_valuation_time_and_the_toolbar_switches_it() {
    use egui_kittest::kittest::Queryable as _;
    use riskdeck::model::valuation::AsOf;
    let (_dir, mut harness) = month_later_app();
    crate::common::step_until(&mut harness, "the file's time priced", |app| {
        !app.is_refreshing() && app.board().is_some_and(|b| b.historical)
    });
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("Valued at 2025-11-01 00:00 UTC (the file's valuation time)")
            .is_some(),
        "the headline names the file's time"
    );
    assert_eq!(
        cold_btc_mark(harness.state()),
        Some(csv_close("BTC-USDT.daily.csv", "2025-10-31"))
    );
    // A time typed into the toolbar's field and Enter: the hourly close then. A typo first:
    // outlined, nothing changes.
    harness.get_by_label("Valuation date or time").focus();
    harness.step();
    harness
        .get_by_label("Valuation date or time")
        .type_text("2025-10-1O");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert_eq!(
        harness.state().valuation,
        AsOf::File,
        "a typo is not applied"
    );
    harness.get_by_label("Valuation date or time").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_label("Valuation date or time")
        .type_text("2025-10-10T21:00Z");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    let at = riskdeck::model::valuation::parse_as_of("2025-10-10T21:00Z").unwrap();
    assert_eq!(harness.state().valuation, AsOf::At(at));
    crate::common::step_until(&mut harness, "the chosen time priced", |app| {
        !app.is_refreshing() && app.board().is_some_and(|b| b.as_of_ms == Some(at))
    });
    harness.run_steps(2);
    assert_eq!(
        cold_btc_mark(harness.state()),
        Some(csv_close("BTC-USDT.hourly.csv", "2025-10-10T20:00:00Z"))
    );
    assert!(
        harness
            .query_by_label_contains("Valued at 2025-10-10 21:00 UTC: priced from history")
            .is_some()
    );
    // "Now" from the toolbar's menu: today's numbers, the bundled closes then old (offline).
    harness
        .get(
            egui_kittest::kittest::By::new()
                .role(egui::accesskit::Role::ComboBox)
                .value("2025-10-10 21:00 UTC"),
        )
        .click();
    harness.run_steps(2);
    harness.get_by_label("Now").click();
    crate::common::step_until(&mut harness, "valued now", |app| {
        app.valuation == AsOf::Now
            && !app.is_refreshing()
            && app.board().is_some_and(|b| !b.historical)
    });
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Valued now (").is_some());
    let document = harness.state().document.as_ref().unwrap();
    assert_eq!(
        document.priced().valuation.basis,
        riskdeck::pricing::Basis::Now
    );
    let report = riskdeck::present::Report::with_analysis(
        "b.ron",
        document.portfolio(),
        document.analysis(),
        &document.priced().valuation,
    );
    assert!(
        report.prices.stale > 0,
        "a month-old bundled close is stale now"
    );
}

#[test]
fn one_staleness_rule_a_cached_live_mark_keeps_the_live_threshold_offline() {
    use riskdeck::market::board::Entry;
    use riskdeck::market::{PriceKind, Source};
    let now = crate::common::FIXED_NOW_MS;
    let mark = |age_s: i64, source: Source, kind: PriceKind| Entry {
        key: riskdeck::model::InstrumentKey::contract(
            riskdeck::model::Venue::BinanceUsdm,
            "BTCUSDT",
        ),
        kind,
        // Near BTC's 2025-10-31 close (a mark far from it would be refused as implausible).
        price: Decimal::from(109_000),
        quote: "quote",
        source,
        venue_time_ms: Some(now - age_s * 1000),
        fetched_at_ms: now,
        manual: false,
        via: None,
        funding_rate: None,
        listed_as: None,
    };
    let thresholds = (
        riskdeck::market::board::STALE_MARK_SECONDS,
        riskdeck::market::board::STALE_HISTORY_SECONDS,
    );
    // A live mark 10 minutes old is stale, whether fresh from the venue or read back from the
    // cache offline (its age counts from the venue's time, not the cache's).
    assert!(mark(600, Source::BinanceFutures, PriceKind::Mark).is_stale(now, thresholds));
    assert!(!mark(60, Source::BinanceFutures, PriceKind::Mark).is_stale(now, thresholds));
    // A bundled close or a candle close keeps the day threshold.
    assert!(!mark(3_600, Source::Bundle, PriceKind::Reference).is_stale(now, thresholds));
    assert!(!mark(3_600, Source::BinanceSpot, PriceKind::Close).is_stale(now, thresholds));
    assert!(mark(90_000, Source::Bundle, PriceKind::Reference).is_stale(now, thresholds));
    // The CLI's `prices --offline` reads the cached mark with the live threshold.
    let cache = tempfile::tempdir().unwrap();
    let real_now = riskdeck::market::fetch::now_ms();
    let entry = Entry {
        venue_time_ms: Some(real_now - 600_000),
        fetched_at_ms: real_now - 600_000,
        ..mark(0, Source::BinanceFutures, PriceKind::Mark)
    };
    riskdeck::market::cache::save(
        &riskdeck::market::cache::prices_path(cache.path()),
        &[entry],
        real_now - 600_000,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.ron");
    std::fs::write(
        &file,
        r#"#![enable(implicit_some)]
#![enable(unwrap_variant_newtypes)]
(format_version: 1, name: "p", base_currency: USD, accounts: [(label: "B",
            venue: BinanceUsdm, margin_mode: Cross, collateral: [(asset: "USDT", amount: "1000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
            size: "0.001", entry_price: "100", leverage: "10")])])"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_riskdeck"))
        .args(["prices", file.to_str().unwrap(), "--offline", "--json"])
        .env("RISKDECK_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let json = json_of(&output);
    let btc = price_entry(&json, "BTCUSDT");
    assert_eq!(btc["source"], "binance_futures");
    assert_eq!(btc["stale"], true, "{btc}");
    // And the report's account row says its prices are stale.
    let output = Command::new(env!("CARGO_BIN_EXE_riskdeck"))
        .args(["report", file.to_str().unwrap(), "--offline", "--json"])
        .env("RISKDECK_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let json = json_of(&output);
    assert_eq!(
        json["accounts"][0]["prices"]["stale"], 1,
        "{}",
        json["accounts"][0]
    );
    assert_eq!(json["accounts"][0]["prices"]["oldest"], "BTCUSDT");
}

/// A past time the bundle does not cover (after 2025-10-31) is priced from the venues'
/// candles at that time — Binance spot's hourly close, through a local server — said as
/// such, and cached for the next run, which then needs no network.
#[test]
fn a_past_time_beyond_the_bundle_is_priced_from_the_venue_s_candle_at_that_time() {
    use crate::common::mock_server::{MockServer, Reply};
    // 2025-11-15T12:00Z: the 11:00 hourly candle (opens 1763204400000, closes 11:59:59.999).
    let server = MockServer::start(vec![(
        "/api/v3/klines",
        vec![Reply::ok(
            r#"[[1763204400000,"95000.00","95500.00","94000.00","95123.45","10.5",1763207999999,"0",1,"0","0","0"]]"#,
        )],
    )]);
    let cache = tempfile::tempdir().unwrap();
    let run = |server: &MockServer| {
        let output = crate::common::riskdeck_against(server, cache.path())
            .args(["prices", "--json", "--as-of", "2025-11-15T12:00Z"])
            .output()
            .unwrap();
        json_of(&output)
    };
    let json = run(&server);
    assert_eq!(json["valuation"]["basis"], "history");
    let btc = price_entry(&json, "BTC");
    assert_eq!(btc["source"], "binance_spot");
    assert_eq!(btc["kind"], "close");
    assert_eq!(btc["price"], serde_json::json!(95123.45));
    assert_eq!(btc["venue_time"], "2025-11-15T11:59:59.999+00:00");
    assert_eq!(btc["stale"], false);
    // Asked once; the next run finds the candle in the cache and sends nothing for it.
    let hits = server.hits("/api/v3/klines");
    assert!(hits >= 1);
    let offline = crate::common::riskdeck_against(&server, cache.path())
        .args([
            "prices",
            "--json",
            "--offline",
            "--as-of",
            "2025-11-15T12:00Z",
        ])
        .output()
        .unwrap();
    let offline = json_of(&offline);
    let cached = price_entry(&offline, "BTC");
    assert_eq!(cached["price"], serde_json::json!(95123.45));
    assert_eq!(server.hits("/api/v3/klines"), hits, "offline: no request");
}

/// With no venue reachable (every base URL a closed local port), a past time beyond the
/// bundle asks the venues for the first coin only, not for every coin and interval (which
/// made a report wait tens of seconds), and lists the rest as missing.
#[test]
fn unreachable_venues_are_asked_once_per_past_valuation_not_per_coin() {
    let cache = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_riskdeck"));
    for source in riskdeck::market::Source::NETWORK {
        command.env(source.env_var().unwrap(), "http://127.0.0.1:1");
    }
    let output = command
        .env("RISKDECK_CACHE_DIR", cache.path())
        .args(["prices", "--json", "--as-of", "2025-11-15T12:00Z"])
        .output()
        .unwrap();
    let json = json_of(&output);
    let errors = json["errors"].as_array().unwrap();
    // One coin's hourly request at each of Binance spot, Coinbase and Kraken.
    assert!(!errors.is_empty() && errors.len() <= 3, "{errors:?}");
    assert!(errors.iter().all(|e| e["kind"] == "connect"), "{errors:?}");
    assert!(json["missing"].as_array().unwrap().len() >= 10);
}

#[test]
fn a_chosen_time_can_be_kept_in_the_file_and_undone() {
    use egui_kittest::kittest::Queryable as _;
    use riskdeck::model::valuation::{AsOf, parse_as_of};
    let (_dir, mut harness) = month_later_app();
    crate::common::step_until(&mut harness, "the file's time priced", |app| {
        !app.is_refreshing() && app.board().is_some_and(|b| b.historical)
    });
    let ctx = harness.ctx.clone();
    let at = parse_as_of("2025-10-10T21:00Z").unwrap();
    harness
        .state_mut()
        .run_command(&ctx, riskdeck::app::Command::SetValuation(AsOf::At(at)));
    harness.run_steps(2);
    harness.get_by_label("Keep in file").click();
    harness.run_steps(2);
    let file_time = |app: &riskdeck::app::RiskDeckApp| {
        app.document
            .as_ref()
            .and_then(|d| d.portfolio().valuation.clone())
            .map(|v| v.as_of)
    };
    assert_eq!(
        file_time(harness.state()).as_deref(),
        Some("2025-10-10T21:00:00Z")
    );
    assert_eq!(
        harness.state().valuation,
        AsOf::File,
        "the file's time is now the choice"
    );
    assert!(harness.state().document.as_ref().unwrap().is_dirty());
    harness
        .state_mut()
        .run_command(&ctx, riskdeck::app::Command::Undo);
    harness.run_steps(2);
    assert_eq!(
        file_time(harness.state()).as_deref(),
        Some("2025-11-01T00:00:00Z"),
        "undone"
    );
}

/// The long book valued in the 2020-03-12 crash (its 2025 entries far above the marks): three
/// accounts liquidated, total equity negative — so no total leverage is given as a number —
/// and the SOL account, whose coin had no history yet, margins nothing rather than reading as
/// if its equity were gone.
#[test]
fn a_book_valued_in_a_crash_shows_no_leverage_on_negative_equity() {
    let path = portfolios_dir().join("leveraged-long.ron");
    let path = path.to_str().unwrap();
    let args = ["report", path, "--offline", "--as-of", "2020-03-12T12:00Z"];
    let json = json_of(&riskdeck(&[&args[..], &["--json"]].concat()));
    assert!(json["totals"]["equity_usd"].as_f64().unwrap() < 0.0);
    assert!(json["totals"]["gross_leverage"].is_null());
    assert!(json["totals"]["net_leverage"].is_null());
    assert_eq!(json["totals"]["accounts_liquidated"], 3);
    let text = riskdeck(&args);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("(equity ≤ 0), net"), "{text}");
    assert!(
        text.contains(
            "Hyperliquid SOL: equity 19,946.34 USD, MM 0 USD, MM usage none (nothing margined)"
        ),
        "{text}"
    );
    // SOL's bundled history starts on 2020-08-11: the perpetual is left out, and says why.
    assert!(
        json["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reason"].as_str().unwrap().contains("SOL")),
        "{}",
        json["excluded"]
    );
}

/// An option is never listed at its underlying's price (issue 12): without a mark it is
/// unpriced, and `prices` says so and exits 1; the perpetual beside it still stands in.
#[test]
fn an_option_without_a_mark_is_unpriced_never_its_underlying_s_price() {
    let path = portfolios_dir().join("options-book.ron");
    let output = riskdeck(&["prices", path.to_str().unwrap(), "--offline", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "an instrument nothing priced"
    );
    let json = json_of(&output);
    let missing: Vec<&str> = json["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert!(
        missing.contains(&"BTC-26DEC25-125000-C at Deribit"),
        "{missing:?}"
    );
    assert_eq!(missing.len(), 4, "the four option legs");
    assert!(
        json["prices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["instrument"].as_str().unwrap().contains("DEC25")),
        "no option listed at a price"
    );
    assert_eq!(price_entry(&json, "BTC-PERPETUAL")["via"], "BTC");
}

/// σ distances at a past time use the volatility known then: the 30 daily log returns
/// ending at the last close before the valuation time, not the bundle's last 30.
#[test]
fn sigma_distances_at_a_past_time_use_the_volatility_known_then() {
    // The 31 BTC closes ending 2022-11-08 (the last before 2022-11-09T00:00Z), read from the
    // CSV here: σ = sample standard deviation of their 30 log returns.
    let text = std::fs::read_to_string("assets/prices/BTC-USDT.daily.csv").unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let end = rows
        .iter()
        .position(|r| r.starts_with("2022-11-08"))
        .unwrap();
    let closes: Vec<f64> = rows[end - 30..=end]
        .iter()
        .map(|r| r.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    let returns: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = returns.iter().sum::<f64>() / 30.0;
    let vol = (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 29.0).sqrt();
    let path = portfolios_dir().join("basis-trade.ron");
    let json = json_of(&riskdeck(&[
        "report",
        path.to_str().unwrap(),
        "--json",
        "--offline",
        "--as-of",
        "2022-11-09",
    ]));
    let leg = json["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["account"] == "Binance perps" && p["symbol"] == "BTCUSDT")
        .unwrap();
    let (mark, lp) = (
        leg["mark_price"].as_f64().unwrap(),
        leg["liquidation_price"].as_f64().unwrap(),
    );
    let sigma = leg["distance_to_liquidation_sigma"].as_f64().unwrap();
    assert!(
        ((lp / mark).ln() / vol - sigma).abs() < 1e-6,
        "{sigma} vs {}",
        (lp / mark).ln() / vol
    );
    assert!(
        json["assumptions"].as_array().unwrap().iter().any(|a| a
            .as_str()
            .unwrap()
            .contains("bundled daily closes to 2022-11-08")),
        "{}",
        json["assumptions"]
    );
}

/// The hedged-book warning at a past time counts the history known then: "to 2024-02-29"
/// for a valuation at 2024-03-01, not the bundle's end.
#[test]
fn the_hedged_book_warning_at_a_past_time_cites_the_history_known_then() {
    let path = portfolios_dir().join("basis-trade.ron");
    let json = json_of(&riskdeck(&[
        "report",
        path.to_str().unwrap(),
        "--json",
        "--offline",
        "--as-of",
        "2024-03-01",
    ]));
    let warning = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .find(|w| w.starts_with("Hedged book"))
        .expect("the basis book is a hedged book");
    assert!(
        warning.contains("bundled daily closes to 2024-02-29"),
        "{warning}"
    );
}
