//! RiskDeck's integration tests: one binary, one module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly on purpose: a panic is a failed test"
)]

mod cli;
mod common;
mod engine;
mod engine_props;
mod malformed;
mod market_http;
mod market_parsers;
mod portfolio_files;
mod pricing;
mod save;
mod ui_headless;
