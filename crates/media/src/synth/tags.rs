//! Writing a file's primary tag with lofty, so every demo format gets its
//! natural tag type: Vorbis comments for FLAC and Ogg, ID3v2 for MP3, an
//! `ilst` atom for M4A. The generic `Tag` API is used throughout except for
//! ID3v2, which is filled directly to keep the output byte-reproducible.

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::io::Cursor;
use std::path::Path;

use lofty::TextEncoding;
use lofty::config::WriteOptions;
use lofty::id3::v2::{Frame, FrameId, Id3v2Tag, TextInformationFrame};
use lofty::io::FileLike;
use lofty::probe::Probe;
use lofty::tag::items::Timestamp;
use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};

use super::error::{SynthError, invalid, named, write_file};

/// The tag fields the demo and test trees set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagSpec {
    pub title: String,
    pub artist: String,
    pub album: String,
    pub album_artist: Option<String>,
    pub track: Option<u32>,
    /// Stored as the recording date; years outside 0..=9999 are skipped.
    pub year: Option<i32>,
    pub genre: Option<String>,
}

/// Replaces the primary tag of the audio file at `path` with `spec`.
pub fn write_tags(path: &Path, spec: &TagSpec) -> Result<(), SynthError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| SynthError::Write(named(path, &e)))?;
    save(&mut file, path, spec)
}

/// `bytes` (a whole audio file meant for `path`) with `spec` as its tag.
/// Tagging before the file is written saves the generators a reopen and
/// many small reads per file.
pub fn tagged(bytes: Vec<u8>, path: &Path, spec: &TagSpec) -> Result<Vec<u8>, SynthError> {
    let mut cursor = Cursor::new(bytes);
    save(&mut cursor, path, spec)?;
    Ok(cursor.into_inner())
}

/// Tags `file`; `path` only names it in errors.
fn save<F: FileLike>(file: &mut F, path: &Path, spec: &TagSpec) -> Result<(), SynthError> {
    // Probe the content rather than trust the extension, as the readers in
    // the importer will.
    let probe_error = |source| SynthError::Probe {
        path: path.to_owned(),
        source,
    };
    let file_type = Probe::new(&mut *file)
        .guess_file_type()
        .map_err(|e| probe_error(e.into()))?
        .file_type()
        .ok_or_else(|| probe_error(lofty::error::UnknownFormatError.into()))?;
    file.rewind()
        .map_err(|e| SynthError::Write(named(path, &e)))?;

    let saved = match file_type.primary_tag_type() {
        // lofty's generic-to-ID3v2 conversion goes through a HashSet, so
        // frame order (and the file's bytes) would change from run to run.
        // Filling an Id3v2Tag directly keeps the output reproducible.
        TagType::Id3v2 => {
            let mut tag = Id3v2Tag::new();
            fill(&mut tag, spec);
            if let Some(album_artist) = &spec.album_artist {
                let id = FrameId::Valid(Cow::Borrowed("TPE2"));
                let frame = TextInformationFrame::new(id, TextEncoding::UTF8, album_artist.clone());
                tag.insert(Frame::Text(frame));
            }
            tag.save_to(file, WriteOptions::default())
        }
        tag_type => {
            let mut tag = Tag::new(tag_type);
            fill(&mut tag, spec);
            if let Some(album_artist) = &spec.album_artist {
                tag.insert_text(ItemKey::AlbumArtist, album_artist.clone());
            }
            tag.save_to(file, WriteOptions::default())
        }
    };
    saved.map_err(|source| SynthError::Tag {
        path: path.to_owned(),
        source,
    })
}

/// Sets the fields every tag format has an accessor for.
fn fill(tag: &mut impl Accessor, spec: &TagSpec) {
    tag.set_title(spec.title.clone());
    tag.set_artist(spec.artist.clone());
    tag.set_album(spec.album.clone());
    if let Some(track) = spec.track {
        tag.set_track(track);
    }
    if let Some(year) = spec
        .year
        .and_then(|y| u16::try_from(y).ok())
        .filter(|&y| y <= 9999)
    {
        tag.set_date(Timestamp {
            year,
            ..Timestamp::default()
        });
    }
    if let Some(genre) = &spec.genre {
        tag.set_genre(genre.clone());
    }
}

/// Tags an encoder's output in memory and writes the file once.
pub fn write_tagged(
    path: &Path,
    audio: Result<Vec<u8>, &'static str>,
    spec: &TagSpec,
) -> Result<(), SynthError> {
    let audio = audio.map_err(|why| SynthError::Write(invalid(path, why)))?;
    let bytes = tagged(audio, path, spec)?;
    write_file(path, &bytes).map_err(SynthError::Write)
}

/// Creates `path` and its parents, naming it on failure.
pub fn create_dir(path: &Path) -> Result<(), SynthError> {
    std::fs::create_dir_all(path).map_err(|source| SynthError::CreateDir {
        path: path.to_owned(),
        source,
    })
}
