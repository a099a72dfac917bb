//! Analysis: the decoder's synthesis run backwards. The three-stage QMF tree splits 1024
//! samples into four bands of 256, (0, 1) from the low half and (3, 2) from the high half, as
//! the decoder merges them; each band's last two blocks are windowed and transformed by a
//! 512 → 256 MDCT whose output the decoder's IMDCT, window and overlap-add turn back into the
//! block; the spectra of bands 1 and 3 are reversed, because the QMF leaves them inverted.

use crate::mdct::Mdct;
use crate::qmf::QmfAnalysis;

/// Samples per channel and frame.
pub(crate) const FRAME: usize = 1024;
/// Samples (and MDCT lines) per band and frame.
pub(crate) const BAND: usize = 256;

/// The MDCT's scale: the decoder's IMDCT scales by 1/32768 with a sign flip, and its window
/// times ours overlaps to 2 per sample pair; a plain MDCT/IMDCT pair gains N/2 = 256.
const MDCT_SCALE: f64 = -32768.0 / 256.0;

/// The rising half of the analysis window, `s_i` = sin(((i + ½)/256 − ½)π) + 1; the falling half
/// is its mirror image. The decoder's window is this one normalised for perfect overlap.
pub(crate) fn encode_window() -> [f32; BAND] {
    let mut w = [0f32; BAND];
    for (i, v) in w.iter_mut().enumerate() {
        *v = ((((i as f64 + 0.5) / BAND as f64) - 0.5) * std::f64::consts::PI).sin() as f32 + 1.0;
    }
    w
}

/// The QMF tree of one channel: PCM in, four bands out.
#[derive(Clone)]
pub(crate) struct BandSplitter {
    stages: [QmfAnalysis; 3],
    low: [f32; FRAME / 2],
    high: [f32; FRAME / 2],
}

impl BandSplitter {
    pub fn new() -> Self {
        Self {
            stages: [QmfAnalysis::new(), QmfAnalysis::new(), QmfAnalysis::new()],
            low: [0.0; FRAME / 2],
            high: [0.0; FRAME / 2],
        }
    }

    /// Splits one frame of `pcm` (full scale ±1) into `bands` (band b at `b·256..`).
    pub fn run(&mut self, pcm: &[f32; FRAME], bands: &mut [f32; FRAME]) {
        let [s0, s1, s2] = &mut self.stages;
        s0.run(pcm, &mut self.low, &mut self.high);
        let (b01, b23) = bands.split_at_mut(2 * BAND);
        let (b0, b1) = b01.split_at_mut(BAND);
        let (b2, b3) = b23.split_at_mut(BAND);
        s1.run(&self.low, b0, b1);
        // The decoder merges (3, 2) into the high half: band 3 is the low output here.
        s2.run(&self.high, b3, b2);
    }
}

/// The windowed 512 → 256 MDCT of one band.
pub(crate) struct Transform {
    mdct: Mdct,
    window: [f32; BAND],
    buf: [f32; 2 * BAND],
}

impl Transform {
    pub fn new() -> Self {
        Self {
            mdct: Mdct::new(2 * BAND, MDCT_SCALE),
            window: encode_window(),
            buf: [0.0; 2 * BAND],
        }
    }

    /// The spectrum of band `band` over `prev` (the previous block, scaled by `prev_scale`) and
    /// `cur`, in the bitstream's line order (bands 1 and 3 reversed).
    pub fn run(
        &mut self,
        band: usize,
        prev: &[f32],
        cur: &[f32],
        prev_scale: f32,
        out: &mut [f32],
    ) {
        let (first, second) = self.buf.split_at_mut(BAND);
        for ((d, &x), &w) in first.iter_mut().zip(prev).zip(&self.window) {
            *d = x * w * prev_scale;
        }
        for ((d, &x), &w) in second.iter_mut().zip(cur).zip(self.window.iter().rev()) {
            *d = x * w;
        }
        self.mdct.forward(&self.buf, out);
        if band & 1 == 1 {
            out[..BAND].reverse();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::atrac3::imdct_window;
    use crate::gain::{GainInfo, GainTables};
    use crate::mdct::Imdct;
    use crate::qmf::QmfSynthesis;
    use crate::test_signals::music;

    /// The decoder's synthesis of one channel from spectra, without a bitstream: IMDCT,
    /// window, overlap-add and the three QMF stages, as `Atrac3::decode_unit` and
    /// `synthesize` do them.
    pub struct Synthesis {
        imdct: Imdct,
        window: [f32; 512],
        gain: GainTables,
        overlap: [f32; FRAME],
        qmf: [QmfSynthesis; 3],
    }

    impl Synthesis {
        pub fn new() -> Self {
            Self {
                imdct: Imdct::new(512, 1.0 / 32768.0),
                window: imdct_window(),
                gain: GainTables::atrac3(),
                overlap: [0.0; FRAME],
                qmf: [
                    QmfSynthesis::new(),
                    QmfSynthesis::new(),
                    QmfSynthesis::new(),
                ],
            }
        }

        pub fn run(&mut self, spectrum: &[f32; FRAME], pcm: &mut [f32; FRAME]) {
            let mut bands = [0f32; FRAME];
            let none = GainInfo::default();
            for band in 0..4 {
                let mut spec = [0f32; BAND];
                spec.copy_from_slice(&spectrum[band * BAND..(band + 1) * BAND]);
                if band & 1 == 1 {
                    spec.reverse();
                }
                let mut out = [0f32; 2 * BAND];
                self.imdct.full(&spec, &mut out);
                for (x, &w) in out.iter_mut().zip(&self.window) {
                    *x *= w;
                }
                let range = band * BAND..(band + 1) * BAND;
                self.gain.compensate(
                    &out,
                    &mut self.overlap[range.clone()],
                    &none,
                    &none,
                    &mut bands[range],
                );
            }
            let (mut low, mut high) = ([0f32; 512], [0f32; 512]);
            let [q0, q1, q2] = &mut self.qmf;
            q0.run(&bands[0..256], &bands[256..512], &mut low);
            q1.run(&bands[768..1024], &bands[512..768], &mut high);
            q2.run(&low, &high, pcm);
        }
    }

    /// The full analysis of one channel, as the encoder runs it without gain control.
    pub fn analyse(
        splitter: &mut BandSplitter,
        t: &mut Transform,
        prev: &mut [f32; FRAME],
        pcm: &[f32; FRAME],
    ) -> [f32; FRAME] {
        let mut bands = [0f32; FRAME];
        splitter.run(pcm, &mut bands);
        let mut spectrum = [0f32; FRAME];
        for b in 0..4 {
            let r = b * BAND..(b + 1) * BAND;
            t.run(
                b,
                &prev[r.clone()],
                &bands[r.clone()],
                1.0,
                &mut spectrum[r],
            );
        }
        *prev = bands;
        spectrum
    }

    /// The fixed delay of analysis + synthesis: 92 samples per QMF stage at its input rate
    /// (92 + 2 · 92) and one block of 256 band samples (1024 samples).
    pub const DELAY: usize = 92 + 2 * 92 + FRAME;

    #[test]
    fn analysis_then_synthesis_is_within_one_lsb_after_the_delay() {
        let input = music(FRAME * 12, 5);
        let (mut split, mut t, mut syn) = (BandSplitter::new(), Transform::new(), Synthesis::new());
        let mut prev = [0f32; FRAME];
        let mut output = Vec::new();
        for frame in input.chunks_exact(FRAME) {
            let spectrum = analyse(&mut split, &mut t, &mut prev, frame.try_into().unwrap());
            let mut pcm = [0f32; FRAME];
            syn.run(&spectrum, &mut pcm);
            output.extend_from_slice(&pcm);
        }
        let mut worst = 0f32;
        for i in 0..input.len() - DELAY {
            worst = worst.max((output[i + DELAY] - input[i]).abs() * 32768.0);
        }
        assert!(worst <= 1.0, "largest error {worst} LSB");
    }

    #[test]
    fn the_spectrum_is_in_frequency_order() {
        // A 7 kHz tone lands in band 1 (5.5–11 kHz), near line 7000 / 22050 · 1024 ≈ 325.
        let input: Vec<f32> = (0..FRAME * 4)
            .map(|i| (2.0 * std::f32::consts::PI * 7000.0 * i as f32 / 44100.0).sin() * 0.5)
            .collect();
        let (mut split, mut t) = (BandSplitter::new(), Transform::new());
        let mut prev = [0f32; FRAME];
        let mut spectrum = [0f32; FRAME];
        for frame in input.chunks_exact(FRAME) {
            spectrum = analyse(&mut split, &mut t, &mut prev, frame.try_into().unwrap());
        }
        let peak = (0..FRAME)
            .max_by(|&a, &b| spectrum[a].abs().total_cmp(&spectrum[b].abs()))
            .unwrap();
        assert!((320..=330).contains(&peak), "peak at line {peak}");
    }
}
