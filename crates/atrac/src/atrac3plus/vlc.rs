//! The canonical Huffman codebooks of ATRAC3plus, each decoded by one table lookup.
//!
//! A codebook is given as the number of codes of each length 1…12 and the symbols in code
//! order; codes are assigned canonically (consecutive values, shorter codes first). Every
//! codebook is complete (its Kraft sum is exactly 1, tested), so every bit pattern decodes
//! to a symbol. The tables are built once per process and shared by all decoders.

use std::sync::OnceLock;

use super::tables::{
    CT_CBS, GAIN_CBS, GAIN_XLATS, SF_CBS, SF_XLATS, SPECTRA_CBS, SPECTRA_XLATS, TONE_CBS,
    TONE_XLATS, WL_CBS, WL_CT_XLATS,
};
use crate::bits::BitReader;

/// The longest code of any codebook.
const MAX_LEN: usize = 12;

/// One codebook: for every `bits`-bit prefix, the symbol and the code length.
pub(super) struct Vlc {
    bits: u32,
    /// `symbol << 8 | length`.
    entries: Vec<u16>,
}

impl Vlc {
    /// Builds the codebook with `counts[l − 1]` codes of length `l`, taking its symbols from
    /// the front of `symbols` (which is advanced past them).
    fn canonical(counts: &[u8; MAX_LEN], symbols: &mut &[u8]) -> Self {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let max_len = (1..=MAX_LEN)
            .rev()
            .find(|&l| counts[l - 1] > 0)
            .unwrap_or(1);
        let bits = max_len as u32;
        let mut entries = vec![0u16; 1 << max_len];
        let (own, rest) = symbols.split_at(total.min(symbols.len()));
        *symbols = rest;
        let mut own = own.iter();
        // The next code, left-aligned in `max_len` bits.
        let mut code = 0usize;
        for len in 1..=max_len {
            let span = 1usize << (max_len - len);
            for _ in 0..counts[len - 1] {
                let symbol = own.next().copied().unwrap_or(0);
                if let Some(slots) = entries.get_mut(code..code + span) {
                    slots.fill(u16::from(symbol) << 8 | len as u16);
                }
                code += span;
            }
        }
        Self { bits, entries }
    }

    /// The next symbol.
    #[inline]
    pub fn decode(&self, r: &mut BitReader<'_>) -> u8 {
        let e = self.entries[r.peek(self.bits) as usize];
        r.skip(u32::from(e & 0xFF));
        (e >> 8) as u8
    }

    /// The next symbol as a `bits`-bit two's-complement number.
    #[inline]
    pub fn decode_signed(&self, r: &mut BitReader<'_>, bits: u32) -> i32 {
        let v = u32::from(self.decode(r));
        ((v << (32 - bits)) as i32) >> (32 - bits)
    }
}

/// All codebooks, named after FFmpeg's `*_vlc_tabs`.
pub(super) struct Codebooks {
    /// Word-length deltas.
    pub wl: [Vlc; 4],
    /// Code-table indexes.
    pub ct: [Vlc; 4],
    /// Scale-factor deltas.
    pub sf: [Vlc; 8],
    /// Distinct spectrum codebooks; `spectrum_index` maps the 112 table numbers onto them.
    spectrum: Vec<Vlc>,
    spectrum_index: [u8; 112],
    /// Gain control: point counts, levels, locations.
    pub gain: [Vlc; 11],
    /// Tones: band count, tone counts, amplitudes, frequencies.
    pub tone: [Vlc; 7],
}

impl Codebooks {
    /// The shared codebooks.
    pub fn get() -> &'static Self {
        static BOOKS: OnceLock<Codebooks> = OnceLock::new();
        BOOKS.get_or_init(Self::build)
    }

    fn build() -> Self {
        // Word-length and code-table codebooks take their symbols alternately (`from_fn`
        // builds in index order).
        let mut xlat = &WL_CT_XLATS[..];
        let [(wl0, ct0), (wl1, ct1), (wl2, ct2), (wl3, ct3)]: [(Vlc, Vlc); 4] =
            std::array::from_fn(|i| {
                let wl = Vlc::canonical(&WL_CBS[i], &mut xlat);
                (wl, Vlc::canonical(&CT_CBS[i], &mut xlat))
            });
        let mut xlat = &SF_XLATS[..];
        let sf = SF_CBS.map(|cb| Vlc::canonical(&cb, &mut xlat));
        let mut xlat = &SPECTRA_XLATS[..];
        let mut spectrum = Vec::new();
        let mut spectrum_index = [0u8; 112];
        for (i, cb) in SPECTRA_CBS.iter().enumerate() {
            if cb[0] < 0 {
                // Reuses the codebook of an earlier table number.
                spectrum_index[i] = spectrum_index[usize::from(cb[0].unsigned_abs())];
            } else {
                spectrum_index[i] = spectrum.len() as u8;
                spectrum.push(Vlc::canonical(&cb.map(|c| c as u8), &mut xlat));
            }
        }
        let mut xlat = &GAIN_XLATS[..];
        let gain = GAIN_CBS.map(|cb| Vlc::canonical(&cb, &mut xlat));
        let mut xlat = &TONE_XLATS[..];
        let tone = TONE_CBS.map(|cb| Vlc::canonical(&cb, &mut xlat));
        Self {
            wl: [wl0, wl1, wl2, wl3],
            ct: [ct0, ct1, ct2, ct3],
            sf,
            spectrum,
            spectrum_index,
            gain,
            tone,
        }
    }

    /// The spectrum codebook of table number `index` (< 112).
    #[inline]
    pub fn spectrum(&self, index: usize) -> &Vlc {
        &self.spectrum[usize::from(self.spectrum_index[index])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every codebook: its lengths (Kraft sum at most 1) and how many symbols it takes.
    fn all_counts() -> Vec<([u8; MAX_LEN], &'static str)> {
        let mut v = Vec::new();
        for (w, c) in WL_CBS.iter().zip(&CT_CBS) {
            v.push((*w, "wl/ct"));
            v.push((*c, "wl/ct"));
        }
        v.extend(SF_CBS.iter().map(|c| (*c, "sf")));
        v.extend(
            SPECTRA_CBS
                .iter()
                .filter(|c| c[0] >= 0)
                .map(|c| (c.map(|x| x as u8), "spectra")),
        );
        v.extend(GAIN_CBS.iter().map(|c| (*c, "gain")));
        v.extend(TONE_CBS.iter().map(|c| (*c, "tone")));
        v
    }

    #[test]
    fn codebooks_are_complete_and_use_up_their_symbol_tables() {
        let mut used = std::collections::HashMap::<&str, usize>::new();
        for (counts, set) in all_counts() {
            let kraft: f64 = counts
                .iter()
                .enumerate()
                .map(|(l, &c)| f64::from(c) * 0.5f64.powi(l as i32 + 1))
                .sum();
            assert!((kraft - 1.0).abs() < 1e-12, "{set}: Kraft sum {kraft}");
            *used.entry(set).or_default() += counts.iter().map(|&c| usize::from(c)).sum::<usize>();
        }
        assert_eq!(used["wl/ct"], WL_CT_XLATS.len());
        assert_eq!(used["sf"], SF_XLATS.len());
        assert_eq!(used["spectra"], SPECTRA_XLATS.len());
        assert_eq!(used["gain"], GAIN_XLATS.len());
        assert_eq!(used["tone"], TONE_XLATS.len());
    }

    #[test]
    fn canonical_codes_decode_to_their_symbols() {
        // Lengths 1, 3, 3, 3, 3: codes 0, 100, 101, 110, 111.
        let mut counts = [0u8; MAX_LEN];
        counts[0] = 1;
        counts[2] = 4;
        let symbols = [9u8, 8, 7, 6, 5, 4];
        let mut rest = &symbols[..];
        let vlc = Vlc::canonical(&counts, &mut rest);
        assert_eq!(rest, &[4]);
        // 0 | 100 | 111 | 101 | 110 → 0100 1111 0111 0….
        let data = [0b0100_1111, 0b0111_0000];
        let mut r = BitReader::new(&data);
        let got: Vec<_> = (0..5).map(|_| vlc.decode(&mut r)).collect();
        assert_eq!(got, [9, 8, 5, 7, 6]);
        assert_eq!(r.position(), 13);
    }

    #[test]
    fn shared_codebooks_decode_known_codes() {
        let books = Codebooks::get();
        // Word-length codebook 1: lengths 1, 2, 2 (symbols 0, 1, 7) → 0, 10, 11; symbol 7
        // is −1 as a 3-bit number.
        let data = [0b0101_1000];
        let mut r = BitReader::new(&data);
        assert_eq!(books.wl[0].decode(&mut r), 0);
        assert_eq!(books.wl[0].decode(&mut r), 1);
        assert_eq!(books.wl[0].decode_signed(&mut r, 3), -1);
        assert_eq!(r.position(), 5);
    }

    #[test]
    fn reused_spectrum_codebooks_are_shared() {
        let books = Codebooks::get();
        // Table 55 reuses table 6.
        assert!(std::ptr::eq(books.spectrum(55), books.spectrum(6)));
        assert!(!std::ptr::eq(books.spectrum(56), books.spectrum(6)));
    }
}
