//! Reading and writing portfolio files on disk, crash-safe.
//!
//! Saving writes a temporary file in the same folder, flushes it to disk, keeps the previous
//! version as `NAME.ron.bak`, and only then renames the new file over the old one, so a crash
//! or a full disk at any moment leaves either the old file or the new one, never half of each.
//! Each opened file carries a [`FileStamp`]; saving refuses to overwrite a file whose content
//! changed on disk since it was opened, unless the caller says so.

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
    let stamp = FileStamp::of(&bytes);
    let portfolio = parse_portfolio_bytes(&bytes).map_err(|problems| FileError::Invalid {
        path: path.to_owned(),
        problems,
    })?;
    // The bytes parsed, so they are UTF-8.
    let header = leading_comment(&String::from_utf8_lossy(&bytes));
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

/// Saves `portfolio` to `path` atomically, keeping the previous file as `NAME.ron.bak`.
/// Returns the stamp of what was written.
pub fn save_file(
    path: &Path,
    portfolio: &Portfolio,
    header: &str,
    overwrite: Overwrite,
) -> Result<FileStamp, FileError> {
    save_file_with(path, portfolio, header, overwrite, |file, bytes| {
        file.write_all(bytes)
    })
}

/// [`save_file`] with the write of the new content supplied by the caller, so tests can make
/// it fail half way and check that the original file survives.
pub fn save_file_with(
    path: &Path,
    portfolio: &Portfolio,
    header: &str,
    overwrite: Overwrite,
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<FileStamp, FileError> {
    let text = to_ron_string(portfolio, header)?;
    let bytes = text.as_bytes();
    let write_error = |step, source| FileError::Write {
        path: path.to_owned(),
        step,
        source,
    };

    let existing = match fs::read(path) {
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

    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".riskdeck-save-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(|err| write_error("creating a temporary file", err))?;
    write(temp.as_file_mut(), bytes).map_err(|err| write_error("writing", err))?;
    temp.as_file()
        .sync_all()
        .map_err(|err| write_error("flushing to disk", err))?;

    if let Some(current) = &existing {
        write_backup(path, &folder, current)
            .map_err(|err| write_error("keeping the .bak copy", err))?;
    }
    temp.persist(path)
        .map_err(|err| write_error("replacing the file", err.error))?;
    sync_folder(&folder);
    Ok(FileStamp::of(bytes))
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
