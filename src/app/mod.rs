//! The desktop application: window, menus, shortcuts, docked panels, dialogs.
//!
//! Split as the egui demo app and rerun's viewer are: state ([`RiskDeckApp`], [`PersistedState`],
//! the open [`Document`]), commands ([`Command`]: every user action, from menus, shortcuts,
//! panels, the status bar and dialogs, applied in one place, [`RiskDeckApp::run_command`]),
//! logic (`eframe::App::logic`: task results, dropped files, close requests) and ui (menus,
//! status bar, docked panels, dialogs; they push commands instead of changing state).
//! Background work runs as named tasks ([`tasks`]): opening and saving files, refreshing
//! prices. The margin engine itself runs on commit, on this thread: it takes about a
//! millisecond per thousand positions (`benches/margin.rs`); heavier views will be tasks.

pub mod document;
pub mod market;
pub mod samples;
pub mod settings;
pub mod tasks;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::io::{FileError, Overwrite, format_problems};
use crate::model::{Problem, parse_portfolio};
use crate::ui::{self, Pane, fields::FieldEdits};
use document::{Document, file_name};
use tasks::{Policy, Tasks};
use worker::{AfterSave, JobResult};

/// The task that opens a file (a newer open supersedes an older one).
const OPEN_TASK: &str = "open";
/// The task that saves a file (every save's result is delivered).
const SAVE_TASK: &str = "save";

/// How many files the "Open recent" menu remembers.
const RECENT_LIMIT: usize = 10;

/// UI state kept between runs (eframe persistence). Portfolio content is never stored here.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PersistedState {
    /// Most recent first.
    pub recent_files: Vec<PathBuf>,
    /// Dark theme (default) or light.
    pub dark_mode: bool,
    /// Never touch the network.
    pub offline: bool,
    /// Panel arrangement.
    pub layout: egui_tiles::Tree<Pane>,
    /// Seconds between automatic price refreshes (0 = only on demand).
    pub refresh_interval_s: u64,
    /// Source order and base URLs.
    pub feed: market::FeedSettings,
    /// Age (seconds) after which a live price is drawn as stale.
    pub stale_mark_s: i64,
    /// Age (seconds) after which a bundled or historical price is drawn as stale.
    pub stale_history_s: i64,
}

/// The part of [`PersistedState`] the Settings window edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Never touch the network.
    pub offline: bool,
    /// Seconds between automatic price refreshes (0 = only on demand).
    pub refresh_interval_s: u64,
    /// Age (seconds) after which a live price is drawn as stale.
    pub stale_mark_s: i64,
    /// Age (seconds) after which a bundled or historical price is drawn as stale.
    pub stale_history_s: i64,
    /// Source order and base URLs.
    pub feed: market::FeedSettings,
}

impl PersistedState {
    /// The settings the Settings window shows.
    pub fn settings(&self) -> Settings {
        Settings {
            offline: self.offline,
            refresh_interval_s: self.refresh_interval_s,
            stale_mark_s: self.stale_mark_s,
            stale_history_s: self.stale_history_s,
            feed: self.feed.clone(),
        }
    }

    fn apply(&mut self, settings: Settings) {
        let Settings {
            offline,
            refresh_interval_s,
            stale_mark_s,
            stale_history_s,
            feed,
        } = settings;
        self.offline = offline;
        self.refresh_interval_s = refresh_interval_s;
        self.stale_mark_s = stale_mark_s;
        self.stale_history_s = stale_history_s;
        self.feed = feed;
    }
}

impl Default for PersistedState {
    fn default() -> Self {
        Self {
            recent_files: Vec::new(),
            dark_mode: true,
            offline: false,
            layout: ui::default_tree(),
            refresh_interval_s: 60,
            feed: market::FeedSettings::default(),
            stale_mark_s: crate::market::board::STALE_MARK_SECONDS,
            stale_history_s: crate::market::board::STALE_HISTORY_SECONDS,
        }
    }
}

/// An action from a menu, a shortcut, a panel, the status bar or a dialog: every user action
/// is one of these, applied in one place ([`RiskDeckApp::run_command`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Command {
    /// Dark (true) or light theme.
    SetDarkMode(bool),
    /// Offline mode on or off (toggling refreshes from the new source).
    SetOffline(bool),
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

/// What background tasks send home (see [`tasks`]).
pub enum TaskMessage {
    /// A file was opened or saved (tasks `open` and `save`).
    File(JobResult),
    /// The `prices` task's progress and boards.
    Prices(market::PriceEvent),
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

/// A modal question or message.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Dialog {
    /// Unsaved changes would be lost by `then`.
    UnsavedChanges { then: AfterSave },
    /// The file changed on disk since it was opened.
    ChangedOnDisk { then: AfterSave },
    /// The portfolio has validation problems and cannot be saved yet.
    CannotSave,
    /// Something failed; the message says what.
    Error { title: String, message: String },
}

/// A file that could not be opened, with every problem.
struct LoadFailure {
    path: PathBuf,
    problems: Vec<Problem>,
    message: Option<String>,
}

/// The eframe application.
pub struct RiskDeckApp {
    /// Persisted UI state.
    pub state: PersistedState,
    /// The open portfolio, if any.
    pub document: Option<Document>,
    edits: FieldEdits,
    /// Sorting and expanded rows of the Margin panel.
    margin_view: ui::margin::MarginView,
    /// The account or underlying selected in one panel, highlighted in the others.
    selection: Option<ui::margin::Selection>,
    /// Background work: file I/O and price refreshes, by name.
    tasks: Tasks<TaskMessage>,
    /// Prices: the feed and the latest board.
    market: market::MarketService,
    /// What the last refresh asked for (a new file or edit may need more).
    wanted: Vec<crate::market::board::Wanted>,
    /// Whether the last refresh was offline (toggling refreshes).
    wanted_offline: bool,
    /// The Settings window is shown.
    settings_open: bool,
    dialog: Option<Dialog>,
    load_failure: Option<LoadFailure>,
    notice: Option<String>,
    allow_close: bool,
    shown_title: String,
}

impl RiskDeckApp {
    /// Creates the app: restores the persisted state and opens `file`, else the most recent
    /// file, else a bundled sample.
    pub fn new(cc: &eframe::CreationContext<'_>, file: Option<PathBuf>, offline: bool) -> Self {
        let feed = market::LiveFeed::new();
        Self::with_feed(cc, file, offline, Box::new(feed))
    }

    /// [`RiskDeckApp::new`] with another price feed (tests use a fake one).
    pub fn with_feed(
        cc: &eframe::CreationContext<'_>,
        file: Option<PathBuf>,
        offline: bool,
        feed: Box<dyn market::PriceFeed>,
    ) -> Self {
        let mut state: PersistedState = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default();
        if !ui::tree_is_complete(&state.layout) {
            state.layout = ui::default_tree();
        }
        state.offline |= offline;
        ui::theme::apply(&cc.egui_ctx, state.dark_mode);
        let mut app = Self {
            tasks: {
                let ctx = cc.egui_ctx.clone();
                Tasks::new(move || ctx.request_repaint())
            },
            market: market::MarketService::new(feed),
            wanted: Vec::new(),
            wanted_offline: false,
            settings_open: false,
            state,
            document: None,
            edits: FieldEdits::default(),
            margin_view: ui::margin::MarginView::default(),
            selection: None,
            dialog: None,
            load_failure: None,
            notice: None,
            allow_close: false,
            shown_title: String::new(),
        };
        let recent = app
            .state
            .recent_files
            .iter()
            .find(|path| path.exists())
            .cloned();
        match file.or(recent) {
            Some(path) => app.open_file(Some(path)),
            None => app.open_sample(0),
        }
        app
    }

    /// Whether a file job is still running (tests wait for it).
    pub fn is_busy(&self) -> bool {
        self.tasks.is_running(OPEN_TASK) || self.tasks.is_running(SAVE_TASK)
    }

    /// Whether a price refresh is running (tests wait for it).
    pub fn is_refreshing(&self) -> bool {
        self.tasks.is_running(market::PRICES_TASK)
    }

    /// Opens `path` (or asks for a file) as the `open` task: a newer open supersedes it.
    fn open_file(&mut self, path: Option<PathBuf>) {
        let job = worker::open_job(path);
        self.tasks.spawn(OPEN_TASK, Policy::Supersede, move |cx| {
            cx.send(TaskMessage::File(job()));
        });
    }

    /// Takes what the background tasks sent: file results and price boards.
    fn poll_tasks(&mut self, ctx: &egui::Context) {
        let mut board_arrived = false;
        for (_, message) in self.tasks.poll() {
            match message {
                TaskMessage::File(result) => self.handle_file_result(ctx, result),
                TaskMessage::Prices(event) => {
                    board_arrived |= self.market.handle(event, crate::market::fetch::now_ms());
                }
            }
        }
        if board_arrived {
            self.apply_board();
        }
    }

    /// The latest price board (tests read it).
    pub fn board(&self) -> Option<&crate::market::board::Board> {
        self.market.board.as_deref()
    }

    /// Asks for fresh prices of the open portfolio (or the watch list).
    pub fn refresh_prices(&mut self) {
        self.wanted = self
            .document
            .as_ref()
            .map_or_else(crate::market::board::watch_list, |d| d.wanted().to_vec());
        self.wanted_offline = self.state.offline;
        self.market.refresh(
            &mut self.tasks,
            TaskMessage::Prices,
            self.wanted.clone(),
            self.state.offline,
            self.state.feed.clone(),
        );
    }

    /// Gives the latest board's prices to the open document.
    fn apply_board(&mut self) {
        let (Some(board), Some(document)) = (&self.market.board, &mut self.document) else {
            return;
        };
        document.set_board(Arc::clone(board), crate::market::fetch::now_ms());
        self.margin_view
            .funding_rates
            .clone_from(&document.priced().funding_rates);
    }

    /// Takes finished refreshes and starts new ones: when the portfolio needs instruments the
    /// board lacks, and every `refresh_interval_s` unless offline.
    fn market_tick(&mut self, ctx: &egui::Context) {
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
        let due = self.market.last_started.is_none_or(|started| {
            !self.state.offline
                && self.state.refresh_interval_s > 0
                && started.elapsed() >= interval
        });
        if wanted_changed || self.wanted_offline != self.state.offline || due {
            self.refresh_prices();
        } else if !self.state.offline
            && self.state.refresh_interval_s > 0
            && let Some(started) = self.market.last_started
        {
            ctx.request_repaint_after(interval.saturating_sub(started.elapsed()));
        }
    }

    /// The last status message (tests read it).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Problems of the last file that failed to open (tests read them).
    pub fn load_problems(&self) -> Option<&[Problem]> {
        self.load_failure
            .as_ref()
            .map(|failure| failure.problems.as_slice())
    }

    /// Applies a command; commands that would lose unsaved changes ask first.
    pub fn run_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SetDarkMode(dark) => {
                self.state.dark_mode = dark;
                ui::theme::apply(ctx, dark);
            }
            // The market tick sees the change and refreshes from the new source.
            Command::SetOffline(offline) => self.state.offline = offline,
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

    fn guard_unsaved(&mut self, ctx: &egui::Context, then: AfterSave) {
        if self.document.as_ref().is_some_and(Document::is_dirty) {
            self.dialog = Some(Dialog::UnsavedChanges { then });
        } else {
            self.proceed(ctx, then);
        }
    }

    fn proceed(&mut self, ctx: &egui::Context, then: AfterSave) {
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

    fn open_sample(&mut self, index: usize) {
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
    fn save(&mut self, save_as: bool, then: AfterSave, overwrite: Option<Overwrite>) {
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

    fn remember_recent(&mut self, path: &std::path::Path) {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        self.state.recent_files.retain(|known| known != &absolute);
        self.state.recent_files.insert(0, absolute);
        self.state.recent_files.truncate(RECENT_LIMIT);
    }

    fn handle_file_result(&mut self, ctx: &egui::Context, result: JobResult) {
        {
            match result {
                JobResult::Opened { result: None } => {}
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
                    result: Some((path, Ok(stamp))),
                    then,
                    ..
                } => {
                    self.remember_recent(&path);
                    self.notice = Some(format!(
                        "Saved {} (previous version kept as .bak).",
                        path.display()
                    ));
                    if let Some(document) = &mut self.document {
                        document.mark_saved(path, stamp, state);
                    }
                    self.proceed(ctx, then);
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

    fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Command> {
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

    fn menu_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    commands.push(Command::OpenDialog);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.state.recent_files.is_empty() {
                        ui.weak("No recent files");
                    }
                    for path in &self.state.recent_files {
                        if ui.button(path.display().to_string()).clicked() {
                            commands.push(Command::Open(path.clone()));
                        }
                    }
                });
                ui.menu_button("Open sample", |ui| {
                    for (index, (name, _)) in samples::SAMPLES.iter().enumerate() {
                        if ui.button(*name).clicked() {
                            commands.push(Command::OpenSample(index));
                        }
                    }
                });
                ui.separator();
                let has_document = self.document.is_some();
                if ui
                    .add_enabled(
                        has_document,
                        egui::Button::new("Save").shortcut_text("Ctrl+S"),
                    )
                    .clicked()
                {
                    commands.push(Command::Save);
                }
                if ui
                    .add_enabled(
                        has_document,
                        egui::Button::new("Save as…").shortcut_text("Ctrl+Shift+S"),
                    )
                    .clicked()
                {
                    commands.push(Command::SaveAs);
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Quit").shortcut_text("Ctrl+Q"))
                    .clicked()
                {
                    commands.push(Command::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                let can_undo = self.document.as_ref().is_some_and(Document::can_undo);
                let can_redo = self.document.as_ref().is_some_and(Document::can_redo);
                if ui
                    .add_enabled(can_undo, egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    commands.push(Command::Undo);
                }
                if ui
                    .add_enabled(can_redo, egui::Button::new("Redo").shortcut_text("Ctrl+Y"))
                    .clicked()
                {
                    commands.push(Command::Redo);
                }
            });
            ui.menu_button("View", |ui| {
                let mut dark = self.state.dark_mode;
                if ui.checkbox(&mut dark, "Dark theme").changed() {
                    commands.push(Command::SetDarkMode(dark));
                }
                let mut offline = self.state.offline;
                if ui
                    .checkbox(&mut offline, "Offline (never use the network)")
                    .changed()
                {
                    commands.push(Command::SetOffline(offline));
                }
                if ui.button("Settings…").clicked() {
                    commands.push(Command::ShowSettings);
                }
                if ui.button("Reset panel layout").clicked() {
                    commands.push(Command::ResetLayout);
                }
            });
        });
    }

    fn status_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            match &self.document {
                Some(document) => {
                    let where_ = document.path.as_ref().map_or_else(
                        || document.display_name.clone(),
                        |path| path.display().to_string(),
                    );
                    ui.label(where_);
                    if document.is_dirty() {
                        ui.colored_label(ui::theme::warn_color(ui), "unsaved changes");
                    }
                    let problems = document.issues().len();
                    if problems > 0 {
                        ui.colored_label(
                            ui::theme::error_color(ui),
                            format!("{problems} problems"),
                        );
                    }
                }
                None => {
                    ui.label("No portfolio open");
                }
            }
            ui.separator();
            self.prices_status_ui(ui, commands);
            if self.is_busy() {
                ui.separator();
                ui.spinner();
                ui.label("Working…");
            }
            if let Some(notice) = &self.notice {
                ui.separator();
                ui.weak(notice);
            }
        });
    }

    /// Price status: offline note, one light per venue, refresh progress, Refresh now,
    /// Cancel, the offline toggle and the auto-refresh interval.
    fn prices_status_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        use crate::market::fetch::VenueState;
        let now = crate::market::fetch::now_ms();
        if let Some(board) = &self.market.board {
            if let Some(as_of) = board.offline_as_of {
                let text = match board
                    .cache_saved_at_ms
                    .and_then(crate::present::format::utc_time)
                {
                    Some(saved) => format!("offline — cached prices of {saved}"),
                    None => format!("offline — bundled data as of {as_of}"),
                };
                ui.label(text).on_hover_text(
                    "No request is sent while offline. Prices come from the last cached \
                     refresh, else from the bundled Binance daily closes.",
                );
            }
            for (source, report) in &board.venues {
                let (color, state) = match report.state {
                    VenueState::Ok if report.elapsed.as_secs() >= 3 => {
                        (ui::theme::warn_color(ui), "slow")
                    }
                    VenueState::Ok => (ui::theme::OK_LIGHT, "ok"),
                    VenueState::Partial => (ui::theme::warn_color(ui), "partly failed"),
                    VenueState::RateLimited => (ui::theme::warn_color(ui), "rate-limited"),
                    VenueState::Blocked => (ui::theme::error_color(ui), "blocked"),
                    VenueState::Failed => (ui::theme::error_color(ui), "failing"),
                    VenueState::Offline => (ui.visuals().weak_text_color(), "offline"),
                };
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().circle_filled(rect.center(), 4.5, color);
                let mut hover = format!(
                    "{}: {state}, {} of {} requests answered in {} ms",
                    source.display_name(),
                    report.answered,
                    report.requested,
                    report.elapsed.as_millis()
                );
                if let Some(ok) = self.market.last_success_ms.get(source) {
                    hover.push_str(&format!(
                        "\nLast success {} s ago",
                        (now - ok).max(0) / 1000
                    ));
                }
                for error in board.errors.iter().filter(|e| e.source == *source) {
                    hover.push_str(&format!(
                        "\n{} {}: {}",
                        error.endpoint,
                        error.kind.name(),
                        error.message
                    ));
                }
                ui.label(format!("{} {state}", source.display_name()))
                    .on_hover_text(hover);
            }
        }
        if self.is_refreshing() {
            ui.spinner();
            let (done, total) = self
                .market
                .progress
                .values()
                .fold((0, 0), |acc, p| (acc.0 + p.0, acc.1 + p.1));
            let per_venue: Vec<String> = self
                .market
                .progress
                .iter()
                .map(|(source, (done, total))| {
                    let state = if done >= total { "done" } else { "waiting" };
                    format!("{}: {done}/{total} {state}", source.display_name())
                })
                .collect();
            ui.label(format!("Fetching prices {done}/{total}"))
                .on_hover_text(format!(
                    "Requests answered per venue (venues run at once):\n{}",
                    per_venue.join("\n")
                ));
            if ui
                .button("Cancel")
                .on_hover_text("Stop the refresh; prices already received are kept.")
                .clicked()
            {
                commands.push(Command::CancelRefresh);
            }
        } else if ui
            .button("Refresh now")
            .on_hover_text(
                "Fetch marks from each position's venue and coin prices from Binance, then \
                 Coinbase, then CoinGecko. Offline, reload the cache and the bundled history.",
            )
            .clicked()
        {
            commands.push(Command::RefreshPrices);
        }
        let mut offline = self.state.offline;
        if ui
            .checkbox(&mut offline, "Offline")
            .on_hover_text("Never use the network: cached and bundled prices only.")
            .changed()
        {
            commands.push(Command::SetOffline(offline));
        }
        if ui
            .button("Settings")
            .on_hover_text("Source priority, refresh interval, staleness, base URLs.")
            .clicked()
        {
            commands.push(Command::ShowSettings);
        }
        let intervals = [(0, "off"), (30, "30 s"), (60, "1 min"), (300, "5 min")];
        let current = intervals
            .iter()
            .find(|(s, _)| *s == self.state.refresh_interval_s)
            .map_or("custom", |(_, name)| name);
        egui::ComboBox::from_id_salt("refresh_interval")
            .selected_text(format!("auto-refresh {current}"))
            .show_ui(ui, |ui| {
                for (seconds, name) in intervals {
                    let chosen = seconds == self.state.refresh_interval_s;
                    if ui.selectable_label(chosen, name).clicked() && !chosen {
                        commands.push(Command::SetRefreshInterval(seconds));
                    }
                }
            })
            .response
            .on_hover_text("How often prices refresh by themselves (not while offline).");
    }

    fn dialogs_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let ctx = ui.ctx().clone();
        let Some(dialog) = self.dialog.clone() else {
            return;
        };
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("riskdeck_dialog")).show(&ctx, |ui| {
            ui.set_max_width(520.0);
            match &dialog {
                Dialog::UnsavedChanges { then } => {
                    ui.heading("Unsaved changes");
                    ui.label("The portfolio has changes that are not saved. Save them first?");
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            answer = Some(Answer::Save(then.clone()));
                        }
                        if ui.button("Discard").clicked() {
                            answer = Some(Answer::Discard(then.clone()));
                        }
                        if ui.button("Cancel").clicked() {
                            answer = Some(Answer::Dismiss);
                        }
                    });
                }
                Dialog::ChangedOnDisk { then } => {
                    ui.heading("File changed on disk");
                    ui.label(
                        "Another program changed this file after RiskDeck opened it. Overwriting \
                         replaces those changes (they stay in the .bak copy).",
                    );
                    ui.horizontal(|ui| {
                        if ui.button("Overwrite").clicked() {
                            answer = Some(Answer::Overwrite(then.clone()));
                        }
                        if ui.button("Save as…").clicked() {
                            answer = Some(Answer::SaveAs(then.clone()));
                        }
                        if ui.button("Cancel").clicked() {
                            answer = Some(Answer::Dismiss);
                        }
                    });
                }
                Dialog::CannotSave => {
                    ui.heading("Fix these problems before saving");
                    ui.label("Saving now would write a file RiskDeck could not open again.");
                    if let Some(document) = &self.document {
                        for issue in document.issues() {
                            ui.label(format!("{}: {}", issue.path, issue.message));
                        }
                    }
                    if self.edits.has_invalid() {
                        ui.label("A field holds text that is not a valid value (outlined in red).");
                    }
                    if ui.button("OK").clicked() {
                        answer = Some(Answer::Dismiss);
                    }
                }
                Dialog::Error { title, message } => {
                    ui.heading(title);
                    ui.label(message);
                    if ui.button("OK").clicked() {
                        answer = Some(Answer::Dismiss);
                    }
                }
            }
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(Answer::Dismiss);
        }
        commands.extend(answer.map(Command::Answer));
    }

    fn load_failure_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(failure) = &self.load_failure else {
            return;
        };
        let mut open = true;
        egui::Window::new("Could not open the file")
            .id(egui::Id::unique("load_failure"))
            .open(&mut open)
            .default_width(640.0)
            .collapsible(false)
            .show(ui.ctx(), |ui| {
                ui.label(format!(
                    "{} was not opened; the current portfolio is unchanged.",
                    failure.path.display()
                ));
                if let Some(message) = &failure.message {
                    ui.colored_label(ui::theme::error_color(ui), message);
                }
                if !failure.problems.is_empty() {
                    ui.label(format!("{} problem(s):", failure.problems.len()));
                    egui::ScrollArea::vertical()
                        .max_height(360.0)
                        .show(ui, |ui| {
                            egui::Grid::new("load_problems")
                                .striped(true)
                                .num_columns(3)
                                .show(ui, |ui| {
                                    for problem in &failure.problems {
                                        ui.label(format!("{}:{}", problem.line, problem.col));
                                        ui.label(&problem.path);
                                        ui.label(&problem.message);
                                        ui.end_row();
                                    }
                                });
                        });
                    if ui
                        .button("Copy all")
                        .on_hover_text("Copy the problems as file:line:col: message")
                        .clicked()
                    {
                        ui.ctx()
                            .copy_text(format_problems(&failure.path, &failure.problems));
                    }
                }
            });
        if !open {
            commands.push(Command::DismissLoadFailure);
        }
    }

    fn panes_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(document) = &mut self.document else {
            ui.centered_and_justified(|ui| {
                ui.label("No portfolio open. Use File > Open (Ctrl+O), drop a .ron file here, or File > Open sample.");
            });
            return;
        };
        // The panel edits the live content; what changed is committed below as one undoable
        // step. Only frames with input can change it, so other frames compare nothing.
        let had_input = ui.ctx().input(|input| !input.events.is_empty());
        let (draft, issues, analysis) = document.panes();
        let mut behavior = PaneBehavior {
            draft,
            issues,
            analysis,
            margin_view: &mut self.margin_view,
            selection: &self.selection,
            commands,
            edits: &mut self.edits,
            today: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(
                crate::market::fetch::now_ms(),
            )
            .unwrap_or_default()
            .date_naive(),
        };
        self.state.layout.ui(&mut behavior, ui);
        if had_input {
            document.commit();
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
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

struct PaneBehavior<'a> {
    draft: &'a mut crate::model::Portfolio,
    issues: &'a [crate::model::validate::Issue],
    analysis: &'a crate::engine::MarginReport,
    margin_view: &'a mut ui::margin::MarginView,
    selection: &'a Option<ui::margin::Selection>,
    commands: &'a mut Vec<Command>,
    edits: &'a mut FieldEdits,
    today: chrono::NaiveDate,
}

impl egui_tiles::Behavior<Pane> for PaneBehavior<'_> {
    fn tab_title_for_pane(&mut self, pane: &Pane) -> egui::WidgetText {
        pane.title().into()
    }

    fn pane_ui(
        &mut self,
        ui: &mut egui::Ui,
        _tile_id: egui_tiles::TileId,
        pane: &mut Pane,
    ) -> egui_tiles::UiResponse {
        egui::Frame::new()
            .inner_margin(6.0)
            .show(ui, |ui| match pane {
                Pane::Portfolio => {
                    let mut ctx = ui::portfolio::PortfolioContext {
                        issues: self.issues,
                        edits: self.edits,
                        today: self.today,
                        highlight_account: match &*self.selection {
                            Some(ui::margin::Selection::Account(label)) => Some(label.as_str()),
                            _ => None,
                        },
                    };
                    ui::portfolio::portfolio_ui(ui, self.draft, &mut ctx);
                }
                Pane::Margin => {
                    if let Some(selection) =
                        ui::margin::margin_ui(ui, self.analysis, self.margin_view, self.selection)
                    {
                        self.commands.push(Command::Select(selection));
                    }
                }
                Pane::Timeline => ui::panels::timeline_ui(ui, self.draft),
                Pane::Stress => ui::panels::stress_ui(ui, self.draft),
            });
        egui_tiles::UiResponse::None
    }

    fn simplification_options(&self) -> egui_tiles::SimplificationOptions {
        egui_tiles::SimplificationOptions {
            all_panes_must_have_tabs: true,
            ..Default::default()
        }
    }
}

impl eframe::App for RiskDeckApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_tasks(ctx);
        let dropped: Vec<PathBuf> = ctx.input(|input| {
            input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_owned())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.run_command(ctx, Command::Open(path));
        }
        if ctx.input(|input| input.viewport().close_requested())
            && !self.allow_close
            && self.document.as_ref().is_some_and(Document::is_dirty)
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.dialog = Some(Dialog::UnsavedChanges {
                then: AfterSave::Quit,
            });
        }
        self.update_title(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.market_tick(&ctx);
        self.margin_view.stale_after_s = (self.state.stale_mark_s, self.state.stale_history_s);
        self.margin_view.now_ms = crate::market::fetch::now_ms();
        let mut commands = self.shortcuts(&ctx);
        settings::settings_window(&ctx, self.settings_open, &self.state, &mut commands);
        egui::Panel::top("menu_bar").show(ui, |ui| self.menu_ui(ui, &mut commands));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_ui(ui, &mut commands));
        egui::CentralPanel::default().show(ui, |ui| self.panes_ui(ui, &mut commands));
        self.load_failure_ui(ui, &mut commands);
        self.dialogs_ui(ui, &mut commands);
        if ctx.input(|input| !input.raw.hovered_files.is_empty()) {
            let screen = ctx.content_rect();
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop_overlay"),
            ));
            painter.rect_filled(
                screen,
                0.0,
                ui.visuals().extreme_bg_color.gamma_multiply(0.8),
            );
            painter.text(
                screen.center(),
                egui::Align2::CENTER_CENTER,
                "Drop a portfolio file to open it",
                egui::FontId::proportional(24.0),
                ui.visuals().strong_text_color(),
            );
        }
        for command in commands {
            self.run_command(&ctx, command);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state);
    }
}

/// Opens the main window and runs until it closes.
pub fn run(file: Option<PathBuf>, offline: bool) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("RiskDeck")
            .with_inner_size([1360.0, 840.0])
            .with_min_inner_size([960.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "RiskDeck",
        options,
        Box::new(move |cc| Ok(Box::new(RiskDeckApp::new(cc, file, offline)))),
    )
}
