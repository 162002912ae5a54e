//! Portfolio files: the data types, parsing with precise error positions, validation against
//! venue rules, format migrations and crash-safe saving.
//!
//! Nothing here knows about egui or HTTP; the GUI, the CLI and the tests all go through the
//! same [`parse_portfolio`], [`validate`](validate::validate) and [`io`] functions.

pub mod edit;
pub mod instrument;
pub mod io;
pub mod load;
pub mod migrate;
pub mod params;
pub mod provenance;
pub mod spans;
pub mod types;
pub mod validate;
pub mod valuation;
pub mod venue_rules;

pub use instrument::InstrumentKey;
pub use load::{Problem, parse_portfolio, parse_portfolio_bytes};
pub use types::*;

/// RON extensions every portfolio file may use, with or without the `#![enable(…)]` header:
/// `implicit_some` (write `leverage: "10"` rather than `leverage: Some("10")`) and
/// `unwrap_variant_newtypes` (write `Perpetual(symbol: …)` rather than `Perpetual((symbol: …))`).
pub fn ron_extensions() -> ron::extensions::Extensions {
    ron::extensions::Extensions::IMPLICIT_SOME
        | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
}

/// The RON reader settings for portfolio files: the extensions above and a recursion limit well
/// below what would exhaust the stack on hostile input.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron_extensions())
        .with_recursion_limit(spans::MAX_DEPTH)
}
