//! Black-76 option values and Greeks on the forward (issue 12, first part: the pure model).
//!
//! ```text
//! d1 = (ln(F/K) + σ²T/2) / (σ√T),  d2 = d1 − σ√T
//! call = F·N(d1) − K·N(d2),  put = K·N(−d2) − F·N(−d1)          (no discounting: r = 0)
//! delta_call = N(d1), delta_put = N(d1) − 1,  gamma = φ(d1) / (F σ √T)
//! vega = F φ(d1) √T (per 1.00 of volatility),  theta = −F φ(d1) σ / (2√T) (per year)
//! ```
//! (Black, "The pricing of commodity contracts", J. Financial Economics 3, 1976; crypto
//! venues value options on the forward with no discounting — OKX `opt-summary` publishes
//! `fwdPx` and these Black-Scholes Greeks, `deltaBS` … `thetaBS`, which the tests reproduce.)
//!
//! Coin-settled (inverse) options, such as Deribit's BTC and ETH options, are quoted in the
//! coin: `value_coin = value_usd / F`, and their delta in coin terms nets the premium's own
//! coin exposure: `delta_coin = delta − value_usd / F` (Deribit's and OKX's premium-adjusted
//! delta). Statistics, so `f64`; money stays `Decimal` in the engine around it.

use crate::model::OptionRight;

/// Years of 365 days per millisecond: the venues' time-to-expiry convention.
const YEAR_MS: f64 = 365.0 * 86_400_000.0;

/// Time to expiry in years of 365 days from `valued_at_ms` to `expiry_ms` (never negative).
pub fn years_to_expiry(valued_at_ms: i64, expiry_ms: i64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "milliseconds to years: a statistic's input, exact to far below a second"
    )]
    let ms = (expiry_ms.saturating_sub(valued_at_ms)).max(0) as f64;
    ms / YEAR_MS
}

/// The standard normal density.
pub fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function, from the complementary error function
/// (`libm`'s `erfc`, accurate to the last bits of an `f64`, so finite differences of the
/// pricer are its Greeks).
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// One option on a forward: the inputs of Black-76.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Black76 {
    /// Call or put.
    pub right: OptionRight,
    /// The forward (the matching future, or the index with zero carry), USD per coin.
    pub forward: f64,
    /// The strike, USD per coin.
    pub strike: f64,
    /// Implied volatility, a fraction a year (0.55 = 55 %).
    pub vol: f64,
    /// Time to expiry, years of 365 days.
    pub years: f64,
}

/// Value and Greeks per unit of the underlying, USD-based.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Valued {
    /// Value, USD per coin.
    pub value: f64,
    /// d value / d F: coins.
    pub delta: f64,
    /// d² value / d F²: coins per USD.
    pub gamma: f64,
    /// d value / d σ per volatility point (0.01), USD.
    pub vega: f64,
    /// d value / d t per calendar day (time passing), USD.
    pub theta: f64,
}

impl Black76 {
    /// The value and Greeks; at or past expiry (or with no volatility) the intrinsic value
    /// with a step delta and no gamma, vega or theta.
    pub fn value(&self) -> Valued {
        let call = self.right == OptionRight::Call;
        let intrinsic = if call {
            (self.forward - self.strike).max(0.0)
        } else {
            (self.strike - self.forward).max(0.0)
        };
        let sd = self.vol * self.years.sqrt();
        if !(sd > 0.0 && self.forward > 0.0 && self.strike > 0.0) {
            let in_money = intrinsic > 0.0;
            return Valued {
                value: intrinsic,
                delta: match (call, in_money) {
                    (true, true) => 1.0,
                    (false, true) => -1.0,
                    _ => 0.0,
                },
                gamma: 0.0,
                vega: 0.0,
                theta: 0.0,
            };
        }
        let d1 = ((self.forward / self.strike).ln() + 0.5 * sd * sd) / sd;
        let d2 = d1 - sd;
        let density = norm_pdf(d1);
        let (value, delta) = if call {
            (
                self.forward * norm_cdf(d1) - self.strike * norm_cdf(d2),
                norm_cdf(d1),
            )
        } else {
            (
                self.strike * norm_cdf(-d2) - self.forward * norm_cdf(-d1),
                norm_cdf(d1) - 1.0,
            )
        };
        Valued {
            value,
            delta,
            gamma: density / (self.forward * sd),
            vega: self.forward * density * self.years.sqrt() / 100.0,
            theta: -self.forward * density * self.vol / (2.0 * self.years.sqrt()) / 365.0,
        }
    }
}

/// A coin-settled option's value in the coin, and its premium-adjusted delta (coins): the
/// coin an inverse hedge needs.
pub fn in_coin(valued: &Valued, forward: f64) -> (f64, f64) {
    (
        valued.value / forward,
        valued.delta - valued.value / forward,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(right: OptionRight, forward: f64, strike: f64, vol: f64, years: f64) -> Black76 {
        Black76 {
            right,
            forward,
            strike,
            vol,
            years,
        }
    }

    #[test]
    fn the_normal_distribution_is_exact_enough() {
        // N(0) = 0.5; N(1) = 0.8413447460685429; N(-1.96) = 0.024997895148220435 (standard
        // tables to 16 digits).
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((norm_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-14);
        assert!((norm_cdf(-1.96) - 0.024_997_895_148_220_435).abs() < 1e-15);
    }

    #[test]
    fn textbook_value_and_put_call_parity() {
        // F = K = 100, σ = 20 %, T = 1: d1 = 0.1, d2 = −0.1,
        // call = 100 (N(0.1) − N(−0.1)) = 100 (0.539828 − 0.460172) = 7.9656.
        let call = option(OptionRight::Call, 100.0, 100.0, 0.2, 1.0).value();
        assert!((call.value - 7.965_567).abs() < 1e-4, "{}", call.value);
        // Parity with no discounting: C − P = F − K, at any strike.
        for strike in [60.0, 100.0, 140.0] {
            let c = option(OptionRight::Call, 100.0, strike, 0.5, 0.3).value();
            let p = option(OptionRight::Put, 100.0, strike, 0.5, 0.3).value();
            assert!(
                (c.value - p.value - (100.0 - strike)).abs() < 1e-9,
                "{strike}"
            );
            assert!((c.delta - p.delta - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn each_greek_is_the_pricer_s_own_derivative() {
        // Central differences: dF = 0.01, dσ = 1e-5, dT = 1e-6 years.
        for right in [OptionRight::Call, OptionRight::Put] {
            let base = option(right, 39_000.0, 42_000.0, 0.6, 0.25);
            let v = base.value();
            let at = |f: f64, s: f64, t: f64| option(right, f, base.strike, s, t).value().value;
            let h = 0.01;
            let delta = (at(base.forward + h, base.vol, base.years)
                - at(base.forward - h, base.vol, base.years))
                / (2.0 * h);
            let gamma = (at(base.forward + 1.0, base.vol, base.years) - 2.0 * v.value
                + at(base.forward - 1.0, base.vol, base.years))
                / 1.0;
            let vega = (at(base.forward, base.vol + 1e-5, base.years)
                - at(base.forward, base.vol - 1e-5, base.years))
                / 2e-5
                / 100.0;
            let theta = -(at(base.forward, base.vol, base.years + 1e-6)
                - at(base.forward, base.vol, base.years - 1e-6))
                / 2e-6
                / 365.0;
            assert!((delta - v.delta).abs() < 1e-6, "{right:?} delta");
            assert!((gamma - v.gamma).abs() / v.gamma < 1e-3, "{right:?} gamma");
            assert!((vega - v.vega).abs() / v.vega < 1e-5, "{right:?} vega");
            assert!(
                (theta - v.theta).abs() / v.theta.abs() < 1e-4,
                "{right:?} theta"
            );
        }
    }

    #[test]
    #[expect(
        clippy::excessive_precision,
        reason = "the body's numbers as OKX publishes them, digit for digit"
    )]
    fn okx_s_published_black_scholes_greeks_are_reproduced() {
        // tests/fixtures/api/okx_v5_public_opt_summary_docs.json: BTC-USD-220309-33000-C/P,
        // fwdPx 39016.8143629068452065, markVol 1.5551965233045728, ts 1646733631242
        // (2022-03-08T10:00:31.242Z); expiry 2022-03-09T08:00:00Z = 1646812800000.
        let (forward, vol) = (39_016.814_362_906_845, 1.555_196_523_304_572_8);
        let (delta_c, delta_p) = (0.985_733_210_154_453_8, -0.014_266_789_845_546_19);
        let (gamma, vega) = (0.000_011_933_182_397_798_109, 0.708_930_762_213_241_9);
        let theta_average = (-66.035_269_005_759_46 + -54.933_772_948_450_15) / 2.0;
        let at = |years: f64| {
            (
                option(OptionRight::Call, forward, 33_000.0, vol, years).value(),
                option(OptionRight::Put, forward, 33_000.0, vol, years).value(),
            )
        };
        let off = |ours: f64, theirs: f64| (ours - theirs).abs() / theirs.abs();
        // At the body's own ts (21.99 h to expiry), every Greek within 0.4 %: delta 0.006 %,
        // gamma 0.31 %, vega 0.35 %; the put's small delta 0.38 % (the same 5.5e-5 absolute).
        let (call, put) = at(years_to_expiry(1_646_733_631_242, 1_646_812_800_000));
        assert!(off(call.delta, delta_c) < 0.000_1, "{}", call.delta);
        assert!((put.delta - delta_p).abs() < 0.000_06, "{}", put.delta);
        assert!(off(call.gamma, gamma) < 0.004, "{}", call.gamma);
        assert!(off(call.vega, vega) < 0.004, "{}", call.vega);
        // OKX's thetaBS carries a rate term (call −66.04, put −54.93 a day); their average is
        // the undiscounted theta, within 1 %.
        assert!(off(call.theta, theta_average) < 0.01, "{}", call.theta);
        assert!(
            (call.theta - put.theta).abs() < 1e-9,
            "no rate: one theta per strike"
        );
        // OKX's numbers are one model at a time 1.9 minutes later than ts: at the T that gives
        // its call delta exactly, its gamma and vega agree within 0.1 % — the same formulas.
        let (mut low, mut high) = (0.001, 0.004);
        for _ in 0..100 {
            let mid = 0.5 * (low + high);
            if at(mid).0.delta > delta_c {
                low = mid;
            } else {
                high = mid;
            }
        }
        let (call, put) = at(0.5 * (low + high));
        assert!(off(call.gamma, gamma) < 0.001, "{}", call.gamma);
        assert!(off(call.vega, vega) < 0.001, "{}", call.vega);
        assert!(off(put.delta, delta_p) < 0.001, "{}", put.delta);
    }

    #[test]
    fn coin_settled_value_and_premium_adjusted_delta() {
        // A call worth 5,000 USD on F = 100,000 with delta 0.6: 0.05 BTC, and a coin delta of
        // 0.6 − 0.05 = 0.55 (the premium itself is 0.05 BTC of exposure).
        let valued = Valued {
            value: 5_000.0,
            delta: 0.6,
            gamma: 0.0,
            vega: 0.0,
            theta: 0.0,
        };
        let (coin, delta_coin) = in_coin(&valued, 100_000.0);
        assert!((coin - 0.05).abs() < 1e-12);
        assert!((delta_coin - 0.55).abs() < 1e-12);
    }

    #[test]
    fn at_expiry_an_option_is_worth_its_intrinsic_value() {
        let call = option(OptionRight::Call, 110.0, 100.0, 0.8, 0.0).value();
        assert_eq!((call.value, call.delta, call.gamma), (10.0, 1.0, 0.0));
        let put = option(OptionRight::Put, 110.0, 100.0, 0.8, 0.0).value();
        assert_eq!((put.value, put.delta), (0.0, 0.0));
        assert_eq!(years_to_expiry(10, 5), 0.0, "never negative");
    }
}
