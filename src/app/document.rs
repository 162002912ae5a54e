//! The open portfolio with its undo history and saved state (no UI, no I/O).

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::MarginReport;
use crate::market::board::{Board, Wanted, wanted_by};
use crate::pricing::{self, Priced};

use crate::model::Portfolio;
use crate::model::io::FileStamp;
use crate::model::validate::{Issue, validate};

/// How many edits can be undone; older ones are dropped first.
pub const UNDO_LIMIT: usize = 200;

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
    portfolio: Portfolio,
    saved: Portfolio,
    undo: Vec<Portfolio>,
    redo: Vec<Portfolio>,
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
            saved: portfolio.clone(),
            portfolio,
            undo: Vec::new(),
            redo: Vec::new(),
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

    /// Replaces the content with an edited version as one undoable step (no-op if unchanged).
    pub fn apply(&mut self, edited: Portfolio) {
        if edited == self.portfolio {
            return;
        }
        let previous = std::mem::replace(&mut self.portfolio, edited);
        self.undo.push(previous);
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.revalidate();
    }

    /// Steps back one edit; returns whether there was one.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else {
            return false;
        };
        self.redo
            .push(std::mem::replace(&mut self.portfolio, previous));
        self.revalidate();
        true
    }

    /// Re-applies the last undone edit; returns whether there was one.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else {
            return false;
        };
        self.undo.push(std::mem::replace(&mut self.portfolio, next));
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

    /// Whether the content differs from what is on disk.
    pub fn is_dirty(&self) -> bool {
        self.portfolio != self.saved
    }

    /// Records that `saved` was written to `path` with `stamp`. Edits made while the save ran
    /// stay unsaved.
    pub fn mark_saved(&mut self, path: PathBuf, stamp: FileStamp, saved: Portfolio) {
        self.display_name = file_name(&path);
        self.path = Some(path);
        self.stamp = Some(stamp);
        self.saved = saved;
    }

    fn revalidate(&mut self) {
        self.issues = validate(&self.portfolio);
        // The engine takes about a millisecond per thousand positions (benches/margin.rs),
        // so it runs on every edit rather than on a worker thread.
        (self.priced, self.analysis) =
            price_and_analyze(&self.portfolio, &self.board, self.priced.valued_at_ms);
        self.wanted = wanted_by(&self.portfolio, crate::model::params::library());
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
            price_and_analyze(&self.portfolio, &self.board, valued_at_ms);
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
}
