//! RiskDeck's integration tests: one binary, one module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly on purpose: a panic is a failed test"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "tests time frames and retries on the wall clock and run a local HTTP server on \
              its own threads; the layering rules are for the crate's code"
)]

mod cli;
mod common;
mod engine;
mod engine_props;
mod fuzz_files;
mod fuzz_numbers;
mod http_deadlines;
mod layering;
mod malformed;
mod market_http;
mod market_parsers;
mod oracles;
mod portfolio_files;
mod pricing;
mod save;
mod ui_headless;
mod valuation;
