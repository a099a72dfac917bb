//! Common formats (MP3, FLAC, Ogg Vorbis, WAV, AAC/ALAC in MP4) through symphonia, behind the
//! same [`Decoder`] trait as the in-crate ATRAC decoders.

use std::fs::File;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use atrac::{CodecError, Decoder};

pub struct SymphoniaDecoder {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    track_id: u32,
    sample_rate: u32,
    channels: u16,
    total_frames: Option<u64>,
    buffer: Option<SampleBuffer<i16>>,
    /// Samples decoded while opening (to learn the format) and not yet handed out.
    pending: Vec<i16>,
    /// Frames still to drop after a seek that landed before its target.
    skip_frames: u64,
}

fn convert(e: SymError) -> CodecError {
    match e {
        SymError::IoError(e) => CodecError::Io(e),
        SymError::Unsupported(what) => CodecError::Unsupported(format!("not supported: {what}")),
        SymError::DecodeError(what) => CodecError::frame("audio", what),
        other => CodecError::Unsupported(other.to_string()),
    }
}

impl SymphoniaDecoder {
    pub fn open(path: &Path) -> Result<Self, CodecError> {
        let file = File::open(path)?;
        let stream = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let options = FormatOptions {
            enable_gapless: true,
            ..Default::default()
        };
        let probed = symphonia::default::get_probe()
            .format(&hint, stream, &options, &MetadataOptions::default())
            .map_err(|e| match e {
                SymError::Unsupported(_) => {
                    CodecError::Unsupported("not a supported audio format".into())
                }
                other => convert(other),
            })?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| CodecError::Unsupported("the file has no audio track".into()))?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(convert)?;
        let mut this = Self {
            format,
            decoder,
            track_id,
            sample_rate: params.sample_rate.unwrap_or(0),
            channels: params.channels.map_or(0, |c| c.count() as u16),
            total_frames: params.n_frames,
            buffer: None,
            pending: Vec::new(),
            skip_frames: 0,
        };
        if this.sample_rate == 0 || this.channels == 0 {
            // Some streams only say their format in the first packet.
            let mut first = Vec::new();
            this.decode_next(&mut first)?;
            this.pending = first;
        }
        if this.sample_rate == 0 || this.channels == 0 {
            return Err(CodecError::Unsupported(
                "the stream does not say its sample rate or channels".into(),
            ));
        }
        Ok(this)
    }

    fn decode_next(&mut self, out: &mut Vec<i16>) -> Result<bool, CodecError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(false);
                }
                Err(SymError::ResetRequired) => {
                    self.decoder.reset();
                    continue;
                }
                Err(e) => return Err(convert(e)),
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let audio = match self.decoder.decode(&packet) {
                Ok(audio) => audio,
                // A corrupt packet costs its own few milliseconds, not the whole track.
                Err(SymError::DecodeError(what)) => {
                    tracing::warn!("skipping a corrupt packet: {what}");
                    continue;
                }
                Err(e) => return Err(convert(e)),
            };
            let spec = *audio.spec();
            self.sample_rate = spec.rate;
            self.channels = spec.channels.count() as u16;
            let needed = audio.capacity() as u64;
            let buffer = match &mut self.buffer {
                Some(b) if b.capacity() as u64 >= needed * spec.channels.count() as u64 => b,
                slot => slot.insert(SampleBuffer::new(needed, spec)),
            };
            buffer.copy_interleaved_ref(audio);
            let samples = buffer.samples();
            let channels = usize::from(self.channels.max(1));
            let skip = (self.skip_frames as usize).min(samples.len() / channels);
            self.skip_frames -= skip as u64;
            out.extend_from_slice(&samples[skip * channels..]);
            if samples.len() > skip * channels {
                return Ok(true);
            }
        }
    }
}

impl Decoder for SymphoniaDecoder {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        self.total_frames
    }

    fn next_block(&mut self, out: &mut Vec<i16>) -> Result<bool, CodecError> {
        if !self.pending.is_empty() {
            out.append(&mut self.pending);
            return Ok(true);
        }
        self.decode_next(out)
    }

    fn seek(&mut self, frame: u64) -> Result<u64, CodecError> {
        let seeked = self
            .format
            .seek(
                SeekMode::Accurate,
                SeekTo::TimeStamp {
                    ts: frame,
                    track_id: self.track_id,
                },
            )
            .map_err(convert)?;
        self.decoder.reset();
        self.pending.clear();
        // Formats seek to a packet boundary at or before the target; drop the difference so
        // the position is exact.
        self.skip_frames = seeked.required_ts.saturating_sub(seeked.actual_ts);
        Ok(seeked.required_ts)
    }
}
