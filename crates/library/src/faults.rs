//! Telling apart the ways SQLite fails that the library handles itself: a full disk, a file
//! that cannot be written, another process holding the lock.

use std::io::{ErrorKind, Write};
use std::path::Path;

use rusqlite::ErrorCode;

use super::LibraryError;

/// Why a library can be read but not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unwritable {
    /// The disk holding it is full (or a file-size limit is reached).
    DiskFull,
    /// The file or its folder cannot be written (permissions, read-only media).
    NotWritable,
}

impl Unwritable {
    /// The error a change to the library at `path` fails with.
    pub(crate) fn error(self, path: &Path) -> LibraryError {
        match self {
            Unwritable::DiskFull => LibraryError::DiskFull {
                path: path.to_path_buf(),
            },
            Unwritable::NotWritable => LibraryError::ReadOnly {
                path: path.to_path_buf(),
                reason: "the file or its folder is read-only".into(),
            },
        }
    }
}

/// Tells whether `err`, from SQLite on the database at `path`, comes from a full disk or from
/// a file or folder that cannot be written. SQLite reports those as many things ("disk I/O
/// error" when the WAL index cannot grow, "unable to open database file" when it cannot be
/// created), so its word is checked by trying to write to the database's folder.
pub(crate) fn unwritable(err: &LibraryError, path: &Path) -> Option<Unwritable> {
    let (LibraryError::Open { source, .. }
    | LibraryError::Migration { source, .. }
    | LibraryError::Database { source, .. }) = err
    else {
        return None;
    };
    match source.sqlite_error_code()? {
        ErrorCode::DiskFull => Some(Unwritable::DiskFull),
        ErrorCode::SystemIoFailure | ErrorCode::CannotOpen | ErrorCode::ReadOnly => {
            probe_folder(path)
        }
        _ => None,
    }
}

/// True when `err` is another connection holding a lock.
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Writes a little to the folder of `path` to see whether it can be written.
fn probe_folder(path: &Path) -> Option<Unwritable> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // An unnamed file, gone as soon as it is dropped.
    let written = tempfile::tempfile_in(dir).and_then(|mut probe| {
        probe.write_all(&vec![0; 64 * 1024])?;
        probe.sync_all()
    });
    match written.map_err(|e| e.kind()) {
        Err(ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge) => {
            Some(Unwritable::DiskFull)
        }
        Err(ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => {
            Some(Unwritable::NotWritable)
        }
        _ => None,
    }
}

/// `path` as an SQLite URI filename with `query` (e.g. `immutable=1`); `None` for a path that
/// is not valid Unicode.
pub(crate) fn file_uri(path: &Path, query: &str) -> Option<String> {
    let text = path.to_str()?;
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes_everything_but_plain_path_characters() {
        assert_eq!(
            file_uri(Path::new("/a b/c?d#e%f/ü.db"), "immutable=1").unwrap(),
            "file:/a%20b/c%3Fd%23e%25f/%C3%BC.db?immutable=1"
        );
    }
}
