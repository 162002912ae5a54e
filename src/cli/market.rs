//! `riskdeck prices` and `riskdeck history`: market data from the command line, live or from
//! the bundled history (`--offline`), always saying where each number came from.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::print_json;
use crate::market::board::{self, Board, STALE_HISTORY_SECONDS, STALE_MARK_SECONDS, Wanted};
use crate::market::fetch::now_ms;
use crate::market::history::{self, History, HistoryRequest, Origin};
use crate::market::transport::{BaseUrls, HttpConfig, Transport};
use crate::market::{FetchError, Interval, Source, bundle, cache};
use crate::model::io::load_file;

/// A decimal as an exact JSON number (serde_json keeps its digits with
/// `arbitrary_precision`).
fn num(value: rust_decimal::Decimal) -> serde_json::Value {
    serde_json::from_str(&value.normalize().to_string()).unwrap_or(serde_json::Value::Null)
}

/// ISO time of a millisecond timestamp.
fn iso(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339())
}

fn error_json(error: &FetchError) -> serde_json::Value {
    json!({
        "venue": error.source.key(),
        "endpoint": error.endpoint,
        "kind": error.kind.name(),
        "message": error.message,
    })
}

/// A transport with the default policy and the environment's base URLs.
fn transport() -> anyhow::Result<Transport> {
    Transport::new(HttpConfig::default(), &BaseUrls::new()).map_err(anyhow::Error::msg)
}

/// The board of `wanted`: offline from the cache and the bundle; online from the venues,
/// falling back to the cache and the bundle, and saving what was fetched to the cache.
fn build_board(
    wanted: &[Wanted],
    offline: bool,
    only: Option<Source>,
    now: i64,
    past: Option<i64>,
) -> anyhow::Result<Board> {
    if let Some(at_ms) = past {
        // A past time is priced from candle closes at that time, never from today's marks.
        let transport = if offline { None } else { Some(transport()?) };
        return Ok(board::at_time(
            wanted,
            at_ms,
            transport.as_ref(),
            cache::cache_dir().as_deref(),
            now,
            &AtomicBool::new(false),
        ));
    }
    let path = cache::cache_dir().map(|dir| cache::prices_path(&dir));
    let cached = path.as_deref().map(cache::load).unwrap_or_default();
    if let Some(warning) = &cached.warning {
        eprintln!("riskdeck: warning: {warning}");
    }
    if offline {
        return Ok(board::offline(wanted, now, &cached));
    }
    let plan = only.map_or_else(board::SourcePlan::default, board::SourcePlan::only);
    let board = board::refresh(
        &transport()?,
        wanted,
        &plan,
        &cached,
        &AtomicBool::new(false),
        &|_| {},
        now,
    );
    if let Some(path) = &path
        && let Err(e) = cache::save(path, &board.entries, now)
    {
        eprintln!(
            "riskdeck: warning: could not write the price cache {}: {e}",
            path.display()
        );
    }
    Ok(board)
}

/// `riskdeck prices [FILE] [--json] [--offline] [--source VENUE]`.
pub fn prices(
    file: Option<&Path>,
    json_out: bool,
    offline: bool,
    source: Option<&str>,
    max_age_s: Option<i64>,
    as_of: crate::model::valuation::AsOf,
) -> anyhow::Result<bool> {
    let library = crate::model::params::library();
    let portfolio = match file {
        Some(path) => match load_file(path) {
            Ok(loaded) => Some(loaded.portfolio),
            Err(err) => {
                eprintln!("{err}");
                return Ok(false);
            }
        },
        None => None,
    };
    let wanted: Vec<Wanted> = portfolio
        .as_ref()
        .map_or_else(board::watch_list, |p| board::wanted_by(p, library));
    let only = match source {
        Some(key) => Some(Source::from_key(key).ok_or_else(|| {
            super::UsageError(format!(
                "unknown source {key:?}: use binance, coinbase, kraken, bybit, okx or coingecko"
            ))
        })?),
        None => None,
    };
    let clock_ms = now_ms();
    let past = match crate::pricing::past_time(as_of, portfolio.as_ref(), clock_ms) {
        Ok(past) => past,
        Err(message) => {
            eprintln!("riskdeck: {message}");
            return Ok(false);
        }
    };
    let mut board =
        crate::pricing::for_choice(&build_board(&wanted, offline, only, clock_ms, past)?, as_of)
            .into_owned();
    // Ages are measured to the valuation time (the board's own moment when it has one).
    let now = board.as_of_ms.unwrap_or(clock_ms);
    let valuation = crate::pricing::price(portfolio.as_ref(), &board, library, clock_ms).valuation;
    if let Some(portfolio) = &portfolio {
        board = crate::pricing::with_manual(&board, portfolio, now);
    }
    let threshold = (STALE_MARK_SECONDS, STALE_HISTORY_SECONDS);
    let mut assumptions = Vec::new();
    if board.usdt_assumed() {
        assumptions.push("USDT-quoted prices converted at 1 USD per USDT: no USDT price.");
    }
    if json_out {
        let prices: Vec<serde_json::Value> = board
            .entries
            .iter()
            .map(|e| {
                json!({
                    "instrument": e.instrument(),
                    "venue": e.key.venue().map(crate::model::Venue::file_name),
                    "kind": e.kind.name(),
                    "price": num(e.price),
                    "quote": e.quote,
                    "price_usd": (e.quote != "quote").then(|| num(board.usd(e))),
                    "via": e.via,
                    "source": e.source.key(),
                    "venue_time": e.venue_time_ms.and_then(iso),
                    "age_seconds": e.age_seconds(now),
                    "stale": e.is_stale(now, threshold),
                    "manual": e.manual,
                    "funding_rate": e.funding_rate.map(num),
                    "listed_as": e.listed_as,
                })
            })
            .collect();
        print_json(&json!({
            "valuation": crate::present::report::ValuationLine::of(&valuation),
            "offline": offline,
            "data_as_of": board.offline_as_of,
            "cache_saved_at": board.cache_saved_at_ms.and_then(iso),
            "prices": prices,
            "missing": board.missing.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "errors": board.errors.iter().map(error_json).collect::<Vec<_>>(),
            "venues": board.venues.iter().map(|(s, r)| json!({
                "venue": s.key(), "state": r.state.name(),
                "answered": r.answered, "requested": r.requested,
                "elapsed_ms": u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
            })).collect::<Vec<_>>(),
            "assumptions": assumptions,
        }))?;
    } else {
        outln!("{}", valuation.headline());
        if let Some(as_of) = board.offline_as_of.filter(|_| !board.historical) {
            match board.cache_saved_at_ms.and_then(iso) {
                Some(saved) => {
                    outln!("offline — cached prices of {saved}, bundled data as of {as_of}");
                }
                None => outln!("offline — bundled data as of {as_of}"),
            }
        }
        outln!(
            "{:<32} {:<9} {:>18} {:<5} {:<16} {:>10}  flags",
            "instrument",
            "kind",
            "price",
            "quote",
            "source",
            "age"
        );
        for e in &board.entries {
            let mut flags = Vec::new();
            if e.manual {
                flags.push("manual");
            }
            if e.is_stale(now, threshold) {
                flags.push("STALE");
            }
            let via = e.via.as_ref().map(|u| format!("price of {u}"));
            if let Some(via) = &via {
                flags.push(via);
            }
            let listed = e.listed_as.as_ref().map(|l| format!("mark of {l}"));
            if let Some(listed) = &listed {
                flags.push(listed);
            }
            let funding = e
                .funding_rate
                .map(|rate| format!("funding {}", crate::present::format::funding_pct(rate)));
            if let Some(funding) = &funding {
                flags.push(funding);
            }
            outln!(
                "{:<32} {:<9} {:>18} {:<5} {:<16} {:>10}  {}",
                e.key.to_string(),
                e.kind.name(),
                e.price.normalize().to_string(),
                e.quote,
                e.source.display_name(),
                crate::present::format::age(e.age_seconds(now)),
                flags.join(" ")
            );
        }
        for key in &board.missing {
            outln!("{:<32} no price from any source", key.to_string());
        }
        for error in &board.errors {
            eprintln!("error: {error}");
        }
        for assumption in &assumptions {
            outln!("note: {assumption}");
        }
    }
    let oldest = board
        .entries
        .iter()
        .filter(|e| !e.manual)
        .max_by_key(|e| e.age_seconds(now));
    let fresh = super::within_max_age(
        max_age_s,
        oldest.map(|e| e.age_seconds(now)),
        oldest.map(|e| e.key.to_string()).as_deref(),
    );
    Ok(board.missing.is_empty() && fresh)
}

/// `riskdeck history SYMBOL --from DATE --to DATE --interval 1h|1d [--json] [--offline]`.
pub fn history(
    symbol: &str,
    from: NaiveDate,
    to: NaiveDate,
    interval: &str,
    json_out: bool,
    offline: bool,
) -> anyhow::Result<bool> {
    let interval = Interval::parse(interval)
        .ok_or_else(|| anyhow::anyhow!("interval must be 1h or 1d, not {interval:?}"))?;
    if to < from {
        anyhow::bail!("--to {to} is before --from {from}");
    }
    let start_ms = from
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis());
    let end_ms = to
        .and_hms_opt(23, 59, 59)
        .map_or(0, |t| t.and_utc().timestamp_millis() + 999);
    let asset = bundle::base_asset(symbol);
    let request = HistoryRequest {
        asset: asset.clone(),
        interval,
        start_ms,
        end_ms,
    };
    let transport = if offline { None } else { Some(transport()?) };
    let cache_dir = cache::cache_dir();
    let cancel = AtomicBool::new(false);
    let now = now_ms();
    let found = history::load(
        &request,
        transport.as_ref(),
        cache_dir.as_deref(),
        now,
        &cancel,
    );
    let found = match found {
        Ok(found) => found,
        Err((errors, warnings)) => {
            let message = format!(
                "no history for {asset}: {}the bundle holds {} ({} for crash windows only)",
                if offline {
                    "nothing cached; "
                } else {
                    "no venue answered and nothing is cached; "
                },
                bundle::assets().collect::<Vec<_>>().join(", "),
                Interval::Hour1.name()
            );
            if json_out {
                print_json(&json!({
                    "symbol": asset, "candles": [], "source": null, "origin": null,
                    "errors": errors.iter().map(error_json).collect::<Vec<_>>(),
                    "warnings": warnings,
                    "message": message,
                }))?;
            } else {
                for warning in &warnings {
                    eprintln!("riskdeck: warning: {warning}");
                }
                eprintln!("riskdeck: {message}");
                for error in &errors {
                    eprintln!("error: {error}");
                }
            }
            return Ok(false);
        }
    };
    let History {
        source,
        origin,
        quote,
        candles,
        errors,
        warnings,
        note,
    } = found;
    let newest_age_s = candles
        .last()
        .map(|c| crate::model::provenance::age_seconds(now, c.open_time_ms + interval.millis()));
    if json_out {
        print_json(&json!({
            "symbol": asset,
            "quote": quote,
            "interval": interval.name(),
            "source": source.key(),
            "origin": origin.name(),
            "data_as_of": (source == Source::Bundle).then_some(bundle::AS_OF),
            "stale": newest_age_s.is_some_and(|age| age > STALE_HISTORY_SECONDS),
            "candles": candles.iter().map(|c| json!({
                "time": iso(c.open_time_ms),
                "open": num(c.open), "high": num(c.high), "low": num(c.low),
                "close": num(c.close), "volume": num(c.volume), "closed": c.closed,
            })).collect::<Vec<_>>(),
            "errors": errors.iter().map(error_json).collect::<Vec<_>>(),
            "warnings": warnings,
            "note": note,
        }))?;
    } else {
        for warning in &warnings {
            eprintln!("riskdeck: warning: {warning}");
        }
        for error in &errors {
            eprintln!("error: {error}");
        }
        let from_where = match origin {
            Origin::Venue => source.display_name().to_owned(),
            Origin::Cache => format!("the cache of {}", source.display_name()),
            Origin::Bundle => format!("the bundled history (as of {})", bundle::AS_OF),
        };
        outln!(
            "{asset}/{quote} {} candles from {from_where} ({} rows)",
            interval.name(),
            candles.len()
        );
        if let Some(note) = &note {
            outln!("note: {note}");
        }
        for c in &candles {
            outln!(
                "{}  o {}  h {}  l {}  c {}  v {}{}",
                iso(c.open_time_ms).unwrap_or_default(),
                c.open,
                c.high,
                c.low,
                c.close,
                c.volume,
                if c.closed { "" } else { "  (open)" }
            );
        }
    }
    Ok(true)
}

/// The report of `portfolio` priced from the board: fetched marks, or the bundled history
/// with `offline`; the file's manual prices win (through [`crate::pricing`], as in the GUI).
pub fn priced_report(
    file: &Path,
    portfolio: &crate::model::Portfolio,
    offline: bool,
    as_of: crate::model::valuation::AsOf,
) -> anyhow::Result<crate::present::Report> {
    let library = crate::model::params::library();
    let wanted = board::wanted_by(portfolio, library);
    let now = now_ms();
    let past =
        crate::pricing::past_time(as_of, Some(portfolio), now).map_err(anyhow::Error::msg)?;
    let board = build_board(&wanted, offline, None, now, past)?;
    let board = crate::pricing::for_choice(&board, as_of);
    Ok(report_from_board(file, portfolio, &board, now))
}

/// The report of `portfolio` priced from `board` at `valued_at_ms`: the same pricing seam
/// and engine call as the GUI's Margin panel.
pub fn report_from_board(
    file: &Path,
    portfolio: &crate::model::Portfolio,
    board: &Board,
    valued_at_ms: i64,
) -> crate::present::Report {
    let library = crate::model::params::library();
    let priced = crate::pricing::price(Some(portfolio), board, library, valued_at_ms);
    let analysis = crate::pricing::analyze(portfolio, &priced, library);
    crate::present::Report::with_analysis(
        &file.display().to_string(),
        portfolio,
        &analysis,
        &priced.valuation,
    )
}
