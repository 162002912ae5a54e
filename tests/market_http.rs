//! Market-data transport against a local HTTP server on 127.0.0.1: the happy path of every
//! venue, and each fault the reference names (timeouts, 429 with Retry-After, 418, 451, 5xx,
//! malformed, empty and huge bodies, a slow venue among fast ones).

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use riskdeck::market::fetch::{Job, VenueState, fetch_all};
use riskdeck::market::transport::{BaseUrls, HttpConfig, Transport};
use riskdeck::market::{
    ErrorKind, PriceKind, Source, binance, bybit, coinbase, coingecko, deribit, hyperliquid,
    kraken, okx,
};
use rust_decimal_macros::dec;

use crate::common::mock_server::{MockServer, Reply};
use crate::common::riskdeck_against;

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/api/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Fast policy for tests: short timeouts and backoff.
fn config() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_millis(800),
        max_body_bytes: 64 * 1024,
        retries: 2,
        backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(3),
        ..HttpConfig::default()
    }
}

/// A transport whose every source points at `server`.
pub(crate) fn transport(server: &MockServer, config: HttpConfig) -> Transport {
    let urls: BaseUrls = Source::NETWORK
        .into_iter()
        .map(|s| (s, server.base_url.clone()))
        .collect();
    Transport::new(config, &urls).unwrap()
}

pub(crate) fn premium(
    body: &[u8],
) -> Result<riskdeck::market::Snapshot, riskdeck::market::ParseError> {
    binance::parse_premium_index(body, Source::BinanceFutures, 0)
}

#[test]
fn every_venue_answers_through_one_concurrent_round() {
    let server = MockServer::start(vec![
        (
            "/api/v3/ticker/price",
            vec![Reply::ok(fixture("binance_spot_ticker_price_docs.json"))],
        ),
        (
            "/fapi/v1/premiumIndex",
            vec![Reply::ok(fixture("binance_fapi_premiumIndex_docs.json"))],
        ),
        (
            "/v5/market/tickers",
            vec![Reply::ok(fixture(
                "bybit_v5_market_tickers_inverse_docs.json",
            ))],
        ),
        (
            "/api/v5/public/mark-price",
            vec![Reply::ok(fixture("okx_v5_public_mark_price_docs.json"))],
        ),
        (
            "/api/v2/public/ticker",
            vec![Reply::ok(fixture(
                "deribit_public_ticker_perpetual_docs.json",
            ))],
        ),
        (
            "/products/",
            vec![Reply::ok(
                r#"{"price":"109600.12","time":"2025-10-31T23:59:00.5Z"}"#,
            )],
        ),
        (
            "/0/public/Ticker",
            vec![Reply::ok(
                r#"{"error":[],"result":{"XXBTZUSD":{"c":["109590.1","0.1"]}}}"#,
            )],
        ),
        ("/info", vec![Reply::ok(r#"{"BTC":"109601.5"}"#)]),
        (
            "/api/v3/simple/price",
            vec![Reply::ok(fixture("coingecko_simple_price_docs.json"))],
        ),
    ]);
    let transport = transport(&server, config());
    let jobs = vec![
        Job::new(
            binance::ticker_price(Some("LTCBTC")),
            binance::parse_ticker_price,
        ),
        Job::new(
            binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            |b, t| binance::parse_premium_index(b, Source::BinanceFutures, t),
        ),
        Job::new(
            bybit::tickers(bybit::Category::Inverse, Some("BTCUSD"), None),
            bybit::parse_tickers,
        ),
        Job::new(
            okx::mark_price("SWAP", "BTC-USDT-SWAP"),
            okx::parse_mark_price,
        ),
        Job::new(deribit::ticker("BTC-PERPETUAL"), deribit::parse_ticker),
        Job::new(coinbase::ticker("BTC-USD"), |b, t| {
            coinbase::parse_ticker(b, "BTC-USD", t)
        }),
        Job::new(kraken::ticker("XBTUSD"), kraken::parse_ticker),
        Job::new(hyperliquid::all_mids(), hyperliquid::parse_all_mids),
        Job::new(
            coingecko::simple_price(&["bitcoin"]),
            coingecko::parse_simple_price,
        ),
    ];
    let outcome = fetch_all(&transport, jobs, &AtomicBool::new(false), &|_| {});
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let s = &outcome.snapshot;
    assert_eq!(s.price("LTCBTC", PriceKind::Last), Some(dec!(4.000002)));
    assert_eq!(
        s.price("BTCUSDT", PriceKind::Mark),
        Some(dec!(11793.63104562))
    );
    assert_eq!(s.price("BTCUSD", PriceKind::Mark), Some(dec!(114898.43)));
    assert_eq!(s.price("BTC-USDT-SWAP", PriceKind::Mark), Some(dec!(200)));
    assert_eq!(
        s.price("BTC-PERPETUAL", PriceKind::Mark),
        Some(dec!(36288.31))
    );
    assert_eq!(s.price("BTC-USD", PriceKind::Last), Some(dec!(109600.12)));
    assert_eq!(s.price("XXBTZUSD", PriceKind::Last), Some(dec!(109590.1)));
    assert_eq!(s.price("BTC", PriceKind::Mid), Some(dec!(109601.5)));
    assert_eq!(
        s.price("bitcoin", PriceKind::Reference),
        Some(dec!(67187.3358936566))
    );
    assert_eq!(outcome.venues.len(), 9);
    assert!(outcome.venues.values().all(|v| v.state == VenueState::Ok));
    // Hyperliquid's request is a POST with the documented JSON body.
    assert!(
        server
            .bodies
            .lock()
            .unwrap()
            .iter()
            .any(|b| b.contains("\"allMids\""))
    );
}

#[test]
fn a_timeout_is_typed_and_retried() {
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::ok(fixture("binance_fapi_premiumIndex_docs.json")).after(Duration::from_secs(2)),
        ],
    )]);
    let transport = transport(
        &server,
        HttpConfig {
            retries: 1,
            ..config()
        },
    );
    let request = binance::premium_index(Source::BinanceFutures, Some("BTCUSDT"));
    let error = transport
        .fetch(&request, &AtomicBool::new(false), premium)
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert_eq!(error.source, Source::BinanceFutures);
    assert_eq!(error.endpoint, "/fapi/v1/premiumIndex");
    assert_eq!(server.hits("/fapi/v1/premiumIndex"), 2);
}

#[test]
fn retry_after_on_429_is_honoured_then_success() {
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::status(429, r#"{"code":-1003,"msg":"Too many requests."}"#)
                .header("Retry-After", "1"),
            Reply::ok(fixture("binance_fapi_premiumIndex_docs.json")),
        ],
    )]);
    let transport = transport(&server, config());
    let started = Instant::now();
    let snapshot = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            premium,
        )
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        snapshot.price("BTCUSDT", PriceKind::Mark),
        Some(dec!(11793.63104562))
    );
    assert_eq!(server.hits("/fapi/v1/premiumIndex"), 2);
}

#[test]
fn a_retry_after_longer_than_the_cap_is_reported_not_waited() {
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![Reply::status(429, "").header("Retry-After", "600")],
    )]);
    let transport = transport(&server, config());
    let started = Instant::now();
    let error = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            premium,
        )
        .unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::RateLimited {
            retry_after_s: Some(600)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn ban_418_and_region_block_451_are_not_retried() {
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex",
            vec![Reply::status(418, "").header("Retry-After", "120")],
        ),
        ("/api/v3/ticker/price", vec![Reply::status(451, "")]),
    ]);
    let transport = transport(&server, config());
    let cancel = AtomicBool::new(false);
    let banned = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, None),
            &cancel,
            premium,
        )
        .unwrap_err();
    assert_eq!(
        banned.kind,
        ErrorKind::Banned {
            retry_after_s: Some(120)
        }
    );
    let blocked = transport
        .fetch(&binance::ticker_price(Some("BTCUSDT")), &cancel, |b| {
            binance::parse_ticker_price(b, 0)
        })
        .unwrap_err();
    assert_eq!(blocked.kind, ErrorKind::RegionBlocked);
    assert_eq!(server.hits("/fapi/v1/premiumIndex"), 1);
    assert_eq!(server.hits("/api/v3/ticker/price"), 1);
}

#[test]
fn a_5xx_is_retried_and_a_4xx_body_becomes_the_venue_error() {
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex",
            vec![
                Reply::status(503, "<html>busy</html>"),
                Reply::ok(fixture("binance_fapi_premiumIndex_docs.json")),
            ],
        ),
        (
            "/api/v3/ticker/price",
            vec![Reply::status(
                400,
                fixture("binance_error_invalid_symbol_docs.json"),
            )],
        ),
    ]);
    let transport = transport(&server, config());
    let cancel = AtomicBool::new(false);
    transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, None),
            &cancel,
            premium,
        )
        .unwrap();
    assert_eq!(server.hits("/fapi/v1/premiumIndex"), 2);
    let error = transport
        .fetch(&binance::ticker_price(Some("NOPE")), &cancel, |b| {
            binance::parse_ticker_price(b, 0)
        })
        .unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::Venue {
            code: "-1121".to_owned()
        }
    );
    assert_eq!(server.hits("/api/v3/ticker/price"), 1);
}

#[test]
fn malformed_empty_and_oversized_bodies_are_typed_errors() {
    let server = MockServer::start(vec![
        ("/a", vec![Reply::ok(r#"{"symbol":"BTCUSDT","markPrice":"#)]),
        ("/b", vec![Reply::ok("")]),
        ("/c", vec![Reply::ok(vec![b' '; 200 * 1024])]),
    ]);
    let transport = transport(&server, config());
    let cancel = AtomicBool::new(false);
    let get = |path: &'static str| {
        transport
            .fetch(
                &riskdeck::market::Request::get(Source::BinanceFutures, path, &[]),
                &cancel,
                premium,
            )
            .unwrap_err()
            .kind
    };
    assert_eq!(get("/a"), ErrorKind::Malformed);
    assert_eq!(get("/b"), ErrorKind::Empty);
    assert_eq!(
        get("/c"),
        ErrorKind::TooLarge {
            limit_bytes: 64 * 1024
        }
    );
}

#[test]
fn a_slow_venue_does_not_delay_the_others() {
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex",
            vec![
                Reply::ok(fixture("binance_fapi_premiumIndex_docs.json"))
                    .after(Duration::from_millis(700)),
            ],
        ),
        (
            "/v5/market/tickers",
            vec![Reply::ok(fixture(
                "bybit_v5_market_tickers_inverse_docs.json",
            ))],
        ),
        (
            "/api/v5/public/mark-price",
            vec![Reply::ok(fixture("okx_v5_public_mark_price_docs.json"))],
        ),
    ]);
    let transport = transport(&server, config());
    let jobs = vec![
        Job::new(
            binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            |b, t| binance::parse_premium_index(b, Source::BinanceFutures, t),
        ),
        Job::new(
            bybit::tickers(bybit::Category::Inverse, Some("BTCUSD"), None),
            bybit::parse_tickers,
        ),
        Job::new(
            okx::mark_price("SWAP", "BTC-USDT-SWAP"),
            okx::parse_mark_price,
        ),
    ];
    let started = Instant::now();
    let outcome = fetch_all(&transport, jobs, &AtomicBool::new(false), &|_| {});
    let wall = started.elapsed();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert!(outcome.venues[&Source::Bybit].elapsed < Duration::from_millis(400));
    assert!(outcome.venues[&Source::Okx].elapsed < Duration::from_millis(400));
    assert!(outcome.venues[&Source::BinanceFutures].elapsed >= Duration::from_millis(700));
    // Concurrent: the round takes about as long as the slowest venue, not the sum.
    assert!(wall < Duration::from_millis(1300), "{wall:?}");
}

#[test]
fn a_blocked_venue_is_not_asked_again_in_the_round_and_cancel_stops_everything() {
    let server = MockServer::start(vec![("/v5/market/tickers", vec![Reply::status(403, "")])]);
    let transport = transport(&server, config());
    let jobs = (0..3)
        .map(|_| {
            Job::new(
                bybit::tickers(bybit::Category::Linear, Some("BTCUSDT"), None),
                bybit::parse_tickers,
            )
        })
        .collect();
    let outcome = fetch_all(&transport, jobs, &AtomicBool::new(false), &|_| {});
    assert_eq!(server.hits("/v5/market/tickers"), 1);
    assert_eq!(outcome.errors.len(), 3);
    assert_eq!(outcome.venues[&Source::Bybit].state, VenueState::Blocked);
    let cancelled = fetch_all(
        &transport,
        vec![Job::new(
            okx::mark_price("SWAP", "X"),
            okx::parse_mark_price,
        )],
        &AtomicBool::new(true),
        &|_| {},
    );
    assert_eq!(cancelled.venues[&Source::Okx].state, VenueState::Offline);
}

/// `riskdeck prices ARGS --json` against `server`, with a fresh cache.
fn prices_json(server: &MockServer, args: &[&str]) -> serde_json::Value {
    let cache = tempfile::tempdir().unwrap();
    prices_json_cached(server, args, cache.path())
}

/// `riskdeck prices ARGS --json --as-of now` against `server`, with the cache in
/// `cache_dir` (now: these tests are about today's marks, not a file's valuation time).
fn prices_json_cached(
    server: &MockServer,
    args: &[&str],
    cache_dir: &std::path::Path,
) -> serde_json::Value {
    let mut command = riskdeck_against(server, cache_dir);
    command
        .arg("prices")
        .args(args)
        .args(["--json", "--as-of", "now"]);
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The listed price of `instrument`: the coin of that ticker when one is listed, else the
/// contract of that symbol (see [`entry_at`] for a contract named like a coin).
fn entry<'a>(json: &'a serde_json::Value, instrument: &str) -> &'a serde_json::Value {
    let prices = json["prices"].as_array().unwrap();
    prices
        .iter()
        .find(|p| p["instrument"] == instrument && p["venue"].is_null())
        .or_else(|| prices.iter().find(|p| p["instrument"] == instrument))
        .unwrap_or_else(|| panic!("{instrument} not in {json:#}"))
}

/// The listed price of the contract `instrument` at `venue` (the file's venue name).
fn entry_at<'a>(
    json: &'a serde_json::Value,
    instrument: &str,
    venue: &str,
) -> &'a serde_json::Value {
    json["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instrument"] == instrument && p["venue"] == venue)
        .unwrap_or_else(|| panic!("{instrument} at {venue} not in {json:#}"))
}

#[test]
fn prices_of_leveraged_long_come_from_each_venue_with_source_age_and_manual_flags() {
    let now = riskdeck::market::fetch::now_ms();
    let old = now - 3_600_000;
    let premium = |symbol: &str, mark: &str, time: i64| {
        format!(
            r#"{{"symbol":"{symbol}","markPrice":"{mark}","indexPrice":"{mark}","estimatedSettlePrice":"0","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":0,"time":{time}}}"#
        )
    };
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex?symbol=BTCUSDT",
            vec![Reply::ok(premium("BTCUSDT", "109650.5", now))],
        ),
        // An hour-old mark: past the 5-minute threshold.
        (
            "/fapi/v1/premiumIndex?symbol=ETHUSDT",
            vec![Reply::ok(premium("ETHUSDT", "3850.25", old))],
        ),
        (
            "/api/v5/public/mark-price",
            vec![Reply::ok(format!(
                r#"{{"code":"0","msg":"","data":[{{"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"109640.1","ts":"{now}"}}]}}"#
            ))],
        ),
        (
            "/info",
            vec![Reply::ok(
                r#"[{"universe":[{"name":"SOL"}]},[{"funding":"0.00001","markPx":"187.3","oraclePx":"187.25","midPx":"187.28"}]]"#,
            )],
        ),
        (
            "/0/public/Ticker?pair=USDTUSD",
            vec![Reply::ok(
                r#"{"error":[],"result":{"USDTZUSD":{"c":["0.99985","100"]}}}"#,
            )],
        ),
        (
            "/0/public/Ticker?pair=USDCUSD",
            vec![Reply::ok(
                r#"{"error":[],"result":{"USDCUSD":{"c":["1.0001","100"]}}}"#,
            )],
        ),
        // Binance spot is region-blocked: the coins fall back (the file prices them anyway).
        ("/api/v3/ticker/price", vec![Reply::status(451, "")]),
    ]);
    let (_dir, file) =
        crate::common::temp_copy_with_manual("leveraged-long.ron", &["BTC", "ETH", "SOL"]);
    let json = prices_json(&server, &[file.to_str().unwrap()]);
    let btc_perp = entry(&json, "BTCUSDT");
    assert_eq!(btc_perp["price"], serde_json::json!(109650.5));
    assert_eq!(btc_perp["kind"], "mark");
    assert_eq!(btc_perp["source"], "binance_futures");
    assert_eq!(btc_perp["manual"], false);
    assert_eq!(btc_perp["stale"], false);
    assert!(btc_perp["age_seconds"].as_i64().unwrap() < 60);
    // The current funding rate comes with the mark (premiumIndex `lastFundingRate`).
    assert_eq!(btc_perp["funding_rate"], serde_json::json!(0.0001));
    // Hyperliquid names its SOL perpetual "SOL": its answer is filed under the contract at
    // Hyperliquid, apart from the coin. The file's manual "SOL" names both (as the engine
    // prices them), so both are listed manual; the perpetual keeps its venue's funding rate.
    let sol_perp = entry_at(&json, "SOL", "Hyperliquid");
    assert_eq!(sol_perp["source"], "manual");
    assert_eq!(sol_perp["funding_rate"], serde_json::json!(0.00001));
    assert_eq!(entry(&json, "SOL")["source"], "manual");
    let eth_perp = entry(&json, "ETHUSDT");
    assert_eq!(eth_perp["stale"], true);
    assert!(eth_perp["age_seconds"].as_i64().unwrap() >= 3600);
    assert_eq!(
        entry(&json, "BTC-USDT-SWAP")["price"],
        serde_json::json!(109640.1)
    );
    assert_eq!(entry(&json, "BTC-USDT-SWAP")["source"], "okx");
    assert_eq!(entry(&json, "USDT")["price"], serde_json::json!(0.99985));
    assert_eq!(entry(&json, "USDT")["source"], "kraken");
    // The file's manual prices win and say so.
    let btc = entry(&json, "BTC");
    assert_eq!(btc["manual"], true);
    assert_eq!(btc["source"], "manual");
    assert_eq!(btc["price"], serde_json::json!(109608.01));
    let blocked = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["venue"] == "binance_spot")
        .expect("the 451 is reported");
    assert_eq!(blocked["kind"], "region_blocked");
    assert_eq!(blocked["endpoint"], "/api/v3/ticker/price");
}

#[test]
fn prices_offline_open_no_socket_and_use_the_bundle() {
    // Every request would fail loudly; offline must not make any.
    let server = MockServer::start(vec![("/", vec![Reply::status(500, "")])]);
    let json = prices_json(&server, &["--offline"]);
    assert_eq!(json["data_as_of"], "2025-10-31");
    let btc = entry(&json, "BTC");
    assert_eq!(btc["source"], "bundle");
    // BTC-USDT close of 2025-10-31 in the bundled history.
    assert_eq!(btc["price"], serde_json::json!(109608.01));
    assert_eq!(btc["quote"], "USDT");
    assert_eq!(btc["stale"], true);
    // Ten coins and the two stablecoins.
    assert_eq!(json["prices"].as_array().unwrap().len(), 12);
    assert_eq!(json["valuation"]["basis"], "now");
    // Without --as-of, offline with nothing cached values at the bundle's last close: the
    // same closes, not stale at their own time, and the headline says so.
    let cache = tempfile::tempdir().unwrap();
    let output = riskdeck_against(&server, cache.path())
        .args(["prices", "--offline", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valuation"]["basis"], "bundled-history");
    assert_eq!(json["valuation"]["as_of"], "2025-10-31T23:59:59.999Z");
    let btc = entry(&json, "BTC");
    assert_eq!(btc["price"], serde_json::json!(109608.01));
    assert_eq!(btc["stale"], false);
    assert_eq!(server.hits("/"), 0);
}

#[test]
fn report_uses_fetched_marks_and_shows_source_and_age_per_position() {
    let now = riskdeck::market::fetch::now_ms();
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex?symbol=BTCUSDT",
        vec![Reply::ok(format!(
            r#"{{"symbol":"BTCUSDT","markPrice":"100000","indexPrice":"100010","lastFundingRate":"0.0001","time":{now}}}"#
        ))],
    )]);
    let cache = tempfile::tempdir().unwrap();
    let mut command = riskdeck_against(&server, cache.path());
    let (_dir, file) =
        crate::common::temp_copy_with_manual("leveraged-long.ron", &["BTC", "ETH", "SOL"]);
    command.args(["report", file.to_str().unwrap(), "--json", "--as-of", "now"]);
    let output = command.output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let positions = json["positions"].as_array().unwrap();
    let btc = positions.iter().find(|p| p["symbol"] == "BTCUSDT").unwrap();
    // The venue's mark, not the file's 109,608.01 for BTC.
    assert_eq!(btc["mark_price"].as_f64(), Some(100_000.0));
    assert_eq!(btc["price"]["source"], "binance_futures");
    assert_eq!(btc["price"]["kind"], "mark");
    assert_eq!(btc["price"]["stale"], false);
    assert!(btc["price"]["age_seconds"].as_i64().unwrap() < 60);
    // ETHUSDT's venue answered nothing useful (404): the file's ETH price stands in, marked.
    let eth = positions.iter().find(|p| p["symbol"] == "ETHUSDT").unwrap();
    assert_eq!(eth["mark_price"].as_f64(), Some(3847.99));
    assert_eq!(eth["price"]["manual"], true);
    assert_eq!(eth["price"]["via"], "ETH");
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("premiumIndex")),
        "{:#}",
        json["warnings"]
    );
}

#[test]
fn fetched_prices_are_cached_and_used_offline_and_a_corrupt_cache_is_ignored() {
    let now = riskdeck::market::fetch::now_ms();
    let server = MockServer::start(vec![(
        "/api/v3/ticker/price?symbol=BTCUSDT",
        vec![Reply::ok(r#"{"symbol":"BTCUSDT","price":"111222.33"}"#)],
    )]);
    let cache = tempfile::tempdir().unwrap();
    let online = prices_json_cached(&server, &[], cache.path());
    assert_eq!(entry(&online, "BTC")["source"], "binance_spot");
    // Offline, the cached price comes back with its source and age, ahead of the bundle.
    let offline = prices_json_cached(&server, &["--offline"], cache.path());
    let btc = entry(&offline, "BTC");
    assert_eq!(btc["price"], serde_json::json!(111222.33));
    assert_eq!(btc["source"], "binance_spot");
    assert!(offline["cache_saved_at"].is_string());
    assert!(
        btc["age_seconds"].as_i64().unwrap()
            <= (riskdeck::market::fetch::now_ms() - now) / 1000 + 1
    );
    // ETH was never fetched: the bundle still prices it.
    assert_eq!(entry(&offline, "ETH")["source"], "bundle");

    // A corrupt cache is ignored with a warning, never a crash.
    std::fs::write(
        cache.path().join("prices.json"),
        b"{\"format_version\": 1, \"prices\": [tru",
    )
    .unwrap();
    let mut command = riskdeck_against(&server, cache.path());
    let output = command
        .args(["prices", "--offline", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("price cache"));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(entry(&json, "BTC")["source"], "bundle");
}

/// `riskdeck history ARGS --json` against `server` with the cache in `cache_dir`.
fn history_json(
    server: &MockServer,
    cache_dir: &std::path::Path,
    args: &[&str],
) -> serde_json::Value {
    let mut command = riskdeck_against(server, cache_dir);
    command.args([
        "history",
        "BTC",
        "--from",
        "2024-01-01",
        "--to",
        "2024-01-03",
    ]);
    command.args(["--interval", "1d", "--json"]).args(args);
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

#[test]
fn history_falls_back_to_coinbase_caches_the_candles_and_serves_them_offline() {
    // Coinbase rows `[time s, low, high, open, close, volume]`, newest first. The numbers are
    // the bundled Binance BTC-USDT daily rows of 2024-01-01..03 (assets/prices), reused to
    // exercise the Coinbase path; the test checks the plumbing, not Coinbase's prices.
    let coinbase = "[[1704240000,40750,45500,44946.91,42845.23,81194.55173],\
                    [1704153600,44148.34,45879.63,44179.55,44946.91,65146.40661],\
                    [1704067200,42180.77,44184.1,42283.58,44179.55,27174.29903]]";
    let server = MockServer::start(vec![
        (
            "/api/v3/klines",
            vec![Reply::status(
                451,
                r#"{"code":0,"msg":"restricted location"}"#,
            )],
        ),
        ("/products/BTC-USD/candles", vec![Reply::ok(coinbase)]),
    ]);
    let cache = tempfile::tempdir().unwrap();

    let online = history_json(&server, cache.path(), &[]);
    assert_eq!(online["source"], "coinbase");
    assert_eq!(online["origin"], "venue");
    assert_eq!(online["quote"], "USD");
    let candles = online["candles"].as_array().unwrap();
    assert_eq!(candles.len(), 3);
    assert_eq!(candles[0]["time"], "2024-01-01T00:00:00+00:00");
    assert_eq!(candles[2]["close"], serde_json::json!(42845.23));
    assert_eq!(candles[1]["low"], serde_json::json!(44148.34));
    assert_eq!(online["errors"][0]["venue"], "binance_spot");
    assert_eq!(online["errors"][0]["kind"], "region_blocked");

    // Offline: the same candles from the cache, no request made.
    let offline = history_json(&server, cache.path(), &["--offline"]);
    assert_eq!(offline["origin"], "cache");
    assert_eq!(offline["source"], "coinbase");
    assert_eq!(offline["candles"], online["candles"]);
    // Online again: the cache covers the range, so no venue is asked.
    let again = history_json(&server, cache.path(), &[]);
    assert_eq!(again["origin"], "cache");
    assert_eq!(server.hits("/products/BTC-USD/candles"), 1);
    assert_eq!(server.hits("/api/v3/klines"), 1);

    // A corrupt cache file is ignored with a warning; offline then uses the bundle.
    let file = riskdeck::market::history::cache_path(
        cache.path(),
        Source::Coinbase,
        "BTC",
        riskdeck::market::Interval::Day1,
    );
    std::fs::write(&file, b"{ not json").unwrap();
    let bundled = history_json(&server, cache.path(), &["--offline"]);
    assert_eq!(bundled["origin"], "bundle");
    assert_eq!(bundled["quote"], "USDT");
    assert_eq!(bundled["candles"][2]["close"], serde_json::json!(42845.23));
    assert!(
        bundled["warnings"][0].as_str().unwrap().contains("ignored"),
        "{:#}",
        bundled["warnings"]
    );
}

#[test]
fn a_blocked_venue_s_contract_takes_the_mark_of_the_same_contract_elsewhere() {
    let now = riskdeck::market::fetch::now_ms();
    let server = MockServer::start(vec![
        // Binance USDⓈ-M refuses this network: BTCUSDT and ETHUSDT get no mark there.
        ("/fapi/v1/premiumIndex", vec![Reply::status(451, "")]),
        // Bybit lists BTCUSDT (not ETHUSDT here); OKX has neither.
        (
            "/v5/market/tickers?category=linear&symbol=BTCUSDT",
            vec![Reply::ok(format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{{"symbol":"BTCUSDT","lastPrice":"109655","markPrice":"109650.5","indexPrice":"109660","fundingRate":"0.0001"}}]}},"time":{now}}}"#
            ))],
        ),
    ]);
    let json = prices_json(&server, &["portfolios/leveraged-long.ron"]);
    let btc = entry(&json, "BTCUSDT");
    assert_eq!(btc["price"], serde_json::json!(109650.5));
    assert_eq!(btc["kind"], "mark");
    assert_eq!(btc["source"], "bybit");
    assert_eq!(btc["listed_as"], "BTCUSDT at Bybit linear");
    assert_eq!(btc["funding_rate"], serde_json::json!(0.0001));
    // ETHUSDT: Bybit and OKX were asked in turn, then the file's ETH price stands in.
    let eth = entry(&json, "ETHUSDT");
    assert_eq!(eth["via"], "ETH");
    assert!(eth["listed_as"].is_null());
    assert_eq!(
        server.hits("/fapi/v1/premiumIndex"),
        1,
        "a blocked venue is asked once"
    );
}

#[test]
fn impossible_prices_are_refused_and_the_next_source_is_used() {
    let now = riskdeck::market::fetch::now_ms();
    let premium = |symbol: &str, mark: &str, time: i64| {
        format!(
            r#"{{"symbol":"{symbol}","markPrice":"{mark}","indexPrice":"{mark}","lastFundingRate":"0.0001","time":{time}}}"#
        )
    };
    let server = MockServer::start(vec![
        // A zero mark, and a mark stamped an hour in the future.
        (
            "/fapi/v1/premiumIndex?symbol=BTCUSDT",
            vec![Reply::ok(premium("BTCUSDT", "0", now))],
        ),
        (
            "/fapi/v1/premiumIndex?symbol=ETHUSDT",
            vec![Reply::ok(premium("ETHUSDT", "3850.25", now + 3_600_000))],
        ),
        // Bybit lists BTCUSDT with a real mark: it stands in.
        (
            "/v5/market/tickers?category=linear&symbol=BTCUSDT",
            vec![Reply::ok(format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{{"symbol":"BTCUSDT","lastPrice":"109655","markPrice":"109650.5","indexPrice":"109660","fundingRate":"0.0001"}}]}},"time":{now}}}"#
            ))],
        ),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let json = prices_json_cached(&server, &["portfolios/leveraged-long.ron"], cache.path());
    let btc = entry_at(&json, "BTCUSDT", "BinanceUsdm");
    assert_eq!(btc["price"], serde_json::json!(109650.5), "{btc:#}");
    assert_eq!(btc["source"], "bybit");
    let eth = entry_at(&json, "ETHUSDT", "BinanceUsdm");
    assert_ne!(
        eth["price"],
        serde_json::json!(3850.25),
        "the future-stamped mark is refused"
    );
    let refused: Vec<&serde_json::Value> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "impossible_price")
        .collect();
    // BTCUSDT and ETHUSDT at Binance; OKX's BTC-USDT-SWAP, asked at Binance as a stand-in,
    // meets the same zero mark.
    let says = |text: &str| {
        refused
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains(text))
    };
    assert!(says("BTCUSDT at Binance USDS-M: price 0 is not positive"));
    assert!(says("ETHUSDT at Binance USDS-M: venue time"));
    assert_eq!(
        refused.len(),
        3,
        "one error per instrument: {:#}",
        json["errors"]
    );
    // Neither refused value reached the cache.
    let cached =
        std::fs::read_to_string(riskdeck::market::cache::prices_path(cache.path())).unwrap();
    assert!(!cached.contains("3850.25"), "{cached}");
    assert!(!cached.contains("\"price\":\"0\""), "{cached}");
}
