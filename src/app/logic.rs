//! Logic: what happens between frames. Task results (files opened and saved, price boards),
//! prices given to the document, the auto-refresh, the window title.

use std::path::PathBuf;
use std::sync::Arc;

use super::document::{Document, file_name};
use super::tasks::Policy;
use super::worker::{self, JobResult};
use super::{Dialog, LoadFailure, OPEN_TASK, RiskDeckApp, TaskMessage};
use crate::model::io::FileError;

impl RiskDeckApp {
    /// Opens `path` (or asks for a file) as the `open` task: a newer open supersedes it.
    pub(super) fn open_file(&mut self, path: Option<PathBuf>) {
        let job = worker::open_job(path);
        self.tasks.spawn(OPEN_TASK, Policy::Supersede, move |cx| {
            cx.send(TaskMessage::File(job()));
        });
    }

    /// Shows the in-app open prompt, listing the portfolio files of the recent files' folders
    /// (read here, once, not on every frame).
    pub(super) fn show_path_prompt(&mut self, reason: Option<String>) {
        let mut folders: Vec<PathBuf> = Vec::new();
        for file in &self.state.recent_files {
            if let Some(folder) = file.parent()
                && !folders.iter().any(|f| f == folder)
            {
                folders.push(folder.to_owned());
            }
        }
        let mut nearby: Vec<PathBuf> = folders
            .iter()
            .filter_map(|folder| std::fs::read_dir(folder).ok())
            .flat_map(|entries| entries.flatten().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .take(200)
            .collect();
        nearby.sort();
        nearby.dedup();
        let text = folders
            .first()
            .map(|f| format!("{}/", f.display()))
            .unwrap_or_default();
        self.path_prompt = Some(super::PathPrompt {
            text,
            reason,
            nearby,
        });
    }

    /// Takes what the background tasks sent: file results and price boards.
    pub(super) fn poll_tasks(&mut self, ctx: &egui::Context) {
        let mut board_arrived = false;
        for (_, message) in self.tasks.poll() {
            match message {
                TaskMessage::File(result) => self.handle_file_result(ctx, result),
                TaskMessage::Prices(event) => {
                    board_arrived |= self.market.handle(event, self.clock.now_ms());
                }
            }
        }
        if board_arrived {
            self.apply_board();
        }
    }

    /// Asks for fresh prices of the open portfolio (or the watch list).
    pub fn refresh_prices(&mut self) {
        self.wanted = self
            .document
            .as_ref()
            .map_or_else(crate::market::board::watch_list, |d| d.wanted().to_vec());
        self.wanted_offline = self.state.offline;
        let past = self.past_valuation();
        self.market.refresh(
            &mut self.tasks,
            TaskMessage::Prices,
            self.wanted.clone(),
            self.state.offline,
            self.state.feed.clone(),
            past,
        );
    }

    /// The past valuation time the user's choice asks for (`None`: now), noting in the
    /// toolbar why a choice cannot be used (then the numbers are for now, and say so).
    fn past_valuation(&mut self) -> Option<i64> {
        let portfolio = self.document.as_ref().map(Document::portfolio);
        match crate::pricing::past_time(self.valuation, portfolio, self.clock.now_ms()) {
            Ok(past) => {
                self.valuation_error = None;
                past
            }
            Err(message) => {
                self.valuation_error = Some(format!("{message}; valued now instead"));
                None
            }
        }
    }

    /// Gives the latest board's prices to the open document.
    pub(super) fn apply_board(&mut self) {
        let (Some(board), Some(document)) = (&self.market.board, &mut self.document) else {
            return;
        };
        let board = match crate::pricing::for_choice(board, self.valuation) {
            std::borrow::Cow::Borrowed(_) => Arc::clone(board),
            std::borrow::Cow::Owned(now) => Arc::new(now),
        };
        document.set_board(board, self.clock.now_ms());
        self.margin_view
            .funding_rates
            .clone_from(&document.priced().funding_rates);
    }

    /// Takes finished refreshes and starts new ones: when the portfolio needs instruments the
    /// board lacks, and every `refresh_interval_s` unless offline.
    pub(super) fn market_tick(&mut self, ctx: &egui::Context) {
        // A file being opened decides what to price: do not spend a refresh on the watch list.
        if self.is_refreshing() || (self.document.is_none() && self.is_busy()) {
            return;
        }
        // The document keeps its list current on every edit; comparing it costs no work.
        let wanted_changed = match &self.document {
            Some(document) => document.wanted() != self.wanted.as_slice(),
            None => self.wanted != crate::market::board::watch_list(),
        };
        let interval = std::time::Duration::from_secs(self.state.refresh_interval_s);
        // A past valuation's closes do not change: only a new choice or file reprices it.
        let past_changed = {
            let portfolio = self.document.as_ref().map(Document::portfolio);
            crate::pricing::past_time(self.valuation, portfolio, self.clock.now_ms())
                .ok()
                .flatten()
                != self.market.past
        };
        let due = self.market.last_started.is_none_or(|started| {
            self.market.past.is_none()
                && !self.state.offline
                && self.state.refresh_interval_s > 0
                && started.elapsed() >= interval
        });
        if wanted_changed || past_changed || self.wanted_offline != self.state.offline || due {
            self.refresh_prices();
        } else if !self.state.offline
            && self.state.refresh_interval_s > 0
            && let Some(started) = self.market.last_started
        {
            ctx.request_repaint_after(interval.saturating_sub(started.elapsed()));
        }
    }

    pub(super) fn handle_file_result(&mut self, ctx: &egui::Context, result: JobResult) {
        {
            match result {
                JobResult::Opened { result: None } => {}
                JobResult::NoFileDialog { reason } => self.show_path_prompt(Some(reason)),
                JobResult::Opened {
                    result: Some(Ok(loaded)),
                } => {
                    self.remember_recent(&loaded.path);
                    self.edits.clear();
                    self.load_failure = None;
                    self.notice = Some(format!("Opened {}.", loaded.path.display()));
                    let name = file_name(&loaded.path);
                    self.document = Some(Document::new(
                        loaded.portfolio,
                        Some(loaded.path),
                        name,
                        Some(loaded.stamp),
                        loaded.header,
                    ));
                    self.apply_board();
                }
                JobResult::Opened {
                    result: Some(Err(err)),
                } => {
                    self.notice = Some(
                        "The file could not be opened; the current portfolio is unchanged."
                            .to_owned(),
                    );
                    self.load_failure = Some(match err {
                        FileError::Invalid { path, problems } => LoadFailure {
                            path,
                            problems,
                            message: None,
                        },
                        FileError::Read { ref path, .. } => LoadFailure {
                            path: path.clone(),
                            problems: Vec::new(),
                            message: Some(err.to_string()),
                        },
                        other => LoadFailure {
                            path: PathBuf::new(),
                            problems: Vec::new(),
                            message: Some(other.to_string()),
                        },
                    });
                }
                JobResult::Saved { result: None, .. } => {
                    self.notice = Some("Save cancelled.".to_owned())
                }
                JobResult::Saved {
                    state,
                    result: Some((path, Ok(saved))),
                    then,
                    ..
                } => {
                    self.remember_recent(&path);
                    match &saved.conflict {
                        None => {
                            self.notice = Some(format!(
                                "Saved {} (previous version kept as .bak).",
                                path.display()
                            ));
                        }
                        Some(kept) => {
                            let message = format!(
                                "Saved {}, but another program wrote the file while it was \
                                 being saved. Its version was not lost: it is kept as {}. \
                                 Compare the two and merge what you need.",
                                path.display(),
                                kept.display()
                            );
                            self.notice = Some(format!(
                                "Saved; another program's version kept as {}.",
                                kept.display()
                            ));
                            self.dialog = Some(Dialog::Error {
                                title: "Another program changed the file".to_owned(),
                                message,
                            });
                        }
                    }
                    if let Some(document) = &mut self.document {
                        document.mark_saved(path, saved.stamp, state);
                    }
                    if saved.conflict.is_none() {
                        self.proceed(ctx, then);
                    }
                }
                JobResult::Saved {
                    result: Some((_, Err(FileError::ChangedOnDisk { .. }))),
                    then,
                    ..
                } => {
                    self.notice = Some("Not saved: the file changed on disk.".to_owned());
                    self.dialog = Some(Dialog::ChangedOnDisk { then });
                }
                JobResult::Saved {
                    result: Some((_, Err(err))),
                    ..
                } => {
                    self.notice = Some("Not saved.".to_owned());
                    self.dialog = Some(Dialog::Error {
                        title: "Could not save".to_owned(),
                        message: err.to_string(),
                    });
                }
            }
        }
    }

    pub(super) fn update_title(&mut self, ctx: &egui::Context) {
        let title = match &self.document {
            Some(document) => format!(
                "{}{} - RiskDeck",
                if document.is_dirty() { "* " } else { "" },
                document.display_name
            ),
            None => "RiskDeck".to_owned(),
        };
        if title != self.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.shown_title = title;
        }
    }
}
