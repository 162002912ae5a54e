//! Presentation without egui: how every number is written, the report and its JSON schema,
//! and where each price came from.
//!
//! The GUI and the CLI both format through here, so the same number shows the same digits in
//! the Margin panel and in `riskdeck report`. Nothing here reads a clock: the valuation time
//! a price's age is measured to is an argument.

pub mod format;
pub mod provenance;
pub mod report;

pub use provenance::PriceLine;
pub use report::Report;
