//! File I/O off the UI thread: opening (with or without the native file dialog) and saving,
//! as jobs the task layer ([`super::tasks`]) runs; results come back as [`JobResult`]s.

use std::path::PathBuf;

use crate::model::Portfolio;
use crate::model::io::{FileError, LoadedFile, Overwrite, Saved, load_file, save_file};

/// What to do once a save has succeeded (the action that asked for the save).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterSave {
    /// Nothing more.
    Nothing,
    /// Open this file next.
    Open(PathBuf),
    /// Show the open dialog next.
    OpenDialog,
    /// Open a bundled sample next (index into `SAMPLES`).
    OpenSample(usize),
    /// Quit the application.
    Quit,
}

/// What to save where.
pub struct SaveRequest {
    /// The portfolio to write.
    pub snapshot: Portfolio,
    /// The document state it is (see `Document::snapshot`).
    pub state: u64,
    /// Comment lines written at the top of the file.
    pub header: String,
    /// Target file; `None` asks the user (Save As).
    pub path: Option<PathBuf>,
    /// Whether an outside change to the target may be overwritten.
    pub overwrite: Overwrite,
    /// File name proposed in the Save As dialog.
    pub suggested_name: String,
}

/// A finished file job.
#[derive(Debug)]
pub enum JobResult {
    /// An open finished (or the dialog was cancelled: `None`).
    Opened {
        /// The file, or why it could not be opened; `None` if the user cancelled the dialog.
        result: Option<Result<LoadedFile, FileError>>,
    },
    /// A save finished (or the Save As dialog was cancelled: `None`).
    Saved {
        /// The portfolio as written (edits made meanwhile stay unsaved).
        snapshot: Portfolio,
        /// The document state that was written.
        state: u64,
        /// Where it went and its new stamp (and any other writer's version kept aside), or
        /// why it failed; `None` if cancelled.
        result: Option<(PathBuf, Result<Saved, FileError>)>,
        /// What to do next on success.
        then: AfterSave,
    },
}

/// The task that opens `path`, or asks the user for a file first when `path` is `None`.
/// Runs as the `open` task: a newer open supersedes it.
pub fn open_job(path: Option<PathBuf>) -> impl FnOnce() -> JobResult + Send + 'static {
    move || {
        let path = path.or_else(|| {
            rfd::FileDialog::new()
                .set_title("Open portfolio")
                .add_filter("RiskDeck portfolio", &["ron"])
                .pick_file()
        });
        JobResult::Opened {
            result: path.map(|path| load_file(&path)),
        }
    }
}

/// The task that saves `request`, asking for a path first when it has none (Save As).
/// Runs as the `save` task: every save's result is delivered.
pub fn save_job(request: SaveRequest, then: AfterSave) -> impl FnOnce() -> JobResult + Send {
    let SaveRequest {
        snapshot,
        state,
        header,
        path,
        overwrite,
        suggested_name,
    } = request;
    move || {
        let (path, overwrite) = match path {
            Some(path) => (Some(path), overwrite),
            // The native dialog asks before replacing an existing file.
            None => (
                rfd::FileDialog::new()
                    .set_title("Save portfolio as")
                    .set_file_name(suggested_name)
                    .add_filter("RiskDeck portfolio", &["ron"])
                    .save_file(),
                Overwrite::Always,
            ),
        };
        let result = path.map(|path| {
            let result = save_file(&path, &snapshot, &header, overwrite);
            (path, result)
        });
        JobResult::Saved {
            snapshot,
            state,
            result,
            then,
        }
    }
}
