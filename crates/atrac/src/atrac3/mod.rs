//! The ATRAC3 decoder (LP2, 105 kbps, LP4 joint stereo, mono): per channel one sound unit of
//! gain control, tonal components and spectrum; four 256-line IMDCTs; three QMF stages.

mod huffman;
pub(crate) mod stereo;
pub(crate) mod tables;

use self::huffman::{HuffmanTables, signed_value};
use self::tables::{CLC_LENGTH, INV_MAX_QUANT, MANTISSA_CLC, MANTISSA_VLC, SUBBAND_TAB};
use super::bits::BitReader;
use super::error::CodecError;
use super::gain::{GainInfo, GainTables};
use super::mdct::Imdct;
use super::qmf::{QmfSynthesis, scale_factors};

pub(crate) const SAMPLES_PER_FRAME: usize = 1024;
const BAND: usize = 256;
const MAX_TONAL: usize = 64;
const CODEC: &str = "ATRAC3";
const MIN_UNIT_BYTES: usize = 64;
const MAX_UNIT_BYTES: usize = 2048;

type FrameResult<T> = Result<T, &'static str>;

#[derive(Clone, Copy, Default)]
struct TonalComponent {
    pos: usize,
    count: usize,
    coef: [f32; 8],
}

/// Everything that persists from frame to frame for one channel.
struct ChannelUnit {
    spectrum: [f32; SAMPLES_PER_FRAME],
    /// Second IMDCT halves waiting to be overlapped, per band.
    overlap: [f32; SAMPLES_PER_FRAME],
    /// The gains of the previous and of the current frame; `gain_switch` says which is which.
    gain: [[GainInfo; 4]; 2],
    gain_switch: usize,
    tonal: [TonalComponent; MAX_TONAL],
    /// The four band signals after overlap, before the QMF.
    bands: [f32; SAMPLES_PER_FRAME],
    qmf: [QmfSynthesis; 3],
}

impl ChannelUnit {
    fn new() -> Self {
        Self {
            spectrum: [0.0; SAMPLES_PER_FRAME],
            overlap: [0.0; SAMPLES_PER_FRAME],
            gain: [[GainInfo::default(); 4]; 2],
            gain_switch: 0,
            tonal: [TonalComponent::default(); MAX_TONAL],
            bands: [0.0; SAMPLES_PER_FRAME],
            qmf: [
                QmfSynthesis::new(),
                QmfSynthesis::new(),
                QmfSynthesis::new(),
            ],
        }
    }
}

/// Joint-stereo side information; the matrix selectors take effect one frame late.
#[derive(Default)]
struct JointStereo {
    matrix_prev: [u8; 4],
    matrix_now: [u8; 4],
    matrix_next: [u8; 4],
    weighting: [u8; 6],
}

impl JointStereo {
    fn new() -> Self {
        Self {
            matrix_prev: [3; 4],
            matrix_now: [3; 4],
            matrix_next: [3; 4],
            weighting: [0, 7, 0, 7, 0, 7],
        }
    }
}

/// Tables shared by all channels.
struct Tables {
    huffman: HuffmanTables,
    gain: GainTables,
    scale: [f32; 64],
    window: [f32; 512],
}

impl Tables {
    fn new() -> Self {
        Self {
            huffman: HuffmanTables::new(),
            gain: GainTables::atrac3(),
            scale: scale_factors(),
            window: imdct_window(),
        }
    }
}

/// The 512-point synthesis window: the encoder's sine window normalised so that overlapped
/// halves add up to one.
pub(crate) fn imdct_window() -> [f32; 512] {
    let mut w = [0f32; 512];
    for i in 0..128 {
        let j = 255 - i;
        let wi = ((i as f64 + 0.5) / 256.0 - 0.5) * std::f64::consts::PI;
        let wj = ((j as f64 + 0.5) / 256.0 - 0.5) * std::f64::consts::PI;
        // The reference rounds the two sine terms to float before combining them.
        let wi = (wi.sin() + 1.0) as f32;
        let wj = (wj.sin() + 1.0) as f32;
        let norm = 0.5 * (f64::from(wi) * f64::from(wi) + f64::from(wj) * f64::from(wj));
        let a = (f64::from(wi) / norm) as f32;
        let b = (f64::from(wj) / norm) as f32;
        w[i] = a;
        w[511 - i] = a;
        w[j] = b;
        w[511 - j] = b;
    }
    w
}

/// One ATRAC3 stream's decoder state.
pub(crate) struct Atrac3 {
    channels: usize,
    frame_bytes: usize,
    joint_stereo: bool,
    units: Vec<ChannelUnit>,
    js: JointStereo,
    tables: Tables,
    imdct: Imdct,
    /// Scratch: one band's (possibly reversed) spectrum and its windowed IMDCT.
    band_spec: [f32; BAND],
    imdct_out: [f32; 2 * BAND],
    /// Scratch: the byte-reversed frame holding the second joint-stereo unit.
    reversed: Vec<u8>,
    /// Scratch: the QMF's intermediate low and high halves and the output of one channel.
    low: [f32; 512],
    high: [f32; 512],
    /// The output of each channel.
    pcm: [[f32; SAMPLES_PER_FRAME]; 2],
}

impl Atrac3 {
    /// `frame_bytes` covers all channels. Joint stereo needs two channels.
    pub fn new(channels: u16, frame_bytes: usize, joint_stereo: bool) -> Result<Self, CodecError> {
        if !(1..=2).contains(&channels) {
            return Err(CodecError::Unsupported(format!(
                "ATRAC3 with {channels} channels is not supported"
            )));
        }
        if joint_stereo && channels != 2 {
            return Err(CodecError::header(
                "ATRAC3",
                "joint stereo needs two channels",
            ));
        }
        // Real streams use 96 to 192 bytes per channel and frame; far smaller frames cannot
        // hold a sound unit and would turn a small hostile file into hours of silence.
        let per_channel = frame_bytes / usize::from(channels);
        if !(MIN_UNIT_BYTES..=MAX_UNIT_BYTES).contains(&per_channel)
            || !frame_bytes.is_multiple_of(usize::from(channels))
        {
            return Err(CodecError::header(
                "ATRAC3",
                format!("frame size {frame_bytes} does not fit {channels} channel(s)"),
            ));
        }
        Ok(Self {
            channels: usize::from(channels),
            frame_bytes,
            joint_stereo,
            units: (0..channels).map(|_| ChannelUnit::new()).collect(),
            js: JointStereo::new(),
            tables: Tables::new(),
            imdct: Imdct::new(512, 1.0 / 32768.0),
            band_spec: [0.0; BAND],
            imdct_out: [0.0; 2 * BAND],
            reversed: vec![0; frame_bytes],
            low: [0.0; 512],
            high: [0.0; 512],
            pcm: [[0.0; SAMPLES_PER_FRAME]; 2],
        })
    }

    /// Forgets all history, as after a seek.
    pub fn reset(&mut self) {
        for unit in &mut self.units {
            *unit = ChannelUnit::new();
        }
        self.js = JointStereo::new();
    }

    /// Decodes one frame, appending `1024 × channels` interleaved samples to `out`. On a
    /// corrupt frame nothing is appended and the error says why.
    pub fn decode_frame(&mut self, frame: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if frame.len() < self.frame_bytes {
            return Err(CodecError::frame(CODEC, "the frame is truncated"));
        }
        let frame = &frame[..self.frame_bytes];
        self.decode_units(frame)
            .map_err(|detail| CodecError::frame(CODEC, detail))?;
        for ch in 0..self.channels {
            self.synthesize(ch);
        }
        let start = out.len();
        out.resize(start + SAMPLES_PER_FRAME * self.channels, 0);
        let out = &mut out[start..];
        if self.channels == 2 {
            let [left, right] = &self.pcm;
            for ((o, &l), &r) in out.chunks_exact_mut(2).zip(left).zip(right) {
                o[0] = to_i16(l);
                o[1] = to_i16(r);
            }
        } else {
            for (o, &x) in out.iter_mut().zip(&self.pcm[0]) {
                *o = to_i16(x);
            }
        }
        Ok(())
    }

    fn decode_units(&mut self, frame: &[u8]) -> FrameResult<()> {
        if self.joint_stereo {
            let mut bits = BitReader::new(frame);
            self.decode_unit(0, &mut bits, false)?;
            for (r, &b) in self.reversed.iter_mut().zip(frame.iter().rev()) {
                *r = b;
            }
            // The second unit is preceded by 0xF8 sync bytes.
            let skip = self.reversed.iter().take_while(|&&b| b == 0xF8).count();
            if skip + 4 >= frame.len() {
                return Err("the second joint-stereo unit is missing");
            }
            let reversed = std::mem::take(&mut self.reversed);
            let result = self.decode_second_js_unit(&reversed[skip..]);
            self.reversed = reversed;
            result?;
            let (left, right) = self.units.split_at_mut(1);
            stereo::reverse_matrixing(
                &mut left[0].bands,
                &mut right[0].bands,
                self.js.matrix_prev,
                self.js.matrix_now,
            );
            stereo::channel_weighting(&mut left[0].bands, &mut right[0].bands, self.js.weighting);
        } else {
            let per_channel = self.frame_bytes / self.channels;
            for ch in 0..self.channels {
                let mut bits = BitReader::new(&frame[ch * per_channel..(ch + 1) * per_channel]);
                self.decode_unit(ch, &mut bits, false)?;
            }
        }
        Ok(())
    }

    fn decode_second_js_unit(&mut self, data: &[u8]) -> FrameResult<()> {
        let mut bits = BitReader::new(data);
        let w = &mut self.js.weighting;
        w.copy_within(2..6, 0);
        w[4] = bits.read(1) as u8;
        w[5] = bits.read(3) as u8;
        for i in 0..4 {
            self.js.matrix_prev[i] = self.js.matrix_now[i];
            self.js.matrix_now[i] = self.js.matrix_next[i];
            self.js.matrix_next[i] = bits.read(2) as u8;
        }
        self.decode_unit(1, &mut bits, true)
    }

    /// Parses one sound unit and reconstructs its four band signals.
    fn decode_unit(
        &mut self,
        ch: usize,
        bits: &mut BitReader<'_>,
        second_js: bool,
    ) -> FrameResult<()> {
        if second_js {
            if bits.read(2) != 3 {
                return Err("bad joint-stereo sound unit id");
            }
        } else if bits.read(6) != 0x28 {
            return Err("bad sound unit id");
        }
        let tables = &self.tables;
        let unit = &mut self.units[ch];
        let bands_coded = bits.read(2) as usize;
        let next = 1 - unit.gain_switch;
        decode_gain_control(bits, &mut unit.gain[next], bands_coded)?;
        let num_tonal = decode_tonal(bits, tables, &mut unit.tonal, bands_coded)?;
        let last_subband = decode_spectrum(bits, tables, &mut unit.spectrum)?;
        if bits.overrun() {
            return Err("the sound unit runs past the end of the frame");
        }

        let mut last_tonal: Option<usize> = None;
        for c in &unit.tonal[..num_tonal] {
            let end = c.pos + c.count;
            last_tonal = Some(last_tonal.map_or(end, |l| l.max(end)));
            for (s, &v) in unit.spectrum[c.pos..end].iter_mut().zip(&c.coef) {
                *s += v;
            }
        }
        // Bands up to the end of the last coded subband (and the last tonal component).
        let mut num_bands = (usize::from(SUBBAND_TAB[last_subband + 1]) - 1) >> 8;
        if let Some(end) = last_tonal {
            num_bands = num_bands.max((end + 256) >> 8);
        }

        let (now, next) = if unit.gain_switch == 0 {
            let (a, b) = unit.gain.split_at(1);
            (&a[0], &b[0])
        } else {
            let (a, b) = unit.gain.split_at(1);
            (&b[0], &a[0])
        };
        for band in 0..4 {
            let range = band * BAND..(band + 1) * BAND;
            if band <= num_bands {
                self.band_spec
                    .copy_from_slice(&unit.spectrum[range.clone()]);
                if band & 1 == 1 {
                    // The QMF leaves odd bands spectrally inverted.
                    self.band_spec.reverse();
                }
                self.imdct.full(&self.band_spec, &mut self.imdct_out);
                for (x, &w) in self.imdct_out.iter_mut().zip(&tables.window) {
                    *x *= w;
                }
            } else {
                self.imdct_out = [0.0; 2 * BAND];
            }
            tables.gain.compensate(
                &self.imdct_out,
                &mut unit.overlap[range.clone()],
                &now[band],
                &next[band],
                &mut unit.bands[range],
            );
        }
        unit.gain_switch ^= 1;
        Ok(())
    }

    /// Runs the three QMF stages of channel `ch` into `self.pcm[ch]`.
    fn synthesize(&mut self, ch: usize) {
        let unit = &mut self.units[ch];
        let b = &unit.bands;
        let [q0, q1, q2] = &mut unit.qmf;
        q0.run(&b[0..256], &b[256..512], &mut self.low);
        // Bands 3 and 2 in that order: the upper half is spectrally inverted.
        q1.run(&b[768..1024], &b[512..768], &mut self.high);
        q2.run(&self.low, &self.high, &mut self.pcm[ch]);
    }
}

/// The reference output conversion: round half to even (lrint), saturate.
#[inline]
pub(crate) fn to_i16(x: f32) -> i16 {
    // Adding and removing 1.5 · 2^23 rounds to an integer, half to even, in the default
    // rounding mode — without the libm call `round_ties_even` costs on baseline x86-64.
    // Clamping first keeps the value in the range where that trick is exact.
    const MAGIC: f32 = 12_582_912.0;
    let y = (x * 32768.0).clamp(-32768.0, 32767.0);
    ((y + MAGIC) - MAGIC) as i16
}

fn decode_gain_control(
    bits: &mut BitReader<'_>,
    gains: &mut [GainInfo; 4],
    bands_coded: usize,
) -> FrameResult<()> {
    for (b, g) in gains.iter_mut().enumerate() {
        if b > bands_coded {
            g.num_points = 0;
            continue;
        }
        g.num_points = bits.read(3) as usize;
        for j in 0..g.num_points {
            g.level[j] = bits.read(4) as u8;
            g.location[j] = bits.read(5) as u8;
            if j > 0 && g.location[j] <= g.location[j - 1] {
                return Err("gain control locations are not increasing");
            }
        }
    }
    Ok(())
}

/// Reads `out.len()` quantised values coded with table `selector` (1–7).
fn read_mantissas(
    bits: &mut BitReader<'_>,
    tables: &Tables,
    selector: usize,
    fixed_length: bool,
    out: &mut [i32],
) -> FrameResult<()> {
    if selector == 1 {
        // Pairs; an odd count leaves the last value zero.
        out.fill(0);
        let pairs = out.len() / 2;
        for i in 0..pairs {
            let (a, b) = if fixed_length {
                let code = bits.read(4) as usize;
                (MANTISSA_CLC[code >> 2], MANTISSA_CLC[code & 3])
            } else {
                let s = tables
                    .huffman
                    .decode(0, bits)
                    .ok_or("invalid Huffman code")?;
                let [a, b] = MANTISSA_VLC[usize::from(s)];
                (a, b)
            };
            out[2 * i] = i32::from(a);
            out[2 * i + 1] = i32::from(b);
        }
    } else if fixed_length {
        let n = CLC_LENGTH[selector];
        for v in out.iter_mut() {
            *v = bits.read_signed(n);
        }
    } else {
        for v in out.iter_mut() {
            let s = tables
                .huffman
                .decode(selector - 1, bits)
                .ok_or("invalid Huffman code")?;
            *v = signed_value(s);
        }
    }
    Ok(())
}

/// Decodes the regular spectrum; returns the index of the last coded subband.
fn decode_spectrum(
    bits: &mut BitReader<'_>,
    tables: &Tables,
    spectrum: &mut [f32; SAMPLES_PER_FRAME],
) -> FrameResult<usize> {
    let last = bits.read(5) as usize;
    let fixed_length = bits.bit();
    let mut selectors = [0usize; 32];
    let mut sf_index = [0usize; 32];
    for s in &mut selectors[..=last] {
        *s = bits.read(3) as usize;
    }
    for (s, sf) in selectors[..=last].iter().zip(&mut sf_index) {
        if *s != 0 {
            *sf = bits.read(6) as usize;
        }
    }
    let mut mantissas = [0i32; 128];
    for i in 0..=last {
        let first = usize::from(SUBBAND_TAB[i]);
        let end = usize::from(SUBBAND_TAB[i + 1]);
        let out = &mut spectrum[first..end];
        let sel = selectors[i];
        if sel == 0 {
            out.fill(0.0);
            continue;
        }
        let m = &mut mantissas[..end - first];
        read_mantissas(bits, tables, sel, fixed_length, m)?;
        let scale = tables.scale[sf_index[i]] * INV_MAX_QUANT[sel];
        for (o, &q) in out.iter_mut().zip(m.iter()) {
            *o = q as f32 * scale;
        }
    }
    spectrum[usize::from(SUBBAND_TAB[last + 1])..].fill(0.0);
    Ok(last)
}

/// Decodes the tonal components; returns how many there are.
fn decode_tonal(
    bits: &mut BitReader<'_>,
    tables: &Tables,
    components: &mut [TonalComponent; MAX_TONAL],
    bands_coded: usize,
) -> FrameResult<usize> {
    let groups = bits.read(5);
    if groups == 0 {
        return Ok(0);
    }
    let mode_selector = bits.read(2);
    if mode_selector == 2 {
        return Err("invalid tonal coding mode");
    }
    let mut fixed_length = mode_selector & 1 == 1;
    let mut count = 0;
    for _ in 0..groups {
        let mut band_flags = [false; 4];
        for f in &mut band_flags[..=bands_coded] {
            *f = bits.bit();
        }
        let values = bits.read(3) as usize + 1;
        let quant = bits.read(3) as usize;
        if quant <= 1 {
            return Err("invalid tonal quantiser");
        }
        if mode_selector == 3 {
            fixed_length = bits.bit();
        }
        for block in 0..(bands_coded + 1) * 4 {
            if !band_flags[block >> 2] {
                continue;
            }
            let coded = bits.read(3);
            for _ in 0..coded {
                let sf = bits.read(6) as usize;
                if count >= MAX_TONAL {
                    return Err("too many tonal components");
                }
                let pos = block * 64 + bits.read(6) as usize;
                let n = values.min(SAMPLES_PER_FRAME - pos);
                let mut m = [0i32; 8];
                read_mantissas(bits, tables, quant, fixed_length, &mut m[..n])?;
                let scale = tables.scale[sf] * INV_MAX_QUANT[quant];
                let c = &mut components[count];
                c.pos = pos;
                c.count = n;
                for (dst, &q) in c.coef.iter_mut().zip(&m[..n]) {
                    *dst = q as f32 * scale;
                }
                count += 1;
            }
            if bits.overrun() {
                return Err("tonal components run past the end of the frame");
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results are the point: these steps are bit-exact"
)]
mod tests {
    use super::*;

    #[test]
    fn window_halves_overlap_to_a_constant() {
        let w = imdct_window();
        for i in 0..256 {
            // w_i · s_i + w_{i+256} · s_{i+256} = 2 for the encoder window s.
            let s = |k: usize| {
                ((((k % 256) as f64 + 0.5) / 256.0 - 0.5) * std::f64::consts::PI).sin() + 1.0
            };
            let sum = f64::from(w[i]) * s(i) * 0.5 + f64::from(w[255 - i]) * s(255 - i) * 0.5;
            assert!((sum - 1.0).abs() < 1e-5, "{i}: {sum}");
        }
        assert_eq!(w[0], w[511]);
    }

    #[test]
    fn output_conversion_rounds_half_to_even_and_saturates() {
        for x in [
            0.0f32, 0.5, 1.5, 2.5, -0.5, -1.5, 1000.49, -1000.51, 32766.5, 40000.0, -40000.0,
        ] {
            let want = (x.round_ties_even()).clamp(-32768.0, 32767.0) as i16;
            assert_eq!(to_i16(x / 32768.0), want, "{x}");
        }
        assert_eq!(to_i16(f32::NAN), 0);
    }

    #[test]
    fn rejects_impossible_configurations() {
        assert!(Atrac3::new(3, 384, false).is_err());
        assert!(Atrac3::new(1, 192, true).is_err());
        assert!(Atrac3::new(2, 383, false).is_err());
        assert!(Atrac3::new(2, 0, false).is_err());
        assert!(Atrac3::new(1, 2, false).is_err());
        assert!(Atrac3::new(1, 152, false).is_ok());
    }

    #[test]
    fn garbage_frames_are_errors_not_panics() {
        let mut dec = Atrac3::new(2, 192, true).unwrap();
        let mut out = Vec::new();
        for seed in 0u32..300 {
            let mut s = seed;
            let frame: Vec<u8> = (0..192)
                .map(|i| {
                    s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    // Give some frames a valid unit id so the deeper parsers run.
                    if i == 0 && seed % 2 == 0 {
                        0xA0
                    } else {
                        (s >> 16) as u8
                    }
                })
                .collect();
            let before = out.len();
            match dec.decode_frame(&frame, &mut out) {
                Ok(()) => assert_eq!(out.len(), before + 2048),
                Err(_) => assert_eq!(out.len(), before),
            }
        }
        assert!(dec.decode_frame(&[0u8; 10], &mut out).is_err());
    }

    #[test]
    fn an_all_zero_spectrum_decodes_to_silence() {
        // Two single-channel units: id 0x28, bands 0, no gain points, no tonal components,
        // one subband with selector 0.
        let mut unit = [0u8; 96];
        unit[0] = 0xA0; // 101000 00
        let mut frame = Vec::new();
        frame.extend_from_slice(&unit);
        frame.extend_from_slice(&unit);
        let mut dec = Atrac3::new(2, 192, false).unwrap();
        let mut out = Vec::new();
        dec.decode_frame(&frame, &mut out).unwrap();
        assert_eq!(out.len(), 2048);
        assert!(out.iter().all(|&s| s == 0));
    }
}
