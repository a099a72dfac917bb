//! The `ea3` tag of OpenMG files: an ID3v2 tag (normally v2.3) with its own magic. Frames are
//! read one by one and large ones skipped, so a hostile size never turns into an allocation.

use std::io::{Read, Seek, SeekFrom};

use super::error::{CodecError, truncated_as};

/// Text frames are never longer than this in practice; longer ones are skipped.
const MAX_TEXT_FRAME: u32 = 64 * 1024;
/// How much of a GEOB frame is read to find its content description.
const GEOB_PREFIX: u32 = 512;
/// Bounds the frame walk of a hostile tag full of tiny frames.
const MAX_FRAMES: usize = 4096;

/// Tags of a Sony file. Text is as stored (the library cleans it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SonyTags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track: Option<u32>,
    pub year: Option<i32>,
    /// Sony's `OMG_…` TXXX frames (description, value), in file order.
    pub sony: Vec<(String, String)>,
}

impl SonyTags {
    /// A Sony TXXX value by its description, e.g. `OMG_TRACK`.
    pub fn sony(&self, key: &str) -> Option<&str> {
        self.sony
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Fills fields the standard frames left empty from the Sony TXXX frames.
    fn apply_sony_fallbacks(&mut self) {
        if self.track.is_none() {
            self.track = self.sony("OMG_TRACK").and_then(leading_number);
        }
        if self.year.is_none() {
            self.year = self.sony("OMG_TRLDA").and_then(year_in);
        }
        if self.album_artist.is_none() {
            self.album_artist = self.sony("OMG_ATPE1").map(str::to_string);
        }
        if self.genre.is_none() {
            self.genre = self.sony("OMG_AGENR").map(str::to_string);
        }
    }
}

/// What the tag says.
#[derive(Debug, Default)]
pub(crate) struct TagInfo {
    pub tags: SonyTags,
    /// An `OMG_LSI` / `OMG_BKLSI` key ring: the audio is OpenMG-encrypted.
    pub drm_key_ring: bool,
}

/// The 10-byte header of an ID3v2 (or `ea3`) tag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagHeader {
    pub major: u8,
    pub flags: u8,
    /// The body size, excluding the header (and any v2.4 footer).
    pub size: u32,
}

impl TagHeader {
    pub fn parse(b: &[u8; 10]) -> Result<Self, CodecError> {
        let size = syncsafe(&b[6..10])
            .ok_or_else(|| CodecError::header("ea3 tag", "the tag size is not syncsafe"))?;
        if !(2..=4).contains(&b[3]) {
            return Err(CodecError::header(
                "ea3 tag",
                format!("unknown ID3v2 version 2.{}", b[3]),
            ));
        }
        Ok(Self {
            major: b[3],
            flags: b[5],
            size,
        })
    }

    /// Bytes from the start of the tag to the first byte after it.
    pub fn total_len(self) -> u64 {
        let footer = if self.major == 4 && self.flags & 0x10 != 0 {
            10
        } else {
            0
        };
        10 + u64::from(self.size) + footer
    }
}

fn syncsafe(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &x| {
        (x < 0x80).then_some((acc << 7) | u32::from(x))
    })
}

/// Reads the frames of a tag whose body starts at the reader's position.
pub(crate) fn read_tag<R: Read + Seek>(
    r: &mut R,
    header: TagHeader,
) -> Result<TagInfo, CodecError> {
    let start = r.stream_position()?;
    let end = start + u64::from(header.size);
    let mut pos = start;
    if header.flags & 0x40 != 0 && header.major >= 3 {
        // An extended header: skipped.
        let mut b = [0u8; 4];
        r.read_exact(&mut b).map_err(truncated_as("ea3 tag"))?;
        let len = if header.major == 4 {
            u64::from(syncsafe(&b).unwrap_or(0))
        } else {
            4 + u64::from(u32::from_be_bytes(b))
        };
        pos += len.max(4);
    }
    let (id_len, header_len) = if header.major == 2 { (3, 6) } else { (4, 10) };
    let mut info = TagInfo::default();
    for _ in 0..MAX_FRAMES {
        if pos + header_len > end {
            break;
        }
        r.seek(SeekFrom::Start(pos))?;
        let mut fh = [0u8; 10];
        if r.read_exact(&mut fh[..header_len as usize]).is_err() {
            break; // the tag claims more than the file holds
        }
        if fh[0] == 0 {
            break; // padding
        }
        let id = &fh[..id_len];
        let size = match header.major {
            2 => u32::from_be_bytes([0, fh[3], fh[4], fh[5]]),
            3 => u32::from_be_bytes([fh[4], fh[5], fh[6], fh[7]]),
            // v2.4 sizes are syncsafe, but some writers use plain ones; accept both.
            _ => syncsafe(&fh[4..8])
                .unwrap_or_else(|| u32::from_be_bytes([fh[4], fh[5], fh[6], fh[7]])),
        };
        let body_start = pos + header_len;
        let body_end = body_start + u64::from(size);
        if body_end > end {
            break;
        }
        // Compressed or encrypted frames (v2.3 format flags) cannot be read as text.
        let opaque = header.major == 3 && fh[9] & 0xC0 != 0;
        if !opaque {
            handle_frame(r, id, size, &mut info)?;
        }
        pos = body_end;
    }
    info.tags.apply_sony_fallbacks();
    Ok(info)
}

fn read_body<R: Read>(r: &mut R, size: u32) -> Result<Vec<u8>, CodecError> {
    let mut body = vec![0u8; size as usize];
    r.read_exact(&mut body).map_err(truncated_as("ea3 tag"))?;
    Ok(body)
}

fn handle_frame<R: Read>(
    r: &mut R,
    id: &[u8],
    size: u32,
    info: &mut TagInfo,
) -> Result<(), CodecError> {
    if id == b"GEOB" || id == b"GEO" {
        let body = read_body(r, size.min(GEOB_PREFIX))?;
        if is_key_ring(&body) {
            info.drm_key_ring = true;
        }
        return Ok(());
    }
    if id.first() != Some(&b'T') || size > MAX_TEXT_FRAME || size == 0 {
        return Ok(());
    }
    let body = read_body(r, size)?;
    let tags = &mut info.tags;
    if id == b"TXXX" || id == b"TXX" {
        let (desc, value) = split_txxx(&body);
        if !desc.is_empty() {
            tags.sony_or_other(desc, value);
        }
        return Ok(());
    }
    let text = decode_text(body[0], &body[1..]);
    if text.is_empty() {
        return Ok(());
    }
    match id {
        b"TIT2" | b"TT2" => tags.title = Some(text),
        b"TPE1" | b"TP1" => tags.artist = Some(text),
        b"TALB" | b"TAL" => tags.album = Some(text),
        b"TPE2" | b"TP2" => tags.album_artist = Some(text),
        b"TCON" | b"TCO" => tags.genre = Some(genre_text(&text)),
        b"TRCK" | b"TRK" => tags.track = leading_number(&text),
        b"TYER" | b"TYE" | b"TDRC" | b"TDRL" | b"TORY" | b"TDOR" if tags.year.is_none() => {
            tags.year = year_in(&text);
        }
        _ => {}
    }
    Ok(())
}

impl SonyTags {
    fn sony_or_other(&mut self, desc: String, value: String) {
        if desc.starts_with("OMG_") {
            self.sony.push((desc, value));
        }
    }
}

/// GEOB: encoding, MIME type, file name, content description, data. Sony's key rings are
/// described as `OMG_LSI` or `OMG_BKLSI`.
fn is_key_ring(body: &[u8]) -> bool {
    let Some((&encoding, rest)) = body.split_first() else {
        return false;
    };
    let Some(mime_end) = rest.iter().position(|&b| b == 0) else {
        return false;
    };
    let rest = &rest[mime_end + 1..];
    let (_, rest) = split_terminated(encoding, rest);
    let (description, _) = split_terminated(encoding, rest);
    let description = decode_text(encoding, description);
    description.starts_with("OMG_LSI") || description.starts_with("OMG_BKLSI")
}

/// Splits at the encoding's terminator (one NUL, or two aligned NULs for UTF-16).
fn split_terminated(encoding: u8, data: &[u8]) -> (&[u8], &[u8]) {
    if encoding == 1 || encoding == 2 {
        let mut i = 0;
        while i + 1 < data.len() {
            if data[i] == 0 && data[i + 1] == 0 {
                return (&data[..i], &data[i + 2..]);
            }
            i += 2;
        }
        (data, &[])
    } else {
        match data.iter().position(|&b| b == 0) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &[]),
        }
    }
}

fn split_txxx(body: &[u8]) -> (String, String) {
    let Some((&encoding, rest)) = body.split_first() else {
        return (String::new(), String::new());
    };
    let (desc, value) = split_terminated(encoding, rest);
    (decode_text(encoding, desc), decode_text(encoding, value))
}

/// Decodes ID3 text: 0 Latin-1, 1 UTF-16 with BOM, 2 UTF-16BE (Sony uses it even in v2.3),
/// 3 UTF-8. Only the first of several NUL-separated values is kept.
pub(crate) fn decode_text(encoding: u8, data: &[u8]) -> String {
    let (first, _) = split_terminated(encoding, data);
    let text = match encoding {
        0 => first.iter().map(|&b| char::from(b)).collect(),
        1 | 2 => {
            let (big_endian, data) = match first {
                [0xFE, 0xFF, rest @ ..] => (true, rest),
                [0xFF, 0xFE, rest @ ..] => (false, rest),
                // No BOM: encoding 2 is big-endian by definition; for 1 assume the same.
                _ => (true, first),
            };
            let units = data.chunks_exact(2).map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        _ => String::from_utf8_lossy(first).into_owned(),
    };
    text.trim_end_matches('\0').trim().to_string()
}

/// `(13)Pop` → `Pop`; a bare `(13)` stays as it is.
fn genre_text(text: &str) -> String {
    if let Some(rest) = text.strip_prefix('(')
        && let Some(close) = rest.find(')')
        && rest[..close].chars().all(|c| c.is_ascii_digit())
        && close + 1 < rest.len()
    {
        return rest[close + 1..].to_string();
    }
    text.to_string()
}

/// `3/12` → 3.
fn leading_number(text: &str) -> Option<u32> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|&n| n > 0)
}

/// The first four-digit run: `2005`, `2005-06-01`, `2005/01/01 00:00:00`.
fn year_in(text: &str) -> Option<i32> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4 || run.len() == 8)
        .and_then(|run| run.get(..4))
        .and_then(|y| y.parse().ok())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use super::*;

    /// A v2.3 frame.
    pub fn frame(id: [u8; 4], body: &[u8]) -> Vec<u8> {
        let mut f = id.to_vec();
        f.extend_from_slice(&(body.len() as u32).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(body);
        f
    }

    pub fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    /// A whole `ea3` v2.3 tag around `frames`, padded.
    pub fn tag(frames: &[Vec<u8>], padding: usize) -> Vec<u8> {
        let body: Vec<u8> = frames.concat();
        let size = body.len() + padding;
        let mut t = b"ea3\x03\x00\x00".to_vec();
        for shift in [21, 14, 7, 0] {
            t.push(((size >> shift) & 0x7F) as u8);
        }
        t.extend_from_slice(&body);
        t.resize(10 + size, 0);
        t
    }

    fn parse(bytes: &[u8]) -> Result<TagInfo, CodecError> {
        let header = TagHeader::parse(bytes[..10].try_into().unwrap())?;
        let mut c = Cursor::new(bytes);
        c.set_position(10);
        read_tag(&mut c, header)
    }

    #[test]
    fn reads_utf16be_text_and_sony_frames() {
        let mut title = vec![2u8];
        title.extend(utf16be("Tokyo 東京 (Live)"));
        let mut txxx = vec![2u8];
        txxx.extend(utf16be("OMG_TRACK"));
        txxx.extend([0, 0]);
        txxx.extend(utf16be("3"));
        let mut date = vec![0u8];
        date.extend(b"OMG_TRLDA\x002005/01/01 00:00:00");
        let bytes = tag(
            &[
                frame(*b"TIT2", &title),
                frame(*b"TPE1", b"\x00The Walkmen"),
                frame(*b"TALB", b"\x03Connect Sessions"),
                frame(*b"TCON", b"\x00(13)Pop"),
                frame(*b"TXXX", &txxx),
                frame(*b"TXXX", &date),
            ],
            100,
        );
        let info = parse(&bytes).unwrap();
        let t = info.tags;
        assert_eq!(t.title.as_deref(), Some("Tokyo 東京 (Live)"));
        assert_eq!(t.artist.as_deref(), Some("The Walkmen"));
        assert_eq!(t.album.as_deref(), Some("Connect Sessions"));
        assert_eq!(t.genre.as_deref(), Some("Pop"));
        assert_eq!(t.track, Some(3));
        assert_eq!(t.year, Some(2005));
        assert_eq!(t.sony("OMG_TRACK"), Some("3"));
        assert!(!info.drm_key_ring);
    }

    #[test]
    fn utf16_with_bom_either_way() {
        assert_eq!(decode_text(1, &[0xFF, 0xFE, b'h', 0, b'i', 0, 0, 0]), "hi");
        assert_eq!(decode_text(1, &[0xFE, 0xFF, 0, b'h', 0, b'i']), "hi");
        assert_eq!(decode_text(0, b"caf\xe9"), "café");
        // An odd trailing byte and an unpaired surrogate do not panic.
        assert_eq!(decode_text(2, &[0xD8, 0x00, 0, b'x', 7]), "\u{FFFD}x");
    }

    #[test]
    fn detects_key_rings() {
        let mut geob = vec![0u8];
        geob.extend(b"application/x-ekb\0\0OMG_BKLSI\0KEYRINGEKB ");
        let bytes = tag(&[frame(*b"GEOB", &geob)], 0);
        assert!(parse(&bytes).unwrap().drm_key_ring);
        let mut cover = vec![0u8];
        cover.extend(b"image/jpeg\0\0OMG_FENCA1\0\xFF\xD8");
        let bytes = tag(&[frame(*b"GEOB", &cover)], 0);
        assert!(!parse(&bytes).unwrap().drm_key_ring);
    }

    #[test]
    fn hostile_sizes_stop_the_walk() {
        // A frame claiming 2 GiB inside a small tag, then a frame that runs off the end.
        let mut huge = b"TIT2".to_vec();
        huge.extend(0x7FFF_FFFFu32.to_be_bytes());
        huge.extend([0, 0, 0]);
        let bytes = tag(&[huge], 4);
        assert_eq!(parse(&bytes).unwrap().tags, SonyTags::default());
        let bad = b"ea3\x03\x00\x00\x00\x00\x80\x00";
        assert!(TagHeader::parse(bad).is_err());
        let v9 = b"ea3\x09\x00\x00\x00\x00\x00\x00";
        assert!(TagHeader::parse(v9).is_err());
        // The tag claims more bytes than the file has: it just ends.
        let mut short = tag(&[frame(*b"TIT2", b"\x00x")], 0);
        short[9] = 0x7F;
        assert_eq!(parse(&short).unwrap().tags.title.as_deref(), Some("x"));
    }

    #[test]
    fn numbers_and_years() {
        assert_eq!(leading_number("3/12"), Some(3));
        assert_eq!(leading_number("0"), None);
        assert_eq!(leading_number("x"), None);
        assert_eq!(year_in("2005/01/01 00:00:00"), Some(2005));
        assert_eq!(genre_text("(13)"), "(13)");
    }
}
