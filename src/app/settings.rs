//! The Settings window: where prices come from, how often they refresh, when they count as
//! stale, offline mode and base URL overrides. Changes apply at once and are remembered.

use crate::market::Source;
use crate::market::board::SourcePlan;

use super::{Command, PersistedState};

/// Draws the settings window while `open`. It edits a copy of the settings; a change becomes
/// [`Command::ApplySettings`], closing it [`Command::CloseSettings`], the refresh button
/// [`Command::RefreshPrices`].
pub fn settings_window(
    ctx: &egui::Context,
    open: bool,
    current: &PersistedState,
    commands: &mut Vec<Command>,
) {
    if !open {
        return;
    }
    let mut still_open = true;
    let mut refresh = false;
    let mut edited = current.settings();
    let state = &mut edited;
    egui::Window::new("Settings")
        .open(&mut still_open)
        .resizable(true)
        .default_width(560.0)
        .show(ctx, |ui| {
            ui.heading("Prices");
            ui.checkbox(&mut state.offline, "Offline: never use the network")
                .on_hover_text("Cached and bundled prices only; no request is sent.");
            ui.horizontal(|ui| {
                ui.label("Refresh automatically every");
                ui.add(
                    egui::DragValue::new(&mut state.refresh_interval_s)
                        .range(0..=3600)
                        .suffix(" s"),
                );
                ui.weak("(0 = only with Refresh now)");
            });
            ui.horizontal(|ui| {
                ui.label("Give up on a refresh after");
                ui.add(
                    egui::DragValue::new(&mut state.feed.round_deadline_s)
                        .range(2..=300)
                        .suffix(" s"),
                )
                .on_hover_text(
                    "Every request, retry and Retry-After wait of one refresh must end within \
                     this time; what is left is abandoned and reported per venue.",
                );
            });
            ui.horizontal(|ui| {
                ui.label("Stale after: live prices");
                ui.add(
                    egui::DragValue::new(&mut state.stale_mark_s)
                        .range(10..=86_400)
                        .suffix(" s"),
                );
                ui.label("history and bundled closes");
                ui.add(
                    egui::DragValue::new(&mut state.stale_history_s)
                        .range(3600..=31_536_000)
                        .suffix(" s"),
                );
            });
            ui.separator();
            ui.heading("Source priority");
            ui.label(
                "Contracts always come from their own venue first (mark price). Coins are asked \
                 of these sources in order, each for what the ones above did not price; then \
                 the cache, then the bundled history.",
            );
            source_order_ui(ui, &mut state.feed.plan);
            ui.horizontal(|ui| {
                ui.label("Stablecoins (USDT, USDC) against USD from");
                egui::ComboBox::from_id_salt("stable_source")
                    .selected_text(state.feed.plan.stablecoins.display_name())
                    .show_ui(ui, |ui| {
                        for source in SourcePlan::ANY_COIN_SOURCE {
                            ui.selectable_value(
                                &mut state.feed.plan.stablecoins,
                                source,
                                source.display_name(),
                            );
                        }
                    });
            });
            ui.separator();
            ui.heading("Base URLs");
            ui.label(
                "Scheme, host and port only; paths are the venue's own. Empty = the \
                 RISKDECK_*_URL environment variable, else the venue.",
            );
            egui::Grid::new("base_urls").num_columns(2).show(ui, |ui| {
                for source in Source::NETWORK {
                    ui.label(source.display_name());
                    let mut text = state
                        .feed
                        .base_urls
                        .get(&source)
                        .cloned()
                        .unwrap_or_default();
                    let valid = text.is_empty()
                        || text.starts_with("http://")
                        || text.starts_with("https://");
                    let mut edit = egui::TextEdit::singleline(&mut text)
                        .hint_text(source.default_base_url())
                        .desired_width(320.0);
                    if !valid {
                        edit = edit.text_color(crate::ui::theme::error_color(ui));
                    }
                    let response = ui.add(edit);
                    let response = if valid {
                        response
                    } else {
                        response.on_hover_text("Must start with http:// or https://; not used.")
                    };
                    if response.changed() {
                        let usable = text.starts_with("http://") || text.starts_with("https://");
                        if usable {
                            state.feed.base_urls.insert(source, text);
                        } else {
                            state.feed.base_urls.remove(&source);
                        }
                    }
                    ui.end_row();
                }
            });
            ui.separator();
            if ui.button("Refresh prices now").clicked() {
                refresh = true;
            }
        });
    if edited != current.settings() {
        commands.push(Command::ApplySettings(Box::new(edited)));
    }
    if refresh {
        commands.push(Command::RefreshPrices);
    }
    if !still_open {
        commands.push(Command::CloseSettings);
    }
}

/// The coin sources in order, with buttons to move, remove and add them.
fn source_order_ui(ui: &mut egui::Ui, plan: &mut SourcePlan) {
    let mut action: Option<(usize, i8)> = None;
    let count = plan.coins.len();
    for (index, source) in plan.coins.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("{}. {}", index + 1, source.display_name()));
            if ui.add_enabled(index > 0, egui::Button::new("Up")).clicked() {
                action = Some((index, -1));
            }
            if ui
                .add_enabled(index + 1 < count, egui::Button::new("Down"))
                .clicked()
            {
                action = Some((index, 1));
            }
            if ui
                .add_enabled(count > 1, egui::Button::new("Remove"))
                .clicked()
            {
                action = Some((index, 0));
            }
        });
    }
    match action {
        Some((index, 0)) => {
            plan.coins.remove(index);
        }
        Some((index, -1)) => plan.coins.swap(index, index - 1),
        Some((index, _)) => plan.coins.swap(index, index + 1),
        None => {}
    }
    let missing: Vec<Source> = SourcePlan::ANY_COIN_SOURCE
        .into_iter()
        .filter(|s| !plan.coins.contains(s))
        .collect();
    if !missing.is_empty() {
        ui.horizontal(|ui| {
            ui.label("Add:");
            for source in missing {
                if ui.button(source.display_name()).clicked() {
                    plan.coins.push(source);
                }
            }
        });
    }
}
