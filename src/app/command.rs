//! Commands: every user action as a value, applied in one place ([`RiskDeckApp::run_command`]),
//! with the keyboard shortcuts that produce them and the file actions they start.

use std::path::PathBuf;

use super::document::{Document, file_name};
use super::tasks::Policy;
use super::worker::{self, AfterSave};
use super::{
    Dialog, LoadFailure, RECENT_LIMIT, RiskDeckApp, SAVE_TASK, Settings, TaskMessage, market,
    samples,
};
use crate::model::io::Overwrite;
use crate::model::parse_portfolio;
use crate::ui;

/// An action from a menu, a shortcut, a panel, the status bar or a dialog: every user action
/// is one of these, applied in one place ([`RiskDeckApp::run_command`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Command {
    /// Dark (true) or light theme.
    SetDarkMode(bool),
    /// Offline mode on or off (toggling refreshes from the new source).
    SetOffline(bool),
    /// The valuation time: the file's, now, or a chosen moment (reprices at once).
    SetValuation(crate::model::valuation::AsOf),
    /// Store a valuation time in the file (`None` removes it): one undoable edit.
    SetFileValuation(Option<i64>),
    /// Restore the default panel layout.
    ResetLayout,
    /// Fetch prices now.
    RefreshPrices,
    /// Stop the running price refresh (what arrived is kept).
    CancelRefresh,
    /// Seconds between automatic refreshes (0 = off).
    SetRefreshInterval(u64),
    /// Show the Settings window.
    ShowSettings,
    /// Close the Settings window.
    CloseSettings,
    /// Apply settings edited in the Settings window (a changed base URL or source order
    /// refreshes prices).
    ApplySettings(Box<Settings>),
    /// Select an account or underlying in every panel (`None` clears it).
    Select(Option<ui::margin::Selection>),
    /// An answer to the open dialog.
    Answer(Answer),
    /// Close the "could not open" window.
    DismissLoadFailure,
    /// Open a file (asks about unsaved changes first).
    Open(PathBuf),
    /// Show the open dialog (asks about unsaved changes first).
    OpenDialog,
    /// Show the in-app path prompt (File > Open by path…), with why when `Some`.
    OpenPathPrompt(Option<String>),
    /// Close the in-app path prompt.
    ClosePathPrompt,
    /// Open a bundled sample (index into [`samples::SAMPLES`]).
    OpenSample(usize),
    /// Save to the current file (Save As if there is none).
    Save,
    /// Save under a new name.
    SaveAs,
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Quit (asks about unsaved changes first).
    Quit,
}

/// The answers the dialogs offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Save first, then carry on.
    Save(AfterSave),
    /// Carry on without saving.
    Discard(AfterSave),
    /// Overwrite the file changed on disk, then carry on.
    Overwrite(AfterSave),
    /// Save under another name, then carry on.
    SaveAs(AfterSave),
    /// Close the dialog and do nothing.
    Dismiss,
}

impl RiskDeckApp {
    /// Applies a command; commands that would lose unsaved changes ask first.
    pub fn run_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SetDarkMode(dark) => {
                self.state.dark_mode = dark;
                ui::theme::apply(ctx, dark);
            }
            // The market tick sees the change and refreshes from the new source.
            Command::SetOffline(offline) => self.state.offline = offline,
            Command::SetValuation(as_of) => {
                self.valuation = as_of;
                self.refresh_prices();
            }
            Command::SetFileValuation(at_ms) => {
                if let Some(document) = &mut self.document {
                    let mut edited = document.portfolio().clone();
                    edited.valuation = at_ms.map(|ms| crate::model::valuation::Valuation {
                        as_of: crate::model::valuation::to_text(ms),
                    });
                    document.apply(edited);
                    self.valuation = crate::model::valuation::AsOf::File;
                    self.refresh_prices();
                }
            }
            Command::ResetLayout => self.state.layout = ui::default_tree(),
            Command::RefreshPrices => self.refresh_prices(),
            Command::CancelRefresh => self.tasks.cancel(market::PRICES_TASK),
            Command::SetRefreshInterval(seconds) => self.state.refresh_interval_s = seconds,
            Command::ShowSettings => self.settings_open = true,
            Command::CloseSettings => self.settings_open = false,
            Command::ApplySettings(settings) => {
                let refetch = settings.feed != self.state.feed;
                self.state.apply(*settings);
                if refetch {
                    self.refresh_prices();
                }
            }
            Command::Select(selection) => self.selection = selection,
            Command::Answer(answer) => {
                // The dialog closes first: a save may open the next one (cannot save, changed
                // on disk).
                self.dialog = None;
                match answer {
                    Answer::Save(then) => self.save(false, then, None),
                    Answer::Discard(then) => self.proceed(ctx, then),
                    Answer::Overwrite(then) => self.save(false, then, Some(Overwrite::Always)),
                    Answer::SaveAs(then) => self.save(true, then, None),
                    Answer::Dismiss => {}
                }
            }
            Command::DismissLoadFailure => self.load_failure = None,
            Command::Open(path) => self.guard_unsaved(ctx, AfterSave::Open(path)),
            Command::OpenDialog => self.guard_unsaved(ctx, AfterSave::OpenDialog),
            Command::OpenPathPrompt(reason) => self.show_path_prompt(reason),
            Command::ClosePathPrompt => self.path_prompt = None,
            Command::OpenSample(index) => self.guard_unsaved(ctx, AfterSave::OpenSample(index)),
            Command::Quit => self.guard_unsaved(ctx, AfterSave::Quit),
            Command::Save => self.save(false, AfterSave::Nothing, None),
            Command::SaveAs => self.save(true, AfterSave::Nothing, None),
            Command::Undo => {
                if let Some(document) = &mut self.document
                    && document.undo()
                {
                    self.notice = Some("Undone.".to_owned());
                }
            }
            Command::Redo => {
                if let Some(document) = &mut self.document
                    && document.redo()
                {
                    self.notice = Some("Redone.".to_owned());
                }
            }
        }
    }

    pub(super) fn guard_unsaved(&mut self, ctx: &egui::Context, then: AfterSave) {
        if self.document.as_ref().is_some_and(Document::is_dirty) {
            self.dialog = Some(Dialog::UnsavedChanges { then });
        } else {
            self.proceed(ctx, then);
        }
    }

    pub(super) fn proceed(&mut self, ctx: &egui::Context, then: AfterSave) {
        match then {
            AfterSave::Nothing => {}
            AfterSave::Open(path) => self.open_file(Some(path)),
            AfterSave::OpenDialog => self.open_file(None),
            AfterSave::OpenSample(index) => self.open_sample(index),
            AfterSave::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    pub(super) fn open_sample(&mut self, index: usize) {
        let Some((name, text)) = samples::SAMPLES.get(index) else {
            return;
        };
        match parse_portfolio(text) {
            Ok(portfolio) => {
                self.edits.clear();
                self.load_failure = None;
                let header = crate::model::io::leading_comment(text);
                self.document = Some(Document::new(
                    portfolio,
                    None,
                    format!("{name} (sample)"),
                    None,
                    header,
                ));
                self.apply_board();
                self.notice = Some(format!(
                    "Opened the bundled sample {name}; Save As to keep a copy."
                ));
            }
            Err(problems) => {
                self.load_failure = Some(LoadFailure {
                    path: PathBuf::from(name),
                    problems,
                    message: None,
                });
            }
        }
    }

    /// Starts a save. `overwrite` overrides the outside-change check (the user confirmed).
    pub(super) fn save(&mut self, save_as: bool, then: AfterSave, overwrite: Option<Overwrite>) {
        let Some(document) = &mut self.document else {
            return;
        };
        if !document.issues().is_empty() || self.edits.has_invalid() {
            self.dialog = Some(Dialog::CannotSave);
            return;
        }
        let (snapshot, state) = document.snapshot();
        let path = if save_as { None } else { document.path.clone() };
        let overwrite = overwrite
            .or_else(|| document.stamp.map(Overwrite::IfUnchanged))
            .unwrap_or(Overwrite::Always);
        let suggested = document
            .path
            .as_deref()
            .map_or_else(|| document.display_name.replace(" (sample)", ""), file_name);
        self.notice = Some("Saving…".to_owned());
        let request = worker::SaveRequest {
            snapshot,
            state,
            header: document.header.clone(),
            path,
            overwrite,
            suggested_name: suggested,
        };
        let job = worker::save_job(request, then);
        self.tasks.spawn(SAVE_TASK, Policy::Keep, move |cx| {
            cx.send(TaskMessage::File(job()));
        });
    }

    pub(super) fn remember_recent(&mut self, path: &std::path::Path) {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        self.state.recent_files.retain(|known| known != &absolute);
        self.state.recent_files.insert(0, absolute);
        self.state.recent_files.truncate(RECENT_LIMIT);
    }

    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Command> {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let mut commands = Vec::new();
        // Text fields keep Ctrl+Z for their own text while they have focus.
        let typing = ctx.memory(|memory| memory.focused().is_some());
        ctx.input_mut(|input| {
            let shortcut = |modifiers, key| KeyboardShortcut::new(modifiers, key);
            if input.consume_shortcut(&shortcut(Modifiers::COMMAND | Modifiers::SHIFT, Key::S)) {
                commands.push(Command::SaveAs);
            }
            if input.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::S)) {
                commands.push(Command::Save);
            }
            if input.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::O)) {
                commands.push(Command::OpenDialog);
            }
            if input.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::Q)) {
                commands.push(Command::Quit);
            }
            if !typing {
                if input.consume_shortcut(&shortcut(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z))
                    || input.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::Y))
                {
                    commands.push(Command::Redo);
                }
                if input.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::Z)) {
                    commands.push(Command::Undo);
                }
            }
        });
        commands
    }
}
