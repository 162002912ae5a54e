//! Deadlines and redirects against the local server: a dribbled body is cut at the request's
//! deadline, a refresh round ends at its deadline with what is left reported, Retry-After
//! waits are capped and stay inside the round, and redirects are never followed.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use riskdeck::market::binance;
use riskdeck::market::fetch::{Job, fetch_all_until};
use riskdeck::market::transport::{HttpConfig, Transport};
use riskdeck::market::{ErrorKind, Source};

use crate::common::mock_server::{MockServer, Reply};
use crate::market_http::{fixture, premium, transport};

#[test]
fn a_body_dribbled_a_byte_at_a_time_is_cut_at_the_request_deadline() {
    // The headers arrive at once; the body at 20 bytes a second would take many seconds.
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::ok(fixture("binance_fapi_premiumIndex_docs.json"))
                .dribbled(Duration::from_millis(50)),
        ],
    )]);
    let transport = transport(
        &server,
        HttpConfig {
            total_timeout: Duration::from_millis(700),
            retries: 0,
            ..HttpConfig::default()
        },
    );
    let started = Instant::now();
    let error = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            premium,
        )
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind, ErrorKind::Timeout, "{error}");
    assert!(
        took < Duration::from_millis(1_500),
        "cut at the deadline, took {took:?}"
    );
    assert!(
        error.message.contains("did not arrive in time"),
        "{}",
        error.message
    );
}

#[test]
fn a_refresh_round_ends_at_its_deadline_and_reports_what_was_left() {
    // Each answer takes 400 ms; ten in a row at one venue would take 4 s. The round has 1 s.
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::ok(fixture("binance_fapi_premiumIndex_docs.json"))
                .after(Duration::from_millis(400)),
        ],
    )]);
    let transport = transport(
        &server,
        HttpConfig {
            total_timeout: Duration::from_secs(5),
            round_deadline: Duration::from_secs(1),
            retries: 0,
            ..HttpConfig::default()
        },
    );
    let jobs: Vec<Job> = (0..10)
        .map(|_| {
            Job::new(
                binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
                |body, _| premium(body),
            )
        })
        .collect();
    let started = Instant::now();
    let outcome = fetch_all_until(
        &transport,
        jobs,
        &AtomicBool::new(false),
        &|_| {},
        Some(transport.round_deadline()),
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1_800),
        "the round ended in time: {took:?}"
    );
    let report = &outcome.venues[&Source::BinanceFutures];
    assert!(report.answered >= 1 && report.answered < 10, "{report:?}");
    assert_eq!(outcome.errors.len(), 10 - report.answered);
    assert!(
        outcome.errors.iter().all(|e| e.kind == ErrorKind::Timeout),
        "{:?}",
        outcome.errors
    );
    assert!(
        outcome
            .errors
            .iter()
            .any(|e| e.message.contains("refresh round's 1 s deadline passed")),
        "{:?}",
        outcome.errors
    );
    assert!(
        server.hits("/fapi/v1/premiumIndex") < 10,
        "abandoned requests are not sent"
    );
}

#[test]
fn retry_after_is_capped_and_kept_inside_the_round() {
    // A 60 s Retry-After is beyond the 10 s cap: reported at once, not waited out.
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::status(429, r#"{"code":-1003,"msg":"Too many requests."}"#)
                .header("Retry-After", "60"),
        ],
    )]);
    let transport = transport(&server, HttpConfig::default());
    assert_eq!(transport.config().max_retry_after, Duration::from_secs(10));
    let started = Instant::now();
    let error = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            premium,
        )
        .unwrap_err();
    assert!(matches!(
        error.kind,
        ErrorKind::RateLimited {
            retry_after_s: Some(60)
        }
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
    // A 3 s Retry-After inside a 1 s round is not waited either.
    let server = MockServer::start(vec![(
        "/fapi/v1/premiumIndex",
        vec![
            Reply::status(429, r#"{"code":-1003,"msg":"Too many requests."}"#)
                .header("Retry-After", "3"),
            Reply::ok(fixture("binance_fapi_premiumIndex_docs.json")),
        ],
    )]);
    let transport = transport_with_round(&server, Duration::from_secs(1));
    let started = Instant::now();
    let error = transport
        .fetch_until(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            Some(transport.round_deadline()),
            premium,
        )
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(900));
    assert!(
        error
            .message
            .contains("would pass the refresh round's deadline"),
        "{error}"
    );
    assert_eq!(server.hits("/fapi/v1/premiumIndex"), 1);
}

fn transport_with_round(server: &MockServer, round: Duration) -> Transport {
    transport(
        server,
        HttpConfig {
            round_deadline: round,
            ..HttpConfig::default()
        },
    )
}

#[test]
fn redirects_are_not_followed_to_another_host_nor_for_a_post() {
    // The "other host" would answer with a price; it must never be asked.
    let elsewhere = MockServer::start(vec![(
        "/",
        vec![Reply::ok(fixture("binance_fapi_premiumIndex_docs.json"))],
    )]);
    let server = MockServer::start(vec![
        (
            "/fapi/v1/premiumIndex",
            vec![Reply::status(301, "").header(
                "Location",
                &format!("{}/fapi/v1/premiumIndex?symbol=BTCUSDT", elsewhere.base_url),
            )],
        ),
        (
            "/info",
            vec![
                Reply::status(302, "").header("Location", &format!("{}/info", elsewhere.base_url)),
            ],
        ),
    ]);
    let transport = transport(&server, HttpConfig::default());
    let error = transport
        .fetch(
            &binance::premium_index(Source::BinanceFutures, Some("BTCUSDT")),
            &AtomicBool::new(false),
            premium,
        )
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Http { status: 301 });
    assert!(
        error.message.contains("was not followed"),
        "{}",
        error.message
    );
    // Hyperliquid's info endpoint is a POST: a 302 does not turn it into a GET elsewhere.
    let post = riskdeck::market::hyperliquid::meta_and_asset_ctxs();
    let error = transport
        .fetch(&post, &AtomicBool::new(false), |b| {
            riskdeck::market::hyperliquid::parse_meta_and_asset_ctxs(b, 0)
        })
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Http { status: 302 });
    assert_eq!(elsewhere.hits("/"), 0, "the other host was never asked");
}
