//! The price board: which prices a portfolio needs, where each comes from, and how old it is.
//!
//! Every contract is priced from its own venue first (mark price, as the venues margin with
//! it); every coin from Binance spot, then Coinbase, then CoinGecko (price-apis.md §11);
//! stablecoins from Kraken's USD pairs. Each round asks only for what earlier rounds did not
//! price, and a venue that fails is simply passed over. A manual price in the file wins and
//! is marked manual. Offline, the board is filled from the bundled history and never opens a
//! socket.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;

use rust_decimal::Decimal;

use super::cache::Cached;
use super::error::FetchError;
use super::fetch::{Job, Outcome, Progress, VenueReport, VenueState, fetch_all, now_ms};
use super::source::Source;
use super::transport::Transport;
use super::types::{PriceKind, Snapshot};
use super::{binance, bundle, bybit, coinbase, coingecko, deribit, hyperliquid, kraken, okx};
use crate::engine::market::{MarketSnapshot, PriceSource, Quote, contract_key};
use crate::model::params::ParameterLibrary;
use crate::model::{Portfolio, Position, Venue};

/// Default age after which a live price counts as stale: 5 minutes.
pub const STALE_MARK_SECONDS: i64 = 300;
/// Default age after which a history candle counts as stale: 1 day.
pub const STALE_HISTORY_SECONDS: i64 = 86_400;

/// Something that needs a price.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wanted {
    /// A contract at its venue (the name is the venue's symbol).
    Contract {
        /// The venue's symbol.
        symbol: String,
        /// The venue.
        venue: Venue,
        /// The coin it is on.
        underlying: String,
    },
    /// A coin or stablecoin, priced in USD.
    Asset {
        /// Upper-case ticker (wrapped tokens as what they wrap: `WETH` → `ETH`).
        ticker: String,
    },
}

impl Wanted {
    /// The name the board lists it under (a contract's [`contract_key`]).
    pub fn name(&self) -> String {
        match self {
            Self::Contract { symbol, venue, .. } => contract_key(*venue, symbol),
            Self::Asset { ticker } => ticker.clone(),
        }
    }
}

/// What `portfolio` needs priced: each contract, and each coin held, posted or underlying.
pub fn wanted_by(portfolio: &Portfolio, library: &ParameterLibrary) -> Vec<Wanted> {
    let mut wanted = BTreeSet::new();
    let asset = |ticker: &str| Wanted::Asset {
        ticker: library.priced_as(ticker).to_ascii_uppercase(),
    };
    for account in &portfolio.accounts {
        for collateral in &account.collateral {
            wanted.insert(asset(&collateral.asset));
        }
        for position in &account.positions {
            wanted.insert(asset(position.underlying()));
            if matches!(
                position,
                Position::Perpetual(_) | Position::Future(_) | Position::Option(_)
            ) {
                wanted.insert(Wanted::Contract {
                    symbol: position.name().to_owned(),
                    venue: account.venue,
                    underlying: position.underlying().to_ascii_uppercase(),
                });
            }
        }
    }
    wanted.into_iter().collect()
}

/// The default watch list when no file is given: the coins with bundled history.
pub fn watch_list() -> Vec<Wanted> {
    bundle::assets()
        .map(|ticker| Wanted::Asset {
            ticker: ticker.to_owned(),
        })
        .collect()
}

/// One price on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The contract symbol or coin ticker.
    pub instrument: String,
    /// Which price.
    pub kind: PriceKind,
    /// The value, in `quote`.
    pub price: Decimal,
    /// What the price is quoted in: `USD`, `USDT`, or the contract's quote.
    pub quote: &'static str,
    /// Where it came from.
    pub source: Source,
    /// The venue's timestamp (ms), when sent; the close time for bundled candles.
    pub venue_time_ms: Option<i64>,
    /// When it was received (ms); for bundled and manual prices, when the board was built.
    pub fetched_at_ms: i64,
    /// A manual price from the portfolio file.
    pub manual: bool,
    /// For a contract no source prices: the coin whose price stands in (what the margin
    /// engine uses for it).
    pub via: Option<String>,
    /// The perpetual's current (or latest) funding rate per funding interval, as a fraction
    /// (0.0001 = 0.01 %), when its venue sent one with the price.
    pub funding_rate: Option<Decimal>,
    /// When the contract's own venue gave no mark: the same contract at another venue whose
    /// mark stands in (`BTCUSDT at Bybit`); `source` names that venue.
    pub listed_as: Option<String>,
}

impl Entry {
    /// Age in seconds at `now_ms`: from the venue's time when known, else the fetch time.
    pub fn age_seconds(&self, now_ms: i64) -> i64 {
        (now_ms - self.venue_time_ms.unwrap_or(self.fetched_at_ms)).max(0) / 1000
    }

    /// Whether the price is older than `threshold_s` (manual prices never are).
    pub fn is_stale(&self, now_ms: i64, threshold_s: i64) -> bool {
        !self.manual && self.age_seconds(now_ms) > threshold_s
    }
}

/// Every price found, every error met, and how each venue did.
#[derive(Clone, Debug, Default)]
pub struct Board {
    /// Prices, one per instrument (the best source that answered).
    pub entries: Vec<Entry>,
    /// Errors, per venue and endpoint.
    pub errors: Vec<FetchError>,
    /// Each venue's last round.
    pub venues: BTreeMap<Source, VenueReport>,
    /// `Some(date)` when the board comes from the bundled history (offline).
    pub offline_as_of: Option<&'static str>,
    /// When the disk cache the board used was written (ms), if it used one.
    pub cache_saved_at_ms: Option<i64>,
    /// Instruments nothing could price.
    pub missing: Vec<String>,
    /// Option marks, implied volatilities and Greeks the venues sent.
    pub options: Vec<super::types::OptionQuote>,
}

impl Board {
    /// The entry of `instrument`, if priced.
    pub fn get(&self, instrument: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.instrument.eq_ignore_ascii_case(instrument))
    }

    /// The USDT price that converts USDT quotes: a live or manual one. The bundled USDT
    /// series ends on 2024-12-07, so it cannot convert the 2025-10-31 closes (SOURCES.md).
    fn usdt_entry(&self) -> Option<&Entry> {
        self.get("USDT")
            .filter(|e| e.quote == "USD" && e.source != Source::Bundle)
    }

    /// USD per USDT on this board (1 when unknown; see [`Board::usdt_assumed`]).
    pub fn usdt_usd(&self) -> Decimal {
        self.usdt_entry().map_or(Decimal::ONE, |e| e.price)
    }

    /// True when USDT-quoted prices were converted at 1 USD for want of a USDT price.
    pub fn usdt_assumed(&self) -> bool {
        self.entries.iter().any(|e| e.quote == "USDT") && self.usdt_entry().is_none()
    }

    /// The USD value of an entry (USDT quotes converted at the board's USDT price).
    pub fn usd(&self, entry: &Entry) -> Decimal {
        if entry.quote == "USDT" {
            entry.price * self.usdt_usd()
        } else {
            entry.price
        }
    }

    /// Puts the file's manual prices on the board; they replace fetched ones.
    pub fn apply_overrides(&mut self, portfolio: &Portfolio, now_ms: i64) {
        for price in &portfolio.price_overrides {
            let name = price.symbol.to_ascii_uppercase();
            self.entries
                .retain(|e| !e.instrument.eq_ignore_ascii_case(&name));
            self.missing.retain(|m| !m.eq_ignore_ascii_case(&name));
            self.entries.push(Entry {
                instrument: name,
                kind: PriceKind::Reference,
                price: price.price_usd,
                quote: "USD",
                source: Source::Manual,
                venue_time_ms: None,
                fetched_at_ms: now_ms,
                manual: true,
                via: None,
                funding_rate: None,
                listed_as: None,
            });
        }
        // Contracts priced by their underlying follow its manual price.
        let manual: Vec<Entry> = self.entries.iter().filter(|e| e.manual).cloned().collect();
        for entry in &mut self.entries {
            if let Some(base) = entry
                .via
                .as_ref()
                .and_then(|u| manual.iter().find(|m| m.instrument.eq_ignore_ascii_case(u)))
            {
                *entry = Entry {
                    instrument: entry.instrument.clone(),
                    via: entry.via.clone(),
                    ..base.clone()
                };
            }
        }
        self.entries.sort_by(|a, b| a.instrument.cmp(&b.instrument));
    }
}

impl Board {
    /// The engine's market snapshot: the file's manual prices first, then every price on the
    /// board (USD for coins, the contract's own quote for contract marks). Contracts priced
    /// by their underlying are left out, so the engine itself falls back and says so; bundled
    /// stablecoin prices are left out too, as their series ends in 2024 (the peg is used).
    pub fn market_snapshot(
        &self,
        portfolio: Option<&Portfolio>,
        library: &ParameterLibrary,
    ) -> MarketSnapshot {
        let mut snapshot =
            portfolio.map_or_else(MarketSnapshot::default, MarketSnapshot::from_overrides);
        for entry in &self.entries {
            let key = entry.instrument.to_ascii_uppercase();
            let bundled_stable =
                entry.source == Source::Bundle && library.stablecoin(&key).is_some();
            if entry.manual
                || entry.via.is_some()
                || bundled_stable
                || snapshot.prices.contains_key(&key)
            {
                continue;
            }
            let price_usd = if entry.quote == "quote" {
                entry.price
            } else {
                self.usd(entry)
            };
            snapshot.prices.insert(
                key,
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
        for quote in &self.options {
            if let Some(delta) = quote.delta {
                snapshot.option_delta.insert(
                    quote.instrument.to_ascii_uppercase(),
                    (delta, quote.source.display_name()),
                );
            }
        }
        snapshot
    }
}

/// Daily volatilities for σ distances: the 30-day realized volatility of each bundled coin's
/// daily closes up to [`bundle::AS_OF`].
pub fn bundled_daily_vols() -> BTreeMap<String, f64> {
    bundle::assets()
        .filter_map(|asset| bundle::daily_vol(asset, 30).map(|vol| (asset.to_owned(), vol)))
        .collect()
}

/// A board without the network: the disk cache's prices where it has them, else each
/// coin's last bundled daily close (2025-10-31 for coins, 2024-12-07 for stablecoins);
/// contracts without a cached mark are listed under their underlying's price (the engine's
/// fallback). Opens no socket.
pub fn offline(wanted: &[Wanted], now_ms: i64, cache: &Cached) -> Board {
    let mut board = Board {
        offline_as_of: Some(bundle::AS_OF),
        ..Board::default()
    };
    from_cache(&mut board, wanted, cache);
    bundled(&mut board, wanted, now_ms);
    stand_in_underlyings(&mut board, wanted);
    board
        .entries
        .sort_by(|a, b| a.instrument.cmp(&b.instrument));
    board
}

/// Adds the cached prices of wanted instruments the board lacks.
fn from_cache(board: &mut Board, wanted: &[Wanted], cache: &Cached) {
    let mut used = false;
    for item in wanted {
        let name = item.name();
        if board.get(&name).is_some() {
            continue;
        }
        if let Some(entry) = cache
            .entries
            .iter()
            .find(|e| e.instrument.eq_ignore_ascii_case(&name))
        {
            board.entries.push(entry.clone());
            used = true;
        }
    }
    if used {
        board.cache_saved_at_ms = cache.saved_at_ms;
    }
}

/// Adds the last bundled close of every wanted coin the board lacks.
fn bundled(board: &mut Board, wanted: &[Wanted], now_ms: i64) {
    for item in wanted {
        let Wanted::Asset { ticker } = item else {
            continue;
        };
        if board.get(ticker).is_some() {
            continue;
        }
        match bundle::last_close(ticker) {
            Some((open_ms, close, quote)) => board.entries.push(Entry {
                instrument: ticker.clone(),
                kind: PriceKind::Reference,
                price: close,
                quote,
                source: Source::Bundle,
                // A daily candle closes at the end of its UTC day.
                venue_time_ms: Some(open_ms + 86_400_000 - 1),
                fetched_at_ms: now_ms,
                manual: false,
                via: None,
                funding_rate: None,
                listed_as: None,
            }),
            None => board.missing.push(ticker.clone()),
        }
    }
}

/// Lists each unpriced contract under its underlying's price, as the margin engine prices
/// it; a contract whose underlying is unpriced too stays missing.
fn stand_in_underlyings(board: &mut Board, wanted: &[Wanted]) {
    for item in wanted {
        let Wanted::Contract { underlying, .. } = item else {
            continue;
        };
        let name = item.name();
        if board.get(&name).is_some() {
            continue;
        }
        match board.get(underlying).cloned() {
            Some(base) => board.entries.push(Entry {
                instrument: name.clone(),
                via: Some(underlying.clone()),
                funding_rate: None,
                listed_as: None,
                ..base
            }),
            None if !board.missing.contains(&name) => board.missing.push(name),
            None => {}
        }
    }
}

/// Which sources price coins, in order, and which prices stablecoins. Contracts always
/// come from their own venue first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SourcePlan {
    /// Coins: each source asked in turn for what the ones before it did not price.
    pub coins: Vec<Source>,
    /// USD stablecoins (USDT, USDC): against USD, so depegs show.
    pub stablecoins: Source,
}

impl Default for SourcePlan {
    fn default() -> Self {
        Self {
            coins: Self::COIN_SOURCES.to_vec(),
            stablecoins: Source::Kraken,
        }
    }
}

impl SourcePlan {
    /// The sources that can price a coin, default order first (price-apis.md §11).
    pub const COIN_SOURCES: [Source; 3] =
        [Source::BinanceSpot, Source::Coinbase, Source::CoinGecko];
    /// Every source that can price a coin or stablecoin.
    pub const ANY_COIN_SOURCE: [Source; 6] = [
        Source::BinanceSpot,
        Source::Coinbase,
        Source::CoinGecko,
        Source::Kraken,
        Source::Bybit,
        Source::Okx,
    ];

    /// Every coin and stablecoin from `source` alone (`riskdeck prices --source`).
    pub fn only(source: Source) -> Self {
        Self {
            coins: vec![source],
            stablecoins: source,
        }
    }
}

/// Fetches the board: contracts at their venues, coins from `plan`'s sources in order,
/// stablecoins from its stablecoin source; then the cache, then the bundle.
pub fn refresh(
    transport: &Transport,
    wanted: &[Wanted],
    plan: &SourcePlan,
    cache: &Cached,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Board {
    let mut board = Board::default();
    let coins: Vec<&str> = wanted
        .iter()
        .filter_map(|w| match w {
            Wanted::Asset { ticker } => Some(ticker.as_str()),
            Wanted::Contract { .. } => None,
        })
        .collect();
    let job_at = |source: Source, coin: &str| {
        if source == Source::Kraken && is_stable(coin) {
            Some(stable_job(coin))
        } else {
            coin_job(source, coin)
        }
    };
    // Round 1: every contract at its venue, every coin at its first source.
    let mut jobs: Vec<Job> = contract_jobs(wanted);
    let mut usdt_quoted = false;
    for coin in &coins {
        let source = if is_stable(coin) {
            Some(plan.stablecoins)
        } else {
            plan.coins.first().copied()
        };
        if let Some(job) = source.and_then(|s| job_at(s, coin)) {
            usdt_quoted |= matches!(
                source,
                Some(Source::BinanceSpot | Source::Bybit | Source::Okx)
            ) && !is_stable(coin);
            jobs.push(job);
        }
    }
    // USDT-quoted coin prices need USDT's own price to be in USD.
    if usdt_quoted
        && !coins.contains(&"USDT")
        && let Some(job) = job_at(plan.stablecoins, "USDT")
    {
        jobs.push(job);
    }
    merge(
        &mut board,
        fetch_all(transport, jobs, cancel, progress),
        wanted,
    );
    // Later rounds: what is still unpriced, at the next source.
    for next in plan.coins.iter().skip(1).copied() {
        let left: Vec<&str> = coins
            .iter()
            .copied()
            .filter(|c| board.get(c).is_none() && !is_stable(c))
            .collect();
        if left.is_empty() {
            break;
        }
        let jobs = if next == Source::CoinGecko {
            coingecko_job(&left).into_iter().collect()
        } else {
            left.iter().filter_map(|c| job_at(next, c)).collect()
        };
        merge(
            &mut board,
            fetch_all(transport, jobs, cancel, progress),
            wanted,
        );
    }
    contracts_elsewhere(&mut board, transport, wanted, cancel, progress);
    // Then the last cached prices, then the bundled closes: their ages mark them stale.
    from_cache(&mut board, wanted, cache);
    bundled(&mut board, wanted, now_ms());
    stand_in_underlyings(&mut board, wanted);
    board
        .entries
        .sort_by(|a, b| a.instrument.cmp(&b.instrument));
    board
}

/// USD stablecoins priced from Kraken's USD pairs.
fn is_stable(ticker: &str) -> bool {
    matches!(ticker, "USDT" | "USDC" | "DAI" | "USD")
}

/// A job that prices `coin` at `source`, named by the coin.
fn coin_job(source: Source, coin: &str) -> Option<Job> {
    let name = coin.to_owned();
    Some(match source {
        Source::BinanceSpot => {
            let symbol = format!("{coin}USDT");
            Job::new(binance::ticker_price(Some(&symbol)), move |b, t| {
                Ok(rename(binance::parse_ticker_price(b, t)?, &name, "USDT"))
            })
        }
        Source::Coinbase => {
            let product = format!("{coin}-USD");
            Job::new(coinbase::ticker(&product), move |b, t| {
                Ok(rename(coinbase::parse_ticker(b, &name, t)?, &name, "USD"))
            })
        }
        Source::Kraken => {
            let pair = kraken::usd_pair(coin);
            Job::new(kraken::ticker(&pair), move |b, t| {
                Ok(rename(kraken::parse_ticker(b, t)?, &name, "USD"))
            })
        }
        Source::Bybit => {
            let symbol = format!("{coin}USDT");
            Job::new(
                bybit::tickers(bybit::Category::Spot, Some(&symbol), None),
                move |b, t| Ok(rename(bybit::parse_tickers(b, t)?, &name, "USDT")),
            )
        }
        Source::Okx => {
            let inst = format!("{coin}-USDT");
            Job::new(okx::ticker(&inst), move |b, t| {
                Ok(rename(okx::parse_ticker(b, t)?, &name, "USDT"))
            })
        }
        Source::CoinGecko => return coingecko_job(&[coin]),
        _ => return None,
    })
}

/// A stablecoin against USD at Kraken.
fn stable_job(coin: &str) -> Job {
    let name = coin.to_owned();
    let pair = kraken::usd_pair(coin);
    Job::new(kraken::ticker(&pair), move |b, t| {
        Ok(rename(kraken::parse_ticker(b, t)?, &name, "USD"))
    })
}

/// One CoinGecko request for every coin it knows among `coins`.
fn coingecko_job(coins: &[&str]) -> Option<Job> {
    let pairs: Vec<(String, &'static str)> = coins
        .iter()
        .filter_map(|c| coingecko::coin_id(c).map(|id| ((*c).to_owned(), id)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let ids: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let request = coingecko::simple_price(&ids);
    Some(Job::new(request, move |b, t| {
        let mut snapshot = coingecko::parse_simple_price(b, t)?;
        for price in &mut snapshot.prices {
            if let Some((ticker, _)) = pairs.iter().find(|p| p.1 == price.instrument) {
                price.instrument.clone_from(ticker);
            }
        }
        Ok(tag(snapshot, "USD"))
    }))
}

/// The first price of a one-instrument snapshot, renamed to `name`, quoted in `quote`.
fn rename(mut snapshot: Snapshot, name: &str, quote: &'static str) -> Snapshot {
    snapshot.prices.truncate(1);
    for price in &mut snapshot.prices {
        price.instrument = name.to_owned();
    }
    tag(snapshot, quote)
}

/// Records the quote currency of a snapshot's prices.
fn tag(mut snapshot: Snapshot, quote: &'static str) -> Snapshot {
    for price in &mut snapshot.prices {
        price.quote = Some(quote);
    }
    snapshot
}

/// Jobs for every contract: the venue's own mark.
fn contract_jobs(wanted: &[Wanted]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut hyperliquid_needed = false;
    for item in wanted {
        let Wanted::Contract { symbol, venue, .. } = item else {
            continue;
        };
        let job = match venue {
            Venue::BinanceUsdm => Some(Job::new(
                binance::premium_index(Source::BinanceFutures, Some(symbol)),
                |b, t| binance::parse_premium_index(b, Source::BinanceFutures, t),
            )),
            Venue::BinanceCoinm => Some(Job::new(
                binance::premium_index(Source::BinanceCoinm, Some(symbol)),
                |b, t| binance::parse_premium_index(b, Source::BinanceCoinm, t),
            )),
            Venue::BybitLinear => Some(Job::new(
                bybit::tickers(bybit::Category::Linear, Some(symbol), None),
                bybit::parse_tickers,
            )),
            Venue::BybitInverse => Some(Job::new(
                bybit::tickers(bybit::Category::Inverse, Some(symbol), None),
                bybit::parse_tickers,
            )),
            Venue::Okx => {
                let inst_type = if symbol.ends_with("-SWAP") {
                    "SWAP"
                } else if symbol.ends_with("-C") || symbol.ends_with("-P") {
                    "OPTION"
                } else {
                    "FUTURES"
                };
                Some(Job::new(
                    okx::mark_price(inst_type, symbol),
                    okx::parse_mark_price,
                ))
            }
            Venue::Deribit => {
                let name = symbol.clone();
                Some(Job::new(deribit::ticker(symbol), move |b, t| {
                    option_in_usd(deribit::parse_ticker(b, t)?, &name)
                }))
            }
            Venue::Hyperliquid => {
                hyperliquid_needed = true;
                None
            }
            // dYdX and the rest have no source in the reference: their underlying's price
            // stands in (the engine's fallback).
            _ => None,
        };
        jobs.extend(job);
    }
    if hyperliquid_needed {
        // Filed under the contract key, apart from the coins' own prices.
        jobs.push(Job::new(hyperliquid::meta_and_asset_ctxs(), |body, at| {
            let mut snapshot = hyperliquid::parse_meta_and_asset_ctxs(body, at)?;
            for price in &mut snapshot.prices {
                price.instrument = contract_key(Venue::Hyperliquid, &price.instrument);
            }
            for funding in &mut snapshot.funding {
                funding.instrument = contract_key(Venue::Hyperliquid, &funding.instrument);
            }
            Ok(snapshot)
        }));
    }
    jobs
}

/// The same perpetual listed at other venues, in the order they are asked: USDT-margined
/// linear perpetuals at Binance USDⓈ-M, Bybit and OKX; coin-margined (inverse USD)
/// perpetuals at Binance COIN-M, Bybit, OKX and (BTC, ETH) Deribit. Marks of one contract
/// at different venues differ by basis points, so another venue's mark beats the coin's
/// spot price as a stand-in. Other contracts (dated futures, options, USDC perpetuals) have
/// no listing elsewhere here.
pub fn listed_elsewhere(symbol: &str, venue: Venue, underlying: &str) -> Vec<(Venue, String)> {
    let u = underlying.to_ascii_uppercase();
    let linear = [
        (Venue::BinanceUsdm, format!("{u}USDT")),
        (Venue::BybitLinear, format!("{u}USDT")),
        (Venue::Okx, format!("{u}-USDT-SWAP")),
    ];
    let mut inverse = vec![
        (Venue::BinanceCoinm, format!("{u}USD_PERP")),
        (Venue::BybitInverse, format!("{u}USD")),
        (Venue::Okx, format!("{u}-USD-SWAP")),
    ];
    if u == "BTC" || u == "ETH" {
        inverse.push((Venue::Deribit, format!("{u}-PERPETUAL")));
    }
    let is = |list: &[(Venue, String)]| {
        list.iter()
            .any(|(v, s)| *v == venue && s.eq_ignore_ascii_case(symbol))
    };
    let family: Vec<(Venue, String)> = if is(&linear) {
        linear.to_vec()
    } else if is(&inverse) {
        inverse
    } else {
        return Vec::new();
    };
    family.into_iter().filter(|(v, _)| *v != venue).collect()
}

/// The source that serves a venue's contract marks.
fn contract_source(venue: Venue) -> Option<Source> {
    Some(match venue {
        Venue::BinanceUsdm => Source::BinanceFutures,
        Venue::BinanceCoinm => Source::BinanceCoinm,
        Venue::BybitLinear | Venue::BybitInverse => Source::Bybit,
        Venue::Okx => Source::Okx,
        Venue::Deribit => Source::Deribit,
        Venue::Hyperliquid => Source::Hyperliquid,
        _ => return None,
    })
}

/// Contracts whose own venue gave no mark: asks the other venues that list the same
/// contract, one round per alternative, skipping venues that blocked or failed this refresh.
/// A mark found this way keeps the other venue as its source and says which listing it is.
fn contracts_elsewhere(
    board: &mut Board,
    transport: &Transport,
    wanted: &[Wanted],
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) {
    let mut tried: BTreeSet<(String, Venue)> = BTreeSet::new();
    loop {
        let unusable = |source: Source, board: &Board| {
            board.venues.get(&source).is_some_and(|r| {
                matches!(
                    r.state,
                    VenueState::Blocked | VenueState::Failed | VenueState::RateLimited
                )
            })
        };
        let mut jobs = Vec::new();
        let mut round: Vec<(String, Venue, String)> = Vec::new();
        for item in wanted {
            let Wanted::Contract {
                symbol,
                venue,
                underlying,
            } = item
            else {
                continue;
            };
            // Only non-Hyperliquid contracts have listings elsewhere: their key is the symbol.
            if board.get(&item.name()).is_some() {
                continue;
            }
            let next = listed_elsewhere(symbol, *venue, underlying)
                .into_iter()
                .find(|(v, _)| {
                    !tried.contains(&(symbol.clone(), *v))
                        && contract_source(*v).is_some_and(|s| !unusable(s, board))
                });
            let Some((other_venue, theirs)) = next else {
                continue;
            };
            tried.insert((symbol.clone(), other_venue));
            let other = Wanted::Contract {
                symbol: theirs.clone(),
                venue: other_venue,
                underlying: underlying.clone(),
            };
            for job in contract_jobs(std::slice::from_ref(&other)) {
                jobs.push(renamed(job, &theirs, symbol));
            }
            round.push((symbol.clone(), other_venue, theirs));
        }
        if jobs.is_empty() || cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        merge(board, fetch_all(transport, jobs, cancel, progress), wanted);
        for (ours, other_venue, theirs) in round {
            if let Some(entry) = board
                .entries
                .iter_mut()
                .find(|e| e.instrument == ours && e.listed_as.is_none())
            {
                entry.listed_as = Some(format!("{theirs} at {}", other_venue.display_name()));
            }
        }
    }
}

/// A job whose answers for `theirs` are filed under `ours`.
fn renamed(job: Job, theirs: &str, ours: &str) -> Job {
    let Job { request, parse } = job;
    let (theirs, ours) = (theirs.to_owned(), ours.to_owned());
    Job::new(request, move |body, fetched_at| {
        let mut snapshot = parse(body, fetched_at)?;
        for price in &mut snapshot.prices {
            if price.instrument.eq_ignore_ascii_case(&theirs) {
                price.instrument.clone_from(&ours);
            }
        }
        for funding in &mut snapshot.funding {
            if funding.instrument.eq_ignore_ascii_case(&theirs) {
                funding.instrument.clone_from(&ours);
            }
        }
        Ok(snapshot)
    })
}

/// Deribit quotes options in the underlying coin: their mark becomes USD per unit of the
/// underlying (mark × underlying price), what the margin engine expects.
fn option_in_usd(mut snapshot: Snapshot, name: &str) -> Result<Snapshot, super::ParseError> {
    if let Some(quote) = snapshot.options.first()
        && let (Some(mark), Some(underlying)) = (quote.mark_price, quote.underlying_price)
    {
        snapshot.prices.retain(|p| p.kind != PriceKind::Mark);
        snapshot.push_price(
            name,
            PriceKind::Mark,
            Some(mark * underlying),
            Source::Deribit,
            quote.venue_time_ms,
            snapshot.prices.first().map_or(0, |p| p.fetched_at_ms),
        );
    }
    Ok(snapshot)
}

/// Adds a round's answers to the board: for each wanted instrument, the best kind of price
/// (mark, then last, mid, oracle, index, reference), first answer wins.
fn merge(board: &mut Board, outcome: Outcome, wanted: &[Wanted]) {
    let names: BTreeSet<String> = wanted.iter().map(Wanted::name).collect();
    let rank = |kind: PriceKind| match kind {
        PriceKind::Mark => 0,
        PriceKind::Last => 1,
        PriceKind::Mid => 2,
        PriceKind::Oracle => 3,
        PriceKind::Index => 4,
        PriceKind::Reference => 5,
    };
    let funding = outcome.snapshot.funding;
    let funding_of = |instrument: &str| {
        funding
            .iter()
            .filter(|f| f.instrument.eq_ignore_ascii_case(instrument))
            .max_by_key(|f| f.time_ms)
            .map(|f| f.rate)
    };
    let mut prices = outcome.snapshot.prices;
    prices.sort_by_key(|p| rank(p.kind));
    for price in prices {
        let instrument = price.instrument.clone();
        let quote = price.quote.unwrap_or("quote");
        if !names.contains(instrument.as_str()) || board.get(&instrument).is_some() {
            continue;
        }
        board.entries.push(Entry {
            instrument,
            kind: price.kind,
            price: price.value,
            quote,
            source: price.source,
            venue_time_ms: price.venue_time_ms,
            fetched_at_ms: price.fetched_at_ms,
            manual: false,
            via: None,
            funding_rate: funding_of(&price.instrument),
            listed_as: None,
        });
    }
    board.options.extend(
        outcome
            .snapshot
            .options
            .into_iter()
            .filter(|o| names.contains(o.instrument.as_str())),
    );
    board.errors.extend(outcome.errors);
    board.venues.extend(outcome.venues);
}
