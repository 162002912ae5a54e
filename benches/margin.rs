//! Full margin + aggregation pass over a generated 1,000-position, 8-venue portfolio
//! (target: under 1 ms on the 2-core CI machine).

use criterion::{Criterion, criterion_group, criterion_main};
use riskdeck::engine::analyze_with_file_prices;
use riskdeck::model::{Portfolio, parse_portfolio};
use std::fmt::Write as _;
use std::hint::black_box;

/// 8 venue accounts × 125 positions on the bundled price levels of 2025-10-31; sizes and
/// entries vary so positions fall in different tiers.
fn generated() -> Portfolio {
    // (venue, mode, collateral asset, amount, symbol, underlying, settlement, contract size)
    let accounts = [
        (
            "BinanceUsdm",
            "Cross",
            "USDT",
            "5000000",
            "BTCUSDT",
            "BTC",
            "Linear",
            None,
        ),
        (
            "BinanceCoinm",
            "Cross",
            "BTC",
            "50",
            "BTCUSD_PERP",
            "BTC",
            "Inverse",
            Some("100"),
        ),
        (
            "BybitLinear",
            "Isolated",
            "USDT",
            "5000000",
            "ETHUSDT",
            "ETH",
            "Linear",
            None,
        ),
        (
            "BybitInverse",
            "Cross",
            "BTC",
            "50",
            "BTCUSD",
            "BTC",
            "Inverse",
            Some("1"),
        ),
        (
            "Okx",
            "Cross",
            "USDT",
            "5000000",
            "ADA-USDT-SWAP",
            "ADA",
            "Linear",
            Some("100"),
        ),
        (
            "Deribit",
            "Cross",
            "USDC",
            "5000000",
            "SOL_USDC-PERPETUAL",
            "SOL",
            "Linear",
            None,
        ),
        (
            "Hyperliquid",
            "Cross",
            "USDC",
            "5000000",
            "ETH",
            "ETH",
            "Linear",
            None,
        ),
        (
            "DydxV4", "Cross", "USDC", "5000000", "BTC-USD", "BTC", "Linear", None,
        ),
    ];
    let prices = [
        ("BTC", 109_608.01),
        ("ETH", 3847.99),
        ("SOL", 187.21),
        ("ADA", 0.6091),
    ];
    let mut text =
        String::from("(format_version: 1, name: \"bench\", base_currency: USD, accounts: [");
    for (a, (venue, mode, asset, amount, symbol, underlying, settlement, cs)) in
        accounts.iter().enumerate()
    {
        let price = prices
            .iter()
            .find(|(u, _)| u == underlying)
            .map_or(1.0, |p| p.1);
        let _ = write!(
            text,
            "(label: \"acct{a}\", venue: {venue}, margin_mode: {mode}, \
             collateral: [(asset: \"{asset}\", amount: \"{amount}\")], positions: ["
        );
        for i in 0..125 {
            let sign = if i % 3 == 0 { "-" } else { "" };
            let size = match (*settlement, cs) {
                ("Inverse", Some("100")) => format!("{}", 10 + i * 7),
                ("Inverse", _) => format!("{}", 1000 + i * 700),
                (_, Some(_)) => format!("{}", 10 + i * 3),
                _ => format!("{:.3}", (1.0 + f64::from(i) * 0.37) * 10_000.0 / price),
            };
            let entry = price * (0.9 + f64::from(i % 20) * 0.01);
            let cs_field = cs.map_or(String::new(), |cs| format!("contract_size: \"{cs}\", "));
            let _ = write!(
                text,
                "Perpetual(symbol: \"{symbol}\", underlying: \"{underlying}\", settlement: {settlement}, \
                 size: \"{sign}{size}\", {cs_field}entry_price: \"{entry:.4}\", leverage: \"5\"),"
            );
        }
        text.push_str("]),");
    }
    text.push_str("], price_overrides: [");
    for (symbol, price) in prices {
        let _ = write!(text, "(symbol: \"{symbol}\", price_usd: \"{price}\"),");
    }
    text.push_str("])");
    match parse_portfolio(&text) {
        Ok(portfolio) => portfolio,
        // Validation may flag generated sizes; the engine still runs on the parsed data.
        Err(problems) => panic!("generated portfolio invalid: {problems:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let portfolio = generated();
    let positions: usize = portfolio.accounts.iter().map(|a| a.positions.len()).sum();
    assert_eq!(positions, 1000);
    let report = analyze_with_file_prices(&portfolio);
    assert!(
        report.positions.len() >= 990,
        "priced {}",
        report.positions.len()
    );
    c.bench_function("margin_and_aggregation_1000_positions_8_venues", |b| {
        b.iter(|| analyze_with_file_prices(black_box(&portfolio)));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
