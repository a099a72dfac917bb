//! What a source file is ([`inspect`]), how it goes on the wire ([`route`]), and reading it:
//! ATRAC3 frames untouched, or any playable file decoded and resampled (rubato) to 44.1 kHz.
//! [`super::gapless`] turns the samples into wire bytes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rubato::{FftFixedIn, Resampler};

use super::TransferError;
use atrac::{Atrac3Mode, Codec};
use library::TransferMode;
use media::player;
use netmd::send::WireFormat;

pub const SP_RATE: u32 = 44_100;
/// Frames fed to the resampler at a time.
const RESAMPLE_CHUNK: usize = 4096;
/// Bytes a resampling decode keeps back from the spill file: the resampler's last drain cuts
/// its overshoot (under one chunk of output) off the end of what was produced.
const RESAMPLE_HOLDBACK: usize = 1 << 18;

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
    let open_err = |e: atrac::CodecError| TransferError::Source {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    if let Ok(info) = atrac::probe(path)
        && !matches!(info.codec, Codec::Pcm { .. })
    {
        if info.protected {
            return Err(TransferError::Source {
                path: path.to_path_buf(),
                detail: atrac::PROTECTED_LABEL.into(),
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

/// How an item's audio is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The source's ATRAC3 frames, container stripped, as they are: no generation loss.
    Untouched,
    /// Decoded to 44.1 kHz PCM, which the recorder encodes (SP).
    Pcm,
    /// Decoded and encoded to ATRAC3 here.
    Encode(Atrac3Mode),
}

/// What an item becomes on the wire and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub format: WireFormat,
    pub feed: Feed,
}

impl Route {
    /// Whether the item's audio is made from decoded samples (and so can run on into the
    /// next item's without a gap).
    pub fn decodes(self) -> bool {
        self.feed != Feed::Untouched
    }
}

/// How a request is carried out. `Auto` here is an item's own choice (an ATRAC3 source in its
/// mode, else SP); the queue-wide choice for `Auto` is [`super::plan::plan_auto`]'s. An ATRAC3
/// source already in the requested frame size goes untouched; anything else is encoded.
pub fn route(request: TransferMode, facts: &SourceFacts, native_mono: bool) -> Route {
    let pcm = Route {
        format: if native_mono && facts.channels == 1 {
            WireFormat::SP_MONO
        } else {
            WireFormat::SP_STEREO
        },
        feed: Feed::Pcm,
    };
    let lp = |format: WireFormat, mode: Atrac3Mode| match facts.atrac3 {
        Some(f) if f == format => Route {
            format,
            feed: Feed::Untouched,
        },
        _ => Route {
            format,
            feed: Feed::Encode(mode),
        },
    };
    match request {
        TransferMode::Sp => pcm,
        TransferMode::Lp2 => lp(WireFormat::LP2, Atrac3Mode::Lp2),
        TransferMode::Lp105 => lp(WireFormat::LP105, Atrac3Mode::Lp105),
        TransferMode::Lp4 => lp(WireFormat::LP4, Atrac3Mode::Lp4),
        TransferMode::Auto => facts.atrac3.map_or(pcm, |format| Route {
            format,
            feed: Feed::Untouched,
        }),
    }
}

/// The ATRAC3 frames of the file, container stripped.
pub(crate) fn untouched_frames(path: &Path, format: WireFormat) -> Result<Vec<u8>, TransferError> {
    let source_err = |detail: String| TransferError::Source {
        path: path.to_path_buf(),
        detail,
    };
    let info = atrac::probe(path).map_err(|e| source_err(e.to_string()))?;
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

/// Decodes any playable file to 44.1 kHz interleaved samples, `channels` of them (mono is
/// duplicated to stereo, extra channels dropped), handing them to `take` a block at a time.
pub(crate) fn decode_samples(
    path: &Path,
    channels: u8,
    cancelled: &dyn Fn() -> bool,
    take: &mut dyn FnMut(&[i16]) -> Result<(), TransferError>,
) -> Result<(), TransferError> {
    let frame_bytes = 2 * usize::from(channels.max(1));
    let mut samples = Vec::new();
    let mut hand_over = |pcm: &[u8]| {
        samples.clear();
        samples.extend(
            pcm.chunks_exact(2)
                .map(|b| i16::from_be_bytes([b[0], b[1]])),
        );
        take(&samples)
    };
    let mut pcm = Vec::with_capacity(1 << 19);
    sp_decode(path, channels, cancelled, &mut pcm, &mut |out, keep| {
        // Whole sample frames only, short of what the resampler may still cut.
        let ready = out.len().saturating_sub(keep);
        let ready = ready - ready % frame_bytes;
        if ready >= 1 << 16 {
            hand_over(&out[..ready])?;
            out.drain(..ready);
        }
        Ok(())
    })?;
    let rest = pcm.len() - pcm.len() % frame_bytes;
    hand_over(&pcm[..rest])
}

/// Where decoded PCM goes: called after each block with what was produced and not yet taken;
/// it may take from the front, short of the last `keep` bytes.
type PcmSink<'a> = dyn FnMut(&mut Vec<u8>, usize) -> Result<(), TransferError> + 'a;

/// The decode loop: appends 44.1 kHz big-endian PCM to `out`, handing it to `sink` block by
/// block.
fn sp_decode(
    path: &Path,
    channels: u8,
    cancelled: &dyn Fn() -> bool,
    out: &mut Vec<u8>,
    sink: &mut PcmSink<'_>,
) -> Result<(), TransferError> {
    let source_err = |detail: String| TransferError::Source {
        path: path.to_path_buf(),
        detail,
    };
    let mut decoder = player::source::open(path).map_err(|e| source_err(e.to_string()))?;
    let rate = decoder.sample_rate();
    let source_channels = usize::from(decoder.channels().max(1));
    let out_channels = usize::from(channels.max(1));
    let mut block = Vec::new();
    let mut resampler = if rate == SP_RATE {
        None
    } else {
        Some(Resample::new(rate, out_channels).map_err(source_err)?)
    };
    let keep = if resampler.is_some() {
        RESAMPLE_HOLDBACK
    } else {
        0
    };
    loop {
        if cancelled() {
            return Err(TransferError::Cancelled);
        }
        block.clear();
        let more = decoder
            .next_block(&mut block)
            .map_err(|e| source_err(e.to_string()))?;
        match resampler.as_mut() {
            // The common case (CD audio): a straight byte swap.
            None => push_frames(out, &block, source_channels, out_channels),
            Some(r) => {
                r.push_frames(&block, source_channels, out_channels);
                r.drain(out, false).map_err(source_err)?;
            }
        }
        sink(out, keep)?;
        if !more {
            break;
        }
    }
    if let Some(r) = resampler.as_mut() {
        r.drain(out, true).map_err(source_err)?;
    }
    Ok(())
}

/// [`push_frame`] for every whole frame of interleaved `samples`.
fn push_frames(out: &mut Vec<u8>, samples: &[i16], source_channels: usize, out_channels: usize) {
    if source_channels == out_channels && out_channels <= 2 {
        // Every sample is written as it is: swap the bytes of the whole block at once.
        let samples = &samples[..samples.len() - samples.len() % source_channels];
        let start = out.len();
        out.resize(start + samples.len() * 2, 0);
        for (dst, sample) in out[start..].chunks_exact_mut(2).zip(samples) {
            dst.copy_from_slice(&sample.to_be_bytes());
        }
    } else {
        let frames = samples.chunks_exact(source_channels);
        out.reserve(frames.len() * out_channels.min(2) * 2);
        for frame in frames {
            push_frame(out, frame, out_channels);
        }
    }
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
    /// Where rubato writes, reused from chunk to chunk.
    output: Vec<Vec<f32>>,
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
        let output = inner.output_buffer_allocate(true);
        Ok(Self {
            inner,
            input: vec![Vec::new(); channels],
            output,
            skip,
            in_frames: 0,
            out_frames: 0,
            ratio: f64::from(SP_RATE) / f64::from(rate.max(1)),
        })
    }

    /// One frame (the tests feed frames one by one).
    #[cfg(test)]
    fn push(&mut self, frame: &[i16], channels: usize) {
        self.push_frames(frame, frame.len().max(1), channels);
    }

    /// Queues every whole frame of interleaved `samples`: the first channel, and the second
    /// (or the first again, for a mono source) when `channels` is 2; extra channels are dropped.
    fn push_frames(&mut self, samples: &[i16], source_channels: usize, channels: usize) {
        let frames = samples.chunks_exact(source_channels);
        let count = frames.len();
        let scale = |s: i16| f32::from(s) / 32768.0;
        self.input[0].extend(frames.clone().map(|f| scale(f[0])));
        if channels == 2 {
            self.input[1].extend(frames.map(|f| scale(f.get(1).copied().unwrap_or(f[0]))));
        }
        self.in_frames += count as u64;
    }

    fn drain(&mut self, out: &mut Vec<u8>, last: bool) -> Result<(), String> {
        let err = |e: rubato::ResampleError| format!("resampling failed: {e}");
        loop {
            let need = self.inner.input_frames_next();
            if self.input[0].len() >= need {
                let chunk: Vec<&[f32]> = self.input.iter().map(|c| &c[..need]).collect();
                let (_, produced) = self
                    .inner
                    .process_into_buffer(&chunk, &mut self.output, None)
                    .map_err(err)?;
                for c in &mut self.input {
                    c.drain(..need);
                }
                self.emit(out, produced);
            } else if last {
                let wanted = (self.in_frames as f64 * self.ratio).ceil() as u64;
                // Feed the rest, then silence until the delayed tail is out.
                let (_, produced) = self
                    .inner
                    .process_partial_into_buffer(Some(&self.input), &mut self.output, None)
                    .map_err(err)?;
                for c in &mut self.input {
                    c.clear();
                }
                self.emit(out, produced);
                let mut guard = 0;
                while self.out_frames < wanted && guard < 64 {
                    let (_, produced) = self
                        .inner
                        .process_partial_into_buffer::<Vec<f32>, _>(None, &mut self.output, None)
                        .map_err(err)?;
                    self.emit(out, produced);
                    guard += 1;
                }
                let excess = self.out_frames.saturating_sub(wanted) as usize;
                let frame_bytes = 2 * self.input.len();
                // The overshoot must still be in `out` (see RESAMPLE_HOLDBACK): cutting less
                // would leave resampler noise at the end of the track.
                let cut = excess * frame_bytes;
                if cut > out.len() {
                    return Err(format!(
                        "resampling overshot by {cut} bytes, more than was kept back"
                    ));
                }
                out.truncate(out.len() - cut);
                return Ok(());
            } else {
                return Ok(());
            }
        }
    }

    /// Writes the first `frames` frames of the output buffer, less what is still to skip.
    fn emit(&mut self, out: &mut Vec<u8>, frames: usize) {
        let skipped = self.skip.min(frames);
        self.skip -= skipped;
        let channels = self.output.len();
        let start = out.len();
        out.resize(start + (frames - skipped) * channels * 2, 0);
        let dst = &mut out[start..];
        for (c, produced) in self.output.iter().enumerate() {
            let samples = produced.get(skipped..frames).unwrap_or_default();
            for (frame, &v) in dst.chunks_exact_mut(channels * 2).zip(samples) {
                frame[c * 2..c * 2 + 2].copy_from_slice(&to_i16(v).to_be_bytes());
            }
        }
        self.out_frames += (frames - skipped) as u64;
    }
}

/// `(v * 32768).round().clamp(-32768, 32767) as i16`, without a call to the C library's
/// `roundf` per sample (x86-64's baseline instruction set has no rounding instruction).
fn to_i16(v: f32) -> i16 {
    let scaled = (v * 32768.0).clamp(-32768.0, 32767.0);
    // Exact: |scaled| < 2^23, so the fraction is representable.
    let whole = scaled as i32;
    let fraction = scaled - whole as f32;
    let rounded = whole + i32::from(fraction >= 0.5) - i32::from(fraction <= -0.5);
    rounded as i16
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
    fn block_writes_match_frame_writes() {
        let samples: Vec<i16> = (0..997).map(|i| (i * 7919 - 30_000) as i16).collect();
        for source_channels in [1, 2, 3, 6] {
            for out_channels in [1, 2] {
                let mut expected = Vec::new();
                for frame in samples.chunks_exact(source_channels) {
                    push_frame(&mut expected, frame, out_channels);
                }
                let mut out = vec![9];
                push_frames(&mut out, &samples, source_channels, out_channels);
                assert_eq!(out[0], 9);
                assert_eq!(out[1..], expected[..], "{source_channels} → {out_channels}");
            }
        }
    }

    #[test]
    fn sample_conversion_rounds_like_f32_round() {
        let reference = |v: f32| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        let mut values = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            1.5,
            -1.5,
        ];
        for i in -70_000..70_000 {
            // Whole and half steps, and the floats either side of them.
            let v = i as f32 / 2.0 / 32768.0;
            values.extend([v, v.next_up(), v.next_down()]);
        }
        for v in values {
            assert_eq!(to_i16(v), reference(v), "{v:e}");
        }
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
}
