//! Benchmarks of portfolio file parsing, validation and formatting (the work done on every
//! open and save).

use criterion::{Criterion, criterion_group, criterion_main};

fn parse_and_format(c: &mut Criterion) {
    for (name, text) in riskdeck::app::samples::SAMPLES {
        c.bench_function(&format!("parse_portfolio/{name}"), |b| {
            b.iter(|| riskdeck::model::parse_portfolio(std::hint::black_box(text)));
        });
    }
    let (_, text) = riskdeck::app::samples::SAMPLES[0];
    let Ok(portfolio) = riskdeck::model::parse_portfolio(text) else {
        return;
    };
    c.bench_function("to_ron_string/leveraged-long.ron", |b| {
        b.iter(|| riskdeck::model::io::to_ron_string(std::hint::black_box(&portfolio), ""));
    });
    // A broken file takes the slow path: every account and position is parsed on its own.
    let broken = text.replacen("venue: Hyperliquid", "venue: Hyperlikid", 1);
    c.bench_function("parse_portfolio/broken-leveraged-long", |b| {
        b.iter(|| riskdeck::model::parse_portfolio(std::hint::black_box(&broken)));
    });
}

/// A 10 MB file with 40,000 problems (a size that is not a number in each of 40,000
/// positions, and 3 MB of notes): listing them must stay linear (target: under 2 s).
fn many_problems() -> String {
    let mut text = String::from(
        "#![enable(implicit_some)]\n#![enable(unwrap_variant_newtypes)]\n(format_version: 1, \
         name: \"many\", base_currency: USD, notes: \"",
    );
    text.push_str(&"x".repeat(3_000_000));
    text.push_str(
        "\", accounts: [(label: \"A\", venue: BinanceUsdm, margin_mode: Cross, collateral: \
         [(asset: \"USDT\", amount: \"1000\")], positions: [\n",
    );
    for i in 0..40_000 {
        text.push_str(&format!(
            "    Perpetual(symbol: \"BTCUSDT{i:06}\", underlying: \"BTC\", settlement: Linear, \
             size: \"lots\", entry_price: \"{}.123456789012\", leverage: \"10\", \
             isolated_margin: \"100.5\"),\n",
            i + 1
        ));
    }
    text.push_str("])])\n");
    text
}

fn list_problems(c: &mut Criterion) {
    let text = many_problems();
    let mut group = c.benchmark_group("problems");
    group.sample_size(10);
    group.bench_function("list_40000_problems_10MB", |b| {
        b.iter(|| {
            let problems =
                riskdeck::model::parse_portfolio_bytes(std::hint::black_box(text.as_bytes()));
            assert_eq!(problems.map_or_else(|p| p.len(), |_| 0), 40_000);
        });
    });
    group.finish();
}

criterion_group!(benches, parse_and_format, list_problems);
criterion_main!(benches);
