//! Writing tags into audio files without ever leaving a broken file behind.
//!
//! Every write edits a copy of the file and renames it over the original ([`super::atomic`]).
//! Only the fields a [`TagEdit`] names change; everything else in the tag (pictures, lyrics,
//! ReplayGain, unknown frames) is carried over, and the audio data is copied untouched.

use std::fs::File;
use std::io::Seek;
use std::path::{Path, PathBuf};

use lofty::config::{ParseOptions, WriteOptions};
use lofty::error::FileEncodingError;
use lofty::file::{AudioFile, FileType};
use lofty::flac::FlacFile;
use lofty::id3::v2::Id3v2Tag;
use lofty::mp4::{Ilst, Mp4File};
use lofty::mpeg::MpegFile;
use lofty::ogg::tag::VorbisComments;
use lofty::ogg::{OpusFile, VorbisFile};
use lofty::probe::Probe;
use lofty::tag::{Accessor, ItemKey, MergeTag, SplitTag, Tag};
use thiserror::Error;

use super::atomic::replace_via_temp;
use super::tags::{TrackMeta, year_in};
use crate::text::clean;

/// A change to some of a file's tags. `None` leaves a field alone; an empty text or
/// `Some(None)` removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagEdit {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub year: Option<Option<i32>>,
    pub track: Option<Option<u32>>,
    pub disc: Option<Option<u32>>,
}

impl TagEdit {
    /// True when the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == TagEdit::default()
    }

    /// The same edit with its text cleaned like tag text, so that nothing written into a file
    /// can carry escape sequences back to a terminal.
    #[must_use]
    pub fn cleaned(&self) -> TagEdit {
        let text = |v: &Option<String>| v.as_deref().map(clean);
        TagEdit {
            title: text(&self.title),
            artist: text(&self.artist),
            album: text(&self.album),
            album_artist: text(&self.album_artist),
            genre: text(&self.genre),
            // 0 means "unknown" for these numbers everywhere else in the library.
            year: self.year,
            track: self.track.map(|n| n.filter(|&n| n > 0)),
            disc: self.disc.map(|n| n.filter(|&n| n > 0)),
        }
    }

    /// Applies the edit to `values`.
    pub fn apply_to(&self, values: &mut TagValues) {
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                field.clone_from(v);
            }
        };
        set(&mut values.title, &self.title);
        set(&mut values.artist, &self.artist);
        set(&mut values.album, &self.album);
        set(&mut values.album_artist, &self.album_artist);
        set(&mut values.genre, &self.genre);
        if let Some(v) = self.year {
            values.year = v;
        }
        if let Some(v) = self.track {
            values.track = v;
        }
        if let Some(v) = self.disc {
            values.disc = v;
        }
    }

    /// An edit that sets the fields this edit touches back to `before`: its undo.
    #[must_use]
    pub fn restoring(&self, before: &TagValues) -> TagEdit {
        let text = |edited: &Option<String>, old: &String| edited.as_ref().map(|_| old.clone());
        TagEdit {
            title: text(&self.title, &before.title),
            artist: text(&self.artist, &before.artist),
            album: text(&self.album, &before.album),
            album_artist: text(&self.album_artist, &before.album_artist),
            genre: text(&self.genre, &before.genre),
            year: self.year.map(|_| before.year),
            track: self.track.map(|_| before.track),
            disc: self.disc.map(|_| before.disc),
        }
    }

    /// Every field either edit sets (this one's value where both do).
    pub(crate) fn union(&self, other: &TagEdit) -> TagEdit {
        TagEdit {
            title: self.title.clone().or_else(|| other.title.clone()),
            artist: self.artist.clone().or_else(|| other.artist.clone()),
            album: self.album.clone().or_else(|| other.album.clone()),
            album_artist: self
                .album_artist
                .clone()
                .or_else(|| other.album_artist.clone()),
            genre: self.genre.clone().or_else(|| other.genre.clone()),
            year: self.year.or(other.year),
            track: self.track.or(other.track),
            disc: self.disc.or(other.disc),
        }
    }

    /// The edit that turns `from` into `to`, naming only the fields that differ.
    pub fn between(from: &TagValues, to: &TagValues) -> TagEdit {
        let text = |a: &String, b: &String| (a != b).then(|| b.clone());
        TagEdit {
            title: text(&from.title, &to.title),
            artist: text(&from.artist, &to.artist),
            album: text(&from.album, &to.album),
            album_artist: text(&from.album_artist, &to.album_artist),
            genre: text(&from.genre, &to.genre),
            year: (from.year != to.year).then_some(to.year),
            track: (from.track != to.track).then_some(to.track),
            disc: (from.disc != to.disc).then_some(to.disc),
        }
    }
}

/// The editable tags of one file, as read from it. Text is cleaned; empty means absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagValues {
    pub title: String,
    pub artist: String,
    pub album: String,
    /// As tagged: empty when the file has none.
    pub album_artist: String,
    pub genre: String,
    pub year: Option<i32>,
    pub track: Option<u32>,
    pub disc: Option<u32>,
}

impl TagValues {
    pub(crate) fn from_meta(meta: &TrackMeta) -> TagValues {
        TagValues {
            title: meta.title.clone(),
            artist: meta.artist.clone(),
            album: meta.album.clone(),
            album_artist: meta.album_artist.clone(),
            genre: meta.genre.clone(),
            year: meta.year,
            track: meta.track_number,
            disc: meta.disc_number,
        }
    }

    pub(crate) fn apply_to_meta(&self, meta: &mut TrackMeta) {
        meta.title.clone_from(&self.title);
        meta.artist.clone_from(&self.artist);
        meta.album.clone_from(&self.album);
        meta.album_artist.clone_from(&self.album_artist);
        meta.genre.clone_from(&self.genre);
        meta.year = self.year;
        meta.track_number = self.track;
        meta.disc_number = self.disc;
    }
}

/// Reads the editable tags of `path` (no file-name guessing: what is really in the file).
pub fn read_tag_values(path: &Path) -> Result<TagValues, TagWriteError> {
    super::tags::read_file(path)
        .map(|meta| TagValues::from_meta(&meta))
        .map_err(|reason| TagWriteError::Unreadable {
            path: path.to_path_buf(),
            reason,
        })
}

/// Why the tags of one file could not be written. The file is unchanged in every case.
#[derive(Debug, Error)]
pub enum TagWriteError {
    #[error("{}: the file is read-only", shown(path))]
    ReadOnly { path: PathBuf },

    #[error("{action} {}: {source}", shown(path))]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{}: cannot create a temporary file in {}: {source}",
        shown(path),
        shown(dir)
    )]
    TempFile {
        path: PathBuf,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: cannot write tags to {format} files", shown(path))]
    Unsupported { path: PathBuf, format: String },

    #[error("{}: {reason}", shown(path))]
    Unreadable { path: PathBuf, reason: String },

    #[error(
        "{}: the year {year} cannot be stored in a tag (0 to 9999)",
        shown(path)
    )]
    InvalidYear { path: PathBuf, year: i32 },

    #[error("{}: cannot write the tags: {}", shown(path), clean(&source.to_string()))]
    Encode {
        path: PathBuf,
        #[source]
        source: FileEncodingError,
    },
}

impl TagWriteError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            TagWriteError::ReadOnly { path }
            | TagWriteError::Io { path, .. }
            | TagWriteError::TempFile { path, .. }
            | TagWriteError::Unsupported { path, .. }
            | TagWriteError::Unreadable { path, .. }
            | TagWriteError::InvalidYear { path, .. }
            | TagWriteError::Encode { path, .. } => path,
        }
    }
}

/// File names can hold escape sequences; error text goes to terminals.
fn shown(path: &Path) -> String {
    clean(&path.to_string_lossy())
}

/// Writes the fields named by `edit` into the file at `path` (MP3, FLAC, Ogg Vorbis, Opus, M4A
/// and OpenMG), replacing the file in one rename. On any error the file is left as it was.
pub fn write_tags(path: &Path, edit: &TagEdit) -> Result<(), TagWriteError> {
    let edit = edit.cleaned();
    if let Some(Some(year)) = edit.year
        && !(0..=9999).contains(&year)
    {
        return Err(TagWriteError::InvalidYear {
            path: path.to_path_buf(),
            year,
        });
    }
    if edit.is_empty() {
        return Ok(());
    }
    // A panic inside lofty on a hostile file must become a per-file error, not a crash.
    crate::panic_guard::catch(|| {
        if atrac::is_sony_extension(path) {
            super::oma_write::write(path, &edit)
        } else {
            replace_via_temp(path, |file| edit_file(file, path, &edit))
        }
    })
    .unwrap_or_else(|detail| {
        Err(TagWriteError::Unreadable {
            path: path.to_path_buf(),
            reason: clean(&format!("the tag writer crashed on this file: {detail}")),
        })
    })
}

fn edit_file(file: &mut File, path: &Path, edit: &TagEdit) -> Result<(), TagWriteError> {
    let io_err = |source| TagWriteError::Io {
        path: path.to_path_buf(),
        action: "cannot read",
        source,
    };
    let file_type = Probe::new(&mut *file)
        .guess_file_type()
        .map_err(io_err)?
        .file_type();
    file.rewind().map_err(io_err)?;
    let parse_err = |e: lofty::error::FileParseError| TagWriteError::Unreadable {
        path: path.to_path_buf(),
        reason: clean(&format!("not a readable audio file: {e}")),
    };
    let encode_err = |source| TagWriteError::Encode {
        path: path.to_path_buf(),
        source,
    };
    // Pictures must be read: the tag is written back whole, and what was not read is lost.
    let options = ParseOptions::new();
    let saved = match file_type {
        Some(FileType::Mpeg) => {
            let mut f = MpegFile::read_from(file, options).map_err(parse_err)?;
            let tag = f.remove_id3v2().unwrap_or_else(Id3v2Tag::new);
            f.set_id3v2(edited(tag, edit));
            save(&f, file)
        }
        Some(FileType::Flac) => {
            let mut f = FlacFile::read_from(file, options).map_err(parse_err)?;
            let tag = f.remove_vorbis_comments().unwrap_or_default();
            f.set_vorbis_comments(edited(tag, edit));
            save(&f, file)
        }
        Some(FileType::Vorbis) => {
            let mut f = VorbisFile::read_from(file, options).map_err(parse_err)?;
            let tag: VorbisComments = f.remove_vorbis_comments();
            f.set_vorbis_comments(edited(tag, edit));
            save(&f, file)
        }
        Some(FileType::Opus) => {
            let mut f = OpusFile::read_from(file, options).map_err(parse_err)?;
            let tag: VorbisComments = f.remove_vorbis_comments();
            f.set_vorbis_comments(edited(tag, edit));
            save(&f, file)
        }
        Some(FileType::Mp4) => {
            let mut f = Mp4File::read_from(file, options).map_err(parse_err)?;
            let tag = f.remove_ilst().unwrap_or_else(Ilst::new);
            f.set_ilst(edited(tag, edit));
            save(&f, file)
        }
        Some(other) => {
            return Err(TagWriteError::Unsupported {
                path: path.to_path_buf(),
                format: format!("{other:?}"),
            });
        }
        None => {
            return Err(TagWriteError::Unsupported {
                path: path.to_path_buf(),
                format: "unrecognised".into(),
            });
        }
    };
    saved.map_err(encode_err)
}

fn save(f: &impl AudioFile, file: &mut File) -> Result<(), FileEncodingError> {
    file.rewind()?;
    f.save_to(file, WriteOptions::default())
}

/// Edits a format's own tag through lofty's generic view while keeping everything the generic
/// view cannot express (the split remainder) exactly as it was.
fn edited<T>(tag: T, edit: &TagEdit) -> T
where
    T: SplitTag,
    T::Remainder: MergeTag<Merged = T>,
{
    let (rest, mut generic) = tag.split_tag();
    apply_generic(&mut generic, edit);
    rest.merge_tag(generic)
}

fn apply_generic(tag: &mut Tag, edit: &TagEdit) {
    let mut text = |key: ItemKey, value: &Option<String>| {
        if let Some(value) = value {
            tag.remove_key(key);
            if !value.is_empty() {
                tag.insert_text(key, value.clone());
            }
        }
    };
    text(ItemKey::TrackTitle, &edit.title);
    text(ItemKey::TrackArtist, &edit.artist);
    text(ItemKey::AlbumTitle, &edit.album);
    text(ItemKey::AlbumArtist, &edit.album_artist);
    text(ItemKey::Genre, &edit.genre);
    match edit.track {
        Some(Some(n)) => tag.set_track(n),
        Some(None) => tag.remove_track(),
        None => {}
    }
    match edit.disc {
        Some(Some(n)) => tag.set_disk(n),
        Some(None) => tag.remove_disk(),
        None => {}
    }
    match edit.year {
        Some(Some(year)) => {
            // The importer reads the first of these keys that holds a year; a full date that
            // already says this year is kept rather than cut down to the year.
            let current = DATE_KEYS
                .iter()
                .find_map(|&key| tag.get_string(key).and_then(year_in));
            if current != Some(year) {
                tag.remove_key(ItemKey::Year);
                tag.remove_key(ItemKey::RecordingDate);
                tag.insert_text(ItemKey::RecordingDate, format!("{year:04}"));
            }
        }
        Some(None) => {
            for key in DATE_KEYS {
                tag.remove_key(key);
            }
        }
        None => {}
    }
}

/// The keys the importer takes the year from, in its order of preference.
const DATE_KEYS: [ItemKey; 4] = [
    ItemKey::Year,
    ItemKey::RecordingDate,
    ItemKey::ReleaseDate,
    ItemKey::OriginalReleaseDate,
];
