//! `riskdeck prices` and `riskdeck history`: market data from the command line, live or from
//! the bundled history (`--offline`), always saying where each number came from.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::print_json;
use crate::market::board::{self, Board, STALE_HISTORY_SECONDS, STALE_MARK_SECONDS, Wanted};
use crate::market::fetch::now_ms;
use crate::market::transport::{BaseUrls, HttpConfig, Transport};
use crate::market::{Candle, FetchError, Interval, Source, binance, bundle, cache};
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
) -> anyhow::Result<Board> {
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
            anyhow::anyhow!(
                "unknown source {key:?}: use binance, coinbase, kraken, bybit, okx or coingecko"
            )
        })?),
        None => None,
    };
    let now = now_ms();
    let mut board = build_board(&wanted, offline, only, now)?;
    if let Some(portfolio) = &portfolio {
        board.apply_overrides(portfolio, now);
    }
    let threshold = if offline {
        STALE_HISTORY_SECONDS
    } else {
        STALE_MARK_SECONDS
    };
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
                    "instrument": e.instrument,
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
                })
            })
            .collect();
        print_json(&json!({
            "offline": offline,
            "data_as_of": board.offline_as_of,
            "cache_saved_at": board.cache_saved_at_ms.and_then(iso),
            "prices": prices,
            "missing": board.missing,
            "errors": board.errors.iter().map(error_json).collect::<Vec<_>>(),
            "venues": board.venues.iter().map(|(s, r)| json!({
                "venue": s.key(), "state": r.state.name(),
                "answered": r.answered, "requested": r.requested,
                "elapsed_ms": u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
            })).collect::<Vec<_>>(),
            "assumptions": assumptions,
        }))?;
    } else {
        if let Some(as_of) = board.offline_as_of {
            match board.cache_saved_at_ms.and_then(iso) {
                Some(saved) => {
                    println!("offline — cached prices of {saved}, bundled data as of {as_of}");
                }
                None => println!("offline — bundled data as of {as_of}"),
            }
        }
        println!(
            "{:<24} {:<9} {:>18} {:<5} {:<16} {:>10}  flags",
            "instrument", "kind", "price", "quote", "source", "age"
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
            println!(
                "{:<24} {:<9} {:>18} {:<5} {:<16} {:>10}  {}",
                e.instrument,
                e.kind.name(),
                e.price.normalize().to_string(),
                e.quote,
                e.source.display_name(),
                crate::ui::format::age(e.age_seconds(now)),
                flags.join(" ")
            );
        }
        for name in &board.missing {
            println!("{name:<24} no price from any source");
        }
        for error in &board.errors {
            eprintln!("error: {error}");
        }
        for assumption in &assumptions {
            println!("note: {assumption}");
        }
    }
    Ok(board.missing.is_empty())
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
    let mut errors: Vec<FetchError> = Vec::new();
    let mut fetched: Option<Vec<Candle>> = None;
    if !offline {
        match fetch_binance(&asset, interval, start_ms, end_ms) {
            Ok(candles) => fetched = Some(candles),
            Err(error) => errors.push(error),
        }
    }
    let (source, quote, candles) = match fetched {
        Some(candles) => (Source::BinanceSpot, "USDT", candles),
        None => match bundle::series(&asset, interval) {
            Some(series) => (
                Source::Bundle,
                series.quote,
                bundle::range(&asset, interval, start_ms, end_ms).unwrap_or_default(),
            ),
            None => {
                let message = format!(
                    "no history for {asset}: the bundle holds {} ({} for crash windows only)",
                    bundle::assets().collect::<Vec<_>>().join(", "),
                    Interval::Hour1.name()
                );
                if json_out {
                    print_json(&json!({
                        "symbol": asset, "candles": [], "source": null,
                        "errors": errors.iter().map(error_json).collect::<Vec<_>>(),
                        "message": message,
                    }))?;
                } else {
                    eprintln!("riskdeck: {message}");
                    for error in &errors {
                        eprintln!("error: {error}");
                    }
                }
                return Ok(false);
            }
        },
    };
    let now = now_ms();
    let newest_age_s = candles
        .last()
        .map(|c| (now - (c.open_time_ms + interval.millis())).max(0) / 1000);
    if json_out {
        print_json(&json!({
            "symbol": asset,
            "quote": quote,
            "interval": interval.name(),
            "source": source.key(),
            "data_as_of": (source == Source::Bundle).then_some(bundle::AS_OF),
            "stale": newest_age_s.is_some_and(|age| age > STALE_HISTORY_SECONDS),
            "candles": candles.iter().map(|c| json!({
                "time": iso(c.open_time_ms),
                "open": num(c.open), "high": num(c.high), "low": num(c.low),
                "close": num(c.close), "volume": num(c.volume), "closed": c.closed,
            })).collect::<Vec<_>>(),
            "errors": errors.iter().map(error_json).collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "{asset}/{quote} {} candles from {} ({} rows)",
            interval.name(),
            source.display_name(),
            candles.len()
        );
        for error in &errors {
            eprintln!("error: {error} — using the bundled history");
        }
        for c in &candles {
            println!(
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

/// Binance spot klines of `asset`/USDT between two times, 1000 per request.
fn fetch_binance(
    asset: &str,
    interval: Interval,
    start_ms: i64,
    end_ms: i64,
) -> Result<Vec<Candle>, FetchError> {
    let transport = transport().map_err(|e| FetchError {
        source: Source::BinanceSpot,
        endpoint: "/api/v3/klines",
        kind: crate::market::ErrorKind::Connect,
        message: e.to_string(),
    })?;
    let cancel = AtomicBool::new(false);
    let symbol = format!("{asset}USDT");
    let mut candles: Vec<Candle> = Vec::new();
    let mut from = start_ms;
    while from <= end_ms {
        let request = binance::klines(
            Source::BinanceSpot,
            binance::KlineSeries::Trades,
            &symbol,
            interval,
            from,
            end_ms,
            1000,
        );
        let fetched_at = now_ms();
        let page = transport.fetch(&request, &cancel, |b| binance::parse_klines(b, fetched_at))?;
        let Some(last) = page.last() else {
            break;
        };
        from = last.open_time_ms + interval.millis();
        let full = page.len() >= 1000;
        candles.extend(page);
        if !full {
            break;
        }
    }
    Ok(candles)
}

/// The report of `portfolio` priced from the board: fetched marks, or the bundled history
/// with `offline`; the file's manual prices win. σ distances use the bundled realized
/// volatility, listed as an assumption.
pub fn priced_report(
    file: &Path,
    portfolio: &crate::model::Portfolio,
    offline: bool,
) -> anyhow::Result<crate::report::Report> {
    let library = crate::model::params::library();
    let wanted = board::wanted_by(portfolio, library);
    let now = now_ms();
    let mut board = build_board(&wanted, offline, None, now)?;
    board.apply_overrides(portfolio, now);
    let mut market = board.market_snapshot(Some(portfolio), library);
    market.daily_vol = board::bundled_daily_vols();
    let mut analysis = crate::engine::analyze(portfolio, &market, library);
    if analysis
        .positions
        .iter()
        .any(|p| p.distance_to_liquidation_sigma.is_some())
    {
        analysis.assumptions.push(format!(
            "Distances in σ use each coin's 30-day realized volatility of the bundled daily \
             closes to {}.",
            bundle::AS_OF
        ));
    }
    if board.usdt_assumed() {
        analysis
            .assumptions
            .push("USDT-quoted prices taken at 1 USD per USDT: no USDT price.".to_owned());
    }
    for error in &board.errors {
        analysis
            .warnings
            .push(format!("Price source failed: {error}"));
    }
    Ok(crate::report::Report::with_analysis(
        &file.display().to_string(),
        portfolio,
        &analysis,
    ))
}
