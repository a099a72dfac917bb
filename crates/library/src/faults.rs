//! Telling apart the ways SQLite fails that the library handles itself: a full disk, another
//! process holding the lock.

use std::io::{ErrorKind, Write};
use std::path::Path;

use rusqlite::ErrorCode;

use super::LibraryError;

/// True when `err` comes from a full disk (or a file-size limit) under the database at `path`.
/// SQLite reports some of those as plain I/O errors ("disk I/O error" when the WAL index
/// cannot grow); those are confirmed by trying to write to the database's folder.
pub(crate) fn is_disk_full(err: &LibraryError, path: &Path) -> bool {
    let (LibraryError::Open { source, .. }
    | LibraryError::Migration { source, .. }
    | LibraryError::Database { source, .. }) = err
    else {
        return false;
    };
    match source.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => true,
        Some(ErrorCode::SystemIoFailure) => folder_is_full(path),
        _ => false,
    }
}

/// True when `err` is another connection holding a lock.
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn folder_is_full(path: &Path) -> bool {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // An unnamed file, gone as soon as it is dropped.
    let written = tempfile::tempfile_in(dir).and_then(|mut probe| {
        probe.write_all(&vec![0; 64 * 1024])?;
        probe.sync_all()
    });
    matches!(
        written.map_err(|e| e.kind()),
        Err(ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge)
    )
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
