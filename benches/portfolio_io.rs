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

criterion_group!(benches, parse_and_format);
criterion_main!(benches);
