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

/// Another program replacing the file (as editors and sync clients do: write a temporary
/// file, rename it over) while RiskDeck saves over and over: every version of the other
/// program that a save displaced was either the one the save had checked (so it is in the
/// `.bak`) or is kept in a conflict file. Without the exchange-and-verify, versions that
/// slipped in between check and rename vanished.
#[test]
fn a_concurrent_writer_never_loses_an_edit() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let (dir, path) = temp_copy("basis-trade.ron");
    let loaded = load_file(&path).unwrap();
    let body = riskdeck::model::io::to_ron_string(&loaded.portfolio, "").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let displaced: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let writer = {
        let (path, stop, displaced, body) = (
            path.clone(),
            Arc::clone(&stop),
            Arc::clone(&displaced),
            body.clone(),
        );
        std::thread::spawn(move || {
            let mut k = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let version = format!("// writer {k}\n{body}").into_bytes();
                let temp = path.with_extension(format!("writer-{k}"));
                std::fs::write(&temp, &version).unwrap();
                std::fs::rename(&temp, &path).unwrap();
                std::thread::yield_now();
                // Gone already: someone replaced this version.
                if std::fs::read(&path).is_ok_and(|now| now != version) {
                    displaced.lock().unwrap().push(version);
                }
                k += 1;
            }
        })
    };
    let mut checked: Vec<Vec<u8>> = Vec::new();
    let mut conflicts = 0;
    for j in 0..400 {
        let Ok(current) = std::fs::read(&path) else {
            continue;
        };
        let stamp = riskdeck::model::io::FileStamp::of(&current);
        let mut edited = loaded.portfolio.clone();
        edited.name = format!("saver {j}");
        match save_file(&path, &edited, "", Overwrite::IfUnchanged(stamp)) {
            Ok(saved) => {
                checked.push(current);
                conflicts += usize::from(saved.conflict.is_some());
            }
            Err(FileError::ChangedOnDisk { .. }) => {}
            Err(other) => panic!("{other}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let kept: Vec<Vec<u8>> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".conflict-"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(kept.len(), conflicts, "each conflict kept one file");
    let displaced = displaced.lock().unwrap();
    // The writer checks its version right after writing it, so each one it finds gone was
    // displaced by a save.
    let lost: Vec<String> = displaced
        .iter()
        .filter(|v| !checked.contains(v) && !kept.contains(v))
        .map(|v| String::from_utf8_lossy(&v[..v.len().min(12)]).into_owned())
        .collect();
    assert!(lost.is_empty(), "versions lost: {lost:?}");
    // No temporary file is left behind.
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".riskdeck-")
    }),);
}

#[cfg(unix)]
#[test]
fn saving_keeps_mode_and_group_writes_through_a_symlink_and_refuses_read_only() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let (dir, path) = temp_copy("basis-trade.ron");
    let loaded = load_file(&path).unwrap();
    let mut edited = loaded.portfolio.clone();
    edited.name = "Edited".into();
    // Mode 0640 stays 0640 (a fresh temporary file would be 0600).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let gid = std::fs::metadata(&path).unwrap().gid();
    save_file(&path, &edited, &loaded.header, Overwrite::Always).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(meta.gid(), gid);
    // Through a symlink: the target changes, the link stays a link, the .bak is the target's.
    let link = dir.path().join("link.ron");
    std::os::unix::fs::symlink("basis-trade.ron", &link).unwrap();
    edited.name = "Through the link".into();
    save_file(&link, &edited, &loaded.header, Overwrite::Always).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(load_file(&path).unwrap().portfolio.name, "Through the link");
    assert!(backup_path(&path).exists());
    assert!(!backup_path(&link).exists());
    // A read-only file is refused with a clear message, and left as it was.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&path).unwrap();
    edited.name = "Refused".into();
    let refused = save_file(&path, &edited, &loaded.header, Overwrite::Always);
    assert!(
        matches!(refused, Err(FileError::ReadOnly { .. })),
        "{refused:?}"
    );
    assert!(refused.unwrap_err().to_string().contains("read-only"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_crash_s_leftover_temporary_files_are_removed_at_the_next_save_of_that_file() {
    let (dir, path) = temp_copy("basis-trade.ron");
    let loaded = load_file(&path).unwrap();
    let old = dir.path().join(".riskdeck-save-basis-trade.ron-abc123.tmp");
    let fresh = dir.path().join(".riskdeck-save-basis-trade.ron-def456.tmp");
    let other = dir.path().join(".riskdeck-save-other.ron-ghi789.tmp");
    for file in [&old, &fresh, &other] {
        std::fs::write(file, "half a file").unwrap();
    }
    let hour_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    for file in [&old, &other] {
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    save_file(&path, &loaded.portfolio, &loaded.header, Overwrite::Always).unwrap();
    assert!(!old.exists(), "this file's old leftover is removed");
    assert!(
        fresh.exists(),
        "a temporary file of a save still running is kept"
    );
    assert!(
        other.exists(),
        "another file's leftovers are not this save's business"
    );
}
