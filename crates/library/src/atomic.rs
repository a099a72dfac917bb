//! Changing a file by writing a complete new copy next to it and renaming that over the
//! original, so that a crash, a kill or a full disk leaves either the old file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Seek};
use std::path::{Path, PathBuf};

use super::tag_write::TagWriteError;

#[cfg(test)]
thread_local! {
    /// Makes the next [`replace_via_temp`] on this thread fail after the temporary file is
    /// complete and synced but before the rename: the moment a crash is most likely to hurt.
    pub(crate) static FAIL_BEFORE_RENAME: std::cell::Cell<bool> =
        const { std::cell::Cell::new(false) };
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

/// The file behind `path` (symbolic links followed), its metadata and a handle opened for
/// reading and writing: read-only files are refused here, before anything is written.
pub(crate) fn open_writable(path: &Path) -> Result<(PathBuf, fs::Metadata, File), TagWriteError> {
    let io_err = |source| TagWriteError::Io {
        path: path.to_path_buf(),
        action: "cannot open",
        source,
    };
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
