//! OpenMG files (`.oma`, `.omg`, `.aa3`): an optional `ea3` ID3v2 tag, the 96-byte `EA3`
//! header, then fixed-size frames.

use std::io::{Read, Seek, SeekFrom};

use super::error::{CodecError, truncated_as};
use super::id3::{TagHeader, read_tag};
use super::layout::{Codec, Container, Layout};

const HEADER_LEN: u64 = 96;
const SAMPLE_RATES: [u32; 5] = [32000, 44100, 48000, 88200, 96000];
/// ATRAC3plus channel layouts 1…7: mono, stereo, 3.0, 4.0, 5.1, 6.1, 7.1.
const AT3P_CHANNELS: [u16; 8] = [0, 1, 2, 3, 4, 6, 7, 8];

/// True when the first bytes look like an OpenMG file.
pub(crate) fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"ea3") || head.starts_with(b"EA3")
}

pub(crate) fn parse<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<Layout, CodecError> {
    r.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 10];
    r.read_exact(&mut head).map_err(truncated_as("EA3"))?;
    let mut offset = 0;
    let mut tag = None;
    if head.starts_with(b"ea3") || head.starts_with(b"ID3") {
        let header = TagHeader::parse(&head)?;
        tag = Some(read_tag(r, header)?);
        offset = header.total_len();
    }
    r.seek(SeekFrom::Start(offset))?;
    let mut h = [0u8; HEADER_LEN as usize];
    r.read_exact(&mut h).map_err(truncated_as("EA3"))?;
    if &h[0..3] != b"EA3" {
        // An ordinary ID3-tagged file (MP3, …) is simply not OpenMG.
        if head.starts_with(b"ID3") {
            return Err(CodecError::UnknownFormat);
        }
        return Err(CodecError::header("EA3", "no EA3 header after the tag"));
    }
    let header_size = u16::from_be_bytes([h[4], h[5]]);
    if u64::from(header_size) != HEADER_LEN {
        return Err(CodecError::header(
            "EA3",
            format!("header size {header_size} instead of 96"),
        ));
    }
    let eid = u16::from_be_bytes([h[6], h[7]]);
    let tag = tag.unwrap_or_default();
    let protected = !(eid == 0xFFFF || eid == 0xFF80) || tag.drm_key_ring;
    let params = u32::from_be_bytes([0, h[33], h[34], h[35]]);
    let rate = || {
        let index = ((params >> 13) & 7) as usize;
        SAMPLE_RATES
            .get(index)
            .copied()
            .ok_or_else(|| CodecError::header("EA3", format!("unknown sample rate index {index}")))
    };
    let (codec, sample_rate, channels, frame_bytes, joint_stereo) = match h[32] {
        0 => {
            let frame_bytes = (params & 0x3FF) * 8;
            (
                Codec::Atrac3,
                rate()?,
                2,
                frame_bytes,
                (params >> 17) & 1 == 1,
            )
        }
        1 => {
            let layout = ((params >> 10) & 7) as usize;
            let channels = AT3P_CHANNELS[layout];
            if channels == 0 {
                return Err(CodecError::header("EA3", "ATRAC3plus channel layout 0"));
            }
            (
                Codec::Atrac3Plus,
                rate()?,
                channels,
                ((params & 0x3FF) + 1) * 8,
                false,
            )
        }
        // Other codecs OpenMG can hold; listed, never decoded here.
        3 => (Codec::Other("mp3"), 44100, 2, 0, false),
        4 => (Codec::Other("lpcm"), 44100, 2, 4, false),
        5 => (Codec::Other("wma"), 44100, 2, 0, false),
        33 => (Codec::Other("atrac3plus-al"), 44100, 2, 0, false),
        34 => (Codec::Other("atrac3-al"), 44100, 2, 0, false),
        id => {
            return Err(CodecError::header("EA3", format!("unknown codec id {id}")));
        }
    };
    if codec.is_atrac() && frame_bytes == 0 {
        return Err(CodecError::header("EA3", "frame size 0"));
    }
    let data_offset = offset + HEADER_LEN;
    Ok(Layout {
        container: Container::Oma,
        codec,
        sample_rate,
        channels,
        frame_bytes,
        joint_stereo,
        data_offset,
        data_len: file_len.saturating_sub(data_offset),
        protected,
        tags: tag.tags,
        fact_samples: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use super::*;

    /// An EA3 header for ATRAC3 with the given parameter word.
    pub fn ea3_header(eid: u16, codec: u8, params: u32) -> Vec<u8> {
        let mut h = vec![0u8; 96];
        h[..4].copy_from_slice(b"EA3\x01");
        h[4..6].copy_from_slice(&96u16.to_be_bytes());
        h[6..8].copy_from_slice(&eid.to_be_bytes());
        h[32] = codec;
        h[33..36].copy_from_slice(&params.to_be_bytes()[1..]);
        h
    }

    fn parse_bytes(bytes: Vec<u8>) -> Result<Layout, CodecError> {
        let len = bytes.len() as u64;
        parse(&mut Cursor::new(bytes), len)
    }

    #[test]
    fn lp2_parameter_word() {
        let mut bytes = ea3_header(0xFFFF, 0, 0x00_2030);
        bytes.extend(vec![0u8; 384 * 3 + 10]);
        let l = parse_bytes(bytes).unwrap();
        assert_eq!(l.codec, Codec::Atrac3);
        assert_eq!(l.sample_rate, 44100);
        assert_eq!(l.frame_bytes, 384);
        assert!(!l.joint_stereo);
        assert!(!l.protected);
        assert_eq!(l.data_offset, 96);
        assert_eq!(l.frames(), 3);
    }

    #[test]
    fn lp4_is_joint_stereo_and_at3plus_has_a_layout() {
        let l = parse_bytes(ea3_header(0xFF80, 0, 0x02_2018)).unwrap();
        assert!(l.joint_stereo);
        assert_eq!(l.frame_bytes, 192);
        let l = parse_bytes(ea3_header(0xFFFF, 1, 0x00_28FF)).unwrap();
        assert_eq!(l.codec, Codec::Atrac3Plus);
        assert_eq!(l.channels, 2);
        assert_eq!(l.frame_bytes, 2048);
    }

    #[test]
    fn encrypted_ids_are_protected() {
        assert!(
            parse_bytes(ea3_header(0x0001, 0, 0x2030))
                .unwrap()
                .protected
        );
        assert!(parse_bytes(ea3_header(0xFFFE, 3, 0)).unwrap().protected);
    }

    #[test]
    fn broken_headers_are_errors() {
        assert!(matches!(
            parse_bytes(b"EA3\x01\x00\x60".to_vec()),
            Err(CodecError::Truncated(_))
        ));
        let mut h = ea3_header(0xFFFF, 0, 0x2030);
        h[5] = 0x50;
        assert!(matches!(parse_bytes(h), Err(CodecError::BadHeader { .. })));
        // Sample rate index 7.
        assert!(parse_bytes(ea3_header(0xFFFF, 0, 0xE030)).is_err());
        // Frame size 0.
        assert!(parse_bytes(ea3_header(0xFFFF, 0, 0x2000)).is_err());
        assert!(parse_bytes(ea3_header(0xFFFF, 9, 0x2030)).is_err());
        // A tag that is not followed by an EA3 header.
        let mut t = crate::id3::tests::tag(&[], 20);
        t.extend(vec![0u8; 200]);
        assert!(matches!(
            parse_bytes(t.clone()),
            Err(CodecError::BadHeader { .. })
        ));
        // The same with the ordinary ID3 magic is some other format.
        t[..3].copy_from_slice(b"ID3");
        assert!(matches!(parse_bytes(t), Err(CodecError::UnknownFormat)));
    }
}
