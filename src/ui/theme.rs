//! Dark and light themes and the few colours the app uses beyond egui's defaults.

/// Applies the dark or light theme.
pub fn apply(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
}

/// Colour for values that are wrong (invalid input, validation problems).
pub fn error_color(ui: &egui::Ui) -> egui::Color32 {
    ui.visuals().error_fg_color
}

/// Colour for notices that need attention but are not errors (unsaved changes).
pub fn warn_color(ui: &egui::Ui) -> egui::Color32 {
    ui.visuals().warn_fg_color
}

/// Colour for secondary text (placeholders, "not applicable").
pub fn weak_color(ui: &egui::Ui) -> egui::Color32 {
    ui.visuals().weak_text_color()
}

// The only place colours are made (clippy's disallowed-methods keeps it so): each is
// readable on both the dark and the light panel background.
#[expect(
    clippy::disallowed_methods,
    reason = "ui/theme.rs is where the app's colours are chosen"
)]
mod palette {
    use egui::Color32;

    /// A liquidation distance within 25 %: attention.
    pub const AMBER: Color32 = Color32::from_rgb(230, 160, 40);
    /// A liquidation distance beyond 25 %: healthy.
    pub const GREEN: Color32 = Color32::from_rgb(70, 170, 90);
    /// A venue light that answered.
    pub const OK_LIGHT: Color32 = Color32::from_rgb(80, 180, 100);
    /// One colour per venue in every chart, in the order of `Venue::ALL`.
    pub const VENUE_PALETTE: [Color32; 10] = [
        Color32::from_rgb(86, 140, 220),
        Color32::from_rgb(60, 100, 170),
        Color32::from_rgb(230, 140, 60),
        Color32::from_rgb(200, 110, 40),
        Color32::from_rgb(150, 110, 200),
        Color32::from_rgb(120, 160, 160),
        Color32::from_rgb(90, 180, 110),
        Color32::from_rgb(220, 120, 180),
        Color32::from_rgb(200, 90, 90),
        Color32::from_rgb(160, 140, 100),
    ];
    /// Maintenance margin bars: a neutral beside the venues' colours.
    pub const MARGIN_GREY: Color32 = Color32::from_rgb(150, 150, 150);
}

pub use palette::{AMBER, GREEN, MARGIN_GREY, OK_LIGHT, VENUE_PALETTE};

/// The colour of `venue` in every chart.
pub fn venue_color(venue: crate::model::Venue) -> egui::Color32 {
    let index = crate::model::Venue::ALL
        .iter()
        .position(|v| *v == venue)
        .unwrap_or_default();
    VENUE_PALETTE[index % VENUE_PALETTE.len()]
}
