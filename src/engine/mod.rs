//! The functional core: pure risk math.
//!
//! No egui, no HTTP, no file system, no clock. Functions take a [`Portfolio`], a
//! [`MarketSnapshot`] and the venue parameters and return plain result structs, so the GUI and
//! the CLI show the same numbers and tests can check them against published examples.
//! Money is [`rust_decimal::Decimal`]; statistics (the uniform liquidation move, σ distances)
//! are `f64`.

pub mod aggregate;
pub mod expiry;
pub mod history;
pub mod margin;
pub mod market;
pub mod options;
pub mod result;

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
/// on two threads, this one and one of rayon's (the GUI recomputes on every edit; accounts
/// differ in cost, so both take the next account when done). The result is identical to the
/// sequential pass, in file order.
///
/// Dated futures that expired before the snapshot's valuation time are settled first
/// ([`expiry::settle`]): their payoff goes into the wallet, they leave margin and exposure,
/// and each keeps a row saying where it settled.
pub fn analyze(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    library: &ParameterLibrary,
) -> MarginReport {
    let quote_of = |account: &crate::model::Account| margin::pool::quote_asset(library, account);
    let Some(settled) = expiry::settle(portfolio, market, &quote_of) else {
        return analyze_existing(portfolio, market, library);
    };
    let mut report = analyze_existing(&settled.portfolio, market, library);
    expiry::restore_indices(&mut report, &settled.kept);
    report.positions.extend(settled.rows);
    // Stable: each account's rows stay in file order, the settled ones in their place.
    report
        .positions
        .sort_by_key(|p| (p.account_index, p.position_index));
    report.excluded.extend(settled.excluded);
    report.warnings.extend(settled.warnings);
    report
}

/// [`analyze`] on positions that all exist at the valuation time.
fn analyze_existing(
    portfolio: &Portfolio,
    market: &MarketSnapshot,
    library: &ParameterLibrary,
) -> MarginReport {
    let accounts = &portfolio.accounts;
    let positions: usize = accounts.iter().map(|a| a.positions.len()).sum();
    let mut report = MarginReport::default();
    if positions >= PARALLEL_MIN_POSITIONS && accounts.len() > 1 {
        // This thread takes accounts from the front, straight into the report (no copy of
        // its rows); one pool thread takes them from the back into parts of its own, which
        // are appended in file order at the end: only its share of the rows is copied. The
        // two meet wherever the work splits, so a slow account on either side is balanced.
        // Working here (rather than handing every account to the pool and sleeping) saves a
        // wake-up per pass.
        let bounds = std::sync::Mutex::new((0_usize, accounts.len()));
        let take = |from_front: bool| {
            let mut bounds = bounds.lock().ok()?;
            let (front, back) = &mut *bounds;
            (*front < *back).then(|| {
                if from_front {
                    *front += 1;
                    *front - 1
                } else {
                    *back -= 1;
                    *back
                }
            })
        };
        let mut helped: Vec<(usize, MarginReport)> = Vec::new();
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                let mut context = margin::Context::new(library, market);
                while let Some(index) = take(false) {
                    let mut part = MarginReport::default();
                    guarded_account(&mut context, index, &accounts[index], &mut part);
                    helped.push((index, part));
                }
            });
            let mut context = margin::Context::new(library, market);
            report.positions.reserve(positions);
            while let Some(index) = take(true) {
                guarded_account(&mut context, index, &accounts[index], &mut report);
            }
        });
        // Taken from the back: the last account first.
        for (_, part) in helped.into_iter().rev() {
            report.append(part);
        }
    } else {
        let mut context = margin::Context::new(library, market);
        for (index, account) in accounts.iter().enumerate() {
            guarded_account(&mut context, index, account, &mut report);
        }
    }
    report.flag_liquidated();
    aggregate::aggregate(portfolio, market, library, &mut report);
    report
}

/// One account's margin, with a last line of defence: the file's numbers are bounded by
/// validation, but prices from a venue or a combination of extremes can still overflow
/// `Decimal` somewhere in a venue's formula. Then the account's rows are dropped and the
/// account is listed in `excluded` with the reason, instead of the whole analysis (and the
/// window) going down.
fn guarded_account<'a>(
    context: &mut margin::Context<'a>,
    index: usize,
    account: &'a crate::model::Account,
    report: &mut MarginReport,
) {
    // Rows go straight into `report` (no copy on the hot path); on overflow they are cut back.
    let marks = (
        report.positions.len(),
        report.accounts.len(),
        report.excluded.len(),
        report.assumptions.len(),
        report.warnings.len(),
    );
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        margin::analyze_account(context, index, account, report);
    }));
    if outcome.is_err() {
        report.positions.truncate(marks.0);
        report.accounts.truncate(marks.1);
        report.excluded.truncate(marks.2);
        report.assumptions.truncate(marks.3);
        report.warnings.truncate(marks.4);
        report.excluded.push(Excluded {
            path: format!("accounts[{index}]"),
            reason: format!(
                "\"{}\": its numbers are too extreme to compute exactly (a decimal \
                 overflowed); check its sizes, prices and collateral",
                account.label
            ),
        });
        report.accounts.push(AccountRisk::excluded(index, account));
    }
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
