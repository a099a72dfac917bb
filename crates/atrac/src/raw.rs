//! Audio as a NetMD recorder holds it, with no container around it: what the virtual deck
//! keeps for each sent track, so that it can play it back.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::Decoder;
use super::error::CodecError;
use super::id3::SonyTags;
use super::layout::{Codec, Container, Layout};
use super::stream::{FrameStream, PcmStream};

/// MiniDisc audio runs at 44.1 kHz in every mode.
const RATE: u32 = 44_100;

/// The shape of container-less recorder audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawAudio {
    /// 16-bit big-endian PCM, as SP sends carry it.
    PcmBe16 { channels: u16 },
    /// ATRAC3 frames: 384 bytes (LP2), 304 (105 kbps) or 192 (LP4, joint stereo).
    Atrac3 { frame_bytes: u32 },
}

/// Opens container-less audio at `path` for decoding.
pub fn open_raw(path: &Path, format: RawAudio) -> Result<Box<dyn Decoder>, CodecError> {
    let file = File::open(path)?;
    let data_len = file.metadata()?.len();
    let reader = BufReader::with_capacity(64 * 1024, file);
    let layout = |codec, channels: u16, frame_bytes: u32, joint_stereo| Layout {
        // Neither container applies; the field only matters to `probe`, which never sees these.
        container: Container::Riff,
        codec,
        sample_rate: RATE,
        channels,
        frame_bytes,
        joint_stereo,
        data_offset: 0,
        data_len,
        protected: false,
        tags: SonyTags::default(),
        fact_samples: None,
    };
    match format {
        RawAudio::PcmBe16 { channels } if matches!(channels, 1 | 2) => {
            let l = layout(
                Codec::Pcm {
                    bits: 16,
                    float: false,
                },
                channels,
                2 * u32::from(channels),
                false,
            );
            Ok(Box::new(PcmStream::new(reader, &l)?.big_endian()))
        }
        RawAudio::Atrac3 { frame_bytes } if matches!(frame_bytes, 384 | 304 | 192) => {
            let l = layout(Codec::Atrac3, 2, frame_bytes, frame_bytes == 192);
            Ok(Box::new(FrameStream::new(reader, &l)?))
        }
        other => Err(CodecError::Unsupported(format!(
            "recorder audio of this shape: {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_pcm_decodes_to_its_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sp.bin");
        let samples: Vec<i16> = (0..9000).map(|i| (i * 7 - 20_000) as i16).collect();
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_be_bytes()).collect();
        std::fs::write(&path, bytes).unwrap();
        let mut d = open_raw(&path, RawAudio::PcmBe16 { channels: 2 }).unwrap();
        assert_eq!(d.total_frames(), Some(4500));
        let mut out = Vec::new();
        while d.next_block(&mut out).unwrap() {}
        assert_eq!(out, samples);
        // Seeking lands on the sample frame asked for.
        assert_eq!(d.seek(1000).unwrap(), 1000);
        out.clear();
        d.next_block(&mut out).unwrap();
        assert_eq!(&out[..4], &samples[2000..2004]);
    }

    #[test]
    fn shapes_a_recorder_never_holds_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, [0u8; 4096]).unwrap();
        assert!(open_raw(&path, RawAudio::Atrac3 { frame_bytes: 100 }).is_err());
        assert!(open_raw(&path, RawAudio::PcmBe16 { channels: 6 }).is_err());
        assert!(
            open_raw(
                &dir.path().join("missing"),
                RawAudio::Atrac3 { frame_bytes: 384 }
            )
            .is_err()
        );
    }
}
