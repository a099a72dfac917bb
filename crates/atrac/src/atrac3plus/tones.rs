//! Tonal components (GHA, "generalised harmonic analysis"): per subband a group of sine waves
//! with a frequency, an amplitude and a phase, faded in and out by an envelope, synthesised
//! over the 256 samples that two frames share and added to the subband signal.

use std::sync::OnceLock;

use super::unit::{Parse, UnitParams, subband_flags};
use super::vlc::Codebooks;
use super::{SUBBAND_SAMPLES, SUBBANDS};
use crate::bits::BitReader;

/// Sine waves per channel unit and frame (all subbands, both channels).
const MAX_WAVES: usize = 48;

/// Where a group of waves starts and stops within its 256-sample window, in steps of 4
/// samples.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(super) struct Envelope {
    has_start: bool,
    has_stop: bool,
    start_pos: i32,
    stop_pos: i32,
}

/// The waves of one subband of one channel.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(super) struct WavesData {
    /// The envelope as coded in this frame.
    pend_env: Envelope,
    /// The envelope over this frame's synthesis window, from this frame's and the next's.
    curr_env: Envelope,
    pub num_wavs: usize,
    /// The first of the group in [`WaveSynth::waves`].
    start_index: usize,
}

#[derive(Clone, Copy, Default, Debug)]
struct WaveParam {
    /// Cycles per 2048 samples.
    freq_index: u32,
    /// Amplitude: `2^((amp_sf − 3) / 4)`.
    amp_sf: usize,
    /// Phase in 32ths of a cycle.
    phase_index: u32,
}

/// The tone parameters shared by the channels of a unit in one frame.
#[derive(Clone, Debug)]
pub(super) struct WaveSynth {
    pub tones_present: bool,
    num_tone_bands: usize,
    /// Per subband: the second channel uses the first channel's waves.
    tone_sharing: [bool; SUBBANDS],
    /// Per subband: the channels' waves are swapped.
    tone_master: [bool; SUBBANDS],
    /// Per subband: the second channel's waves are inverted.
    invert_phase: [bool; SUBBANDS],
    tones_index: usize,
    waves: [WaveParam; MAX_WAVES],
}

impl Default for WaveSynth {
    fn default() -> Self {
        Self {
            tones_present: false,
            num_tone_bands: 0,
            tone_sharing: [false; SUBBANDS],
            tone_master: [false; SUBBANDS],
            invert_phase: [false; SUBBANDS],
            tones_index: 0,
            waves: [WaveParam::default(); MAX_WAVES],
        }
    }
}

/// Decodes the tones of every channel of `unit` into its current slots.
pub(super) fn decode(r: &mut BitReader<'_>, unit: &mut UnitParams, books: &Codebooks) -> Parse<()> {
    let cur = unit.cur;
    let nch = unit.num_channels();
    for ch in 0..nch {
        unit.channels[ch].tones[cur] = [WavesData::default(); SUBBANDS];
    }
    let w = &mut unit.waves[cur];
    w.tones_present = r.bit();
    if !w.tones_present {
        return Ok(());
    }
    w.waves = [WaveParam::default(); MAX_WAVES];
    // Amplitude mode 0 (coarse amplitudes shared by a group) is not supported by the
    // reference decoder either.
    if !r.bit() {
        return Err("tone amplitude mode 0");
    }
    w.num_tone_bands = usize::from(books.tone[0].decode(r)) + 1;
    let bands = w.num_tone_bands;
    if nch == 2 {
        subband_flags(r, &mut w.tone_sharing[..bands]);
        subband_flags(r, &mut w.tone_master[..bands]);
        subband_flags(r, &mut w.invert_phase[..bands]);
    }
    w.tones_index = 0;
    for ch in 0..nch {
        let mut has_tones = [false; SUBBANDS];
        for (h, &shared) in has_tones[..bands].iter_mut().zip(&w.tone_sharing) {
            *h = ch == 0 || !shared;
        }
        let (first, second) = unit.channels.split_at_mut(1);
        let master = first[0].tones[cur];
        let dst = if ch == 0 {
            &mut first[0].tones[cur]
        } else {
            &mut second[0].tones[cur]
        };
        let master = (ch != 0).then_some(&master);
        let bands = &has_tones[..bands];
        envelopes(r, dst, master, bands);
        num_waves(r, books, w, dst, master, bands)?;
        frequencies(r, books, w, dst, master, bands);
        amplitudes(r, books, w, dst, master, bands);
        for (_, d) in with_waves(dst, bands) {
            for p in &mut w.waves[d.start_index..d.start_index + d.num_wavs] {
                p.phase_index = r.read(5);
            }
        }
    }
    if nch == 2 {
        let (first, second) = unit.channels.split_at_mut(1);
        let (a, b) = (&mut first[0].tones[cur], &mut second[0].tones[cur]);
        for i in 0..bands {
            if w.tone_sharing[i] {
                b[i] = a[i];
            }
            if w.tone_master[i] {
                std::mem::swap(&mut a[i], &mut b[i]);
            }
        }
    }
    Ok(())
}

type Bands<'a> = &'a [bool];

/// The subbands of `dst` that carry waves: flagged in `bands`, with at least one wave.
fn with_waves<'a>(
    dst: &'a [WavesData; SUBBANDS],
    bands: Bands<'a>,
) -> impl Iterator<Item = (usize, &'a WavesData)> + 'a {
    dst.iter()
        .enumerate()
        .take(bands.len())
        .filter(move |&(sb, d)| bands[sb] && d.num_wavs > 0)
}

fn envelopes(
    r: &mut BitReader<'_>,
    dst: &mut [WavesData; SUBBANDS],
    master: Option<&[WavesData; SUBBANDS]>,
    bands: Bands<'_>,
) {
    // The second channel can copy the first's envelopes (1 bit).
    let copy = master.filter(|_| r.bit());
    for (sb, d) in dst.iter_mut().enumerate().take(bands.len()) {
        if !bands[sb] {
            continue;
        }
        d.pend_env = if let Some(m) = copy {
            m[sb].pend_env
        } else {
            let has_start = r.bit();
            let start_pos = if has_start { r.read(5) as i32 } else { -1 };
            let has_stop = r.bit();
            let stop_pos = if has_stop { r.read(5) as i32 } else { 32 };
            Envelope {
                has_start,
                has_stop,
                start_pos,
                stop_pos,
            }
        };
    }
}

/// The number of waves per subband, and where each group starts in the wave table.
fn num_waves(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    w: &mut WaveSynth,
    dst: &mut [WavesData; SUBBANDS],
    master: Option<&[WavesData; SUBBANDS]>,
    bands: Bands<'_>,
) -> Parse<()> {
    let mode = r.read(if master.is_some() { 2 } else { 1 });
    for (sb, d) in dst.iter_mut().enumerate().take(bands.len()) {
        if !bands[sb] {
            continue;
        }
        let of_master = || master.map_or(0, |m| m[sb].num_wavs);
        d.num_wavs = match mode {
            0 => r.read(4) as usize,
            1 => usize::from(books.tone[1].decode(r)),
            2 => {
                let delta = books.tone[2].decode_signed(r, 3);
                (of_master() as i32 + delta) as usize & 0xF
            }
            _ => of_master(),
        };
    }
    for (sb, d) in dst.iter_mut().enumerate().take(bands.len()) {
        if !bands[sb] {
            continue;
        }
        if w.tones_index + d.num_wavs > MAX_WAVES {
            return Err("too many tones");
        }
        d.start_index = w.tones_index;
        w.tones_index += d.num_wavs;
    }
    Ok(())
}

fn frequencies(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    w: &mut WaveSynth,
    dst: &[WavesData; SUBBANDS],
    master: Option<&[WavesData; SUBBANDS]>,
    bands: Bands<'_>,
) {
    // The second channel may code its frequencies as deltas to the first's (1 bit).
    let delta_to = master.filter(|_| r.bit());
    for (sb, d) in with_waves(dst, bands) {
        let (start, n) = (d.start_index, d.num_wavs);
        if let Some(m) = delta_to {
            let (m_start, m_n) = (m[sb].start_index, m[sb].num_wavs);
            for i in 0..n {
                let delta = books.tone[6].decode_signed(r, 8);
                let pred = if i < m_n {
                    w.waves[m_start + i].freq_index
                } else if m_n > 0 {
                    w.waves[m_start + m_n - 1].freq_index
                } else {
                    0
                };
                w.waves[start + i].freq_index = (pred as i32 + delta) as u32 & 0x3FF;
            }
            continue;
        }
        let waves = &mut w.waves[start..start + n];
        if n > 1 && r.bit() {
            // Descending: each takes as many bits as the one above it needs.
            waves[n - 1].freq_index = r.read(10);
            for i in (0..n - 1).rev() {
                let bits = waves[i + 1].freq_index.max(1).ilog2() + 1;
                waves[i].freq_index = r.read(bits);
            }
        } else {
            // Ascending: above 511, only the bits that reach up to 1023.
            for i in 0..n {
                waves[i].freq_index = if i == 0 || waves[i - 1].freq_index < 512 {
                    r.read(10)
                } else {
                    let bits = (1023 - waves[i - 1].freq_index).max(1).ilog2() + 1;
                    r.read(bits) + 1024 - (1 << bits)
                };
            }
        }
    }
}

fn amplitudes(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    w: &mut WaveSynth,
    dst: &[WavesData; SUBBANDS],
    master: Option<&[WavesData; SUBBANDS]>,
    bands: Bands<'_>,
) {
    // For the second channel: the first channel's wave each wave is predicted from (the
    // nearest in frequency, else the same index, else none).
    let mut ref_waves = [0i32; MAX_WAVES];
    if let Some(m) = master {
        for (sb, d) in with_waves(dst, bands) {
            let (m_start, m_n) = (m[sb].start_index, m[sb].num_wavs);
            for j in 0..d.num_wavs {
                let freq = w.waves[d.start_index + j].freq_index as i32;
                let (mut nearest, mut best) = (0, 1024);
                for i in 0..m_n {
                    let diff = (freq - w.waves[m_start + i].freq_index as i32).abs();
                    if diff < best {
                        best = diff;
                        nearest = i;
                    }
                }
                ref_waves[d.start_index + j] = if best < 8 {
                    (nearest + m_start) as i32
                } else if j < m_n {
                    (j + m_start) as i32
                } else {
                    -1
                };
            }
        }
    }
    let mode = r.read(if master.is_some() { 2 } else { 1 });
    let amp_of = |w: &WaveSynth, k: i32, default: usize| {
        usize::try_from(k).map_or(default, |k| w.waves[k].amp_sf)
    };
    for (_, d) in with_waves(dst, bands) {
        let range = d.start_index..d.start_index + d.num_wavs;
        match mode {
            0 => {
                for k in range {
                    w.waves[k].amp_sf = r.read(6) as usize;
                }
            }
            1 => {
                for k in range {
                    w.waves[k].amp_sf = usize::from(books.tone[3].decode(r)) + 20;
                }
            }
            2 => {
                for k in range {
                    let delta = books.tone[5].decode_signed(r, 5);
                    let pred = amp_of(w, ref_waves[k], 34);
                    w.waves[k].amp_sf = (pred as i32 + delta) as usize & 0x3F;
                }
            }
            _ => {
                for k in range {
                    w.waves[k].amp_sf = amp_of(w, ref_waves[k], 32);
                }
            }
        }
    }
}

/// Tables of the synthesis.
struct SynthTables {
    /// sin(2π i / 2048).
    sine: [f32; 2048],
    /// The periodic Hann window (1 − cos(2π i / 256)) / 2.
    hann: [f32; 256],
    /// 2^((i − 3) / 4).
    amp_sf: [f32; 64],
}

fn synth_tables() -> &'static SynthTables {
    static TABLES: OnceLock<SynthTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let two_pi = 2.0 * std::f64::consts::PI;
        let mut t = SynthTables {
            sine: [0.0; 2048],
            hann: [0.0; 256],
            amp_sf: [0.0; 64],
        };
        for (i, v) in t.sine.iter_mut().enumerate() {
            *v = (two_pi * i as f64 / 2048.0).sin() as f32;
        }
        for (i, v) in t.hann.iter_mut().enumerate() {
            *v = ((1.0 - (two_pi * i as f64 / 256.0).cos()) * 0.5) as f32;
        }
        for (i, v) in t.amp_sf.iter_mut().enumerate() {
            *v = ((i as f32 - 3.0) / 4.0).exp2();
        }
        t
    })
}

/// Synthesises the waves of one group over 128 samples into `out`: the first half of its
/// window (`reg_offset` 0) or the second (128), faded by `env`.
fn waves_synth(
    synth: &WaveSynth,
    info: &WavesData,
    env: &Envelope,
    invert: bool,
    reg_offset: i32,
    out: &mut [f32; SUBBAND_SAMPLES],
) {
    let t = synth_tables();
    for p in synth
        .waves
        .iter()
        .skip(info.start_index)
        .take(info.num_wavs)
    {
        let amp = f64::from(t.amp_sf[p.amp_sf & 63]);
        let inc = p.freq_index as i32;
        let mut pos = (((p.phase_index & 0x1F) << 6) as i32 - (reg_offset ^ 128) * inc) & 2047;
        for o in out.iter_mut() {
            // The reference adds in double precision.
            *o = (f64::from(*o) + f64::from(t.sine[pos as usize]) * amp) as f32;
            pos = (pos + inc) & 2047;
        }
    }
    if invert {
        for o in out.iter_mut() {
            *o = -*o;
        }
    }
    // A steep fade-in at the start point, silence before it.
    if env.has_start {
        let pos = (env.start_pos << 2) - reg_offset;
        if pos > 0 && pos <= SUBBAND_SAMPLES as i32 {
            let pos = pos as usize;
            out[..pos].fill(0.0);
            if !env.has_stop || env.start_pos != env.stop_pos {
                for (k, o) in out.iter_mut().skip(pos).take(4).enumerate() {
                    *o *= t.hann[k * 32];
                }
            }
        }
    }
    // A steep fade-out at the stop point, silence after it.
    if env.has_stop {
        let pos = ((env.stop_pos + 1) << 2) - reg_offset;
        if pos >= 4 && pos <= SUBBAND_SAMPLES as i32 {
            let pos = pos as usize;
            for (k, o) in out[pos - 4..pos].iter_mut().enumerate() {
                *o *= t.hann[96 - k * 32];
            }
            out[pos..].fill(0.0);
        }
    }
}

/// Adds the tones of subband `sb` of channel `ch` to `out` (128 samples): the second half of
/// the previous frame's waves and the first half of this frame's, cross-faded.
pub(super) fn generate(unit: &mut UnitParams, ch: usize, sb: usize, out: &mut [f32]) {
    let t = synth_tables();
    let (cur, prev) = (unit.cur, unit.prev());
    let [slot0, slot1] = &mut unit.channels[ch].tones;
    let (now_slot, next_slot) = if cur == 1 {
        (slot0, slot1)
    } else {
        (slot1, slot0)
    };
    let now = &now_slot[sb];
    let next = &mut next_slot[sb];

    // The full envelopes of the window from the truncated ones in the bitstream.
    let mut env = Envelope::default();
    if next.pend_env.has_start && next.pend_env.start_pos < next.pend_env.stop_pos {
        env.has_start = true;
        env.start_pos = next.pend_env.start_pos + 32;
    } else if now.pend_env.has_start {
        env.has_start = true;
        env.start_pos = now.pend_env.start_pos;
    }
    if now.pend_env.has_stop && now.pend_env.stop_pos >= env.start_pos {
        env.has_stop = true;
        env.stop_pos = now.pend_env.stop_pos;
    } else if next.pend_env.has_stop {
        env.has_stop = true;
        env.stop_pos = next.pend_env.stop_pos + 32;
    } else {
        env.stop_pos = 64;
    }
    next.curr_env = env;

    // Is the visible part of each envelope non-zero?
    let reg1_nonzero = now.curr_env.stop_pos >= 32;
    let reg2_nonzero = next.curr_env.start_pos < 32;
    let mut reg1 = [0f32; SUBBAND_SAMPLES];
    let mut reg2 = [0f32; SUBBAND_SAMPLES];
    let (waves_now, waves_next) = (&unit.waves[prev], &unit.waves[cur]);
    let second = ch == 1;
    if now.num_wavs > 0 && reg1_nonzero {
        let invert = waves_now.invert_phase[sb] && second;
        waves_synth(waves_now, now, &now.curr_env, invert, 128, &mut reg1);
    }
    if next.num_wavs > 0 && reg2_nonzero {
        let invert = waves_next.invert_phase[sb] && second;
        waves_synth(waves_next, next, &next.curr_env, invert, 0, &mut reg2);
    }
    // Hann cross-fade where the waves are not faded by their envelopes.
    let fade_out = |r: &mut [f32; SUBBAND_SAMPLES]| {
        for (v, &h) in r.iter_mut().zip(&t.hann[128..]) {
            *v *= h;
        }
    };
    let fade_in = |r: &mut [f32; SUBBAND_SAMPLES]| {
        for (v, &h) in r.iter_mut().zip(&t.hann[..128]) {
            *v *= h;
        }
    };
    if now.num_wavs > 0 && next.num_wavs > 0 && reg1_nonzero && reg2_nonzero {
        fade_out(&mut reg1);
        fade_in(&mut reg2);
    } else {
        if now.num_wavs > 0 && !now.curr_env.has_stop {
            fade_out(&mut reg1);
        }
        if next.num_wavs > 0 && !next.curr_env.has_start {
            fade_in(&mut reg2);
        }
    }
    for ((o, &a), &b) in out.iter_mut().zip(&reg1).zip(&reg2) {
        *o += a + b;
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "negation is exact")]
mod tests {
    use super::*;

    fn one_wave(freq: u32, amp_sf: usize, phase: u32) -> (WaveSynth, WavesData) {
        let mut synth = WaveSynth {
            tones_present: true,
            ..WaveSynth::default()
        };
        synth.waves[0] = WaveParam {
            freq_index: freq,
            amp_sf,
            phase_index: phase,
        };
        let info = WavesData {
            num_wavs: 1,
            ..WavesData::default()
        };
        (synth, info)
    }

    #[test]
    fn a_wave_is_a_sine_of_its_frequency_amplitude_and_phase() {
        // 64 cycles per 2048 samples, amplitude 2^((7 − 3)/4) = 2, phase 8/32 (90°).
        let (synth, info) = one_wave(64, 7, 8);
        let mut out = [0f32; 128];
        waves_synth(&synth, &info, &Envelope::default(), false, 0, &mut out);
        for (i, &v) in out.iter().enumerate() {
            // The first half of the window starts 128 samples before the frame's zero phase.
            let phase = 2.0 * std::f64::consts::PI * (64.0 * (i as f64 - 128.0) / 2048.0 + 0.25);
            assert!((f64::from(v) - 2.0 * phase.sin()).abs() < 1e-5, "{i}: {v}");
        }
        let mut inverted = [0f32; 128];
        waves_synth(&synth, &info, &Envelope::default(), true, 0, &mut inverted);
        assert_eq!(inverted[5], -out[5]);
    }

    #[test]
    fn envelopes_cut_the_wave_before_the_start_and_after_the_stop() {
        let (synth, info) = one_wave(100, 20, 3);
        let env = Envelope {
            has_start: true,
            has_stop: true,
            start_pos: 4,
            stop_pos: 20,
        };
        let mut out = [0f32; 128];
        waves_synth(&synth, &info, &env, false, 0, &mut out);
        assert!(out[..17].iter().all(|&v| v == 0.0));
        assert!(out[18..80].iter().any(|&v| v != 0.0));
        assert!(out[84..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_cross_fade_of_a_steady_wave_is_seamless() {
        // The same wave in two consecutive frames: the faded halves add up to the wave.
        let (synth, info) = one_wave(48, 12, 0);
        let mut unit = UnitParams::new(super::super::unit::UnitType::Mono);
        unit.waves = [synth.clone(), synth];
        let mut info_env = info;
        info_env.pend_env = Envelope {
            has_start: false,
            has_stop: false,
            start_pos: -1,
            stop_pos: 32,
        };
        info_env.curr_env = Envelope {
            stop_pos: 64,
            ..Envelope::default()
        };
        unit.channels[0].tones = [[info_env; SUBBANDS]; 2];
        let mut out = [0f32; 128];
        generate(&mut unit, 0, 0, &mut out);
        let mut plain = [0f32; 128];
        waves_synth(
            &unit.waves[0],
            &info,
            &Envelope::default(),
            false,
            0,
            &mut plain,
        );
        for (a, b) in out.iter().zip(&plain) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}
