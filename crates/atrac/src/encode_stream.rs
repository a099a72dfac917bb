//! The streaming shell both encoders share: interleaved 16-bit PCM in any amount is cut into
//! frames of each channel's samples, every whole frame goes to the encoder's frame function,
//! and the bytes it writes wait until they are taken. A flush pads with silence until every
//! sample pushed comes out of a decoder.

/// The pending input and the encoded output of one encoder.
pub(crate) struct EncodeStream {
    /// Channels of the input, and channels coded (a mono input coded as two copies).
    input_channels: usize,
    frame_samples: usize,
    frame_bytes: usize,
    /// Samples from an input sample to the same sample out of a decoder.
    delay: usize,
    /// Input not yet encoded, per coded channel, full scale ±1.
    pending: Vec<Vec<f32>>,
    /// Frames encoded and not yet taken.
    out: Vec<u8>,
    frames_out: usize,
    samples_pushed: u64,
    /// Samples per channel handed to the encoder, silence of flushes included.
    samples_fed: u64,
}

impl EncodeStream {
    pub fn new(
        input_channels: usize,
        coded_channels: usize,
        frame_samples: usize,
        frame_bytes: usize,
        delay: usize,
    ) -> Self {
        Self {
            input_channels: input_channels.max(1),
            frame_samples,
            frame_bytes,
            delay,
            pending: vec![Vec::with_capacity(frame_samples); coded_channels.max(1)],
            out: Vec::new(),
            frames_out: 0,
            samples_pushed: 0,
            samples_fed: 0,
        }
    }

    /// Feeds interleaved samples (an incomplete last sample frame is ignored); `encode` gets
    /// each whole frame (one slice per coded channel) and the frame's bytes to fill.
    pub fn push(&mut self, samples: &[i16], encode: &mut impl FnMut(&[Vec<f32>], &mut [u8])) {
        let frames = samples.chunks_exact(self.input_channels);
        self.samples_pushed += frames.len() as u64;
        for f in frames {
            let first = f32::from(f[0]) / 32768.0;
            for (c, p) in self.pending.iter_mut().enumerate() {
                p.push(f.get(c).map_or(first, |&s| f32::from(s) / 32768.0));
            }
            if self.pending[0].len() == self.frame_samples {
                self.encode_pending(encode);
            }
        }
    }

    /// Encodes the tail: pads with silence until every sample pushed so far comes out of a
    /// decoder (after the delay).
    pub fn flush(&mut self, encode: &mut impl FnMut(&[Vec<f32>], &mut [u8])) {
        let end = self.samples_fed + self.pending[0].len() as u64 + self.delay as u64;
        while self.samples_fed < end {
            for p in &mut self.pending {
                p.resize(self.frame_samples, 0.0);
            }
            self.encode_pending(encode);
        }
    }

    /// Appends every frame encoded so far to `out` and returns how many.
    pub fn take_frames(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.out.len() / self.frame_bytes;
        out.extend_from_slice(&self.out);
        self.out.clear();
        n
    }

    /// Frames encoded so far (taken or not).
    pub fn frames_encoded(&self) -> usize {
        self.frames_out
    }

    /// Sample frames pushed so far (without the silence of flushes).
    pub fn samples_pushed(&self) -> u64 {
        self.samples_pushed
    }

    fn encode_pending(&mut self, encode: &mut impl FnMut(&[Vec<f32>], &mut [u8])) {
        let start = self.out.len();
        self.out.resize(start + self.frame_bytes, 0);
        encode(&self.pending, &mut self.out[start..]);
        for p in &mut self.pending {
            p.clear();
        }
        self.samples_fed += self.frame_samples as u64;
        self.frames_out += 1;
    }
}

/// The public streaming methods of an encoder: `push`, `flush`, `take_frames`,
/// `frames_encoded` and `samples_pushed`, for a struct whose `stream` field is an
/// [`EncodeStream`] and whose `core` field has `encode_stream_frame(&mut self, &[Vec<f32>],
/// &mut [u8])`.
macro_rules! streaming_methods {
    () => {
        /// Feeds interleaved 16-bit samples (any number; an incomplete last sample frame is
        /// ignored) and encodes every whole frame they complete.
        pub fn push(&mut self, samples: &[i16]) {
            let core = &mut self.core;
            self.stream.push(samples, &mut |pcm, frame| {
                core.encode_stream_frame(pcm, frame)
            });
        }

        /// Encodes the tail: pads with silence until every sample pushed so far comes out of
        /// a decoder (after the encoder's delay). Pushing may go on afterwards, behind that
        /// silence; to join tracks without a gap, keep pushing and flush only at the very end.
        pub fn flush(&mut self) {
            let core = &mut self.core;
            self.stream
                .flush(&mut |pcm, frame| core.encode_stream_frame(pcm, frame));
        }

        /// Appends every frame encoded so far to `out` and returns how many.
        pub fn take_frames(&mut self, out: &mut Vec<u8>) -> usize {
            self.stream.take_frames(out)
        }

        /// Frames encoded so far (taken or not).
        pub fn frames_encoded(&self) -> usize {
            self.stream.frames_encoded()
        }

        /// Sample frames pushed so far (without the silence of flushes).
        pub fn samples_pushed(&self) -> u64 {
            self.stream.samples_pushed()
        }
    };
}

pub(crate) use streaming_methods;
