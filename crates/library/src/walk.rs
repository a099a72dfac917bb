//! Finding the audio files under the import roots.

use std::path::{MAIN_SEPARATOR, Path, PathBuf};
use std::time::UNIX_EPOCH;

use walkdir::WalkDir;

use super::ImportFailure;
use super::atomic::{file_kind, remove_if_stale_temp};
use crate::text::clean;

/// Chosen by extension, compared case-insensitively.
const AUDIO_EXTENSIONS: &[&str] = &[
    "flac", "mp3", "ogg", "oga", "opus", "m4a", "mp4", "m4b", "aac", "wav", "aif", "aiff", "wv",
    "ape", "mpc", "spx", // Sony formats, read by `atrac`:
    "oma", "omg", "aa3", "at3", "aea",
];

/// An audio file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundFile {
    /// Absolute, exactly as walked (never normalised, so NFD names still open).
    pub path: PathBuf,
    /// The same path as stored in the database.
    pub key: String,
    pub size: u64,
    pub mtime_ns: i64,
}

#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Sorted by path, without duplicates.
    pub files: Vec<FoundFile>,
    pub ignored: usize,
    pub failures: Vec<ImportFailure>,
    /// The roots that were walked, canonical.
    roots: Vec<String>,
    /// Folders and files that could not be read: what was in them is unknown, not gone.
    unreadable: Vec<String>,
}

impl Walk {
    /// The outermost walked root that holds the found file `path` (its key): the imported
    /// folder (or file) it was found under.
    pub fn root_of(&self, path: &str) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|root| is_under(path, root))
            .min_by_key(|root| root.len())
            .map(Path::new)
    }

    /// True when a stored track at `path` should have been found by this walk, so that not
    /// finding it means its file is gone.
    pub fn covers(&self, path: &str) -> bool {
        self.roots.iter().any(|root| is_under(path, root))
            && !self.unreadable.iter().any(|dir| is_under(path, dir))
    }
}

fn is_under(path: &str, dir: &str) -> bool {
    match path.strip_prefix(dir) {
        Some("") => true,
        Some(rest) => dir.ends_with(MAIN_SEPARATOR) || rest.starts_with(MAIN_SEPARATOR),
        None => false,
    }
}

pub(crate) fn walk(roots: &[PathBuf]) -> Walk {
    let mut walk = Walk::default();
    for root in roots {
        walk_root(root, &mut walk);
    }
    walk.files.sort_by(|a, b| a.key.cmp(&b.key));
    // Overlapping roots (a folder and its parent) find the same files twice.
    walk.files.dedup_by(|a, b| a.key == b.key);
    walk
}

fn walk_root(root: &Path, walk: &mut Walk) {
    let canonical = match root.canonicalize() {
        Ok(path) => path,
        Err(err) => {
            let reason = if err.kind() == std::io::ErrorKind::NotFound {
                "does not exist".to_string()
            } else {
                format!("cannot open: {err}")
            };
            walk.failures.push(failure(root, &reason));
            return;
        }
    };
    let Some(root_key) = canonical.to_str() else {
        walk.failures.push(failure(
            root,
            "the path is not valid UTF-8, so it cannot be stored in the library",
        ));
        return;
    };
    walk.roots.push(root_key.to_string());

    // Following links lets a library be assembled from symlinked folders; walkdir detects loops.
    for entry in WalkDir::new(&canonical)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                record_walk_error(&err, walk);
                continue;
            }
        };
        let file_type = entry.file_type();
        let path = entry.path();
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
            // Named pipes, devices, sockets: reading one could wait for ever.
            walk.failures.push(failure(
                path,
                &format!("{}, not a regular file", file_kind(file_type)),
            ));
            continue;
        }
        if remove_if_stale_temp(path) {
            continue;
        }
        if !is_audio(path) || is_apple_double(path) {
            walk.ignored += 1;
            continue;
        }
        let Some(key) = path.to_str() else {
            walk.failures.push(failure(
                path,
                "the file name is not valid UTF-8, so it cannot be stored in the library; \
                 rename the file",
            ));
            continue;
        };
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(err) => {
                walk.failures.push(failure(
                    path,
                    &format!("cannot read file information: {err}"),
                ));
                walk.unreadable.push(key.to_string());
                continue;
            }
        };
        walk.files.push(FoundFile {
            path: path.to_path_buf(),
            key: key.to_string(),
            size: metadata.len(),
            mtime_ns: metadata.modified().map_or(0, nanos_since_epoch),
        });
    }
}

/// The [`FoundFile`] for one file the caller already knows the library key of.
pub(crate) fn stat(path: &Path, key: String) -> std::io::Result<FoundFile> {
    let metadata = std::fs::metadata(path)?;
    Ok(FoundFile {
        path: path.to_path_buf(),
        key,
        size: metadata.len(),
        mtime_ns: metadata.modified().map_or(0, nanos_since_epoch),
    })
}

fn record_walk_error(err: &walkdir::Error, walk: &mut Walk) {
    let Some(path) = err.path() else {
        tracing::warn!(error = %err, "import: walk error without a path");
        return;
    };
    if let Some(ancestor) = err.loop_ancestor() {
        // A symlink back up the tree: everything below was already walked, nothing is lost.
        tracing::warn!(
            path = %path.display(),
            ancestor = %ancestor.display(),
            "import: skipping a symbolic link loop"
        );
        return;
    }
    let detail = err
        .io_error()
        .map_or_else(|| err.to_string(), ToString::to_string);
    walk.failures
        .push(failure(path, &format!("cannot read: {detail}")));
    if let Some(key) = path.to_str() {
        walk.unreadable.push(key.to_string());
    }
}

fn failure(path: &Path, reason: &str) -> ImportFailure {
    ImportFailure {
        path: path.to_path_buf(),
        reason: clean(reason),
    }
}

pub(crate) fn is_audio(path: &Path) -> bool {
    // Compared as bytes so that a file with a non-UTF-8 name is still recognised as audio (and
    // reported) rather than silently ignored.
    path.extension().is_some_and(|ext| {
        let ext = ext.as_encoded_bytes();
        AUDIO_EXTENSIONS
            .iter()
            .any(|known| known.as_bytes().eq_ignore_ascii_case(ext))
    })
}

/// macOS leaves `._name.flac` resource-fork files next to real ones on foreign file systems;
/// they carry the audio extension but no audio.
fn is_apple_double(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.as_encoded_bytes().starts_with(b"._"))
}

fn nanos_since_epoch(time: std::time::SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_extensions_ignore_case() {
        assert!(is_audio(Path::new("/a/b.flac")));
        assert!(is_audio(Path::new("/a/b.FLAC")));
        assert!(is_audio(Path::new("/a/b.Mp3")));
        assert!(is_audio(Path::new("/a/b.aiff")));
        assert!(!is_audio(Path::new("/a/b.txt")));
        assert!(!is_audio(Path::new("/a/flac")));
        assert!(!is_audio(Path::new("/a/b.jpg")));
        for sony in ["a.oma", "a.OMG", "a.aa3", "a.at3", "a.aea"] {
            assert!(is_audio(Path::new(sony)), "{sony}");
        }
    }

    #[test]
    fn under_a_folder_means_below_a_separator() {
        assert!(is_under("/music/a/x.flac", "/music/a"));
        assert!(is_under("/music/a", "/music/a"));
        assert!(!is_under("/music/ab/x.flac", "/music/a"));
        assert!(is_under("/x.flac", "/"));
    }

    #[test]
    fn missing_root_is_a_failure_naming_it() {
        let walk = walk(&[PathBuf::from("/nonexistent/ministage-root")]);
        assert_eq!(walk.failures.len(), 1);
        assert_eq!(
            walk.failures[0].to_string(),
            "/nonexistent/ministage-root: does not exist"
        );
        assert!(walk.files.is_empty());
        assert!(!walk.covers("/nonexistent/ministage-root/a.flac"));
    }

    #[test]
    fn walks_nested_folders_and_skips_non_audio() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("Artist/Album");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("01.flac"), b"x").unwrap();
        std::fs::write(sub.join("02.MP3"), b"y").unwrap();
        std::fs::write(sub.join("cover.jpg"), b"z").unwrap();
        std::fs::write(sub.join("._01.flac"), b"z").unwrap();
        let walk = walk(&[dir.path().to_path_buf(), sub.clone()]);
        let names: Vec<_> = walk
            .files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["01.flac", "02.MP3"],
            "no duplicates from overlapping roots"
        );
        // cover.jpg and ._01.flac, each seen twice (once per root).
        assert_eq!(walk.ignored, 4);
        assert!(walk.files.iter().all(|f| f.path.is_absolute()));
        assert!(walk.failures.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang_or_fail() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x.flac"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
        let walk = walk(&[dir.path().to_path_buf()]);
        assert_eq!(walk.files.len(), 1);
        assert!(walk.failures.is_empty(), "{:?}", walk.failures);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_are_reported() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.flac");
        if std::fs::write(dir.path().join(name), b"x").is_err() {
            return; // some file systems refuse such names
        }
        let walk = walk(&[dir.path().to_path_buf()]);
        assert!(walk.files.is_empty());
        assert_eq!(walk.failures.len(), 1);
        assert!(walk.failures[0].reason.contains("UTF-8"));
    }
}
