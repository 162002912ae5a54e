//! The pricing seam and the presentation layer: one contract symbol at two venues keeps two
//! marks (CLI and GUI), and the GUI and `riskdeck report` price every sample identically and
//! print the same digits.

use std::sync::Arc;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use riskdeck::app::RiskDeckApp;
use riskdeck::app::document::Document;
use riskdeck::market::board::{self, Board, Entry};
use riskdeck::market::cache::Cached;
use riskdeck::market::fetch::{Progress, VenueReport, VenueState};
use riskdeck::market::{PriceKind, Source};
use riskdeck::model::io::load_file;
use riskdeck::model::params::library;
use riskdeck::model::{InstrumentKey, Venue};
use riskdeck::present::format;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::common::mock_server::{MockServer, Reply};
use crate::common::{riskdeck_against, sample_files, step_until, temp_copy};

/// A fixed valuation time for boards built here: 2025-11-01 00:00 UTC.
const VALUED_AT_MS: i64 = 1_761_955_200_000;

fn mark(key: InstrumentKey, price: Decimal, source: Source) -> Entry {
    Entry {
        key,
        kind: PriceKind::Mark,
        price,
        quote: "quote",
        source,
        venue_time_ms: Some(VALUED_AT_MS),
        fetched_at_ms: VALUED_AT_MS,
        manual: false,
        via: None,
        funding_rate: None,
        listed_as: None,
    }
}

/// The basis book's board with Binance's BTCUSDT at 110,000 and Bybit's at 110,500.
fn two_mark_board() -> Board {
    let mut board = Board::default();
    board.entries.push(mark(
        InstrumentKey::contract(Venue::BinanceUsdm, "BTCUSDT"),
        dec!(110000),
        Source::BinanceFutures,
    ));
    board.entries.push(mark(
        InstrumentKey::contract(Venue::BybitLinear, "BTCUSDT"),
        dec!(110500),
        Source::Bybit,
    ));
    board.sort();
    board
}

fn position<'a>(
    report: &'a riskdeck::present::Report,
    account: &str,
    symbol: &str,
) -> &'a riskdeck::present::report::PositionRiskLine {
    report
        .positions
        .iter()
        .find(|p| p.account == account && p.symbol == symbol)
        .unwrap_or_else(|| panic!("{account} {symbol} not priced"))
}

#[test]
fn two_venues_holding_btcusdt_keep_their_own_marks_upnl_and_distances() {
    let (_dir, path) = crate::common::temp_copy_with_manual("basis-trade.ron", &["BTC", "ETH"]);
    let path = path.as_path();
    let portfolio = load_file(path).unwrap().portfolio;
    let report =
        riskdeck::cli::market::report_from_board(path, &portfolio, &two_mark_board(), VALUED_AT_MS);
    let binance = position(&report, "Binance perps", "BTCUSDT");
    let bybit = position(&report, "Bybit perps", "BTCUSDT");
    assert_eq!(binance.mark_price, dec!(110000));
    assert_eq!(bybit.mark_price, dec!(110500));
    // uPnL = size × (mark − entry): −6 × (110,000 − 109,608.01) = −2,351.94 USDT and
    // −4 × (110,500 − 109,608.01) = −3,567.96 USDT.
    assert_eq!(binance.unrealized_pnl, dec!(-2351.94));
    assert_eq!(bybit.unrealized_pnl, dec!(-3567.96));
    // Each distance is measured from the leg's own mark: (liq − mark) / mark × 100.
    for (leg, own_mark) in [(binance, dec!(110000)), (bybit, dec!(110500))] {
        let liq = leg
            .liquidation_price
            .expect("a short leg has a liquidation price");
        let expected = (liq - own_mark) * dec!(100) / own_mark;
        let distance = leg.distance_to_liquidation_pct.unwrap();
        assert!(
            (distance - expected).abs() < dec!(0.000001),
            "{}: {distance} vs {expected}",
            leg.account
        );
    }
}

#[test]
fn gui_document_and_cli_report_price_every_sample_identically() {
    let cache = Cached::default();
    for file in sample_files() {
        let portfolio = load_file(&file).unwrap().portfolio;
        let wanted = board::wanted_by(&portfolio, library());
        // Offline bundle board, and the same with two venues' BTCUSDT marks laid on.
        let offline = board::offline(&wanted, VALUED_AT_MS, &cache);
        let mut marked = offline.clone();
        for entry in two_mark_board().entries {
            marked.entries.retain(|e| e.key != entry.key);
            marked.entries.push(entry);
        }
        marked.sort();
        for board in [offline, marked] {
            // The GUI's path: the document given the board.
            let mut document = Document::new(
                portfolio.clone(),
                Some(file.clone()),
                "x".into(),
                None,
                String::new(),
            );
            document.set_board(Arc::new(board.clone()), VALUED_AT_MS);
            // The CLI's path.
            let cli =
                riskdeck::cli::market::report_from_board(&file, &portfolio, &board, VALUED_AT_MS);
            let gui = riskdeck::present::Report::with_analysis(
                &file.display().to_string(),
                &portfolio,
                document.analysis(),
                &document.priced().valuation,
            );
            assert_eq!(
                serde_json::to_value(&gui).unwrap(),
                serde_json::to_value(&cli).unwrap(),
                "{}",
                file.display()
            );
            assert_eq!(
                document.priced(),
                &riskdeck::pricing::price(Some(&portfolio), &board, library(), VALUED_AT_MS),
                "same snapshot and assumptions: {}",
                file.display()
            );
            assert_eq!(gui.to_text(), cli.to_text(), "{}", file.display());
        }
    }
}

/// A feed that answers at once with the two venues' BTCUSDT marks over the bundle.
struct TwoMarkFeed;

impl riskdeck::app::market::PriceFeed for TwoMarkFeed {
    fn refresh(
        &mut self,
        wanted: &[board::Wanted],
        _settings: &riskdeck::app::market::FeedSettings,
        _cancel: &std::sync::atomic::AtomicBool,
        _progress: &(dyn Fn(Progress) + Sync),
    ) -> Board {
        self.offline(wanted)
    }

    fn offline(&mut self, wanted: &[board::Wanted]) -> Board {
        let mut board = board::offline(wanted, VALUED_AT_MS, &Cached::default());
        board.offline_as_of = None;
        for entry in two_mark_board().entries {
            board.entries.retain(|e| e.key != entry.key);
            board.entries.push(entry);
        }
        board.venues.insert(
            Source::Bybit,
            VenueReport {
                state: VenueState::Ok,
                elapsed: Duration::from_millis(1),
                answered: 1,
                requested: 1,
            },
        );
        board.sort();
        board
    }
}

/// Opens `sample` in the GUI with `feed`, expands every account of the Margin panel and
/// returns the harness once prices arrived.
fn expanded(
    sample: &str,
    feed: Box<dyn riskdeck::app::market::PriceFeed>,
) -> (tempfile::TempDir, Harness<'static, RiskDeckApp>) {
    let (dir, path) = temp_copy(sample);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(move |cc| {
            let mut app = RiskDeckApp::with_feed(cc, Some(path), false, feed);
            app.clock = riskdeck::market::fetch::Clock::Fixed(VALUED_AT_MS);
            app
        });
    step_until(&mut harness, "the file and its prices", |app| {
        app.document.is_some() && app.board().is_some() && !app.is_refreshing()
    });
    // Each click turns a "+" into a "-"; stop when none is left (or after every account).
    for _ in 0..32 {
        let Some(plus) = harness.query_all_by_label("+").next() else {
            break;
        };
        plus.click();
        harness.run_steps(2);
    }
    (dir, harness)
}

#[test]
fn the_gui_shows_each_venue_s_own_btcusdt_mark_with_the_report_s_digits() {
    let (_dir, harness) = expanded("basis-trade.ron", Box::new(TwoMarkFeed));
    for mark in [dec!(110000), dec!(110500)] {
        let shown = format!("@ mark {}", format::price(mark, None));
        assert!(
            harness.query_by_label_contains(&shown).is_some(),
            "{shown} is shown"
        );
    }
}

#[test]
fn the_gui_and_the_text_report_print_the_same_digits_for_every_sample() {
    for file in sample_files() {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        let (_dir, harness) = expanded(&name, Box::new(TwoMarkFeed));
        let app = harness.state();
        let document = app.document.as_ref().unwrap();
        let report = riskdeck::present::Report::with_analysis(
            &name,
            document.portfolio(),
            document.analysis(),
            &document.priced().valuation,
        );
        let text = report.to_text();
        for p in &report.positions {
            let mut shown = vec![format!(
                "@ mark {}",
                format::price(p.mark_price, p.price_tick)
            )];
            if let Some(liq) = p.liquidation_price {
                shown.push(format!("liq {}", format::price(liq, p.price_tick)));
            }
            for label in shown {
                assert!(
                    harness.query_all_by_label_contains(&label).next().is_some(),
                    "{name}: GUI shows {label:?}"
                );
                let digits = label.rsplit(' ').next().unwrap();
                assert!(text.contains(digits), "{name}: report prints {digits}");
            }
        }
        let weakest = &report.totals;
        if let (Some(account), Some(m)) = (&weakest.weakest_account, weakest.weakest_move_pct) {
            let card = format!("{account}: {}", format::signed_pct(m));
            assert!(
                harness.query_by_label(&card).is_some(),
                "{name}: card {card}"
            );
            assert!(
                text.contains(&format!("{account} at {}", format::signed_pct(m))),
                "{name}: report weakest"
            );
        }
    }
}

#[test]
fn two_venues_holding_btcusdt_get_their_own_marks_from_the_cli() {
    let now = riskdeck::market::fetch::now_ms();
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex?symbol=BTCUSDT",
            vec![Reply::ok(format!(
                r#"{{"symbol":"BTCUSDT","markPrice":"110000","indexPrice":"110010","lastFundingRate":"0.0001","time":{now}}}"#
            ))],
        ),
        (
            "/v5/market/tickers?category=linear&symbol=BTCUSDT",
            vec![Reply::ok(format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{{"symbol":"BTCUSDT","lastPrice":"110490","markPrice":"110500","indexPrice":"110010","fundingRate":"0.00005"}}]}},"time":{now}}}"#
            ))],
        ),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> serde_json::Value {
        let output = riskdeck_against(&server, cache.path())
            .args(args)
            .args(["--as-of", "now"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let report = run(&["report", "portfolios/basis-trade.ron", "--json"]);
    let leg = |account: &str| {
        report["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["account"] == account && p["symbol"] == "BTCUSDT")
            .unwrap()
            .clone()
    };
    assert_eq!(leg("Binance perps")["mark_price"].as_f64(), Some(110_000.0));
    assert_eq!(leg("Binance perps")["price"]["source"], "binance_futures");
    assert_eq!(leg("Bybit perps")["mark_price"].as_f64(), Some(110_500.0));
    assert_eq!(leg("Bybit perps")["price"]["source"], "bybit");
    // −4 × (110,500 − 109,608.01) = −3,567.96 USDT.
    assert_eq!(
        leg("Bybit perps")["unrealized_pnl"].as_f64(),
        Some(-3567.96)
    );
    let prices = run(&["prices", "portfolios/basis-trade.ron", "--json"]);
    let listed = |venue: &str| {
        prices["prices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["instrument"] == "BTCUSDT" && p["venue"] == venue)
            .unwrap()
            .clone()
    };
    assert_eq!(listed("BinanceUsdm")["price"], serde_json::json!(110000));
    assert_eq!(listed("BybitLinear")["price"], serde_json::json!(110500));
    assert_eq!(
        listed("BybitLinear")["funding_rate"],
        serde_json::json!(0.00005)
    );
}

#[test]
fn okx_swaps_show_the_funding_rate_from_the_funding_rate_endpoint() {
    let now = riskdeck::market::fetch::now_ms();
    let server = MockServer::start(vec![
        (
            "/api/v5/public/mark-price",
            vec![Reply::ok(format!(
                r#"{{"code":"0","msg":"","data":[{{"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"109640.1","ts":"{now}"}}]}}"#
            ))],
        ),
        (
            "/api/v5/public/funding-rate",
            vec![Reply::ok(
                std::fs::read(format!(
                    "{}/tests/fixtures/api/okx_v5_public_funding_rate_docs.json",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .unwrap(),
            )],
        ),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let output = riskdeck_against(&server, cache.path())
        .args([
            "prices",
            "portfolios/leveraged-long.ron",
            "--json",
            "--as-of",
            "now",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let swap = json["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instrument"] == "BTC-USDT-SWAP")
        .unwrap();
    assert_eq!(swap["source"], "okx");
    // The documentation body's fundingRate.
    assert_eq!(swap["funding_rate"], serde_json::json!(0.0000182221218054));
}

/// Drops what depends on the moment a report is made (price ages), keeping every number.
fn without_ages(mut json: serde_json::Value) -> serde_json::Value {
    for position in json["positions"].as_array_mut().unwrap() {
        if let Some(price) = position.get_mut("price").and_then(|p| p.as_object_mut()) {
            price.remove("age_seconds");
        }
    }
    json
}

#[test]
fn the_gui_and_the_cli_price_a_file_identically_from_the_same_live_venues() {
    let now = riskdeck::market::fetch::now_ms();
    let premium = |symbol: &str, mark: &str| {
        format!(
            r#"{{"symbol":"{symbol}","markPrice":"{mark}","indexPrice":"{mark}","lastFundingRate":"0.0001","time":{now}}}"#
        )
    };
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex?symbol=BTCUSDT",
            vec![Reply::ok(premium("BTCUSDT", "110000"))],
        ),
        (
            "/fapi/v1/premiumIndex?symbol=ETHUSDT",
            vec![Reply::ok(premium("ETHUSDT", "3900.5"))],
        ),
        (
            "/v5/market/tickers?category=linear&symbol=BTCUSDT",
            vec![Reply::ok(format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{{"symbol":"BTCUSDT","lastPrice":"110490","markPrice":"110500","indexPrice":"110010","fundingRate":"0.00005"}}]}},"time":{now}}}"#
            ))],
        ),
        (
            "/api/v3/ticker/price?symbol=BTCUSDT",
            vec![Reply::ok(r#"{"symbol":"BTCUSDT","price":"110020.5"}"#)],
        ),
        (
            "/api/v3/ticker/price?symbol=ETHUSDT",
            vec![Reply::ok(r#"{"symbol":"ETHUSDT","price":"3901.25"}"#)],
        ),
        (
            "/0/public/Ticker?pair=USDTUSD",
            vec![Reply::ok(
                r#"{"error":[],"result":{"USDTZUSD":{"c":["0.99985","100"]}}}"#,
            )],
        ),
    ]);
    // The GUI: the real feed, every venue pointed at the local server before the first refresh.
    let (_dir, path) = temp_copy("basis-trade.ron");
    let gui_cache = tempfile::tempdir().unwrap();
    let feed = riskdeck::app::market::LiveFeed::with_cache_dir(Some(gui_cache.path().into()))
        .with_clock(riskdeck::market::fetch::Clock::Fixed(now));
    let urls: riskdeck::market::transport::BaseUrls = Source::NETWORK
        .into_iter()
        .map(|s| (s, server.base_url.clone()))
        .collect();
    let gui_path = path.clone();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            let mut app = RiskDeckApp::with_feed(cc, Some(gui_path), false, Box::new(feed));
            app.state.feed.base_urls = urls;
            // Frozen at the venues' answer time, so the GUI's prices are as fresh as the CLI's.
            app.clock = riskdeck::market::fetch::Clock::Fixed(now);
            // Valued now, as the CLI's --as-of now (the file's own time is in the past).
            app.valuation = riskdeck::model::valuation::AsOf::Now;
            app
        });
    step_until(&mut harness, "the live board", |app| {
        app.document.is_some()
            && !app.is_refreshing()
            && app.board().is_some_and(|b| !b.venues.is_empty())
    });
    let app = harness.state();
    let document = app.document.as_ref().unwrap();
    let gui = riskdeck::present::Report::with_analysis(
        &path.display().to_string(),
        document.portfolio(),
        document.analysis(),
        &document.priced().valuation,
    );
    // The CLI, against the same server with a cache of its own.
    let cli_cache = tempfile::tempdir().unwrap();
    let output = riskdeck_against(&server, cli_cache.path())
        .arg("report")
        .arg(&path)
        .arg("--json")
        .args(["--as-of", "now"])
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let gui = without_ages(serde_json::to_value(&gui).unwrap());
    let cli = without_ages(cli);
    assert_eq!(
        gui["positions"], cli["positions"],
        "same marks, margins, prices, sources"
    );
    assert_eq!(gui["accounts"], cli["accounts"]);
    assert_eq!(gui["totals"], cli["totals"]);
    assert_eq!(gui["assumptions"], cli["assumptions"]);
    assert_eq!(gui["warnings"], cli["warnings"]);
    // And the two venues' BTCUSDT marks are their own in both.
    let mark = |json: &serde_json::Value, account: &str| {
        json["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["account"] == account && p["symbol"] == "BTCUSDT")
            .unwrap()["mark_price"]
            .as_f64()
    };
    assert_eq!(mark(&cli, "Binance perps"), Some(110_000.0));
    assert_eq!(mark(&cli, "Bybit perps"), Some(110_500.0));
}

#[test]
fn the_usdt_conversion_is_assumed_only_when_a_converted_price_is_used() {
    let (_dir, path) = crate::common::temp_copy_with_manual("basis-trade.ron", &["BTC", "ETH"]);
    let mut portfolio = load_file(&path).unwrap().portfolio;
    let wanted = board::wanted_by(&portfolio, library());
    // Offline: BTC and ETH are bundled Binance closes in USDT, and there is no USDT price.
    let offline = board::offline(&wanted, VALUED_AT_MS, &Cached::default());
    assert!(offline.usdt_assumed());
    let note = "USDT-quoted prices taken at 1 USD per USDT: no USDT price.";
    // The file prices BTC and ETH by hand: no converted price is used.
    let priced = riskdeck::pricing::price(Some(&portfolio), &offline, library(), VALUED_AT_MS);
    assert!(
        !priced.assumptions.iter().any(|a| a == note),
        "{:?}",
        priced.assumptions
    );
    // Without the manual prices the bundled USDT closes are used, converted at 1.
    portfolio.price_overrides.clear();
    let priced = riskdeck::pricing::price(Some(&portfolio), &offline, library(), VALUED_AT_MS);
    assert!(priced.assumptions.iter().any(|a| a == note));
}
