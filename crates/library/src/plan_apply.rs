//! Carrying out an [`ImportPlan`]: tags into the files when asked, then the library rows in one
//! transaction.

use std::fmt;

use rusqlite::{TransactionBehavior, params};

use super::plan::{DuplicateChoice, DuplicateKind, ImportPlan};
use super::tag_edit::{TagEditBatch, now_secs};
use super::tag_write::{TagEdit, write_tags};
use super::tags::TrackMeta;
use super::walk::{FoundFile, stat};
use super::{ImportFailure, ImportProgress, Library, LibraryError, store};

/// What [`apply_plan`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanReport {
    pub added: usize,
    /// Files already in the library whose rows were rewritten.
    pub updated: usize,
    /// Library tracks dropped in favour of a new file ([`DuplicateChoice::Replace`]).
    pub replaced: usize,
    /// Duplicates left out.
    pub skipped: usize,
    /// Files whose tags were written.
    pub tags_written: usize,
    /// Tag writes that failed (the track is imported with the planned values all the same)
    /// and files that vanished since the plan was made (not imported).
    pub failed: Vec<ImportFailure>,
    /// The tag writes, to undo with [`Library::undo_tags`].
    pub batch: TagEditBatch,
}

impl fmt::Display for PlanReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} replaced, {} skipped (duplicates), {} failed",
            self.added,
            self.updated,
            self.replaced,
            self.skipped,
            self.failed.len()
        )?;
        if self.tags_written > 0 {
            write!(f, "; tags written to {} files", self.tags_written)?;
        }
        Ok(())
    }
}

/// Imports the plan's tracks into `lib` with the plan's values, and writes those values into
/// the files too when `write_tags` is set (only the fields that differ from the file). Meant
/// for a worker thread: `progress` is called after each file.
pub fn apply_plan(
    lib: &mut Library,
    plan: &ImportPlan,
    write_tags_too: bool,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> Result<PlanReport, LibraryError> {
    if write_tags_too {
        // Files are written before the rows: a library that cannot be saved must stop the job
        // before the first file changes.
        lib.check_writable()?;
    }
    let mut report = PlanReport::default();
    let mut rows: Vec<(FoundFile, TrackMeta)> = Vec::new();
    let mut replaced: Vec<(i64, String)> = Vec::new();
    let total = plan.track_count();
    let mut done = 0;
    for album in &plan.albums {
        for track in &album.tracks {
            done += 1;
            progress(ImportProgress {
                done,
                total,
                path: track.path.clone(),
            });
            let kind = track.duplicate.as_ref().map(|d| d.kind);
            if kind.is_some() && track.choice == DuplicateChoice::Skip {
                report.skipped += 1;
                continue;
            }
            let target = album.values_for(track);
            if write_tags_too {
                let edit = TagEdit::between(&track.original, &target);
                if !edit.is_empty() {
                    match write_tags(&track.path, &edit) {
                        Ok(()) => {
                            report.tags_written += 1;
                            report.batch.edit = report.batch.edit.union(&edit);
                            report
                                .batch
                                .before
                                .push((track.path.clone(), track.original.clone()));
                            report
                                .batch
                                .after
                                .push((track.path.clone(), target.clone()));
                        }
                        Err(e) => report.failed.push(ImportFailure {
                            path: track.path.clone(),
                            reason: format!("tags not written: {e}"),
                        }),
                    }
                }
            }
            let found = match stat(&track.path, track.key.clone()) {
                Ok(found) => found,
                Err(e) => {
                    report.failed.push(ImportFailure {
                        path: track.path.clone(),
                        reason: format!("cannot read file information: {e}"),
                    });
                    continue;
                }
            };
            let mut meta = track.meta.clone();
            target.apply_to_meta(&mut meta);
            rows.push((found, meta));
            match (kind, track.choice) {
                (Some(DuplicateKind::SameFile), _) => report.updated += 1,
                (Some(DuplicateKind::SameSong), DuplicateChoice::Replace) => {
                    if let Some(d) = &track.duplicate {
                        replaced.push((d.track_id, track.key.clone()));
                    }
                    report.added += 1;
                }
                _ => report.added += 1,
            }
        }
    }
    report.replaced = replaced.len();
    write(lib, &rows, &replaced)?;
    tracing::info!(%report, "import plan applied");
    Ok(report)
}

fn write(
    lib: &mut Library,
    rows: &[(FoundFile, TrackMeta)],
    replaced: &[(i64, String)],
) -> Result<(), LibraryError> {
    if rows.is_empty() {
        return Ok(());
    }
    let refs: Vec<(&FoundFile, TrackMeta)> = rows.iter().map(|(f, m)| (f, m.clone())).collect();
    let result = (|| {
        let tx = lib
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        store::write(&tx, &refs, &[], now_secs())?;
        for (old, new_path) in replaced {
            let new: i64 =
                tx.query_row("SELECT id FROM tracks WHERE path = ?1", [new_path], |r| {
                    r.get(0)
                })?;
            tx.execute(
                "UPDATE playlist_entries SET track_id = ?2 WHERE track_id = ?1",
                params![old, new],
            )?;
            tx.execute(
                "UPDATE transfer_items SET track_id = ?2 WHERE track_id = ?1",
                params![old, new],
            )?;
            tx.execute("DELETE FROM tracks WHERE id = ?1", [old])?;
        }
        if !replaced.is_empty() {
            store::drop_orphans(&tx)?;
        }
        tx.commit()
    })();
    result.map_err(|e| lib.db_err(e))
}
