//! Text fields that validate as the user types and commit when editing finishes.
//!
//! While a field has unsaved text it lives in [`FieldEdits`]; the portfolio only changes when
//! the user presses Enter or leaves the field with a valid value, so one edit is one undo step.
//! Invalid text stays in the field, outlined in red with the reason as a tooltip.

use std::collections::HashMap;

/// Text being typed into fields, by field path.
#[derive(Default)]
pub struct FieldEdits {
    open: HashMap<String, OpenEdit>,
}

struct OpenEdit {
    text: String,
    /// What the field showed when editing began; if the value changes underneath (undo), the
    /// stale edit is dropped.
    original: String,
    error: Option<String>,
}

impl FieldEdits {
    /// Whether any field holds text that is not yet valid.
    pub fn has_invalid(&self) -> bool {
        self.open.values().any(|edit| edit.error.is_some())
    }

    /// Forgets every pending edit (after opening another file).
    pub fn clear(&mut self) {
        self.open.clear();
    }
}

/// Layout of one field.
pub struct FieldSpec<'a> {
    /// Path of the value in the portfolio, e.g. `accounts[0].positions[1].size`; the key of the
    /// pending edit and of validation problems.
    pub path: &'a str,
    /// Accessible name (screen readers, tests).
    pub name: &'a str,
    /// Width in points.
    pub width: f32,
    /// Right-align (numbers).
    pub numeric: bool,
    /// A validation problem of the committed value, shown as outline and tooltip.
    pub problem: Option<&'a str>,
}

/// Shows a text field for a value displayed as `current`; returns the parsed new value when
/// the user finished a valid edit.
pub fn text_field<T>(
    ui: &mut egui::Ui,
    edits: &mut FieldEdits,
    spec: &FieldSpec<'_>,
    current: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    if edits
        .open
        .get(spec.path)
        .is_some_and(|edit| edit.original != current)
    {
        edits.open.remove(spec.path);
    }
    let mut text = edits
        .open
        .get(spec.path)
        .map_or_else(|| current.to_owned(), |edit| edit.text.clone());
    let error = edits
        .open
        .get(spec.path)
        .and_then(|edit| edit.error.clone());
    let problem = error.as_deref().or(spec.problem);
    let mut edit = egui::TextEdit::singleline(&mut text)
        .desired_width(spec.width)
        // Grid cells offer last frame's column width; the minimum keeps numbers readable.
        .min_size(egui::vec2(spec.width, 0.0));
    if spec.numeric {
        edit = edit.align(egui::Align2::RIGHT_CENTER);
    }
    if problem.is_some() {
        edit = edit.text_color(super::theme::error_color(ui));
    }
    let response = ui.name_inputs(spec.name, |ui| ui.add(edit));
    if let Some(problem) = problem {
        let rect = response.rect.expand(1.0);
        ui.painter().rect_stroke(
            rect,
            2.0,
            egui::Stroke::new(1.0, super::theme::error_color(ui)),
            egui::StrokeKind::Outside,
        );
        response.clone().on_hover_text(problem);
    }
    if response.changed() {
        let error = parse(&text).err();
        edits.open.insert(
            spec.path.to_owned(),
            OpenEdit {
                text,
                original: current.to_owned(),
                error,
            },
        );
    }
    let finished = response.lost_focus();
    if finished && let Some(edit) = edits.open.get_mut(spec.path) {
        match parse(&edit.text) {
            Ok(value) => {
                edits.open.remove(spec.path);
                return Some(value);
            }
            Err(err) => edit.error = Some(err),
        }
    }
    None
}
