//! RiskDeck's integration tests: one binary, one module per area.

mod cli;
mod common;
mod malformed;
mod portfolio_files;
mod save;
mod ui_headless;
