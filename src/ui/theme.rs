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
