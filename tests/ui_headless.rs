//! Headless GUI tests with egui_kittest: the real app, driven by label and keyboard, no GPU.

use std::time::Duration;

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{By, Queryable as _};
use riskdeck::app::{Command, RiskDeckApp};
use rust_decimal::Decimal;

use crate::common::{FIXED_NOW_MS, frozen_app, step_until, temp_copy};

/// The app on `path`, offline, with the real feed reading an empty price cache of its own
/// (never the developer's).
fn harness_for(path: std::path::PathBuf) -> Harness<'static, RiskDeckApp> {
    let cache = tempfile::tempdir().unwrap().keep();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            let feed = riskdeck::app::market::LiveFeed::with_cache_dir(Some(cache))
                .with_clock(riskdeck::market::fetch::Clock::Fixed(FIXED_NOW_MS));
            frozen_app(cc, path, true, Box::new(feed))
        })
}

fn btc_size(app: &RiskDeckApp) -> Decimal {
    app.document.as_ref().unwrap().portfolio().accounts[0].positions[0].size()
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn open_edit_undo_redo_save_and_reload() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path.clone());
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    assert_eq!(btc_size(harness.state()), decimal("1.5"), "as in the file");

    // Replace the BTCUSDT size of the "Binance cross" account with 2.5 and press Enter.
    harness.get_by_label("Binance cross BTCUSDT size").focus();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness
        .get_by_label("Binance cross BTCUSDT size")
        .type_text("2.5");
    harness.step();
    harness.key_press(Key::Enter);
    harness.step();
    harness.step();
    assert_eq!(btc_size(harness.state()), decimal("2.5"), "edited");
    assert!(
        harness.state().document.as_ref().unwrap().is_dirty(),
        "unsaved marker"
    );

    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.step();
    assert_eq!(btc_size(harness.state()), decimal("1.5"), "undone");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    harness.step();
    assert_eq!(btc_size(harness.state()), decimal("2.5"), "redone");

    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    harness.step();
    step_until(&mut harness, "the save to finish", |app| {
        !app.is_busy() && !app.document.as_ref().unwrap().is_dirty()
    });

    let reloaded = riskdeck::model::io::load_file(&path).unwrap();
    assert_eq!(
        reloaded.portfolio.accounts[0].positions[0].size(),
        decimal("2.5"),
        "saved to disk"
    );
    assert!(
        riskdeck::model::io::backup_path(&path).exists(),
        "previous version kept"
    );
}

#[test]
fn invalid_typing_is_flagged_and_not_applied() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    harness.get_by_label("Binance cross BTCUSDT size").focus();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness
        .get_by_label("Binance cross BTCUSDT size")
        .type_text("two");
    harness.step();
    harness.key_press(Key::Enter);
    harness.step();
    assert_eq!(
        btc_size(harness.state()),
        decimal("1.5"),
        "invalid text does not change the portfolio"
    );
    assert!(
        !harness.state().document.as_ref().unwrap().can_undo(),
        "nothing to undo"
    );
}

#[test]
fn a_broken_file_lists_its_problems_and_keeps_the_open_portfolio() {
    let (dir, path) = temp_copy("basis-trade.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    let before = harness
        .state()
        .document
        .as_ref()
        .unwrap()
        .portfolio()
        .clone();

    let broken = dir.path().join("broken.ron");
    let text = std::fs::read_to_string(dir.path().join("basis-trade.ron"))
        .unwrap()
        .replacen("venue: BybitLinear", "venue: Bybot", 1)
        .replacen("\"-6\"", "-6", 1);
    std::fs::write(&broken, text).unwrap();
    let ctx = harness.ctx.clone();
    harness.state_mut().run_command(&ctx, Command::Open(broken));
    step_until(&mut harness, "the load to fail", |app| {
        app.load_problems().is_some()
    });

    let problems = harness.state().load_problems().unwrap();
    assert_eq!(problems.len(), 2, "both problems listed: {problems:?}");
    assert_eq!(
        harness.state().document.as_ref().unwrap().portfolio(),
        &before,
        "previous portfolio unchanged"
    );
    harness.get_by_label("Could not open the file");
}

#[test]
fn unsaved_changes_are_guarded() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    harness.get_by_label("Binance cross BTCUSDT size").focus();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness
        .get_by_label("Binance cross BTCUSDT size")
        .type_text("3");
    harness.step();
    harness.key_press(Key::Enter);
    harness.step();
    harness.step();
    assert_eq!(btc_size(harness.state()), decimal("3"), "edited");

    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .run_command(&ctx, Command::OpenSample(1));
    harness.step();
    harness.step();
    harness.get_by_label("Unsaved changes");
    harness.get_by_label("Cancel").click();
    harness.step();
    harness.step();
    assert_eq!(
        btc_size(harness.state()),
        decimal("3"),
        "cancel keeps the edited portfolio"
    );

    harness
        .state_mut()
        .run_command(&ctx, Command::OpenSample(1));
    harness.step();
    harness.step();
    harness.get_by_label("Discard").click();
    harness.step();
    harness.step();
    let name = &harness.state().document.as_ref().unwrap().display_name;
    assert_eq!(name, "basis-trade.ron (sample)", "discard opens the sample");
}

#[test]
fn margin_panel_shows_the_weakest_account_and_sorts() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    // The engine's weakest account (Binance cross, −12.03 % uniform move) is on the summary card.
    harness.get_by_label("Binance cross: -12.03 %");
    // The label also names the account in the portfolio editor and the chart legends; the
    // margin table's row is the one button with it.
    let y = |harness: &Harness<'_, RiskDeckApp>, label: &str| {
        harness
            .get(By::new().label(label).role(egui::accesskit::Role::Button))
            .rect()
            .center()
            .y
    };
    // File order: Binance cross above Aave loop.
    assert!(y(&harness, "Binance cross") < y(&harness, "Aave loop"));
    // Sort by account name: Aave loop first.
    harness.get_by_label("Account").click();
    harness.run_steps(2);
    assert!(y(&harness, "Aave loop") < y(&harness, "Binance cross"));
    assert!(y(&harness, "Hyperliquid SOL") < y(&harness, "~OKX swap"));
    // Click again: descending.
    harness.get_by_label("Account ^").click();
    harness.run_steps(2);
    assert!(y(&harness, "~OKX swap") < y(&harness, "Aave loop"));
    // Sort by liquidation move: smallest move (Binance cross, −12 %) first, Aave (−32 %) last.
    harness.get_by_label("Liq. move").click();
    harness.run_steps(2);
    assert!(y(&harness, "Binance cross") < y(&harness, "Hyperliquid SOL"));
    assert!(y(&harness, "~OKX swap") < y(&harness, "Aave loop"));
}

/// A price feed that answers after a delay, like a slow venue, with a BTCUSDT mark that
/// rises by 1,000 per refresh.
struct FakeFeed {
    calls: u32,
}

impl riskdeck::app::market::PriceFeed for FakeFeed {
    fn refresh(
        &mut self,
        wanted: &[riskdeck::market::board::Wanted],
        _settings: &riskdeck::app::market::FeedSettings,
        _cancel: &std::sync::atomic::AtomicBool,
        progress: &(dyn Fn(riskdeck::market::fetch::Progress) + Sync),
    ) -> riskdeck::market::board::Board {
        use riskdeck::market::board::{Board, Entry};
        use riskdeck::market::fetch::{Progress, VenueReport, VenueState};
        use riskdeck::market::{PriceKind, Source};
        std::thread::sleep(Duration::from_millis(300));
        self.calls += 1;
        progress(Progress {
            source: Source::BinanceFutures,
            done: 1,
            total: 1,
        });
        let now = FIXED_NOW_MS;
        let mark = Decimal::from(99_000 + 1_000 * i64::from(self.calls));
        let mut board = Board::default();
        // Before the file opens the app asks for the watch list; the mark is sent anyway.
        board.entries.push(Entry {
            key: riskdeck::model::InstrumentKey::contract(
                riskdeck::model::Venue::BinanceUsdm,
                "BTCUSDT",
            ),
            kind: PriceKind::Mark,
            price: mark,
            quote: "quote",
            source: Source::BinanceFutures,
            venue_time_ms: Some(now),
            fetched_at_ms: now,
            manual: false,
            via: None,
            funding_rate: Some(decimal("0.0001")),
            listed_as: None,
        });
        board.venues.insert(
            Source::BinanceFutures,
            VenueReport {
                state: VenueState::Ok,
                elapsed: Duration::from_millis(300),
                answered: 1,
                requested: 1,
            },
        );
        // What the venue did not price comes from the bundle, as in a real refresh.
        riskdeck::market::board::merge::fill_unpriced(
            &mut board,
            wanted,
            &riskdeck::market::cache::Cached::default(),
            now,
        );
        board
    }

    fn offline(
        &mut self,
        _wanted: &[riskdeck::market::board::Wanted],
    ) -> riskdeck::market::board::Board {
        // Shown while the first refresh of a file runs: nothing cached in this test.
        riskdeck::market::board::Board::default()
    }
}

fn btcusdt_mark(app: &RiskDeckApp) -> Option<Decimal> {
    app.document
        .as_ref()?
        .analysis()
        .positions
        .iter()
        .find(|p| &*p.symbol == "BTCUSDT")
        .map(|p| p.mark_price)
}

#[test]
fn refresh_now_updates_the_status_bar_and_a_position_price_without_blocking_frames() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| frozen_app(cc, path, false, Box::new(FakeFeed { calls: 0 })));
    step_until(&mut harness, "the portfolio's refresh", |app| {
        app.document.is_some()
            && !app.is_refreshing()
            && btcusdt_mark(app).is_some_and(|m| m != decimal("109608.01"))
    });
    let before = btcusdt_mark(harness.state()).unwrap();
    // The status bar sums the venues up; its menu lists each one's light.
    harness.get_by_label("Venues: 1 ok").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Binance USDS-M ok").is_some());
    harness.key_press(Key::Escape);
    harness.run_steps(2);

    harness.get_by_label("Refresh now").click();
    // Frames keep coming while the feed takes 300 ms: none waits for it.
    let mut saw_progress = false;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        harness.step();
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "a frame blocked"
        );
        saw_progress |= harness.state().is_refreshing();
    }
    assert!(saw_progress, "the refresh shows as running");
    step_until(&mut harness, "the second refresh", |app| {
        !app.is_refreshing()
    });
    assert_eq!(
        btcusdt_mark(harness.state()),
        Some(before + decimal("1000"))
    );
    // Expanding the Binance account shows the fed funding rate beside the BTCUSDT mark.
    harness.get_all_by_label("+").next().unwrap().click();
    harness.run_steps(2);
    assert!(
        harness.query_by_label_contains("funding 0.01 %").is_some(),
        "the funding rate is shown"
    );
}

#[test]
fn settings_reorder_the_coin_sources() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    harness.get_by_label("Settings").click();
    // A new window is laid out on its first frame and shown on the next.
    harness.run_steps(3);
    assert!(harness.query_by_label("Source priority").is_some());
    assert!(harness.query_by_label("1. Binance spot").is_some());
    harness.get_all_by_label("Down").next().unwrap().click();
    harness.run_steps(3);
    assert!(harness.query_by_label("1. Coinbase").is_some());
    assert!(harness.query_by_label("2. Binance spot").is_some());
}

/// A feed whose disk cache holds an hour-old BTCUSDT mark and whose venues take 2 s.
struct CachedThenSlowFeed;

impl riskdeck::app::market::PriceFeed for CachedThenSlowFeed {
    fn refresh(
        &mut self,
        _wanted: &[riskdeck::market::board::Wanted],
        _settings: &riskdeck::app::market::FeedSettings,
        _cancel: &std::sync::atomic::AtomicBool,
        _progress: &(dyn Fn(riskdeck::market::fetch::Progress) + Sync),
    ) -> riskdeck::market::board::Board {
        std::thread::sleep(Duration::from_secs(2));
        riskdeck::market::board::Board::default()
    }

    fn offline(
        &mut self,
        wanted: &[riskdeck::market::board::Wanted],
    ) -> riskdeck::market::board::Board {
        use riskdeck::market::board::{Board, Entry};
        use riskdeck::market::{PriceKind, Source};
        let hour_ago = FIXED_NOW_MS - 3_600_000;
        let mut board = Board::default();
        board.entries.push(Entry {
            key: riskdeck::model::InstrumentKey::contract(
                riskdeck::model::Venue::BinanceUsdm,
                "BTCUSDT",
            ),
            kind: PriceKind::Mark,
            price: decimal("95000"),
            quote: "quote",
            source: Source::BinanceFutures,
            venue_time_ms: Some(hour_ago),
            fetched_at_ms: hour_ago,
            manual: false,
            via: None,
            funding_rate: None,
            listed_as: None,
        });
        board.cache_saved_at_ms = Some(hour_ago);
        // The rest from the bundle, as the real feed's interim board does.
        riskdeck::market::board::merge::fill_unpriced(
            &mut board,
            wanted,
            &riskdeck::market::cache::Cached::default(),
            hour_ago,
        );
        board
    }
}

#[test]
fn start_up_shows_cached_prices_while_the_venues_are_asked() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| frozen_app(cc, path, false, Box::new(CachedThenSlowFeed)));
    step_until(&mut harness, "the cached mark", |app| {
        btcusdt_mark(app) == Some(decimal("95000"))
    });
    // The live refresh (2 s) is still running: the cached price came first.
    assert!(harness.state().is_refreshing());
}

#[test]
fn status_bar_and_view_menu_act_through_commands() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| frozen_app(cc, path, false, Box::new(FakeFeed { calls: 0 })));
    step_until(&mut harness, "the first refresh", |app| {
        app.document.is_some() && !app.is_refreshing() && app.board().is_some()
    });
    assert!(!harness.state().state.offline);
    // The status bar's Offline switch: a command, then an offline board.
    harness.get_by_label("Offline").click();
    step_until(&mut harness, "the offline board", |app| {
        app.state.offline && !app.is_refreshing()
    });
    // The View menu's theme switch.
    assert!(harness.state().state.dark_mode);
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness.get_by_label("Dark theme").click();
    harness.run_steps(2);
    assert!(!harness.state().state.dark_mode, "light theme chosen");
    // Selecting an account (as the Margin panel does) is a command too.
    let ctx = harness.ctx.clone();
    harness.state_mut().run_command(
        &ctx,
        Command::Select(Some(riskdeck::ui::margin::Selection::Account(
            "Binance cross".into(),
        ))),
    );
    harness.run_steps(2);
    harness
        .state_mut()
        .run_command(&ctx, Command::SetRefreshInterval(0));
    assert_eq!(harness.state().state.refresh_interval_s, 0);
}

#[test]
fn the_margin_panel_shouts_a_liquidated_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("under-water.ron");
    // Long 10 BTC at 109,608 with BTC at 100,000 and 12,000 USDT: equity −84,080.
    std::fs::write(
        &path,
        r#"(format_version: 1, name: "Under water", base_currency: USD, accounts: [
            (label: "under water", venue: BinanceUsdm, margin_mode: Cross,
             collateral: [(asset: "USDT", amount: "12000")],
             positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                         size: "10", entry_price: "109608", leverage: "10")])],
           price_overrides: [(symbol: "BTC", price_usd: "100000")])"#,
    )
    .unwrap();
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    harness.run_steps(2);
    assert!(
        harness.query_all_by_label("LIQUIDATED").count() >= 2,
        "the card and the row say so"
    );
    assert!(
        harness.query_by_label("1 accounts, 1 positions").is_some(),
        "and a card"
    );
    assert_eq!(
        harness.query_all_by_label("no equity").count(),
        2,
        "no usage and no leverage number"
    );
    assert!(harness.query_by_label_contains("liquidated by").is_none());
}

#[test]
fn offline_numbers_say_so_at_the_top_and_the_prices_line_counts_them() {
    let (_dir, path) = temp_copy("basis-trade.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file and the offline board", |app| {
        app.document.is_some() && app.board().is_some() && !app.is_refreshing()
    });
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("Offline: every figure uses cached or bundled prices")
            .is_some(),
        "a banner over every panel"
    );
    // Nothing cached: the numbers are for the bundle's last close, and the headline says so.
    assert!(
        harness
            .query_by_label_contains(
                "Valued at 2025-10-31 close: offline with nothing cached, so priced from the \
                 bundled history"
            )
            .is_some(),
        "the valuation headline"
    );
    // The contracts stand in at their underlying's close: the prices line says how many.
    assert!(
        harness
            .query_by_label_contains("Prices: oldest 0 s (bundle")
            .is_some_and(|node| format!("{node:?}").contains("3 stand-in")),
        "the prices line"
    );
}

#[test]
fn a_file_with_thousands_of_problems_lists_the_first_few_hundred_and_counts_the_rest() {
    let (dir, path) = temp_copy("basis-trade.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    let broken = dir.path().join("many.ron");
    let text = std::fs::read_to_string(dir.path().join("basis-trade.ron")).unwrap();
    let position = "                Perpetual(\n                    symbol: \"BTCUSDT\",\n                    underlying: \"BTC\",\n                    settlement: Linear,\n                    size: \"-4\",";
    assert!(text.contains(position));
    let many: Vec<String> = (0..1_000)
        .map(|i| position.replace("size: \"-4\"", &format!("size: \"lots{i}\"")) + "\n                    entry_price: \"1\",\n                    leverage: \"5\",\n                ),\n")
        .collect();
    let text = text.replacen(
        &format!("{position}\n"),
        &format!("{}{position}\n", many.join("")),
        1,
    );
    std::fs::write(&broken, text).unwrap();
    let ctx = harness.ctx.clone();
    harness.state_mut().run_command(&ctx, Command::Open(broken));
    step_until(&mut harness, "the load to fail", |app| {
        app.load_problems().is_some()
    });
    harness.run_steps(2);
    assert_eq!(harness.state().load_problems().unwrap().len(), 1_000);
    assert!(harness.query_by_label("1000 problem(s):").is_some());
    assert!(
        harness.query_by_label_contains("… and 700 more").is_some(),
        "the rest are counted"
    );
}

#[test]
fn without_a_system_file_dialog_the_app_offers_a_path_field_with_recent_folders() {
    let (dir, path) = temp_copy("basis-trade.ron");
    let other = dir.path().join("retail-alts.ron");
    std::fs::copy(
        crate::common::portfolios_dir().join("retail-alts.ron"),
        &other,
    )
    .unwrap();
    let mut harness = harness_for(path.clone());
    step_until(&mut harness, "the file to open", |app| {
        app.document.is_some()
    });
    // What the open task reports when rfd returns at once with no portal (no D-Bus session).
    let ctx = harness.ctx.clone();
    harness.state_mut().run_command(
        &ctx,
        Command::OpenPathPrompt(Some(
            "The system file dialog could not open: there is no D-Bus session".to_owned(),
        )),
    );
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("there is no D-Bus session")
            .is_some()
    );
    // The recent file's folder is listed: clicking its other portfolio opens it.
    harness.get_by_label(&other.display().to_string()).click();
    step_until(&mut harness, "the listed file to open", |app| {
        app.document
            .as_ref()
            .is_some_and(|d| d.portfolio().name.contains("alt"))
    });
    // File > Open by path…, a typed path, Enter.
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label("Open by path…").click();
    harness.run_steps(2);
    harness.get_by_label("Path to open").focus();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness
        .get_by_label("Path to open")
        .type_text(&path.display().to_string());
    harness.step();
    harness.key_press(Key::Enter);
    step_until(&mut harness, "the typed path to open", |app| {
        app.document
            .as_ref()
            .is_some_and(|d| d.portfolio().name.contains("Basis"))
    });
}

#[test]
fn the_portfolio_panel_shows_each_position_s_mark_upnl_and_liquidation_price() {
    let (_dir, path) = temp_copy("leveraged-long.ron");
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file and its prices", |app| {
        app.document.is_some() && app.board().is_some() && !app.is_refreshing()
    });
    harness.run_steps(2);
    let risk = harness
        .state()
        .document
        .as_ref()
        .unwrap()
        .analysis()
        .positions
        .iter()
        .find(|p| &*p.account == "Binance cross" && &*p.symbol == "ETHUSDT")
        .cloned()
        .unwrap();
    use riskdeck::present::format::price;
    // The Margin panel's rows are collapsed: these cells are the Portfolio panel's.
    let liq = price(risk.liquidation_price.unwrap(), risk.price_tick);
    assert!(
        harness.query_by_label(&liq).is_some(),
        "liquidation price {liq}"
    );
    // At the file's valuation time the entry is the close: uPnL 0, one cell per position.
    let upnl = format!("{} {}", price(risk.unrealized_pnl, None), risk.margin_asset);
    assert!(
        harness.query_all_by_label(&upnl).count() >= 2,
        "uPnL {upnl}"
    );
}

#[test]
fn an_over_committed_account_is_marked_in_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oc.ron");
    // 1 BTC at 10x needs 10,960.80 USDT of initial margin at the 2025-10-31 close; the
    // wallet holds 1,000.
    std::fs::write(
        &path,
        r#"#![enable(implicit_some)]
#![enable(unwrap_variant_newtypes)]
(format_version: 1, name: "oc", base_currency: USD, valuation: (as_of: "2025-11-01T00:00:00Z"),
    accounts: [(label: "Tiny", venue: BinanceUsdm, margin_mode: Cross,
        collateral: [(asset: "USDT", amount: "1000")],
        positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
            size: "1", entry_price: "109608.01", leverage: "10")])])
"#,
    )
    .unwrap();
    let mut harness = harness_for(path);
    step_until(&mut harness, "the file and its prices", |app| {
        app.document.is_some() && app.board().is_some() && !app.is_refreshing()
    });
    harness.run_steps(2);
    assert!(
        harness.query_by_label("over-committed").is_some(),
        "marked at the account"
    );
    assert!(
        harness
            .query_by_label_contains("Warning: Over-committed: \"Tiny\"")
            .is_some(),
        "and in the panel's warnings"
    );
}
