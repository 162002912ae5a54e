//! The open portfolio with its undo history and saved state (no UI, no I/O).
//!
//! The Portfolio panel edits the live content in place ([`Document::editable`]); the shell
//! calls [`Document::commit`] on frames with input, which turns what changed into one
//! invertible [`Edit`] (only the changed part is copied). Undo and redo swap parts; nothing
//! clones or compares the whole portfolio per frame, and "unsaved" is a state number, not a
//! comparison.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::MarginReport;
use crate::market::board::{Board, Wanted, wanted_by};
use crate::pricing::{self, Priced};

use crate::model::Portfolio;
use crate::model::edit::Edit;
use crate::model::io::FileStamp;
use crate::model::validate::{Issue, validate};

/// How many edits can be undone; older ones are dropped first.
pub const UNDO_LIMIT: usize = 200;

/// One undo step: the edit and the state numbers on either side of it.
#[derive(Clone, Debug)]
struct Step {
    edit: Edit,
    before: u64,
    after: u64,
}

/// A portfolio being viewed and edited.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file it was read from or last saved to; `None` for a bundled sample not yet saved.
    pub path: Option<PathBuf>,
    /// Name shown in the title bar and status bar.
    pub display_name: String,
    /// The file's content when read or last saved, for outside-change detection.
    pub stamp: Option<FileStamp>,
    /// Comment lines at the top of the file, kept on save.
    pub header: String,
    /// The live content (the Portfolio panel edits it in place between commits).
    portfolio: Portfolio,
    /// The content as of the last commit: what the next edit is measured against.
    committed: Portfolio,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// Number of the committed state (each edit makes a new one; undo returns to the old).
    state: u64,
    /// The next unused state number.
    next_state: u64,
    /// The state that is on disk, if it is still in the history.
    saved_state: Option<u64>,
    issues: Vec<Issue>,
    analysis: MarginReport,
    /// The latest market board (venues, cache or bundle), without the file's own prices.
    board: Arc<Board>,
    /// The engine's input: the board and the file's manual prices through the pricing seam.
    priced: Priced,
    /// What the portfolio needs priced, kept current on every edit.
    wanted: Vec<Wanted>,
}

impl Document {
    /// A document for a portfolio read from `path` (or a bundled sample when `path` is `None`).
    pub fn new(
        portfolio: Portfolio,
        path: Option<PathBuf>,
        display_name: String,
        stamp: Option<FileStamp>,
        header: String,
    ) -> Self {
        let issues = validate(&portfolio);
        let board = Arc::new(Board::default());
        let (priced, analysis) = price_and_analyze(&portfolio, &board, 0);
        let wanted = wanted_by(&portfolio, crate::model::params::library());
        Self {
            analysis,
            board,
            priced,
            wanted,
            path,
            display_name,
            stamp,
            header,
            committed: portfolio.clone(),
            portfolio,
            undo: Vec::new(),
            redo: Vec::new(),
            state: 0,
            next_state: 1,
            saved_state: Some(0),
            issues,
        }
    }

    /// The current content.
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    /// Validation problems of the current content.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The margin engine's numbers for the current content and the latest board.
    pub fn analysis(&self) -> &MarginReport {
        &self.analysis
    }

    /// What the numbers were priced from (funding rates, listings, the valuation time).
    pub fn priced(&self) -> &Priced {
        &self.priced
    }

    /// What the panels draw from: the live content to edit in place, the validation problems
    /// and the engine's numbers of the committed content.
    pub fn panes(&mut self) -> (&mut Portfolio, &[Issue], &MarginReport) {
        (&mut self.portfolio, &self.issues, &self.analysis)
    }

    /// The live content for the Portfolio panel to edit in place; [`Self::commit`] records
    /// what changed.
    pub fn editable(&mut self) -> &mut Portfolio {
        &mut self.portfolio
    }

    /// Records the panel's changes since the last commit as one undoable step; false when
    /// nothing changed. Compares part by part without copying; copies the changed part.
    pub fn commit(&mut self) -> bool {
        let Some(edit) = Edit::between(&self.committed, &self.portfolio) else {
            return false;
        };
        edit.apply(&mut self.committed);
        self.record(edit);
        true
    }

    /// Replaces the content with an edited version as one undoable step (no-op if unchanged).
    pub fn apply(&mut self, edited: Portfolio) {
        self.commit();
        if let Some(edit) = Edit::between(&self.committed, &edited) {
            edit.apply(&mut self.committed);
            edit.apply(&mut self.portfolio);
            self.record(edit);
        }
    }

    fn record(&mut self, edit: Edit) {
        let after = self.next_state;
        self.next_state += 1;
        self.undo.push(Step {
            edit,
            before: self.state,
            after,
        });
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.state = after;
        self.redo.clear();
        self.revalidate();
    }

    /// Steps back one edit; returns whether there was one.
    pub fn undo(&mut self) -> bool {
        self.commit();
        let Some(step) = self.undo.pop() else {
            return false;
        };
        step.edit.revert(&mut self.portfolio);
        step.edit.revert(&mut self.committed);
        self.state = step.before;
        self.redo.push(step);
        self.revalidate();
        true
    }

    /// Re-applies the last undone edit; returns whether there was one.
    pub fn redo(&mut self) -> bool {
        let Some(step) = self.redo.pop() else {
            return false;
        };
        step.edit.apply(&mut self.portfolio);
        step.edit.apply(&mut self.committed);
        self.state = step.after;
        self.undo.push(step);
        self.revalidate();
        true
    }

    /// Whether [`Self::undo`] would do something.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether [`Self::redo`] would do something.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Whether the committed content differs from what is on disk.
    pub fn is_dirty(&self) -> bool {
        self.saved_state != Some(self.state)
    }

    /// The committed content and its state number, for a save (edits made while the save
    /// runs stay unsaved).
    pub fn snapshot(&mut self) -> (Portfolio, u64) {
        self.commit();
        (self.committed.clone(), self.state)
    }

    /// Records that the content of state `saved_state` was written to `path` with `stamp`.
    pub fn mark_saved(&mut self, path: PathBuf, stamp: FileStamp, saved_state: u64) {
        self.display_name = file_name(&path);
        self.path = Some(path);
        self.stamp = Some(stamp);
        self.saved_state = Some(saved_state);
    }

    fn revalidate(&mut self) {
        // Validation and the engine see committed content only, so a half-made edit in the
        // panel never shows as numbers.
        self.issues = validate(&self.committed);
        // The engine takes about a millisecond per thousand positions (benches/margin.rs),
        // so it runs on every edit rather than on a worker thread.
        (self.priced, self.analysis) =
            price_and_analyze(&self.committed, &self.board, self.priced.valued_at_ms);
        self.wanted = wanted_by(&self.committed, crate::model::params::library());
    }

    /// What the portfolio needs priced (contracts and coins).
    pub fn wanted(&self) -> &[Wanted] {
        &self.wanted
    }

    /// Prices the portfolio from a new board at `valued_at_ms` (the file's manual prices
    /// still win) and recomputes.
    pub fn set_board(&mut self, board: Arc<Board>, valued_at_ms: i64) {
        self.board = board;
        (self.priced, self.analysis) =
            price_and_analyze(&self.committed, &self.board, valued_at_ms);
    }
}

/// The pricing seam and the engine on `portfolio`: the same calls `riskdeck report` makes.
fn price_and_analyze(
    portfolio: &Portfolio,
    board: &Board,
    valued_at_ms: i64,
) -> (Priced, MarginReport) {
    let library = crate::model::params::library();
    let priced = pricing::price(Some(portfolio), board, library, valued_at_ms);
    let analysis = pricing::analyze(portfolio, &priced, library);
    (priced, analysis)
}

/// The last component of a path, for titles.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Portfolio {
        crate::model::parse_portfolio(crate::app::samples::SAMPLES[0].1).unwrap()
    }

    #[test]
    fn undo_and_redo_walk_the_history() {
        let mut doc = Document::new(sample(), None, "s".into(), None, String::new());
        let original = doc.portfolio().clone();
        let mut edited = original.clone();
        edited.name = "Edited".into();
        doc.apply(edited.clone());
        assert!(doc.is_dirty(), "edit makes it dirty");
        assert!(doc.undo(), "one step to undo");
        assert_eq!(doc.portfolio(), &original, "undo restores");
        assert!(!doc.is_dirty(), "back to saved state");
        assert!(doc.redo(), "one step to redo");
        assert_eq!(doc.portfolio(), &edited, "redo re-applies");
        assert!(!doc.redo(), "nothing more to redo");
    }

    #[test]
    fn a_new_edit_clears_redo_and_unchanged_edits_are_ignored() {
        let mut doc = Document::new(sample(), None, "s".into(), None, String::new());
        let same = doc.portfolio().clone();
        doc.apply(same);
        assert!(!doc.can_undo(), "no-op edit is not recorded");
        let mut first = doc.portfolio().clone();
        first.notes = "a".into();
        doc.apply(first);
        doc.undo();
        let mut second = doc.portfolio().clone();
        second.notes = "b".into();
        doc.apply(second);
        assert!(!doc.can_redo(), "redo cleared by a new edit");
    }

    #[test]
    fn a_save_of_an_older_state_leaves_later_edits_unsaved_and_undo_finds_it_again() {
        let mut doc = Document::new(sample(), None, "s".into(), None, String::new());
        doc.editable().name = "First".into();
        assert!(doc.commit(), "the panel's change is one step");
        let (snapshot, state) = doc.snapshot();
        assert_eq!(snapshot.name, "First");
        // An edit lands while the save runs.
        doc.editable().notes = "later".into();
        doc.commit();
        let stamp = crate::model::io::FileStamp {
            len_bytes: 1,
            content_hash: 1,
        };
        doc.mark_saved(PathBuf::from("x.ron"), stamp, state);
        assert!(doc.is_dirty(), "the later edit is not on disk");
        assert!(doc.undo());
        assert!(!doc.is_dirty(), "undo returns to the saved state");
        assert!(!doc.commit(), "nothing pending");
    }

    proptest::proptest! {
        /// Any sequence of panel edits, undone step by step, gives back the file as opened;
        /// redone, gives back the last content.
        #[test]
        fn undoing_every_edit_restores_the_original(
            ops in proptest::collection::vec((0usize..4, 0usize..8, "[a-z]{0,6}"), 1..20)
        ) {
            let original = sample();
            let mut doc = Document::new(original.clone(), None, "s".into(), None, String::new());
            for (kind, index, text) in ops {
                let p = doc.editable();
                let n = p.accounts.len();
                match kind {
                    0 => p.name = text,
                    1 if n > 0 => p.accounts[index % n].label = text,
                    2 if n > 1 => { p.accounts.remove(index % n); }
                    _ if n > 0 => {
                        let copy = p.accounts[index % n].clone();
                        p.accounts.push(copy);
                    }
                    _ => p.notes = text,
                }
                doc.commit();
            }
            let last = doc.portfolio().clone();
            while doc.undo() {}
            proptest::prop_assert_eq!(doc.portfolio(), &original);
            proptest::prop_assert!(!doc.is_dirty());
            while doc.redo() {}
            proptest::prop_assert_eq!(doc.portfolio(), &last);
        }
    }
}
