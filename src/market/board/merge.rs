//! Stage three of a refresh: answers onto the board, then, for what is still unpriced, the
//! disk cache, the bundled history and (for contracts) the underlying's price.

use std::collections::BTreeSet;

use super::{Board, Entry, Wanted};
use crate::market::bundle;
use crate::market::cache::Cached;
use crate::market::error::{ErrorKind, FetchError, MAX_FUTURE_SKEW_MS};
use crate::market::fetch::Outcome;
use crate::market::types::PriceKind;
use crate::model::InstrumentKey;

/// A board without the network: the disk cache's prices where it has them, else each
/// coin's last bundled daily close (2025-10-31 for coins, 2024-12-07 for stablecoins);
/// contracts without a cached mark are listed under their underlying's price (the engine's
/// fallback). Opens no socket.
pub fn offline(wanted: &[Wanted], now_ms: i64, cache: &Cached) -> Board {
    let mut board = Board {
        offline_as_of: Some(bundle::AS_OF),
        ..Board::default()
    };
    fill_unpriced(&mut board, wanted, cache, now_ms);
    // Nothing cached: every price is a bundled close, so the numbers are for the bundle's
    // last close, and say so, rather than for today with year-old prices.
    if board.cache_saved_at_ms.is_none() {
        board.as_of_ms = Some(bundle::AS_OF_CLOSE_MS);
    }
    board
}

/// What no venue priced: the cached price, else the bundled close, else (contracts) the
/// underlying's price; then sorts the board.
pub fn fill_unpriced(board: &mut Board, wanted: &[Wanted], cache: &Cached, now_ms: i64) {
    from_cache(board, wanted, cache);
    bundled(board, wanted, now_ms);
    stand_in_underlyings(board, wanted);
    board.sort();
}

/// Adds the cached prices of wanted instruments the board lacks.
fn from_cache(board: &mut Board, wanted: &[Wanted], cache: &Cached) {
    let mut used = false;
    for item in wanted {
        let key = item.key();
        if board.get(&key).is_some() {
            continue;
        }
        if let Some(entry) = cache.entries.iter().find(|e| e.key == key) {
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
        if board.coin(ticker).is_some() {
            continue;
        }
        match bundle::last_close(ticker) {
            Some((open_ms, close, quote)) => board.entries.push(Entry {
                key: InstrumentKey::coin(ticker),
                kind: PriceKind::Reference,
                price: close,
                quote,
                source: crate::market::Source::Bundle,
                // A daily candle closes at the end of its UTC day.
                venue_time_ms: Some(open_ms + 86_400_000 - 1),
                fetched_at_ms: now_ms,
                manual: false,
                via: None,
                funding_rate: None,
                listed_as: None,
            }),
            None => board.missing.push(InstrumentKey::coin(ticker)),
        }
    }
}

/// Lists each unpriced contract under its underlying's price, as the margin engine prices
/// it; a contract whose underlying is unpriced too stays missing.
pub(super) fn stand_in_underlyings(board: &mut Board, wanted: &[Wanted]) {
    for item in wanted {
        let Wanted::Contract {
            underlying, option, ..
        } = item
        else {
            continue;
        };
        let key = item.key();
        if board.get(&key).is_some() {
            continue;
        }
        // An option is never priced at its underlying's price: without a mark it is listed
        // as unpriced (the margin engine leaves it out and says so).
        if *option {
            if !board.missing.contains(&key) {
                board.missing.push(key);
            }
            continue;
        }
        match board.coin(underlying).cloned() {
            Some(base) => board.entries.push(Entry {
                key,
                via: Some(underlying.clone()),
                funding_rate: None,
                listed_as: None,
                ..base
            }),
            None if !board.missing.contains(&key) => board.missing.push(key),
            None => {}
        }
    }
}

/// Why a price received at `received_ms` cannot be a market price, if it cannot: zero or
/// negative, beyond 10^12 or below 10^-12 USD, or a venue time more than five minutes after
/// it was received.
pub fn impossible(
    value: rust_decimal::Decimal,
    venue_time_ms: Option<i64>,
    received_ms: i64,
) -> Option<String> {
    // The file's own limits (model::validate): beyond them no figure stays exact.
    const MAX_PRICE: rust_decimal::Decimal =
        rust_decimal::Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
    const MIN_PRICE: rust_decimal::Decimal = rust_decimal::Decimal::from_parts(1, 0, 0, false, 12);
    if value <= rust_decimal::Decimal::ZERO {
        return Some(format!("price {value} is not positive"));
    }
    if value > MAX_PRICE || value < MIN_PRICE {
        return Some(format!(
            "price {value} is outside {MIN_PRICE} .. {MAX_PRICE}, where no market trades"
        ));
    }
    match venue_time_ms {
        Some(t) if t.saturating_sub(received_ms) > MAX_FUTURE_SKEW_MS => Some(format!(
            "venue time {} s ahead of the time it was received",
            t.saturating_sub(received_ms) / 1000
        )),
        _ => None,
    }
}

/// Adds a round's answers to the board: for each wanted instrument, the best kind of price
/// (mark, then last, mid, oracle, index, reference), first answer wins. Answers are matched
/// by key, so a venue's `BTCUSDT` fills only that venue's contract.
pub fn merge(board: &mut Board, outcome: Outcome, wanted: &[Wanted]) {
    let keys: BTreeSet<InstrumentKey> = wanted.iter().map(Wanted::key).collect();
    let rank = |kind: PriceKind| match kind {
        PriceKind::Mark => 0,
        PriceKind::Last => 1,
        PriceKind::Mid => 2,
        PriceKind::Oracle => 3,
        PriceKind::Index => 4,
        PriceKind::Reference => 5,
        PriceKind::Close => 6,
    };
    let funding = outcome.snapshot.funding;
    let funding_of = |key: &InstrumentKey| {
        funding
            .iter()
            .filter(|f| &f.key() == key)
            .max_by_key(|f| f.time_ms)
            .map(|f| f.rate)
    };
    let mut prices = outcome.snapshot.prices;
    prices.sort_by_key(|p| rank(p.kind));
    let mut refused: BTreeSet<InstrumentKey> = BTreeSet::new();
    for price in prices {
        let key = price.key();
        if !keys.contains(&key) || board.get(&key).is_some() {
            continue;
        }
        if let Some(why) = impossible(price.value, price.venue_time_ms, price.fetched_at_ms) {
            // Refused: never on the board, never cached; a later source or round may price it.
            // One error per instrument and round (a venue's mark and index share the flaw).
            if !refused.insert(key.clone()) {
                continue;
            }
            board.errors.push(FetchError {
                source: price.source,
                endpoint: "",
                kind: ErrorKind::ImpossiblePrice,
                message: format!("{key}: {why}"),
            });
            continue;
        }
        board.entries.push(Entry {
            funding_rate: funding_of(&key),
            key,
            kind: price.kind,
            price: price.value,
            quote: price.quote.unwrap_or("quote"),
            source: price.source,
            venue_time_ms: price.venue_time_ms,
            fetched_at_ms: price.fetched_at_ms,
            manual: false,
            via: None,
            listed_as: None,
        });
    }
    board.options.extend(
        outcome
            .snapshot
            .options
            .into_iter()
            .filter(|o| keys.contains(&o.key())),
    );
    board.errors.extend(outcome.errors);
    board.venues.extend(outcome.venues);
}
