//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The frozen time in-process GUI tests run at: 2025-11-01 00:00:00 UTC, the first moment
/// after the bundled history's last close (so bundled prices are a few seconds old, whatever
/// day the tests run).
pub const FIXED_NOW_MS: i64 = 1_761_955_200_000;

/// The app on `path` with `feed` and the clock frozen at [`FIXED_NOW_MS`].
pub fn frozen_app(
    cc: &eframe::CreationContext<'_>,
    path: PathBuf,
    offline: bool,
    feed: Box<dyn riskdeck::app::market::PriceFeed>,
) -> riskdeck::app::RiskDeckApp {
    let mut app = riskdeck::app::RiskDeckApp::with_feed(cc, Some(path), offline, feed);
    app.clock = riskdeck::market::fetch::Clock::Fixed(FIXED_NOW_MS);
    app
}

/// The repository's `portfolios/` folder.
pub fn portfolios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("portfolios")
}

/// Every sample portfolio file, sorted.
pub fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(portfolios_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    files
}

/// 1-based line and column (in characters) of the first occurrence of `needle` in `text`,
/// computed independently of the parser.
pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

/// A temporary folder with a copy of a sample file in it.
pub fn temp_copy(sample: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(sample);
    std::fs::copy(portfolios_dir().join(sample), &path).unwrap();
    (dir, path)
}

pub mod mock_server;

/// The `riskdeck` binary with every venue's base URL pointed at `server` and its price
/// cache in `cache_dir`.
pub fn riskdeck_against(
    server: &mock_server::MockServer,
    cache_dir: &std::path::Path,
) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_riskdeck"));
    for source in riskdeck::market::Source::NETWORK {
        command.env(source.env_var().unwrap(), &server.base_url);
    }
    command.env("RISKDECK_CACHE_DIR", cache_dir);
    command
}

/// Steps frames (letting worker threads finish) until `done` holds; fails after 10 s.
pub fn step_until(
    harness: &mut egui_kittest::Harness<'_, riskdeck::app::RiskDeckApp>,
    what: &str,
    done: impl Fn(&riskdeck::app::RiskDeckApp) -> bool,
) {
    for _ in 0..1000 {
        harness.step();
        if done(harness.state()) {
            harness.step();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

/// A copy of the sample `name` in a temporary folder with manual prices for `coins` set to
/// their bundled closes of 2025-10-31 (as the samples carried before they had a valuation
/// time): for tests of how manual prices sit beside fetched marks.
pub fn temp_copy_with_manual(name: &str, coins: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = temp_copy(name);
    let prices: String = coins
        .iter()
        .map(|coin| {
            let (_, close, _) = riskdeck::market::bundle::last_close(coin).unwrap();
            format!(
                "(symbol: \"{coin}\", price_usd: \"{close}\", note: \"Binance spot close \
                 2025-10-31\"),"
            )
        })
        .collect();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("price_overrides: [],"));
    let text = text.replace(
        "price_overrides: [],",
        &format!("price_overrides: [{prices}],"),
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The `riskdeck` binary on `args` with a fresh price cache of its own (never the user's).
pub fn riskdeck_cli(args: &[&str]) -> std::process::Output {
    let cache = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_riskdeck"))
        .args(args)
        .env("RISKDECK_CACHE_DIR", cache.path())
        .output()
        .unwrap()
}

/// `portfolio` priced as it opens offline: from the bundled history at the file's valuation
/// time (the bundle's last close when it has none, or one after the bundle), through the
/// pricing seam, with no clock read.
pub fn priced_at_file_time(
    portfolio: &riskdeck::model::Portfolio,
) -> (riskdeck::pricing::Priced, riskdeck::engine::MarginReport) {
    let library = riskdeck::model::params::library();
    let at = portfolio
        .valuation
        .as_ref()
        .and_then(|v| riskdeck::model::valuation::parse_as_of(&v.as_of).ok())
        .filter(|at| *at <= riskdeck::market::bundle::AS_OF_CLOSE_MS)
        .unwrap_or(riskdeck::market::bundle::AS_OF_CLOSE_MS);
    let wanted = riskdeck::market::board::wanted_by(portfolio, library);
    let board = riskdeck::market::board::at_time(
        &wanted,
        at,
        None,
        None,
        at,
        &std::sync::atomic::AtomicBool::new(false),
    );
    let priced = riskdeck::pricing::price(Some(portfolio), &board, library, at);
    let analysis = riskdeck::pricing::analyze(portfolio, &priced, library);
    (priced, analysis)
}

/// The entry of `instrument` in a `prices --json` document.
pub fn price_entry<'a>(json: &'a serde_json::Value, instrument: &str) -> &'a serde_json::Value {
    json["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["instrument"] == instrument)
        .unwrap_or_else(|| panic!("{instrument} not listed: {json}"))
}
