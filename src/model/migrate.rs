//! Format versions: refuse files from a newer RiskDeck, upgrade older ones on load.
//!
//! Version 1 is the first format, so there is nothing to upgrade yet. When the format changes,
//! bump [`CURRENT_FORMAT_VERSION`], add an arm to [`migrate`] that rewrites the previous
//! version's text into the new one, and keep a sample of the old version under
//! `tests/fixtures/` so the upgrade stays tested.

use std::borrow::Cow;

use super::load::Problem;
use super::spans::{self, Node, NodeKind};
use super::types::CURRENT_FORMAT_VERSION;

/// Reads `format_version` from the scanned file and returns text in the current format.
pub fn migrate<'a>(text: &'a str, tree: &Node) -> Result<Cow<'a, str>, Vec<Problem>> {
    let problem = |offset: usize, path: &str, message: String| {
        let (line, col) = spans::line_col(text, offset);
        vec![Problem {
            path: path.to_owned(),
            line,
            col,
            message,
        }]
    };
    if !matches!(tree.kind, NodeKind::Struct(_)) {
        return Err(problem(
            tree.start,
            "",
            "a portfolio file holds one `( … )` block with named fields".to_owned(),
        ));
    }
    let Some(field) = tree.field("format_version") else {
        return Err(problem(
            tree.start,
            "format_version",
            format!(
                "required field `format_version` is missing; files of this version start with \
                 `format_version: {CURRENT_FORMAT_VERSION},`"
            ),
        ));
    };
    let raw = text
        .get(field.value.start..field.value.end)
        .unwrap_or_default();
    let Ok(version) = raw.parse::<u32>() else {
        return Err(problem(
            field.value.start,
            "format_version",
            format!(
                "format_version must be a whole number such as {CURRENT_FORMAT_VERSION}, found `{raw}`"
            ),
        ));
    };
    match version {
        CURRENT_FORMAT_VERSION => Ok(Cow::Borrowed(text)),
        newer if newer > CURRENT_FORMAT_VERSION => Err(problem(
            field.value.start,
            "format_version",
            format!(
                "this file was written by a newer RiskDeck (format {newer}); this version reads \
                 format {CURRENT_FORMAT_VERSION} and older. Update RiskDeck to open it."
            ),
        )),
        older => Err(problem(
            field.value.start,
            "format_version",
            format!("format_version {older} never existed; the first format is 1"),
        )),
    }
}
