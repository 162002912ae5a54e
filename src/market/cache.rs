//! The disk cache of the last prices: start-up shows them at once (marked with their age)
//! while a refresh runs, and a machine that loses the network keeps its last known prices.
//!
//! One JSON file in the platform cache directory (`RISKDECK_CACHE_DIR` overrides it), with a
//! format version. A missing file is an empty cache; a corrupt or foreign file is ignored
//! with a warning, never a crash, and replaced by the next save. Writes go to a temporary file
//! renamed over the old one, so a crash mid-write leaves the previous cache intact.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::board::Entry;
use super::source::Source;
use super::types::PriceKind;
use crate::model::{InstrumentKey, Venue};

/// The cache format this build reads and writes. Format 2 files each contract under its
/// venue (format 1 keyed prices by symbol alone, so two venues' `BTCUSDT` collided); a
/// format 1 file is ignored with a warning and rewritten.
pub const FORMAT_VERSION: u32 = 2;

/// The cache folder: `RISKDECK_CACHE_DIR`, else the platform cache directory.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RISKDECK_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "RiskDeck").map(|d| d.cache_dir().to_path_buf())
}

/// The price cache file in `dir`.
pub fn prices_path(dir: &Path) -> PathBuf {
    dir.join("prices.json")
}

#[derive(Serialize, Deserialize)]
struct CachedEntry {
    instrument: String,
    /// The venue of a contract's listing; absent for a coin.
    #[serde(default)]
    venue: Option<Venue>,
    kind: PriceKind,
    price: Decimal,
    quote: String,
    source: Source,
    venue_time_ms: Option<i64>,
    fetched_at_ms: i64,
    #[serde(default)]
    funding_rate: Option<Decimal>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    format_version: u32,
    saved_at_ms: i64,
    prices: Vec<CachedEntry>,
}

/// What a load found.
#[derive(Debug, Default)]
pub struct Cached {
    /// When the cache was written (ms since the epoch); `None` when there was none.
    pub saved_at_ms: Option<i64>,
    /// The prices, as fetched (manual prices are never cached).
    pub entries: Vec<Entry>,
    /// Why the file was ignored, if it was.
    pub warning: Option<String>,
}

/// Reads the cache at `path`; never fails: problems come back as a warning.
pub fn load(path: &Path) -> Cached {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Cached::default(),
        Err(e) => return ignored(path, &e.to_string()),
    };
    let file: CacheFile = match serde_json::from_slice(&bytes) {
        Ok(file) => file,
        Err(e) => return ignored(path, &format!("unreadable ({e})")),
    };
    if file.format_version != FORMAT_VERSION {
        return ignored(
            path,
            &format!(
                "format {} (this build reads {FORMAT_VERSION})",
                file.format_version
            ),
        );
    }
    let saved_at_ms = file.saved_at_ms;
    let entries = file
        .prices
        .into_iter()
        // A cache written by an older build may hold what a venue should never have sent.
        .filter(|c| {
            super::board::merge::impossible(
                c.price,
                c.venue_time_ms,
                c.fetched_at_ms.min(saved_at_ms),
            )
            .is_none()
        })
        .map(|c| Entry {
            key: match c.venue {
                Some(venue) => InstrumentKey::contract(venue, &c.instrument),
                None => InstrumentKey::coin(&c.instrument),
            },
            kind: c.kind,
            price: c.price,
            quote: match c.quote.as_str() {
                "USD" => "USD",
                "USDT" => "USDT",
                _ => "quote",
            },
            source: c.source,
            venue_time_ms: c.venue_time_ms,
            fetched_at_ms: c.fetched_at_ms,
            manual: false,
            via: None,
            funding_rate: c.funding_rate,
            listed_as: None,
        })
        .collect();
    Cached {
        saved_at_ms: Some(file.saved_at_ms),
        entries,
        warning: None,
    }
}

fn ignored(path: &Path, why: &str) -> Cached {
    Cached {
        warning: Some(format!(
            "price cache {} ignored: {why}; it will be rewritten",
            path.display()
        )),
        ..Cached::default()
    }
}

/// Writes the fetched entries (not manual, not stand-ins or other venues' listings, not
/// bundled) to `path`, merged
/// over what the cache already held so instruments not asked this time are kept.
pub fn save(path: &Path, entries: &[Entry], now_ms: i64) -> std::io::Result<()> {
    let mut merged: Vec<Entry> = load(path).entries;
    for entry in entries.iter().filter(|e| {
        !e.manual && e.via.is_none() && e.listed_as.is_none() && e.source != Source::Bundle
    }) {
        merged.retain(|m| m.key != entry.key);
        merged.push(entry.clone());
    }
    merged.sort_by(|a, b| a.key.cmp(&b.key));
    let file = CacheFile {
        format_version: FORMAT_VERSION,
        saved_at_ms: now_ms,
        prices: merged
            .into_iter()
            .map(|e| CachedEntry {
                instrument: e.key.symbol().to_owned(),
                venue: e.key.venue(),
                kind: e.kind,
                price: e.price,
                quote: e.quote.to_owned(),
                source: e.source,
                venue_time_ms: e.venue_time_ms,
                fetched_at_ms: e.fetched_at_ms,
                funding_rate: e.funding_rate,
            })
            .collect(),
    };
    write_atomic(path, &serde_json::to_vec(&file)?)
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path` (creating the
/// folder), so a crash mid-write leaves the previous file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.flush()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_1_cache_keyed_by_symbol_alone_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = prices_path(dir.path());
        std::fs::write(
            &path,
            r#"{"format_version":1,"saved_at_ms":1,"prices":[{"instrument":"BTCUSDT","kind":"Mark","price":"1","quote":"quote","source":"BinanceFutures","venue_time_ms":null,"fetched_at_ms":1}]}"#,
        )
        .unwrap();
        let cached = load(&path);
        assert!(cached.entries.is_empty(), "nothing from the old cache");
        let warning = cached.warning.unwrap();
        assert!(
            warning.contains("format 1 (this build reads 2)"),
            "{warning}"
        );
    }

    #[test]
    fn contracts_round_trip_under_their_venue_and_a_hostile_venue_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = prices_path(dir.path());
        let entry = |venue| Entry {
            key: InstrumentKey::contract(venue, "BTCUSDT"),
            kind: PriceKind::Mark,
            price: Decimal::from(110_000),
            quote: "quote",
            source: Source::Bybit,
            venue_time_ms: Some(5),
            fetched_at_ms: 5,
            manual: false,
            via: None,
            funding_rate: None,
            listed_as: None,
        };
        save(
            &path,
            &[entry(Venue::BybitLinear), entry(Venue::BinanceUsdm)],
            9,
        )
        .unwrap();
        let cached = load(&path);
        assert_eq!(cached.entries.len(), 2, "two venues, two entries");
        assert!(cached.entries.contains(&entry(Venue::BybitLinear)));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("BybitLinear", "Nowhere\u{0}");
        std::fs::write(&path, text).unwrap();
        let hostile = load(&path);
        assert!(hostile.entries.is_empty() && hostile.warning.is_some());
    }

    proptest::proptest! {
        /// Any symbol (any text a venue or a file could name) at any venue comes back from the
        /// cache under the same key, and never under another venue's.
        #[test]
        fn any_contract_key_round_trips(symbol in "\\PC{0,24}", venue_index in 0usize..10) {
            let dir = tempfile::tempdir().unwrap();
            let path = prices_path(dir.path());
            let venue = Venue::ALL[venue_index];
            let entry = Entry {
                key: InstrumentKey::contract(venue, &symbol),
                kind: PriceKind::Mark,
                price: Decimal::ONE,
                quote: "quote",
                source: Source::Okx,
                venue_time_ms: None,
                fetched_at_ms: 0,
                manual: false,
                via: None,
                funding_rate: None,
                listed_as: None,
            };
            save(&path, std::slice::from_ref(&entry), 0).unwrap();
            let cached = load(&path);
            proptest::prop_assert_eq!(cached.entries, vec![entry]);
        }
    }
}
