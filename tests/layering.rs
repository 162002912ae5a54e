//! The layering rules of `src/lib.rs`, checked on the source text: this test fails when
//! someone makes the engine impure or lets a core layer import the GUI.
//! (clippy's `disallowed-methods` in `.clippy.toml` guards the clock, threads and colours.)

use std::path::{Path, PathBuf};

/// (which files, forbidden token, why).
type Rule = (fn(&str) -> bool, &'static str, &'static str);

const GUI_CRATES: [&str; 6] = [
    "egui",
    "eframe",
    "egui_plot",
    "egui_tiles",
    "egui_extras",
    "rfd",
];

fn is_shell_gui(path: &str) -> bool {
    path.starts_with("src/ui/") || path.starts_with("src/app/") || path == "src/main.rs"
}

fn is_engine(path: &str) -> bool {
    path.starts_with("src/engine/")
}

fn is_core(path: &str) -> bool {
    [
        "src/engine/",
        "src/model/",
        "src/market/",
        "src/present/",
        "src/venues/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path == "src/pricing.rs"
}

fn is_pure(path: &str) -> bool {
    is_engine(path)
        || path.starts_with("src/present/")
        || path.starts_with("src/venues/")
        || path == "src/pricing.rs"
}

const RULES: [Rule; 11] = [
    (is_engine, "reqwest", "the engine does no HTTP"),
    (is_engine, "std::fs", "the engine reads no files"),
    (
        is_engine,
        "crate::market",
        "the engine takes a snapshot, not market code",
    ),
    (
        is_engine,
        "crate::pricing",
        "pricing feeds the engine, not the reverse",
    ),
    (
        is_engine,
        "crate::present",
        "the engine returns numbers, not text for screens",
    ),
    (is_pure, "SystemTime", "time is an argument"),
    (is_pure, "Instant::", "time is an argument"),
    (is_pure, "Utc::now", "time is an argument"),
    (is_core, "crate::ui", "core layers never import the GUI"),
    (is_core, "crate::app", "core layers never import the GUI"),
    (is_core, "crate::cli", "core layers never import the CLI"),
];

/// The code of a line: without `//` comments (doc comments included).
fn code(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    line.split("//").next().unwrap_or("")
}

/// Whether `code` names the crate `name` as a path root (`egui::`, `use egui`).
fn names_crate(code: &str, name: &str) -> bool {
    let bytes = code.as_bytes();
    code.match_indices(name).any(|(at, _)| {
        let before_ok =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let rest = &code[at + name.len()..];
        before_ok
            && (rest.starts_with("::")
                || (code[..at].trim_end().ends_with("use") && !rest.starts_with('_')))
    })
}

/// Every violation in `text`, read as the file `path`.
fn violations(path: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = code(line);
        if !is_shell_gui(path) {
            for krate in GUI_CRATES {
                if names_crate(code, krate) {
                    found.push(format!("{path}:{}: {krate} outside ui/app", n + 1));
                }
            }
        }
        for (applies, token, why) in RULES {
            if applies(path) && code.contains(token) {
                found.push(format!("{path}:{}: `{token}`: {why}", n + 1));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_imports_only_what_it_may() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 40, "the source tree was found");
    let mut found = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(violations(
            &relative,
            &std::fs::read_to_string(&file).unwrap(),
        ));
    }
    assert!(
        found.is_empty(),
        "layering violations:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_should() {
    assert_eq!(
        violations("src/engine/x.rs", "use reqwest::blocking;").len(),
        1
    );
    assert_eq!(
        violations("src/engine/x.rs", "let t = std::fs::read(p);").len(),
        1
    );
    assert_eq!(
        violations("src/present/x.rs", "use egui::Color32;").len(),
        1
    );
    assert_eq!(
        violations("src/model/x.rs", "    egui::Label::new(\"a\");").len(),
        1
    );
    assert_eq!(
        violations("src/pricing.rs", "let now = SystemTime::now();").len(),
        1
    );
    assert_eq!(
        violations("src/market/x.rs", "use crate::app::Command;").len(),
        1
    );
    // Allowed: the GUI uses egui; comments and look-alike names are not imports.
    assert!(violations("src/ui/x.rs", "use egui::Color32;").is_empty());
    assert!(violations("src/engine/x.rs", "// reqwest is not used here").is_empty());
    assert!(violations("src/model/x.rs", "let my_egui_thing = 1;").is_empty());
}
