//! The one seam between market data and the engine: (portfolio, board, valuation time) →
//! the engine's market snapshot and every assumption it rests on.
//!
//! This is the only place where the file's manual prices, fetched marks, cached prices, the
//! bundled history and stand-ins become the engine's input, so the GUI, the CLI and every
//! later view (timeline, stress, VaR) price a file the same way and list the same
//! assumptions. The rules, in order of precedence:
//! 1. a manual price in the file (`price_overrides`) prices the coin of that ticker and every
//!    contract of that symbol, at any venue, and is marked manual;
//! 2. a contract takes its own venue's mark (keyed by venue and symbol), else the same
//!    perpetual's mark at another venue (`listed_as`), else the cache;
//! 3. a coin takes the first source that answered, else the cache, else the bundled close;
//! 4. a contract nothing prices is left to the engine, which prices it from its underlying
//!    and marks it so (`price_via`); a stablecoin nothing prices is taken at its peg.
//!
//! No clock is read here: the valuation time is an argument. A board of candle closes at a
//! past time ([`crate::market::board::at_time`]), or the bundle's last closes offline with
//! nothing cached, carries its own moment (`Board::as_of_ms`), and the numbers are for that
//! moment ([`Valuation`]); dated futures expired by then are settled from the history.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use rust_decimal::Decimal;

use crate::engine::{self, MarginReport, MarketSnapshot, PriceSource, Quote};
use crate::market::board::{Board, Entry};
use crate::market::{PriceKind, Source, bundle};
use crate::model::params::ParameterLibrary;
use crate::model::valuation::{AsOf, describe, parse_as_of};
use crate::model::{InstrumentKey, Portfolio, Position};

/// What the prices of a valuation are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Basis {
    /// Now: live marks, cached prices, bundled stand-ins, each with its age.
    #[default]
    Now,
    /// A past time: candle closes at that moment, never today's marks.
    History,
    /// Offline with nothing cached: the bundled history's last closes, at their time.
    BundleEnd,
}

/// The moment the numbers are for, and how it was priced: the headline of the GUI and the
/// report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Valuation {
    /// The valuation time (ms since the epoch).
    pub at_ms: i64,
    /// What priced it.
    pub basis: Basis,
    /// True when the time is the file's own `valuation.as_of`.
    pub from_file: bool,
}

impl Valuation {
    /// A valuation now, at `now_ms`.
    pub fn now(now_ms: i64) -> Self {
        Self {
            at_ms: now_ms,
            ..Self::default()
        }
    }

    /// `now`, `history` or `bundled-history`, for the JSON.
    pub fn basis_name(&self) -> &'static str {
        match self.basis {
            Basis::Now => "now",
            Basis::History => "history",
            Basis::BundleEnd => "bundled-history",
        }
    }

    /// One line saying which time the numbers are for and what priced them.
    pub fn headline(&self) -> String {
        let when = describe(self.at_ms);
        match self.basis {
            Basis::Now => format!("Valued now ({when})"),
            Basis::History => format!(
                "Valued at {when}{}: priced from history (the candle closes made by then), not \
                 from today's marks",
                if self.from_file {
                    " (the file's valuation time)"
                } else {
                    ""
                }
            ),
            Basis::BundleEnd => format!(
                "Valued at {when}: offline with nothing cached, so priced from the bundled \
                 history's last closes"
            ),
        }
    }
}

/// The board as `choice` asks to see it: an explicit "now" keeps the numbers at now even
/// offline with nothing cached (the bundled closes then show their age), where the default
/// values at the bundle's last close.
pub fn for_choice(board: &Board, choice: AsOf) -> std::borrow::Cow<'_, Board> {
    if choice == AsOf::Now && board.as_of_ms.is_some() && !board.historical {
        let mut now = board.clone();
        now.as_of_ms = None;
        std::borrow::Cow::Owned(now)
    } else {
        std::borrow::Cow::Borrowed(board)
    }
}

/// How far back a valuation time must lie to be priced from history rather than from the
/// live marks (a few minutes is "now": marks are that fresh).
pub const PAST_AFTER_MS: i64 = 5 * 60 * 1000;

/// The past moment `choice` asks to price `portfolio` at, or `None` for now (live marks).
/// Errors name what is wrong: a file time that does not parse, or a time in the future.
pub fn past_time(
    choice: AsOf,
    portfolio: Option<&Portfolio>,
    now_ms: i64,
) -> Result<Option<i64>, String> {
    let at = match choice {
        AsOf::Now => return Ok(None),
        AsOf::At(ms) => ms,
        AsOf::File => match portfolio.and_then(|p| p.valuation.as_ref()) {
            Some(valuation) => {
                parse_as_of(&valuation.as_of).map_err(|e| format!("valuation.as_of: {e}"))?
            }
            None => return Ok(None),
        },
    };
    if at > now_ms.saturating_add(60_000) {
        return Err(format!(
            "the valuation time {} is in the future: no prices exist for it yet",
            describe(at)
        ));
    }
    Ok((at < now_ms.saturating_sub(PAST_AFTER_MS)).then_some(at))
}

/// The engine's input for one valuation, and what it rests on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Priced {
    /// Prices, volatilities and published option deltas for the engine.
    pub snapshot: MarketSnapshot,
    /// Assumptions the prices rest on (USDT at 1 USD, the σ source, …), shown with the numbers.
    pub assumptions: Vec<String>,
    /// Sources that failed, each once.
    pub warnings: Vec<String>,
    /// Each perpetual's current funding rate per funding interval (fraction), by contract.
    pub funding_rates: BTreeMap<InstrumentKey, Decimal>,
    /// Contracts priced by the same contract at another venue: which listing.
    pub listed_as: BTreeMap<InstrumentKey, String>,
    /// The valuation time the prices are for (ms since the epoch): ages are measured to it.
    pub valued_at_ms: i64,
    /// The valuation time and what priced it, for the headline.
    pub valuation: Valuation,
    /// The date of the last daily close the σ volatilities end at (at or before the
    /// valuation time).
    pub vol_through: String,
}

/// Daily volatilities for σ distances: the 30-day realized volatility of each bundled coin's
/// daily closes up to [`bundle::AS_OF`] (the bundle is fixed, so it is computed once).
pub fn bundled_daily_vols() -> &'static BTreeMap<String, f64> {
    static VOLS: LazyLock<BTreeMap<String, f64>> = LazyLock::new(|| {
        bundle::assets()
            .filter_map(|asset| bundle::daily_vol(asset, 30).map(|vol| (asset.to_owned(), vol)))
            .collect()
    });
    &VOLS
}

/// Every bundled coin's daily closes, oldest first, as `f64` (statistics only; computed once).
pub fn bundled_daily_closes() -> &'static BTreeMap<String, Arc<[f64]>> {
    use rust_decimal::prelude::ToPrimitive;
    static CLOSES: LazyLock<BTreeMap<String, Arc<[f64]>>> = LazyLock::new(|| {
        bundle::assets()
            .filter_map(|asset| {
                let series = bundle::series(asset, crate::market::Interval::Day1)?;
                let closes: Arc<[f64]> = series
                    .candles
                    .iter()
                    .filter_map(|c| c.close.to_f64())
                    .collect();
                Some((asset.to_owned(), closes))
            })
            .collect()
    });
    &CLOSES
}

/// Prices `portfolio` (or nothing but the board, when `None`) from `board` at
/// `valued_at_ms`: the file's manual prices first, then every market price on the board (USD
/// for coins, the contract's own quote for contract marks). Contracts priced by their
/// underlying are left out, so the engine itself falls back and says so; bundled stablecoin
/// prices are left out too, as their series ends in 2024 (the peg is used).
pub fn price(
    portfolio: Option<&Portfolio>,
    board: &Board,
    library: &ParameterLibrary,
    valued_at_ms: i64,
) -> Priced {
    let valued_at_ms = board.as_of_ms.unwrap_or(valued_at_ms);
    let valuation = Valuation {
        at_ms: valued_at_ms,
        basis: match board.as_of_ms {
            None => Basis::Now,
            Some(_) if board.historical => Basis::History,
            Some(_) => Basis::BundleEnd,
        },
        from_file: board.historical
            && portfolio
                .and_then(|p| p.valuation.as_ref())
                .and_then(|v| parse_as_of(&v.as_of).ok())
                == Some(valued_at_ms),
    };
    let mut snapshot =
        portfolio.map_or_else(MarketSnapshot::default, MarketSnapshot::from_overrides);
    let mut funding_rates = BTreeMap::new();
    let mut listed_as = BTreeMap::new();
    // Whether a USDT-quoted price the engine will use was converted at 1 USD per USDT (one a
    // manual price replaces does not count).
    let mut usdt_converted = false;
    for entry in &board.entries {
        if let Some(rate) = entry.funding_rate {
            funding_rates.insert(entry.key.clone(), rate);
        }
        if let Some(listing) = &entry.listed_as {
            listed_as.insert(entry.key.clone(), listing.clone());
        }
        // A bundled stablecoin close is a price only at its own time (a past valuation).
        let bundled_stable = entry.source == Source::Bundle
            && entry.kind != PriceKind::Close
            && !entry.key.is_contract()
            && library.stablecoin(entry.key.symbol()).is_some();
        if entry.manual || entry.via.is_some() || bundled_stable {
            continue;
        }
        usdt_converted |= entry.quote == "USDT"
            && board.usdt_assumed()
            && !snapshot.manual.contains_key(entry.key.symbol());
        let price_usd = if entry.quote == "quote" {
            entry.price
        } else {
            board.usd(entry)
        };
        snapshot.prices.insert(
            entry.key.clone(),
            Quote {
                price_usd,
                source: PriceSource::Market {
                    source: entry.source,
                    kind: entry.kind,
                    venue_time_ms: entry.venue_time_ms,
                    fetched_at_ms: entry.fetched_at_ms,
                },
            },
        );
    }
    for quote in &board.options {
        if let Some(delta) = quote.delta {
            snapshot
                .option_delta
                .insert(quote.key(), (delta, quote.source.display_name()));
        }
    }
    // σ distances use the volatility known at the valuation time: the bundle's last 30
    // returns, or for a past time the 30 ending at its last close before that time.
    let vol_through = if valued_at_ms >= bundle::AS_OF_CLOSE_MS {
        snapshot.daily_vol.clone_from(bundled_daily_vols());
        bundle::AS_OF.to_owned()
    } else {
        let mut through: Option<i64> = None;
        for asset in bundle::assets() {
            if let Some((vol, last)) = bundle::daily_vol_at(asset, 30, valued_at_ms) {
                snapshot.daily_vol.insert(asset.to_owned(), vol);
                through = Some(through.map_or(last, |t: i64| t.max(last)));
            }
        }
        through
            .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default()
    };
    // The history the warnings cite ends at the valuation time too: a past valuation does
    // not count moves that had not happened yet.
    if valued_at_ms >= bundle::AS_OF_CLOSE_MS {
        snapshot.daily_closes.clone_from(bundled_daily_closes());
        snapshot.history_source = Some(format!("bundled daily closes to {}", bundle::AS_OF));
    } else {
        use rust_decimal::prelude::ToPrimitive;
        for asset in bundle::assets() {
            if let Some(series) = bundle::series(asset, crate::market::Interval::Day1) {
                let closes: Arc<[f64]> = series
                    .candles
                    .iter()
                    .take_while(|c| c.open_time_ms.saturating_add(86_400_000 - 1) <= valued_at_ms)
                    .filter_map(|c| c.close.to_f64())
                    .collect();
                if !closes.is_empty() {
                    snapshot.daily_closes.insert(asset.to_owned(), closes);
                }
            }
        }
        snapshot.history_source = Some(format!("bundled daily closes to {vol_through}"));
    }
    snapshot.valued_at_ms = Some(valued_at_ms);
    if let Some(portfolio) = portfolio {
        snapshot.settlements = settlements(portfolio, valued_at_ms);
    }
    let mut assumptions = Vec::new();
    if usdt_converted {
        assumptions.push("USDT-quoted prices taken at 1 USD per USDT: no USDT price.".to_owned());
    }
    // One line per venue and kind of failure (a refresh with no network would otherwise
    // list every request): the first error in full, and how many more alike.
    let mut groups: Vec<(&crate::market::FetchError, usize)> = Vec::new();
    for error in &board.errors {
        match groups
            .iter_mut()
            .find(|(first, _)| first.source == error.source && first.kind == error.kind)
        {
            Some(group) => group.1 += 1,
            None => groups.push((error, 1)),
        }
    }
    let warnings: Vec<String> = groups
        .into_iter()
        .map(|(error, count)| match count {
            1 => format!("Price source failed: {error}"),
            n => format!(
                "Price source failed: {error} (and {} more {} request(s) failed the same way)",
                n - 1,
                error.source.display_name()
            ),
        })
        .collect();
    Priced {
        snapshot,
        assumptions,
        warnings,
        funding_rates,
        listed_as,
        valued_at_ms,
        valuation,
        vol_through,
    }
}

/// The settlement price of every dated future of `portfolio` expired at `valued_at_ms`, by
/// (underlying, expiry): the bundled hourly close at 08:00 UTC where the bundle has hourly
/// candles, else the daily close of the expiry day (or the last close before the valuation
/// time on that day). Futures with neither are absent, and the engine leaves them out.
fn settlements(
    portfolio: &Portfolio,
    valued_at_ms: i64,
) -> BTreeMap<(String, chrono::NaiveDate), engine::expiry::SettlementPrice> {
    use crate::market::Interval;
    use crate::market::board::historical::close_at;
    let mut found = BTreeMap::new();
    for account in &portfolio.accounts {
        for position in &account.positions {
            let Position::Future(future) = position else {
                continue;
            };
            let expiry_ms = engine::expiry::expiry_ms(future.expiry);
            let key = (future.underlying.to_ascii_uppercase(), future.expiry);
            if expiry_ms > valued_at_ms || found.contains_key(&key) {
                continue;
            }
            let hourly = bundle::series(&key.0, Interval::Hour1)
                .and_then(|s| close_at(s.candles, Interval::Hour1, expiry_ms))
                .map(|c| (c.close, "bundled 1h close at 08:00 UTC".to_owned()));
            let daily = || {
                let day_close = crate::model::valuation::close_of_day_ms(future.expiry);
                let at = day_close.min(valued_at_ms);
                bundle::series(&key.0, Interval::Day1)
                    .and_then(|s| close_at(s.candles, Interval::Day1, at))
                    .map(|c| {
                        (
                            c.close,
                            format!(
                                "bundled daily close of {}",
                                chrono::DateTime::from_timestamp_millis(c.open_time_ms)
                                    .map(|t| t.date_naive().to_string())
                                    .unwrap_or_default()
                            ),
                        )
                    })
            };
            if let Some((price, basis)) = hourly.or_else(daily) {
                found.insert(
                    key,
                    engine::expiry::SettlementPrice {
                        price,
                        basis: basis.into(),
                    },
                );
            }
        }
    }
    found
}

/// The margin engine on `portfolio` priced by `priced`, with the pricing assumptions and
/// warnings added to the engine's own (the σ source only when a σ distance is shown).
pub fn analyze(portfolio: &Portfolio, priced: &Priced, library: &ParameterLibrary) -> MarginReport {
    let mut analysis = engine::analyze(portfolio, &priced.snapshot, library);
    if analysis
        .positions
        .iter()
        .any(|p| p.distance_to_liquidation_sigma.is_some())
    {
        analysis.assumptions.push(format!(
            "Distances in σ use each coin's 30-day realized volatility of the bundled daily \
             closes to {}.",
            priced.vol_through
        ));
    }
    analysis
        .assumptions
        .extend(priced.assumptions.iter().cloned());
    analysis.warnings.extend(priced.warnings.iter().cloned());
    analysis
}

/// The board as a listing shows it (`riskdeck prices`): the file's manual prices laid over
/// the market prices they replace, marked manual, with the same precedence as [`price`]. A
/// manual name replaces the coin of that ticker and every contract of that symbol; a
/// contract priced by its underlying follows the underlying's manual price.
pub fn with_manual(board: &Board, portfolio: &Portfolio, valued_at_ms: i64) -> Board {
    let mut shown = board.clone();
    for price in &portfolio.price_overrides {
        let name = price.symbol.to_ascii_uppercase();
        let manual = |key: InstrumentKey| Entry {
            key,
            kind: PriceKind::Reference,
            price: price.price_usd,
            quote: "USD",
            source: Source::Manual,
            venue_time_ms: None,
            fetched_at_ms: valued_at_ms,
            manual: true,
            via: None,
            funding_rate: None,
            listed_as: None,
        };
        let mut replaced = false;
        for entry in &mut shown.entries {
            if entry.key.symbol() == name {
                *entry = Entry {
                    funding_rate: entry.funding_rate,
                    ..manual(entry.key.clone())
                };
                replaced = true;
            }
        }
        let missing: Vec<InstrumentKey> = shown
            .missing
            .iter()
            .filter(|k| k.symbol() == name)
            .cloned()
            .collect();
        shown.missing.retain(|k| k.symbol() != name);
        replaced |= !missing.is_empty();
        shown.entries.extend(missing.into_iter().map(manual));
        if !replaced {
            shown.entries.push(manual(InstrumentKey::Coin(name)));
        }
    }
    // Contracts priced by their underlying follow its manual price.
    let manual: Vec<Entry> = shown.entries.iter().filter(|e| e.manual).cloned().collect();
    for entry in &mut shown.entries {
        if let Some(base) = entry.via.as_ref().and_then(|u| {
            manual
                .iter()
                .find(|m| !m.key.is_contract() && m.key.symbol().eq_ignore_ascii_case(u))
        }) {
            *entry = Entry {
                key: entry.key.clone(),
                via: entry.via.clone(),
                ..base.clone()
            };
        }
    }
    shown.sort();
    shown
}
