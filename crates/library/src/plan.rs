//! The import preview: what an import would add, grouped into proposed albums and pre-filled
//! from tags (or file names), with the edits the preview dialog offers. Pure data and pure
//! operations; [`super::apply_plan`] carries it out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::filename::parse_stem;
use super::import::fill_from_path;
use super::playable::read_playable;
use super::tag_write::TagValues;
use super::tags::TrackMeta;
use super::walk::{FoundFile, walk};
use super::{ImportFailure, ImportProgress, Library, LibraryError, store};
use crate::text::{fold, natural_key};

/// Two tracks of the same album and title are the same song when their lengths differ by no
/// more than this (different encodes of one CD differ by a few hundred milliseconds).
const SAME_SONG_TOLERANCE_MS: u64 = 2000;

/// What an import would do, for the preview dialog to show and edit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportPlan {
    pub albums: Vec<ProposedAlbum>,
    /// Files that could not be read; they are not part of the plan.
    pub failed: Vec<ImportFailure>,
}

/// The album-level fields, shared by the album's tracks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlbumFields {
    pub album: String,
    /// Empty: each track's artist is its album artist.
    pub album_artist: String,
    pub year: Option<i32>,
    pub genre: String,
    pub disc: Option<u32>,
}

/// A group of files that will form one album (one disc of it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposedAlbum {
    pub fields: AlbumFields,
    pub tracks: Vec<ProposedTrack>,
    /// The fields as pre-filled: a field still equal to its pre-filled value is left as each
    /// file has it, so that tracks disagreeing with the album (another year, say) are not
    /// changed behind the user's back.
    pub(crate) prefill: AlbumFields,
}

/// One file of a proposed album.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedTrack {
    pub path: PathBuf,
    pub track_number: Option<u32>,
    pub title: String,
    pub artist: String,
    pub duration_ms: u64,
    pub duplicate: Option<DuplicateOf>,
    /// What to do when `duplicate` is set.
    pub choice: DuplicateChoice,
    /// The file's tags as they are now.
    pub original: TagValues,
    /// Stream facts (codec, duration, …) as read.
    pub(crate) meta: TrackMeta,
    pub(crate) key: String,
}

/// A library track the proposed one duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateOf {
    pub track_id: i64,
    pub path: PathBuf,
    pub kind: DuplicateKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    /// The file itself is already in the library.
    SameFile,
    /// Another file with the same album, title and (within 2 s) duration.
    SameSong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateChoice {
    /// Leave the library as it is for this track.
    #[default]
    Skip,
    /// Import the new file next to the old track (for the same file: update it).
    KeepBoth,
    /// Import the new file and drop the old track from the library (its file stays on disk);
    /// playlists that held the old track get the new one.
    Replace,
}

/// A per-track text field, for [`ProposedAlbum::apply_to_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackField {
    Title,
    Artist,
}

type SongKey = (String, String);

impl ImportPlan {
    /// The number of proposed tracks.
    pub fn track_count(&self) -> usize {
        self.albums.iter().map(|a| a.tracks.len()).sum()
    }

    /// Finds (again) the library tracks each proposed track duplicates, e.g. after the album
    /// or a title was edited. Choices already made for tracks that stay duplicates are kept.
    pub fn detect_duplicates(&mut self, lib: &Library) -> Result<(), LibraryError> {
        let known = store::load_known(&lib.conn, true).map_err(|e| lib.db_err(e))?;
        // (folded album, folded title) → (track id, path, duration).
        let mut by_song: HashMap<SongKey, Vec<(i64, &str, u64)>> = HashMap::new();
        for (path, k) in &known {
            if let Some(meta) = &k.meta {
                by_song
                    .entry((fold(&meta.album), fold(&meta.title)))
                    .or_default()
                    .push((k.id, path.as_str(), meta.duration_ms));
            }
        }
        for album in &mut self.albums {
            let album_key = fold(&album.fields.album);
            for track in &mut album.tracks {
                let found = if let Some(k) = known.get(&track.key) {
                    Some(DuplicateOf {
                        track_id: k.id,
                        path: PathBuf::from(&track.key),
                        kind: DuplicateKind::SameFile,
                    })
                } else {
                    by_song
                        .get(&(album_key.clone(), fold(&track.title)))
                        .and_then(|songs| {
                            songs.iter().find(|(_, _, ms)| {
                                ms.abs_diff(track.duration_ms) <= SAME_SONG_TOLERANCE_MS
                            })
                        })
                        .map(|&(id, path, _)| DuplicateOf {
                            track_id: id,
                            path: PathBuf::from(path),
                            kind: DuplicateKind::SameSong,
                        })
                };
                let same_kind =
                    track.duplicate.as_ref().map(|d| d.kind) == found.as_ref().map(|d| d.kind);
                if !same_kind {
                    // A re-imported file is updated in place by default; another copy of a
                    // song is skipped until the user says otherwise.
                    track.choice = match found.as_ref().map(|d| d.kind) {
                        Some(DuplicateKind::SameFile) => DuplicateChoice::Replace,
                        _ => DuplicateChoice::Skip,
                    };
                }
                track.duplicate = found;
            }
        }
        Ok(())
    }
}

impl ProposedAlbum {
    /// Sets `field` of every track to `value`.
    pub fn apply_to_all(&mut self, field: TrackField, value: &str) {
        for t in &mut self.tracks {
            match field {
                TrackField::Title => t.title = value.to_string(),
                TrackField::Artist => t.artist = value.to_string(),
            }
        }
    }

    /// Numbers the tracks 1, 2, 3… in their current order.
    pub fn number_tracks(&mut self) {
        for (n, t) in (1..).zip(&mut self.tracks) {
            t.track_number = Some(n);
        }
    }

    /// Replaces every title with the one in the file's name (`01 - Title` → `Title`).
    pub fn titles_from_file_names(&mut self) {
        for t in &mut self.tracks {
            t.title = parse_stem(&stem(&t.path)).title;
        }
    }

    /// Swaps artist and title of every track (for files named `Title - Artist`).
    pub fn swap_artist_title(&mut self) {
        for t in &mut self.tracks {
            std::mem::swap(&mut t.artist, &mut t.title);
        }
    }

    /// Moves track `from` to position `to` (both clamped to the list).
    pub fn move_track(&mut self, from: usize, to: usize) {
        if from < self.tracks.len() {
            let t = self.tracks.remove(from);
            let to = to.min(self.tracks.len());
            self.tracks.insert(to, t);
        }
    }

    /// The tags `track` (one of this album's) will have once the plan is applied.
    pub fn values_for(&self, track: &ProposedTrack) -> TagValues {
        let mut v = track.original.clone();
        v.title.clone_from(&track.title);
        v.artist.clone_from(&track.artist);
        v.track = track.track_number;
        let (f, p) = (&self.fields, &self.prefill);
        // The grouping put tracks of one album and disc together, so these always apply.
        v.album.clone_from(&f.album);
        v.disc = f.disc;
        if f.album_artist != p.album_artist {
            v.album_artist.clone_from(&f.album_artist);
        }
        if f.year != p.year {
            v.year = f.year;
        }
        if f.genre != p.genre {
            v.genre.clone_from(&f.genre);
        }
        v
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads the files under `paths` (in parallel; `progress` is called from worker threads) and
/// proposes albums pre-filled from their tags, or from the file names where tags are missing.
#[expect(
    clippy::too_many_lines,
    reason = "read, group, sort: one pass whose steps share their state"
)]
pub fn plan_import(
    lib: &Library,
    paths: &[PathBuf],
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> Result<ImportPlan, LibraryError> {
    let mut walked = walk(paths);
    let mut plan = ImportPlan {
        failed: std::mem::take(&mut walked.failures),
        ..ImportPlan::default()
    };
    let total = walked.files.len();
    progress(ImportProgress {
        done: 0,
        total,
        path: PathBuf::new(),
    });
    let done = AtomicUsize::new(0);
    let read: Vec<(&FoundFile, Result<TrackMeta, String>)> = walked
        .files
        .par_iter()
        .map(|file| {
            let result = read_playable(&file.path);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(ImportProgress {
                done: n,
                total,
                path: file.path.clone(),
            });
            (file, result)
        })
        .collect();

    let mut groups: Vec<ProposedAlbum> = Vec::new();
    let mut index: HashMap<(String, String, Option<u32>, PathBuf), usize> = HashMap::new();
    for (file, result) in read {
        let meta = match result {
            Ok(meta) => meta,
            Err(reason) => {
                plan.failed.push(ImportFailure {
                    path: file.path.clone(),
                    reason,
                });
                continue;
            }
        };
        let original = TagValues::from_meta(&meta);
        // An untagged folder is proposed as an album named after the folder (and the folder
        // above as its artist), as the import without preview files it.
        let mut filled = meta.clone();
        let root = walked.root_of(&file.key).unwrap_or(&file.path);
        fill_from_path(&mut filled, &file.path, root);
        // Files without an album tag are grouped by folder alone: their artists, often guessed
        // from file names, would split one folder into many one-track albums.
        let key = if meta.album.is_empty() {
            let folder = file
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (String::new(), String::new(), filled.disc_number, folder)
        } else {
            (
                fold(&filled.album),
                fold(filled.effective_album_artist()),
                filled.disc_number,
                PathBuf::new(),
            )
        };
        let slot = *index.entry(key).or_insert_with(|| {
            let fields = AlbumFields {
                album: filled.album.clone(),
                album_artist: filled.album_artist.clone(),
                year: filled.year,
                genre: filled.genre.clone(),
                disc: filled.disc_number,
            };
            groups.push(ProposedAlbum {
                prefill: fields.clone(),
                fields,
                tracks: Vec::new(),
            });
            groups.len() - 1
        });
        let album = &mut groups[slot];
        // The first track with a value lends it to the album.
        if album.fields.year.is_none() && filled.year.is_some() {
            album.fields.year = filled.year;
            album.prefill.year = filled.year;
        }
        if album.fields.genre.is_empty() && !filled.genre.is_empty() {
            album.fields.genre.clone_from(&filled.genre);
            album.prefill.genre.clone_from(&filled.genre);
        }
        album.tracks.push(ProposedTrack {
            path: file.path.clone(),
            track_number: filled.track_number,
            title: filled.title.clone(),
            artist: filled.artist.clone(),
            duration_ms: filled.duration_ms,
            duplicate: None,
            choice: DuplicateChoice::default(),
            original,
            meta,
            key: file.key.clone(),
        });
    }
    // Numbered tracks by number, the rest by file name in natural order (`track2` before
    // `track10`), so that "number in order" numbers them as a person would.
    for album in &mut groups {
        album.tracks.sort_by_cached_key(|t| {
            (
                t.track_number.is_none(),
                t.track_number,
                natural_key(&t.path.to_string_lossy()),
            )
        });
    }
    groups.sort_by_cached_key(|x| {
        (
            natural_key(&x.fields.album_artist),
            natural_key(&x.fields.album),
            x.fields.disc,
        )
    });
    plan.albums = groups;
    plan.detect_duplicates(lib)?;
    Ok(plan)
}
