//! Turning a source file into what goes on the wire: SP as 44.1 kHz stereo 16-bit big-endian
//! PCM (any playable source, resampled with rubato), LP2/LP4 as the ATRAC3 frames of a source
//! that already has the right frame size, untouched.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rubato::{FftFixedIn, Resampler};

use super::TransferError;
use crate::codec::{self, Codec};
use crate::device::Mode;
use crate::device::send::WireFormat;
use crate::player;

pub const SP_RATE: u32 = 44_100;
/// Frames fed to the resampler at a time.
const RESAMPLE_CHUNK: usize = 4096;

/// The mode a queue item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModeRequest {
    Sp,
    Lp2,
    Lp4,
    /// The best quality that fits: an ATRAC3 source's own mode, else SP.
    Auto,
}

impl ModeRequest {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "sp" => Some(Self::Sp),
            "lp2" => Some(Self::Lp2),
            "lp4" => Some(Self::Lp4),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sp => "sp",
            Self::Lp2 => "lp2",
            Self::Lp4 => "lp4",
            Self::Auto => "auto",
        }
    }
}

/// What a source is, found without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    pub duration_ms: u64,
    pub channels: u16,
    /// The ATRAC3 wire format the file can be sent in untouched.
    pub atrac3: Option<WireFormat>,
    /// Why the file cannot go untouched (for the LP refusal message).
    pub codec_label: String,
}

fn atrac3_format(frame_bytes: u32, channels: u16) -> Option<WireFormat> {
    match (frame_bytes, channels) {
        (384, 2) => Some(WireFormat::LP2),
        (192, 2) => Some(WireFormat::LP4),
        (304, 2) => Some(WireFormat::LP105),
        _ => None,
    }
}

/// Reads what the pre-flight checks need: duration, and whether the file is ATRAC3 that an LP
/// mode can take as it is.
pub fn inspect(path: &Path) -> Result<SourceFacts, TransferError> {
    let open_err = |e: codec::CodecError| TransferError::Source {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    if let Ok(info) = codec::probe(path)
        && !matches!(info.codec, Codec::Pcm { .. })
    {
        if info.protected {
            return Err(TransferError::Source {
                path: path.to_path_buf(),
                detail: codec::PROTECTED_LABEL.into(),
            });
        }
        let atrac3 = match info.codec {
            Codec::Atrac3 => atrac3_format(info.frame_bytes, info.channels),
            _ => None,
        };
        return Ok(SourceFacts {
            duration_ms: info.duration_ms,
            channels: info.channels,
            atrac3,
            codec_label: format!("{} {}", info.codec_name(), info.mode),
        });
    }
    let decoder = player::source::open(path).map_err(open_err)?;
    let rate = u64::from(decoder.sample_rate().max(1));
    let duration_ms = decoder.total_frames().map_or(0, |f| f * 1000 / rate);
    Ok(SourceFacts {
        duration_ms,
        channels: decoder.channels(),
        atrac3: None,
        codec_label: "PCM/compressed audio".into(),
    })
}

/// Chooses the wire format for a request, or says why it cannot be done.
pub fn choose_format(
    path: &Path,
    request: ModeRequest,
    facts: &SourceFacts,
    native_mono: bool,
    source_mono: bool,
) -> Result<WireFormat, TransferError> {
    let sp = if native_mono && source_mono {
        WireFormat::SP_MONO
    } else {
        WireFormat::SP_STEREO
    };
    let lp = |mode: Mode| match facts.atrac3 {
        Some(f) if f.mode == mode => Ok(f),
        _ => Err(TransferError::NeedsAtrac3 {
            path: path.to_path_buf(),
            mode,
            found: facts.codec_label.clone(),
        }),
    };
    match request {
        ModeRequest::Sp => Ok(sp),
        ModeRequest::Lp2 => lp(Mode::LP2),
        ModeRequest::Lp4 => lp(Mode::LP4),
        ModeRequest::Auto => Ok(facts.atrac3.unwrap_or(sp)),
    }
}

/// The plaintext payload of a send (not yet padded or encrypted).
pub fn wire_payload(
    path: &Path,
    format: WireFormat,
    cancelled: &dyn Fn() -> bool,
) -> Result<Vec<u8>, TransferError> {
    if format.wire == WireFormat::SP_STEREO.wire {
        sp_payload(path, format.channels, cancelled)
    } else {
        atrac3_frames(path, format)
    }
}

/// The ATRAC3 frames of the file, container stripped.
fn atrac3_frames(path: &Path, format: WireFormat) -> Result<Vec<u8>, TransferError> {
    let source_err = |detail: String| TransferError::Source {
        path: path.to_path_buf(),
        detail,
    };
    let info = codec::probe(path).map_err(|e| source_err(e.to_string()))?;
    if info.codec != Codec::Atrac3 || atrac3_format(info.frame_bytes, info.channels) != Some(format)
    {
        return Err(source_err(format!(
            "{} {} cannot be sent as {} untouched",
            info.codec_name(),
            info.mode,
            format.mode
        )));
    }
    let len = info
        .frames
        .checked_mul(u64::from(info.frame_bytes))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| source_err("too many frames".into()))?;
    let mut file = File::open(path).map_err(|e| source_err(e.to_string()))?;
    file.seek(SeekFrom::Start(info.data_offset))
        .map_err(|e| source_err(e.to_string()))?;
    let mut frames = vec![0u8; len];
    file.read_exact(&mut frames)
        .map_err(|e| source_err(format!("the audio data ends early: {e}")))?;
    Ok(frames)
}

/// Decodes any playable file to 44.1 kHz 16-bit big-endian PCM, stereo (or mono when the
/// recorder takes mono and `channels` is 1).
fn sp_payload(
    path: &Path,
    channels: u8,
    cancelled: &dyn Fn() -> bool,
) -> Result<Vec<u8>, TransferError> {
    let source_err = |detail: String| TransferError::Source {
        path: path.to_path_buf(),
        detail,
    };
    let mut decoder = player::source::open(path).map_err(|e| source_err(e.to_string()))?;
    let rate = decoder.sample_rate();
    let source_channels = usize::from(decoder.channels().max(1));
    let out_channels = usize::from(channels.max(1));
    let estimate = decoder
        .total_frames()
        .map_or(0, |f| f as usize * out_channels * 2);
    let mut out = Vec::with_capacity(estimate.min(1 << 30));
    let mut block = Vec::new();
    let mut resampler = if rate == SP_RATE {
        None
    } else {
        Some(Resample::new(rate, out_channels).map_err(source_err)?)
    };
    loop {
        if cancelled() {
            return Err(TransferError::Cancelled);
        }
        block.clear();
        let more = decoder
            .next_block(&mut block)
            .map_err(|e| source_err(e.to_string()))?;
        let frames = block.chunks_exact(source_channels);
        match resampler.as_mut() {
            None => {
                // The common case (CD audio): a straight byte swap.
                for frame in frames {
                    push_frame(&mut out, frame, out_channels);
                }
            }
            Some(r) => {
                for frame in frames {
                    r.push(frame, out_channels);
                }
                r.drain(&mut out, false).map_err(source_err)?;
            }
        }
        if !more {
            break;
        }
    }
    if let Some(r) = resampler.as_mut() {
        r.drain(&mut out, true).map_err(source_err)?;
    }
    Ok(out)
}

/// Writes one frame as big-endian samples: mono is duplicated to stereo, extra channels are
/// dropped (the front pair is what a recorder plays).
fn push_frame(out: &mut Vec<u8>, frame: &[i16], out_channels: usize) {
    let left = frame[0];
    let right = frame.get(1).copied().unwrap_or(left);
    out.extend_from_slice(&left.to_be_bytes());
    if out_channels == 2 {
        out.extend_from_slice(&right.to_be_bytes());
    }
}

/// rubato over a growing input, producing 44.1 kHz.
struct Resample {
    inner: FftFixedIn<f32>,
    input: Vec<Vec<f32>>,
    /// Output frames still to skip (the resampler's delay).
    skip: usize,
    in_frames: u64,
    out_frames: u64,
    ratio: f64,
}

impl Resample {
    fn new(rate: u32, channels: usize) -> Result<Self, String> {
        let inner =
            FftFixedIn::<f32>::new(rate as usize, SP_RATE as usize, RESAMPLE_CHUNK, 2, channels)
                .map_err(|e| format!("cannot resample from {rate} Hz: {e}"))?;
        let skip = inner.output_delay();
        Ok(Self {
            inner,
            input: vec![Vec::new(); channels],
            skip,
            in_frames: 0,
            out_frames: 0,
            ratio: f64::from(SP_RATE) / f64::from(rate.max(1)),
        })
    }

    fn push(&mut self, frame: &[i16], channels: usize) {
        let left = frame[0];
        let right = frame.get(1).copied().unwrap_or(left);
        self.input[0].push(f32::from(left) / 32768.0);
        if channels == 2 {
            self.input[1].push(f32::from(right) / 32768.0);
        }
        self.in_frames += 1;
    }

    fn drain(&mut self, out: &mut Vec<u8>, last: bool) -> Result<(), String> {
        let err = |e: rubato::ResampleError| format!("resampling failed: {e}");
        loop {
            let need = self.inner.input_frames_next();
            if self.input[0].len() >= need {
                let chunk: Vec<Vec<f32>> = self
                    .input
                    .iter_mut()
                    .map(|c| c.drain(..need).collect())
                    .collect();
                let produced = self.inner.process(&chunk, None).map_err(err)?;
                self.emit(out, &produced, false);
            } else if last {
                let wanted = (self.in_frames as f64 * self.ratio).ceil() as u64;
                // Feed the rest, then silence until the delayed tail is out.
                let rest: Vec<Vec<f32>> = self.input.iter_mut().map(std::mem::take).collect();
                let produced = self.inner.process_partial(Some(&rest), None).map_err(err)?;
                self.emit(out, &produced, false);
                let mut guard = 0;
                while self.out_frames < wanted && guard < 64 {
                    let produced = self
                        .inner
                        .process_partial::<Vec<f32>>(None, None)
                        .map_err(err)?;
                    self.emit(out, &produced, false);
                    guard += 1;
                }
                let excess = self.out_frames.saturating_sub(wanted) as usize;
                let frame_bytes = 2 * self.input.len();
                out.truncate(out.len().saturating_sub(excess * frame_bytes));
                return Ok(());
            } else {
                return Ok(());
            }
        }
    }

    fn emit(&mut self, out: &mut Vec<u8>, produced: &[Vec<f32>], _: bool) {
        let frames = produced.first().map_or(0, Vec::len);
        for i in 0..frames {
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            for ch in produced {
                let v = (ch[i] * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
                out.extend_from_slice(&v.to_be_bytes());
            }
            self.out_frames += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_is_duplicated_and_big_endian() {
        let mut out = Vec::new();
        push_frame(&mut out, &[0x0102], 2);
        assert_eq!(out, [0x01, 0x02, 0x01, 0x02]);
        let mut out = Vec::new();
        push_frame(&mut out, &[1, 2, 3], 2);
        assert_eq!(out, [0, 1, 0, 2]);
    }

    #[test]
    fn resampling_keeps_the_length() {
        let mut r = Resample::new(48_000, 2).unwrap();
        for i in 0..48_000 {
            let v = ((i as f32 * 0.05).sin() * 10_000.0) as i16;
            r.push(&[v, v], 2);
        }
        let mut out = Vec::new();
        r.drain(&mut out, false).unwrap();
        r.drain(&mut out, true).unwrap();
        assert_eq!(out.len(), 44_100 * 4);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(ModeRequest::parse("LP2"), Some(ModeRequest::Lp2));
        assert_eq!(
            ModeRequest::parse("auto").map(ModeRequest::as_str),
            Some("auto")
        );
        assert_eq!(ModeRequest::parse("hq"), None);
    }
}
