//! Parser tests on the venues' documentation bodies (`tests/fixtures/api/`, copied from
//! `shared/fixtures/api/`) and on bodies built for each error envelope and quirk named in
//! `shared/reference/price-apis.md` §0.

use riskdeck::market::{
    ErrorKind, Interval, PriceKind, binance, bybit, coinbase, coingecko, deribit, hyperliquid,
    kraken, okx,
};
use rust_decimal_macros::dec;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/api/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fetch time long after every documentation example.
const NOW_MS: i64 = 1_800_000_000_000;

#[test]
fn binance_spot_ticker_single_and_list() {
    let one = binance::parse_ticker_price(&fixture("binance_spot_ticker_price_docs.json"), NOW_MS)
        .unwrap();
    assert_eq!(one.price("LTCBTC", PriceKind::Last), Some(dec!(4.00000200)));
    let list =
        binance::parse_ticker_price(&fixture("binance_spot_ticker_price_list_docs.json"), NOW_MS)
            .unwrap();
    assert_eq!(list.prices.len(), 2);
    assert_eq!(
        list.price("ETHBTC", PriceKind::Last),
        Some(dec!(0.07946600))
    );
    assert_eq!(list.prices[0].fetched_at_ms, NOW_MS);
}

#[test]
fn binance_premium_index_gives_mark_index_and_funding() {
    let snapshot = binance::parse_premium_index(
        &fixture("binance_fapi_premiumIndex_docs.json"),
        riskdeck::market::Source::BinanceFutures,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        snapshot.price("BTCUSDT", PriceKind::Mark),
        Some(dec!(11793.63104562))
    );
    assert_eq!(
        snapshot.price("BTCUSDT", PriceKind::Index),
        Some(dec!(11781.80495970))
    );
    assert_eq!(snapshot.prices[0].venue_time_ms, Some(1_597_370_495_002));
    assert_eq!(snapshot.funding[0].rate, dec!(0.00038246));
}

#[test]
fn binance_klines_ignore_the_twelfth_column_and_flag_the_open_candle() {
    let candles = binance::parse_klines(&fixture("binance_fapi_klines_docs.json"), NOW_MS).unwrap();
    assert_eq!(candles.len(), 1);
    let c = &candles[0];
    assert_eq!(c.open_time_ms, 1_499_040_000_000);
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (
            dec!(0.01634790),
            dec!(0.80000000),
            dec!(0.01575800),
            dec!(0.01577100)
        )
    );
    assert_eq!(c.volume, dec!(148976.11427815));
    assert!(c.closed);
    // Fetched before its close time (1499644799999): still forming.
    let early = binance::parse_klines(&fixture("binance_fapi_klines_docs.json"), 1_499_100_000_000)
        .unwrap();
    assert!(!early[0].closed);
    let mark =
        binance::parse_klines(&fixture("binance_fapi_markPriceKlines_docs.json"), NOW_MS).unwrap();
    assert_eq!(mark[0].close, dec!(9653.07367333));
}

#[test]
fn binance_funding_history_and_error_body() {
    let rates =
        binance::parse_funding_rate(&fixture("binance_fapi_fundingRate_docs_legacy.json")).unwrap();
    assert_eq!(rates.len(), 2);
    assert_eq!(rates[0].rate, dec!(-0.03750000));
    assert_eq!(rates[1].time_ms, 1_570_636_800_000);
    let error =
        binance::parse_ticker_price(&fixture("binance_error_invalid_symbol_docs.json"), NOW_MS)
            .unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::Venue {
            code: "-1121".to_owned()
        }
    );
    assert!(error.message.contains("Invalid symbol."));
    let limited =
        binance::parse_klines(br#"{"code":-1003,"msg":"Too many requests."}"#, NOW_MS).unwrap_err();
    assert!(matches!(limited.kind, ErrorKind::RateLimited { .. }));
}

#[test]
fn bybit_tickers_linear_inverse_spot_and_option() {
    let inverse = bybit::parse_tickers(
        &fixture("bybit_v5_market_tickers_inverse_docs.json"),
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        inverse.price("BTCUSD", PriceKind::Mark),
        Some(dec!(114898.43))
    );
    assert_eq!(
        inverse.price("BTCUSD", PriceKind::Index),
        Some(dec!(114890.92))
    );
    assert_eq!(
        inverse.price("BTCUSD", PriceKind::Last),
        Some(dec!(120635.50))
    );
    assert_eq!(inverse.funding[0].rate, dec!(0.0001));
    assert_eq!(inverse.prices[0].venue_time_ms, Some(1_760_352_369_814));

    let spot =
        bybit::parse_tickers(&fixture("bybit_v5_market_tickers_spot_docs.json"), NOW_MS).unwrap();
    assert_eq!(spot.price("BTCUSDT", PriceKind::Last), Some(dec!(20533.13)));
    assert_eq!(
        spot.price("BTCUSDT", PriceKind::Index),
        Some(dec!(20784.12009279))
    );

    let option =
        bybit::parse_tickers(&fixture("bybit_v5_market_tickers_option_docs.json"), NOW_MS).unwrap();
    let quote = &option.options[0];
    assert_eq!(quote.instrument, "BTC-30DEC22-18000-C");
    // Bybit IVs are fractions already.
    assert_eq!(quote.mark_iv, Some(dec!(0.7567)));
    assert_eq!(quote.underlying_price, Some(dec!(16590.42)));
    assert_eq!(quote.theta, Some(dec!(-0.00000152)));
}

#[test]
fn bybit_kline_is_newest_first_and_comes_out_ascending() {
    let candles = bybit::parse_kline(
        &fixture("bybit_v5_market_kline_inverse_docs.json"),
        Interval::Hour1,
        NOW_MS,
    )
    .unwrap();
    let times: Vec<i64> = candles.iter().map(|c| c.open_time_ms).collect();
    assert_eq!(
        times,
        vec![1_670_601_600_000, 1_670_605_200_000, 1_670_608_800_000]
    );
    assert_eq!(candles[2].close, dec!(17055.5));
    // The newest candle is still open when fetched inside its hour.
    let inside = bybit::parse_kline(
        &fixture("bybit_v5_market_kline_inverse_docs.json"),
        Interval::Hour1,
        1_670_608_800_000 + 60_000,
    )
    .unwrap();
    assert!(!inside[2].closed && inside[1].closed);
}

#[test]
fn bybit_errors_inside_http_200() {
    let rate = bybit::parse_tickers(
        br#"{"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":1}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert!(matches!(rate.kind, ErrorKind::RateLimited { .. }));
    let bad = bybit::parse_tickers(
        br#"{"retCode":10001,"retMsg":"params error: symbol invalid","result":{},"retExtInfo":{},"time":1}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert_eq!(
        bad.kind,
        ErrorKind::Venue {
            code: "10001".to_owned()
        }
    );
    assert!(bad.message.contains("symbol invalid"));
    let funding =
        bybit::parse_funding_history(&fixture("bybit_v5_market_funding_history_docs.json"))
            .unwrap();
    assert_eq!(funding[0].instrument, "ETHPERP");
    assert_eq!(funding[0].time_ms, 1_672_041_600_000);
}

#[test]
fn okx_ticker_mark_funding_and_options() {
    let ticker = okx::parse_ticker(&fixture("okx_v5_market_ticker_docs.json"), NOW_MS).unwrap();
    assert_eq!(
        ticker.price("BTC-USD-SWAP", PriceKind::Last),
        Some(dec!(9999.99))
    );
    assert_eq!(ticker.prices[0].venue_time_ms, Some(1_597_026_383_085));
    let mark =
        okx::parse_mark_price(&fixture("okx_v5_public_mark_price_docs.json"), NOW_MS).unwrap();
    assert_eq!(
        mark.price("BTC-USDT-SWAP", PriceKind::Mark),
        Some(dec!(200))
    );
    let funding = okx::parse_funding(&fixture("okx_v5_public_funding_rate_docs.json")).unwrap();
    assert_eq!(funding[0].rate, dec!(0.0000182221218054));
    // History comes newest-first and leaves ascending.
    let history =
        okx::parse_funding(&fixture("okx_v5_public_funding_rate_history_docs.json")).unwrap();
    assert!(history[0].time_ms < history[1].time_ms);
    assert_eq!(history[1].rate, dec!(0.0000746604960499));
    let options = okx::parse_opt_summary(&fixture("okx_v5_public_opt_summary_docs.json")).unwrap();
    assert_eq!(options[0].instrument, "BTC-USD-220309-33000-C");
    assert_eq!(options[0].delta, Some(dec!(0.9857332101544538)));
    assert_eq!(options[0].mark_iv, Some(dec!(1.5551965233045728)));
}

#[test]
fn okx_candles_confirm_flag_and_error_code() {
    let candles = okx::parse_candles(&fixture("okx_v5_market_candles_docs.json")).unwrap();
    // Both docs rows share a timestamp: one candle remains, the first (unconfirmed) row.
    assert_eq!(candles.len(), 1);
    assert!(!candles[0].closed);
    assert_eq!(candles[0].close, dec!(3.708));
    let error = okx::parse_ticker(
        br#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::Venue {
            code: "51001".to_owned()
        }
    );
    let limited = okx::parse_ticker(
        br#"{"code":"50011","msg":"Too Many Requests","data":[]}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert!(matches!(limited.kind, ErrorKind::RateLimited { .. }));
}

#[test]
fn deribit_ticker_keeps_exponent_numbers_exact() {
    let snapshot = deribit::parse_ticker(
        &fixture("deribit_public_ticker_perpetual_docs.json"),
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        snapshot.price("BTC-PERPETUAL", PriceKind::Mark),
        Some(dec!(36288.31))
    );
    assert_eq!(
        snapshot.price("BTC-PERPETUAL", PriceKind::Index),
        Some(dec!(36297.02))
    );
    // "funding_8h": 2.203e-05 in the body.
    assert_eq!(snapshot.funding[0].rate, dec!(0.00002203));
    assert_eq!(snapshot.prices[0].venue_time_ms, Some(1_623_059_681_955));
}

#[test]
fn deribit_book_summary_index_chart_funding_and_error() {
    let summary = deribit::parse_book_summary(
        &fixture("deribit_public_get_book_summary_by_currency_docs.json"),
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        summary.price("BTC-22FEB19", PriceKind::Mark),
        Some(dec!(3579.73))
    );
    // `last: null` is no price, not zero.
    assert_eq!(summary.price("BTC-22FEB19", PriceKind::Last), None);
    assert_eq!(
        summary.price("BTC-PERPETUAL", PriceKind::Last),
        Some(dec!(3595))
    );
    let index = deribit::parse_index_price(
        &fixture("deribit_public_get_index_price_docs.json"),
        "btc_usd",
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        index.price("btc_usd", PriceKind::Index),
        Some(dec!(11628.81))
    );
    let chart = deribit::parse_chart(
        &fixture("deribit_public_get_tradingview_chart_data_docs.json"),
        Interval::Hour1,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(chart.len(), 2);
    assert_eq!(chart[1].high, dec!(5250.87));
    let funding = deribit::parse_funding_rate_history(
        &fixture("deribit_public_get_funding_rate_history_docs.json"),
        "BTC-PERPETUAL",
    )
    .unwrap();
    assert_eq!(funding.len(), 4);
    assert_eq!(funding[0].rate, dec!(-0.00009234260068476106));
    let error =
        deribit::parse_ticker(&fixture("deribit_error_bad_request_docs.json"), NOW_MS).unwrap_err();
    assert_eq!(
        error.kind,
        ErrorKind::Venue {
            code: "11050".to_owned()
        }
    );
    let limited = deribit::parse_ticker(
        br#"{"jsonrpc":"2.0","error":{"code":10028,"message":"too_many_requests"}}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert!(matches!(limited.kind, ErrorKind::RateLimited { .. }));
}

#[test]
fn deribit_option_iv_percent_becomes_a_fraction() {
    let body = br#"{"jsonrpc":"2.0","result":{"instrument_name":"BTC-25MAR23-420-C","timestamp":1,
        "mark_price":0.05,"last_price":null,"index_price":23000,"mark_iv":45.43,
        "underlying_price":23010.5,"greeks":{"delta":0.51,"gamma":0.00001,"vega":20.1,"theta":-15.2,"rho":1.0}}}"#;
    let snapshot = deribit::parse_ticker(body, NOW_MS).unwrap();
    let quote = &snapshot.options[0];
    assert_eq!(quote.mark_iv, Some(dec!(0.4543)));
    assert_eq!(quote.delta, Some(dec!(0.51)));
    assert_eq!(snapshot.price("BTC-25MAR23-420-C", PriceKind::Last), None);
}

#[test]
fn kraken_canonical_pair_open_last_row_and_errors() {
    let candles = kraken::parse_ohlc(&fixture("kraken_public_ohlc_docs.json")).unwrap();
    assert_eq!(candles.len(), 4);
    // Seconds become milliseconds.
    assert_eq!(candles[0].open_time_ms, 1_688_671_200_000);
    assert_eq!(candles[0].volume, dec!(3.39243896));
    assert!(candles[2].closed && !candles[3].closed);
    let ticker = kraken::parse_ticker(
        br#"{"error":[],"result":{"XXBTZUSD":{"a":["30300.10000","1","1.000"],"b":["30300.00000","1","1.000"],"c":["30303.20000","0.00067643"],"v":["1","2"],"p":["1","2"],"t":[1,2],"l":["1","2"],"h":["1","2"],"o":"30502.80000"}}}"#,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        ticker.price("XXBTZUSD", PriceKind::Last),
        Some(dec!(30303.2))
    );
    let unknown =
        kraken::parse_ticker(br#"{"error":["EQuery:Unknown asset pair"]}"#, NOW_MS).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::UnknownInstrument);
    let limited = kraken::parse_ohlc(br#"{"error":["EAPI:Rate limit exceeded"]}"#).unwrap_err();
    assert!(matches!(limited.kind, ErrorKind::RateLimited { .. }));
}

#[test]
fn coinbase_ticker_rfc3339_and_candles_low_before_high() {
    let ticker = coinbase::parse_ticker(
        br#"{"ask":"6267.71","bid":"6265.15","volume":"53602.03940154","trade_id":86326522,"price":"6268.48","size":"0.00698254","time":"2026-06-19T16:43:33.016274911Z","rfq_volume":"0"}"#,
        "BTC-USD",
        NOW_MS,
    )
    .unwrap();
    assert_eq!(
        ticker.price("BTC-USD", PriceKind::Last),
        Some(dec!(6268.48))
    );
    assert_eq!(ticker.prices[0].venue_time_ms, Some(1_781_887_413_016));
    // Newest first, [time s, low, high, open, close, volume], JSON numbers.
    let candles = coinbase::parse_candles(
        br"[[1700003600, 100.5, 110.25, 101, 109, 12.5],[1700000000, 90, 105, 95, 100.5, 3]]",
        Interval::Hour1,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(candles[0].open_time_ms, 1_700_000_000_000);
    assert_eq!(
        (candles[1].low, candles[1].high),
        (dec!(100.5), dec!(110.25))
    );
    let error = coinbase::parse_ticker(br#"{"message":"NotFound"}"#, "X-Y", NOW_MS).unwrap_err();
    assert!(error.message.contains("NotFound"));
}

#[test]
fn hyperliquid_mids_contexts_candles_and_funding() {
    let mids =
        hyperliquid::parse_all_mids(br#"{"BTC":"109608.5","ETH":"3847.95"}"#, NOW_MS).unwrap();
    assert_eq!(mids.price("ETH", PriceKind::Mid), Some(dec!(3847.95)));
    let contexts = hyperliquid::parse_meta_and_asset_ctxs(
        br#"[{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40},{"name":"ETH","szDecimals":4,"maxLeverage":25}]},
             [{"funding":"0.0000125","openInterest":"1","prevDayPx":"1","dayNtlVlm":"1","premium":"0","oraclePx":"109600.0","markPx":"109610.0","midPx":"109609.5","impactPxs":null,"dayBaseVlm":"1"},
              {"funding":"0.00001","openInterest":"1","prevDayPx":"1","dayNtlVlm":"1","premium":"0","oraclePx":"3847.0","markPx":"3848.1","midPx":null,"impactPxs":null,"dayBaseVlm":"1"}]]"#,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(contexts.price("ETH", PriceKind::Mark), Some(dec!(3848.1)));
    assert_eq!(
        contexts.price("BTC", PriceKind::Oracle),
        Some(dec!(109600.0))
    );
    assert_eq!(contexts.price("ETH", PriceKind::Mid), None);
    let candles = hyperliquid::parse_candle_snapshot(
        br#"[{"t":1700000000000,"T":1700003599999,"s":"BTC","i":"1h","o":"1","h":"2","l":"0.5","c":"1.5","v":"10","n":3}]"#,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(candles[0].close, dec!(1.5));
    assert!(candles[0].closed);
    let funding = hyperliquid::parse_funding_history(
        br#"[{"coin":"BTC","fundingRate":"0.0000125","premium":"0.0001","time":1683849600048}]"#,
    )
    .unwrap();
    assert_eq!(funding[0].time_ms, 1_683_849_600_048);
}

#[test]
fn coingecko_simple_price_chart_and_rate_limit() {
    let prices =
        coingecko::parse_simple_price(&fixture("coingecko_simple_price_docs.json"), NOW_MS)
            .unwrap();
    assert_eq!(
        prices.price("bitcoin", PriceKind::Reference),
        Some(dec!(67187.3358936566))
    );
    // last_updated_at is in seconds.
    assert_eq!(prices.prices[0].venue_time_ms, Some(1_711_356_300_000));
    let chart =
        coingecko::parse_market_chart(&fixture("coingecko_coins_market_chart_docs.json")).unwrap();
    assert_eq!(chart.len(), 3);
    assert_eq!(chart[2], (1_711_983_682_000, dec!(68887.7495158568)));
    let limited = coingecko::parse_simple_price(
        br#"{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}"#,
        NOW_MS,
    )
    .unwrap_err();
    assert!(matches!(limited.kind, ErrorKind::RateLimited { .. }));
}

#[test]
fn every_parser_rejects_empty_and_malformed_bodies_without_panicking() {
    type Parser = fn(&[u8]) -> Option<ErrorKind>;
    let parsers: [(&str, Parser); 9] = [
        ("binance", |b| {
            binance::parse_ticker_price(b, 0).err().map(|e| e.kind)
        }),
        ("binance klines", |b| {
            binance::parse_klines(b, 0).err().map(|e| e.kind)
        }),
        ("bybit", |b| {
            bybit::parse_tickers(b, 0).err().map(|e| e.kind)
        }),
        ("okx", |b| okx::parse_candles(b).err().map(|e| e.kind)),
        ("deribit", |b| {
            deribit::parse_ticker(b, 0).err().map(|e| e.kind)
        }),
        ("kraken", |b| kraken::parse_ohlc(b).err().map(|e| e.kind)),
        ("coinbase", |b| {
            coinbase::parse_ticker(b, "BTC-USD", 0)
                .err()
                .map(|e| e.kind)
        }),
        ("hyperliquid", |b| {
            hyperliquid::parse_all_mids(b, 0).err().map(|e| e.kind)
        }),
        ("coingecko", |b| {
            coingecko::parse_simple_price(b, 0).err().map(|e| e.kind)
        }),
    ];
    for (name, parse) in parsers {
        assert_eq!(parse(b""), Some(ErrorKind::Empty), "{name}");
        assert_eq!(
            parse(b"<html>502 Bad Gateway</html>"),
            Some(ErrorKind::Malformed),
            "{name}"
        );
        assert_eq!(
            parse(b"{\"truncated\": [1, 2"),
            Some(ErrorKind::Malformed),
            "{name}"
        );
        // Right JSON, wrong shape: an error, never a panic.
        assert!(
            parse(b"[[\"x\"]]").is_some() || name == "hyperliquid",
            "{name}"
        );
    }
}
