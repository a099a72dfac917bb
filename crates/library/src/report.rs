//! The options, progress events and results of an import.

use std::fmt;
use std::path::PathBuf;

use crate::text::clean;

use super::tags::TrackMeta;

/// How to run an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub overrides: Overrides,
}

/// Values forced onto every audio file found in this import, whatever its tags say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub album: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        self.album.is_none()
            && self.artist.is_none()
            && self.album_artist.is_none()
            && self.genre.is_none()
            && self.year.is_none()
    }

    /// The same overrides with their text cleaned like tag text.
    pub(crate) fn cleaned(&self) -> Overrides {
        let clean_opt = |v: &Option<String>| v.as_deref().map(clean);
        Overrides {
            album: clean_opt(&self.album),
            artist: clean_opt(&self.artist),
            album_artist: clean_opt(&self.album_artist),
            genre: clean_opt(&self.genre),
            year: self.year,
        }
    }

    /// Applies the overrides; true if anything changed.
    pub(crate) fn apply(&self, meta: &mut TrackMeta) -> bool {
        let before = meta.clone();
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                field.clone_from(value);
            }
        };
        set(&mut meta.album, &self.album);
        set(&mut meta.artist, &self.artist);
        set(&mut meta.album_artist, &self.album_artist);
        set(&mut meta.genre, &self.genre);
        if let Some(year) = self.year {
            meta.year = Some(year);
        }
        *meta != before
    }
}

/// Reported while files are read. The first event (`done == 0`, empty `path`) comes when the
/// folders have been walked and `total` is known. Called from worker threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    pub done: usize,
    /// The number of files that need reading (new or changed ones).
    pub total: usize,
    /// The file just read, as on disk; clean it ([`crate::text::clean`]) before showing it.
    pub path: PathBuf,
}

impl ImportProgress {
    /// Wraps `report` so that it hears at most one progress call per `interval`, and always
    /// the last one (imports call back from several threads, thousands of times a second).
    pub fn throttled(
        interval: std::time::Duration,
        report: impl Fn(&ImportProgress) + Sync,
    ) -> impl Fn(ImportProgress) + Sync {
        let last = std::sync::Mutex::new(None::<std::time::Instant>);
        move |p: ImportProgress| {
            let Ok(mut last) = last.lock() else { return };
            if p.done != p.total && last.is_some_and(|t| t.elapsed() < interval) {
                return;
            }
            *last = Some(std::time::Instant::now());
            report(&p);
        }
    }
}

/// A file (or root) that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    pub path: PathBuf,
    /// What went wrong, for the user, e.g. `not a valid FLAC file: …`.
    pub reason: String,
}

impl fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File names can contain escape sequences; this text goes to terminals.
        let path = clean(&self.path.to_string_lossy());
        write!(f, "{path}: {}", clean(&self.reason))
    }
}

impl std::error::Error for ImportFailure {}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New tracks.
    pub added: usize,
    /// Known tracks re-read because the file changed, reappeared, or overrides changed them.
    pub updated: usize,
    /// Known tracks whose file is unchanged, so it was not read again.
    pub unchanged: usize,
    /// Known tracks under the imported folders whose file was not found.
    pub missing: usize,
    /// Files that are not audio files, by extension.
    pub ignored: usize,
    pub failed: Vec<ImportFailure>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} skipped (unchanged), {} failed, {} missing",
            self.added,
            self.updated,
            self.unchanged,
            self.failed.len(),
            self.missing
        )?;
        if self.ignored > 0 {
            write!(f, ", {} ignored (not audio)", self.ignored)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_summary_line() {
        let report = ImportReport {
            added: 12,
            updated: 0,
            unchanged: 3,
            missing: 2,
            ignored: 0,
            failed: vec![ImportFailure {
                path: "/m/x.flac".into(),
                reason: "bad".into(),
            }],
        };
        assert_eq!(
            report.to_string(),
            "12 added, 0 updated, 3 skipped (unchanged), 1 failed, 2 missing"
        );
        let with_ignored = ImportReport {
            ignored: 4,
            ..report
        };
        assert!(
            with_ignored
                .to_string()
                .ends_with(", 4 ignored (not audio)")
        );
    }

    #[test]
    fn failure_display_names_the_file_and_strips_escapes() {
        let failure = ImportFailure {
            path: "/m/evil\u{1b}]0;owned\u{7}.flac".into(),
            reason: "not a valid FLAC file: x".into(),
        };
        assert_eq!(
            failure.to_string(),
            "/m/evil.flac: not a valid FLAC file: x"
        );
    }

    #[test]
    fn overrides_report_whether_they_changed_anything() {
        let mut meta = TrackMeta {
            artist: "A".into(),
            ..TrackMeta::default()
        };
        let overrides = Overrides {
            artist: Some("A".into()),
            ..Overrides::default()
        };
        assert!(!overrides.apply(&mut meta));
        let overrides = Overrides {
            year: Some(2001),
            genre: Some("Jazz".into()),
            ..Overrides::default()
        };
        assert!(overrides.apply(&mut meta));
        assert_eq!(meta.year, Some(2001));
        assert_eq!(meta.genre, "Jazz");
        assert!(Overrides::default().is_empty());
        assert!(!overrides.is_empty());
    }

    #[test]
    fn throttled_progress_keeps_the_first_and_the_last() {
        let heard = std::sync::Mutex::new(Vec::new());
        let progress = ImportProgress::throttled(std::time::Duration::from_secs(60), |p| {
            heard.lock().unwrap().push(p.done);
        });
        for done in 1..=1000 {
            progress(ImportProgress {
                done,
                total: 1000,
                path: PathBuf::from("x.flac"),
            });
        }
        drop(progress);
        assert_eq!(heard.into_inner().unwrap(), [1, 1000]);
    }
}
