//! The Leverage-over-time and Stress panels (the Margin panel is [`crate::ui::margin`]).
//!
//! Their engines are not part of this build yet. Until they are, each panel says what it will
//! show and lists the inputs it will use from the open portfolio, so a user can check that the
//! file holds what the view needs. No number here is computed or invented.

use std::collections::BTreeSet;

use crate::model::{Portfolio, Position};

/// The Leverage-over-time panel.
pub fn timeline_ui(ui: &mut egui::Ui, portfolio: &Portfolio) {
    waiting_header(
        ui,
        "Leverage over time",
        "Leverage and margin ratio of each account through history (bundled daily and hourly \
         prices, 2019-2025) and forward, with the journal's trades, transfers and funding.",
        "Waiting for the timeline engine: nothing is plotted yet.",
    );
    ui.label(format!(
        "Underlyings to price: {}",
        underlyings(portfolio).join(", ")
    ));
    ui.label(format!("Journal entries: {}", portfolio.journal.len()));
}

/// The Stress panel.
pub fn stress_ui(ui: &mut egui::Ui, portfolio: &Portfolio) {
    waiting_header(
        ui,
        "Stress scenarios",
        "Price x volatility grids, historical crash replays, liquidation cascades across \
         venues, VaR and expected shortfall.",
        "Waiting for the scenario engine: no scenario is evaluated yet.",
    );
    if portfolio.scenario_sets.is_empty() {
        ui.weak("This portfolio has no saved scenario sets.");
    }
    for set in &portfolio.scenario_sets {
        ui.label(egui::RichText::new(&set.name).strong());
        for scenario in &set.scenarios {
            let shocks: Vec<String> = scenario
                .price_shocks
                .iter()
                .map(|shock| format!("{} {:+}%", shock.underlying, shock.change_percent))
                .collect();
            let vol = scenario
                .vol_shift_points
                .map(|points| format!(", vol {points:+} pts"))
                .unwrap_or_default();
            ui.label(format!("  {}: {}{vol}", scenario.name, shocks.join(", ")));
        }
    }
}

fn waiting_header(ui: &mut egui::Ui, title: &str, what: &str, status: &str) {
    ui.heading(title);
    ui.label(what);
    ui.colored_label(super::theme::warn_color(ui), status);
    ui.separator();
}

fn underlyings(portfolio: &Portfolio) -> Vec<String> {
    let set: BTreeSet<&str> = portfolio
        .accounts
        .iter()
        .flat_map(|account| account.positions.iter())
        .map(Position::underlying)
        .filter(|name| !name.is_empty())
        .collect();
    set.into_iter().map(str::to_owned).collect()
}
