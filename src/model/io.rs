//! Reading and writing portfolio files on disk, crash-safe.
//!
//! Saving writes a temporary file in the same folder (with the file's mode and group),
//! flushes it to disk, and exchanges it with the file in one atomic step, so a crash or a full
//! disk at any moment leaves either the old file or the new one, never half of each.
//!
//! Each opened file carries a [`FileStamp`] (length and content hash); a save refuses to
//! overwrite a file whose content changed since it was opened, unless the caller says so. The
//! check and the replacement cannot be one step, so another program (an editor, a sync client)
//! may still slip a version in between them. On Linux the replacement is therefore an
//! exchange (`renameat2` with `RENAME_EXCHANGE`): what comes out is the exact file that was
//! replaced, and it is compared with the version that was checked. If it is that version it
//! becomes `NAME.ron.bak`; if another writer's version came out, it is kept as
//! `NAME.ron.conflict-TIME` and the caller is told ([`Saved::conflict`]): no edit is lost.
//! Elsewhere the replacement is a rename and the window between check and rename remains
//! (README, "Never losing a file").
//!
//! A symlink is saved through (its target is replaced; the link stays a link); a read-only
//! file is refused; temporary files are removed on failure, and a crash's leftovers
//! (`.riskdeck-save-NAME-*.tmp`) are removed at the next save of that file.

use std::fs::{self, File};
use std::hash::{Hash as _, Hasher as _};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::load::{MAX_FILE_BYTES, Problem, parse_portfolio_bytes};
use super::types::Portfolio;

/// Identifies the content of a file as it was read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    /// Length in bytes.
    pub len_bytes: u64,
    /// Hash of the content (stable within one run of the program).
    pub content_hash: u64,
}

impl FileStamp {
    /// The stamp of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Self {
            len_bytes: bytes.len() as u64,
            content_hash: hasher.finish(),
        }
    }
}

/// A portfolio read from disk, with the stamp needed to detect outside changes.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The parsed, validated portfolio.
    pub portfolio: Portfolio,
    /// What the file looked like when read.
    pub stamp: FileStamp,
    /// The comment lines at the top of the file, written back on save.
    pub header: String,
}

/// Everything that can go wrong opening or saving a portfolio file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read at all.
    #[error("{}: cannot read the file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The file was read but has problems; every one is listed.
    #[error("{}", format_problems(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The file changed on disk since it was opened; saving would lose those changes.
    #[error(
        "{}: the file changed on disk since it was opened; reopen it, or save under another name",
        path.display()
    )]
    ChangedOnDisk {
        /// The file.
        path: PathBuf,
    },
    /// The file is read-only; nothing was written.
    #[error(
        "{}: the file is read-only; make it writable or save under another name",
        path.display()
    )]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// Writing failed; the previous file is untouched.
    #[error("{}: cannot save ({step}): {source}; the previous version is untouched", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Which step failed.
        step: &'static str,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The portfolio could not be turned into text (a bug; nothing was written).
    #[error("cannot format the portfolio as RON: {0}")]
    Format(String),
}

/// `file:line:col: path: message`, one problem per line.
pub fn format_problems(path: &Path, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| format!("{}:{problem}", path.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads, parses and validates a portfolio file.
pub fn load_file(path: &Path) -> Result<LoadedFile, FileError> {
    let bytes = read_limited(path)?;
    if bytes.len() > MAX_FILE_BYTES {
        // Only the first bytes past the limit were read: the message gives the file's size.
        let size = fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(FileError::Invalid {
            path: path.to_owned(),
            problems: vec![Problem {
                path: String::new(),
                line: 1,
                col: 1,
                message: format!(
                    "the file is {size} bytes; a portfolio file is at most {MAX_FILE_BYTES} bytes"
                ),
            }],
        });
    }
    let stamp = FileStamp::of(&bytes);
    let portfolio = parse_portfolio_bytes(&bytes).map_err(|problems| FileError::Invalid {
        path: path.to_owned(),
        problems,
    })?;
    // The bytes parsed, so they are UTF-8.
    let header = leading_comment(&super::load::readable(&String::from_utf8_lossy(&bytes)));
    Ok(LoadedFile {
        path: path.to_owned(),
        portfolio,
        stamp,
        header,
    })
}

/// Reads a file, refusing anything larger than a portfolio can be before reading it whole.
fn read_limited(path: &Path) -> Result<Vec<u8>, FileError> {
    use std::io::Read as _;
    let read_error = |source| FileError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    // Reading one byte past the limit is enough to know the file is too large.
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(bytes)
}

/// The first line of files that had no comment of their own at the top.
pub const DEFAULT_HEADER: &str =
    "// RiskDeck portfolio file. The format is documented in portfolios/README.md.";

/// The `//` comment lines at the very top of a file (the only comments a save keeps: RON
/// comments elsewhere are not part of the data and are not written back).
pub fn leading_comment(text: &str) -> String {
    text.lines()
        .take_while(|line| line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text a portfolio is saved as: the file's own top comment (or [`DEFAULT_HEADER`]), then
/// pretty RON with fields in declaration order, so saving twice gives the same bytes and diffs
/// stay small.
pub fn to_ron_string(portfolio: &Portfolio, header: &str) -> Result<String, FileError> {
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ")
        .struct_names(false)
        .escape_strings(false)
        .separate_tuple_members(true)
        .extensions(super::ron_extensions());
    let body = ron::ser::to_string_pretty(portfolio, config)
        .map_err(|err| FileError::Format(err.to_string()))?;
    let header = if header.trim().is_empty() {
        DEFAULT_HEADER
    } else {
        header
    };
    Ok(format!("{header}\n{body}\n"))
}

/// How a save treats a file that already exists at the target path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Only if its content is still exactly what was opened (the stamp).
    IfUnchanged(FileStamp),
    /// Replace whatever is there (the user confirmed, or chose "Save As" onto it).
    Always,
}

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The stamp of what was written.
    pub stamp: FileStamp,
    /// When another program wrote the file between the check and the replacement: where its
    /// version is kept (`NAME.ron.conflict-TIME`), so nothing it wrote is lost.
    pub conflict: Option<PathBuf>,
}

/// Saves `portfolio` to `path` atomically, keeping the replaced file as `NAME.ron.bak`.
pub fn save_file(
    path: &Path,
    portfolio: &Portfolio,
    header: &str,
    overwrite: Overwrite,
) -> Result<Saved, FileError> {
    save_file_with(path, portfolio, header, overwrite, |file, bytes| {
        file.write_all(bytes)
    })
}

/// A crash's temporary files are this old at least before a save removes them (a younger
/// one may belong to a save still running in another window).
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// [`save_file`] with the write of the new content supplied by the caller, so tests can make
/// it fail half way and check that the original file survives.
pub fn save_file_with(
    path: &Path,
    portfolio: &Portfolio,
    header: &str,
    overwrite: Overwrite,
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<Saved, FileError> {
    let text = to_ron_string(portfolio, header)?;
    let bytes = text.as_bytes();
    let write_error = |step, source| FileError::Write {
        path: path.to_owned(),
        step,
        source,
    };
    // Through a symlink: the target is what gets replaced, the link stays a link.
    let target = resolve_link(path).map_err(|err| write_error("following the link", err))?;
    let metadata = match fs::metadata(&target) {
        Ok(metadata) => Some(metadata),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(write_error("reading the current file", err)),
    };
    if metadata
        .as_ref()
        .is_some_and(|m| m.permissions().readonly())
    {
        return Err(FileError::ReadOnly {
            path: path.to_owned(),
        });
    }
    let existing = match fs::read(&target) {
        Ok(current) => Some(current),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(write_error("reading the current file", err)),
    };
    if let (Some(current), Overwrite::IfUnchanged(stamp)) = (&existing, overwrite)
        && FileStamp::of(current) != stamp
    {
        return Err(FileError::ChangedOnDisk {
            path: path.to_owned(),
        });
    }

    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_leftovers(&folder, &name);
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".riskdeck-save-{name}-"))
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(|err| write_error("creating a temporary file", err))?;
    write(temp.as_file_mut(), bytes).map_err(|err| write_error("writing", err))?;
    if let Some(metadata) = &metadata {
        keep_mode_and_group(temp.as_file(), metadata)
            .map_err(|err| write_error("keeping the file's permissions", err))?;
    }
    temp.as_file()
        .sync_all()
        .map_err(|err| write_error("flushing to disk", err))?;
    let stamp = FileStamp::of(bytes);
    let Some(current) = existing else {
        // A new file: never replace one another program created meanwhile.
        return match temp.persist_noclobber(&target) {
            Ok(_) => {
                sync_folder(&folder);
                Ok(Saved {
                    stamp,
                    conflict: None,
                })
            }
            Err(err) if err.error.kind() == io::ErrorKind::AlreadyExists => {
                Err(FileError::ChangedOnDisk {
                    path: path.to_owned(),
                })
            }
            Err(err) => Err(write_error("creating the file", err.error)),
        };
    };
    let checked = FileStamp::of(&current);
    let conflict = replace(temp, &target, &folder, &current, checked)
        .map_err(|(step, err)| write_error(step, err))?;
    sync_folder(&folder);
    Ok(Saved { stamp, conflict })
}

/// Where a save through `path` writes: the final target of a symlink (resolved relative to
/// the link's folder), else `path` itself.
fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_owned();
    // A bounded walk: a loop of links is an error, not a hang.
    for _ in 0..40 {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&target)?;
                target = match target.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(target),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(target),
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Gives the new file the replaced file's permission bits and group (the owner stays the
/// saving user, as any editor does).
#[cfg(unix)]
fn keep_mode_and_group(file: &File, metadata: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    file.set_permissions(metadata.permissions())?;
    let own = file.metadata()?;
    if own.gid() != metadata.gid() {
        // Only a group the user belongs to can be given; otherwise the folder's default stays.
        let _ignored = std::os::unix::fs::fchown(file, None, Some(metadata.gid()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_mode_and_group(file: &File, metadata: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(metadata.permissions())
}

/// Removes `.riskdeck-save-NAME-*.tmp` files a crash left in `folder` (older than a minute).
fn remove_leftovers(folder: &Path, name: &str) {
    let prefix = format!(".riskdeck-save-{name}-");
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= LEFTOVER_AGE);
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") && old {
            let _ignored = fs::remove_file(entry.path());
        }
    }
}

/// `NAME.ron.conflict-20261201T235959.123Z` beside `target`, named by when the other
/// version was written (`written`, its modification time: no clock is read here).
fn conflict_path(target: &Path, written: std::time::SystemTime) -> PathBuf {
    let time = chrono::DateTime::<chrono::Utc>::from(written);
    let mut name = target
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(format!(".conflict-{}", time.format("%Y%m%dT%H%M%S%.3fZ")));
    target.with_file_name(name)
}

/// Puts `temp` in place of `target` and keeps what it replaced: as the `.bak` when it is the
/// version that was checked (`checked`), else as a conflict file, whose path is returned.
#[cfg(target_os = "linux")]
fn replace(
    temp: tempfile::NamedTempFile,
    target: &Path,
    folder: &Path,
    current: &[u8],
    checked: FileStamp,
) -> Result<Option<PathBuf>, (&'static str, io::Error)> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    let temp_path = temp.path().to_owned();
    match renameat_with(CWD, &temp_path, CWD, target, RenameFlags::EXCHANGE) {
        Ok(()) => {}
        // A file system without exchange (some network and FUSE mounts): a plain rename, and
        // the window between check and rename remains there.
        Err(err) if err == rustix::io::Errno::INVAL || err == rustix::io::Errno::NOSYS => {
            return rename_over(temp, target, folder, current);
        }
        Err(err) => return Err(("replacing the file", err.into())),
    }
    // The temporary name now holds exactly what was at `target`: never delete it unread.
    let (file, temp_path) = temp
        .keep()
        .map_err(|e| ("keeping the replaced file", e.error))?;
    drop(file);
    let displaced = fs::read(&temp_path).map_err(|e| ("reading the replaced file", e))?;
    if FileStamp::of(&displaced) == checked {
        fs::rename(&temp_path, backup_path(target)).map_err(|e| ("keeping the .bak copy", e))?;
        Ok(None)
    } else {
        let written = fs::metadata(&temp_path)
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        let base = conflict_path(target, written);
        // Never over an earlier conflict file (two can share a millisecond): NOREPLACE, and
        // the next free `-N` name.
        for n in 1u32.. {
            let conflict = if n == 1 {
                base.clone()
            } else {
                let mut name = base.as_os_str().to_os_string();
                name.push(format!("-{n}"));
                PathBuf::from(name)
            };
            match renameat_with(CWD, &temp_path, CWD, &conflict, RenameFlags::NOREPLACE) {
                Ok(()) => return Ok(Some(conflict)),
                Err(err) if err == rustix::io::Errno::EXIST && n < 1000 => {}
                Err(err) => return Err(("keeping the other version", err.into())),
            }
        }
        Err((
            "keeping the other version",
            io::Error::other("no free name"),
        ))
    }
}

#[cfg(not(target_os = "linux"))]
fn replace(
    temp: tempfile::NamedTempFile,
    target: &Path,
    folder: &Path,
    current: &[u8],
    _checked: FileStamp,
) -> Result<Option<PathBuf>, (&'static str, io::Error)> {
    rename_over(temp, target, folder, current)
}

/// The portable replacement: the checked version as `.bak`, then a rename over the file.
fn rename_over(
    temp: tempfile::NamedTempFile,
    target: &Path,
    folder: &Path,
    current: &[u8],
) -> Result<Option<PathBuf>, (&'static str, io::Error)> {
    write_backup(target, folder, current).map_err(|e| ("keeping the .bak copy", e))?;
    temp.persist(target)
        .map_err(|e| ("replacing the file", e.error))?;
    Ok(None)
}

/// The backup path of a portfolio file: `NAME.ron` → `NAME.ron.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".bak");
    path.with_file_name(name)
}

fn write_backup(path: &Path, folder: &Path, content: &[u8]) -> io::Result<()> {
    let mut temp = tempfile::Builder::new()
        .prefix(".riskdeck-bak-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    temp.write_all(content)?;
    temp.as_file().sync_all()?;
    temp.persist(backup_path(path)).map_err(|err| err.error)?;
    Ok(())
}

/// Makes the rename durable. Some platforms cannot open a folder for syncing; the rename has
/// still happened there, so a failure here is not reported.
fn sync_folder(folder: &Path) {
    if let Ok(handle) = File::open(folder) {
        let _ignored = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_path_appends_bak() {
        assert_eq!(
            backup_path(Path::new("/x/basis-trade.ron")),
            PathBuf::from("/x/basis-trade.ron.bak"),
            "NAME.ron.bak"
        );
    }

    #[test]
    fn stamps_differ_when_content_differs() {
        assert_ne!(
            FileStamp::of(b"a"),
            FileStamp::of(b"b"),
            "different content"
        );
        assert_eq!(FileStamp::of(b"a"), FileStamp::of(b"a"), "same content");
    }
}
