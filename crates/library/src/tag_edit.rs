//! Editing the tags of library tracks: files first, then the rows of the files that were
//! written, so the library never claims what is not on disk; and the record that undoes it.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, TransactionBehavior};

use super::import::fill_from_file_name;
use super::tag_write::{TagEdit, TagValues, TagWriteError, read_tag_values, write_tags};
use super::tags::{TrackMeta, read_file};
use super::walk::{FoundFile, stat};
use super::{ImportProgress, Library, LibraryError, store};

/// One applied edit, kept so that it can be undone ([`Library::undo_tags`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagEditBatch {
    /// What was asked for (for a plan or an undo, the union of the per-file edits).
    pub edit: TagEdit,
    /// Every file that was written, with its tags before the write…
    pub before: Vec<(PathBuf, TagValues)>,
    /// …and after it, in the same order.
    pub after: Vec<(PathBuf, TagValues)>,
}

impl TagEditBatch {
    pub fn is_empty(&self) -> bool {
        self.before.is_empty()
    }
}

/// What [`Library::update_tags`] or [`Library::undo_tags`] did.
#[derive(Debug, Default)]
pub struct TagEditOutcome {
    /// The files written; undo with [`Library::undo_tags`].
    pub batch: TagEditBatch,
    /// Files left unchanged, each with the reason.
    pub failed: Vec<TagWriteError>,
    /// Files written that the library does not know (their tags changed, no row did).
    pub not_in_library: Vec<PathBuf>,
}

impl Library {
    /// Writes `edit` into each file, then updates the library rows of the files written (in
    /// one transaction) from what the files now say. Per-file failures are in the outcome;
    /// only a database failure is an error. `progress` is called after each file.
    pub fn update_tags(
        &mut self,
        paths: &[PathBuf],
        edit: &TagEdit,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<TagEditOutcome, LibraryError> {
        let jobs: Vec<(PathBuf, TagEdit)> =
            paths.iter().map(|p| (p.clone(), edit.clone())).collect();
        self.apply_tag_jobs(&jobs, edit.clone(), progress)
    }

    /// Puts back the tags `batch` changed (only the fields it edited), in files and library.
    /// The outcome's batch undoes the undo.
    pub fn undo_tags(
        &mut self,
        batch: &TagEditBatch,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<TagEditOutcome, LibraryError> {
        let jobs: Vec<(PathBuf, TagEdit)> = batch
            .before
            .iter()
            .map(|(path, before)| (path.clone(), batch.edit.restoring(before)))
            .collect();
        self.apply_tag_jobs(&jobs, batch.edit.clone(), progress)
    }

    /// Writes per-file edits, then records every written file in one transaction.
    pub(crate) fn apply_tag_jobs(
        &mut self,
        jobs: &[(PathBuf, TagEdit)],
        batch_edit: TagEdit,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<TagEditOutcome, LibraryError> {
        // The files are written first and the rows after them: a library that cannot be saved
        // (read-only, full disk) must refuse the job before the first file changes.
        self.check_writable()?;
        let mut outcome = TagEditOutcome {
            batch: TagEditBatch {
                edit: batch_edit,
                ..TagEditBatch::default()
            },
            ..TagEditOutcome::default()
        };
        let mut rows: Vec<(FoundFile, TrackMeta)> = Vec::new();
        let total = jobs.len();
        for (done, (path, edit)) in jobs.iter().enumerate() {
            match write_one(path, edit) {
                Ok(written) => {
                    outcome.batch.before.push((path.clone(), written.before));
                    outcome
                        .batch
                        .after
                        .push((path.clone(), TagValues::from_meta(&written.meta)));
                    match self.library_key(path)? {
                        Some(key) => match stat(path, key) {
                            Ok(found) => {
                                let mut meta = written.meta;
                                fill_from_file_name(&mut meta, path);
                                self.keep_folder_fields(&found.key, edit, &mut meta)?;
                                rows.push((found, meta));
                            }
                            Err(source) => outcome.failed.push(TagWriteError::Io {
                                path: path.clone(),
                                action: "cannot read file information after writing",
                                source,
                            }),
                        },
                        None => outcome.not_in_library.push(path.clone()),
                    }
                }
                Err(e) => outcome.failed.push(e),
            }
            progress(ImportProgress {
                done: done + 1,
                total,
                path: path.clone(),
            });
        }
        self.write_rows(&rows)?;
        for failure in &outcome.failed {
            tracing::warn!("tag write: {failure}");
        }
        Ok(outcome)
    }

    /// Upserts the rows of files just (re)read, in one transaction.
    pub(crate) fn write_rows(
        &mut self,
        rows: &[(FoundFile, TrackMeta)],
    ) -> Result<(), LibraryError> {
        if rows.is_empty() {
            return Ok(());
        }
        let refs: Vec<(&FoundFile, TrackMeta)> = rows.iter().map(|(f, m)| (f, m.clone())).collect();
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            store::write(&tx, &refs, &[], now_secs())?;
            tx.commit()
        })();
        result.map_err(|e| self.db_err(e))
    }

    /// A file without an album tag was filed by the import under its folder's name, with the
    /// folder's artist and disc ([`fill_from_path`](super::import::fill_from_path)): an edit
    /// that leaves those fields alone keeps them, so the track stays where it was.
    fn keep_folder_fields(
        &self,
        key: &str,
        edit: &TagEdit,
        meta: &mut TrackMeta,
    ) -> Result<(), LibraryError> {
        if !meta.album.is_empty() || edit.album.is_some() {
            return Ok(());
        }
        let stored: Option<(String, String, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT coalesce(al.title, ''), t.artist, t.disc_number
                 FROM tracks t LEFT JOIN albums al ON al.id = t.album_id WHERE t.path = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.db_err(e))?;
        let Some((album, artist, disc)) = stored else {
            return Ok(());
        };
        meta.album = album;
        if meta.artist.is_empty()
            && meta.album_artist.is_empty()
            && edit.artist.is_none()
            && edit.album_artist.is_none()
        {
            meta.artist = artist;
        }
        if meta.disc_number.is_none() && edit.disc.is_none() {
            meta.disc_number = disc.and_then(|d| u32::try_from(d).ok());
        }
        Ok(())
    }

    /// The path under which the library stores `path`, if it knows the file: the path as given
    /// (made absolute), else its canonical form.
    pub(crate) fn library_key(&self, path: &Path) -> Result<Option<String>, LibraryError> {
        let mut candidates = Vec::new();
        if let Ok(abs) = std::path::absolute(path) {
            candidates.push(abs);
        }
        if let Ok(real) = path.canonicalize() {
            candidates.push(real);
        }
        for candidate in candidates {
            let Some(key) = candidate.to_str() else {
                continue;
            };
            let found: Option<String> = self
                .conn
                .query_row("SELECT path FROM tracks WHERE path = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.db_err(e))?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}

struct Written {
    before: TagValues,
    /// The file as re-read after the write.
    meta: TrackMeta,
}

fn write_one(path: &Path, edit: &TagEdit) -> Result<Written, TagWriteError> {
    let before = read_tag_values(path)?;
    write_tags(path, edit)?;
    let meta = read_file(path).map_err(|reason| TagWriteError::Unreadable {
        path: path.to_path_buf(),
        reason: format!("written, but cannot be read back: {reason}"),
    })?;
    Ok(Written { before, meta })
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
