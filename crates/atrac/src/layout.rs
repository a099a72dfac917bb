//! What a container parser finds: the stream parameters and where the audio frames are.

use super::id3::SonyTags;

/// The file format around the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// OpenMG: `.oma`, `.omg`, `.aa3`.
    Oma,
    /// RIFF WAVE: `.at3`, `.wav`.
    Riff,
    /// `.aea` (ATRAC1 from MiniDisc).
    Aea,
}

/// The audio codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Atrac3,
    Atrac1,
    Atrac3Plus,
    /// Plain PCM in a RIFF WAVE (for `convert`): integer or float samples.
    Pcm {
        bits: u16,
        float: bool,
    },
    /// Something else inside an OpenMG file (MP3, LPCM, WMA, ATRAC Advanced Lossless).
    Other(&'static str),
}

impl Codec {
    /// The lower-case name the library stores.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Atrac3 => "atrac3",
            Self::Atrac1 => "atrac1",
            Self::Atrac3Plus => "atrac3plus",
            Self::Pcm { .. } => "pcm",
            Self::Other(name) => name,
        }
    }

    /// Samples per channel in one frame (one block for PCM).
    pub fn frame_samples(&self) -> u64 {
        match self {
            Self::Atrac3 => 1024,
            Self::Atrac1 => 512,
            Self::Atrac3Plus => 2048,
            Self::Pcm { .. } | Self::Other(_) => 1,
        }
    }

    pub fn is_atrac(&self) -> bool {
        matches!(self, Self::Atrac3 | Self::Atrac1 | Self::Atrac3Plus)
    }
}

/// The parsed layout of a file.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub container: Container,
    pub codec: Codec,
    pub sample_rate: u32,
    pub channels: u16,
    /// Bytes of one frame, all channels (the block alignment for PCM).
    pub frame_bytes: u32,
    pub joint_stereo: bool,
    pub data_offset: u64,
    /// Bytes of audio data (whole frames or not).
    pub data_len: u64,
    pub protected: bool,
    pub tags: SonyTags,
    /// From a RIFF `fact` chunk: the sample count per channel.
    pub fact_samples: Option<u64>,
}

impl Layout {
    /// Complete frames in the data.
    pub fn frames(&self) -> u64 {
        if self.frame_bytes == 0 {
            0
        } else {
            self.data_len / u64::from(self.frame_bytes)
        }
    }
}
