//! Refresh of 8 venues, each delayed 100 ms by a local server on 127.0.0.1: the round runs
//! the venues concurrently, so it should take about one delay (target: under 150 ms wall).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark's setup fails loudly on purpose"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "the local test server runs on its own threads and the round is timed on the wall clock"
)]

#[path = "../tests/common/mock_server.rs"]
#[allow(dead_code, reason = "the benchmark uses only part of the test server")]
mod mock_server;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mock_server::{MockServer, Reply};
use riskdeck::market::fetch::{Job, fetch_all};
use riskdeck::market::transport::{BaseUrls, HttpConfig, Transport};
use riskdeck::market::{
    Source, binance, bybit, coinbase, coingecko, deribit, hyperliquid, kraken, okx,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/api/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let delay = Duration::from_millis(100);
    let reply = |body: Vec<u8>| vec![Reply::ok(body).after(delay)];
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex",
            reply(fixture("binance_fapi_premiumIndex_docs.json")),
        ),
        (
            "/api/v3/ticker/price",
            reply(fixture("binance_spot_ticker_price_docs.json")),
        ),
        (
            "/v5/market/tickers",
            reply(fixture("bybit_v5_market_tickers_inverse_docs.json")),
        ),
        (
            "/api/v5/public/mark-price",
            reply(fixture("okx_v5_public_mark_price_docs.json")),
        ),
        (
            "/api/v2/public/ticker",
            reply(fixture("deribit_public_ticker_perpetual_docs.json")),
        ),
        ("/products/", reply(br#"{"price":"109600.12"}"#.to_vec())),
        (
            "/0/public/Ticker",
            reply(br#"{"error":[],"result":{"XXBTZUSD":{"c":["109590.1","1"]}}}"#.to_vec()),
        ),
        ("/info", reply(br#"{"BTC":"109601.5"}"#.to_vec())),
        (
            "/api/v3/simple/price",
            reply(fixture("coingecko_simple_price_docs.json")),
        ),
    ]);
    let urls: BaseUrls = Source::NETWORK
        .into_iter()
        .map(|s| (s, server.base_url.clone()))
        .collect();
    let transport = Transport::new(HttpConfig::default(), &urls).unwrap();
    let jobs = || {
        vec![
            Job::new(
                binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
                |b, t| binance::parse_premium_index(b, Source::BinanceFutures, t),
            ),
            Job::new(
                binance::ticker_price(Some("LTCBTC")),
                binance::parse_ticker_price,
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
        ]
        .into_iter()
        // Eight sources; CoinGecko, the slow aggregated fallback, is not one of the venues.
        .filter(|j| j.request.source != Source::CoinGecko)
        .collect::<Vec<_>>()
    };
    let cancel = AtomicBool::new(false);
    let check = fetch_all(&transport, jobs(), &cancel, &|_| {});
    assert!(check.errors.is_empty(), "{:?}", check.errors);
    assert_eq!(check.venues.len(), 8);
    c.bench_function("refresh_8_venues_each_delayed_100ms", |b| {
        b.iter(|| fetch_all(&transport, jobs(), &cancel, &|_| {}));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
