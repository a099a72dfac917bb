//! The codec id and the five codec-info bytes of a track entry: what the audio is, and the
//! frame arithmetic that follows from it.

use crate::block::AUDIO_BYTES;

/// The kinds of audio a Hi-MD disc holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    Atrac3,
    Atrac3Plus,
    /// 16-bit stereo at 44.1 kHz, big-endian on the disc.
    Lpcm,
    /// MPEG audio (MP3 in practice), stored as it came, lightly scrambled.
    Mpeg,
}

impl AudioFormat {
    /// A short label, as a unit's display shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Atrac3 => "ATRAC3",
            Self::Atrac3Plus => "ATRAC3plus",
            Self::Lpcm => "PCM",
            Self::Mpeg => "MP3",
        }
    }

    /// The file extension a received track gets: it is never re-encoded.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Atrac3 | Self::Atrac3Plus => "oma",
            Self::Lpcm => "wav",
            Self::Mpeg => "mp3",
        }
    }
}

pub const CODEC_ATRAC3: u8 = 0x00;
/// ATRAC3plus, or MPEG when the first info byte is 3.
pub const CODEC_ATRAC3PLUS_OR_MPEG: u8 = 0x01;
pub const CODEC_LPCM: u8 = 0x80;

/// LPCM is cut into "virtual" frames of 16 stereo samples.
pub const LPCM_FRAME_BYTES: u32 = 64;
const ATRAC3_SAMPLES_PER_FRAME: u32 = 1024;
const ATRAC3PLUS_SAMPLES_PER_FRAME: u32 = 2048;
const ATRAC_RATES: [u32; 5] = [32_000, 44_100, 48_000, 88_200, 96_000];
const MPEG_RATES: [u32; 3] = [44_100, 48_000, 32_000];
/// MPEG bit rates by version (1, 2/2.5) and layer (I, II, III), indexed by the header's
/// bit-rate field (ISO 11172-3 and 13818-3).
const MPEG_KBPS: [[[u16; 16]; 3]; 2] = [
    [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
        ],
    ],
    [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0,
        ],
        [
            0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
        ],
        [
            0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
        ],
    ],
];

/// The codec id (entry +32) and codec info (entry +33..+36 and +44..+46).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodecInfo {
    pub id: u8,
    pub info: [u8; 5],
}

impl CodecInfo {
    /// ATRAC3 at 44.1 kHz with `frame_bytes` per frame (384 LP2, 304 105 kbps, 192 LP4).
    pub fn atrac3(frame_bytes: u16, joint_stereo: bool) -> Self {
        Self {
            id: CODEC_ATRAC3,
            info: [
                if joint_stereo { 2 } else { 0 },
                1 << 5,
                (frame_bytes / 8) as u8,
                0,
                0,
            ],
        }
    }

    /// ATRAC3plus at `sample_rate` in mono or stereo with `frame_bytes` per frame: the info
    /// bytes are the first three of an OpenMG file's EA3 parameters (rate, channel layout,
    /// frame size / 8 − 1). `None` for what a disc cannot hold.
    pub fn atrac3plus(sample_rate: u32, channels: u16, frame_bytes: u32) -> Option<Self> {
        let rate = ATRAC_RATES.iter().position(|&r| r == sample_rate)? as u8;
        // Channel layouts 1 (mono) and 2 (stereo); units play nothing wider.
        let layout = u8::try_from(channels)
            .ok()
            .filter(|c| (1..=2).contains(c))?;
        let size = frame_bytes / 8;
        if !frame_bytes.is_multiple_of(8) || size == 0 || size > 0x400 {
            return None;
        }
        let size = size - 1;
        Some(Self {
            id: CODEC_ATRAC3PLUS_OR_MPEG,
            info: [
                0,
                rate << 5 | layout << 2 | (size >> 8) as u8,
                size as u8,
                0,
                0,
            ],
        })
    }

    /// 16-bit stereo LPCM, with the info bytes units write.
    pub fn lpcm() -> Self {
        Self {
            id: CODEC_LPCM,
            info: [6, 0x28, 7, 0, 0],
        }
    }

    pub fn format(self) -> Option<AudioFormat> {
        match self.id {
            CODEC_ATRAC3 => Some(AudioFormat::Atrac3),
            CODEC_ATRAC3PLUS_OR_MPEG if self.info[0] & 3 == 3 => Some(AudioFormat::Mpeg),
            CODEC_ATRAC3PLUS_OR_MPEG => Some(AudioFormat::Atrac3Plus),
            CODEC_LPCM => Some(AudioFormat::Lpcm),
            _ => None,
        }
    }

    /// Bytes of one frame; for MPEG the nominal size (a padded frame is one byte longer).
    pub fn frame_bytes(self) -> u32 {
        match self.format() {
            Some(AudioFormat::Atrac3) => u32::from(self.info[2]) * 8,
            Some(AudioFormat::Atrac3Plus) => {
                ((u32::from(self.info[1]) << 8 | u32::from(self.info[2])) & 0x3FF) * 8 + 8
            }
            Some(AudioFormat::Lpcm) => LPCM_FRAME_BYTES,
            Some(AudioFormat::Mpeg) => {
                let rate = self.sample_rate();
                if rate == 0 {
                    return 0;
                }
                let bytes = self.samples_per_frame() * self.kbps() * 125 / rate;
                // Layer I frames are whole 4-byte slots.
                if self.mpeg_layer() == 1 {
                    bytes & !3
                } else {
                    bytes
                }
            }
            None => 0,
        }
    }

    /// Whole frames in the audio area of one block. MPEG blocks carry their own count.
    pub fn frames_per_block(self) -> u32 {
        let frame = self.frame_bytes();
        match self.format() {
            Some(AudioFormat::Lpcm) => AUDIO_BYTES as u32 / LPCM_FRAME_BYTES,
            // ATRAC leaves the last byte of the area unused.
            Some(AudioFormat::Atrac3 | AudioFormat::Atrac3Plus) if frame > 0 => {
                (AUDIO_BYTES as u32 - 1) / frame
            }
            _ => 0,
        }
    }

    /// Samples per channel in one frame.
    pub fn samples_per_frame(self) -> u32 {
        match self.format() {
            Some(AudioFormat::Atrac3) => ATRAC3_SAMPLES_PER_FRAME,
            Some(AudioFormat::Atrac3Plus) => ATRAC3PLUS_SAMPLES_PER_FRAME,
            Some(AudioFormat::Lpcm) => LPCM_FRAME_BYTES / 4,
            Some(AudioFormat::Mpeg) if self.mpeg_layer() == 1 => 384,
            Some(AudioFormat::Mpeg) => 1152,
            None => 0,
        }
    }

    pub fn sample_rate(self) -> u32 {
        match self.format() {
            Some(AudioFormat::Atrac3 | AudioFormat::Atrac3Plus) => ATRAC_RATES
                .get(usize::from(self.info[1] >> 5))
                .copied()
                .unwrap_or(0),
            Some(AudioFormat::Lpcm) => 44_100,
            Some(AudioFormat::Mpeg) => {
                let base = MPEG_RATES
                    .get(usize::from(self.info[4] >> 6))
                    .copied()
                    .unwrap_or(0);
                // Version bits 3 = MPEG 1, 2 = MPEG 2, 0 = MPEG 2.5.
                match self.info[3] >> 6 {
                    3 => base,
                    2 => base / 2,
                    0 => base / 4,
                    _ => 0,
                }
            }
            None => 0,
        }
    }

    pub fn channels(self) -> u16 {
        match self.format() {
            Some(AudioFormat::Atrac3Plus) if (self.info[1] >> 2) & 7 == 1 => 1,
            Some(AudioFormat::Mpeg) if (self.info[4] >> 4) & 3 == 3 => 1,
            _ => 2,
        }
    }

    /// ATRAC3's joint-stereo flag (LP4).
    pub fn joint_stereo(self) -> bool {
        self.format() == Some(AudioFormat::Atrac3) && self.info[0] & 2 != 0
    }

    /// The bit rate in kbit/s: from the frame size for ATRAC and LPCM, from the header for
    /// MPEG. 0 when the info bytes make no sense.
    pub fn kbps(self) -> u32 {
        if self.format() == Some(AudioFormat::Mpeg) {
            let version = self.info[3] >> 6;
            let layer = self.mpeg_layer();
            if version == 1 || layer == 0 {
                return 0;
            }
            let table = usize::from(version != 3);
            return u32::from(
                MPEG_KBPS[table][usize::from(layer - 1)][usize::from(self.info[3] & 0xF)],
            );
        }
        // The computed rate of 304-byte frames is 104.7; Sony calls the mode 105 kbps.
        if self.format() == Some(AudioFormat::Atrac3) && self.frame_bytes() == 304 {
            return 105;
        }
        let spf = self.samples_per_frame();
        if spf == 0 {
            return 0;
        }
        (u64::from(self.frame_bytes()) * u64::from(self.sample_rate()) / (125 * u64::from(spf)))
            as u32
    }

    /// MPEG layer 1, 2 or 3; 0 when the field is the reserved value.
    fn mpeg_layer(self) -> u8 {
        match (self.info[3] >> 4) & 3 {
            0 => 0,
            bits => 4 - bits,
        }
    }

    /// Milliseconds of `frames` frames.
    pub fn frames_to_ms(self, frames: u64) -> u64 {
        let rate = u64::from(self.sample_rate());
        if rate == 0 {
            return 0;
        }
        frames * u64::from(self.samples_per_frame()) * 1000 / rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atrac3_modes_have_the_documented_frames_per_block() {
        for (frame, joint, per_block, kbps) in [
            (384, false, 42, 132),
            (304, false, 53, 105),
            (192, true, 84, 66),
        ] {
            let ci = CodecInfo::atrac3(frame, joint);
            assert_eq!(ci.format(), Some(AudioFormat::Atrac3));
            assert_eq!(ci.frame_bytes(), u32::from(frame));
            assert_eq!(ci.frames_per_block(), per_block);
            assert_eq!(ci.kbps(), kbps);
            assert_eq!(ci.joint_stereo(), joint);
        }
    }

    #[test]
    fn atrac3plus_frame_sizes_follow_the_ten_bit_field() {
        for (frame, per_block, kbps) in [
            (2048u32, 7, 352),
            (1488, 10, 256),
            (1120, 14, 192),
            (376, 43, 64),
            (280, 58, 48),
        ] {
            let n = frame / 8 - 1;
            let ci = CodecInfo {
                id: 1,
                info: [0, 0x28 | (n >> 8) as u8, n as u8, 0, 0],
            };
            assert_eq!(ci.format(), Some(AudioFormat::Atrac3Plus));
            assert_eq!(ci.frame_bytes(), frame);
            assert_eq!(ci.frames_per_block(), per_block);
            assert_eq!(ci.kbps(), kbps);
            assert_eq!(ci.channels(), 2);
            assert_eq!(CodecInfo::atrac3plus(44_100, 2, frame), Some(ci));
        }
        let mono = CodecInfo::atrac3plus(44_100, 1, 376).unwrap();
        assert_eq!((mono.channels(), mono.frame_bytes()), (1, 376));
        assert_eq!(CodecInfo::atrac3plus(44_100, 6, 2048), None);
        assert_eq!(CodecInfo::atrac3plus(22_050, 2, 2048), None);
        assert_eq!(CodecInfo::atrac3plus(44_100, 2, 1490), None);
    }

    #[test]
    fn lpcm_is_255_virtual_frames_per_block() {
        let ci = CodecInfo::lpcm();
        assert_eq!(ci.frames_per_block(), 255);
        assert_eq!(ci.kbps(), 1411);
        assert_eq!(ci.frames_to_ms(11_025), 4000);
    }

    #[test]
    fn mpeg_header_bits_give_rate_and_bit_rate() {
        // MPEG 1 layer III, 192 kbps (index 11), 44.1 kHz, joint stereo.
        let ci = CodecInfo {
            id: 1,
            info: [3, 0, 0x80, 3 << 6 | 1 << 4 | 0xB, 1 << 4],
        };
        assert_eq!(ci.format(), Some(AudioFormat::Mpeg));
        assert_eq!(ci.kbps(), 192);
        assert_eq!(ci.sample_rate(), 44_100);
        assert_eq!(ci.frame_bytes(), 626);
        assert_eq!(ci.channels(), 2);
        // A reserved version gives 0 rather than a panic.
        let bad = CodecInfo {
            id: 1,
            info: [3, 0, 0, 1 << 6 | 1 << 4 | 0xF, 0xC0],
        };
        assert_eq!(bad.kbps(), 0);
        assert_eq!(bad.sample_rate(), 0);
        assert_eq!(bad.frame_bytes(), 0);
    }

    #[test]
    fn unknown_ids_have_no_format() {
        let ci = CodecInfo {
            id: 7,
            info: [0; 5],
        };
        assert_eq!(ci.format(), None);
        assert_eq!(ci.frames_per_block(), 0);
        assert_eq!(ci.kbps(), 0);
    }
}
