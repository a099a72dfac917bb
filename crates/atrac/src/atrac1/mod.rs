//! The ATRAC1 (SP) decoder: per channel a 212-byte sound unit with 52 block floating units
//! over three QMF bands, adaptive long/short IMDCT blocks, and two QMF stages; and its
//! encoder ([`encoder`]).

mod encoder;
mod tables;

pub use encoder::Atrac1Encoder;

use self::tables::{
    BFU_AMOUNT, BFU_AMOUNT_TAB2, BFU_AMOUNT_TAB3, BFU_BANDS, BFU_START_LONG, BFU_START_SHORT,
    SPECS_PER_BFU,
};
use super::atrac3::to_i16;
use super::bits::BitReader;
use super::error::CodecError;
use super::mdct::Imdct;
use super::qmf::{QmfSynthesis, scale_factors};

pub(crate) const SAMPLES_PER_FRAME: usize = 512;
pub(crate) const SOUND_UNIT_BYTES: usize = 212;
const MAX_BITS: usize = SOUND_UNIT_BYTES * 8;
const MAX_BFU: usize = 52;
/// Samples per QMF band in one sound unit: low, middle, high.
const BAND_SAMPLES: [usize; 3] = [128, 128, 256];
/// The high band waits this long so that it lines up with the low/middle QMF output.
const HIGH_BAND_DELAY: usize = 39;
const CODEC: &str = "ATRAC1";

type FrameResult<T> = Result<T, &'static str>;

struct ChannelState {
    /// This frame's and the previous frame's IMDCT outputs, indexed like the spectrum.
    current: [f32; SAMPLES_PER_FRAME],
    previous: [f32; SAMPLES_PER_FRAME],
    low_mid_qmf: QmfSynthesis,
    final_qmf: QmfSynthesis,
    /// The delayed high band: 39 samples from the previous frame, then this frame's 256.
    high_delay: [f32; 256 + HIGH_BAND_DELAY],
}

impl ChannelState {
    fn new() -> Self {
        Self {
            current: [0.0; SAMPLES_PER_FRAME],
            previous: [0.0; SAMPLES_PER_FRAME],
            low_mid_qmf: QmfSynthesis::new(),
            final_qmf: QmfSynthesis::new(),
            high_delay: [0.0; 256 + HIGH_BAND_DELAY],
        }
    }
}

pub(crate) struct Atrac1 {
    channels: usize,
    states: Vec<ChannelState>,
    scale: [f32; 64],
    /// The 32-point sine window of the block overlaps.
    sine: [f32; 32],
    /// IMDCTs of 32 (short blocks), 128 and 256 lines.
    imdct_short: Imdct,
    imdct_mid: Imdct,
    imdct_long: Imdct,
    spec: [f32; SAMPLES_PER_FRAME],
    bands: [[f32; 256]; 3],
    low_mid: [f32; 256],
    pcm: [f32; SAMPLES_PER_FRAME],
}

impl Atrac1 {
    pub fn new(channels: u16) -> Result<Self, CodecError> {
        if !(1..=2).contains(&channels) {
            return Err(CodecError::header(
                "AEA",
                format!("ATRAC1 has one or two channels, not {channels}"),
            ));
        }
        let mut sine = [0f32; 32];
        for (i, w) in sine.iter_mut().enumerate() {
            *w = ((i as f64 + 0.5) * (std::f64::consts::PI / 64.0)).sin() as f32;
        }
        let scale = -1.0 / 32768.0;
        Ok(Self {
            channels: usize::from(channels),
            states: (0..channels).map(|_| ChannelState::new()).collect(),
            scale: scale_factors(),
            sine,
            imdct_short: Imdct::new(64, scale),
            imdct_mid: Imdct::new(256, scale),
            imdct_long: Imdct::new(512, scale),
            spec: [0.0; SAMPLES_PER_FRAME],
            bands: [[0.0; 256]; 3],
            low_mid: [0.0; 256],
            pcm: [0.0; SAMPLES_PER_FRAME],
        })
    }

    pub fn frame_bytes(&self) -> usize {
        SOUND_UNIT_BYTES * self.channels
    }

    pub fn reset(&mut self) {
        for s in &mut self.states {
            *s = ChannelState::new();
        }
    }

    /// Decodes one frame (one sound unit per channel), appending `512 × channels` interleaved
    /// samples; on a corrupt frame nothing is appended.
    pub fn decode_frame(&mut self, frame: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if frame.len() < self.frame_bytes() {
            return Err(CodecError::frame(CODEC, "the frame is truncated"));
        }
        let start = out.len();
        out.resize(start + SAMPLES_PER_FRAME * self.channels, 0);
        for ch in 0..self.channels {
            let unit = &frame[ch * SOUND_UNIT_BYTES..(ch + 1) * SOUND_UNIT_BYTES];
            if let Err(detail) = self.decode_unit(ch, unit) {
                out.truncate(start);
                return Err(CodecError::frame(CODEC, detail));
            }
            for (o, &x) in out[start + ch..]
                .iter_mut()
                .step_by(self.channels)
                .zip(&self.pcm)
            {
                *o = to_i16(x);
            }
        }
        Ok(())
    }

    fn decode_unit(&mut self, ch: usize, unit: &[u8]) -> FrameResult<()> {
        let mut bits = BitReader::new(unit);
        let log2_blocks = parse_block_size_mode(&mut bits)?;
        self.unpack_spectrum(&mut bits, &log2_blocks)?;
        self.imdct_blocks(ch, &log2_blocks);
        self.synthesize(ch);
        Ok(())
    }

    fn unpack_spectrum(
        &mut self,
        bits: &mut BitReader<'_>,
        log2_blocks: &[u32; 3],
    ) -> FrameResult<()> {
        let num_bfus = BFU_AMOUNT[bits.read(3) as usize];
        let mut bits_used = num_bfus * 10
            + 32
            + BFU_AMOUNT_TAB2[bits.read(2) as usize]
            + (BFU_AMOUNT_TAB3[bits.read(3) as usize] << 1);
        let mut word_lens = [0u32; MAX_BFU];
        let mut sf_index = [0usize; MAX_BFU];
        for w in &mut word_lens[..num_bfus] {
            *w = bits.read(4);
        }
        for s in &mut sf_index[..num_bfus] {
            *s = bits.read(6) as usize;
        }
        for band in 0..3 {
            for bfu in BFU_BANDS[band]..BFU_BANDS[band + 1] {
                let count = SPECS_PER_BFU[bfu];
                // Word length index n > 0 means n + 1 bits.
                let wl = word_lens[bfu] + u32::from(word_lens[bfu] != 0);
                bits_used += wl as usize * count;
                if bits_used > MAX_BITS {
                    return Err("the spectrum does not fit the sound unit");
                }
                let pos = if log2_blocks[band] != 0 {
                    BFU_START_SHORT[bfu]
                } else {
                    BFU_START_LONG[bfu]
                };
                let out = &mut self.spec[pos..pos + count];
                if wl == 0 {
                    out.fill(0.0);
                    continue;
                }
                let sf = self.scale[sf_index[bfu]];
                let max_quant = (1.0 / f64::from(((1u32 << (wl - 1)) - 1) as f32)) as f32;
                for o in out {
                    *o = bits.read_signed(wl) as f32 * sf * max_quant;
                }
            }
        }
        Ok(())
    }

    /// The IMDCT of each band's blocks, overlapped with the sine window into `self.bands`.
    fn imdct_blocks(&mut self, ch: usize, log2_blocks: &[u32; 3]) {
        let state = &mut self.states[ch];
        let mut ref_pos = 0;
        for band in 0..3 {
            let band_samples = BAND_SAMPLES[band];
            let num_blocks = 1usize << log2_blocks[band];
            let block_size = if num_blocks == 1 { band_samples } else { 32 };
            let imdct = match block_size {
                32 => &mut self.imdct_short,
                128 => &mut self.imdct_mid,
                _ => &mut self.imdct_long,
            };
            let mut start = 0;
            for _ in 0..num_blocks {
                let spec = &mut self.spec[ref_pos + start..ref_pos + start + block_size];
                if band != 0 {
                    // Middle and high bands come out of the QMF spectrally inverted.
                    spec.reverse();
                }
                imdct.half(
                    spec,
                    &mut state.current[ref_pos + start..ref_pos + start + block_size],
                );
                // The previous block's last 16 samples overlap this block's first 16.
                let prev: [f32; 16] = if start == 0 {
                    let p = ref_pos + band_samples - 16;
                    state.previous[p..p + 16].try_into().unwrap_or([0.0; 16])
                } else {
                    let p = ref_pos + start - 16;
                    state.current[p..p + 16].try_into().unwrap_or([0.0; 16])
                };
                let cur = &state.current[ref_pos + start..ref_pos + start + 16];
                let dst = &mut self.bands[band][start..start + 32];
                for k in 0..16 {
                    let (s0, s1) = (prev[k], cur[15 - k]);
                    let (wi, wj) = (self.sine[k], self.sine[31 - k]);
                    dst[k] = s0 * wj - s1 * wi;
                    dst[31 - k] = s0 * wi + s1 * wj;
                }
                start += block_size;
            }
            if num_blocks == 1 {
                self.bands[band][32..band_samples]
                    .copy_from_slice(&state.current[ref_pos + 16..ref_pos + band_samples - 16]);
            }
            ref_pos += band_samples;
        }
        std::mem::swap(&mut state.current, &mut state.previous);
    }

    fn synthesize(&mut self, ch: usize) {
        let state = &mut self.states[ch];
        state.low_mid_qmf.run(
            &self.bands[0][..128],
            &self.bands[1][..128],
            &mut self.low_mid,
        );
        state.high_delay.copy_within(256.., 0);
        state.high_delay[HIGH_BAND_DELAY..].copy_from_slice(&self.bands[2]);
        state
            .final_qmf
            .run(&self.low_mid, &state.high_delay[..256], &mut self.pcm);
    }
}

/// The block size mode: log2 of the number of IMDCT blocks per band (0 = one long block).
fn parse_block_size_mode(bits: &mut BitReader<'_>) -> FrameResult<[u32; 3]> {
    let mut log2 = [0u32; 3];
    for l in &mut log2[..2] {
        let v = bits.read(2);
        if v & 1 != 0 {
            return Err("invalid block size mode");
        }
        *l = 2 - v;
    }
    let v = bits.read(2);
    if v != 0 && v != 3 {
        return Err("invalid block size mode");
    }
    log2[2] = 3 - v;
    bits.skip(2);
    Ok(log2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_size_mode_bits() {
        // Low long (2), mid short (0), high long (3).
        let data = [0b1000_1100];
        let mut r = BitReader::new(&data);
        assert_eq!(parse_block_size_mode(&mut r), Ok([0, 2, 0]));
        let data = [0b0100_0000];
        let mut r = BitReader::new(&data);
        assert!(parse_block_size_mode(&mut r).is_err());
    }

    #[test]
    fn garbage_frames_are_errors_or_full_frames() {
        let mut dec = Atrac1::new(2).unwrap();
        let mut out = Vec::new();
        for seed in 0u32..300 {
            let mut s = seed;
            let frame: Vec<u8> = (0..424)
                .map(|_| {
                    s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (s >> 16) as u8
                })
                .collect();
            let before = out.len();
            match dec.decode_frame(&frame, &mut out) {
                Ok(()) => assert_eq!(out.len(), before + 1024),
                Err(_) => assert_eq!(out.len(), before),
            }
        }
        assert!(dec.decode_frame(&[0; 100], &mut out).is_err());
        assert!(Atrac1::new(3).is_err());
    }

    #[test]
    fn silence_in_silence_out() {
        let mut dec = Atrac1::new(1).unwrap();
        // Long blocks everywhere (mode bits 10 10 11), 20 BFUs all with word length 0.
        let mut unit = [0u8; 212];
        unit[0] = 0b1010_1100;
        let mut out = Vec::new();
        dec.decode_frame(&unit, &mut out).unwrap();
        assert_eq!(out.len(), 512);
        assert!(out.iter().all(|&s| s == 0));
    }
}
