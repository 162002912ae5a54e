//! RiskDeck: a desktop risk workstation for leveraged crypto portfolios spread over several
//! venues.
//!
//! The crate is a functional core with an imperative shell (see `DESIGN.md` in the shared
//! folder and the README):
//! - [`model`]: portfolio files: types, parsing with precise errors, validation, safe saving;
//! - [`market`]: public prices, candles and funding from the venues, and bundled history;
//! - [`report`]: the portfolio summary shared by the CLI and the GUI;
//! - [`cli`]: headless subcommands (`check`, `report`, `format`);
//! - [`app`] and [`ui`]: the eframe desktop application.

pub mod app;
pub mod cli;
pub mod engine;
pub mod market;
pub mod model;
pub mod present;
pub mod pricing;
pub mod ui;
pub mod venues;
