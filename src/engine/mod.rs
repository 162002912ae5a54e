//! The functional core: pure risk math.
//!
//! No egui, no HTTP, no file system, no clock. Functions take a [`Portfolio`], a
//! [`MarketSnapshot`] and the venue parameters and return plain result structs, so the GUI and
//! the CLI show the same numbers and tests can check them against published examples.
//! Money is [`rust_decimal::Decimal`]; statistics (the uniform liquidation move, σ distances)
//! are `f64`.

pub mod aggregate;
pub mod margin;
pub mod market;
pub mod result;

use crate::model::Portfolio;
use crate::model::params::ParameterLibrary;

pub use market::{MarketSnapshot, PriceSource, Quote};
pub use result::{
    AccountRisk, Excluded, Exposure, ExposureShare, MarginReport, PositionRisk, Side, Totals,
};

/// Runs the margin engine over every account, then the cross-venue aggregation.
pub fn analyze(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    library: &ParameterLibrary,
) -> MarginReport {
    let mut report = MarginReport::default();
    let mut context = margin::Context {
        library,
        market,
        cums: margin::CumCache::default(),
    };
    for (index, account) in portfolio.accounts.iter().enumerate() {
        margin::analyze_account(&mut context, index, account, &mut report);
    }
    aggregate::aggregate(portfolio, market, library, &mut report);
    report
}

/// [`analyze`] with the file's own prices and the bundled parameters: what `riskdeck report`
/// and the GUI use until live prices exist.
pub fn analyze_with_file_prices(portfolio: &Portfolio) -> MarginReport {
    analyze(
        portfolio,
        &MarketSnapshot::from_overrides(portfolio),
        crate::model::params::library(),
    )
}
