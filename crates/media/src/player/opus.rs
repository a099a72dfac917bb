//! Opus through the pure-Rust `opus-decoder` crate (symphonia 0.5 has no Opus decoder), as a
//! symphonia decoder: Ogg Opus files go through symphonia's demuxer like Vorbis, which trims
//! the last page's padding; the encoder's pre-skip at the start is trimmed here.

use symphonia::core::audio::{AsAudioBufferRef, AudioBuffer, AudioBufferRef, Signal, SignalSpec};
use symphonia::core::codecs::{
    CODEC_TYPE_OPUS, CodecDescriptor, CodecParameters, Decoder, DecoderOptions, FinalizeResult,
};
use symphonia::core::errors::{Error, Result, decode_error, unsupported_error};
use symphonia::core::formats::Packet;
use symphonia::core::support_codec;

/// Opus decodes at 48 kHz, whatever rate the source had.
const RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAMES: usize = 5760;

pub(crate) struct OpusDecoder {
    inner: opus_decoder::OpusDecoder,
    params: CodecParameters,
    buf: AudioBuffer<i16>,
    /// One packet's samples, interleaved, as the decoder writes them.
    interleaved: Vec<i16>,
    channels: usize,
    /// The encoder's pre-skip: the stream's first samples, which are not part of the audio.
    pre_skip: u64,
}

impl Decoder for OpusDecoder {
    fn try_new(params: &CodecParameters, _options: &DecoderOptions) -> Result<Self> {
        let Some(layout) = params.channels else {
            return unsupported_error("opus: the stream does not say its channels");
        };
        let channels = layout.count();
        if !(1..=2).contains(&channels) {
            // Surround Opus needs the multistream decoder and the stream's channel mapping.
            return unsupported_error("opus: more than two channels");
        }
        let inner = opus_decoder::OpusDecoder::new(RATE, channels)
            .map_err(|_| Error::Unsupported("opus: cannot create a decoder"))?;
        Ok(OpusDecoder {
            inner,
            params: params.clone(),
            buf: AudioBuffer::new(MAX_FRAMES as u64, SignalSpec::new(RATE, layout)),
            interleaved: vec![0; MAX_FRAMES * channels],
            channels,
            pre_skip: u64::from(params.delay.unwrap_or(0)),
        })
    }

    fn supported_codecs() -> &'static [CodecDescriptor] {
        &[support_codec!(CODEC_TYPE_OPUS, "opus", "Opus")]
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    fn codec_params(&self) -> &CodecParameters {
        &self.params
    }

    fn decode(&mut self, packet: &Packet) -> Result<AudioBufferRef<'_>> {
        self.buf.clear();
        let Ok(frames) = self
            .inner
            .decode(packet.buf(), &mut self.interleaved, false)
        else {
            return decode_error("opus: invalid packet");
        };
        let frames = frames.min(MAX_FRAMES);
        self.buf.render_reserved(Some(frames));
        for channel in 0..self.channels {
            let samples = self.interleaved.iter().skip(channel).step_by(self.channels);
            for (out, &sample) in self.buf.chan_mut(channel).iter_mut().zip(samples) {
                *out = sample;
            }
        }
        // Timestamps count from the first sample of the stream, pre-skip included.
        let pre_skip = self.pre_skip.saturating_sub(packet.ts()) as usize;
        let start = (packet.trim_start() as usize).max(pre_skip);
        self.buf.trim(start, packet.trim_end() as usize);
        Ok(self.buf.as_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> AudioBufferRef<'_> {
        self.buf.as_audio_buffer_ref()
    }
}
