//! Rewriting the `ea3` tag of an OpenMG file as ID3v2.3: the fields we manage are replaced,
//! every other frame is kept byte for byte, and the EA3 header and audio are copied
//! unchanged. The new file is written beside the old one and renamed over it, so a crash
//! never leaves a truncated file.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::error::{CodecError, truncated_as};
use super::id3::{TagHeader, decode_text};

const EA3_HEADER_LEN: usize = 96;
/// SonicStage pads its tags to this many bytes (header included).
const SONY_TAG_LEN: usize = 0xC00;
/// A tag larger than this (cover art included) is refused rather than read into memory.
const MAX_TAG: u32 = 64 * 1024 * 1024;

/// Fields to change. `None` keeps what the file has; an empty string (or 0) removes the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagUpdate {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track: Option<u32>,
    pub year: Option<i32>,
}

/// One frame as stored: ID, flags and body.
pub(crate) struct Frame {
    id: [u8; 4],
    flags: [u8; 2],
    body: Vec<u8>,
}

/// Rewrites the tag of the OpenMG file at `path` with `update` applied.
pub fn write_oma_tags(path: &Path, update: &TagUpdate) -> Result<(), CodecError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut src = BufReader::new(file);
    let (mut frames, audio_start) = read_frames(&mut src, len)?;
    let mut ea3 = [0u8; EA3_HEADER_LEN];
    src.seek(SeekFrom::Start(audio_start))?;
    src.read_exact(&mut ea3).map_err(truncated_as("EA3"))?;
    if &ea3[..3] != b"EA3" {
        return Err(CodecError::header("EA3", "no EA3 header after the tag"));
    }
    apply(&mut frames, update);
    let tag = serialize(&frames)?;

    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".ministage-tag-")
        .tempfile_in(dir)?;
    {
        let mut out = BufWriter::new(temp.as_file());
        out.write_all(&tag)?;
        out.write_all(&ea3)?;
        io::copy(&mut src, &mut out)?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    // Keep the original's permissions.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.persist(path).map_err(|e| CodecError::Io(e.error))?;
    Ok(())
}

/// The frames of the existing tag (none when the file starts with its EA3 header) and where
/// the EA3 header starts.
fn read_frames<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<(Vec<Frame>, u64), CodecError> {
    let mut head = [0u8; 10];
    r.read_exact(&mut head).map_err(truncated_as("EA3"))?;
    if head.starts_with(b"EA3") {
        return Ok((Vec::new(), 0));
    }
    if !(head.starts_with(b"ea3") || head.starts_with(b"ID3")) {
        return Err(CodecError::UnknownFormat);
    }
    let header = TagHeader::parse(&head)?;
    if header.major == 2 {
        return Err(CodecError::Unsupported(
            "rewriting an ID3v2.2 ea3 tag is not supported".into(),
        ));
    }
    if header.flags & 0x80 != 0 {
        return Err(CodecError::Unsupported(
            "rewriting an unsynchronised ea3 tag is not supported".into(),
        ));
    }
    if header.size > MAX_TAG {
        return Err(CodecError::header(
            "ea3 tag",
            "the tag is larger than 64 MiB",
        ));
    }
    if header.total_len() > file_len {
        return Err(CodecError::Truncated("ea3 tag"));
    }
    let mut body = vec![0u8; header.size as usize];
    r.read_exact(&mut body).map_err(truncated_as("ea3 tag"))?;
    let mut pos = 0;
    if header.flags & 0x40 != 0 && body.len() >= 4 {
        let b = [body[0], body[1], body[2], body[3]];
        pos = if header.major == 4 {
            b.iter()
                .fold(0usize, |a, &x| (a << 7) | usize::from(x & 0x7F))
        } else {
            4 + u32::from_be_bytes(b) as usize
        };
    }
    let mut frames = Vec::new();
    while pos + 10 <= body.len() && body[pos] != 0 {
        let h = &body[pos..pos + 10];
        let raw = [h[4], h[5], h[6], h[7]];
        let size = if header.major == 4 && raw.iter().all(|&x| x < 0x80) {
            raw.iter().fold(0usize, |a, &x| (a << 7) | usize::from(x))
        } else {
            u32::from_be_bytes(raw) as usize
        };
        let Some(frame_body) = body.get(pos + 10..pos + 10 + size) else {
            return Err(CodecError::header(
                "ea3 tag",
                "a frame runs past the end of the tag",
            ));
        };
        frames.push(Frame {
            id: [h[0], h[1], h[2], h[3]],
            flags: [h[8], h[9]],
            body: frame_body.to_vec(),
        });
        pos += 10 + size;
    }
    Ok((frames, header.total_len()))
}

/// Sony text: encoding 2 (UTF-16BE), as SonicStage writes it.
fn text_body(text: &str) -> Vec<u8> {
    let mut b = vec![2u8];
    b.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    b
}

fn txxx_body(desc: &str, value: &str) -> Vec<u8> {
    let mut b = text_body(desc);
    b.extend([0, 0]);
    b.extend(value.encode_utf16().flat_map(u16::to_be_bytes));
    b
}

fn txxx_description(body: &[u8]) -> Option<String> {
    let (&encoding, rest) = body.split_first()?;
    Some(decode_text(encoding, rest))
}

pub(crate) fn apply(frames: &mut Vec<Frame>, u: &TagUpdate) {
    let mut set = |id: &[u8; 4], value: Option<String>| {
        let Some(value) = value else { return };
        let first = frames.iter().position(|f| &f.id == id);
        frames.retain(|f| &f.id != id);
        if value.is_empty() {
            return;
        }
        let frame = Frame {
            id: *id,
            flags: [0, 0],
            body: text_body(&value),
        };
        // In place of the old frame, so frame order is kept.
        match first {
            Some(i) if i <= frames.len() => frames.insert(i, frame),
            _ => frames.push(frame),
        }
    };
    set(b"TIT2", u.title.clone());
    set(b"TPE1", u.artist.clone());
    set(b"TALB", u.album.clone());
    set(b"TPE2", u.album_artist.clone());
    set(b"TCON", u.genre.clone());
    set(
        b"TRCK",
        u.track
            .map(|n| if n == 0 { String::new() } else { n.to_string() }),
    );
    set(
        b"TYER",
        u.year
            .map(|y| if y == 0 { String::new() } else { y.to_string() }),
    );
    // Sony's own copies of the track number and release date follow the standard frames.
    let mut sony = |key: &str, value: Option<String>| {
        let Some(value) = value else { return };
        let is_key =
            |f: &Frame| &f.id == b"TXXX" && txxx_description(&f.body).as_deref() == Some(key);
        frames.retain(|f| !is_key(f));
        if !value.is_empty() {
            frames.push(Frame {
                id: *b"TXXX",
                flags: [0, 0],
                body: txxx_body(key, &value),
            });
        }
    };
    sony(
        "OMG_TRACK",
        u.track
            .map(|n| if n == 0 { String::new() } else { n.to_string() }),
    );
    sony(
        "OMG_TRLDA",
        u.year.map(|y| {
            if y == 0 {
                String::new()
            } else {
                format!("{y}/01/01 00:00:00")
            }
        }),
    );
}

pub(crate) fn serialize(frames: &[Frame]) -> Result<Vec<u8>, CodecError> {
    let mut body = Vec::new();
    for f in frames {
        let size = u32::try_from(f.body.len())
            .map_err(|_| CodecError::header("ea3 tag", "a frame is too large"))?;
        body.extend_from_slice(&f.id);
        body.extend_from_slice(&size.to_be_bytes());
        body.extend_from_slice(&f.flags);
        body.extend_from_slice(&f.body);
    }
    let total = (10 + body.len()).max(SONY_TAG_LEN);
    let size = total - 10;
    if size >= 1 << 28 {
        return Err(CodecError::header("ea3 tag", "the tag would be too large"));
    }
    let mut tag = Vec::with_capacity(total);
    tag.extend_from_slice(b"ea3\x03\x00\x00");
    for shift in [21, 14, 7, 0] {
        tag.push(((size >> shift) & 0x7F) as u8);
    }
    tag.extend_from_slice(&body);
    tag.resize(total, 0);
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::id3::tests::{frame, tag, utf16be};
    use crate::oma::tests::ea3_header;
    use crate::probe_reader;

    fn sample_file() -> Vec<u8> {
        let mut title = vec![2u8];
        title.extend(utf16be("Old"));
        let cover = frame(
            *b"GEOB",
            b"\x00image/jpeg\x00\x00OMG_FENCA1\x00\xFF\xD8\xFF\xE0",
        );
        let private = frame(*b"PRIV", b"owner\x00\x01\x02\x03");
        let mut file = tag(
            &[
                frame(*b"TIT2", &title),
                cover.clone(),
                frame(*b"TPE1", b"\x00Artist"),
                private.clone(),
            ],
            50,
        );
        file.extend(ea3_header(0xFFFF, 0, 0x00_2030));
        file.extend((0..384 * 2).map(|i| (i % 251) as u8));
        file
    }

    #[test]
    fn replaces_managed_frames_and_keeps_everything_else_byte_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.oma");
        let original = sample_file();
        std::fs::write(&path, &original).unwrap();
        let update = TagUpdate {
            title: Some("Tokyo 東京".into()),
            track: Some(7),
            year: Some(2001),
            artist: Some(String::new()),
            ..TagUpdate::default()
        };
        write_oma_tags(&path, &update).unwrap();
        let new = std::fs::read(&path).unwrap();
        let info = probe_reader(&mut Cursor::new(&new), new.len() as u64).unwrap();
        assert_eq!(info.tags.title.as_deref(), Some("Tokyo 東京"));
        assert_eq!(info.tags.artist, None);
        assert_eq!(info.tags.track, Some(7));
        assert_eq!(info.tags.year, Some(2001));
        assert_eq!(info.tags.sony("OMG_TRACK"), Some("7"));
        assert_eq!(info.tags.sony("OMG_TRLDA"), Some("2001/01/01 00:00:00"));
        // Unknown frames, the EA3 header and the audio are unchanged.
        let cover = frame(
            *b"GEOB",
            b"\x00image/jpeg\x00\x00OMG_FENCA1\x00\xFF\xD8\xFF\xE0",
        );
        let private = frame(*b"PRIV", b"owner\x00\x01\x02\x03");
        assert!(new.windows(cover.len()).any(|w| w == cover));
        assert!(new.windows(private.len()).any(|w| w == private));
        let old_audio = &original[original.len() - 96 - 768..];
        assert_eq!(&new[new.len() - 96 - 768..], old_audio);
        assert_eq!(info.data_offset as usize, SONY_TAG_LEN + 96);
        // Nothing left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn adds_a_tag_to_a_file_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.oma");
        let mut file = ea3_header(0xFFFF, 0, 0x00_2030);
        file.extend(vec![7u8; 384]);
        std::fs::write(&path, &file).unwrap();
        let update = TagUpdate {
            album: Some("Connect Sessions".into()),
            ..TagUpdate::default()
        };
        write_oma_tags(&path, &update).unwrap();
        let new = std::fs::read(&path).unwrap();
        assert!(new.ends_with(&file));
        let info = probe_reader(&mut Cursor::new(&new), new.len() as u64).unwrap();
        assert_eq!(info.tags.album.as_deref(), Some("Connect Sessions"));
    }

    #[test]
    fn broken_files_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.oma");
        let mut broken = tag(&[frame(*b"TIT2", b"\x00x")], 0);
        broken.extend(b"not an EA3 header");
        std::fs::write(&path, &broken).unwrap();
        assert!(write_oma_tags(&path, &TagUpdate::default()).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), broken);
        std::fs::write(&path, b"RIFF").unwrap();
        assert!(write_oma_tags(&path, &TagUpdate::default()).is_err());
    }
}
