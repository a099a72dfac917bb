//! AEA files (ATRAC1 from MiniDisc): a 2048-byte header, then 212-byte sound units, one per
//! channel per frame.

use std::io::{Read, Seek, SeekFrom};

use super::atrac1::SOUND_UNIT_BYTES;
use super::error::{CodecError, truncated_as};
use super::id3::SonyTags;
use super::layout::{Codec, Container, Layout};

pub(crate) const HEADER_LEN: u64 = 2048;
const MAGIC: [u8; 4] = [0x00, 0x08, 0x00, 0x00];
/// Where the title (16 bytes, NUL-padded), the sound-unit count (u32 LE) and the channel
/// count (one byte) lie in the header.
const TITLE_AT: usize = 4;
const TITLE_LEN: usize = 16;
pub(crate) const UNITS_AT: u64 = 260;
const CHANNELS_AT: usize = 264;

/// The header of an AEA file of `channels` channels and `units` sound units (all channels'):
/// `title` is cut to 15 bytes at a character boundary (a NUL always ends it, as Sony's tools
/// expect), without control characters.
pub(crate) fn header(channels: u8, title: &str, units: u32) -> Vec<u8> {
    let mut h = vec![0u8; HEADER_LEN as usize];
    h[..4].copy_from_slice(&MAGIC);
    let mut len = 0;
    for c in title.chars().filter(|c| !c.is_control()) {
        let n = c.len_utf8();
        if len + n >= TITLE_LEN {
            break;
        }
        c.encode_utf8(&mut h[TITLE_AT + len..TITLE_AT + len + n]);
        len += n;
    }
    h[UNITS_AT as usize..UNITS_AT as usize + 4].copy_from_slice(&units.to_le_bytes());
    h[CHANNELS_AT] = channels;
    h
}

pub(crate) fn sniff(head: &[u8]) -> bool {
    head.starts_with(&MAGIC)
}

pub(crate) fn parse<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<Layout, CodecError> {
    r.seek(SeekFrom::Start(0))?;
    let mut h = vec![0u8; HEADER_LEN as usize];
    r.read_exact(&mut h).map_err(truncated_as("AEA"))?;
    if !sniff(&h) {
        return Err(CodecError::UnknownFormat);
    }
    let channels = h[CHANNELS_AT];
    if !(1..=2).contains(&channels) {
        return Err(CodecError::header(
            "AEA",
            format!("{channels} channels (ATRAC1 has one or two)"),
        ));
    }
    let title_bytes = &h[TITLE_AT..TITLE_AT + TITLE_LEN];
    let title_end = title_bytes
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(TITLE_LEN);
    let title = String::from_utf8_lossy(&title_bytes[..title_end])
        .trim()
        .to_string();
    let frame_bytes = SOUND_UNIT_BYTES as u32 * u32::from(channels);
    // Every sound unit repeats its first two bytes at its end; a mismatch in the first one
    // means this is probably not ATRAC1 at all, but decoding will tell, so only warn.
    let mut unit = [0u8; SOUND_UNIT_BYTES];
    if r.read_exact(&mut unit).is_ok() && (unit[0] != unit[211] || unit[1] != unit[210]) {
        tracing::warn!("AEA: the first sound unit does not repeat its header bytes");
    }
    let tags = SonyTags {
        title: (!title.is_empty()).then_some(title),
        ..SonyTags::default()
    };
    Ok(Layout {
        container: Container::Aea,
        codec: Codec::Atrac1,
        sample_rate: 44100,
        channels: u16::from(channels),
        frame_bytes,
        joint_stereo: false,
        data_offset: HEADER_LEN,
        data_len: file_len.saturating_sub(HEADER_LEN),
        protected: false,
        tags,
        fact_samples: None,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn parse_bytes(bytes: Vec<u8>) -> Result<Layout, CodecError> {
        let len = bytes.len() as u64;
        parse(&mut Cursor::new(bytes), len)
    }

    #[test]
    fn reads_channels_title_and_frames() {
        let mut b = header(2, "MD track", 0);
        b.extend(vec![0u8; 424 * 5 + 100]);
        let l = parse_bytes(b).unwrap();
        assert_eq!(l.channels, 2);
        assert_eq!(l.frame_bytes, 424);
        assert_eq!(l.frames(), 5);
        assert_eq!(l.tags.title.as_deref(), Some("MD track"));
    }

    #[test]
    fn broken_aea_headers() {
        assert!(matches!(
            parse_bytes(MAGIC.to_vec()),
            Err(CodecError::Truncated(_))
        ));
        assert!(parse_bytes(header(0, "", 0)).is_err());
        assert!(parse_bytes(header(3, "", 0)).is_err());
        let mut b = header(1, "", 0);
        b[1] = 9;
        assert!(matches!(parse_bytes(b), Err(CodecError::UnknownFormat)));
    }
}
