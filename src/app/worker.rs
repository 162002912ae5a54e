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
    /// The system's file dialog did not appear (a bare X11 desktop has no XDG portal): the
    /// app offers its own path field instead.
    NoFileDialog {
        /// What is known about why.
        reason: String,
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
#[expect(
    clippy::disallowed_methods,
    reason = "times the native dialog to tell 'did not appear' from 'cancelled' (shell)"
)]
pub fn open_job(path: Option<PathBuf>) -> impl FnOnce() -> JobResult + Send + 'static {
    move || {
        let path = match path {
            Some(path) => Some(path),
            None => {
                let started = std::time::Instant::now();
                let picked = rfd::FileDialog::new()
                    .set_title("Open portfolio")
                    .add_filter("RiskDeck portfolio", &["ron"])
                    .pick_file();
                // rfd answers `None` both when the user cancels and when no dialog could be
                // shown; nobody cancels a dialog within a fifth of a second.
                if picked.is_none() && started.elapsed() < NO_DIALOG_WITHIN {
                    return JobResult::NoFileDialog {
                        reason: no_dialog_reason(),
                    };
                }
                picked
            }
        };
        JobResult::Opened {
            result: path.map(|path| load_file(&path)),
        }
    }
}

/// A native dialog that returns nothing this fast did not appear.
const NO_DIALOG_WITHIN: std::time::Duration = std::time::Duration::from_millis(200);

/// Why the native dialog may not have appeared, as far as the environment tells.
fn no_dialog_reason() -> String {
    if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        "The system file dialog could not open: there is no D-Bus session, so no XDG \
         desktop portal (a bare X11 desktop)."
            .to_owned()
    } else {
        "The system file dialog did not appear (no XDG desktop portal answered).".to_owned()
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
