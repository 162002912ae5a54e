//! Panels and widgets of the desktop app. Panels draw from the document and return what the
//! user asked for (the Margin panel its selection, as a command); the Portfolio panel edits the
//! live content, which the app commits as one invertible edit on frames with input.

pub mod fields;
pub mod margin;
pub mod panels;
pub mod portfolio;
pub mod theme;

use serde::{Deserialize, Serialize};

/// The dockable panels of the main window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pane {
    /// Accounts and positions, editable.
    Portfolio,
    /// Per-venue margin and the cross-venue solvency view.
    Margin,
    /// Leverage over time.
    Timeline,
    /// Stress scenarios.
    Stress,
}

impl Pane {
    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Portfolio => "Portfolio",
            Self::Margin => "Margin",
            Self::Timeline => "Leverage over time",
            Self::Stress => "Stress",
        }
    }
}

/// The default layout: portfolio on the left, margin above timeline and stress on the right.
pub fn default_tree() -> egui_tiles::Tree<Pane> {
    let mut tiles = egui_tiles::Tiles::default();
    let portfolio = tiles.insert_pane(Pane::Portfolio);
    let margin = tiles.insert_pane(Pane::Margin);
    let timeline = tiles.insert_pane(Pane::Timeline);
    let stress = tiles.insert_pane(Pane::Stress);
    let lower = tiles.insert_tab_tile(vec![timeline, stress]);
    let right = tiles.insert_vertical_tile(vec![margin, lower]);
    let root = tiles.insert_horizontal_tile(vec![portfolio, right]);
    // The margin tables and charts need width; the timeline and stress views below are still
    // summaries, so the margin panel gets most of the height.
    if let Some(egui_tiles::Tile::Container(egui_tiles::Container::Linear(linear))) =
        tiles.get_mut(root)
    {
        linear.shares.set_share(portfolio, 1.0);
        linear.shares.set_share(right, 1.4);
    }
    if let Some(egui_tiles::Tile::Container(egui_tiles::Container::Linear(linear))) =
        tiles.get_mut(right)
    {
        linear.shares.set_share(margin, 3.0);
    }
    egui_tiles::Tree::new(egui::Id::unique("riskdeck_panels"), root, tiles)
}

/// Whether a persisted layout still holds every panel exactly once (a layout saved by an
/// older version, or damaged, is replaced by the default).
pub fn tree_is_complete(tree: &egui_tiles::Tree<Pane>) -> bool {
    [Pane::Portfolio, Pane::Margin, Pane::Timeline, Pane::Stress]
        .iter()
        .all(|wanted| {
            tree.tiles
                .iter()
                .filter(|(_, tile)| matches!(tile, egui_tiles::Tile::Pane(pane) if pane == wanted))
                .count()
                == 1
        })
}
