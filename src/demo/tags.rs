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

use super::error::{DemoError, named};

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
pub fn write_tags(path: &Path, spec: &TagSpec) -> Result<(), DemoError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| DemoError::Write(named(path, e)))?;
    save(&mut file, path, spec)
}

/// `bytes` (a whole audio file meant for `path`) with `spec` as its tag.
/// Tagging before the file is written saves the generators a reopen and
/// many small reads per file.
pub(crate) fn tagged(bytes: Vec<u8>, path: &Path, spec: &TagSpec) -> Result<Vec<u8>, DemoError> {
    let mut cursor = Cursor::new(bytes);
    save(&mut cursor, path, spec)?;
    Ok(cursor.into_inner())
}

/// Tags `file`; `path` only names it in errors.
fn save<F: FileLike>(file: &mut F, path: &Path, spec: &TagSpec) -> Result<(), DemoError> {
    // Probe the content rather than trust the extension, as the readers in
    // the importer will.
    let probe_error = |source| DemoError::Probe {
        path: path.to_owned(),
        source,
    };
    let file_type = Probe::new(&mut *file)
        .guess_file_type()
        .map_err(|e| probe_error(e.into()))?
        .file_type()
        .ok_or_else(|| probe_error(lofty::error::UnknownFormatError.into()))?;
    file.rewind()
        .map_err(|e| DemoError::Write(named(path, e)))?;

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
    saved.map_err(|source| DemoError::Tag {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{Pcm, write_flac, write_silent_m4a, write_silent_mp3, write_silent_vorbis};
    use lofty::file::{AudioFile, TaggedFileExt};

    fn spec() -> TagSpec {
        TagSpec {
            title: "夜明けの歌 – Élan".into(),
            artist: "青い鳥楽団".into(),
            album: "Полярный Экспресс".into(),
            album_artist: Some("Οι Νυχτερινοί Φάροι".into()),
            track: Some(7),
            year: Some(2019),
            genre: Some("Ambient".into()),
        }
    }

    #[test]
    fn tags_round_trip_in_every_format() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let files = [
            (d.join("a.flac"), TagType::VorbisComments),
            (d.join("a.mp3"), TagType::Id3v2),
            (d.join("a.ogg"), TagType::VorbisComments),
            (d.join("a.m4a"), TagType::Mp4Ilst),
        ];
        write_flac(&files[0].0, &Pcm::silence(0.5, 44_100, 2)).expect("flac");
        write_silent_mp3(&files[1].0, 0.5, 44_100, 2).expect("mp3");
        write_silent_vorbis(&files[2].0, 0.5, 44_100, 2).expect("ogg");
        write_silent_m4a(&files[3].0, 0.5, 44_100, 2).expect("m4a");
        let want = spec();
        for (path, tag_type) in &files {
            write_tags(path, &want).expect("tagged");
            let file = lofty::read_from_path(path).expect("readable after tagging");
            let tag = file.primary_tag().expect("primary tag");
            assert_eq!(tag.tag_type(), *tag_type);
            let name = path.display();
            assert_eq!(tag.title().as_deref(), Some(want.title.as_str()), "{name}");
            assert_eq!(
                tag.artist().as_deref(),
                Some(want.artist.as_str()),
                "{name}"
            );
            assert_eq!(tag.album().as_deref(), Some(want.album.as_str()), "{name}");
            assert_eq!(
                tag.get_string(ItemKey::AlbumArtist),
                want.album_artist.as_deref(),
                "{name}"
            );
            assert_eq!(tag.track(), Some(7), "{name}");
            assert_eq!(tag.date().map(|d| d.year), Some(2019), "{name}");
            assert_eq!(tag.genre().as_deref(), Some("Ambient"), "{name}");
            // Tagging must not disturb the audio properties.
            assert!(file.properties().duration().as_millis() >= 500, "{name}");
        }
    }

    #[test]
    fn tagging_in_memory_matches_tagging_on_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["c.flac", "c.mp3"] {
            let path = dir.path().join(name);
            if name.ends_with("flac") {
                write_flac(&path, &Pcm::silence(0.3, 44_100, 1)).expect("flac");
            } else {
                write_silent_mp3(&path, 0.3, 44_100, 1).expect("mp3");
            }
            let untagged = std::fs::read(&path).expect("read");
            write_tags(&path, &spec()).expect("tagged on disk");
            let in_memory = tagged(untagged, &path, &spec()).expect("tagged in memory");
            assert_eq!(std::fs::read(&path).expect("read"), in_memory, "{name}");
        }
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.mp3");
        write_silent_mp3(&path, 0.2, 48_000, 1).expect("mp3");
        let spec = TagSpec {
            title: "t".into(),
            artist: "a".into(),
            album: "b".into(),
            year: Some(-5),
            ..TagSpec::default()
        };
        write_tags(&path, &spec).expect("tagged");
        let file = lofty::read_from_path(&path).expect("readable");
        let tag = file.primary_tag().expect("tag");
        assert_eq!(tag.title().as_deref(), Some("t"));
        assert_eq!(tag.track(), None);
        assert_eq!(tag.date(), None);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("gone.flac");
        let err = write_tags(&missing, &spec()).expect_err("missing file");
        assert!(err.to_string().contains("gone.flac"), "{err}");
        let junk = dir.path().join("junk.mp3");
        std::fs::write(&junk, b"not audio at all").expect("write");
        let err = write_tags(&junk, &spec()).expect_err("not audio");
        assert!(err.to_string().contains("junk.mp3"), "{err}");
    }
}
