//! Margin engine against the venues' published statements and worked examples
//! (../shared/reference/venue-margin.md) and against hand computations written out here.

use crate::oracles::{binance, deribit, dydx, hyperliquid, okx};
use riskdeck::engine::margin::{aave, bybit};
use riskdeck::engine::{MarginReport, analyze_with_file_prices};
use riskdeck::model::params::{
    CloseFactorRule, LendingReserve, Tier, TierBasis, TierTable, library, maintenance_amounts,
    tier_index,
};
use riskdeck::model::{Portfolio, Venue, parse_portfolio};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// A portfolio from RON text (accounts only, plus prices).
fn portfolio(accounts: &str, prices: &[(&str, &str)]) -> Portfolio {
    let overrides: String = prices
        .iter()
        .map(|(symbol, price)| format!("(symbol: \"{symbol}\", price_usd: \"{price}\"),"))
        .collect();
    let text = format!(
        "(format_version: 1, name: \"t\", base_currency: USD, accounts: [{accounts}], \
         price_overrides: [{overrides}])"
    );
    parse_portfolio(&text).unwrap_or_else(|problems| panic!("{problems:?}\n{text}"))
}

/// A sample priced as it opens (offline, from the bundle at its valuation time).
fn at_file_time(p: &Portfolio) -> MarginReport {
    crate::common::priced_at_file_time(p).1
}

fn position<'a>(report: &'a MarginReport, symbol: &str) -> &'a riskdeck::engine::PositionRisk {
    report
        .positions
        .iter()
        .find(|p| &*p.symbol == symbol)
        .unwrap_or_else(|| panic!("{symbol} not priced: {:?}", report.excluded))
}

fn tier(cap: Option<Decimal>, mmr: Decimal) -> Tier {
    Tier {
        cap,
        mmr,
        max_leverage: None,
        maintenance_amount: None,
    }
}

fn table(id: &str, basis: TierBasis, tiers: Vec<Tier>) -> TierTable {
    TierTable {
        id: id.to_owned(),
        symbols: vec![id.to_owned()],
        basis,
        tiers,
        source: "test".to_owned(),
        as_of: "test".to_owned(),
        approximate: false,
        note: String::new(),
    }
}

/// Binance BTCUSDT brackets of the 2021-03-18 announcement (venue-margin.md §1.3), the table
/// the FAQ's published statements were made with.
fn binance_btcusdt_2021() -> TierTable {
    let rows = [
        (50_000, dec!(0.004)),
        (250_000, dec!(0.005)),
        (1_000_000, dec!(0.01)),
        (10_000_000, dec!(0.025)),
        (20_000_000, dec!(0.05)),
        (50_000_000, dec!(0.10)),
        (100_000_000, dec!(0.125)),
        (200_000_000, dec!(0.15)),
        (300_000_000, dec!(0.25)),
        (500_000_000, dec!(0.50)),
    ];
    table(
        "BTCUSDT",
        TierBasis::Notional,
        rows.iter()
            .map(|(cap, mmr)| tier(Some(Decimal::from(*cap)), *mmr))
            .collect(),
    )
}

#[test]
fn binance_faq_statements_hold_for_the_2021_table() {
    let table = binance_btcusdt_2021();
    let cum = maintenance_amounts(&table.tiers);
    // "BTCUSDT notional 264,000 USDT → MMR 1 %"
    let (index, _) = tier_index(&table.tiers, dec!(264000));
    assert_eq!(table.tiers[index].mmr, dec!(0.01));
    // "notional 500,000 USDT → maintenance amount 1,300 USDT" = 250,000 × (1 % − 0.5 %) + 50
    let (index, _) = tier_index(&table.tiers, dec!(500000));
    assert_eq!(cum[index], dec!(1300));
    // The FAQ example's 16,300 is tier 4's amount: 1,000,000 × (2.5 % − 1 %) + 1,300.
    assert_eq!(cum[3], dec!(16300));
    // MM at 264,000: 264,000 × 1 % − 1,300 = 1,340.
    assert_eq!(
        binance::maintenance_margin(&table, dec!(264000)),
        dec!(1340)
    );
}

#[test]
fn binance_coinm_published_example_and_amounts() {
    let params = library().venue(Venue::BinanceCoinm).unwrap();
    let table = &params.tier_tables[0];
    // FAQ worked example: 100 BTCUSD contracts × 100 USD at mark 25,000 = 0.4 BTC, tier 1
    // (0.4 %, cum 0) → MM = 0.4 × 0.4 % = 0.0016 BTC.
    assert_eq!(binance::maintenance_margin(table, dec!(0.4)), dec!(0.0016));
    let cum = maintenance_amounts(&table.tiers);
    // Published maintenance amounts: tier 4 = 0.56 BTC, tier 5 = 50 × (5 % − 2.5 %) + 0.56 =
    // 1.81 BTC, and 300 BTC (MMR 12.5 %) = 11.81 BTC.
    assert_eq!(cum[3], dec!(0.56));
    assert_eq!(cum[4], dec!(1.81));
    let (index, _) = tier_index(&table.tiers, dec!(300));
    assert_eq!(table.tiers[index].mmr, dec!(0.125));
    assert_eq!(cum[index], dec!(11.81));
}

#[test]
fn binance_coinm_isolated_liquidation_by_hand() {
    let table = &library().venue(Venue::BinanceCoinm).unwrap().tier_tables[0];
    // 100 contracts × 100 USD long at 25,000 with 0.04 BTC isolated (10x), tier 1:
    // LP = (N·MMR + N) / (WB/CS + N/EP) = (0.4 + 100) / (0.04/100 + 100/25,000)
    //    = 100.4 / 0.0044 = 22,818.18…; notional there 10,000/22,818 = 0.438 BTC, still tier 1.
    let lp = binance::liquidation_price_coinm(
        table,
        dec!(0.04),
        Decimal::ZERO,
        Decimal::ZERO,
        dec!(100),
        dec!(100),
        dec!(25000),
        dec!(25000),
    )
    .unwrap();
    assert_eq!(lp, dec!(100.4) / dec!(0.0044));
}

#[test]
fn binance_isolated_liquidation_resolves_in_the_lower_tier() {
    let table = &library().venue(Venue::BinanceUsdm).unwrap().tier_tables[0];
    // Long 6 BTC at 110,000 (notional 660,000: tier 3, 0.65 %, cum 950), isolated 66,000.
    // Tier 3: LP = (−950 + 660,000 − 66,000) / (6 − 0.039) = 99,488.3 → notional 596,930,
    // which is tier 2 (≤ 600,000), so re-solve with 0.5 % / cum 50:
    // LP = (−50 + 660,000 − 66,000) / (6 − 0.03) = 593,950 / 5.97 = 99,489.11 (notional
    // 596,934.7, tier 2: consistent).
    let lp = binance::liquidation_price_usdm(
        table,
        dec!(66000),
        Decimal::ZERO,
        Decimal::ZERO,
        dec!(6),
        dec!(110000),
        dec!(110000),
    )
    .unwrap();
    assert_eq!(lp, dec!(593950) / dec!(5.97));
}

#[test]
fn binance_cross_two_positions_by_hand() {
    let p = portfolio(
        r#"(label: "b", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "30000")],
            positions: [
              Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "1.5", entry_price: "109608.01", leverage: "10"),
              Perpetual(symbol: "ETHUSDT", underlying: "ETH", settlement: Linear, size: "20", entry_price: "3847.99", leverage: "10"),
            ])"#,
        &[("BTC", "109608.01"), ("ETH", "3847.99"), ("USDT", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let eth = position(&report, "ETHUSDT");
    // ETH: notional 76,959.8 in tier 2 (0.5 %, cum 50): MM = 384.799 − 50 = 334.799.
    assert_eq!(eth.maintenance_margin, dec!(334.799));
    let btc = position(&report, "BTCUSDT");
    // BTC: notional 164,412.015, tier 2: MM = 822.060075 − 50 = 772.060075.
    assert_eq!(btc.maintenance_margin, dec!(772.060075));
    // LP = (WB − TMM1 + UPNL1 + cum − side·qty·EP) / (qty·MMR − side·qty)
    //    = (30,000 − 334.799 + 0 + 50 − 164,412.015) / (0.0075 − 1.5)
    //    = −134,696.814 / −1.4925 = 90,249.12…
    assert_eq!(btc.liquidation_price, Some(dec!(134696.814) / dec!(1.4925)));
    assert_eq!(btc.initial_margin, dec!(16441.2015), "notional / 10x");
    assert!(!btc.approximate);
    let account = &report.accounts[0];
    // Margin ratio = MM / margin balance = 1,106.859075 / 30,000.
    assert_eq!(account.margin_ratio, Some(dec!(1106.859075) / dec!(30000)));
}

#[test]
fn bybit_published_example_one() {
    let p = portfolio(
        r#"(label: "y", venue: BybitLinear, margin_mode: Isolated,
            collateral: [(asset: "USDT", amount: "1000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                                  size: "1", entry_price: "20000", leverage: "50")])"#,
        &[("BTC", "20000"), ("USDT", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let btc = position(&report, "BTCUSDT");
    // Ex.1 [published]: long 1 BTC @ 20,000, 50x, MMR 0.5 % → IM 400, MM 100, LP 19,700.
    assert_eq!(btc.initial_margin, dec!(400));
    assert_eq!(btc.maintenance_margin, dec!(100));
    assert_eq!(btc.liquidation_price, Some(dec!(19700)));
    // BP_long = EP × (1 − IMR) = 20,000 × (1 − 2 %) = 19,600.
    assert_eq!(btc.bankruptcy_price, Some(dec!(19600)));
}

#[test]
fn bybit_published_im_mm_and_tier_illustration() {
    // [published] 1 BTC @ 10,000, 50x, MMR 0.5 % → IM 200, MM 50.
    let table_btc = &library().venue(Venue::BybitLinear).unwrap().tier_tables[0];
    let leg = binance::leg(
        table_btc,
        riskdeck::model::Settlement::Linear,
        dec!(1),
        Decimal::ONE,
        dec!(10000),
        dec!(10000),
    );
    assert_eq!(leg.maintenance_margin(dec!(10000)), dec!(50));
    assert_eq!(leg.notional(dec!(10000)) / dec!(50), dec!(200));
    // XYZUSDT illustration: tiers 0–1,000 2 %, –2,000 2.5 %, –3,000 3 %, –4,000 3.5 %, –5,000 4 %.
    // Long 100 @ 35 (PV 3,500): MM = 1,000·2 % + 1,000·2.5 % + 1,000·3 % + 500·3.5 % = 92.5
    // = 3,500 × 3.5 % − MMD_4, MMD_4 = 30.
    let xyz = table(
        "XYZUSDT",
        TierBasis::EntryValue,
        vec![
            tier(Some(dec!(1000)), dec!(0.02)),
            tier(Some(dec!(2000)), dec!(0.025)),
            tier(Some(dec!(3000)), dec!(0.03)),
            tier(Some(dec!(4000)), dec!(0.035)),
            tier(Some(dec!(5000)), dec!(0.04)),
        ],
    );
    assert_eq!(maintenance_amounts(&xyz.tiers)[3], dec!(30));
    let leg = binance::leg(
        &xyz,
        riskdeck::model::Settlement::Linear,
        dec!(100),
        Decimal::ONE,
        dec!(35),
        dec!(40),
    );
    assert_eq!(
        leg.maintenance_margin(dec!(40)),
        dec!(92.5),
        "entry value, not mark"
    );
}

#[test]
fn bybit_inverse_cross_by_hand() {
    // Q = 10,000 USD long at 20,000 (PV 0.5 BTC), available 0.1 BTC, MMR 0.5 %, fee 0.075 %.
    // BP = 1.00075 × 10,000 / (0.5 + 0.1) = 16,679.1666… → rounded up to 0.5: 16,679.5.
    // LP = Q / (Q/EP + available − Q/EP × MMR − Q × fee / BP)
    //    = 10,000 / (0.5 + 0.1 − 0.0025 − 7.5 / 16,679.5)
    let (lp, bp) = bybit::cross_inverse(
        Decimal::ONE,
        dec!(10000),
        dec!(20000),
        dec!(0.1),
        dec!(0.005),
        dec!(0.00075),
        Some(dec!(0.5)),
    )
    .unwrap();
    assert_eq!(bp, dec!(16679.5));
    assert_eq!(lp, dec!(10000) / (dec!(0.5975) - dec!(7.5) / dec!(16679.5)));
}

#[test]
fn deribit_published_size_scaled_margins() {
    let params = library().venue(Venue::Deribit).unwrap();
    let rule = |id: &str| params.size_scaled.iter().find(|r| r.id == id).unwrap();
    let btc = rule("BTC_USDC");
    // BTC @ 100,000, size 25: IM 2.125 % → 53,125 USDC; MM 1.125 % → 28,125 USDC.
    let (im, mm) = deribit::margin_rates(btc, dec!(25));
    assert_eq!(im * dec!(25) * dec!(100000), dec!(53125));
    assert_eq!(mm * dec!(25) * dec!(100000), dec!(28125));
    // size 350: IM 3.75 % = 13.125 BTC = 1,312,500 USDC.
    let (im, _) = deribit::margin_rates(btc, dec!(350));
    assert_eq!(im * dec!(350), dec!(13.125));
    assert_eq!(im * dec!(350) * dec!(100000), dec!(1312500));
    let sol = rule("SOL_USDC");
    // SOL @ 200, size 25: IM 4.0125 % = 200.625 USDC; MM 2.0125 % = 100.625 USDC.
    let (im, mm) = deribit::margin_rates(sol, dec!(25));
    assert_eq!(im * dec!(25) * dec!(200), dec!(200.625));
    assert_eq!(mm * dec!(25) * dec!(200), dec!(100.625));
    // size 6,000: IM 7 % = 420 SOL = 84,000 USDC.
    let (im, _) = deribit::margin_rates(sol, dec!(6000));
    assert_eq!(im * dec!(6000) * dec!(200), dec!(84000));
}

#[test]
fn deribit_short_option_margin_by_hand() {
    let rule = library()
        .venue(Venue::Deribit)
        .unwrap()
        .option_margin
        .as_ref()
        .unwrap();
    // Short call, strike 125,000, underlying 100,000, premium 1,000 USD (0.01 BTC):
    // OTM = 25 %, IM = max(0.15 − 0.25, 0.1) + 0.01 = 0.11; MM = 0.075 + 0.01 = 0.085.
    let (im, mm) = riskdeck::engine::margin::deribit::short_option_margin(
        rule,
        riskdeck::model::OptionRight::Call,
        dec!(125000),
        dec!(100000),
        dec!(1000),
    );
    assert_eq!((im, mm), (dec!(0.11), dec!(0.085)));
    // Short put, strike 95,000: OTM 5 %, IM = max(0.15 − 0.05, 0.1) + 0.01 = 0.11;
    // MM = max(0.075, 0.075 × 0.01) + 0.01 = 0.085.
    let (im, mm) = riskdeck::engine::margin::deribit::short_option_margin(
        rule,
        riskdeck::model::OptionRight::Put,
        dec!(95000),
        dec!(100000),
        dec!(1000),
    );
    assert_eq!((im, mm), (dec!(0.11), dec!(0.085)));
}

#[test]
fn hyperliquid_engine_matches_the_documented_formula() {
    let p = portfolio(
        r#"(label: "h", venue: Hyperliquid, margin_mode: Isolated,
            collateral: [(asset: "USDC", amount: "20000")],
            positions: [Perpetual(symbol: "SOL", underlying: "SOL", settlement: Linear,
                        size: "400", entry_price: "187.21", leverage: "5", isolated_margin: "14976.8")])"#,
        &[("SOL", "187.21"), ("USDC", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let sol = position(&report, "SOL");
    // SOL tier 1: 20x max → MMR = 1/(2·20) = 2.5 %; MM = 74,884 × 2.5 % = 1,872.1.
    assert_eq!(hyperliquid::maintenance_rate(dec!(20)), Some(dec!(0.025)));
    assert_eq!(sol.maintenance_margin, dec!(1872.1));
    // Docs: LP = price − side × (margin − MM) / size / (1 − l × side)
    //         = 187.21 − 13,104.7 / 400 / 0.975 = 153.6082…
    let documented = hyperliquid::liquidation_price(
        dec!(187.21),
        Decimal::ONE,
        dec!(14976.8) - dec!(1872.1),
        dec!(400),
        dec!(0.025),
    )
    .unwrap();
    let engine = sol.liquidation_price.unwrap();
    assert!(
        (engine - documented).abs() < dec!(0.0000000001),
        "{engine} vs {documented}"
    );
    // Same line solved the other way: (400 × 187.21 − 14,976.8) / (400 × 0.975) = 59,907.2 / 390.
    assert_eq!(engine, dec!(59907.2) / dec!(390));
}

#[test]
fn okx_engine_matches_the_derived_closed_form() {
    let p = portfolio(
        r#"(label: "o", venue: Okx, margin_mode: Isolated,
            collateral: [(asset: "USDT", amount: "5000")],
            positions: [Perpetual(symbol: "ADA-USDT-SWAP", underlying: "ADA", settlement: Linear,
                        size: "-700", contract_size: "100", entry_price: "0.6", leverage: "10")])"#,
        &[("ADA", "0.6"), ("USDT", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let ada = position(&report, "ADA-USDT-SWAP");
    // 700 contracts: tier 2 (501–1,000), MMR 1.5 %, fee 0.05 %. Isolated margin = 42,000 ×
    // 0.6 / 10 = 4,200. LP_short = (ctVal·n·EP + M) / (ctVal·n·(1 + MMR + f))
    //                            = (42,000 + 4,200) / (70,000 × 1.0155).
    let closed = okx::liquidation_price_linear(
        dec!(100),
        dec!(-700),
        dec!(0.6),
        dec!(4200),
        dec!(0.015),
        dec!(0.0005),
    )
    .unwrap();
    assert_eq!(closed, dec!(46200) / dec!(71085));
    assert_eq!(ada.liquidation_price, Some(closed));
    assert!(ada.approximate, "OKX formulas are derived");
}

#[test]
fn okx_inverse_and_dydx_closed_forms_by_hand() {
    // OKX coin-margined long: 100 contracts × 100 USD at 20,000 with 0.05 BTC margin, MMR 1 %,
    // fee 0 → LP = 10,000 × 1.01 / (0.05 + 0.5) = 18,363.63…
    let lp = okx::liquidation_price_inverse(
        dec!(100),
        dec!(100),
        dec!(20000),
        dec!(0.05),
        dec!(0.01),
        Decimal::ZERO,
    )
    .unwrap();
    assert_eq!(lp, dec!(10100) / dec!(0.55));
    // dYdX long 2 BTC at 50,000 with 10,000 USDC, MMF 3 %:
    // LP = (100,000 − 10,000) / (2 × 0.97) = 46,391.75…
    let p = portfolio(
        r#"(label: "d", venue: DydxV4, margin_mode: Isolated,
            collateral: [(asset: "USDC", amount: "10000")],
            positions: [Perpetual(symbol: "BTC-USD", underlying: "BTC", settlement: Linear,
                        size: "2", entry_price: "50000", leverage: "10", isolated_margin: "10000")])"#,
        &[("BTC", "50000"), ("USDC", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let expected = dec!(90000) / dec!(1.94);
    assert_eq!(
        dydx::liquidation_price(dec!(2), dec!(50000), dec!(10000), dec!(0.03)),
        Some(expected)
    );
    assert_eq!(
        position(&report, "BTC-USD").liquidation_price,
        Some(expected)
    );
}

#[test]
fn aave_published_health_factor() {
    // aave.com help: supply $10,000 of ETH with LT 80 %, borrow $6,000 GHO → HF 1.333.
    let p = portfolio(
        r#"(label: "a", venue: AaveV3, margin_mode: Cross, collateral: [],
            positions: [Supply(asset: "WETH", amount: "4"), Borrow(asset: "GHO", amount: "6000")],
            venue_parameters: (reserves: [(asset: "WETH", ltv: "0.75", liquidation_threshold: "0.8",
                liquidation_bonus: "1.05", source: "aave.com help example", as_of: "test")]))"#,
        &[("ETH", "2500"), ("GHO", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let hf = report.accounts[0].health_factor.unwrap();
    assert_eq!(hf, dec!(8000) / dec!(6000));
    assert_eq!(hf.round_dp(3), dec!(1.333));
    assert_eq!(
        aave::health_factor(&[(dec!(10000), dec!(0.8))], dec!(6000)),
        Some(hf)
    );
}

#[test]
fn aave_multi_collateral_by_hand() {
    let p = portfolio(
        r#"(label: "a", venue: AaveV3, margin_mode: Cross, collateral: [],
            positions: [Supply(asset: "WETH", amount: "10"), Supply(asset: "WBTC", amount: "1"),
                        Borrow(asset: "USDC", amount: "60000")])"#,
        &[("ETH", "4000"), ("BTC", "100000"), ("USDC", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let account = &report.accounts[0];
    // Bundled (Gauntlet 2023): WETH LT 86 %, LTV 82.5 %; WBTC LT 82 %, LTV 72 %.
    // HF = (40,000 × 0.86 + 100,000 × 0.82) / 60,000 = (34,400 + 82,000) / 60,000 = 1.94
    assert_eq!(account.health_factor, Some(dec!(1.94)));
    // Available borrows = 40,000 × 0.825 + 100,000 × 0.72 − 60,000 = 33,000 + 72,000 − 60,000.
    assert_eq!(account.available_borrows_usd, Some(dec!(45000)));
    // ETH price at HF = 1, BTC fixed: (60,000 − 82,000) / (10 × 0.86) < 0 → none.
    assert_eq!(position(&report, "WETH").liquidation_price, None);
    // BTC price at HF = 1, ETH fixed: (60,000 − 34,400) / (1 × 0.82) = 31,219.51…
    assert_eq!(
        position(&report, "WBTC").liquidation_price,
        Some(dec!(25600) / dec!(0.82))
    );
    // Uniform move: (1 + x) = 60,000 / 116,400 → x = −48.45 %.
    let expected = (60000.0 / 116_400.0 - 1.0) * 100.0;
    assert!((account.liquidation_move_pct.unwrap() - expected).abs() < 1e-9);
    // Close factor v3.3: HF 0.97 > 0.95 with both sides ≥ $2,000 → 50 % of total debt.
    let rule = CloseFactorRule {
        health_factor_threshold: dec!(0.95),
        partial_close_factor: dec!(0.5),
        min_reserve_usd: dec!(2000),
    };
    assert_eq!(
        aave::max_repay_usd(&rule, dec!(0.97), dec!(50000), dec!(60000), dec!(60000)),
        dec!(30000)
    );
    assert_eq!(
        aave::max_repay_usd(&rule, dec!(0.94), dec!(50000), dec!(60000), dec!(60000)),
        dec!(60000)
    );
    // Seized = 30,000 USDC × 1 / 4,000 × 1.052 = 7.89 WETH.
    assert_eq!(
        aave::collateral_seized(dec!(30000), Decimal::ONE, dec!(4000), dec!(1.052)),
        Some(dec!(7.89))
    );
    let _unused: Option<LendingReserve> = None;
}

#[test]
fn positions_without_prices_are_excluded_with_reasons() {
    let p = portfolio(
        r#"(label: "b", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "1000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "0.1", entry_price: "100000")])"#,
        &[],
    );
    let report = analyze_with_file_prices(&p);
    assert!(report.positions.is_empty());
    assert_eq!(report.excluded.len(), 1);
    assert_eq!(report.excluded[0].path, "accounts[0].positions[0]");
    assert!(
        report.excluded[0].reason.contains("no price for BTC"),
        "{:?}",
        report.excluded
    );
    assert!(
        report
            .assumptions
            .iter()
            .any(|a| a.contains("USDT valued at its peg"))
    );
}

#[test]
fn stand_in_tables_are_marked_approximate() {
    let p = portfolio(
        r#"(label: "b", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "1000")],
            positions: [Perpetual(symbol: "DOGEUSDT", underlying: "DOGE", settlement: Linear, size: "1000", entry_price: "0.2")])"#,
        &[("DOGE", "0.2")],
    );
    let report = analyze_with_file_prices(&p);
    let doge = position(&report, "DOGEUSDT");
    assert!(doge.approximate);
    assert!(
        doge.explanation()
            .iter()
            .any(|n| n.contains("BTCUSDT's table stands in"))
    );
}

#[test]
fn account_tier_tables_override_the_bundled_ones() {
    let p = portfolio(
        r#"(label: "b", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "10000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "1", entry_price: "100000")],
            venue_parameters: (tier_tables: [(id: "BTCUSDT VIP", symbols: ["BTCUSDT"], basis: Notional,
                tiers: [(cap: None, mmr: "0.01")], source: "my VIP agreement", as_of: "2026-01-01")]))"#,
        &[("BTC", "100000")],
    );
    let report = analyze_with_file_prices(&p);
    let btc = position(&report, "BTCUSDT");
    // 100,000 × 1 % − 0 = 1,000 (the bundled table would give 100,000 × 0.5 % − 50 = 450).
    assert_eq!(btc.maintenance_margin, dec!(1000));
    assert_eq!(
        btc.tier.as_ref().map(ToString::to_string).as_deref(),
        Some("BTCUSDT VIP tier 1 of 1")
    );
}

#[test]
fn hedged_book_warns_when_one_leg_is_close() {
    // 10 BTC held, 10 BTC short at 10x with little margin on Binance: net 0, gross 2 × 1M.
    let p = portfolio(
        r#"(label: "cold", venue: SpotWallet, margin_mode: Cross, collateral: [],
            positions: [Spot(asset: "BTC", amount: "10")]),
           (label: "short", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "100000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "-10", entry_price: "100000", leverage: "10")])"#,
        &[("BTC", "100000"), ("USDT", "1")],
    );
    // A history in which BTC rose 20 % (100 → 120) and, later, 12 % (120 → 134.4) within
    // 30 days: both further than the short's +9.4 % liquidating move.
    let mut closes = vec![100.0, 120.0];
    closes.extend(std::iter::repeat_n(120.0, 40));
    closes.push(134.4);
    let mut market = riskdeck::engine::MarketSnapshot::from_overrides(&p);
    market.daily_closes.insert("BTC".into(), closes.into());
    market.history_source = Some("test closes".into());
    let report = riskdeck::engine::analyze(&p, &market, library());
    assert_eq!(report.exposures[0].net_size, Decimal::ZERO);
    assert_eq!(report.totals.weakest_account.as_deref(), Some("short"));
    // Short 10 BTC, notional 1M (tier 3: 0.65 %, cum 950) with 100,000 USDT:
    // LP = (−950 + (−10)·100,000 − 100,000)/(−10 − 0.065) = 1,100,950 / 10.065 = 109,383.9 (+9.4 %).
    let lp = position(&report, "BTCUSDT").liquidation_price.unwrap();
    assert_eq!(lp, dec!(1100950) / dec!(10.065));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert!(warning.contains("\"short\""), "{warning}");
    assert!(warning.contains("+9.4 % move"), "{warning}");
    assert!(
        warning.contains("2 times in the test closes (largest +20.0 %)"),
        "{warning}"
    );
    // A history whose largest 30-day rise is 5 %: the leg is safe against it, no warning.
    let mut calm = market.clone();
    calm.daily_closes
        .insert("BTC".into(), vec![100.0, 105.0, 100.0].into());
    let report = riskdeck::engine::analyze(&p, &calm, library());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn every_sample_prices_every_position_it_can() {
    for file in crate::common::sample_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let p = parse_portfolio(&text).unwrap();
        let report = at_file_time(&p);
        let positions: usize = p.accounts.iter().map(|a| a.positions.len()).sum();
        let excluded = report
            .excluded
            .iter()
            .filter(|e| e.path.contains("positions"))
            .count();
        assert!(
            report.positions.len() + excluded >= positions,
            "{}",
            file.display()
        );
        assert_eq!(report.accounts.len(), p.accounts.len());
        assert!(
            report.totals.equity_usd > Decimal::ZERO,
            "{}",
            file.display()
        );
    }
}

#[test]
fn leverage_above_the_tier_maximum_is_a_validation_error() {
    // 100 BTC at 100,000 = 10,000,000 USDT: BTCUSDT tier 4 (3M–12M) allows 50x.
    let text = r#"(format_version: 1, name: "t", base_currency: USD, accounts: [
        (label: "b", venue: BinanceUsdm, margin_mode: Cross,
         collateral: [(asset: "USDT", amount: "1000000")],
         positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                     size: "100", entry_price: "100000", leverage: "75")])])"#;
    let problems = parse_portfolio(text).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "accounts[0].positions[0].leverage");
    assert!(
        problems[0].message.contains("at most 50x"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[0].message.contains("BTCUSDT tier 4 of 12"),
        "{}",
        problems[0].message
    );
}

#[test]
fn option_exposure_uses_the_published_delta() {
    // Deribit: short 10 BTC puts (delta -0.30 each, as a venue would publish) and a short
    // perpetual of 20,000 USD at 100,000 USD entry.
    let p = portfolio(
        r#"(label: "d", venue: Deribit, margin_mode: Cross,
            collateral: [(asset: "BTC", amount: "5")],
            positions: [
              Option(symbol: "BTC-26DEC25-95000-P", underlying: "BTC", right: Put,
                     strike: "95000", expiry: "2025-12-26", size: "-10", contract_size: "1",
                     settlement: Inverse),
              Perpetual(symbol: "BTC-PERPETUAL", underlying: "BTC", settlement: Inverse,
                        size: "-2000", contract_size: "10", entry_price: "100000"),
            ])"#,
        &[("BTC", "100000"), ("BTC-26DEC25-95000-P", "2500")],
    );
    let mut market = riskdeck::engine::MarketSnapshot::from_overrides(&p);
    let without = riskdeck::engine::analyze(&p, &market, library());
    assert!(
        without
            .excluded
            .iter()
            .any(|e| e.path == "accounts[0].positions[0]"),
        "no delta: left out"
    );
    market.option_delta.insert(
        riskdeck::model::InstrumentKey::contract(Venue::Deribit, "BTC-26DEC25-95000-P"),
        (dec!(-0.30), "Deribit"),
    );
    let with = riskdeck::engine::analyze(&p, &market, library());
    let btc = with
        .exposures
        .iter()
        .find(|e| e.underlying == "BTC")
        .unwrap();
    // By hand: collateral 5 BTC
    //   + short puts: -10 × 1 × (-0.30) = +3 BTC
    //   + perpetual: -2000 × 10 USD / 100,000 USD = -0.2 BTC
    //   = 7.8 BTC net.
    assert_eq!(btc.net_size, dec!(7.8));
    assert!(
        with.assumptions
            .iter()
            .any(|a| a.contains("deltas Deribit"))
    );
    assert!(
        !with
            .excluded
            .iter()
            .any(|e| e.path == "accounts[0].positions[0]" && e.reason.contains("exposure"))
    );
}

/// A portfolio big enough for the two-thread pass (every sample's accounts, repeated until
/// there are at least 200 positions) gives exactly what each account gives on its own, in
/// file order.
#[test]
fn the_parallel_pass_matches_account_by_account() {
    let mut big: Option<Portfolio> = None;
    for name in [
        "leveraged-long",
        "basis-trade",
        "options-book",
        "retail-alts",
    ] {
        let text = std::fs::read_to_string(format!("portfolios/{name}.ron")).unwrap();
        let sample = parse_portfolio(&text).unwrap();
        match &mut big {
            None => big = Some(sample),
            Some(big) => {
                big.accounts.extend(sample.accounts);
                big.price_overrides.extend(sample.price_overrides);
            }
        }
    }
    let mut big = big.unwrap();
    let base = big.accounts.clone();
    while big
        .accounts
        .iter()
        .map(|a| a.positions.len())
        .sum::<usize>()
        < 200
    {
        big.accounts.extend(base.iter().cloned());
    }
    let together = at_file_time(&big);
    assert_eq!(together.accounts.len(), big.accounts.len());
    let mut positions = together.positions.iter();
    for (index, account) in big.accounts.iter().enumerate() {
        let mut alone = big.clone();
        alone.accounts = vec![account.clone()];
        let report = at_file_time(&alone);
        let joint = &together.accounts[index];
        assert_eq!(joint.index, index);
        assert_eq!(joint.label, report.accounts[0].label);
        assert_eq!(joint.equity_usd, report.accounts[0].equity_usd);
        assert_eq!(
            joint.maintenance_margin_usd,
            report.accounts[0].maintenance_margin_usd
        );
        assert_eq!(
            joint.liquidation_move_pct,
            report.accounts[0].liquidation_move_pct
        );
        for single in &report.positions {
            let joint = positions.next().unwrap();
            assert_eq!(joint.account_index, index);
            assert_eq!(joint.position_index, single.position_index);
            assert_eq!(joint.liquidation_price, single.liquidation_price);
            assert_eq!(joint.maintenance_margin, single.maintenance_margin);
            assert_eq!(joint.unrealized_pnl, single.unrealized_pnl);
        }
    }
    assert!(positions.next().is_none());
}

/// Hyperliquid's "SOL" perpetual and the SOL coin are different prices: the position takes the
/// perpetual's mark (keyed as SOL at Hyperliquid), the coin keeps its own; a manual "SOL" in
/// the file names both and wins.
#[test]
fn a_hyperliquid_perp_named_like_its_coin_takes_its_own_mark() {
    use riskdeck::engine::market::{PriceSource, Quote};
    use riskdeck::engine::{MarketSnapshot, analyze};
    use riskdeck::market::{PriceKind, Source};
    use riskdeck::model::InstrumentKey;
    let accounts = r#"(label: "h", venue: Hyperliquid, margin_mode: Cross,
            collateral: [(asset: "USDC", amount: "20000")],
            positions: [Perpetual(symbol: "SOL", underlying: "SOL", settlement: Linear,
                        size: "10", entry_price: "187.21", leverage: "5")])"#;
    let quote = |price: Decimal, source: Source| Quote {
        price_usd: price,
        source: PriceSource::Market {
            source,
            kind: PriceKind::Mark,
            venue_time_ms: None,
            fetched_at_ms: 0,
        },
    };
    let mut market = MarketSnapshot::default();
    market.prices.insert(
        InstrumentKey::coin("SOL"),
        quote(dec!(187.21), Source::BinanceSpot),
    );
    market.prices.insert(
        InstrumentKey::contract(Venue::Hyperliquid, "SOL"),
        quote(dec!(187.3), Source::Hyperliquid),
    );
    let live = analyze(&portfolio(accounts, &[]), &market, library());
    let sol = position(&live, "SOL");
    assert_eq!(sol.mark_price, dec!(187.3));
    assert!(sol.price_via.is_none());
    // uPnL = 10 × (187.3 − 187.21) = 0.9 USDC.
    assert_eq!(sol.unrealized_pnl, dec!(0.9));

    // The file's manual SOL replaces the coin's market price, as the board does.
    let file = portfolio(accounts, &[("SOL", "190")]);
    let mut manual = MarketSnapshot::from_overrides(&file);
    for (key, quote) in market.prices {
        manual.prices.entry(key).or_insert(quote);
    }
    let report = analyze(&file, &manual, library());
    assert_eq!(position(&report, "SOL").mark_price, dec!(190));
}

/// The issue's case: long 10 BTC bought at 109,608 with BTC at 100,000 and 12,000 USDT of
/// wallet. uPnL = 10 × (100,000 − 109,608) = −96,080, so equity = 12,000 − 96,080 = −84,080:
/// at or below any maintenance margin. Before, it read "leverage −11.89, liquidated by a
/// +9.02 % move".
#[test]
fn an_account_past_its_maintenance_margin_is_liquidated_not_a_move_away() {
    let p = portfolio(
        r#"(label: "under water", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "12000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                        size: "10", entry_price: "109608", leverage: "10")])"#,
        &[("BTC", "100000"), ("USDT", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let account = &report.accounts[0];
    assert_eq!(account.equity_usd, dec!(-84080));
    assert!(account.liquidated, "equity ≤ MM");
    assert_eq!(
        account.liquidation_move_pct, None,
        "no move: it is already liquidated"
    );
    assert_eq!(
        account.leverage, None,
        "no leverage a reader could take as healthy"
    );
    assert_eq!(account.margin_ratio, None);
    let btc = position(&report, "BTCUSDT");
    assert!(btc.liquidated);
    assert_eq!(btc.distance_to_liquidation_pct, None);
    // The mark is below the liquidation price: a long past it.
    assert!(btc.mark_price <= btc.liquidation_price.unwrap());
    assert_eq!(report.totals.accounts_liquidated, 1);
    assert_eq!(report.totals.positions_liquidated, 1);
    assert_eq!(report.totals.weakest_account, None);
    // The report says so in words.
    let text = riskdeck::present::Report::with_analysis(
        "t.ron",
        &p,
        &report,
        &riskdeck::pricing::Valuation::now(0),
    )
    .to_text();
    assert!(
        text.contains("LIQUIDATED (equity at or below maintenance margin)"),
        "{text}"
    );
    assert!(text.contains("leverage none (equity ≤ 0)"), "{text}");
    assert!(!text.contains("liquidated by a +"), "{text}");

    // A short past its liquidation price in isolated mode: the position and its account.
    let p = portfolio(
        r#"(label: "iso", venue: BinanceUsdm, margin_mode: Isolated,
            collateral: [(asset: "USDT", amount: "50000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                        size: "-1", entry_price: "100000", leverage: "20")])"#,
        &[("BTC", "120000"), ("USDT", "1")],
    );
    let report = analyze_with_file_prices(&p);
    let btc = position(&report, "BTCUSDT");
    // Isolated margin 100,000 / 20 = 5,000: a short liquidates near +5 %, far below 120,000.
    assert!(btc.liquidation_price.unwrap() < dec!(106000));
    assert!(btc.liquidated);
    assert!(report.accounts[0].liquidated);
    assert_eq!(report.accounts[0].liquidation_move_pct, None);
}

/// One usage figure for every venue: maintenance margin ÷ equity. On the leveraged-long
/// sample: OKX's own ratio is equity ÷ MM, so usage × ratio = 1; Aave's usage is 1 / HF;
/// the isolated Hyperliquid account's usage is its worst position's, named, and that
/// position's is MM ÷ (isolated margin + uPnL).
#[test]
fn maintenance_usage_is_one_definition_at_every_venue() {
    let text = std::fs::read_to_string("portfolios/leveraged-long.ron").unwrap();
    let p = parse_portfolio(&text).unwrap();
    let report = at_file_time(&p);
    let account = |label: &str| report.accounts.iter().find(|a| a.label == label).unwrap();
    for a in &report.accounts {
        let usage = a
            .maintenance_usage
            .expect("every sample account has equity");
        assert!(
            usage >= Decimal::ZERO && usage < Decimal::ONE,
            "{}: {usage}",
            a.label
        );
    }
    let okx = account("OKX swap");
    let product = okx.maintenance_usage.unwrap() * okx.margin_ratio.unwrap();
    assert!(
        (product - Decimal::ONE).abs() < dec!(0.0000001),
        "{product}"
    );
    let binance = account("Binance cross");
    assert_eq!(
        binance.maintenance_usage, binance.margin_ratio,
        "MM ÷ margin balance"
    );
    assert_eq!(
        binance.maintenance_usage,
        binance
            .maintenance_margin_usd
            .checked_div(binance.equity_usd)
    );
    let aave = account("Aave loop");
    assert_eq!(
        aave.maintenance_usage,
        Decimal::ONE.checked_div(aave.health_factor.unwrap())
    );
    let hl = account("Hyperliquid SOL");
    assert_eq!(hl.maintenance_usage_of.as_deref(), Some("SOL"));
    let sol = position(&report, "SOL");
    assert_eq!(hl.maintenance_usage, sol.maintenance_usage);
    let isolated_margin = sol.initial_margin;
    assert_eq!(
        sol.maintenance_usage,
        sol.maintenance_margin
            .checked_div(isolated_margin + sol.unrealized_pnl),
        "MM ÷ (isolated margin + uPnL)"
    );
}

/// 50,000 of isolated margin on a 1,000 USDC wallet: the margin does not exist, so the file is
/// invalid, at the isolated margin that goes over. And a cross account whose initial margin
/// exceeds its equity is warned about.
#[test]
fn over_committed_accounts_are_an_error_or_a_warning() {
    let text = r#"(format_version: 1, name: "t", base_currency: USD, accounts: [
        (label: "iso", venue: Hyperliquid, margin_mode: Isolated,
         collateral: [(asset: "USDC", amount: "1000")],
         positions: [Perpetual(symbol: "SOL", underlying: "SOL", settlement: Linear,
                     size: "100", entry_price: "187", isolated_margin: "50000")])])"#;
    let problems = parse_portfolio(text).unwrap_err();
    let problem = problems
        .iter()
        .find(|p| p.path == "accounts[0].positions[0].isolated_margin")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(
        problem.message.contains("more than the 1000 it holds"),
        "{}",
        problem.message
    );
    assert!(problem.line > 1 && problem.col > 1, "{problem:?}");

    // Cross: 1 BTC at 100,000 at 2x needs 50,000 of initial margin on a 20,000 wallet.
    let p = portfolio(
        r#"(label: "thin", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "20000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear,
                        size: "1", entry_price: "100000", leverage: "2")])"#,
        &[("BTC", "100000"), ("USDT", "1")],
    );
    // IM = 100,000 / 2 = 50,000 > equity 20,000.
    let report = analyze_with_file_prices(&p);
    assert_eq!(report.accounts[0].initial_margin_usd, dec!(50000));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.starts_with("Over-committed: \"thin\" needs 50000")),
        "{:?}",
        report.warnings
    );
}

/// Binance COIN-M margins each coin's contracts with that coin alone: an ADA inverse long on
/// an account holding only XRP is margined by nothing. It is flagged, and the account shows
/// its weakest pool (that one, liquidated), not a blend of XRP and ADA that looked a +0.4 %
/// move from liquidation.
#[test]
fn an_empty_coin_pool_is_flagged_and_the_account_is_as_weak_as_it() {
    let text = std::fs::read_to_string("portfolios/retail-alts.ron").unwrap();
    let ada_collateral = "                (\n                    asset: \"ADA\",\n                    amount: \"4000\",\n                ),\n";
    assert!(text.contains(ada_collateral));
    let p = parse_portfolio(&text.replacen(ada_collateral, "", 1)).unwrap();
    let report = at_file_time(&p);
    let warning = report
        .warnings
        .iter()
        .find(|w| w.starts_with("Empty coin pool"))
        .unwrap_or_else(|| panic!("{:?}", report.warnings));
    assert!(warning.contains("no ADA collateral"), "{warning}");
    assert!(warning.contains("ADAUSD_PERP"), "{warning}");
    let coinm = report
        .accounts
        .iter()
        .find(|a| a.label == "Binance COIN-M")
        .unwrap();
    let ada = position(&report, "ADAUSD_PERP");
    // With no ADA, the pool's equity is the position's own PnL: at or below its MM.
    assert!(ada.liquidated, "{ada:?}");
    assert!(coinm.liquidated);
    assert_eq!(
        coinm.liquidation_move_pct, None,
        "not a small move away: liquidated"
    );
    // The untouched sample has ADA collateral: no such warning.
    let whole = at_file_time(&parse_portfolio(&text).unwrap());
    assert!(
        !whole
            .warnings
            .iter()
            .any(|w| w.starts_with("Empty coin pool"))
    );
}

/// An inverse perpetual's USD notional is its face value, contracts × contract size, whatever
/// the mark; a mark far from its underlying (a bad feed: BTCUSD_PERP at 1e-8) is refused with
/// the reason instead of yielding a margin ratio of millions.
#[test]
fn inverse_notional_is_the_face_value_and_an_absurd_mark_is_refused() {
    let account = |mark: &str| {
        portfolio(
            r#"(label: "Coin-M", venue: BinanceCoinm, margin_mode: Cross,
                collateral: [(asset: "BTC", amount: "1")],
                positions: [Perpetual(symbol: "BTCUSD_PERP", underlying: "BTC",
                  settlement: Inverse, size: "100", contract_size: "100",
                  entry_price: "100000", leverage: "10")])"#,
            &[("BTC", "100000"), ("BTCUSD_PERP", mark)],
        )
    };
    // 100 contracts × 100 USD = 10,000 USD of face value, at a mark of 100,000 or 105,000.
    for mark in ["100000", "105000"] {
        let report = analyze_with_file_prices(&account(mark));
        let leg = position(&report, "BTCUSD_PERP");
        assert_eq!(leg.notional_usd, Decimal::from(10_000), "mark {mark}");
    }
    let report = analyze_with_file_prices(&account("0.00000001"));
    assert!(report.positions.iter().all(|p| &*p.symbol != "BTCUSD_PERP"));
    let excluded = &report.excluded[0];
    assert_eq!(excluded.path, "accounts[0].positions[0]");
    assert!(
        excluded.reason.contains("implausible"),
        "{}",
        excluded.reason
    );
    assert!(
        report.accounts[0]
            .margin_ratio
            .is_none_or(|r| r < Decimal::ONE),
        "no margin ratio of millions: {:?}",
        report.accounts[0].margin_ratio
    );
}

/// Aave v3.3's close factor compares the collateral reserve being seized and the debt reserve
/// being repaid with 2,000 USD each, not the total supplied. Two collateral reserves of about
/// 1,500 USD and 2,500 USD of USDC debt at HF 0.97: each reserve is under 2,000, so the whole
/// 2,500 of debt may be repaid in one call (the old rule compared 2,886 supplied and said 1,250).
#[test]
fn aave_close_factor_is_per_reserve_and_the_call_seizes_collateral_with_the_bonus() {
    let book = |weth: &str, wbtc: &str| {
        portfolio(
            &format!(
                r#"(label: "a", venue: AaveV3, margin_mode: Cross, collateral: [],
                positions: [Supply(asset: "WETH", amount: "{weth}"), Supply(asset: "WBTC", amount: "{wbtc}"),
                    Borrow(asset: "USDC", amount: "2500")])"#
            ),
            &[("ETH", "1000"), ("BTC", "100000"), ("USDC", "1")],
        )
    };
    // WETH 1.45 × 1,000 = 1,450 USD (LT 0.86 → 1,247); WBTC 0.01436 × 100,000 = 1,436 USD
    // (LT 0.82 → 1,177.52); HF = 2,424.52 / 2,500 = 0.969808 (assets/venues/aave_v3.ron).
    let report = analyze_with_file_prices(&book("1.45", "0.01436"));
    let account = &report.accounts[0];
    assert_eq!(
        account.health_factor.map(|h| h.round_dp(6)),
        Some(Decimal::new(969_808, 6))
    );
    let call = account.liquidation_call.as_ref().expect("a call");
    assert_eq!(call.max_liquidatable_debt_usd, Decimal::from(2_500));
    // The largest call seizes the larger reserve, WETH: 1,450 / 1.052 = 1,378.33 USD of debt
    // repaid takes all 1,450 USD of it (1,378.33 × 1.052).
    assert_eq!(call.debt_asset, "USDC");
    assert!(
        call.collateral_asset.contains("ETH"),
        "{}",
        call.collateral_asset
    );
    assert_eq!(call.debt_repaid_usd.round_dp(2), Decimal::new(137_833, 2));
    assert_eq!(call.collateral_seized_usd.round_dp(6), Decimal::from(1_450));
    assert_eq!(
        call.protocol_fee_usd, None,
        "no fee in the bundled parameters"
    );
    // With both collateral reserves at 2,000 USD or more (WETH 3,000, WBTC 2,500) and 2,500
    // of debt at HF > 0.95, the partial rule holds for every pair: at most 50 % of the total
    // debt, 1,250. HF = (3,000 × 0.86 + 2,500 × 0.82) / 2,500 = 1.852: not liquidatable now;
    // the call is what it would be. (With WBTC at 1,436 a liquidator could pick that reserve,
    // under 2,000, and repay more: the rule is per pair.)
    let report = analyze_with_file_prices(&book("3", "0.025"));
    let call = report.accounts[0].liquidation_call.as_ref().unwrap();
    assert_eq!(call.max_liquidatable_debt_usd, Decimal::from(1_250));
    assert_eq!(call.debt_repaid_usd, Decimal::from(1_250));
    // 1,250 × 1.052 = 1,315 USD of WETH seized.
    assert_eq!(call.collateral_seized_usd, Decimal::from(1_315));
    // The JSON carries it.
    let json = serde_json::to_value(riskdeck::present::Report::with_analysis(
        "a.ron",
        &book("1.45", "0.01436"),
        &analyze_with_file_prices(&book("1.45", "0.01436")),
        &riskdeck::pricing::Valuation::now(0),
    ))
    .unwrap();
    assert_eq!(json["accounts"][0]["max_liquidatable_debt_usd"], 2500.0);
    assert_eq!(
        json["accounts"][0]["liquidation_call"]["debt_asset"],
        "USDC"
    );
}

/// A tier table in a file may give each tier's maintenance amount as the venue publishes it
/// (Binance's `cum`, venue-margin.md §1.1, BTCUSDT snapshot 2024-10-24): it is used, after a
/// check that it keeps MM continuous; an amount that makes MM jump is an error at its path.
#[test]
fn published_maintenance_amounts_are_used_and_checked_for_continuity() {
    let book = |cum3: &str| {
        format!(
            r#"(label: "b", venue: BinanceUsdm, margin_mode: Cross,
            collateral: [(asset: "USDT", amount: "1000000")],
            positions: [Perpetual(symbol: "BTCUSDT", underlying: "BTC", settlement: Linear, size: "10", entry_price: "100000")],
            venue_parameters: (tier_tables: [(id: "BTCUSDT published", symbols: ["BTCUSDT"], basis: Notional,
                tiers: [
                    (cap: "50000", mmr: "0.004", maintenance_amount: "0"),
                    (cap: "600000", mmr: "0.005", maintenance_amount: "50"),
                    (cap: "3000000", mmr: "0.0065", maintenance_amount: "{cum3}"),
                    (cap: None, mmr: "0.01"),
                ], source: "leverageBracket 2024-10-24", as_of: "2024-10-24")]))"#
        )
    };
    // 10 BTC × 100,000 = 1,000,000 of notional, tier 3: MM = 1,000,000 × 0.65 % − 950 = 5,550.
    let p = portfolio(&book("950"), &[("BTC", "100000")]);
    let report = analyze_with_file_prices(&p);
    assert_eq!(position(&report, "BTCUSDT").maintenance_margin, dec!(5550));
    // A published amount a unit off (venues round) is accepted and used as given: 5,549.
    let p = portfolio(&book("951"), &[("BTC", "100000")]);
    let report = analyze_with_file_prices(&p);
    assert_eq!(position(&report, "BTCUSDT").maintenance_margin, dec!(5549));
    // 1,950 would make MM jump by 1,000 at 600,000: refused with the continuous value.
    let text = format!(
        "(format_version: 1, name: \"t\", base_currency: USD, accounts: [{}], \
         price_overrides: [(symbol: \"BTC\", price_usd: \"100000\")])",
        book("1950")
    );
    let problems = parse_portfolio(&text).unwrap_err();
    let problem = &problems[0];
    assert_eq!(problem.path, "accounts[0].venue_parameters.tier_tables[0]");
    assert!(
        problem.message.contains("tier 3: maintenance_amount 1950")
            && problem.message.contains("continuity needs 950"),
        "{}",
        problem.message
    );
}

/// The protocol's cut of the bonus, when a reserve gives its `liquidation_protocol_fee`:
/// fee = (seized − seized / bonus) × fee rate (venue-margin.md §7).
#[test]
fn aave_liquidation_call_deducts_the_protocol_fee_when_the_reserve_gives_it() {
    let p = portfolio(
        r#"(label: "a", venue: AaveV3, margin_mode: Cross, collateral: [],
            positions: [Supply(asset: "WETH", amount: "1.45"), Borrow(asset: "USDC", amount: "2500")],
            venue_parameters: (reserves: [(asset: "WETH", ltv: "0.825", liquidation_threshold: "0.86",
                liquidation_bonus: "1.052", liquidation_protocol_fee: "0.1",
                source: "test", as_of: "2025-10-31")]))"#,
        &[("ETH", "1000"), ("USDC", "1")],
    );
    // HF = 1,450 × 0.86 / 2,500 = 0.4988: below 0.95, so the whole 2,500 may be repaid, but
    // the 1,450 USD of WETH covers only 1,450 / 1.052 = 1,378.33 of it. Seized 1,450; the
    // bonus part 1,450 − 1,378.33 = 71.67, of which 10 % = 7.17 goes to the protocol.
    let report = analyze_with_file_prices(&p);
    let call = report.accounts[0].liquidation_call.as_ref().unwrap();
    assert_eq!(call.max_liquidatable_debt_usd, dec!(2500));
    assert_eq!(call.collateral_seized_usd.round_dp(6), dec!(1450));
    let fee = call.protocol_fee_usd.unwrap();
    assert_eq!(fee.round_dp(2), dec!(7.17));
    assert!(
        report.accounts[0]
            .notes
            .iter()
            .any(|n| n.contains("of which 7.17 USD is the protocol's fee")),
        "{:?}",
        report.accounts[0].notes
    );
}
