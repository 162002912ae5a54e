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

mod command;
pub mod document;
mod logic;
pub mod market;
pub mod samples;
pub mod settings;
mod state;
pub mod tasks;
mod view;
pub mod worker;

pub use command::{Answer, Command};
pub use state::{PersistedState, Settings};

use std::path::PathBuf;

use crate::model::Problem;
use crate::ui::{self, fields::FieldEdits};
use document::Document;
use tasks::Tasks;
use worker::{AfterSave, JobResult};

/// The task that opens a file (a newer open supersedes an older one).
const OPEN_TASK: &str = "open";
/// The task that saves a file (every save's result is delivered).
const SAVE_TASK: &str = "save";

/// How many files the "Open recent" menu remembers.
const RECENT_LIMIT: usize = 10;

/// What background tasks send home (see [`tasks`]).
pub enum TaskMessage {
    /// A file was opened or saved (tasks `open` and `save`).
    File(JobResult),
    /// The `prices` task's progress and boards.
    Prices(market::PriceEvent),
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

/// The in-app "Open a file" prompt: a path field and the portfolio files of recent folders,
/// for when the system's file dialog cannot open (or the user prefers typing a path).
pub(crate) struct PathPrompt {
    /// The path typed so far.
    pub text: String,
    /// Why the prompt is shown instead of the system dialog, if it is.
    pub reason: Option<String>,
    /// `.ron` files in the folders of recent files (listed once, when the prompt opens).
    pub nearby: Vec<PathBuf>,
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
    /// Where the window reads the time (valuation time of the prices, price ages, today's
    /// date for new positions); tests freeze it.
    pub clock: crate::market::fetch::Clock,
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
    /// Which valuation time the user chose (the file's, now, or a date); the toolbar's
    /// control.
    pub valuation: crate::model::valuation::AsOf,
    /// The text of the toolbar's date field (applied on Enter).
    valuation_text: String,
    /// Why the chosen valuation time cannot be used, shown in the toolbar.
    valuation_error: Option<String>,
    /// The in-app open prompt, while shown.
    path_prompt: Option<PathPrompt>,
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
            valuation: crate::model::valuation::AsOf::File,
            valuation_text: String::new(),
            valuation_error: None,
            path_prompt: None,
            settings_open: false,
            state,
            clock: crate::market::fetch::Clock::System,
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

    /// The latest price board (tests read it).
    pub fn board(&self) -> Option<&crate::market::board::Board> {
        self.market.board.as_deref()
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
        // Ages are measured to the valuation time the numbers are for: a past time's closes
        // keep their age at that time; "now" keeps ageing until the next refresh.
        self.margin_view.now_ms = match self.document.as_ref().map(|d| &d.priced().valuation) {
            Some(v) if v.basis != crate::pricing::Basis::Now => v.at_ms,
            _ => self.clock.now_ms(),
        };
        let mut commands = self.shortcuts(&ctx);
        settings::settings_window(&ctx, self.settings_open, &self.state, &mut commands);
        egui::Panel::top("menu_bar").show(ui, |ui| self.menu_ui(ui, &mut commands));
        egui::Panel::top("valuation_bar").show(ui, |ui| self.valuation_ui(ui, &mut commands));
        if let Some(banner) = self.price_banner() {
            egui::Panel::top("price_banner").show(ui, |ui| {
                ui.colored_label(ui::theme::warn_color(ui), banner);
            });
        }
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_ui(ui, &mut commands));
        egui::CentralPanel::default().show(ui, |ui| self.panes_ui(ui, &mut commands));
        self.load_failure_ui(ui, &mut commands);
        self.path_prompt_ui(ui, &mut commands);
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
