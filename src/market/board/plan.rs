//! Stage two of a refresh: which source is asked for what, round after round, and the
//! requests and parsers of each job.
//!
//! Round one asks every contract at its own venue (mark price, as the venues margin with it,
//! with the current funding rate: Binance premiumIndex, Bybit tickers, OKX funding-rate,
//! Hyperliquid asset contexts) and every coin at the first coin source; later rounds ask the
//! next coin source for what is still unpriced, then the same perpetual at other venues. A
//! venue that fails is simply passed over. Every contract job files its answers as listings
//! of its venue ([`Snapshot::at_venue`]), so one venue's `BTCUSDT` never prices another's.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use super::merge::{fill_unpriced, merge};
use super::{Board, Wanted};
use crate::market::cache::Cached;
use crate::market::fetch::{Job, Progress, VenueState, fetch_all_until};
use crate::market::source::Source;
use crate::market::transport::Transport;
use crate::market::types::{PriceKind, Snapshot};
use crate::market::{
    ParseError, binance, bybit, coinbase, coingecko, deribit, hyperliquid, kraken, okx,
};
use crate::model::{InstrumentKey, Venue};

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
/// stablecoins from its stablecoin source; then the cache, then the bundle (stamped at
/// `now_ms`, the caller's clock).
pub fn refresh(
    transport: &Transport,
    wanted: &[Wanted],
    plan: &SourcePlan,
    cache: &Cached,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
    now_ms: i64,
) -> Board {
    // One deadline for the whole refresh, every round of it.
    let deadline = transport.round_deadline();
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
        fetch_all_until(transport, jobs, cancel, progress, Some(deadline)),
        wanted,
    );
    // Later rounds: what is still unpriced, at the next source.
    for next in plan.coins.iter().skip(1).copied() {
        let left: Vec<&str> = coins
            .iter()
            .copied()
            .filter(|c| board.coin(c).is_none() && !is_stable(c))
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
            fetch_all_until(transport, jobs, cancel, progress, Some(deadline)),
            wanted,
        );
    }
    contracts_elsewhere(&mut board, transport, wanted, cancel, progress, deadline);
    // Then the last cached prices, then the bundled closes: their ages mark them stale.
    fill_unpriced(&mut board, wanted, cache, now_ms);
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

/// Jobs for every contract: the venue's own mark (and, for OKX swaps, the current funding
/// rate, which OKX sends apart from the mark), each filed as a listing of that venue.
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
                if inst_type == "SWAP" {
                    // price-apis.md: OKX sends the current rate from public/funding-rate only.
                    jobs.push(listing(
                        Job::new(okx::funding_rate(symbol), |body, _| {
                            Ok(Snapshot {
                                funding: okx::parse_funding(body)?,
                                ..Snapshot::default()
                            })
                        }),
                        Venue::Okx,
                    ));
                }
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
        jobs.extend(job.map(|job| listing(job, *venue)));
    }
    if hyperliquid_needed {
        // One request answers for every Hyperliquid perpetual; they are named by the bare
        // coin (`SOL`), and filed as Hyperliquid listings, apart from the coins' prices.
        jobs.push(listing(
            Job::new(
                hyperliquid::meta_and_asset_ctxs(),
                hyperliquid::parse_meta_and_asset_ctxs,
            ),
            Venue::Hyperliquid,
        ));
    }
    jobs
}

/// `job` with its answers filed as listings of `venue`.
fn listing(job: Job, venue: Venue) -> Job {
    let Job { request, parse } = job;
    Job::new(request, move |body, fetched_at| {
        Ok(parse(body, fetched_at)?.at_venue(venue))
    })
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
    deadline: std::time::Instant,
) {
    let mut tried: BTreeSet<(InstrumentKey, Venue)> = BTreeSet::new();
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
        let mut round: Vec<(InstrumentKey, Venue, String)> = Vec::new();
        for item in wanted {
            let Wanted::Contract {
                symbol,
                venue,
                underlying,
                ..
            } = item
            else {
                continue;
            };
            let ours = item.key();
            if board.get(&ours).is_some() {
                continue;
            }
            let next = listed_elsewhere(symbol, *venue, underlying)
                .into_iter()
                .find(|(v, _)| {
                    !tried.contains(&(ours.clone(), *v))
                        && contract_source(*v).is_some_and(|s| !unusable(s, board))
                });
            let Some((other_venue, theirs)) = next else {
                continue;
            };
            tried.insert((ours.clone(), other_venue));
            let other = Wanted::Contract {
                symbol: theirs.clone(),
                venue: other_venue,
                underlying: underlying.clone(),
                option: false,
            };
            let theirs_key = other.key();
            for job in contract_jobs(std::slice::from_ref(&other)) {
                jobs.push(renamed(job, &theirs_key, &ours));
            }
            round.push((ours, other_venue, theirs));
        }
        if jobs.is_empty() || cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        merge(
            board,
            fetch_all_until(transport, jobs, cancel, progress, Some(deadline)),
            wanted,
        );
        for (ours, other_venue, theirs) in round {
            if let Some(entry) = board
                .entries
                .iter_mut()
                .find(|e| e.key == ours && e.listed_as.is_none())
            {
                entry.listed_as = Some(format!("{theirs} at {}", other_venue.display_name()));
            }
        }
    }
}

/// A job whose answers for `theirs` are filed under `ours` (the contract they stand in for).
fn renamed(job: Job, theirs: &InstrumentKey, ours: &InstrumentKey) -> Job {
    let Job { request, parse } = job;
    let (theirs, ours) = (theirs.clone(), ours.clone());
    Job::new(request, move |body, fetched_at| {
        let mut snapshot = parse(body, fetched_at)?;
        for price in &mut snapshot.prices {
            if price.key() == theirs {
                price.instrument = ours.symbol().to_owned();
                price.venue = ours.venue();
            }
        }
        for funding in &mut snapshot.funding {
            if funding.key() == theirs {
                funding.instrument = ours.symbol().to_owned();
                funding.venue = ours.venue();
            }
        }
        Ok(snapshot)
    })
}

/// Deribit quotes options in the underlying coin: their mark becomes USD per unit of the
/// underlying (mark × underlying price), what the margin engine expects.
fn option_in_usd(mut snapshot: Snapshot, name: &str) -> Result<Snapshot, ParseError> {
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
