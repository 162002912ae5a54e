//! The uniform move of every underlying that liquidates a pool: a statistic for people,
//! solved in `f64` (liquidation prices stay exact `Decimal`, see [`super::rows`]).

use std::rc::Rc;

use rust_decimal::Decimal;

use super::super::leg::{FastTiers, MarginRule};
use super::{AtMark, Pool, PoolLeg};
use crate::model::Settlement;
use crate::model::params::TierBasis;

/// f64 model of one leg's maintenance margin, for the uniform-move search.
enum MmModel {
    Constant(f64),
    Rate(f64),
    Tiered(Rc<FastTiers>),
}

pub(super) struct FastLeg {
    inverse: bool,
    side: f64,
    qty: f64,
    entry: f64,
    mark: f64,
    mm: MmModel,
}

fn f(value: Decimal) -> f64 {
    super::super::leg::to_f64(value)
}

impl FastLeg {
    fn new(pool_leg: &PoolLeg<'_>, mm: Decimal, rate: Decimal) -> Self {
        let leg = &pool_leg.leg;
        let mm = match (&pool_leg.instrument.fast_tiers, &leg.rule) {
            (Some(tiers), _) => MmModel::Tiered(Rc::clone(tiers)),
            (None, MarginRule::Tiered { table, .. }) if table.basis == TierBasis::EntryValue => {
                MmModel::Constant(f(mm))
            }
            (None, _) => MmModel::Rate(f(rate)),
        };
        FastLeg {
            inverse: leg.settlement == Settlement::Inverse,
            side: if leg.side.is_sign_negative() {
                -1.0
            } else {
                1.0
            },
            qty: f(leg.qty),
            entry: f(leg.entry_price),
            mark: pool_leg.instrument.mark_f64,
            mm,
        }
    }

    /// Equity contribution minus maintenance margin at a uniform move `x`.
    fn surplus(&self, x: f64) -> f64 {
        let p = self.mark * (1.0 + x);
        let (upnl, notional) = if self.inverse {
            (
                self.side * self.qty * (1.0 / self.entry - 1.0 / p),
                self.qty / p,
            )
        } else {
            (self.side * self.qty * (p - self.entry), self.qty * p)
        };
        let mm = match &self.mm {
            MmModel::Constant(mm) => *mm,
            MmModel::Rate(rate) => notional * rate,
            MmModel::Tiered(tiers) => {
                let FastTiers { caps, rates, cums } = &**tiers;
                let i = caps
                    .iter()
                    .position(|cap| notional <= *cap)
                    .unwrap_or(caps.len().saturating_sub(1));
                notional * rates.get(i).copied().unwrap_or(0.0)
                    - cums.get(i).copied().unwrap_or(0.0)
            }
        };
        upnl - mm
    }
}

/// The uniform move of every underlying, in percent, at which the pool's equity equals its
/// maintenance margin: the root nearest zero within −99.9 % .. +900 %. A statistic for people,
/// so it is solved in `f64` (liquidation prices stay exact `Decimal`): a coarse grid finds the
/// first sign change on each side, then the Illinois variant of regula falsi narrows it to
/// 1e-9. Tier changes are evaluated at every step.
pub(super) fn uniform_move_pct(
    pool: &Pool<'_>,
    at_marks: &[AtMark],
    legs: &mut Vec<FastLeg>,
) -> Option<f64> {
    legs.clear();
    legs.extend(
        pool.legs
            .iter()
            .zip(at_marks)
            .map(|(l, m)| FastLeg::new(l, m.mm, m.rate)),
    );
    let legs = &*legs;
    let fixed: f64 = pool
        .fixed
        .iter()
        .map(|i| f(i.value - i.maintenance_margin))
        .sum();
    let wallet = f(pool.wallet) + fixed;
    let moving = f(pool.moving);
    let surplus =
        |x: f64| wallet + moving * (1.0 + x) + legs.iter().map(|l| l.surplus(x)).sum::<f64>();
    uniform_move_of(surplus)
}

/// The root of `surplus` nearest zero (see `uniform_move_pct`), in percent.
pub fn uniform_move_of(surplus: impl Fn(f64) -> f64) -> Option<f64> {
    const DOWN: [f64; 13] = [
        -0.01, -0.02, -0.05, -0.1, -0.15, -0.2, -0.3, -0.4, -0.5, -0.65, -0.8, -0.9, -0.999,
    ];
    const UP: [f64; 13] = [
        0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 4.0, 9.0,
    ];
    let f0 = surplus(0.0);
    if f0 <= 0.0 {
        return Some(0.0);
    }
    let mut best: Option<f64> = None;
    for grid in [DOWN, UP] {
        let (mut a, mut fa): (f64, f64) = (0.0, f0);
        for &b in &grid {
            if best.is_some_and(|found: f64| found.abs() < a.abs()) {
                break;
            }
            let fb = surplus(b);
            if fb <= 0.0 {
                let root = illinois(&surplus, a, fa, b, fb);
                if best.is_none_or(|found| root.abs() < found.abs()) {
                    best = Some(root);
                }
                break;
            }
            (a, fa) = (b, fb);
        }
    }
    best.map(|x| x * 100.0)
}

/// Illinois regula falsi on a bracket with `fa > 0 ≥ fb`.
fn illinois(g: &impl Fn(f64) -> f64, mut a: f64, mut fa: f64, mut b: f64, mut fb: f64) -> f64 {
    let mut side = 0;
    for _ in 0..100 {
        if (b - a).abs() < 1e-9 {
            break;
        }
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = g(c);
        if fc > 0.0 {
            (a, fa) = (c, fc);
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        } else {
            (b, fb) = (c, fc);
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        }
        if fc == 0.0 {
            return c;
        }
    }
    b
}
