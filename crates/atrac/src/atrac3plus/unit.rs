//! The bitstream of one channel unit (a mono or a stereo pair): the sound header, word
//! lengths, scale factors, code-table selection, the Huffman-coded spectrum, power
//! compensation levels, stereo flags, window shapes, then gain control and tones (in their own
//! modules) and the noise parameters.
//!
//! Everything that alternates between frames (window shapes, gain points, tone parameters) is
//! kept twice; `cur` says which copy this frame writes, the other holds the previous frame's.

use super::gainc;
use super::spectrum::SpectrumTable;
use super::tables::{
    CT_RESTRICTED_TO_FULL, QU_NUM_TO_SEG, QU_TO_SPEC_POS, QU_TO_SUBBAND, SF_SHAPES, SF_WEIGHTS,
    SUBBAND_TO_NUM_POWGRPS, WL_SHAPES, WL_WEIGHTS,
};
use super::tones::{self, WaveSynth, WavesData};
use super::vlc::{Codebooks, Vlc};
use super::{FRAME_SAMPLES, SUBBANDS};
use crate::bits::BitReader;
use crate::gain::GainInfo;

/// Why a frame cannot be decoded.
pub(super) type Parse<T> = Result<T, &'static str>;

/// Quantisation units of the spectrum (at most).
pub(super) const QUANT_UNITS: usize = 32;
/// A power-compensation level that switches it off.
pub(super) const POWER_COMP_OFF: u8 = 15;

/// The two kinds of channel unit the decoder handles (the 2-bit unit id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnitType {
    Mono = 0,
    Stereo = 1,
}

/// What one channel of a unit carries.
#[derive(Clone)]
pub(super) struct ChannelParams {
    /// 0 or 1 within the unit: the second channel of a pair is coded against the first.
    pub ch_num: usize,
    num_coded_vals: usize,
    fill_mode: u32,
    split_point: usize,
    /// Which of the two spectrum table sets.
    table_type: usize,
    pub qu_wordlen: [i32; QUANT_UNITS],
    pub qu_sf_idx: [i32; QUANT_UNITS],
    qu_tab_idx: [i32; QUANT_UNITS],
    /// The quantised spectrum.
    pub spectrum: [i16; FRAME_SAMPLES],
    /// Power-compensation level per group (15: off).
    pub power_levs: [u8; 5],
    /// IMDCT window shape per subband (true: steep), this frame's and the previous.
    pub wnd_shape: [[bool; SUBBANDS]; 2],
    /// Gain control per subband, this frame's and the previous.
    pub gain: [[GainInfo; SUBBANDS]; 2],
    pub num_gain_subbands: usize,
    /// Tone groups per subband, this frame's and the previous.
    pub tones: [[WavesData; SUBBANDS]; 2],
}

impl ChannelParams {
    fn new(ch_num: usize) -> Self {
        Self {
            ch_num,
            num_coded_vals: 0,
            fill_mode: 0,
            split_point: 0,
            table_type: 0,
            qu_wordlen: [0; QUANT_UNITS],
            qu_sf_idx: [0; QUANT_UNITS],
            qu_tab_idx: [0; QUANT_UNITS],
            spectrum: [0; FRAME_SAMPLES],
            power_levs: [POWER_COMP_OFF; 5],
            wnd_shape: [[false; SUBBANDS]; 2],
            gain: [[GainInfo::default(); SUBBANDS]; 2],
            num_gain_subbands: 0,
            tones: [[WavesData::default(); SUBBANDS]; 2],
        }
    }
}

/// The parsed parameters of one channel unit, with the history they need.
#[derive(Clone)]
pub(super) struct UnitParams {
    pub unit_type: UnitType,
    pub num_quant_units: usize,
    pub num_subbands: usize,
    /// Quant units up to the last one with a non-zero word length in either channel.
    pub used_quant_units: usize,
    pub num_coded_subbands: usize,
    pub mute: bool,
    use_full_table: bool,
    pub swap_channels: [bool; SUBBANDS],
    pub negate_coeffs: [bool; SUBBANDS],
    pub channels: [ChannelParams; 2],
    /// Tone synthesis parameters, this frame's and the previous.
    pub waves: [WaveSynth; 2],
    /// The history slot this frame writes (0 or 1).
    pub cur: usize,
    /// Global noise parameters: read, not used by the reference decoder either.
    noise: Option<(u8, u8)>,
}

impl UnitParams {
    pub fn new(unit_type: UnitType) -> Self {
        Self {
            unit_type,
            num_quant_units: 0,
            num_subbands: 0,
            used_quant_units: 0,
            num_coded_subbands: 0,
            mute: false,
            use_full_table: false,
            swap_channels: [false; SUBBANDS],
            negate_coeffs: [false; SUBBANDS],
            channels: [ChannelParams::new(0), ChannelParams::new(1)],
            waves: [WaveSynth::default(), WaveSynth::default()],
            cur: 0,
            noise: None,
        }
    }

    /// Channels coded in this unit.
    pub fn num_channels(&self) -> usize {
        match self.unit_type {
            UnitType::Mono => 1,
            UnitType::Stereo => 2,
        }
    }

    /// The previous frame's history slot.
    pub fn prev(&self) -> usize {
        self.cur ^ 1
    }

    /// Parses the unit that follows its 2-bit id.
    pub fn parse(&mut self, r: &mut BitReader<'_>) -> Parse<()> {
        let books = Codebooks::get();
        self.num_quant_units = r.read(5) as usize + 1;
        if (29..32).contains(&self.num_quant_units) {
            return Err("invalid number of quantisation units");
        }
        self.mute = r.bit();
        self.decode_quant_wordlen(r, books)?;
        self.num_subbands = usize::from(QU_TO_SUBBAND[self.num_quant_units - 1]) + 1;
        self.num_coded_subbands = match self.used_quant_units {
            0 => 0,
            n => usize::from(QU_TO_SUBBAND[n - 1]) + 1,
        };
        self.decode_scale_factors(r, books)?;
        self.decode_code_table_indexes(r, books)?;
        self.decode_spectrum(r);
        if self.unit_type == UnitType::Stereo {
            let n = self.num_coded_subbands;
            subband_flags(r, &mut self.swap_channels[..n]);
            subband_flags(r, &mut self.negate_coeffs[..n]);
        }
        let (cur, n) = (self.cur, self.num_subbands);
        for ch in 0..self.num_channels() {
            subband_flags(r, &mut self.channels[ch].wnd_shape[cur][..n]);
        }
        gainc::decode(r, self, books)?;
        tones::decode(r, self, books)?;
        self.noise = r.bit().then(|| (r.read(4) as u8, r.read(4) as u8));
        Ok(())
    }

    fn decode_quant_wordlen(&mut self, r: &mut BitReader<'_>, books: &Codebooks) -> Parse<()> {
        let nch = self.num_channels();
        for ch in 0..nch {
            self.channels[ch].qu_wordlen = [0; QUANT_UNITS];
            self.decode_channel_wordlen(r, books, ch)?;
        }
        let wl = |ch: usize, i: usize| self.channels[ch].qu_wordlen[i] != 0;
        self.used_quant_units = (0..self.num_quant_units)
            .rev()
            .find(|&i| wl(0, i) || (nch == 2 && wl(1, i)))
            .map_or(0, |i| i + 1);
        Ok(())
    }

    /// Word lengths of channel `ch`: fixed-length, delta to the first channel, or a shape
    /// plus VLC deltas; units past the coded ones are filled according to the fill mode.
    fn decode_channel_wordlen(
        &mut self,
        r: &mut BitReader<'_>,
        books: &Codebooks,
        ch: usize,
    ) -> Parse<()> {
        let nqu = self.num_quant_units;
        let ref_wl = self.channels[0].qu_wordlen;
        let chan = &mut self.channels[ch];
        let wl = &mut chan.qu_wordlen;
        let mut weight_idx = 0;
        chan.fill_mode = 0;
        match r.read(2) {
            0 => {
                for v in &mut wl[..nqu] {
                    *v = r.read(3) as i32;
                }
            }
            1 if ch != 0 => {
                num_coded_units(r, chan, nqu)?;
                let wl = &mut chan.qu_wordlen;
                if chan.num_coded_vals > 0 {
                    let vlc = &books.wl[r.read(2) as usize];
                    for i in 0..chan.num_coded_vals {
                        wl[i] = (ref_wl[i] + i32::from(vlc.decode(r))) & 7;
                    }
                }
            }
            1 => {
                weight_idx = r.read(2) as usize;
                num_coded_units(r, chan, nqu)?;
                let (n, wl) = (chan.num_coded_vals, &mut chan.qu_wordlen);
                if n > 0 {
                    let pos = r.read(5) as usize;
                    if pos > n {
                        return Err("word-length mode 1: invalid position");
                    }
                    let delta_bits = r.read(2);
                    let min_val = r.read(3) as i32;
                    for v in &mut wl[..pos] {
                        *v = r.read(3) as i32;
                    }
                    for v in &mut wl[pos..n] {
                        *v = (min_val + r.read(delta_bits) as i32) & 7;
                    }
                }
            }
            2 => {
                num_coded_units(r, chan, nqu)?;
                let (n, wl) = (chan.num_coded_vals, &mut chan.qu_wordlen);
                if ch != 0 && n > 0 {
                    let vlc = &books.wl[r.read(2) as usize];
                    wl[0] = (ref_wl[0] + i32::from(vlc.decode(r))) & 7;
                    for i in 1..n {
                        let diff = ref_wl[i] - ref_wl[i - 1];
                        wl[i] = (wl[i - 1] + diff + i32::from(vlc.decode(r))) & 7;
                    }
                } else if n > 0 {
                    let pairs = r.bit();
                    let vlc = &books.wl[r.read(1) as usize];
                    let start = r.read(3) as usize;
                    let shape = &WL_SHAPES[start][r.read(4) as usize];
                    unpack_vq_shape(start as i32, shape, wl, n);
                    let add = |r: &mut BitReader<'_>, v: &mut i32| {
                        *v = (*v + i32::from(vlc.decode(r))) & 7;
                    };
                    if pairs {
                        // Pairs of deltas, each pair skipped by a 0 flag; then an odd last one.
                        for pair in wl[..n & !1].chunks_exact_mut(2) {
                            if !r.bit() {
                                add(r, &mut pair[0]);
                                add(r, &mut pair[1]);
                            }
                        }
                        if n & 1 == 1 {
                            add(r, &mut wl[n - 1]);
                        }
                    } else {
                        for v in &mut wl[..n] {
                            add(r, v);
                        }
                    }
                }
            }
            _ => {
                weight_idx = r.read(2) as usize;
                num_coded_units(r, chan, nqu)?;
                let (n, wl) = (chan.num_coded_vals, &mut chan.qu_wordlen);
                if n > 0 {
                    let vlc = &books.wl[r.read(2) as usize];
                    wl[0] = r.read(3) as i32;
                    for i in 1..n {
                        wl[i] = (wl[i - 1] + i32::from(vlc.decode(r))) & 7;
                    }
                }
            }
        }
        let (n, wl) = (chan.num_coded_vals, &mut chan.qu_wordlen);
        match chan.fill_mode {
            2 => {
                for v in wl.iter_mut().take(nqu).skip(n) {
                    *v = if ch != 0 { i32::from(r.bit()) } else { 1 };
                }
            }
            3 => {
                let end = if ch != 0 {
                    n + chan.split_point
                } else {
                    nqu.saturating_sub(chan.split_point)
                };
                for v in wl.iter_mut().take(end).skip(n) {
                    *v = 1;
                }
            }
            _ => {}
        }
        if weight_idx != 0 {
            let weights = &WL_WEIGHTS[ch * 3 + weight_idx - 1];
            for (v, &w) in wl[..nqu].iter_mut().zip(weights) {
                *v += i32::from(w);
                if !(0..=7).contains(v) {
                    return Err("word length out of range");
                }
            }
        }
        Ok(())
    }

    fn decode_scale_factors(&mut self, r: &mut BitReader<'_>, books: &Codebooks) -> Parse<()> {
        if self.used_quant_units == 0 {
            return Ok(());
        }
        for ch in 0..self.num_channels() {
            self.channels[ch].qu_sf_idx = [0; QUANT_UNITS];
            self.decode_channel_sf_idx(r, books, ch)?;
        }
        Ok(())
    }

    /// Scale-factor indexes of channel `ch`: fixed-length, minimum plus deltas, shapes with
    /// VLC deltas, or deltas to the first channel.
    fn decode_channel_sf_idx(
        &mut self,
        r: &mut BitReader<'_>,
        books: &Codebooks,
        ch: usize,
    ) -> Parse<()> {
        let used = self.used_quant_units;
        let ref_sf = self.channels[0].qu_sf_idx;
        let sf = &mut self.channels[ch].qu_sf_idx;
        let mut weight_idx = 0;
        let read = |r: &mut BitReader<'_>, n: u32| r.read(n) as i32;
        match (r.read(2), ch != 0) {
            (0, _) => {
                for v in &mut sf[..used] {
                    *v = read(r, 6);
                }
            }
            (1, true) => {
                let vlc = &books.sf[r.read(2) as usize];
                for i in 0..used {
                    sf[i] = (ref_sf[i] + i32::from(vlc.decode(r))) & 0x3F;
                }
            }
            (1, false) => {
                weight_idx = r.read(2) as usize;
                if weight_idx == 3 {
                    unpack_sf_vq_shape(r, sf, used);
                    let num_long_vals = r.read(5) as usize;
                    let delta_bits = r.read(2);
                    let min_val = read(r, 4) - 7;
                    for v in &mut sf[..num_long_vals] {
                        *v = (*v + read(r, 4) - 7) & 0x3F;
                    }
                    for v in sf.iter_mut().take(used).skip(num_long_vals) {
                        *v = (*v + min_val + r.read(delta_bits) as i32) & 0x3F;
                    }
                } else {
                    let num_long_vals = r.read(5) as usize;
                    let delta_bits = r.read(3);
                    let min_val = read(r, 6);
                    if num_long_vals > used || delta_bits == 7 {
                        return Err("scale-factor mode 1: invalid parameters");
                    }
                    for v in &mut sf[..num_long_vals] {
                        *v = read(r, 6);
                    }
                    for v in &mut sf[num_long_vals..used] {
                        *v = (min_val + r.read(delta_bits) as i32) & 0x3F;
                    }
                }
            }
            (2, true) => {
                let vlc = &books.sf[r.read(2) as usize];
                sf[0] = (ref_sf[0] + i32::from(vlc.decode(r))) & 0x3F;
                for i in 1..used {
                    let diff = ref_sf[i] - ref_sf[i - 1];
                    sf[i] = (sf[i - 1] + diff + i32::from(vlc.decode(r))) & 0x3F;
                }
            }
            (2, false) => {
                let vlc = &books.sf[r.read(2) as usize + 4];
                unpack_sf_vq_shape(r, sf, used);
                for v in &mut sf[..used] {
                    *v = (*v + vlc.decode_signed(r, 4)) & 0x3F;
                }
            }
            (_, true) => sf[..used].copy_from_slice(&ref_sf[..used]),
            (_, false) => {
                weight_idx = r.read(2) as usize;
                let vlc_sel = r.read(2) as usize;
                if weight_idx == 3 {
                    let vlc = &books.sf[vlc_sel + 4];
                    unpack_sf_vq_shape(r, sf, used);
                    let mut diff = (read(r, 4) + 56) & 0x3F;
                    sf[0] = (sf[0] + diff) & 0x3F;
                    for v in &mut sf[1..used] {
                        diff = (diff + vlc.decode_signed(r, 4)) & 0x3F;
                        *v = (diff + *v) & 0x3F;
                    }
                } else {
                    let vlc = &books.sf[vlc_sel];
                    sf[0] = read(r, 6);
                    for i in 1..used {
                        sf[i] = (sf[i - 1] + i32::from(vlc.decode(r))) & 0x3F;
                    }
                }
            }
        }
        if (1..3).contains(&weight_idx) {
            for (v, &w) in sf[..used].iter_mut().zip(&SF_WEIGHTS[weight_idx - 1]) {
                *v -= i32::from(w);
                if !(0..64).contains(v) {
                    return Err("scale factor out of range");
                }
            }
        }
        Ok(())
    }

    fn decode_code_table_indexes(&mut self, r: &mut BitReader<'_>, books: &Codebooks) -> Parse<()> {
        if self.used_quant_units == 0 {
            return Ok(());
        }
        self.use_full_table = r.bit();
        for ch in 0..self.num_channels() {
            self.channels[ch].qu_tab_idx = [0; QUANT_UNITS];
            self.decode_channel_code_tab(r, books, ch)?;
        }
        Ok(())
    }

    /// Which Huffman table each quant unit of channel `ch` uses: direct, VLC, VLC delta to
    /// the previous unit, or VLC delta to the first channel. Where only the first channel is
    /// coded, the second gets a flag instead (0: copy the first channel's spectrum).
    fn decode_channel_code_tab(
        &mut self,
        r: &mut BitReader<'_>,
        books: &Codebooks,
        ch: usize,
    ) -> Parse<()> {
        /// How the indexes are coded: direct with so many bits, VLC, VLC delta to the
        /// previous index (the first plain VLC), or VLC delta to the first channel's.
        enum Coding<'a> {
            Direct(u32),
            Vlc(&'a Vlc),
            Delta(&'a Vlc, &'a Vlc),
            ToMaster(&'a Vlc),
        }
        let full = self.use_full_table;
        let mask = if full { 7 } else { 3 };
        let used = self.used_quant_units;
        let ref_wl = self.channels[0].qu_wordlen;
        let ref_tab = self.channels[0].qu_tab_idx;
        let chan = &mut self.channels[ch];
        chan.table_type = usize::from(r.bit());
        let coding = match r.read(2) {
            0 => Coding::Direct(u32::from(full) + 2),
            1 => Coding::Vlc(&books.ct[usize::from(full)]),
            2 if full => Coding::Delta(&books.ct[1], &books.ct[2]),
            2 => Coding::Delta(&books.ct[0], &books.ct[0]),
            _ if ch != 0 => Coding::ToMaster(&books.ct[if full { 3 } else { 0 }]),
            _ => return Ok(()),
        };
        let num_vals = if r.bit() {
            let n = r.read(5) as usize;
            if n > used {
                return Err("invalid number of code-table indexes");
            }
            n
        } else {
            used
        };
        let mut pred = 0;
        for i in 0..num_vals {
            if chan.qu_wordlen[i] != 0 {
                let v = match coding {
                    Coding::Direct(bits) => r.read(bits) as i32,
                    Coding::Vlc(vlc) => i32::from(vlc.decode(r)),
                    Coding::Delta(vlc, _) if i == 0 => i32::from(vlc.decode(r)),
                    Coding::Delta(_, delta) => (pred + i32::from(delta.decode(r))) & mask,
                    Coding::ToMaster(vlc) => (ref_tab[i] + i32::from(vlc.decode(r))) & mask,
                };
                chan.qu_tab_idx[i] = v;
                pred = v;
            } else if ch != 0 && ref_wl[i] != 0 {
                // The clone-master flag.
                chan.qu_tab_idx[i] = i32::from(r.bit());
            }
        }
        Ok(())
    }

    /// The quantised spectrum of every channel, each followed by its power-compensation
    /// levels.
    fn decode_spectrum(&mut self, r: &mut BitReader<'_>) {
        let stereo = self.unit_type == UnitType::Stereo;
        let (first, second) = self.channels.split_at_mut(1);
        let args = (
            self.used_quant_units,
            self.num_coded_subbands,
            self.use_full_table,
        );
        channel_spectrum(r, &mut first[0], None, args);
        if stereo {
            channel_spectrum(r, &mut second[0], Some(&first[0]), args);
        }
    }
}

/// The spectrum of one channel; the second channel of a pair may copy quant units of the
/// first (`master`). `args`: used quant units, coded subbands, full code-table set.
fn channel_spectrum(
    r: &mut BitReader<'_>,
    chan: &mut ChannelParams,
    master: Option<&ChannelParams>,
    (used, coded_subbands, full_table): (usize, usize, bool),
) {
    chan.spectrum = [0; FRAME_SAMPLES];
    chan.power_levs = [POWER_COMP_OFF; 5];
    for qu in 0..used {
        let range = usize::from(QU_TO_SPEC_POS[qu])..usize::from(QU_TO_SPEC_POS[qu + 1]);
        let wordlen = chan.qu_wordlen[qu];
        let mut codetab = chan.qu_tab_idx[qu] as usize;
        if wordlen != 0 {
            let w = wordlen as usize - 1;
            if !full_table {
                codetab = usize::from(CT_RESTRICTED_TO_FULL[chan.table_type][w][codetab & 3]);
            }
            let index = (chan.table_type * 8 + (codetab & 7)) * 7 + w;
            SpectrumTable::get(index).decode(r, &mut chan.spectrum[range]);
        } else if let Some(m) = master.filter(|m| m.qu_wordlen[qu] != 0 && codetab == 0) {
            chan.spectrum[range.clone()].copy_from_slice(&m.spectrum[range]);
            chan.qu_wordlen[qu] = m.qu_wordlen[qu];
        }
    }
    // The lowest two units (0…351 Hz) are never power-compensated: with no more units there
    // are no levels.
    if used > 2 {
        let groups = SUBBAND_TO_NUM_POWGRPS[coded_subbands - 1];
        for lev in &mut chan.power_levs[..usize::from(groups)] {
            *lev = r.read(4) as u8;
        }
    }
}

/// The number of coded values and the fill mode of a word-length block.
fn num_coded_units(r: &mut BitReader<'_>, chan: &mut ChannelParams, nqu: usize) -> Parse<()> {
    chan.fill_mode = r.read(2);
    if chan.fill_mode == 0 {
        chan.num_coded_vals = nqu;
    } else {
        chan.num_coded_vals = r.read(5) as usize;
        if chan.num_coded_vals > nqu {
            return Err("invalid number of transmitted units");
        }
        if chan.fill_mode == 3 {
            chan.split_point = r.read(2) as usize + (chan.ch_num << 1) + 1;
        }
    }
    Ok(())
}

/// Spreads a start value and a 9-segment shape over `n` quant units.
fn unpack_vq_shape(start: i32, shape: &[i8; 9], dst: &mut [i32; QUANT_UNITS], n: usize) {
    if n == 0 {
        return;
    }
    dst[..3].fill(start);
    for i in 3..n {
        dst[i] = start - i32::from(shape[usize::from(QU_NUM_TO_SEG[i]) - 1]);
    }
}

/// A 6-bit start value and a 6-bit shape index, unpacked.
fn unpack_sf_vq_shape(r: &mut BitReader<'_>, dst: &mut [i32; QUANT_UNITS], n: usize) {
    let start = r.read(6) as i32;
    let shape = &SF_SHAPES[r.read(6) as usize];
    unpack_vq_shape(start, shape, dst, n);
}

/// Flags for `out.len()` subbands: 0 = all clear, 10 = all set, 11 = one bit each.
pub(super) fn subband_flags(r: &mut BitReader<'_>, out: &mut [bool]) -> bool {
    out.fill(false);
    let any = r.bit();
    if any {
        if r.bit() {
            for f in out.iter_mut() {
                *f = r.bit();
            }
        } else {
            out.fill(true);
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::super::test_bits::BitWriter;
    use super::*;

    #[test]
    fn word_length_shapes_stay_in_range() {
        for (start, shapes) in WL_SHAPES.iter().enumerate() {
            for shape in shapes {
                let mut dst = [0; QUANT_UNITS];
                unpack_vq_shape(start as i32, shape, &mut dst, QUANT_UNITS);
                assert!(dst.iter().all(|v| (0..=7).contains(v)), "{start}: {dst:?}");
            }
        }
    }

    #[test]
    fn shapes_repeat_the_start_value_over_the_first_three_units() {
        let mut dst = [0; QUANT_UNITS];
        unpack_vq_shape(40, &SF_SHAPES[0], &mut dst, 6);
        assert_eq!(&dst[..7], &[40, 40, 40, 43, 43, 43, 0]);
    }

    #[test]
    fn subband_flags_have_three_codings() {
        let mut w = BitWriter::new();
        w.put(1, 0).put(2, 0b10).put(2, 0b11).put(4, 0b1011);
        let mut r = BitReader::new(&w.bytes);
        let mut f = [true; 4];
        assert!(!subband_flags(&mut r, &mut f));
        assert_eq!(f, [false; 4]);
        assert!(subband_flags(&mut r, &mut f));
        assert_eq!(f, [true; 4]);
        assert!(subband_flags(&mut r, &mut f));
        assert_eq!(f, [true, false, true, true]);
        assert_eq!(r.position(), 9);
    }

    #[test]
    fn fixed_length_word_lengths_and_scale_factors() {
        // Mono, 2 quant units: word lengths coded with 3 bits each (3, 0), fill mode none;
        // scale factors with 6 bits each.
        let mut w = BitWriter::new();
        w.put(2, 0).put(3, 3).put(3, 0);
        w.put(2, 0).put(6, 33);
        let mut r = BitReader::new(&w.bytes);
        let mut u = UnitParams::new(UnitType::Mono);
        u.num_quant_units = 2;
        let books = Codebooks::get();
        u.decode_quant_wordlen(&mut r, books).unwrap();
        assert_eq!(&u.channels[0].qu_wordlen[..3], &[3, 0, 0]);
        assert_eq!(u.used_quant_units, 1);
        u.decode_scale_factors(&mut r, books).unwrap();
        assert_eq!(u.channels[0].qu_sf_idx[0], 33);
        assert!(!r.overrun());
    }

    #[test]
    fn weights_that_push_a_word_length_out_of_range_are_errors() {
        // Mode 3 with weight table 1: the first unit is coded as 7, its weight is 5.
        let mut w = BitWriter::new();
        w.put(2, 3).put(2, 1).put(2, 0).put(2, 0).put(3, 7);
        let mut r = BitReader::new(&w.bytes);
        let mut u = UnitParams::new(UnitType::Mono);
        u.num_quant_units = 1;
        assert!(u.decode_quant_wordlen(&mut r, Codebooks::get()).is_err());
    }

    #[test]
    fn the_second_channel_can_copy_the_first_channels_spectrum() {
        let mut u = UnitParams::new(UnitType::Stereo);
        u.used_quant_units = 1;
        u.num_coded_subbands = 1;
        u.use_full_table = true;
        u.channels[0].qu_wordlen[0] = 4;
        let data: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
        let mut r = BitReader::new(&data);
        u.decode_spectrum(&mut r);
        assert_eq!(u.channels[1].qu_wordlen[0], 4);
        assert_eq!(u.channels[1].spectrum[..16], u.channels[0].spectrum[..16]);
        assert!(u.channels[0].spectrum[..16].iter().any(|&v| v != 0));
    }
}
