//! Every sample loads, and load → save → load gives the same portfolio and the same bytes.

use riskdeck::model::io::{Overwrite, load_file, save_file, to_ron_string};

use crate::common::{sample_files, temp_copy};

#[test]
fn there_are_the_four_documented_samples() {
    let names: Vec<String> = sample_files()
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for wanted in [
        "basis-trade.ron",
        "leveraged-long.ron",
        "options-book.ron",
        "retail-alts.ron",
    ] {
        assert!(
            names.contains(&wanted.to_owned()),
            "{wanted} missing from {names:?}"
        );
    }
}

#[test]
fn every_sample_round_trips_exactly() {
    for path in sample_files() {
        let loaded = load_file(&path).unwrap_or_else(|err| panic!("{err}"));
        let text = to_ron_string(&loaded.portfolio, &loaded.header).unwrap();
        // Samples are stored in the canonical layout, so saving changes no byte.
        assert_eq!(
            text,
            std::fs::read_to_string(&path).unwrap(),
            "{} is canonical",
            path.display()
        );
        let reparsed = riskdeck::model::parse_portfolio(&text).unwrap();
        assert_eq!(reparsed, loaded.portfolio, "{} round trip", path.display());
    }
}

#[test]
fn saving_a_sample_to_disk_and_reloading_gives_the_same_portfolio() {
    for name in [
        "basis-trade.ron",
        "leveraged-long.ron",
        "options-book.ron",
        "retail-alts.ron",
    ] {
        let (_dir, path) = temp_copy(name);
        let first = load_file(&path).unwrap();
        save_file(
            &path,
            &first.portfolio,
            &first.header,
            Overwrite::IfUnchanged(first.stamp),
        )
        .unwrap();
        let second = load_file(&path).unwrap();
        assert_eq!(second.portfolio, first.portfolio, "{name}");
        assert_eq!(second.header, first.header, "{name} keeps its top comment");
    }
}

#[test]
fn samples_name_their_price_date() {
    for path in sample_files() {
        let loaded = load_file(&path).unwrap();
        assert!(
            loaded.portfolio.notes.contains("2025-10-31"),
            "{} names the date of its prices",
            path.display()
        );
    }
}

#[test]
fn the_commented_example_in_the_format_docs_is_a_valid_portfolio() {
    let readme =
        std::fs::read_to_string(crate::common::portfolios_dir().join("README.md")).unwrap();
    let start = readme.find("```ron\n").expect("example block") + "```ron\n".len();
    let end = start + readme[start..].find("```").expect("end of block");
    let portfolio =
        riskdeck::model::parse_portfolio(&readme[start..end]).unwrap_or_else(|problems| {
            panic!(
                "{}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert_eq!(portfolio.accounts.len(), 4, "accounts in the example");
    assert_eq!(portfolio.journal.len(), 3, "journal entries in the example");
}
