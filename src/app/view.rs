//! The window's ui: menus, the status bar with the price lights, dialogs, and the docked
//! panels. Everything here draws from the state and pushes [`Command`]s; nothing changes
//! state directly (the Portfolio panel edits the document's live content, committed as one
//! undoable edit by the shell).

use super::document::Document;
use super::{Answer, Command, Dialog, RiskDeckApp, samples};
use crate::model::io::format_problems;
use crate::ui::{self, Pane, fields::FieldEdits};

/// Problems listed in the "Could not open" window; the rest are counted ("and N more"), so
/// a file with tens of thousands of problems opens the window at once.
pub const SHOWN_PROBLEMS: usize = 300;

impl RiskDeckApp {
    /// The banner over every panel when no live price is behind the numbers: offline, or
    /// every venue failed.
    pub(super) fn price_banner(&self) -> Option<String> {
        use crate::market::fetch::VenueState;
        let board = self.market.board.as_ref()?;
        if let Some(as_of) = board.offline_as_of {
            let cached = board
                .cache_saved_at_ms
                .and_then(crate::present::format::utc_time)
                .map_or_else(String::new, |t| format!("cached prices of {t}, "));
            return Some(format!(
                "Offline: every figure uses cached or bundled prices ({cached}bundled data as \
                 of {as_of}), not live marks."
            ));
        }
        let all_failed = !board.venues.is_empty()
            && board.venues.values().all(|r| {
                matches!(
                    r.state,
                    VenueState::Failed | VenueState::Blocked | VenueState::RateLimited
                )
            });
        all_failed.then(|| {
            let cached = board
                .cache_saved_at_ms
                .and_then(crate::present::format::utc_time)
                .map_or_else(String::new, |t| format!(" (cached prices of {t})"));
            format!(
                "Every venue failed: the figures use cached or bundled prices{cached}, bundled \
                 data as of {}; the status bar's Venues menu lists each error.",
                crate::market::bundle::AS_OF
            )
        })
    }

    pub(super) fn menu_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    commands.push(Command::OpenDialog);
                }
                if ui
                    .button("Open by path…")
                    .on_hover_text("Type or pick a path in the app (no system dialog)")
                    .clicked()
                {
                    commands.push(Command::OpenPathPrompt(None));
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

    /// The valuation toolbar: which time the numbers are for (the file's, now, or a chosen
    /// date/time) and the headline saying it, always visible above the panels.
    pub(super) fn valuation_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        use crate::model::valuation::{AsOf, describe, parse_as_of};
        let file_time = self
            .document
            .as_ref()
            .and_then(|d| d.portfolio().valuation.as_ref())
            .map(|v| v.as_of.clone());
        ui.horizontal_wrapped(|ui| {
            ui.label("Valuation:");
            let file_label = match &file_time {
                Some(t) => format!("The file's time ({t})"),
                None => "The file's time (none set: now)".to_owned(),
            };
            let selected = match self.valuation {
                AsOf::File => file_label.clone(),
                AsOf::Now => "Now".to_owned(),
                AsOf::At(ms) => describe(ms),
            };
            egui::ComboBox::from_id_salt("valuation_choice")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(self.valuation == AsOf::File, file_label)
                        .on_hover_text("valuation.as_of in the file; without it, now")
                        .clicked()
                    {
                        commands.push(Command::SetValuation(AsOf::File));
                    }
                    if ui
                        .selectable_label(self.valuation == AsOf::Now, "Now")
                        .on_hover_text("live marks, whatever the file says")
                        .clicked()
                    {
                        commands.push(Command::SetValuation(AsOf::Now));
                    }
                })
                .response
                .on_hover_text(
                    "Which moment every number is for: the file's valuation time, now, or the \
                     date/time typed beside (Enter).",
                );
            let parsed = parse_as_of(&self.valuation_text);
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.valuation_text)
                    .id_salt("valuation_time")
                    .hint_text("date or time, e.g. 2025-10-10T21:00Z")
                    .desired_width(190.0),
            );
            let bad = !self.valuation_text.trim().is_empty() && parsed.is_err();
            if bad {
                ui.painter().rect_stroke(
                    field.rect,
                    2.0,
                    egui::Stroke::new(1.5, ui::theme::error_color(ui)),
                    egui::StrokeKind::Outside,
                );
            }
            let field = field.on_hover_text(match &parsed {
                Err(message) if bad => message.clone(),
                _ => "A time is UTC; a date alone means 00:00 UTC of it. Enter prices the portfolio at \
                      that moment from the closes made by then."
                    .to_owned(),
            });
            // Named for screen readers (and tests) by what it is, not by its tooltip.
            ui.ctx().accesskit_node_builder(field.id, |node| {
                node.set_label("Valuation date or time");
            });
            if field.lost_focus()
                && ui.input(|i| i.key_pressed(egui::Key::Enter))
                && let Ok(ms) = parsed
            {
                commands.push(Command::SetValuation(AsOf::At(ms)));
            }
            if let AsOf::At(ms) = self.valuation
                && self.document.is_some()
                && ui
                    .small_button("Keep in file")
                    .on_hover_text(
                        "Store this time as the file's valuation.as_of (saved with the file; \
                         Ctrl+Z undoes)",
                    )
                    .clicked()
            {
                commands.push(Command::SetFileValuation(Some(ms)));
            }
            if file_time.is_some()
                && ui
                    .small_button("Remove from file")
                    .on_hover_text("The file then opens at now (Ctrl+Z undoes)")
                    .clicked()
            {
                commands.push(Command::SetFileValuation(None));
            }
            ui.separator();
            if let Some(document) = &self.document {
                let valuation = &document.priced().valuation;
                let pending = self
                    .market
                    .past
                    .filter(|at| *at != valuation.at_ms && self.is_refreshing());
                let headline = match pending {
                    Some(at) => format!("Pricing at {} from history…", describe(at)),
                    None if self.market.board.is_none() => "Waiting for the first prices…".to_owned(),
                    None => valuation.headline(),
                };
                if valuation.basis == crate::pricing::Basis::Now && pending.is_none() {
                    ui.label(headline);
                } else {
                    ui.colored_label(ui::theme::warn_color(ui), headline);
                }
            }
            if let Some(error) = &self.valuation_error {
                ui.colored_label(ui::theme::error_color(ui), error);
            }
        });
    }

    pub(super) fn status_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
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
    pub(super) fn prices_status_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        use crate::market::fetch::VenueState;
        let now = self.clock.now_ms();
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
            // One summary in the bar (it must fit at 1280 px); each venue's light, state and
            // errors in the menu it opens.
            let lights: Vec<(crate::market::Source, egui::Color32, &str, u8)> = board
                .venues
                .iter()
                .map(|(source, report)| {
                    let (color, state, rank) = match report.state {
                        VenueState::Ok if report.elapsed.as_secs() >= 3 => {
                            (ui::theme::warn_color(ui), "slow", 1)
                        }
                        VenueState::Ok => (ui::theme::OK_LIGHT, "ok", 0),
                        VenueState::Partial => (ui::theme::warn_color(ui), "partly failed", 2),
                        VenueState::RateLimited => (ui::theme::warn_color(ui), "rate-limited", 2),
                        VenueState::Blocked => (ui::theme::error_color(ui), "blocked", 3),
                        VenueState::Failed => (ui::theme::error_color(ui), "failing", 3),
                        VenueState::Offline => (ui.visuals().weak_text_color(), "offline", 0),
                    };
                    (*source, color, state, rank)
                })
                .collect();
            if !lights.is_empty() {
                let mut counts: Vec<(&str, usize)> = Vec::new();
                for (_, _, state, _) in &lights {
                    match counts.iter_mut().find(|(s, _)| s == state) {
                        Some(entry) => entry.1 += 1,
                        None => counts.push((state, 1)),
                    }
                }
                let worst = lights
                    .iter()
                    .max_by_key(|l| l.3)
                    .map_or(ui::theme::OK_LIGHT, |l| l.1);
                let summary = format!(
                    "Venues: {}",
                    counts
                        .iter()
                        .map(|(state, n)| format!("{n} {state}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                ui.menu_button(egui::RichText::new(summary).color(worst), |ui| {
                    for (source, color, state, _) in &lights {
                        let Some(report) = board.venues.get(source) else {
                            continue;
                        };
                        let mut hover = format!(
                            "{}: {state}, {} of {} requests answered in {} ms",
                            source.display_name(),
                            report.answered,
                            report.requested,
                            report.elapsed.as_millis()
                        );
                        if let Some(ok) = self.market.last_success_ms.get(source) {
                            hover.push_str(&format!(
                                "\nLast success {} ago",
                                crate::present::format::age(crate::model::provenance::age_seconds(
                                    now, *ok
                                ))
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
                        ui.horizontal(|ui| {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                            ui.painter().circle_filled(rect.center(), 4.5, *color);
                            ui.label(format!("{} {state}", source.display_name()))
                                .on_hover_text(hover);
                        });
                    }
                })
                .response
                .on_hover_text("Each venue's state and errors: click to list them");
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

    pub(super) fn dialogs_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
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

    pub(super) fn load_failure_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
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
                                    for problem in failure.problems.iter().take(SHOWN_PROBLEMS) {
                                        ui.label(format!("{}:{}", problem.line, problem.col));
                                        ui.label(&problem.path);
                                        ui.label(&problem.message);
                                        ui.end_row();
                                    }
                                });
                            let more = failure.problems.len().saturating_sub(SHOWN_PROBLEMS);
                            if more > 0 {
                                ui.label(format!(
                                    "… and {more} more (Copy all copies every one; `riskdeck \
                                     check FILE` lists them too)"
                                ));
                            }
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

    /// The in-app "Open a file" window: a path field (Enter opens) and the portfolio files of
    /// the recent folders.
    pub(super) fn path_prompt_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(prompt) = &mut self.path_prompt else {
            return;
        };
        let mut open = true;
        egui::Window::new("Open a portfolio file")
            .id(egui::Id::unique("path_prompt"))
            .open(&mut open)
            .default_width(560.0)
            .collapsible(false)
            .show(ui.ctx(), |ui| {
                if let Some(reason) = &prompt.reason {
                    ui.colored_label(ui::theme::warn_color(ui), reason);
                }
                ui.label("Path of a .ron portfolio file:");
                let field = ui.add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .id_salt("open_path")
                        .desired_width(f32::INFINITY)
                        .hint_text("/home/me/portfolios/book.ron"),
                );
                ui.ctx().accesskit_node_builder(field.id, |node| {
                    node.set_label("Path to open");
                });
                let path = std::path::PathBuf::from(prompt.text.trim());
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.horizontal(|ui| {
                    let ready = !prompt.text.trim().is_empty();
                    if (ui.add_enabled(ready, egui::Button::new("Open")).clicked() || enter)
                        && ready
                    {
                        commands.push(Command::ClosePathPrompt);
                        commands.push(Command::Open(path.clone()));
                    }
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::ClosePathPrompt);
                    }
                });
                if !prompt.nearby.is_empty() {
                    ui.separator();
                    ui.label("In the folders of recent files:");
                    egui::ScrollArea::vertical()
                        .max_height(220.0)
                        .show(ui, |ui| {
                            for file in &prompt.nearby {
                                if ui.link(file.display().to_string()).clicked() {
                                    commands.push(Command::ClosePathPrompt);
                                    commands.push(Command::Open(file.clone()));
                                }
                            }
                        });
                }
            });
        if !open {
            commands.push(Command::ClosePathPrompt);
        }
    }

    pub(super) fn panes_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
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
            today: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.clock.now_ms())
                .unwrap_or_default()
                .date_naive(),
        };
        self.state.layout.ui(&mut behavior, ui);
        if had_input {
            document.commit();
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
                        analysis: Some(self.analysis),
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
