//! Fuzzing the two input surfaces from outside: mutated sample files (bytes deleted, inserted,
//! duplicated, swapped) through parsing, pricing at the file's time and the report; and hostile
//! venue bodies (truncated, flipped, numbers replaced by extremes, deep nesting) through every
//! parser. Nothing may panic or hang, and no liquidation price may sit on the wrong side of
//! its mark. CI runs a few hundred cases of each; `RISKDECK_FUZZ_CASES=5000 cargo test
//! fuzz_files` runs more (the session notes give the figures of such runs).

use proptest::prelude::*;

pub(crate) fn cases() -> u32 {
    std::env::var("RISKDECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// One mutation of a file or a body.
#[derive(Clone, Debug)]
enum Mutation {
    /// Delete `len` bytes at a position.
    Delete(prop::sample::Index, usize),
    /// Insert a token at a position.
    Insert(prop::sample::Index, String),
    /// Copy a span to another position (a duplicated line or field).
    Duplicate(prop::sample::Index, usize, prop::sample::Index),
    /// Replace one byte.
    Flip(prop::sample::Index, u8),
    /// Cut everything after a position.
    Truncate(prop::sample::Index),
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("],".to_owned()),
        Just(",".to_owned()),
        Just("\"-1\"".to_owned()),
        Just("\"0\"".to_owned()),
        Just("\"1e400\"".to_owned()),
        Just("\"NaN\"".to_owned()),
        Just("\"79228162514264337593543950335\"".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\r".to_owned()),
        Just("\u{0}".to_owned()),
        Just("Perpetual(".to_owned()),
        Just("leverage: \"1000\",".to_owned()),
        Just("expiry: \"2020-01-01\",".to_owned()),
        "[a-zA-Z_:\" ,()0-9.-]{1,12}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), token()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (
            any::<prop::sample::Index>(),
            1usize..200,
            any::<prop::sample::Index>()
        )
            .prop_map(|(i, n, j)| Mutation::Duplicate(i, n, j)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match mutation {
        Mutation::Delete(at, len) => {
            let start = at.index(bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert(at, token) => {
            let at = at.index(bytes.len());
            bytes.splice(at..at, token.bytes());
        }
        Mutation::Duplicate(from, len, to) => {
            let start = from.index(bytes.len());
            let end = (start + len).min(bytes.len());
            let piece = bytes[start..end].to_vec();
            let to = to.index(bytes.len());
            bytes.splice(to..to, piece);
        }
        Mutation::Flip(at, byte) => {
            let at = at.index(bytes.len());
            bytes[at] = *byte;
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
    }
}

/// No liquidation price on the wrong side of its mark: a long's below, a short's above,
/// unless the position is already (and is shown as) liquidated.
fn liquidation_prices_are_on_the_right_side(
    report: &riskdeck::engine::MarginReport,
) -> Result<(), String> {
    use riskdeck::engine::Side;
    for p in &report.positions {
        let (Some(lp), false, None) = (p.liquidation_price, p.liquidated, &p.expired) else {
            continue;
        };
        let wrong = match p.side {
            Side::Long => lp > p.mark_price,
            Side::Short => lp < p.mark_price,
        };
        if wrong {
            return Err(format!(
                "{} {}: {:?} liquidation price {lp} on the wrong side of mark {} and not flagged",
                p.account, p.symbol, p.side, p.mark_price
            ));
        }
    }
    Ok(())
}

/// Parses `bytes` and, when valid, prices at the file's time from the bundle (offline, no
/// clock read: the bundle's last close when it has none) and builds the report.
pub(crate) fn check_file(bytes: &[u8]) -> Result<(), String> {
    let Ok(portfolio) = riskdeck::model::parse_portfolio_bytes(bytes) else {
        return Ok(());
    };
    let (priced, analysis) = crate::common::priced_at_file_time(&portfolio);
    liquidation_prices_are_on_the_right_side(&analysis)?;
    let report =
        riskdeck::present::Report::with_analysis("f.ron", &portfolio, &analysis, &priced.valuation);
    let _ = report.to_text();
    serde_json::to_string(&report).map_err(|e| e.to_string())?;
    Ok(())
}

/// Every parser on `body`; none may panic (errors are fine).
fn every_parser(body: &[u8]) {
    use riskdeck::market::*;
    let t = 1_761_955_200_000;
    let _ = binance::parse_ticker_price(body, t);
    let _ = binance::parse_premium_index(body, Source::BinanceFutures, t);
    let _ = binance::parse_premium_index(body, Source::BinanceCoinm, t);
    let _ = binance::parse_klines(body, t);
    let _ = binance::parse_funding_rate(body);
    let _ = bybit::parse_tickers(body, t);
    let _ = bybit::parse_kline(body, Interval::Hour1, t);
    let _ = bybit::parse_funding_history(body);
    let _ = coinbase::parse_ticker(body, "BTC-USD", t);
    let _ = coinbase::parse_candles(body, Interval::Day1, t);
    let _ = coingecko::parse_simple_price(body, t);
    let _ = coingecko::parse_market_chart(body);
    let _ = deribit::parse_ticker(body, t);
    let _ = deribit::parse_book_summary(body, t);
    let _ = deribit::parse_index_price(body, "btc_usd", t);
    let _ = deribit::parse_chart(body, Interval::Hour1, t);
    let _ = deribit::parse_funding_rate_history(body, "BTC-PERPETUAL");
    let _ = hyperliquid::parse_all_mids(body, t);
    let _ = hyperliquid::parse_meta_and_asset_ctxs(body, t);
    let _ = hyperliquid::parse_candle_snapshot(body, t);
    let _ = hyperliquid::parse_funding_history(body);
    let _ = kraken::parse_ticker(body, t);
    let _ = kraken::parse_ohlc(body);
    let _ = okx::parse_ticker(body, t);
    let _ = okx::parse_mark_price(body, t);
    let _ = okx::parse_funding(body);
    let _ = okx::parse_candles(body);
    let _ = okx::parse_opt_summary(body);
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Numbers in a body replaced by extremes a misbehaving venue could send.
fn extreme_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1e308".to_owned()),
        Just("1e-320".to_owned()),
        Just("\"NaN\"".to_owned()),
        Just("\"Infinity\"".to_owned()),
        Just("99999999999999999999999999999999".to_owned()),
        Just("\"0.00000000000000000000000000001\"".to_owned()),
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\"\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_sample_files_never_panic_or_put_a_liquidation_price_on_the_wrong_side(
        sample in 0usize..4,
        mutations in proptest::collection::vec(mutation(), 1..5),
    ) {
        let files = crate::common::sample_files();
        let mut bytes = std::fs::read(&files[sample % files.len()]).unwrap();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        prop_assert_eq!(check_file(&bytes), Ok(()));
    }

    #[test]
    fn hostile_venue_bodies_never_panic_any_parser(
        fixture in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 0..4),
        numbers in proptest::collection::vec((any::<prop::sample::Index>(), extreme_number()), 0..4),
        nesting in 0usize..3,
    ) {
        let bodies = fixtures();
        let mut body = bodies[fixture.index(bodies.len())].clone();
        // Replace some numbers (runs of digits) with extremes.
        let text = String::from_utf8_lossy(&body).into_owned();
        let runs: Vec<(usize, usize)> = {
            let b = text.as_bytes();
            let mut runs = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                        i += 1;
                    }
                    runs.push((start, i));
                } else {
                    i += 1;
                }
            }
            runs
        };
        if !runs.is_empty() {
            let mut chosen: Vec<(usize, usize, String)> = numbers
                .into_iter()
                .map(|(i, n)| {
                    let (s, e) = runs[i.index(runs.len())];
                    (s, e, n)
                })
                .collect();
            chosen.sort_by_key(|c| std::cmp::Reverse(c.0));
            chosen.dedup_by_key(|c| c.0);
            let mut text = text.clone();
            for (s, e, n) in chosen {
                text.replace_range(s..e, &n);
            }
            body = text.into_bytes();
        }
        for m in &mutations {
            apply(&mut body, m);
        }
        // Deep nesting: a venue (or a proxy) wrapping the body in thousands of arrays.
        if nesting > 0 {
            let depth = 10_usize.pow(u32::try_from(nesting).unwrap_or(1) + 1);
            let mut wrapped = "[".repeat(depth).into_bytes();
            wrapped.extend_from_slice(&body);
            wrapped.extend_from_slice("]".repeat(depth).as_bytes());
            body = wrapped;
        }
        every_parser(&body);
    }
}
