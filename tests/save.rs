//! Saving is atomic, keeps a .bak, and refuses to overwrite outside changes.

use std::io::Write as _;

use riskdeck::model::io::{
    FileError, Overwrite, backup_path, load_file, save_file, save_file_with,
};

use crate::common::temp_copy;

#[test]
fn a_write_failing_half_way_leaves_the_original_intact() {
    let (dir, path) = temp_copy("basis-trade.ron");
    let original = std::fs::read(&path).unwrap();
    let loaded = load_file(&path).unwrap();
    let mut edited = loaded.portfolio.clone();
    edited.name = "Edited".to_owned();
    let result = save_file_with(
        &path,
        &edited,
        &loaded.header,
        Overwrite::IfUnchanged(loaded.stamp),
        |file, bytes| {
            // Write half the bytes, then fail as a full disk would.
            file.write_all(&bytes[..bytes.len() / 2])?;
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        },
    );
    assert!(
        matches!(
            result,
            Err(FileError::Write {
                step: "writing",
                ..
            })
        ),
        "{result:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        original,
        "original untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        leftovers,
        vec!["basis-trade.ron".to_owned()],
        "no temporary file or .bak left behind"
    );
}

#[test]
fn saving_keeps_the_previous_version_as_bak() {
    let (_dir, path) = temp_copy("retail-alts.ron");
    let original = std::fs::read(&path).unwrap();
    let loaded = load_file(&path).unwrap();
    let mut edited = loaded.portfolio.clone();
    edited.notes.push_str(" Edited.");
    save_file(
        &path,
        &edited,
        &loaded.header,
        Overwrite::IfUnchanged(loaded.stamp),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(backup_path(&path)).unwrap(),
        original,
        ".bak is the previous file"
    );
    assert_eq!(
        load_file(&path).unwrap().portfolio,
        edited,
        "new content on disk"
    );
}

#[test]
fn an_outside_change_is_not_overwritten_silently() {
    let (_dir, path) = temp_copy("options-book.ron");
    let loaded = load_file(&path).unwrap();
    // Another program edits the file after we opened it.
    let outside = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Deribit BTC options book", "Changed outside");
    std::fs::write(&path, &outside).unwrap();
    let result = save_file(
        &path,
        &loaded.portfolio,
        &loaded.header,
        Overwrite::IfUnchanged(loaded.stamp),
    );
    assert!(
        matches!(result, Err(FileError::ChangedOnDisk { .. })),
        "{result:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        outside,
        "outside change kept"
    );
    // The user confirms: overwrite.
    save_file(&path, &loaded.portfolio, &loaded.header, Overwrite::Always).unwrap();
    assert_eq!(
        load_file(&path).unwrap().portfolio,
        loaded.portfolio,
        "overwritten on request"
    );
    assert_eq!(
        std::fs::read_to_string(backup_path(&path)).unwrap(),
        outside,
        "outside version kept in .bak"
    );
}

#[test]
fn saving_to_a_new_file_needs_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (_source_dir, source) = temp_copy("leveraged-long.ron");
    let loaded = load_file(&source).unwrap();
    let target = dir.path().join("new.ron");
    save_file(
        &target,
        &loaded.portfolio,
        &loaded.header,
        Overwrite::Always,
    )
    .unwrap();
    assert!(!backup_path(&target).exists(), "nothing to back up");
    assert_eq!(
        load_file(&target).unwrap().portfolio,
        loaded.portfolio,
        "saved"
    );
}

#[test]
fn saving_into_a_missing_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (_source_dir, source) = temp_copy("leveraged-long.ron");
    let loaded = load_file(&source).unwrap();
    let target = dir.path().join("no-such-folder").join("x.ron");
    let result = save_file(
        &target,
        &loaded.portfolio,
        &loaded.header,
        Overwrite::Always,
    );
    assert!(matches!(result, Err(FileError::Write { .. })), "{result:?}");
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("previous version is untouched"),
        "message says nothing was lost"
    );
}
