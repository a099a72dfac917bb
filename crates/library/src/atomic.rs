//! Changing a file by writing a complete new copy next to it and renaming that over the
//! original, so that a crash, a kill or a full disk leaves either the old file or the new one.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Seek};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tag_write::TagWriteError;

#[cfg(test)]
thread_local! {
    /// Makes the next [`replace_via_temp`] on this thread fail after the temporary file is
    /// complete and synced but before the rename: the moment a crash is most likely to hurt.
    pub(crate) static FAIL_BEFORE_RENAME: std::cell::Cell<bool> =
        const { std::cell::Cell::new(false) };
}

/// How old a temporary file of ours must be to count as left behind by an interrupted write. A
/// write in progress keeps its copy's modification time fresh, as it writes into it.
const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

/// True for the names of the copies tag writes make: `.ministage-XXXXXX.tmp` here and
/// `.ministage-tag-XXXXXX` in the OpenMG writer, `XXXXXX` being six random letters or digits.
fn is_our_temp_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    let random = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if let Some(rest) = name.strip_prefix(".ministage-tag-") {
        return random(rest);
    }
    name.strip_prefix(".ministage-")
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(random)
}

/// Removes `path` if it is a temporary file of ours that an interrupted write left behind (by
/// name, and older than [`STALE_AFTER`]); true if it was removed.
pub(crate) fn remove_if_stale_temp(path: &Path) -> bool {
    if !path.file_name().is_some_and(is_our_temp_name) {
        return false;
    }
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return false;
    };
    let old = metadata
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= STALE_AFTER);
    if !metadata.is_file() || !old {
        return false;
    }
    match fs::remove_file(path) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "removed a temporary file left by an interrupted tag write");
            true
        }
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "cannot remove a stale temporary file");
            false
        }
    }
}

/// Removes the temporary files of ours in `dir` that interrupted writes left behind.
pub(crate) fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if is_our_temp_name(&entry.file_name()) {
            remove_if_stale_temp(&entry.path());
        }
    }
}

/// Copies `path` to a temporary file in the same folder, lets `edit` change the copy, then
/// renames the copy over `path` (a symbolic link is followed, so the link stays a link).
pub(crate) fn replace_via_temp(
    path: &Path,
    edit: impl FnOnce(&mut File) -> Result<(), TagWriteError>,
) -> Result<(), TagWriteError> {
    let io_err = |action: &'static str| {
        move |source: io::Error| TagWriteError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let (real, metadata, mut original) = open_writable(path)?;
    let dir = parent_dir(&real);
    remove_stale_temps(&dir);
    let mut temp = tempfile::Builder::new()
        .prefix(".ministage-")
        // Not an audio extension, so an import never picks up a leftover after a crash.
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|source| TagWriteError::TempFile {
            path: path.to_path_buf(),
            dir: dir.clone(),
            source,
        })?;
    io::copy(&mut original, temp.as_file_mut()).map_err(io_err("cannot copy"))?;
    drop(original);
    temp.as_file_mut()
        .rewind()
        .map_err(io_err("cannot write"))?;
    edit(temp.as_file_mut())?;
    // The copy is a new inode: give it the original's permission bits.
    fs::set_permissions(temp.path(), metadata.permissions())
        .map_err(io_err("cannot set the permissions of"))?;
    temp.as_file().sync_all().map_err(io_err("cannot save"))?;

    #[cfg(test)]
    if FAIL_BEFORE_RENAME.with(|f| f.replace(false)) {
        return Err(TagWriteError::Io {
            path: path.to_path_buf(),
            action: "cannot replace (test hook)",
            source: io::Error::other("interrupted before rename"),
        });
    }

    // On failure the temporary file is removed when the error (which owns it) is dropped.
    temp.persist(&real)
        .map_err(|e| io_err("cannot replace")(e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Refuses anything but a regular file (symbolic links followed), before it is opened: opening
/// a named pipe waits for a writer for ever, and a device is not a file to rewrite.
pub(crate) fn check_regular_file(path: &Path) -> Result<(), TagWriteError> {
    let metadata = fs::metadata(path).map_err(|source| TagWriteError::Io {
        path: path.to_path_buf(),
        action: "cannot open",
        source,
    })?;
    if metadata.is_file() {
        return Ok(());
    }
    Err(TagWriteError::NotAFile {
        path: path.to_path_buf(),
        kind: file_kind(metadata.file_type()),
    })
}

/// What a file that is not a regular file is, for messages.
pub(crate) fn file_kind(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// The file behind `path` (symbolic links followed), its metadata and a handle opened for
/// reading and writing: read-only files are refused here, before anything is written.
pub(crate) fn open_writable(path: &Path) -> Result<(PathBuf, fs::Metadata, File), TagWriteError> {
    let io_err = |source| TagWriteError::Io {
        path: path.to_path_buf(),
        action: "cannot open",
        source,
    };
    check_regular_file(path)?;
    let real = fs::canonicalize(path).map_err(io_err)?;
    let metadata = fs::metadata(&real).map_err(io_err)?;
    if metadata.permissions().readonly() {
        return Err(TagWriteError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    // The rename would succeed in a writable folder even when the file itself is not writable
    // for this user; asking for write access first honours the file's own permissions.
    let original = match OpenOptions::new().read(true).write(true).open(&real) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            return Err(TagWriteError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io_err(e)),
    };
    Ok((real, metadata, original))
}

/// Makes a rename in `dir` durable. Failing that is not worth reporting as a failed write,
/// because the new file is already in place.
pub(crate) fn sync_dir(dir: &Path) {
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot sync folder after tag write");
    }
}

pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
