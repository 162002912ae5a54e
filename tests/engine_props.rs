//! Invariants of the liquidation solver, checked on random positions (proptest).

use crate::oracles::binance;
use proptest::prelude::*;
use riskdeck::engine::margin::leg::FastTiers;
use riskdeck::model::Settlement;
use riskdeck::model::Venue;
use riskdeck::model::params::{TierTable, library};
use rust_decimal::Decimal;

fn btcusdt() -> &'static TierTable {
    &library().venue(Venue::BinanceUsdm).unwrap().tier_tables[0]
}

fn bybit_btc() -> &'static TierTable {
    &library().venue(Venue::BybitLinear).unwrap().tier_tables[0]
}

fn coinm_btc() -> &'static TierTable {
    &library().venue(Venue::BinanceCoinm).unwrap().tier_tables[0]
}

/// A price between 1,000.00 and 200,000.00 with cent precision.
fn price() -> impl Strategy<Value = Decimal> {
    (100_000i64..20_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

/// A size between 0.001 and 2,000 coins, either sign.
fn size() -> impl Strategy<Value = Decimal> {
    (1i64..2_000_000, any::<bool>()).prop_map(|(milli, short)| {
        let size = Decimal::new(milli, 3);
        if short { -size } else { size }
    })
}

/// Leverage 1x .. 100x in steps of 0.5.
fn leverage() -> impl Strategy<Value = Decimal> {
    (2i64..200).prop_map(|halves| Decimal::new(halves * 5, 1))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// At the liquidation price, margin balance equals maintenance margin (linear, tiered,
    /// isolated or cross with other positions' MM and PnL), to far below one cent.
    #[test]
    fn linear_margin_ratio_is_one_at_the_liquidation_price(
        entry in price(), size in size(), lev in leverage(),
        other_mm in 0i64..100_000, other_upnl in -50_000i64..50_000,
    ) {
        let table = btcusdt();
        let leg = binance::leg(table, Settlement::Linear, size, Decimal::ONE, entry, entry);
        let wallet = (size.abs() * entry / lev).round_dp(2) + Decimal::from(other_mm);
        let (other_mm, other_upnl) = (Decimal::from(other_mm), Decimal::from(other_upnl));
        if let Some(lp) = leg.solve_price(wallet + other_upnl, other_mm, true) {
            let equity = wallet + other_upnl + leg.upnl(lp);
            let maintenance = other_mm + leg.maintenance_margin(lp);
            // One tick of 0.01 on the price moves equity by |size| × 0.01.
            let tick_value = size.abs() * Decimal::new(1, 2);
            prop_assert!((equity - maintenance).abs() <= tick_value,
                "equity {equity} vs MM {maintenance} at {lp}");
        }
    }

    /// The same for inverse contracts margined in the coin (Binance COIN-M).
    #[test]
    fn inverse_margin_ratio_is_one_at_the_liquidation_price(
        entry in price(), contracts in 1i64..50_000, short in any::<bool>(), lev in leverage(),
    ) {
        let table = coinm_btc();
        let signed = if short { -Decimal::from(contracts) } else { Decimal::from(contracts) };
        let leg = binance::leg(table, Settlement::Inverse, signed, Decimal::ONE_HUNDRED, entry, entry);
        let wallet = leg.notional(entry) / lev;
        if let Some(lp) = leg.solve_price(wallet, Decimal::ZERO, true) {
            let equity = wallet + leg.upnl(lp);
            let maintenance = leg.maintenance_margin(lp);
            let tolerance = leg.notional(lp) * Decimal::new(1, 8);
            prop_assert!((equity - maintenance).abs() <= tolerance,
                "equity {equity} vs MM {maintenance} at {lp}");
        }
    }

    /// More leverage (less isolated margin) never moves the liquidation price away from the
    /// mark: for a long it never falls, for a short it never rises.
    #[test]
    fn more_leverage_moves_the_liquidation_price_toward_the_mark(
        entry in price(), size in size(), low in leverage(), high in leverage(),
    ) {
        let (low, high) = if low <= high { (low, high) } else { (high, low) };
        let table = btcusdt();
        let leg = binance::leg(table, Settlement::Linear, size, Decimal::ONE, entry, entry);
        let lp = |lev: Decimal| leg.solve_price(size.abs() * entry / lev, Decimal::ZERO, true);
        match (lp(low), lp(high)) {
            // Signed: a long's liquidation price only rises with leverage, a short's only
            // falls (past the mark when the margin no longer covers maintenance).
            (Some(far), Some(near)) => {
                let toward = if size.is_sign_positive() { near >= far } else { near <= far };
                prop_assert!(toward, "{low}x → {far}, {high}x → {near}");
            }
            // A long with little leverage may have no liquidation price at all ("--").
            (None, _) => prop_assert!(size.is_sign_positive() || low >= Decimal::ONE),
            (Some(_), None) => prop_assert!(false, "higher leverage lost its liquidation price"),
        }
    }

    /// Bybit isolated: a long and a short of the same size, entry and leverage liquidate the
    /// same distance from entry (the MM is fixed on the entry value).
    #[test]
    fn bybit_long_and_short_are_symmetric(entry in price(), milli in 1i64..200_000, lev in leverage()) {
        let qty = Decimal::new(milli, 3);
        let table = bybit_btc();
        let long = binance::leg(table, Settlement::Linear, qty, Decimal::ONE, entry, entry);
        let short = binance::leg(table, Settlement::Linear, -qty, Decimal::ONE, entry, entry);
        let margin = qty * entry / lev;
        let (Some(lp_long), Some(lp_short)) = (
            long.solve_price(margin, Decimal::ZERO, true),
            short.solve_price(margin, Decimal::ZERO, true),
        ) else {
            return Ok(());
        };
        // Equal up to Decimal's last of 28 significant digits.
        prop_assert!(((entry - lp_long) - (lp_short - entry)).abs() <= Decimal::new(1, 18));
    }

    /// Decimal exactness: Bybit's published isolated formula, evaluated in Decimal by hand,
    /// equals the solver's answer to 18 decimal places (a float round trip would lose it
    /// after about 16 significant digits).
    #[test]
    fn bybit_liquidation_price_is_exact(entry in price(), milli in 1i64..200_000, lev in leverage()) {
        let qty = Decimal::new(milli, 3);
        let table = bybit_btc();
        let leg = binance::leg(table, Settlement::Linear, qty, Decimal::ONE, entry, entry);
        let pv = qty * entry;
        let im = pv / lev;
        // PV ≤ 2,000,000 stays in tier 1 (0.5 %, MMD 0); beyond, the last tier is used anyway.
        let mm = pv * Decimal::new(5, 3);
        let published = entry - (im - mm) / qty;
        if published > Decimal::ZERO {
            let solved = leg.solve_price(im, Decimal::ZERO, true).unwrap();
            prop_assert!((solved - published).abs() <= Decimal::new(1, 18), "{solved} vs {published}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Starting the exact search where an `f64` solve lands never changes the answer: the
    /// guided solve equals the plain one on every tier of the linear and inverse tables,
    /// including well-funded cross legs whose liquidation price lies tiers away from the mark.
    #[test]
    fn the_f64_tier_guess_never_changes_the_liquidation_price(
        entry in price(), mark in price(), size in size(), contracts in 1i64..50_000,
        budget in -2_000_000i64..20_000_000, coin_budget in -20i64..400,
    ) {
        let linear = binance::leg(btcusdt(), Settlement::Linear, size, Decimal::ONE, entry, mark);
        let fast = FastTiers::of(&linear.rule);
        prop_assert!(fast.is_some());
        let budget = Decimal::from(budget);
        prop_assert_eq!(
            linear.solve_price_with(budget, Decimal::ZERO, fast.as_ref()),
            linear.solve_price(budget, Decimal::ZERO, true)
        );
        let signed = if size.is_sign_negative() { -Decimal::from(contracts) } else { Decimal::from(contracts) };
        let inverse = binance::leg(coinm_btc(), Settlement::Inverse, signed, Decimal::ONE_HUNDRED, entry, mark);
        let fast = FastTiers::of(&inverse.rule);
        let coin_budget = Decimal::from(coin_budget);
        prop_assert_eq!(
            inverse.solve_price_with(coin_budget, Decimal::ZERO, fast.as_ref()),
            inverse.solve_price(coin_budget, Decimal::ZERO, true)
        );
    }

    /// When the solver finds no liquidation price (it stops after the first tier's line has no
    /// positive root), equity minus maintenance margin really keeps one sign: checked on a
    /// grid from 1 % to 100× the entry, across every tier of the table.
    #[test]
    fn no_liquidation_price_means_the_margin_never_runs_out(
        entry in price(), size in size(), budget in -2_000_000i64..20_000_000,
    ) {
        let leg = binance::leg(btcusdt(), Settlement::Linear, size, Decimal::ONE, entry, entry);
        let budget = Decimal::from(budget);
        if leg.solve_price(budget, Decimal::ZERO, true).is_none() {
            let surplus = |p: Decimal| budget + leg.upnl(p) - leg.maintenance_margin(p);
            let first = surplus(entry / Decimal::ONE_HUNDRED);
            for step in 1..=200i64 {
                // Prices from 0.01 × entry to 100 × entry, geometrically spaced (×1.0471).
                let factor = Decimal::try_from(1.047_128_548_050_9_f64.powi(i32::try_from(step).unwrap())).unwrap();
                let p = entry / Decimal::ONE_HUNDRED * factor;
                prop_assert_eq!(surplus(p).is_sign_negative(), first.is_sign_negative(),
                    "sign changes at {} (budget {}, size {})", p, budget, size);
            }
        }
    }
}
