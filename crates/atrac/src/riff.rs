//! RIFF WAVE files with ATRAC inside (`.at3`, `.wav`): format tag 0x0270 (ATRAC3) or 0xFFFE
//! with the ATRAC3plus GUID; plain PCM is recognised too, for `convert`.

use std::io::{Read, Seek, SeekFrom};

use super::error::{CodecError, truncated_as};
use super::id3::SonyTags;
use super::layout::{Codec, Container, Layout};

const ATRAC3_TAG: u16 = 0x0270;
const EXTENSIBLE_TAG: u16 = 0xFFFE;
const ATRAC3PLUS_GUID: [u8; 16] = [
    0xBF, 0xAA, 0x23, 0xE9, 0x58, 0xCB, 0x71, 0x44, 0xA1, 0x19, 0xFF, 0xFA, 0x01, 0xE4, 0xCE, 0x62,
];
/// The `KSDATAFORMAT_SUBTYPE` GUIDs share this tail after their 2-byte format tag.
const SUBTYPE_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// Bounds the chunk walk of a hostile file.
const MAX_CHUNKS: usize = 256;
/// A fmt chunk longer than this is not read beyond it.
const MAX_FMT: u32 = 1024;

pub(crate) fn sniff(head: &[u8]) -> bool {
    head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
    extra: Vec<u8>,
}

pub(crate) fn parse<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<Layout, CodecError> {
    r.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 12];
    r.read_exact(&mut head).map_err(truncated_as("RIFF"))?;
    if !sniff(&head) {
        return Err(CodecError::UnknownFormat);
    }
    let mut pos = 12u64;
    let mut format = None;
    let mut fact = None;
    let mut data = None;
    for _ in 0..MAX_CHUNKS {
        r.seek(SeekFrom::Start(pos))?;
        let mut ch = [0u8; 8];
        if r.read_exact(&mut ch).is_err() {
            break;
        }
        let size = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]);
        let body = pos + 8;
        match &ch[0..4] {
            b"fmt " => format = Some(read_format(r, size)?),
            b"fact" if size >= 4 => {
                let mut b = [0u8; 4];
                r.read_exact(&mut b).map_err(truncated_as("RIFF fact"))?;
                fact = Some(u64::from(u32::from_le_bytes(b)));
            }
            b"data" => {
                // Streamed writers leave the size at 0 or 0xFFFFFFFF: the data runs to the end.
                let available = file_len.saturating_sub(body);
                let len = if size == 0 || size == u32::MAX {
                    available
                } else {
                    u64::from(size).min(available)
                };
                data = Some((body, len));
                if format.is_some() {
                    break;
                }
            }
            _ => {}
        }
        pos = body + u64::from(size) + u64::from(size % 2);
        if pos >= file_len {
            break;
        }
    }
    let format = format.ok_or_else(|| CodecError::header("RIFF", "no fmt chunk"))?;
    let (data_offset, data_len) =
        data.ok_or_else(|| CodecError::header("RIFF", "no data chunk"))?;
    let (codec, joint_stereo) = identify(&format)?;
    if format.channels == 0 || format.sample_rate == 0 || format.block_align == 0 {
        return Err(CodecError::header(
            "RIFF",
            "zero channels, sample rate or block alignment",
        ));
    }
    Ok(Layout {
        container: Container::Riff,
        codec,
        sample_rate: format.sample_rate,
        channels: format.channels,
        frame_bytes: u32::from(format.block_align),
        joint_stereo,
        data_offset,
        data_len,
        protected: false,
        tags: SonyTags::default(),
        fact_samples: fact,
    })
}

fn read_format<R: Read>(r: &mut R, size: u32) -> Result<Format, CodecError> {
    if size < 16 {
        return Err(CodecError::header(
            "RIFF",
            format!("fmt chunk of {size} bytes"),
        ));
    }
    let mut b = vec![0u8; size.min(MAX_FMT) as usize];
    r.read_exact(&mut b).map_err(truncated_as("RIFF fmt"))?;
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let extra = if b.len() >= 18 {
        let cb = usize::from(u16_at(16));
        b[18..].get(..cb).unwrap_or(&b[18..]).to_vec()
    } else {
        Vec::new()
    };
    Ok(Format {
        tag: u16_at(0),
        channels: u16_at(2),
        sample_rate: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        block_align: u16_at(12),
        bits: u16_at(14),
        extra,
    })
}

fn identify(f: &Format) -> Result<(Codec, bool), CodecError> {
    match f.tag {
        ATRAC3_TAG => {
            if f.extra.len() < 14 {
                return Err(CodecError::header(
                    "RIFF",
                    format!("ATRAC3 fmt chunk has {} extra bytes, not 14", f.extra.len()),
                ));
            }
            let mode = u16::from_le_bytes([f.extra[6], f.extra[7]]);
            Ok((Codec::Atrac3, mode != 0))
        }
        1 => Ok((pcm(f.bits, false)?, false)),
        3 => Ok((pcm(f.bits, true)?, false)),
        EXTENSIBLE_TAG => {
            let guid = f.extra.get(6..22).ok_or_else(|| {
                CodecError::header("RIFF", "extensible fmt chunk without a SubFormat GUID")
            })?;
            if guid == ATRAC3PLUS_GUID {
                Ok((Codec::Atrac3Plus, false))
            } else if guid[2..] == SUBTYPE_TAIL && guid[..2] == [1, 0] {
                Ok((pcm(f.bits, false)?, false))
            } else if guid[2..] == SUBTYPE_TAIL && guid[..2] == [3, 0] {
                Ok((pcm(f.bits, true)?, false))
            } else if guid[2..] == SUBTYPE_TAIL && guid[..2] == ATRAC3_TAG.to_le_bytes() {
                Err(CodecError::Unsupported(
                    "ATRAC3 in an extensible WAV is not supported".into(),
                ))
            } else {
                Err(CodecError::Unsupported(
                    "not supported yet: this WAV sub-format".into(),
                ))
            }
        }
        tag => Err(CodecError::Unsupported(format!(
            "not supported yet: WAV format tag 0x{tag:04X}"
        ))),
    }
}

fn pcm(bits: u16, float: bool) -> Result<Codec, CodecError> {
    let ok = if float {
        bits == 32
    } else {
        matches!(bits, 8 | 16 | 24 | 32)
    };
    if ok {
        Ok(Codec::Pcm { bits, float })
    } else {
        Err(CodecError::Unsupported(format!(
            "not supported yet: {bits}-bit {} WAV",
            if float { "float" } else { "PCM" }
        )))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use super::*;

    /// An ATRAC3 RIFF file with `frames` frames of `block` bytes.
    pub fn at3_bytes(channels: u16, block: u16, joint: bool, frames: usize) -> Vec<u8> {
        let mut fmt = Vec::new();
        fmt.extend(ATRAC3_TAG.to_le_bytes());
        fmt.extend(channels.to_le_bytes());
        fmt.extend(44100u32.to_le_bytes());
        fmt.extend((u32::from(block) * 44100 / 1024).to_le_bytes());
        fmt.extend(block.to_le_bytes());
        fmt.extend(0u16.to_le_bytes());
        fmt.extend(14u16.to_le_bytes());
        for v in [1u16, 0, 0, u16::from(joint), u16::from(joint), 1, 0] {
            fmt.extend(v.to_le_bytes());
        }
        let data_len = usize::from(block) * frames;
        let mut b = b"RIFF".to_vec();
        b.extend(((4 + 8 + fmt.len() + 12 + 8 + data_len) as u32).to_le_bytes());
        b.extend(b"WAVEfmt ");
        b.extend((fmt.len() as u32).to_le_bytes());
        b.extend(&fmt);
        b.extend(b"fact");
        b.extend(8u32.to_le_bytes());
        b.extend(((frames * 1024) as u32).to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend(b"data");
        b.extend((data_len as u32).to_le_bytes());
        b.extend(vec![0u8; data_len]);
        b
    }

    fn parse_bytes(bytes: Vec<u8>) -> Result<Layout, CodecError> {
        let len = bytes.len() as u64;
        parse(&mut Cursor::new(bytes), len)
    }

    #[test]
    fn atrac3_mono_and_joint_stereo() {
        let l = parse_bytes(at3_bytes(1, 152, false, 4)).unwrap();
        assert_eq!(
            (l.codec, l.channels, l.frame_bytes),
            (Codec::Atrac3, 1, 152)
        );
        assert_eq!(l.frames(), 4);
        assert_eq!(l.fact_samples, Some(4096));
        let l = parse_bytes(at3_bytes(2, 192, true, 2)).unwrap();
        assert!(l.joint_stereo);
    }

    #[test]
    fn atrac3plus_guid_is_recognised() {
        let mut fmt = Vec::new();
        fmt.extend(EXTENSIBLE_TAG.to_le_bytes());
        fmt.extend(2u16.to_le_bytes());
        fmt.extend(44100u32.to_le_bytes());
        fmt.extend(0u32.to_le_bytes());
        fmt.extend(376u16.to_le_bytes());
        fmt.extend(0u16.to_le_bytes());
        fmt.extend(34u16.to_le_bytes());
        fmt.extend([0u8; 6]);
        fmt.extend(ATRAC3PLUS_GUID);
        fmt.extend([0u8; 12]);
        let mut b = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        b.extend((fmt.len() as u32).to_le_bytes());
        b.extend(&fmt);
        b.extend(b"data\x78\x01\0\0");
        b.extend(vec![0u8; 376]);
        let l = parse_bytes(b).unwrap();
        assert_eq!(l.codec, Codec::Atrac3Plus);
        assert_eq!(l.frame_bytes, 376);
    }

    #[test]
    fn broken_riff_headers() {
        assert!(matches!(
            parse_bytes(b"RIFF".to_vec()),
            Err(CodecError::Truncated(_))
        ));
        assert!(matches!(
            parse_bytes(b"RIFF\0\0\0\0WAVEdata\0\0\0\0".to_vec()),
            Err(CodecError::BadHeader { .. })
        ));
        // A fmt chunk too short to hold a format.
        assert!(parse_bytes(b"RIFF\0\0\0\0WAVEfmt \x04\0\0\0abcd".to_vec()).is_err());
        // ATRAC3 without its extra bytes.
        let mut b = at3_bytes(2, 384, false, 1);
        b[36] = 0; // cbSize low byte
        assert!(parse_bytes(b).is_err());
        // A fmt chunk claiming 4 GiB.
        let b = b"RIFF\0\0\0\0WAVEfmt \xff\xff\xff\xff\x70\x02".to_vec();
        assert!(matches!(parse_bytes(b), Err(CodecError::Truncated(_))));
        // A data chunk larger than the file is clamped.
        let mut b = at3_bytes(2, 384, false, 2);
        let n = b.len();
        b[n - 768 - 4..n - 768].copy_from_slice(&u32::MAX.to_le_bytes()[..]);
        b[n - 768 - 4] = 0xFE;
        assert_eq!(parse_bytes(b).unwrap().data_len, 768);
    }
}
