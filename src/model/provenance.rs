//! Where a number came from: the market-data source and which kind of price it is. The
//! engine carries these with every price it uses (so the screens can say so) without knowing
//! how a source is reached; the network side (base URLs, requests) is in `market::source`.

/// A market-data source.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Source {
    /// Binance spot (`/api/v3`).
    BinanceSpot,
    /// Binance USDⓈ-M futures (`/fapi/v1`).
    BinanceFutures,
    /// Binance COIN-M futures (`/dapi/v1`).
    BinanceCoinm,
    /// Bybit v5.
    Bybit,
    /// OKX v5.
    Okx,
    /// Deribit v2.
    Deribit,
    /// Coinbase Exchange.
    Coinbase,
    /// Kraken spot.
    Kraken,
    /// Hyperliquid `info`.
    Hyperliquid,
    /// CoinGecko (slow, aggregated fallback).
    CoinGecko,
    /// The history bundled in the binary (`assets/prices/`).
    Bundle,
    /// A manual price from the portfolio file.
    Manual,
}

impl Source {
    /// Every network source, in a stable order.
    pub const NETWORK: [Source; 10] = [
        Source::BinanceSpot,
        Source::BinanceFutures,
        Source::BinanceCoinm,
        Source::Bybit,
        Source::Okx,
        Source::Deribit,
        Source::Coinbase,
        Source::Kraken,
        Source::Hyperliquid,
        Source::CoinGecko,
    ];

    /// Name for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::BinanceSpot => "Binance spot",
            Self::BinanceFutures => "Binance USDS-M",
            Self::BinanceCoinm => "Binance COIN-M",
            Self::Bybit => "Bybit",
            Self::Okx => "OKX",
            Self::Deribit => "Deribit",
            Self::Coinbase => "Coinbase",
            Self::Kraken => "Kraken",
            Self::Hyperliquid => "Hyperliquid",
            Self::CoinGecko => "CoinGecko",
            Self::Bundle => "bundled history",
            Self::Manual => "manual",
        }
    }

    /// snake_case name for JSON and `--source`.
    pub fn key(self) -> &'static str {
        match self {
            Self::BinanceSpot => "binance_spot",
            Self::BinanceFutures => "binance_futures",
            Self::BinanceCoinm => "binance_coinm",
            Self::Bybit => "bybit",
            Self::Okx => "okx",
            Self::Deribit => "deribit",
            Self::Coinbase => "coinbase",
            Self::Kraken => "kraken",
            Self::Hyperliquid => "hyperliquid",
            Self::CoinGecko => "coingecko",
            Self::Bundle => "bundle",
            Self::Manual => "manual",
        }
    }

    /// The source named `key` (see [`Source::key`]); `binance` means Binance spot.
    pub fn from_key(key: &str) -> Option<Self> {
        let key = key.to_ascii_lowercase();
        if key == "binance" {
            return Some(Self::BinanceSpot);
        }
        Self::NETWORK
            .into_iter()
            .chain([Self::Bundle, Self::Manual])
            .find(|s| s.key() == key)
    }
}

/// Age in whole seconds at `now_ms` of something stamped `stamped_ms` (ms since the epoch);
/// never negative (a venue clock slightly ahead of ours reads as 0). The one age rule: the
/// board, the report, the GUI and the CLI all measure with it.
pub fn age_seconds(now_ms: i64, stamped_ms: i64) -> i64 {
    now_ms.saturating_sub(stamped_ms).max(0) / 1000
}

/// The one staleness rule (board, report, GUI, `prices`): the age after which a price from
/// `source` of `kind` counts as stale, given the `(live, history)` thresholds in seconds. A
/// candle close (bundled, or a past valuation time's) keeps the history threshold; every
/// other market price — a live mark, and the same mark read back from the cache — keeps the
/// live one, its age counted from the venue's time.
pub fn stale_after_s(source: Source, kind: PriceKind, (live_s, history_s): (i64, i64)) -> i64 {
    if source == Source::Bundle || kind == PriceKind::Close {
        history_s
    } else {
        live_s
    }
}

/// Which price a number is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum PriceKind {
    /// Last trade.
    Last,
    /// The venue's mark price (what margin and liquidation use).
    Mark,
    /// The venue's index (spot basket).
    Index,
    /// An oracle price (Hyperliquid).
    Oracle,
    /// Mid of best bid and ask (Hyperliquid `allMids`).
    Mid,
    /// An aggregated price (CoinGecko) or a bundled close.
    Reference,
    /// A candle's close at a past valuation time (from the venue's candles, the candle cache
    /// or the bundled history).
    Close,
}

impl PriceKind {
    /// Lower-case name for JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Last => "last",
            Self::Mark => "mark",
            Self::Index => "index",
            Self::Oracle => "oracle",
            Self::Mid => "mid",
            Self::Reference => "reference",
            Self::Close => "close",
        }
    }
}
