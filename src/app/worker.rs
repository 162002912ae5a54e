//! File I/O off the UI thread: opening (with or without the native file dialog) and saving run
//! on named worker threads; results come back over a channel and wake the UI.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::model::Portfolio;
use crate::model::io::{FileError, FileStamp, LoadedFile, Overwrite, load_file, save_file};

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
    /// Comment lines written at the top of the file.
    pub header: String,
    /// Target file; `None` asks the user (Save As).
    pub path: Option<PathBuf>,
    /// Whether an outside change to the target may be overwritten.
    pub overwrite: Overwrite,
    /// File name proposed in the Save As dialog.
    pub suggested_name: String,
}

/// A finished job.
#[derive(Debug)]
pub enum JobResult {
    /// An open finished (or the dialog was cancelled: `None`).
    Opened {
        /// Request number; older requests than the newest are ignored.
        request: u64,
        /// The file, or why it could not be opened; `None` if the user cancelled the dialog.
        result: Option<Result<LoadedFile, FileError>>,
    },
    /// A save finished (or the Save As dialog was cancelled: `None`).
    Saved {
        /// The portfolio as written (edits made meanwhile stay unsaved).
        snapshot: Portfolio,
        /// Where it went and its new stamp, or why it failed; `None` if cancelled.
        result: Option<(PathBuf, Result<FileStamp, FileError>)>,
        /// What to do next on success.
        then: AfterSave,
    },
}

/// Runs file jobs on background threads.
pub struct FileWorker {
    sender: Sender<JobResult>,
    receiver: Receiver<JobResult>,
    latest_open: u64,
    running: usize,
    ctx: egui::Context,
}

impl FileWorker {
    /// A worker that wakes `ctx` when a job finishes.
    pub fn new(ctx: egui::Context) -> Self {
        let (sender, receiver) = channel();
        Self {
            sender,
            receiver,
            latest_open: 0,
            running: 0,
            ctx,
        }
    }

    /// Whether any job is still running.
    pub fn is_busy(&self) -> bool {
        self.running > 0
    }

    /// Opens `path`, or asks the user for a file first when `path` is `None`.
    pub fn open(&mut self, path: Option<PathBuf>) {
        self.latest_open += 1;
        let request = self.latest_open;
        self.spawn("riskdeck-open", move || {
            let path = path.or_else(|| {
                rfd::FileDialog::new()
                    .set_title("Open portfolio")
                    .add_filter("RiskDeck portfolio", &["ron"])
                    .pick_file()
            });
            JobResult::Opened {
                request,
                result: path.map(|path| load_file(&path)),
            }
        });
    }

    /// Saves `snapshot` to `path`, or asks for a path first when `path` is `None` (Save As).
    pub fn save(&mut self, request: SaveRequest, then: AfterSave) {
        let SaveRequest {
            snapshot,
            header,
            path,
            overwrite,
            suggested_name,
        } = request;
        self.spawn("riskdeck-save", move || {
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
                result,
                then,
            }
        });
    }

    /// Results that arrived since the last call; stale opens are dropped.
    pub fn poll(&mut self) -> Vec<JobResult> {
        let mut results = Vec::new();
        while let Ok(result) = self.receiver.try_recv() {
            self.running = self.running.saturating_sub(1);
            if let JobResult::Opened { request, .. } = &result
                && *request != self.latest_open
            {
                continue;
            }
            results.push(result);
        }
        results
    }

    fn spawn(&mut self, name: &str, job: impl FnOnce() -> JobResult + Send + 'static) {
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // The receiver lives as long as the app; if it is gone the app is closing.
                let _ignored = sender.send(job());
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.running += 1,
            Err(err) => tracing::error!("cannot start the {name} thread: {err}"),
        }
    }
}
