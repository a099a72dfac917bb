//! `ministage tag`: writes tags into files and updates the library to match.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::ImportArgs;
use super::setup::Environment;
use library::text::clean;
use library::{
    DuplicateChoice, DuplicateKind, ImportProgress, Library, TagEdit, TrackField, apply_plan,
    plan_import,
};

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Files to tag.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The title (an empty value removes it).
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub artist: Option<String>,
    #[arg(long)]
    pub album: Option<String>,
    #[arg(long)]
    pub album_artist: Option<String>,
    /// The year, 0 to 9999.
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long)]
    pub genre: Option<String>,
    /// The track number.
    #[arg(long)]
    pub track: Option<u32>,
    /// The disc number.
    #[arg(long)]
    pub disc: Option<u32>,
}

impl TagArgs {
    fn edit(&self) -> TagEdit {
        TagEdit {
            title: self.title.clone(),
            artist: self.artist.clone(),
            album: self.album.clone(),
            album_artist: self.album_artist.clone(),
            genre: self.genre.clone(),
            year: self.year.map(Some),
            track: self.track.map(Some),
            disc: self.disc.map(Some),
        }
    }
}

/// Exit 0 when every file was written, 1 when some were not (listed on standard error).
pub fn run(env: &Environment, args: &TagArgs) -> anyhow::Result<i32> {
    let edit = args.edit();
    if edit.is_empty() {
        anyhow::bail!(
            "nothing to change: give at least one of --title, --artist, --album, --album-artist, --year, --genre, --track, --disc"
        );
    }
    let mut lib = Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let outcome = lib
        .update_tags(&args.files, &edit, &|_| {})
        .context("could not update the library")?;
    for failure in &outcome.failed {
        eprintln!("not tagged: {failure}");
    }
    for path in &outcome.not_in_library {
        eprintln!(
            "tagged, but not in the library (import it to add it): {}",
            clean(&path.to_string_lossy())
        );
    }
    outln!(
        "{} tagged, {} failed",
        outcome.batch.after.len(),
        outcome.failed.len()
    )?;
    Ok(i32::from(!outcome.failed.is_empty()))
}

/// `ministage import --write-tags`: imports through an import plan so that the given fields
/// and the titles and track numbers derived from file names are written into the files too.
/// Same exit codes as a plain import.
pub fn import_writing_tags(
    lib: &mut Library,
    args: &ImportArgs,
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> anyhow::Result<i32> {
    let mut plan = plan_import(lib, &args.paths, progress).context("import failed")?;
    for album in &mut plan.albums {
        let f = &mut album.fields;
        if let Some(v) = &args.album {
            f.album = clean(v);
        }
        if let Some(v) = &args.album_artist {
            f.album_artist = clean(v);
        }
        if let Some(v) = &args.genre {
            f.genre = clean(v);
        }
        if args.year.is_some() {
            f.year = args.year;
        }
        if let Some(v) = &args.artist {
            album.apply_to_all(TrackField::Artist, &clean(v));
        }
        // Like a plain import: another copy of a song is added, not skipped.
        for t in &mut album.tracks {
            if t.duplicate
                .as_ref()
                .is_some_and(|d| d.kind == DuplicateKind::SameSong)
            {
                t.choice = DuplicateChoice::KeepBoth;
            }
        }
    }
    let report = apply_plan(lib, &plan, true, progress).context("import failed")?;
    for failure in &plan.failed {
        eprintln!("skipped {failure}");
        tracing::warn!("import: {failure}");
    }
    // Tag-write failures: the track is in the library, its file keeps its old tags.
    for failure in &report.failed {
        eprintln!("{failure}");
        tracing::warn!("import: {failure}");
    }
    outln!("{report}")?;
    let clean_run = plan.failed.is_empty() && report.failed.is_empty();
    Ok(i32::from(!clean_run))
}
