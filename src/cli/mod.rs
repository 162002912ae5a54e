//! Headless command line: `riskdeck check`, `report`, `format`, `prices` and `history`, each printing text or, with
//! `--json`, one JSON document. Exit codes: 0 ok, 1 invalid input or failed check, 2 usage.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` for command output: a closed pipe (`riskdeck report | head`) becomes an error
/// the command returns, and [`run`] ends quietly, instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// `print!` for command output (see [`outln!`]).
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*)?
    };
}

pub mod market;

use crate::model::io::{FileError, Overwrite, load_file, save_file, to_ron_string};

/// RiskDeck: a risk workstation for leveraged crypto portfolios across venues.
///
/// With no subcommand, opens the desktop app (on FILE, or the most recent file).
#[derive(Debug, Parser)]
#[command(name = "riskdeck", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Portfolio file (.ron) to open in the desktop app.
    pub file: Option<PathBuf>,
    /// Never touch the network; use cached and bundled data only.
    #[arg(long, global = true)]
    pub offline: bool,
    /// A headless command; omit it to open the desktop app.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate portfolio files; prints every problem as FILE:LINE:COL: MESSAGE.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the portfolio summary with the margin engine's numbers, priced from the venues
    /// (or the bundled history with --offline); manual prices in the file win.
    Report {
        /// The portfolio file.
        file: PathBuf,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Exit 1 when any market price a figure rests on is older than this many seconds
        /// (for scripts; the report is still printed).
        #[arg(long, value_name = "SECONDS")]
        max_age_s: Option<i64>,
        /// The valuation time: a UTC date-time, a date (00:00 UTC of it) or `now`; default
        /// the file's `valuation.as_of`, else now. A past time is priced from the candle
        /// closes made by then (with --offline, the bundle's daily or hourly closes).
        #[arg(long, value_name = "DATE|DATETIME|now")]
        as_of: Option<String>,
    },
    /// Prices of every instrument of FILE (or of the bundled coins): value, kind, source,
    /// venue time, age, stale flag, and each venue's errors.
    Prices {
        /// The portfolio file; omit it for the default watch list.
        file: Option<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Price coins from this source only (binance, coinbase, kraken, bybit, okx,
        /// coingecko); contracts still come from their own venue.
        #[arg(long, value_name = "VENUE")]
        source: Option<String>,
        /// Exit 1 when any listed market price is older than this many seconds.
        #[arg(long, value_name = "SECONDS")]
        max_age_s: Option<i64>,
        /// The valuation time: a UTC date-time, a date (00:00 UTC of it) or `now`; default
        /// the file's `valuation.as_of`, else now. A past time is priced from the candle
        /// closes made by then (with --offline, the bundle's daily or hourly closes).
        #[arg(long, value_name = "DATE|DATETIME|now")]
        as_of: Option<String>,
    },
    /// Candles of SYMBOL (BTC, BTCUSDT, …) from the venue, or from the bundled history with
    /// --offline or when the venue fails; says which.
    History {
        /// Coin or pair: BTC, ETHUSDT, SOL-USDT.
        symbol: String,
        /// First day, YYYY-MM-DD (UTC).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD (UTC), included.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Candle length: 1h or 1d.
        #[arg(long, default_value = "1d", value_parser = ["1h", "1d"])]
        interval: String,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite files in RiskDeck's canonical layout (what the app saves); keeps NAME.ron.bak.
    Format {
        /// Files to rewrite.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only report which files would change; exit 1 if any would.
        #[arg(long)]
        check: bool,
    },
}

/// Runs a headless command and returns the process exit code; `offline` keeps every socket
/// closed.
pub fn run(command: Command, offline: bool) -> ExitCode {
    let result = match command {
        Command::Prices {
            file,
            json,
            source,
            max_age_s,
            as_of,
        } => as_of_choice(as_of.as_deref()).and_then(|as_of| {
            market::prices(
                file.as_deref(),
                json,
                offline,
                source.as_deref(),
                max_age_s,
                as_of,
            )
        }),
        Command::History {
            symbol,
            from,
            to,
            interval,
            json,
        } => market::history(&symbol, from, to, &interval, json, offline),
        Command::Check { files, json } => check(&files, json),
        Command::Report {
            file,
            json,
            max_age_s,
            as_of,
        } => as_of_choice(as_of.as_deref())
            .and_then(|as_of| report(&file, json, offline, max_age_s, as_of)),
        Command::Format { files, check } => format(&files, check),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // The reader went away (`| head`): nothing is wrong with the data; end quietly.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<UsageError>().is_some() => {
            eprintln!("riskdeck: {err:#}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("riskdeck: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// The valuation time `--as-of` asks for (the file's, when absent).
fn as_of_choice(text: Option<&str>) -> anyhow::Result<crate::model::valuation::AsOf> {
    use crate::model::valuation::{AsOf, parse_as_of};
    match text {
        None => Ok(AsOf::File),
        Some(t) if t.trim().eq_ignore_ascii_case("now") => Ok(AsOf::Now),
        Some(t) => parse_as_of(t)
            .map(AsOf::At)
            .map_err(|e| UsageError(format!("--as-of: {e}")).into()),
    }
}

/// A command line that names something that does not exist (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The subcommands, for messages.
pub const COMMANDS: &str = "check, report, prices, history, format";

/// When the app would open `file` but it names no file and looks like a command
/// (`riskdeck stress`): the usage error to print instead of opening the window.
pub fn not_a_file(file: &std::path::Path) -> Option<UsageError> {
    let text = file.to_string_lossy();
    let looks_like_word = !text.is_empty()
        && file.extension().is_none()
        && !text.contains(['/', '\\'])
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (looks_like_word && !file.exists()).then(|| {
        UsageError(format!(
            "unknown command {text:?}: the commands are {COMMANDS} (a portfolio file ends in .ron); see riskdeck --help"
        ))
    })
}

/// Whether `err` is a write to a closed pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|json| json.io_error_kind())
                .is_some_and(|kind| kind == std::io::ErrorKind::BrokenPipe)
    })
}

/// What a valid file still should not be: accounts whose initial margin exceeds their equity
/// (over-committed), as `LINE:COL: warning: PATH: MESSAGE`, priced offline from the bundle at
/// the file's valuation time (the bundle's last close when it has none), never the network.
fn book_warnings(file: &std::path::Path, portfolio: &crate::model::Portfolio) -> Vec<Warning> {
    use crate::market::board;
    let library = crate::model::params::library();
    let now = crate::market::fetch::now_ms();
    let wanted = board::wanted_by(portfolio, library);
    let past = crate::pricing::past_time(crate::model::valuation::AsOf::File, Some(portfolio), now)
        .ok()
        .flatten();
    let board = match past {
        Some(at) => board::at_time(
            &wanted,
            at,
            None,
            None,
            now,
            &std::sync::atomic::AtomicBool::new(false),
        ),
        None => board::offline(&wanted, now, &crate::market::cache::Cached::default()),
    };
    let priced = crate::pricing::price(Some(portfolio), &board, library, now);
    let analysis = crate::pricing::analyze(portfolio, &priced, library);
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let tree = crate::model::spans::scan(&text).ok();
    analysis
        .accounts
        .iter()
        .filter(|a| a.is_over_committed())
        .map(|account| {
            let path = format!("accounts[{}]", account.index);
            let offset = tree.as_ref().map_or(0, |t| t.locate(&path));
            let (line, col) = crate::model::spans::line_col(&text, offset);
            Warning {
                message: format!(
                    "\"{}\" needs {} USD of initial margin with {} USD of equity at {}: it \
                     could not have opened these positions (over-committed)",
                    account.label,
                    account.initial_margin_usd.round_dp(2),
                    account.equity_usd.round_dp(2),
                    crate::model::valuation::describe(priced.valued_at_ms)
                ),
                path,
                line,
                col,
            }
        })
        .collect()
}

/// A warning about a valid file, with where it is.
struct Warning {
    path: String,
    line: usize,
    col: usize,
    message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: warning: {}: {}",
            self.line, self.col, self.path, self.message
        )
    }
}

fn check(files: &[PathBuf], json: bool) -> anyhow::Result<bool> {
    let mut all_valid = true;
    let mut results = Vec::new();
    for file in files {
        let mut warnings: Vec<Warning> = Vec::new();
        let (valid, problems) = match load_file(file) {
            Ok(loaded) => {
                warnings = book_warnings(file, &loaded.portfolio);
                if !json {
                    for warning in &warnings {
                        eprintln!("{}:{warning}", file.display());
                    }
                }
                if !json {
                    let positions: usize = loaded
                        .portfolio
                        .accounts
                        .iter()
                        .map(|a| a.positions.len())
                        .sum();
                    outln!(
                        "{}: ok ({} accounts, {positions} positions)",
                        file.display(),
                        loaded.portfolio.accounts.len()
                    );
                }
                (true, Vec::new())
            }
            Err(FileError::Invalid { problems, .. }) => {
                if !json {
                    for problem in &problems {
                        eprintln!("{}:{problem}", file.display());
                    }
                }
                (false, problems)
            }
            Err(err) => {
                if !json {
                    eprintln!("{err}");
                }
                let problem = crate::model::Problem {
                    path: String::new(),
                    line: 0,
                    col: 0,
                    message: err.to_string(),
                };
                (false, vec![problem])
            }
        };
        all_valid &= valid;
        results.push(serde_json::json!({
            "file": file.display().to_string(),
            "valid": valid,
            "warnings": warnings.iter().map(|w| serde_json::json!({
                "path": w.path, "line": w.line, "col": w.col, "message": w.message,
            })).collect::<Vec<_>>(),
            "problems": problems.iter().map(|p| serde_json::json!({
                "path": p.path, "line": p.line, "col": p.col, "message": p.message,
            })).collect::<Vec<_>>(),
        }));
    }
    if json {
        print_json(&serde_json::json!({ "valid": all_valid, "files": results }))?;
    }
    Ok(all_valid)
}

fn report(
    file: &std::path::Path,
    json: bool,
    offline: bool,
    max_age_s: Option<i64>,
    as_of: crate::model::valuation::AsOf,
) -> anyhow::Result<bool> {
    let loaded = match load_file(file) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("{err}");
            return Ok(false);
        }
    };
    let report = match market::priced_report(file, &loaded.portfolio, offline, as_of) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("riskdeck: {}: {err:#}", file.display());
            return Ok(false);
        }
    };
    if json {
        print_json(&report)?;
    } else {
        out!("{}", report.to_text());
    }
    Ok(within_max_age(
        max_age_s,
        report.prices.oldest_age_seconds,
        report.prices.oldest.as_deref(),
    ))
}

/// False (exit 1) when `--max-age-s` was given and the oldest price used is older, with a line
/// on stderr naming it.
fn within_max_age(max_age_s: Option<i64>, oldest_s: Option<i64>, what: Option<&str>) -> bool {
    match (max_age_s, oldest_s) {
        (Some(max), Some(age)) if age > max => {
            eprintln!(
                "riskdeck: {} has a price {age} s old, older than --max-age-s {max}",
                what.unwrap_or("a position")
            );
            false
        }
        _ => true,
    }
}

fn format(files: &[PathBuf], check_only: bool) -> anyhow::Result<bool> {
    let mut all_ok = true;
    for file in files {
        let loaded = match load_file(file) {
            Ok(loaded) => loaded,
            Err(err) => {
                eprintln!("{err}");
                all_ok = false;
                continue;
            }
        };
        let canonical = to_ron_string(&loaded.portfolio, &loaded.header)?;
        let current = std::fs::read(file).unwrap_or_default();
        if current == canonical.as_bytes() {
            continue;
        }
        if check_only {
            outln!("{}: would be reformatted", file.display());
            all_ok = false;
        } else {
            match save_file(
                file,
                &loaded.portfolio,
                &loaded.header,
                Overwrite::IfUnchanged(loaded.stamp),
            ) {
                Ok(saved) => match saved.conflict {
                    None => outln!("{}: reformatted (previous version in .bak)", file.display()),
                    Some(kept) => {
                        outln!("{}: reformatted", file.display());
                        eprintln!(
                            "riskdeck: {}: another program wrote the file meanwhile; its \
                             version is kept as {}",
                            file.display(),
                            kept.display()
                        );
                        all_ok = false;
                    }
                },
                Err(err) => {
                    eprintln!("{err}");
                    all_ok = false;
                }
            }
        }
    }
    Ok(all_ok)
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}
