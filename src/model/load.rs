//! Parsing a portfolio file into [`Portfolio`] and reporting every problem with its position.
//!
//! Parsing happens in three passes so that one mistake does not hide the others:
//! 1. the text is scanned for structure ([`spans`]), which gives every value's position;
//! 2. the whole file is deserialized; if that fails, each account, position and journal entry
//!    is deserialized on its own (with its child lists blanked out), so a wrong field in one
//!    position and an unknown venue in another account are both reported;
//! 3. the typed portfolio is checked against venue rules ([`validate`]), and each problem's
//!    path is turned back into a line:column through the scanned tree.

use std::fmt;

use serde::de::DeserializeOwned;

use super::migrate;
use super::spans::{self, Node, NodeKind};
use super::types::Portfolio;
use super::validate::validate;

/// Files larger than this are refused before parsing; real portfolios are a few kilobytes.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// One problem in a portfolio file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where in the portfolio: `accounts[1].positions[3].entry_price` (indices from 0); empty
    /// for problems with the file as a whole.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong, in a trader's words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}:{}: {}", self.line, self.col, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.line, self.col, self.path, self.message
            )
        }
    }
}

/// Parses and validates raw file bytes (any bytes: binary, empty or huge give an error).
pub fn parse_portfolio_bytes(bytes: &[u8]) -> Result<Portfolio, Vec<Problem>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(vec![whole_file(format!(
            "the file is {} bytes; a portfolio file is at most {MAX_FILE_BYTES} bytes",
            bytes.len()
        ))]);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_portfolio(&readable(text)),
        Err(err) => {
            let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
            // The prefix is valid UTF-8 by construction of `valid_up_to`.
            let prefix = String::from_utf8_lossy(valid);
            let (line, col) = spans::line_col(&prefix, prefix.len());
            Err(vec![Problem {
                path: String::new(),
                line,
                col,
                message: format!(
                    "this is not a text file (byte {} is not valid UTF-8); \
                     is it really a RiskDeck portfolio?",
                    err.valid_up_to()
                ),
            }])
        }
    }
}

/// The text as the parser reads it: without a UTF-8 byte-order mark (some Windows editors
/// write one) and with old-Mac CR-only line endings as LF. Each replacement keeps every byte
/// offset after it (a CR becomes one LF; the BOM sits before line 1, column 1), so positions
/// in messages stay those of the file.
pub fn readable(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lone_cr = text
        .as_bytes()
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'));
    if !lone_cr {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push_str(&text[start..i]);
            out.push('\n');
            start = i + 1;
        }
    }
    out.push_str(&text[start..]);
    std::borrow::Cow::Owned(out)
}

/// The most significant digits a decimal in a file may have: what `Decimal` holds exactly
/// (its 96-bit mantissa holds every 28-digit number).
pub const MAX_SIGNIFICANT_DIGITS: usize = 28;

/// Fields whose strings are words, not numbers.
const TEXT_FIELDS: [&str; 9] = [
    "name",
    "notes",
    "label",
    "symbol",
    "note",
    "asset",
    "underlying",
    "as_of",
    "account",
];

/// Every quoted decimal with more significant digits than [`MAX_SIGNIFICANT_DIGITS`]: the
/// parser would round it silently, so it is refused with its position instead.
fn over_precise(text: &str, tree: &Node, lines: &spans::LineIndex<'_>) -> Vec<Problem> {
    fn walk(
        (text, lines): (&str, &spans::LineIndex<'_>),
        node: &Node,
        path: &str,
        field: &str,
        out: &mut Vec<Problem>,
    ) {
        match &node.kind {
            NodeKind::Struct(fields) => {
                for f in fields {
                    let child = if path.is_empty() {
                        f.name.clone()
                    } else {
                        format!("{path}.{}", f.name)
                    };
                    walk((text, lines), &f.value, &child, &f.name, out);
                }
            }
            NodeKind::List { items, .. } => {
                for (i, item) in items.iter().enumerate() {
                    walk((text, lines), item, &format!("{path}[{i}]"), field, out);
                }
            }
            NodeKind::Tuple(items) => {
                for item in items {
                    walk((text, lines), item, path, field, out);
                }
            }
            NodeKind::Scalar => {
                if TEXT_FIELDS.contains(&field) {
                    return;
                }
                let raw = text.get(node.start..node.end).unwrap_or_default();
                let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
                    return;
                };
                if let Some(digits) = significant_digits(inner)
                    && digits > MAX_SIGNIFICANT_DIGITS
                {
                    let (line, col) = lines.line_col(node.start);
                    out.push(Problem {
                        path: path.to_owned(),
                        line,
                        col,
                        message: format!(
                            "\"{inner}\" has {digits} significant digits; RiskDeck keeps \
                             {MAX_SIGNIFICANT_DIGITS} exactly and will not round a number \
                             silently: shorten it to {MAX_SIGNIFICANT_DIGITS} digits"
                        ),
                    });
                }
            }
        }
    }
    let mut out = Vec::new();
    walk((text, lines), tree, "", "", &mut out);
    out
}

/// The significant digits of a plain decimal (`-0012.3400` → 4: leading zeros and trailing
/// fraction zeros carry nothing); `None` when it is not a plain decimal.
pub fn significant_digits(text: &str) -> Option<usize> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let digits: String = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0');
    // Digits after the point count even when the whole part is zero (0.000…1 has a scale).
    Some(significant.len().max(fraction.len()))
}

/// Parses and validates portfolio text, returning every problem found.
pub fn parse_portfolio(text: &str) -> Result<Portfolio, Vec<Problem>> {
    let text = &*readable(text);
    if text.trim().is_empty() {
        return Err(vec![whole_file(
            "the file is empty; a portfolio starts with `(` and lists `format_version`, `name`, \
             `base_currency` and `accounts`"
                .to_owned(),
        )]);
    }
    let tree = match spans::scan(text) {
        Ok(tree) => tree,
        Err(scan_error) => {
            let (line, col) = spans::line_col(text, scan_error.offset);
            return Err(vec![Problem {
                path: String::new(),
                line,
                col,
                message: scan_error.message,
            }]);
        }
    };
    let text = migrate::migrate(text, &tree)?;
    let tree = match text {
        std::borrow::Cow::Borrowed(_) => tree,
        std::borrow::Cow::Owned(ref migrated) => spans::scan(migrated).map_err(|err| {
            vec![whole_file(format!(
                "migrated file could not be read back: {}",
                err.message
            ))]
        })?,
    };
    let lines = spans::LineIndex::new(&text);
    let precise = over_precise(&text, &tree, &lines);
    if !precise.is_empty() {
        return Err(precise);
    }
    let portfolio = match parse_typed::<Portfolio>(&text, "") {
        Ok(portfolio) => portfolio,
        Err(first) => return Err(collect_parse_problems(&text, &tree, &lines, first)),
    };
    let problems: Vec<Problem> = validate(&portfolio)
        .into_iter()
        .map(|issue| {
            let (line, col) = lines.line_col(tree.locate(&issue.path));
            Problem {
                path: issue.path,
                line,
                col,
                message: issue.message,
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(portfolio)
    } else {
        Err(sorted(problems))
    }
}

fn whole_file(message: String) -> Problem {
    Problem {
        path: String::new(),
        line: 1,
        col: 1,
        message,
    }
}

fn sorted(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by(|a, b| (a.line, a.col, &a.message).cmp(&(b.line, b.col, &b.message)));
    problems.dedup_by(|a, b| a.line == b.line && a.col == b.col && a.message == b.message);
    problems
}

/// Moves a type error from wherever `ron` stopped to the start of the value at its path, when
/// the path names a value that exists (so `size: 1` points at `1`, not at the space before it).
/// Unknown and missing fields keep `ron`'s position: the name of the unknown field, or the end
/// of the struct that lacks one.
fn snap_to_value(lines: &spans::LineIndex<'_>, tree: &Node, mut problem: Problem) -> Problem {
    if problem.message.starts_with("unknown field") || problem.message.starts_with("required field")
    {
        return problem;
    }
    if let Some(offset) = tree.locate_exact(&problem.path) {
        let (line, col) = lines.line_col(offset);
        problem.line = line;
        problem.col = col;
    }
    if problem.path.ends_with("expiry") || problem.path.ends_with("time") {
        problem.message = format!(
            "not a valid date ({}); write dates as \"2025-12-26\" and times as \"2025-10-31T08:00:00Z\"",
            problem.message
        );
    }
    problem
}

/// Lists of the portfolio whose elements are parsed one by one after a failed full parse,
/// with the type each element has. Accounts recurse into their own lists.
const TOP_LEVEL_LISTS: [&str; 5] = [
    "accounts",
    "price_overrides",
    "journal",
    "scenario_sets",
    "alerts",
];
const ACCOUNT_LISTS: [&str; 2] = ["collateral", "positions"];

fn collect_parse_problems(
    text: &str,
    tree: &Node,
    lines: &spans::LineIndex<'_>,
    first: Problem,
) -> Vec<Problem> {
    use super::types::{
        Account, AlertThreshold, Collateral, JournalEntry, Position, PriceOverride, ScenarioSet,
    };
    let mut problems = vec![snap_to_value(lines, tree, first)];
    let mut check =
        |node: &Node, path: &str, blank: &[&str], parse: fn(&str, &str) -> Option<Problem>| {
            let piece = blanked(text, node, blank);
            if let Some(mut problem) = parse(&piece, path) {
                let (base_line, base_col) = lines.line_col(node.start);
                if problem.line == 1 {
                    problem.col += base_col - 1;
                }
                problem.line += base_line - 1;
                problems.push(snap_to_value(lines, tree, problem));
            }
        };
    fn as_problem<T: DeserializeOwned>(piece: &str, path: &str) -> Option<Problem> {
        parse_typed::<T>(piece, path).err()
    }

    check(tree, "", &TOP_LEVEL_LISTS, as_problem::<Portfolio>);
    for list in TOP_LEVEL_LISTS {
        let Some(field) = tree.field(list) else {
            continue;
        };
        let NodeKind::List { items, .. } = &field.value.kind else {
            continue;
        };
        for (index, item) in items.iter().enumerate() {
            let path = format!("{list}[{index}]");
            match list {
                "accounts" => {
                    check(item, &path, &ACCOUNT_LISTS, as_problem::<Account>);
                    for child in ACCOUNT_LISTS {
                        let Some(child_field) = item.field(child) else {
                            continue;
                        };
                        let NodeKind::List {
                            items: children, ..
                        } = &child_field.value.kind
                        else {
                            continue;
                        };
                        for (child_index, child_item) in children.iter().enumerate() {
                            let child_path = format!("{path}.{child}[{child_index}]");
                            let parse = if child == "positions" {
                                as_problem::<Position>
                            } else {
                                as_problem::<Collateral>
                            };
                            check(child_item, &child_path, &[], parse);
                        }
                    }
                }
                "price_overrides" => check(item, &path, &[], as_problem::<PriceOverride>),
                "journal" => check(item, &path, &[], as_problem::<JournalEntry>),
                "scenario_sets" => check(item, &path, &[], as_problem::<ScenarioSet>),
                _ => check(item, &path, &[], as_problem::<AlertThreshold>),
            }
        }
    }
    sorted(problems)
}

/// The text of `node` with the contents of its child lists named in `blank` replaced by
/// spaces (newlines kept), so the element parses without its children while every remaining
/// character keeps its line and column.
fn blanked(text: &str, node: &Node, blank: &[&str]) -> String {
    let mut piece: Vec<char> = Vec::new();
    let mut ranges: Vec<(usize, usize)> = blank
        .iter()
        .filter_map(|name| node.field(name))
        .filter_map(|field| match field.value.kind {
            NodeKind::List {
                inner_start,
                inner_end,
                ..
            } => Some((inner_start, inner_end)),
            _ => None,
        })
        .collect();
    ranges.sort_unstable();
    let source = text.get(node.start..node.end).unwrap_or_default();
    for (offset, ch) in source.char_indices() {
        let absolute = node.start + offset;
        let inside = ranges
            .iter()
            .any(|&(start, end)| absolute >= start && absolute < end);
        piece.push(if inside && ch != '\n' { ' ' } else { ch });
    }
    piece.into_iter().collect()
}

/// Deserializes `text` as `T`, turning the first error into a [`Problem`] whose path is
/// `prefix` followed by the path inside `T`.
fn parse_typed<T: DeserializeOwned>(text: &str, prefix: &str) -> Result<T, Problem> {
    let options = super::ron_options();
    let mut deserializer = match ron::Deserializer::from_str_with_options(text, &options) {
        Ok(deserializer) => deserializer,
        Err(err) => return Err(spanned_problem(&err, prefix.to_owned())),
    };
    let mut track = serde_path_to_error::Track::new();
    let result = T::deserialize(serde_path_to_error::Deserializer::new(
        &mut deserializer,
        &mut track,
    ));
    match result {
        Ok(value) => match deserializer.end() {
            Ok(()) => Ok(value),
            Err(err) => Err(spanned_problem(
                &deserializer.span_error(err),
                prefix.to_owned(),
            )),
        },
        Err(err) => {
            let path = join_path(prefix, &track.path());
            Err(spanned_problem(&deserializer.span_error(err), path))
        }
    }
}

fn join_path(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut joined = prefix.to_owned();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => joined.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !joined.is_empty() {
                    joined.push('.');
                }
                joined.push_str(key);
            }
            // Variant names are not part of a value's path in the file.
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    joined
}

fn spanned_problem(err: &ron::error::SpannedError, path: String) -> Problem {
    Problem {
        path,
        line: err.span.start.line,
        col: err.span.start.col,
        message: friendly_message(&err.code),
    }
}

/// Rewrites `ron`/`serde` messages into a trader's words where the original is cryptic.
fn friendly_message(code: &ron::error::Error) -> String {
    use ron::error::Error;
    match code {
        Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let what = match outer.as_deref() {
                Some("Venue") => "venue".to_owned(),
                Some("Position") => "position kind".to_owned(),
                Some("MarginMode") => "margin mode".to_owned(),
                Some(other) => format!("value for {other}"),
                None => "value".to_owned(),
            };
            format!(
                "unknown {what} `{found}`; expected one of: {}",
                expected.join(", ")
            )
        }
        Error::NoSuchStructField {
            expected, found, ..
        } => {
            format!(
                "unknown field `{found}`; expected one of: {}",
                expected.join(", ")
            )
        }
        Error::MissingStructField { field, outer } => match outer.as_deref() {
            Some(outer) => format!("required field `{field}` is missing in this {outer}"),
            None => format!("required field `{field}` is missing"),
        },
        Error::DuplicateStructField { field, .. } => format!("field `{field}` is given twice"),
        Error::InvalidValueForType { expected, found } if expected.contains("Decimal") => {
            format!("not a valid decimal number: {found}; write numbers like \"42000.5\"")
        }
        Error::ExpectedString => {
            "expected text in quotes; amounts and prices are written as strings, like \"42000.5\""
                .to_owned()
        }
        Error::Message(message) if message.contains("Decimal") || message.contains("decimal") => {
            format!("not a valid decimal number ({message}); write it in quotes, like \"42000.5\"")
        }
        Error::Eof => "the file ends too early: a bracket or parenthesis is not closed".to_owned(),
        Error::ExceededRecursionLimit => {
            "the file is nested too deeply to be a portfolio".to_owned()
        }
        other => other.to_string(),
    }
}
