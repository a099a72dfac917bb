//! An `ATDATA` block: 16 KiB holding a 32-byte header, 0x3FC0 bytes of audio and a trailer
//! that repeats the header's fields.

use crate::be::{array, put_u16, put_u32, u16_at, u32_at};

pub const BLOCK_BYTES: usize = 0x4000;
pub const AUDIO_AT: usize = 0x20;
pub const AUDIO_BYTES: usize = 0x3FC0;

/// The block types, by codec.
pub const KIND_ATRAC3: [u8; 4] = *b"A3D ";
pub const KIND_ATRAC3PLUS: [u8; 4] = *b"ATX ";
pub const KIND_LPCM: [u8; 4] = *b"LPCM";
pub const KIND_MPEG: [u8; 4] = *b"SMPA";

/// One block, every field kept so that writing it back gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioBlock {
    pub kind: [u8; 4],
    /// MPEG frames in the block (0 for the other codecs).
    pub frames: u16,
    pub m_code: u16,
    /// MPEG bytes in the block (0 for the other codecs).
    pub data_len: u16,
    pub reserved_0a: [u8; 2],
    /// The block's index within its track, from 0.
    pub serial: u32,
    /// Seed of the block key (encrypted with the fragment key gives the DES key).
    pub key: [u8; 8],
    pub iv: [u8; 8],
    pub audio: Vec<u8>,
    pub backup_key: [u8; 8],
    pub reserved_3fe8: [u8; 8],
    pub backup_kind: [u8; 4],
    pub reserved_3ff4: [u8; 2],
    pub backup_m_code: u16,
    /// The low 32 bits of the track's content id.
    pub content_id_low: u32,
    pub backup_serial: u32,
}

impl AudioBlock {
    pub fn parse(b: &[u8; BLOCK_BYTES]) -> Self {
        Self {
            kind: array(b, 0),
            frames: u16_at(b, 4),
            m_code: u16_at(b, 6),
            data_len: u16_at(b, 8),
            reserved_0a: array(b, 0x0A),
            serial: u32_at(b, 0x0C),
            key: array(b, 0x10),
            iv: array(b, 0x18),
            audio: b[AUDIO_AT..AUDIO_AT + AUDIO_BYTES].to_vec(),
            backup_key: array(b, 0x3FE0),
            reserved_3fe8: array(b, 0x3FE8),
            backup_kind: array(b, 0x3FF0),
            reserved_3ff4: array(b, 0x3FF4),
            backup_m_code: u16_at(b, 0x3FF6),
            content_id_low: u32_at(b, 0x3FF8),
            backup_serial: u32_at(b, 0x3FFC),
        }
    }

    pub fn to_bytes(&self) -> Box<[u8; BLOCK_BYTES]> {
        let mut b = Box::new([0u8; BLOCK_BYTES]);
        b[..4].copy_from_slice(&self.kind);
        put_u16(&mut b[..], 4, self.frames);
        put_u16(&mut b[..], 6, self.m_code);
        put_u16(&mut b[..], 8, self.data_len);
        b[0x0A..0x0C].copy_from_slice(&self.reserved_0a);
        put_u32(&mut b[..], 0x0C, self.serial);
        b[0x10..0x18].copy_from_slice(&self.key);
        b[0x18..0x20].copy_from_slice(&self.iv);
        let n = self.audio.len().min(AUDIO_BYTES);
        b[AUDIO_AT..AUDIO_AT + n].copy_from_slice(&self.audio[..n]);
        b[0x3FE0..0x3FE8].copy_from_slice(&self.backup_key);
        b[0x3FE8..0x3FF0].copy_from_slice(&self.reserved_3fe8);
        b[0x3FF0..0x3FF4].copy_from_slice(&self.backup_kind);
        b[0x3FF4..0x3FF6].copy_from_slice(&self.reserved_3ff4);
        put_u16(&mut b[..], 0x3FF6, self.backup_m_code);
        put_u32(&mut b[..], 0x3FF8, self.content_id_low);
        put_u32(&mut b[..], 0x3FFC, self.backup_serial);
        b
    }
}
