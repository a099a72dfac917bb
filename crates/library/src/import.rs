//! The import scanner: walks folders, reads the tags of new and changed files in parallel and
//! writes everything in one transaction.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rusqlite::TransactionBehavior;

use super::filename::{folder_parts, parse_stem};
use super::playable::read_playable;
use super::report::{ImportFailure, ImportOptions, ImportProgress, ImportReport};
use super::tags::TrackMeta;
use super::walk::{FoundFile, walk};
use super::{Library, LibraryError, store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Added,
    Updated,
}

/// Imports (or re-scans) the audio files under `roots` into `lib`.
///
/// Only database failures are errors; unreadable files, missing roots and the like are listed in
/// [`ImportReport::failed`] and the rest is imported. `progress` is called from worker threads
/// and must return quickly.
pub fn import(
    lib: &mut Library,
    roots: &[PathBuf],
    opts: &ImportOptions,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> Result<ImportReport, LibraryError> {
    if lib.is_read_only() {
        // Nothing read could be saved: say so before reading every file.
        lib.check_writable()?;
    }
    let mut walked = walk(roots);
    let overrides = opts.overrides.cleaned();
    let known = store::load_known(&lib.conn, !overrides.is_empty()).map_err(|e| lib.db_err(e))?;

    let mut report = ImportReport {
        ignored: walked.ignored,
        failed: std::mem::take(&mut walked.failures),
        ..ImportReport::default()
    };
    let mut writes: Vec<(&FoundFile, TrackMeta)> = Vec::new();
    let mut to_read: Vec<(&FoundFile, Change)> = Vec::new();
    for file in &walked.files {
        match known.get(&file.key) {
            Some(k) if k.size == file.size && k.mtime_ns == file.mtime_ns && !k.missing => {
                // Unchanged files are not read again, but overrides still apply to them.
                if let Some(mut meta) = k.meta.clone()
                    && overrides.apply(&mut meta)
                {
                    writes.push((file, meta));
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
            Some(_) => to_read.push((file, Change::Updated)),
            None => to_read.push((file, Change::Added)),
        }
    }

    let total = to_read.len();
    progress(ImportProgress {
        done: 0,
        total,
        path: PathBuf::new(),
    });
    let done = AtomicUsize::new(0);
    let results: Vec<Result<TrackMeta, String>> = to_read
        .par_iter()
        .map(|(file, _)| {
            let root = walked.root_of(&file.key).unwrap_or(&file.path);
            let result = read_playable(&file.path).map(|mut meta| {
                fill_from_path(&mut meta, &file.path, root);
                overrides.apply(&mut meta);
                meta
            });
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(ImportProgress {
                done: n,
                total,
                path: file.path.clone(),
            });
            result
        })
        .collect();

    for ((file, change), result) in to_read.iter().zip(results) {
        match result {
            Ok(meta) => {
                writes.push((file, meta));
                match change {
                    Change::Added => report.added += 1,
                    Change::Updated => report.updated += 1,
                }
            }
            // A previously imported file that became unreadable keeps its old row; its size and
            // mtime stay old too, so the next import tries again.
            Err(reason) => report.failed.push(ImportFailure {
                path: file.path.clone(),
                reason,
            }),
        }
    }

    let found: HashSet<&str> = walked.files.iter().map(|f| f.key.as_str()).collect();
    let mut newly_missing = Vec::new();
    for (path, k) in &known {
        if !found.contains(path.as_str()) && walked.covers(path) {
            report.missing += 1;
            if !k.missing {
                newly_missing.push(k.id);
            }
        }
    }

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    write_all(lib, &writes, &newly_missing, now)?;

    tracing::info!(%report, roots = roots.len(), "import finished");
    for failure in &report.failed {
        tracing::debug!(%failure, "import failure");
    }
    Ok(report)
}

fn write_all(
    lib: &mut Library,
    writes: &[(&FoundFile, TrackMeta)],
    missing: &[i64],
    now: i64,
) -> Result<(), LibraryError> {
    if writes.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let result = (|| {
        // IMMEDIATE: take the write lock now (waiting for the busy timeout) rather than failing
        // halfway when another process holds it.
        let tx = lib
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        store::write(&tx, writes, missing, now)?;
        tx.commit()
    })();
    result.map_err(|e| lib.db_err(e))
}

/// Fills what the tags leave out from the file's name and folders, as both the import and its
/// preview do: [`fill_from_file_name`], then, for a file without an album tag, the album from its
/// folder (and a missing disc from a `CD2` folder) and, where the layout is `Artist/Album/` below
/// `root` (the imported folder), a missing artist from the album folder's parent. Import options
/// (`--album`, `--artist`) are applied afterwards, so they win.
pub(crate) fn fill_from_path(meta: &mut TrackMeta, path: &Path, root: &Path) {
    fill_from_file_name(meta, path);
    if !meta.album.is_empty() {
        return;
    }
    let folders = folder_parts(path, root);
    meta.album = folders.album;
    if meta.disc_number.is_none() {
        meta.disc_number = folders.disc;
    }
    if meta.artist.is_empty()
        && meta.album_artist.is_empty()
        && let Some(artist) = folders.artist
    {
        meta.artist = artist;
    }
}

/// Files without a title tag get their title (and missing track, disc and artist) from the name.
pub(crate) fn fill_from_file_name(meta: &mut TrackMeta, path: &Path) {
    if !meta.title.is_empty() {
        return;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let parts = parse_stem(&stem);
    meta.title = parts.title;
    if meta.track_number.is_none() {
        meta.track_number = parts.track;
    }
    if meta.disc_number.is_none() {
        meta.disc_number = parts.disc;
    }
    if meta.artist.is_empty()
        && let Some(artist) = parts.artist
    {
        meta.artist = artist;
    }
}
