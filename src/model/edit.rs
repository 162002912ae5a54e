//! Invertible edits: one undo step is an [`Edit`] value that holds the part of the portfolio
//! it replaced and what replaced it, so undo and redo swap parts instead of keeping whole
//! copies of the file per step.
//!
//! An edit is as small as what changed: the name, the notes, one account (a field, a
//! position or a collateral line of it), or, when accounts were added, removed or
//! reordered, the account list. Several changes made together (one frame) are one
//! [`Edit::Batch`], undone together.

use super::{Account, Portfolio};

/// One undoable change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The portfolio's name.
    Name {
        /// Before the edit.
        before: String,
        /// After it.
        after: String,
    },
    /// The portfolio's notes.
    Notes {
        /// Before the edit.
        before: String,
        /// After it.
        after: String,
    },
    /// One account changed in place.
    Account {
        /// Its index in the file.
        index: usize,
        /// Before the edit.
        before: Box<Account>,
        /// After it.
        after: Box<Account>,
    },
    /// Accounts added, removed or reordered: the whole list.
    Accounts {
        /// Before the edit.
        before: Vec<Account>,
        /// After it.
        after: Vec<Account>,
    },
    /// Any other part (format version, price overrides, journal, scenarios, alerts): the
    /// whole portfolio, as those are edited rarely and never from the panel.
    Whole {
        /// Before the edit.
        before: Box<Portfolio>,
        /// After it.
        after: Box<Portfolio>,
    },
    /// Changes made together, applied in order and undone in reverse.
    Batch(Vec<Edit>),
}

impl Edit {
    /// The edit that turns `before` into `after` (`None` when they are equal in the parts an
    /// edit covers: name, notes and accounts). Compares without copying; copies only what
    /// changed.
    pub fn between(before: &Portfolio, after: &Portfolio) -> Option<Self> {
        let rest_differs = before.format_version != after.format_version
            || before.base_currency != after.base_currency
            || before.valuation != after.valuation
            || before.price_overrides != after.price_overrides
            || before.journal != after.journal
            || before.scenario_sets != after.scenario_sets
            || before.alerts != after.alerts;
        if rest_differs {
            return Some(Self::Whole {
                before: Box::new(before.clone()),
                after: Box::new(after.clone()),
            });
        }
        let mut edits = Vec::new();
        if before.name != after.name {
            edits.push(Self::Name {
                before: before.name.clone(),
                after: after.name.clone(),
            });
        }
        if before.notes != after.notes {
            edits.push(Self::Notes {
                before: before.notes.clone(),
                after: after.notes.clone(),
            });
        }
        if before.accounts.len() == after.accounts.len() {
            for (index, (old, new)) in before.accounts.iter().zip(&after.accounts).enumerate() {
                if old != new {
                    edits.push(Self::Account {
                        index,
                        before: Box::new(old.clone()),
                        after: Box::new(new.clone()),
                    });
                }
            }
        } else {
            edits.push(Self::Accounts {
                before: before.accounts.clone(),
                after: after.accounts.clone(),
            });
        }
        match edits.len() {
            0 => None,
            1 => edits.pop(),
            _ => Some(Self::Batch(edits)),
        }
    }

    /// Applies the edit to `portfolio` (which holds its `before` state).
    pub fn apply(&self, portfolio: &mut Portfolio) {
        self.set(portfolio, true);
    }

    /// Undoes the edit on `portfolio` (which holds its `after` state).
    pub fn revert(&self, portfolio: &mut Portfolio) {
        self.set(portfolio, false);
    }

    fn set(&self, portfolio: &mut Portfolio, forward: bool) {
        let pick = |before: &String, after: &String| {
            if forward {
                after.clone()
            } else {
                before.clone()
            }
        };
        match self {
            Self::Name { before, after } => portfolio.name = pick(before, after),
            Self::Notes { before, after } => portfolio.notes = pick(before, after),
            Self::Account {
                index,
                before,
                after,
            } => {
                if let Some(account) = portfolio.accounts.get_mut(*index) {
                    *account = if forward {
                        (**after).clone()
                    } else {
                        (**before).clone()
                    };
                }
            }
            Self::Accounts { before, after } => {
                portfolio.accounts = if forward {
                    after.clone()
                } else {
                    before.clone()
                };
            }
            Self::Whole { before, after } => {
                *portfolio = if forward {
                    (**after).clone()
                } else {
                    (**before).clone()
                };
            }
            Self::Batch(edits) => {
                if forward {
                    for edit in edits {
                        edit.apply(portfolio);
                    }
                } else {
                    for edit in edits.iter().rev() {
                        edit.revert(portfolio);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Portfolio {
        crate::model::parse_portfolio(include_str!("../../portfolios/basis-trade.ron")).unwrap()
    }

    #[test]
    fn an_edit_turns_before_into_after_and_back() {
        let before = sample();
        let mut after = before.clone();
        after.name = "Renamed".into();
        after.accounts[1].label = "Binance main".into();
        let edit = Edit::between(&before, &after).unwrap();
        assert!(matches!(&edit, Edit::Batch(parts) if parts.len() == 2));
        let mut p = before.clone();
        edit.apply(&mut p);
        assert_eq!(p, after, "apply");
        edit.revert(&mut p);
        assert_eq!(p, before, "revert");
        assert_eq!(Edit::between(&before, &before), None, "no change, no edit");
    }

    #[test]
    fn other_parts_are_kept_whole() {
        let before = sample();
        let mut after = before.clone();
        after.price_overrides.push(crate::model::PriceOverride {
            symbol: "BTC".into(),
            price_usd: rust_decimal::Decimal::ONE_HUNDRED,
            note: String::new(),
        });
        after.valuation = None;
        let edit = Edit::between(&before, &after).unwrap();
        let mut p = before.clone();
        edit.apply(&mut p);
        assert_eq!(p, after);
        edit.revert(&mut p);
        assert_eq!(p, before);
    }

    #[test]
    fn a_removed_account_is_one_list_edit() {
        let before = sample();
        let mut after = before.clone();
        after.accounts.remove(0);
        let edit = Edit::between(&before, &after).unwrap();
        assert!(matches!(edit, Edit::Accounts { .. }));
        let mut p = after.clone();
        edit.revert(&mut p);
        assert_eq!(p, before);
    }
}
