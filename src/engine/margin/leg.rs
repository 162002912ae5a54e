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
fn reciprocal(x: Decimal) -> Decimal {
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
            inv_mark: if inverse {
                reciprocal(mark_price)
            } else {
                Decimal::ZERO
            },
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
        let budget = e - other_mm;
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
        let mut next = Some(self.regime_at(self.mark_price).index);
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
            if let Some(price) = self.solve_line(budget, self.line(index)) {
                let landed = self.regime_at(price).index;
                if landed == index {
                    return Some(price);
                }
                next = Some(landed);
            }
        }
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
