//! The ATRAC3 encoder: LP2 (384-byte frames), 105 kbps (304) and LP4 (192, joint stereo),
//! 44.1 kHz stereo, streaming.
//!
//! The stages, in order, each in its own module:
//! - [`analysis`]: the three-stage QMF tree into four bands and the 512 → 256 MDCT per band,
//!   mirroring the decoder's synthesis;
//! - [`stereo`] (LP4): the matrix per band and frame and the channel weighting per frame;
//! - [`gain`]: gain control, transient detection and gain points against pre-echo;
//! - [`psy`]: the psychoacoustic model, a masking threshold per subband;
//! - [`tonal`]: strong peaks coded apart, when the frame comes out better with them;
//! - [`alloc`] and [`quant`]: scale factors, word lengths and coding mode for the smallest
//!   noise-to-mask ratio in the frame's bits;
//! - [`unit`] and [`bitwriter`]: the sound units as the decoder reads them.
//!
//! [`Atrac3Encoder`] takes PCM in any amount, hands out whole frames, and on
//! [`flush`](Atrac3Encoder::flush) encodes the tail. The delay from an input sample to the
//! same sample out of a decoder is [`CODEC_DELAY`] samples, always.

mod alloc;
mod analysis;
pub(crate) mod bitwriter;
mod gain;
pub(crate) mod psy;
mod quant;
mod stereo;
mod tonal;
mod unit;

use std::fmt;
use std::str::FromStr;

use self::alloc::{Allocation, BfuOptions, UnitPlan};
use self::analysis::{BAND, BandSplitter, FRAME, Transform};
use self::bitwriter::BitWriter;
use self::gain::GainDetector;
use self::psy::{PsyState, PsyTables};
use self::quant::{BFUS, QuantTables};
use self::tonal::Tonal;
use self::unit::JointSide;
use crate::encode_stream::{EncodeStream, streaming_methods};
use crate::error::CodecError;
use crate::gain::GainInfo;

/// Samples per channel in one ATRAC3 frame.
pub const SAMPLES_PER_FRAME: usize = FRAME;

/// Samples from an input sample to the same sample out of a decoder: the QMF analysis and
/// synthesis take 92 samples per stage at each stage's rate (92 + 2 · 92) and the MDCT's
/// overlap one frame (1024). Constant for every mode and signal.
pub const CODEC_DELAY: usize = 92 + 2 * 92 + FRAME;

/// An ATRAC3 mode: the frame size and whether the channels are coded jointly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Atrac3Mode {
    /// 132 kbps: 384-byte frames, two independent 192-byte units.
    Lp2,
    /// 105 kbps: 304-byte frames, two independent 152-byte units.
    Lp105,
    /// 66 kbps: 192-byte frames, joint stereo.
    Lp4,
}

impl Atrac3Mode {
    /// Every mode, highest bit rate first.
    pub const ALL: [Self; 3] = [Self::Lp2, Self::Lp105, Self::Lp4];

    /// Bytes of one frame, both channels.
    pub fn frame_bytes(self) -> usize {
        match self {
            Self::Lp2 => 384,
            Self::Lp105 => 304,
            Self::Lp4 => 192,
        }
    }

    /// True for joint stereo (LP4).
    pub fn joint_stereo(self) -> bool {
        self == Self::Lp4
    }

    /// The bit rate in bits per second at 44.1 kHz.
    pub fn bitrate(self) -> u32 {
        (self.frame_bytes() as u32 * 8 * 44_100).div_ceil(FRAME as u32)
    }

    /// The name `--mode` takes: `lp2`, `lp105`, `lp4`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lp2 => "lp2",
            Self::Lp105 => "lp105",
            Self::Lp4 => "lp4",
        }
    }
}

impl fmt::Display for Atrac3Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Atrac3Mode {
    type Err = CodecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                CodecError::Unsupported(format!("unknown ATRAC3 mode {s:?} (lp2, lp105 or lp4)"))
            })
    }
}

/// Per channel: the band splitter and the previous block of each band.
struct ChannelState {
    splitter: BandSplitter,
    /// This frame's bands, and the previous frame's (the first half of the MDCT window).
    bands: [f32; FRAME],
    prev: [f32; FRAME],
    psy: PsyState,
}

/// Per sound unit: what the MDCT needs from the previous frame.
struct UnitState {
    /// The unit's band signal of the previous frame (after matrixing and gain control).
    prev: [f32; FRAME],
    detector: GainDetector,
    spectrum: [f32; FRAME],
    gain: [GainInfo; 4],
    /// The masking threshold of each subband, and the weight of its noise.
    masks: [f32; BFUS],
    weights: [f32; BFUS],
    sfs: [u8; BFUS],
    tonal: Tonal,
    /// The previous block had gain points.
    attack_before: bool,
}

impl UnitState {
    /// True when this frame's window holds an attack: this block or the previous one has gain
    /// points.
    fn transient(&mut self) -> bool {
        let attack = self.gain.iter().any(|g| g.num_points > 0);
        let transient = attack || self.attack_before;
        self.attack_before = attack;
        transient
    }

    /// The allocation's weights from the masks, the spectrum and the gain control.
    fn weigh(&mut self, psy: &PsyTables) {
        let transient = self.transient();
        psy::weights(
            psy,
            &self.masks,
            &self.spectrum,
            transient,
            &mut self.weights,
        );
    }
}

/// Everything the frame encoder keeps, boxed once.
struct Core {
    mode: Atrac3Mode,
    quant: QuantTables,
    psy: PsyTables,
    transform: Transform,
    channels: [ChannelState; 2],
    units: [UnitState; 2],
    /// LP4: the matrix and weighting of the previous frame.
    stereo: stereo::StereoChoice,
    /// LP4: choose a channel weighting from the signal (off only to measure what it gains).
    weigh: bool,
    allocs: Vec<Allocation>,
    /// log₂ of the last bit prices the allocation found (per unit; LP4 uses the first).
    price_hints: [f32; 2],
    /// Lines and table selector of tonal components.
    tonal_shape: (usize, usize),
    /// LP4: the second unit before it is reversed into the frame's end.
    scratch: Vec<u8>,
}

/// A streaming ATRAC3 encoder for 44.1 kHz input of one or two channels (one is coded as
/// two identical ones).
///
/// ```
/// use atrac::{Atrac3Encoder, Atrac3Mode};
/// let mut enc = Atrac3Encoder::new(Atrac3Mode::Lp2, 2).unwrap();
/// enc.push(&vec![0i16; 2 * 3000]);
/// enc.flush();
/// let mut frames = Vec::new();
/// let n = enc.take_frames(&mut frames);
/// assert_eq!(frames.len(), n * 384);
/// ```
pub struct Atrac3Encoder {
    stream: EncodeStream,
    core: Box<Core>,
}

impl Atrac3Encoder {
    /// An encoder for `channels` (1 or 2) interleaved channels at 44.1 kHz.
    #[expect(
        clippy::large_stack_arrays,
        reason = "the channel and unit states are built once per encoder, then boxed"
    )]
    pub fn new(mode: Atrac3Mode, channels: u16) -> Result<Self, CodecError> {
        if !(1..=2).contains(&channels) {
            return Err(CodecError::Unsupported(format!(
                "the ATRAC3 encoder takes 1 or 2 channels, not {channels}"
            )));
        }
        let psy = PsyTables::new(psy::PsyParams::for_mode(mode));
        let channel = || ChannelState {
            splitter: BandSplitter::new(),
            bands: [0.0; FRAME],
            prev: [0.0; FRAME],
            psy: PsyState::new(&psy),
        };
        let unit = || UnitState {
            prev: [0.0; FRAME],
            detector: GainDetector::new(),
            spectrum: [0.0; FRAME],
            gain: [GainInfo::default(); 4],
            masks: [1.0; BFUS],
            weights: [1.0; BFUS],
            attack_before: false,
            sfs: [0; BFUS],
            tonal: Tonal::none(),
        };
        let core = Box::new(Core {
            mode,
            quant: QuantTables::new(),
            transform: Transform::new(),
            channels: [channel(), channel()],
            units: [unit(), unit()],
            stereo: stereo::StereoChoice::INITIAL,
            weigh: true,
            allocs: Vec::with_capacity(2),
            price_hints: [0.0; 2],
            tonal_shape: if mode.joint_stereo() { (4, 6) } else { (4, 7) },
            scratch: vec![0; mode.frame_bytes()],
            psy,
        });
        Ok(Self {
            stream: EncodeStream::new(
                usize::from(channels),
                2,
                FRAME,
                mode.frame_bytes(),
                CODEC_DELAY,
            ),
            core,
        })
    }

    /// The mode this encoder writes.
    pub fn mode(&self) -> Atrac3Mode {
        self.core.mode
    }

    /// Bytes of one frame.
    pub fn frame_bytes(&self) -> usize {
        self.core.mode.frame_bytes()
    }

    streaming_methods!();
}

/// Decodes every frame of `frames` (whole `mode` frames, back to back) with the crate's
/// decoder and reports the first one it rejects; returns the number of frames. A check for
/// encoder output before it is stored or sent.
pub fn check_frames(mode: Atrac3Mode, frames: &[u8]) -> Result<usize, CodecError> {
    let bytes = mode.frame_bytes();
    if !frames.len().is_multiple_of(bytes) {
        return Err(CodecError::frame("ATRAC3", "a partial frame"));
    }
    let mut dec = crate::atrac3::Atrac3::new(2, bytes, mode.joint_stereo())?;
    let mut pcm = Vec::with_capacity(2 * FRAME);
    for (i, frame) in frames.chunks_exact(bytes).enumerate() {
        pcm.clear();
        dec.decode_frame(frame, &mut pcm)
            .map_err(|e| CodecError::frame("ATRAC3", format!("frame {i}: {e}")))?;
    }
    Ok(frames.len() / bytes)
}

impl Core {
    /// Encodes one frame of the stream's two channels (`FRAME` samples each).
    fn encode_stream_frame(&mut self, pcm: &[Vec<f32>], frame: &mut [u8]) {
        if let [Some(left), Some(right)] = [0, 1].map(|c| {
            pcm.get(c)
                .and_then(|p| <&[f32; FRAME]>::try_from(&p[..]).ok())
        }) {
            self.encode_frame([left, right], frame);
        }
    }

    /// Encodes one frame of both channels into `frame` (`mode.frame_bytes()` long).
    fn encode_frame(&mut self, pcm: [&[f32; FRAME]; 2], frame: &mut [u8]) {
        for (ch, input) in self.channels.iter_mut().zip(pcm) {
            ch.splitter.run(input, &mut ch.bands);
        }
        if self.mode.joint_stereo() {
            self.encode_joint(frame);
        } else {
            self.encode_independent(frame);
        }
        for ch in &mut self.channels {
            ch.prev = ch.bands;
        }
    }

    /// Gain control and the MDCT of a unit over its previous and current band signals.
    fn transform_unit(transform: &mut Transform, unit: &mut UnitState, bands: &[f32; FRAME]) {
        let mut curve = [0f32; BAND];
        for b in 0..4 {
            let r = b * BAND..(b + 1) * BAND;
            let info = unit.detector.detect(b, &bands[r.clone()]);
            gain::curve(&info, &mut curve);
            let mut cur = [0f32; BAND];
            for ((c, &x), &g) in cur.iter_mut().zip(&bands[r.clone()]).zip(&curve) {
                *c = x / g;
            }
            let prev_scale = 1.0 / gain::first_level_gain(&info);
            transform.run(
                b,
                &unit.prev[r.clone()],
                &cur,
                prev_scale,
                &mut unit.spectrum[r.clone()],
            );
            unit.prev[r].copy_from_slice(&cur);
            unit.gain[b] = info;
        }
    }

    /// Measures the options of a unit's spectrum into a plan; `sfs` receives the scale
    /// factors.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        quant: &QuantTables,
        spectrum: &[f32],
        masks: &[f32; BFUS],
        gain: &[GainInfo; 4],
        tonal: &Tonal,
        second_js: bool,
        sfs: &mut [u8; BFUS],
    ) -> UnitPlan {
        let mut bfus = [BfuOptions::default(); BFUS];
        alloc::measure(quant, spectrum, masks, &mut bfus);
        for (sf, o) in sfs.iter_mut().zip(&bfus) {
            *sf = o.sf;
        }
        UnitPlan {
            bfus,
            overhead: unit::overhead_bits(quant, gain, tonal, second_js),
        }
    }

    /// The plan of unit `u` as it is, and, when it has tonal peaks, the plan of its residual
    /// with the peaks coded apart.
    fn unit_variants(&mut self, u: usize, second_js: bool) -> (UnitPlan, Option<TonalVariant>) {
        let (values, quant) = self.tonal_shape;
        let unit = &mut self.units[u];
        unit.tonal.components.clear();
        let plain = Self::plan(
            &self.quant,
            &unit.spectrum,
            &unit.weights,
            &unit.gain,
            &unit.tonal,
            second_js,
            &mut unit.sfs,
        );
        let mut residual = unit.spectrum;
        let mut tonal = Tonal::none();
        if !tonal::extract(&self.quant, &mut residual, values, quant, &mut tonal) {
            return (plain, None);
        }
        // Only the subbands under the components change.
        let mut bfus = plain.bfus;
        for c in &tonal.components {
            let start = usize::from(c.pos);
            alloc::remeasure(
                &self.quant,
                &residual,
                &unit.weights,
                start..start + values,
                &mut bfus,
            );
        }
        let mut sfs = [0u8; BFUS];
        for (sf, o) in sfs.iter_mut().zip(&bfus) {
            *sf = o.sf;
        }
        let tonal_plan = UnitPlan {
            bfus,
            overhead: unit::overhead_bits(&self.quant, &unit.gain, &tonal, second_js),
        };
        (
            plain,
            Some(TonalVariant {
                plan: tonal_plan,
                sfs,
                tonal,
                residual,
            }),
        )
    }

    /// Makes unit `u` code its tonal variant.
    fn adopt(&mut self, u: usize, v: TonalVariant) {
        let unit = &mut self.units[u];
        unit.spectrum = v.residual;
        unit.sfs = v.sfs;
        unit.tonal = v.tonal;
    }

    /// LP2 and 105 kbps: two independent units of half a frame each.
    fn encode_independent(&mut self, frame: &mut [u8]) {
        let half = frame.len() / 2;
        let budget = (half * 8) as u32;
        let fits = |b: &[u32]| b.iter().all(|&x| x <= budget);
        for u in 0..2 {
            let bands = self.channels[u].bands;
            Self::transform_unit(&mut self.transform, &mut self.units[u], &bands);
            let unit = &mut self.units[u];
            self.channels[u]
                .psy
                .thresholds(&self.psy, &unit.spectrum, &mut unit.masks);
            unit.weigh(&self.psy);
            let (plain, variant) = self.unit_variants(u, false);
            let mut best = Vec::with_capacity(1);
            let mut hint = self.price_hints[u];
            alloc::allocate(
                std::slice::from_ref(&plain),
                &fits,
                &mut self.price_hints[u],
                &mut best,
            );
            if let Some(v) = variant {
                let mut with = Vec::with_capacity(1);
                alloc::allocate(std::slice::from_ref(&v.plan), &fits, &mut hint, &mut with);
                if with[0].nmr < best[0].nmr {
                    best = with;
                    self.price_hints[u] = hint;
                    self.adopt(u, v);
                }
            }
            let unit = &self.units[u];
            let mut w = BitWriter::new(&mut frame[u * half..(u + 1) * half]);
            unit::write_unit(&mut w, &self.quant, None, unit, &best[0]);
            debug_assert!(!w.overflowed() && w.position() == best[0].bits as usize);
        }
    }

    /// LP4: a matrix per band, then two units sharing the frame.
    fn encode_joint(&mut self, frame: &mut [u8]) {
        // The left and right spectra for the masking model and the matrix choice.
        let mut spectra = [[0f32; FRAME]; 2];
        let mut masks = [[0f32; BFUS]; 2];
        for (ch, (spec, mask)) in self
            .channels
            .iter_mut()
            .zip(spectra.iter_mut().zip(masks.iter_mut()))
        {
            for b in 0..4 {
                let r = b * BAND..(b + 1) * BAND;
                self.transform.run(
                    b,
                    &ch.prev[r.clone()],
                    &ch.bands[r.clone()],
                    1.0,
                    &mut spec[r],
                );
            }
            ch.psy.thresholds(&self.psy, spec, mask);
        }
        let choice = stereo::choose(&spectra, &masks, self.weigh);
        let mut weighted = [self.channels[0].bands, self.channels[1].bands];
        stereo::unweight(&mut weighted, self.stereo.weighting, choice.weighting);
        let mut unit_bands = [[0f32; FRAME]; 2];
        {
            let [c1, c2] = &mut unit_bands;
            let [left, right] = &weighted;
            for (b, (&prev, &sel)) in self.stereo.matrix.iter().zip(&choice.matrix).enumerate() {
                let r = b * BAND..(b + 1) * BAND;
                stereo::matrix_block(
                    &left[r.clone()],
                    &right[r.clone()],
                    prev,
                    sel,
                    &mut c1[r.clone()],
                    &mut c2[r],
                );
            }
        }
        let mut transient = false;
        for (unit, bands) in self.units.iter_mut().zip(&unit_bands) {
            Self::transform_unit(&mut self.transform, unit, bands);
            transient |= unit.transient();
        }
        // The noise of either unit ends up in the left and right channels: both the masks and
        // the weights of the units come from the channels'.
        let mut channel_weights = [[0f32; BFUS]; 2];
        for ch in 0..2 {
            psy::weights(
                &self.psy,
                &masks[ch],
                &spectra[ch],
                transient,
                &mut channel_weights[ch],
            );
        }
        let mut unit_masks = [[0f32; BFUS]; 2];
        stereo::unit_masks(&masks, choice, &mut unit_masks);
        let mut unit_weights = [[0f32; BFUS]; 2];
        stereo::unit_masks(&channel_weights, choice, &mut unit_weights);
        let mut plain = Vec::with_capacity(2);
        let mut variants = Vec::with_capacity(2);
        for u in 0..2 {
            self.units[u].masks = unit_masks[u];
            self.units[u].weights = unit_weights[u];
            let (p, v) = self.unit_variants(u, u == 1);
            plain.push(p);
            variants.push(v);
        }
        let frame_bytes = frame.len() as u32;
        let fits = |b: &[u32]| b[0].div_ceil(8) + b[1].div_ceil(8) <= frame_bytes;
        let mut allocs = std::mem::take(&mut self.allocs);
        let mut hint = self.price_hints[0];
        alloc::allocate(&plain, &fits, &mut self.price_hints[0], &mut allocs);
        if variants.iter().any(Option::is_some) {
            let with_plans: Vec<UnitPlan> = variants
                .iter()
                .zip(&plain)
                .map(|(v, p)| v.as_ref().map_or_else(|| p.clone(), |v| v.plan.clone()))
                .collect();
            let mut with = Vec::with_capacity(2);
            alloc::allocate(&with_plans, &fits, &mut hint, &mut with);
            let total = |a: &[Allocation]| a.iter().map(|x| x.nmr).sum::<f32>();
            if total(&with) < total(&allocs) {
                allocs = with;
                self.price_hints[0] = hint;
                for (u, v) in variants.into_iter().enumerate() {
                    if let Some(v) = v {
                        self.adopt(u, v);
                    }
                }
            }
        }
        let side = JointSide {
            weighting: choice.weighting,
            matrix: choice.matrix,
        };
        let first_len = allocs[0].bits.div_ceil(8) as usize;
        {
            let mut w = BitWriter::new(&mut frame[..first_len]);
            unit::write_unit(&mut w, &self.quant, None, &self.units[0], &allocs[0]);
            debug_assert!(!w.overflowed());
        }
        // The second unit runs backwards from the end of the frame.
        let second_len = frame.len() - first_len;
        {
            let mut w = BitWriter::new(&mut self.scratch[..second_len]);
            unit::write_unit(&mut w, &self.quant, Some(&side), &self.units[1], &allocs[1]);
            debug_assert!(!w.overflowed());
        }
        for (dst, &b) in frame[first_len..]
            .iter_mut()
            .rev()
            .zip(&self.scratch[..second_len])
        {
            *dst = b;
        }
        self.stereo = choice;
        self.allocs = allocs;
    }
}

/// A unit with its tonal peaks coded apart.
struct TonalVariant {
    plan: UnitPlan,
    sfs: [u8; BFUS],
    tonal: Tonal,
    residual: [f32; FRAME],
}

#[cfg(test)]
mod tests;
