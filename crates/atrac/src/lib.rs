//! Sony formats: OpenMG/OMA, RIFF ATRAC and AEA containers, and the in-crate ATRAC decoders.
//!
//! [`probe`] reads what the library needs (codec, mode, duration, tags, DRM); [`open`] gives a
//! [`Decoder`] producing interleaved 16-bit samples; [`Atrac3Encoder`] and [`Atrac3Writer`]
//! make ATRAC3 files (LP2, 105 kbps, LP4), [`Atrac1Encoder`] and [`AeaWriter`] ATRAC1 (SP)
//! ones. ATRAC3, ATRAC1 and ATRAC3plus (mono and stereo) are
//! decoded here, with output within ±1 LSB of FFmpeg 8; OpenMG DRM is detected and never
//! decrypted.

mod aea;
mod aea_writer;
mod atrac1;
mod atrac3;
mod atrac3plus;
mod bits;
mod encode_stream;
mod encoder;
mod error;
mod gain;
#[cfg(test)]
mod hostile;
mod id3;
mod layout;
mod mdct;
mod oma;
mod qmf;
mod raw;
mod riff;
mod stream;
mod tag_writer;
#[cfg(test)]
mod test_signals;
mod writer;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

pub use aea_writer::AeaWriter;
pub use atrac1::Atrac1Encoder;
pub use encoder::{Atrac3Encoder, Atrac3Mode, CODEC_DELAY, SAMPLES_PER_FRAME, check_frames};
pub use error::CodecError;
pub use id3::SonyTags;
pub use layout::{Codec, Container};
pub use raw::{RawAudio, open_raw};
pub use tag_writer::{TagUpdate, write_oma_tags};
pub use writer::{Atrac3Container, Atrac3Writer};

use layout::Layout;

/// How the library labels a track it cannot play because of OpenMG DRM.
pub const PROTECTED_LABEL: &str = "protected (OpenMG DRM)";

/// File extensions whose files are read by this module rather than by the generic tag reader.
pub const SONY_EXTENSIONS: &[&str] = &["oma", "omg", "aa3", "at3", "aea"];

/// A source of interleaved 16-bit samples, as the playback engine and `convert` use it.
pub trait Decoder: Send {
    fn sample_rate(&self) -> u32;
    fn channels(&self) -> u16;
    /// Samples per channel, when known.
    fn total_frames(&self) -> Option<u64>;
    /// Appends the next block of interleaved samples to `out`; false at the end.
    fn next_block(&mut self, out: &mut Vec<i16>) -> Result<bool, CodecError>;
    /// Moves to sample frame `frame` (per channel), or the codec frame boundary before it;
    /// returns the sample frame actually reached.
    fn seek(&mut self, frame: u64) -> Result<u64, CodecError>;
}

/// What [`probe`] finds out about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SonyFileInfo {
    pub container: Container,
    pub codec: Codec,
    /// `LP2`, `LP4`, `105 kbps`, `SP`, `mono`, `A3+ 256` (ATRAC3plus and its bit rate), or
    /// the bit rate for other modes.
    pub mode: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Bytes of one frame, all channels.
    pub frame_bytes: u32,
    pub joint_stereo: bool,
    /// Where the first audio frame starts in the file.
    pub data_offset: u64,
    /// Complete frames in the file.
    pub frames: u64,
    /// Samples per channel the decoder produces (every frame).
    pub total_samples: u64,
    /// The playing time: the RIFF `fact` sample count when there is one, else every frame.
    pub duration_ms: u64,
    pub bitrate_kbps: u32,
    /// OpenMG-encrypted: listed, never decoded.
    pub protected: bool,
    pub tags: SonyTags,
}

impl SonyFileInfo {
    /// The lower-case codec name the library stores: `atrac3`, `atrac1`, `atrac3plus`, …
    pub fn codec_name(&self) -> &'static str {
        self.codec.name()
    }

    fn from_layout(l: Layout) -> Self {
        let frames = l.frames();
        let total_samples = frames * l.codec.frame_samples();
        let rate = u64::from(l.sample_rate.max(1));
        let playing = l
            .fact_samples
            .filter(|&n| n > 0 && n <= total_samples)
            .unwrap_or(total_samples);
        let bitrate_kbps = match l.codec {
            Codec::Pcm { bits, .. } => {
                u64::from(l.sample_rate) * u64::from(l.channels) * u64::from(bits) / 1000
            }
            Codec::Other(_) => 0,
            Codec::Atrac3Plus => u64::from(atrac3plus_nominal_kbps(&l)),
            c => {
                (u64::from(l.frame_bytes) * 8 * u64::from(l.sample_rate) / c.frame_samples() + 500)
                    / 1000
            }
        };
        Self {
            mode: mode_label(&l, bitrate_kbps),
            container: l.container,
            codec: l.codec,
            sample_rate: l.sample_rate,
            channels: l.channels,
            frame_bytes: l.frame_bytes,
            joint_stereo: l.joint_stereo,
            data_offset: l.data_offset,
            frames,
            total_samples,
            duration_ms: playing * 1000 / rate,
            bitrate_kbps: u32::try_from(bitrate_kbps).unwrap_or(u32::MAX),
            protected: l.protected,
            tags: l.tags,
        }
    }
}

/// The bit rates SonicStage, the PSP and Hi-MD offer for ATRAC3plus (Hi-LP is 64, Hi-SP 256).
const ATRAC3PLUS_RATES: [u32; 10] = [32, 48, 64, 96, 128, 160, 192, 256, 320, 352];

/// The bit rate an ATRAC3plus stream is sold as: its exact rate (a 2048-byte frame of 2048
/// samples at 44.1 kHz is 352.8 kbps) snapped to the nearest of Sony's rates within 3 %.
fn atrac3plus_nominal_kbps(l: &Layout) -> u32 {
    let exact = f64::from(l.frame_bytes) * 8.0 * f64::from(l.sample_rate) / 2048.0 / 1000.0;
    ATRAC3PLUS_RATES
        .iter()
        .copied()
        .find(|&n| (exact - f64::from(n)).abs() <= f64::from(n) * 0.03)
        .unwrap_or(exact.round() as u32)
}

fn mode_label(l: &Layout, kbps: u64) -> String {
    match l.codec {
        Codec::Atrac3Plus => format!("A3+ {kbps}"),
        Codec::Atrac3 if l.channels == 1 => "mono".into(),
        Codec::Atrac3 if l.frame_bytes == 384 => "LP2".into(),
        Codec::Atrac3 if l.frame_bytes == 304 => "105 kbps".into(),
        Codec::Atrac3 if l.frame_bytes == 192 => "LP4".into(),
        Codec::Atrac1 => "SP".into(),
        Codec::Pcm { .. } => "PCM".into(),
        Codec::Other(name) => name.to_uppercase(),
        Codec::Atrac3 => format!("{kbps} kbps"),
    }
}

/// True for the extensions this module reads (`.oma`, `.omg`, `.aa3`, `.at3`, `.aea`).
pub fn is_sony_extension(path: &Path) -> bool {
    path.extension().is_some_and(|ext| {
        let ext = ext.as_encoded_bytes();
        SONY_EXTENSIONS
            .iter()
            .any(|known| known.as_bytes().eq_ignore_ascii_case(ext))
    })
}

fn parse_layout<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<Layout, CodecError> {
    let mut head = [0u8; 12];
    let n = read_up_to(r, &mut head)?;
    let head = &head[..n];
    if oma::sniff(head) || head.starts_with(b"ID3") {
        oma::parse(r, file_len)
    } else if riff::sniff(head) {
        riff::parse(r, file_len)
    } else if aea::sniff(head) {
        aea::parse(r, file_len)
    } else {
        Err(CodecError::UnknownFormat)
    }
}

fn read_up_to<R: Read + Seek>(r: &mut R, buf: &mut [u8]) -> Result<usize, CodecError> {
    r.seek(SeekFrom::Start(0))?;
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// Reads the container and tags of an OMA/OMG/AA3, AT3/WAV or AEA file.
pub fn probe(path: &Path) -> Result<SonyFileInfo, CodecError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    probe_reader(&mut BufReader::new(file), len)
}

/// [`probe`] over any seekable reader of `len` bytes.
pub fn probe_reader<R: Read + Seek>(r: &mut R, len: u64) -> Result<SonyFileInfo, CodecError> {
    parse_layout(r, len).map(SonyFileInfo::from_layout)
}

/// Opens a file for decoding: ATRAC3, ATRAC1 and ATRAC3plus in any of the Sony containers,
/// and plain PCM WAV. A protected file is [`CodecError::Protected`]; the other codecs an
/// OpenMG file may hold (MP3, WMA, LPCM, ATRAC Advanced Lossless) and ATRAC3plus with more than
/// two channels are [`CodecError::Unsupported`].
pub fn open(path: &Path) -> Result<Box<dyn Decoder>, CodecError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    open_reader(BufReader::with_capacity(64 * 1024, file), len)
}

/// [`open`] over any seekable reader of `len` bytes (buffer it: frames are read one by one).
pub fn open_reader<R>(mut reader: R, len: u64) -> Result<Box<dyn Decoder>, CodecError>
where
    R: Read + Seek + Send + 'static,
{
    let layout = parse_layout(&mut reader, len)?;
    if layout.protected {
        return Err(CodecError::Protected);
    }
    match layout.codec {
        Codec::Atrac3 | Codec::Atrac1 | Codec::Atrac3Plus => {
            Ok(Box::new(stream::FrameStream::new(reader, &layout)?))
        }
        Codec::Pcm { .. } => Ok(Box::new(stream::PcmStream::new(reader, &layout)?)),
        Codec::Other(name) => Err(CodecError::Unsupported(format!(
            "not supported yet: {name} in an OpenMG file"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn unknown_bytes_are_not_a_sony_file() {
        let mut c = Cursor::new(b"fLaC\0\0\0\x22".to_vec());
        assert!(matches!(
            probe_reader(&mut c, 8),
            Err(CodecError::UnknownFormat)
        ));
        let mut c = Cursor::new(Vec::new());
        assert!(matches!(
            probe_reader(&mut c, 0),
            Err(CodecError::UnknownFormat)
        ));
    }

    #[test]
    fn labels_and_bit_rates() {
        let mut bytes = oma::tests::ea3_header(0xFFFF, 0, 0x00_2030);
        bytes.extend(vec![0u8; 384 * 10]);
        let len = bytes.len() as u64;
        let info = probe_reader(&mut Cursor::new(bytes), len).unwrap();
        assert_eq!(info.mode, "LP2");
        assert_eq!(info.bitrate_kbps, 132);
        assert_eq!(info.total_samples, 10240);
        assert_eq!(info.duration_ms, 10240 * 1000 / 44100);
        assert_eq!(info.codec_name(), "atrac3");

        let bytes = riff::tests::at3_bytes(1, 152, false, 3);
        let len = bytes.len() as u64;
        let info = probe_reader(&mut Cursor::new(bytes), len).unwrap();
        assert_eq!(info.mode, "mono");
        assert_eq!(info.channels, 1);
    }

    #[test]
    fn atrac3plus_modes_carry_sonys_bit_rates() {
        for (frame_bytes, label) in [
            (2048, "A3+ 352"),
            (1488, "A3+ 256"),
            (744, "A3+ 128"),
            (376, "A3+ 64"),
            (280, "A3+ 48"),
            (1000, "A3+ 172"),
        ] {
            let params = (2 << 10) | (0x2000 + frame_bytes / 8 - 1);
            let mut bytes = oma::tests::ea3_header(0xFFFF, 1, params);
            bytes.extend(vec![0u8; frame_bytes as usize * 3]);
            let len = bytes.len() as u64;
            let info = probe_reader(&mut Cursor::new(bytes), len).unwrap();
            assert_eq!(info.frame_bytes, frame_bytes);
            assert_eq!(info.mode, label);
            assert_eq!(info.total_samples, 3 * 2048);
        }
    }

    #[test]
    fn sony_extensions() {
        assert!(is_sony_extension(Path::new("a/b.OMA")));
        assert!(is_sony_extension(Path::new("b.aea")));
        assert!(!is_sony_extension(Path::new("b.wav")));
    }
}
