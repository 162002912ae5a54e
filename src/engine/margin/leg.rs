//! One leveraged position ("leg") as the margin engine sees it, and the exact solvers every
//! venue family shares.
//!
//! Every venue in the reference writes maintenance margin, inside one tier, as a line in the
//! price `P` of the leg's underlying:
//!
//! * linear contracts (margin in the quote currency): `MM(P) = fixed + slope × P`;
//! * inverse contracts (margin in the coin):          `MM(P) = fixed + slope / P`.
//!
//! Binance and Hyperliquid: `slope = qty × MMR`, `fixed = −cum`; Bybit (margin on the entry
//! value): `slope = 0`, `fixed = PV × MMR − MMD`; OKX: `slope = qty × (MMR + fee)`; Deribit:
//! `slope = qty × (base + size × k)`. Equity is `E + side × qty × (P − EP)` (linear) or
//! `E + side × Q × (1/EP − 1/P)` (inverse), where `E` holds the wallet and every other
//! position's PnL and margin at their marks. Setting equity equal to MM gives the venues'
//! published liquidation-price formulas (venue-margin.md §1.2, §2, §3, §6.2, §10) as one exact
//! solve in `Decimal`; where the tier depends on the price the solve is repeated per tier and
//! the tier that contains its own answer is kept, as Binance's FAQ prescribes.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::model::Settlement;
use crate::model::params::{SizeScaledRule, TierBasis, TierTable, tier_index};

/// How a leg's maintenance margin is set.
#[derive(Clone, Debug)]
pub enum MarginRule<'a> {
    /// A tier table; `cum` are the tiers' maintenance amounts; `fee` is added to the rate
    /// (OKX counts the taker fee, 0 elsewhere).
    Tiered {
        /// The table.
        table: &'a TierTable,
        /// Maintenance amount per tier (see [`crate::model::params::maintenance_amounts`]).
        cum: Arc<[Decimal]>,
        /// Fee rate added to the tier's MMR.
        fee: Decimal,
        /// How many of the table's tiers apply (all, or 1 where a coin-denominated table
        /// stands in for another coin and its higher caps would be meaningless).
        tiers_used: usize,
    },
    /// Rates growing with size in coins (Deribit).
    Scaled(&'a SizeScaledRule),
}

/// A maintenance-margin line valid inside one tier (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmLine {
    /// Constant part, in the margin asset.
    pub fixed: Decimal,
    /// Linear: margin asset per unit of price. Inverse: margin-asset × price units (divided by P).
    pub slope: Decimal,
}

/// One perpetual or dated future, reduced to what the margin formulas need.
#[derive(Clone, Debug)]
pub struct Leg<'a> {
    /// Linear or inverse.
    pub settlement: Settlement,
    /// +1 long, −1 short.
    pub side: Decimal,
    /// Linear: position size in coins. Inverse: face value `Q` in USD.
    pub qty: Decimal,
    /// Number of contracts (OKX tiers count these).
    pub contracts: Decimal,
    /// Entry price (quote units per coin).
    pub entry_price: Decimal,
    /// Mark price (quote units per coin).
    pub mark_price: Decimal,
    /// The margin rule.
    pub rule: MarginRule<'a>,
    /// `1 / entry_price` (0 when the entry is 0): inverse legs divide by it often.
    inv_entry: Decimal,
    /// `1 / mark_price` (0 when the mark is 0).
    inv_mark: Decimal,
}

/// `1 / x`, or 0 for 0.
pub(crate) fn reciprocal(x: Decimal) -> Decimal {
    Decimal::ONE.checked_div(x).unwrap_or_default()
}

impl MarginRule<'_> {
    /// The tiers in force (empty for rules without tiers).
    pub fn tiers(&self) -> &[crate::model::params::Tier] {
        match self {
            Self::Tiered {
                table, tiers_used, ..
            } => &table.tiers[..(*tiers_used).min(table.tiers.len())],
            Self::Scaled(_) => &[],
        }
    }
}

/// Which tier a leg is in, and whether its size lies beyond the table's last bounded tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regime {
    /// Tier index (0 for rules without tiers).
    pub index: usize,
    /// True when the size is above every cap the table knows.
    pub beyond_table: bool,
}

impl<'a> Leg<'a> {
    /// A leg of `size` contracts (negative = short) of `contract_size` coins (linear) or USD
    /// (inverse) each.
    pub fn new(
        settlement: Settlement,
        size: Decimal,
        contract_size: Decimal,
        entry_price: Decimal,
        mark_price: Decimal,
        rule: MarginRule<'a>,
    ) -> Self {
        let inv_mark = if settlement == Settlement::Inverse {
            reciprocal(mark_price)
        } else {
            Decimal::ZERO
        };
        Self::with_reciprocal_mark(
            settlement,
            size,
            contract_size,
            entry_price,
            (mark_price, inv_mark),
            rule,
        )
    }

    /// [`Leg::new`] with `1 / mark` already known (`mark.1`, 0 for linear legs): positions on
    /// one contract share the mark, so the engine divides once per contract.
    pub(crate) fn with_reciprocal_mark(
        settlement: Settlement,
        size: Decimal,
        contract_size: Decimal,
        entry_price: Decimal,
        (mark_price, inv_mark): (Decimal, Decimal),
        rule: MarginRule<'a>,
    ) -> Self {
        let inverse = settlement == Settlement::Inverse;
        Leg {
            settlement,
            side: if size.is_sign_negative() {
                Decimal::NEGATIVE_ONE
            } else {
                Decimal::ONE
            },
            qty: size.abs() * contract_size,
            contracts: size.abs(),
            entry_price,
            mark_price,
            rule,
            // Only inverse legs divide by prices; linear legs skip the two divisions.
            inv_entry: if inverse {
                reciprocal(entry_price)
            } else {
                Decimal::ZERO
            },
            inv_mark,
        }
    }

    /// `1 / p` for an inverse leg, reusing the mark's reciprocal.
    fn inverse_of(&self, p: Decimal) -> Decimal {
        if p == self.mark_price {
            self.inv_mark
        } else {
            reciprocal(p)
        }
    }

    /// Notional in the margin asset at price `p`: `qty × p` (linear) or `Q / p` coins (inverse).
    pub fn notional(&self, p: Decimal) -> Decimal {
        match self.settlement {
            Settlement::Linear => self.qty * p,
            Settlement::Inverse => self.qty * self.inverse_of(p),
        }
    }

    /// Unrealized PnL in the margin asset at price `p`.
    pub fn upnl(&self, p: Decimal) -> Decimal {
        let pnl = match self.settlement {
            Settlement::Linear => self.qty * (p - self.entry_price),
            Settlement::Inverse => {
                if p.is_zero() || self.entry_price.is_zero() {
                    return Decimal::ZERO;
                }
                self.qty * (self.inv_entry - self.inverse_of(p))
            }
        };
        if self.side.is_sign_negative() {
            -pnl
        } else {
            pnl
        }
    }

    /// What the tier table's bounds measure, at price `p`.
    fn tier_amount(&self, basis: TierBasis, p: Decimal) -> Decimal {
        match basis {
            TierBasis::Notional => self.notional(p),
            TierBasis::EntryValue => self.notional(self.entry_price),
            TierBasis::Contracts => self.contracts,
        }
    }

    /// The tier the leg is in at price `p`.
    pub fn regime_at(&self, p: Decimal) -> Regime {
        match &self.rule {
            MarginRule::Tiered { table, .. } => {
                self.regime_of_amount(self.tier_amount(table.basis, p))
            }
            MarginRule::Scaled(_) => Regime {
                index: 0,
                beyond_table: false,
            },
        }
    }

    /// The tier the leg is in when its notional (in the margin asset) is `notional`: saves
    /// recomputing a notional the caller already has.
    pub fn regime_with_notional(&self, notional: Decimal) -> Regime {
        match &self.rule {
            MarginRule::Tiered { table, .. } => self.regime_of_amount(match table.basis {
                TierBasis::Notional => notional,
                basis => self.tier_amount(basis, self.mark_price),
            }),
            MarginRule::Scaled(_) => Regime {
                index: 0,
                beyond_table: false,
            },
        }
    }

    /// The tier holding `amount` (in the table's basis).
    fn regime_of_amount(&self, amount: Decimal) -> Regime {
        match &self.rule {
            MarginRule::Tiered { table, .. } => {
                let tiers = self.rule.tiers();
                let (index, beyond) = tier_index(tiers, amount);
                Regime {
                    index,
                    // A first-tier stand-in is open-ended by design, not "beyond" its table.
                    beyond_table: beyond && tiers.len() == table.tiers.len(),
                }
            }
            MarginRule::Scaled(_) => Regime {
                index: 0,
                beyond_table: false,
            },
        }
    }

    /// Whether the tier depends on the price (only notional-based tables).
    fn price_dependent_tiers(&self) -> bool {
        matches!(&self.rule, MarginRule::Tiered { table, .. } if table.basis == TierBasis::Notional)
    }

    /// Maintenance-margin rate of the Deribit rule at the current size.
    fn scaled_mm_rate(&self, rule: &SizeScaledRule) -> Decimal {
        rule.mm_base + self.coins_at_mark() * rule.mm_per_coin
    }

    /// Size in coins at the mark (Deribit scales rates by it).
    pub fn coins_at_mark(&self) -> Decimal {
        match self.settlement {
            Settlement::Linear => self.qty,
            Settlement::Inverse => self.notional(self.mark_price),
        }
    }

    /// The maintenance-margin line of tier `index`.
    pub fn line(&self, index: usize) -> MmLine {
        match &self.rule {
            MarginRule::Tiered {
                table, cum, fee, ..
            } => {
                let Some(tier) = self.rule.tiers().get(index) else {
                    return MmLine {
                        fixed: Decimal::ZERO,
                        slope: Decimal::ZERO,
                    };
                };
                let cum = cum.get(index).copied().unwrap_or_default();
                match table.basis {
                    TierBasis::Notional => MmLine {
                        fixed: -cum,
                        slope: self.qty * (tier.mmr + fee),
                    },
                    TierBasis::EntryValue => MmLine {
                        fixed: self.notional(self.entry_price) * (tier.mmr + fee) - cum,
                        slope: Decimal::ZERO,
                    },
                    TierBasis::Contracts => MmLine {
                        fixed: Decimal::ZERO,
                        slope: self.qty * (tier.mmr + fee),
                    },
                }
            }
            MarginRule::Scaled(rule) => MmLine {
                fixed: Decimal::ZERO,
                slope: self.qty * self.scaled_mm_rate(rule),
            },
        }
    }

    /// Maintenance margin in the margin asset at price `p`.
    pub fn maintenance_margin(&self, p: Decimal) -> Decimal {
        self.maintenance_margin_in(self.regime_at(p).index, p)
    }

    /// Maintenance margin at price `p` in tier `index`.
    pub fn maintenance_margin_in(&self, index: usize, p: Decimal) -> Decimal {
        let inverse_p =
            (self.settlement == Settlement::Inverse && !p.is_zero()).then(|| self.inverse_of(p));
        eval_line_inv(self.settlement, self.line(index), p, inverse_p)
    }

    /// The maintenance-margin rate in force at price `p` (tier MMR plus fee, or Deribit rate).
    pub fn mm_rate(&self, p: Decimal) -> Decimal {
        self.mm_rate_in(self.regime_at(p).index)
    }

    /// The maintenance-margin rate of tier `index` (tier MMR plus fee, or Deribit rate).
    pub fn mm_rate_in(&self, index: usize) -> Decimal {
        match &self.rule {
            MarginRule::Tiered { fee, .. } => self
                .rule
                .tiers()
                .get(index)
                .map_or(Decimal::ZERO, |t| t.mmr + fee),
            MarginRule::Scaled(rule) => self.scaled_mm_rate(rule),
        }
    }

    /// The highest leverage the rule allows at price `p`, if published.
    pub fn max_leverage(&self, p: Decimal) -> Option<Decimal> {
        match &self.rule {
            MarginRule::Tiered { .. } => {
                let index = self.regime_at(p).index;
                self.rule.tiers().get(index).and_then(|t| t.max_leverage)
            }
            MarginRule::Scaled(rule) => {
                let rate = rule.im_base + self.coins_at_mark() * rule.im_per_coin;
                (rate > Decimal::ZERO).then(|| Decimal::ONE / rate)
            }
        }
    }

    /// The price at which equity `e + own PnL` equals `other_mm + own MM`, where `e` is the
    /// wallet plus every other position's PnL (in the margin asset). With `mm_counts = false`
    /// the maintenance margin is left out: the bankruptcy price.
    ///
    /// Returns `None` when no positive price satisfies it (a long that cannot be liquidated,
    /// Binance's "--").
    pub fn solve_price(&self, e: Decimal, other_mm: Decimal, mm_counts: bool) -> Option<Decimal> {
        self.solve(e - other_mm, mm_counts, None)
    }

    /// The liquidation price ([`Leg::solve_price`] with the maintenance margin), starting the
    /// exact search in the tier an `f64` solve on `fast` (the rule's table, if notional-based)
    /// lands in. The answer is the same; it usually takes one exact solve instead of two.
    pub fn solve_price_with(
        &self,
        e: Decimal,
        other_mm: Decimal,
        fast: Option<&FastTiers>,
    ) -> Option<Decimal> {
        self.solve(e - other_mm, true, fast)
    }

    fn solve(&self, budget: Decimal, mm_counts: bool, fast: Option<&FastTiers>) -> Option<Decimal> {
        if !mm_counts {
            return self.solve_line(
                budget,
                MmLine {
                    fixed: Decimal::ZERO,
                    slope: Decimal::ZERO,
                },
            );
        }
        if !self.price_dependent_tiers() {
            return self.solve_line(budget, self.line(self.regime_at(self.mark_price).index));
        }
        let tiers = self.rule.tiers().len().max(1);
        // The tier that contains its own solution is the answer (equity − MM is monotone in
        // P, so there is at most one). Start at the mark's tier and follow each solution to
        // the tier it lands in, which usually finds it in one or two solves; any tier not yet
        // tried is then checked in order.
        let mut tried = vec![false; tiers];
        let mut next = Some(
            fast.and_then(|t| self.guess_tier(budget, t))
                .unwrap_or_else(|| self.regime_at(self.mark_price).index),
        );
        let mut scan = 0;
        loop {
            let index = match next.take() {
                Some(index) if !tried.get(index).copied().unwrap_or(true) => index,
                _ => {
                    while tried.get(scan).copied().unwrap_or(false) {
                        scan += 1;
                    }
                    if scan >= tiers {
                        return None;
                    }
                    scan
                }
            };
            tried[index] = true;
            match self.solve_line(budget, self.line(index)) {
                Some(price) => {
                    let landed = self.tier_of_solution(price);
                    if landed == index {
                        return Some(price);
                    }
                    next = Some(landed);
                }
                None if index == 0 && self.monotone() => return None,
                None => {}
            }
        }
    }

    /// The tier where an `f64` solve of the liquidation price settles, following each solution
    /// to the tier it lands in from the mark's. Only a starting point for the exact search.
    fn guess_tier(&self, budget: Decimal, tiers: &FastTiers) -> Option<usize> {
        let last = tiers.caps.len().checked_sub(1)?;
        let tier_of = |notional: f64| {
            tiers
                .caps
                .iter()
                .position(|cap| notional <= *cap)
                .unwrap_or(last)
        };
        let budget = to_f64(budget);
        let q = to_f64(self.qty);
        let s = if self.side.is_sign_negative() {
            -1.0
        } else {
            1.0
        };
        let inverse = self.settlement == Settlement::Inverse;
        let (entry_term, mut index) = if inverse {
            (
                s * q * to_f64(self.inv_entry),
                tier_of(q * to_f64(self.inv_mark)),
            )
        } else {
            (
                s * q * to_f64(self.entry_price),
                tier_of(q * to_f64(self.mark_price)),
            )
        };
        for _ in 0..=last {
            let slope = q * tiers.rates.get(index)?;
            let fixed = -tiers.cums.get(index)?;
            // The line solves of `solve_line`, in f64.
            let price = if inverse {
                (s * q + slope) / (budget + entry_term - fixed)
            } else {
                (fixed + entry_term - budget) / (s * q - slope)
            };
            if !(price.is_finite() && price > 0.0) {
                return Some(index);
            }
            let landed = tier_of(if inverse { q / price } else { q * price });
            if landed == index {
                return Some(index);
            }
            index = landed;
        }
        Some(index)
    }

    /// The tier a solved price lands in. For an inverse leg the notional `Q / P` is compared
    /// with each cap as `Q ≤ cap × P` (same order for `P > 0`), saving a division per solve.
    fn tier_of_solution(&self, price: Decimal) -> usize {
        if self.settlement != Settlement::Inverse {
            return self.regime_at(price).index;
        }
        let tiers = self.rule.tiers();
        tiers
            .iter()
            .position(|tier| tier.cap.is_none_or(|cap| self.qty <= cap * price))
            .unwrap_or(tiers.len().saturating_sub(1))
    }

    /// Whether `equity − MM` is strictly monotone in the price across every tier, which holds
    /// when each tier's rate is below 1 (the maintenance amounts make MM continuous at the
    /// caps). Then the first tier decides whether a liquidation price exists: it governs one
    /// end of the price range (P → 0 for linear legs, whose notional vanishes there; P → ∞
    /// for inverse ones), where `equity − MM` takes its supremum (rising side) or infimum
    /// (falling side). If the first tier's line has no positive root, the sign there never
    /// changes, so no other tier can hold a root and the remaining solves are skipped. A long
    /// far from liquidation in a well-funded cross account would otherwise try every tier.
    fn monotone(&self) -> bool {
        let fee = match &self.rule {
            MarginRule::Tiered { fee, .. } => *fee,
            MarginRule::Scaled(_) => return false,
        };
        self.rule.tiers().iter().all(|t| t.mmr + fee < Decimal::ONE)
    }

    /// Solves `budget + own PnL(P) = line(P)` for `P > 0`.
    fn solve_line(&self, budget: Decimal, line: MmLine) -> Option<Decimal> {
        let s = self.side;
        let q = self.qty;
        let price = match self.settlement {
            Settlement::Linear => {
                // budget + s·q·(P − EP) = fixed + slope·P  ⇒  P = (fixed + s·q·EP − budget) / (s·q − slope)
                let signed_qty = if s.is_sign_negative() { -q } else { q };
                let denominator = signed_qty - line.slope;
                if denominator.is_zero() {
                    return None;
                }
                (line.fixed + signed_qty * self.entry_price - budget).checked_div(denominator)?
            }
            Settlement::Inverse => {
                // budget + s·Q/EP − s·Q/P = fixed + slope/P  ⇒  P = (s·Q + slope) / (budget + s·Q/EP − fixed)
                if self.entry_price.is_zero() {
                    return None;
                }
                let denominator = budget + s * q * self.inv_entry - line.fixed;
                if denominator.is_zero() {
                    return None;
                }
                (s * q + line.slope).checked_div(denominator)?
            }
        };
        (price > Decimal::ZERO).then_some(price)
    }
}

/// A notional-based tier table in `f64` (caps, rates incl. fee, maintenance amounts), built
/// once per contract for the uniform-move search and to guess where a liquidation price lies.
pub struct FastTiers {
    /// Caps in the margin asset (∞ for an open-ended tier).
    pub caps: Vec<f64>,
    /// Rates incl. fee.
    pub rates: Vec<f64>,
    /// Maintenance amounts.
    pub cums: Vec<f64>,
}

impl FastTiers {
    /// The table of a notional-based rule (`None` for other rules).
    pub fn of(rule: &MarginRule<'_>) -> Option<Self> {
        let MarginRule::Tiered {
            table, cum, fee, ..
        } = rule
        else {
            return None;
        };
        (table.basis == TierBasis::Notional).then(|| FastTiers {
            caps: rule
                .tiers()
                .iter()
                .map(|t| t.cap.map_or(f64::INFINITY, to_f64))
                .collect(),
            rates: rule.tiers().iter().map(|t| to_f64(t.mmr + fee)).collect(),
            cums: cum.iter().map(|c| to_f64(*c)).collect(),
        })
    }
}

/// `value` in `f64`, to within a couple of ulps: the mantissa over a power of ten.
/// `Decimal::to_f64` rounds to the decimal scale through 128-bit division, several times
/// slower; the `f64` models (tier guesses, the uniform move) do not need that.
pub(crate) fn to_f64(value: Decimal) -> f64 {
    /// 10^0 ..= 10^28; exact up to 10^22, nearest `f64` above.
    const POW10: [f64; 29] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
    ];
    // A Decimal's scale is at most 28; the fallback is never taken.
    #[allow(
        clippy::cast_precision_loss,
        reason = "f64 models need ~15 significant digits"
    )]
    let mantissa = value.mantissa() as f64;
    mantissa / POW10.get(value.scale() as usize).copied().unwrap_or(1e28)
}

/// Value of a maintenance-margin line at price `p`.
pub fn eval_line(settlement: Settlement, line: MmLine, p: Decimal) -> Decimal {
    eval_line_inv(settlement, line, p, None)
}

/// [`eval_line`] with `1 / p` known (inverse legs at their mark).
fn eval_line_inv(
    settlement: Settlement,
    line: MmLine,
    p: Decimal,
    inverse_p: Option<Decimal>,
) -> Decimal {
    if let (Settlement::Inverse, Some(inverse_p)) = (settlement, inverse_p) {
        return line.fixed + line.slope * inverse_p;
    }
    match settlement {
        Settlement::Linear => line.fixed + line.slope * p,
        Settlement::Inverse => {
            if p.is_zero() {
                line.fixed
            } else {
                line.fixed + line.slope / p
            }
        }
    }
}
