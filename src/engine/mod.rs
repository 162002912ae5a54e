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

use rayon::prelude::*;

use crate::model::Portfolio;
use crate::model::params::ParameterLibrary;

pub use market::{MarketSnapshot, PriceSource, Quote};
pub use result::{
    AccountRisk, Excluded, Exposure, ExposureShare, MarginReport, PositionRisk, Side, Totals,
};

/// Below this many positions one thread is faster than handing accounts to the pool.
const PARALLEL_MIN_POSITIONS: usize = 200;

/// Runs the margin engine over every account, then the cross-venue aggregation.
///
/// Accounts are independent until aggregation, so a large portfolio's accounts are analyzed
/// in parallel on rayon's pool (the GUI recomputes on every edit; accounts differ in cost, so
/// work stealing balances them). The result is identical to the sequential pass, in file
/// order.
pub fn analyze(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    library: &ParameterLibrary,
) -> MarginReport {
    let accounts = &portfolio.accounts;
    let positions: usize = accounts.iter().map(|a| a.positions.len()).sum();
    let mut report = MarginReport::default();
    if positions >= PARALLEL_MIN_POSITIONS && accounts.len() > 1 {
        let parts: Vec<MarginReport> = accounts
            .par_iter()
            .with_max_len(1)
            .enumerate()
            .map(|(index, account)| {
                let mut part = MarginReport::default();
                let mut context = margin::Context::new(library, market);
                margin::analyze_account(&mut context, index, account, &mut part);
                part
            })
            .collect();
        for part in parts {
            report.append(part);
        }
    } else {
        let mut context = margin::Context::new(library, market);
        for (index, account) in accounts.iter().enumerate() {
            margin::analyze_account(&mut context, index, account, &mut report);
        }
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
