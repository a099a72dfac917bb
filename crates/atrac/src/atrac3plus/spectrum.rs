//! The Huffman-coded spectrum of a quant unit. Each of the 112 tables (2 table sets × 8 code
//! tables × 7 word lengths) names a codebook and how its symbols unpack: into 1, 2 or 4
//! coefficients of 2 to 6 bits, signed or as magnitudes followed by sign bits; some tables
//! group 4 symbols behind a flag that skips the group (all zero).

use std::sync::OnceLock;

use super::tables::SPECTRA_TABS;
use super::vlc::{Codebooks, Vlc};
use crate::bits::BitReader;

/// Spectrum tables.
const TABLES: usize = 112;

/// One spectrum table with its symbols unpacked.
pub(super) struct SpectrumTable {
    vlc: &'static Vlc,
    group_size: usize,
    num_coeffs: usize,
    signed: bool,
    /// Per symbol: its coefficients (magnitudes for unsigned tables).
    values: [[i8; 4]; 256],
    /// Per symbol: how many of its coefficients are not zero (sign bits that follow it).
    nonzero: [u8; 256],
}

impl SpectrumTable {
    fn new(vlc: &'static Vlc, tab: [u8; 4]) -> Self {
        let [group_size, num_coeffs, bits, signed] = tab.map(usize::from);
        let bits = bits as u32;
        let mask = (1u32 << bits) - 1;
        let mut values = [[0i8; 4]; 256];
        let mut nonzero = [0u8; 256];
        for (sym, (v, nz)) in values.iter_mut().zip(&mut nonzero).enumerate() {
            let mut val = sym as u32;
            for c in v.iter_mut().take(num_coeffs) {
                let raw = (val & mask) as i32;
                *c = if signed != 0 {
                    ((raw << (32 - bits)) >> (32 - bits)) as i8
                } else {
                    raw as i8
                };
                *nz += u8::from(raw != 0);
                val >>= bits;
            }
        }
        Self {
            vlc,
            group_size,
            num_coeffs,
            signed: signed != 0,
            values,
            nonzero,
        }
    }

    /// The table of number `index` (< 112): (table set × 8 + code table) × 7 + word length − 1.
    pub fn get(index: usize) -> &'static Self {
        static ALL: OnceLock<Vec<SpectrumTable>> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            let books = Codebooks::get();
            (0..TABLES)
                .map(|i| Self::new(books.spectrum(i), SPECTRA_TABS[i]))
                .collect()
        });
        &all[index]
    }

    /// Decodes the spectral lines of one quant unit into `out`.
    pub fn decode(&self, r: &mut BitReader<'_>, out: &mut [i16]) {
        let n = self.num_coeffs;
        let mut pos = 0;
        while pos < out.len() {
            if self.group_size == 1 || r.bit() {
                for _ in 0..self.group_size {
                    let sym = usize::from(self.vlc.decode(r));
                    let values = &self.values[sym][..n];
                    let Some(dst) = out.get_mut(pos..pos + n) else {
                        return;
                    };
                    if self.signed {
                        for (d, &v) in dst.iter_mut().zip(values) {
                            *d = i16::from(v);
                        }
                    } else {
                        // One sign bit per non-zero magnitude, in order.
                        let nz = u32::from(self.nonzero[sym]);
                        let mut signs = if nz > 0 { r.read(nz) << (32 - nz) } else { 0 };
                        for (d, &v) in dst.iter_mut().zip(values) {
                            let v = i16::from(v);
                            *d = if v != 0 {
                                let negative = signs & 0x8000_0000 != 0;
                                signs <<= 1;
                                if negative { -v } else { v }
                            } else {
                                0
                            };
                        }
                    }
                    pos += n;
                }
            } else {
                pos += self.group_size * n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_bits::BitWriter;
    use super::*;

    /// The straightforward reading: each coefficient unpacked, sign bit right after it.
    fn reference(r: &mut BitReader<'_>, index: usize, out: &mut [i16]) {
        let [group_size, num_coeffs, bits, signed] = SPECTRA_TABS[index].map(usize::from);
        let vlc = Codebooks::get().spectrum(index);
        let mask = (1u32 << bits) - 1;
        let mut pos = 0;
        while pos < out.len() {
            if group_size == 1 || r.bit() {
                for _ in 0..group_size {
                    let mut val = u32::from(vlc.decode(r));
                    for _ in 0..num_coeffs {
                        let raw = (val & mask) as i32;
                        let cf = if signed != 0 {
                            (raw << (32 - bits)) >> (32 - bits)
                        } else if raw != 0 && r.bit() {
                            -raw
                        } else {
                            raw
                        };
                        out[pos] = cf as i16;
                        pos += 1;
                        val >>= bits;
                    }
                }
            } else {
                pos += group_size * num_coeffs;
            }
        }
    }

    #[test]
    fn unpacked_tables_read_like_the_plain_loop() {
        let data: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for index in 0..TABLES {
            for len in [16, 32, 64, 128] {
                let (mut a, mut b) = (BitReader::new(&data), BitReader::new(&data));
                a.skip((index % 29) as u32);
                b.skip((index % 29) as u32);
                let (mut x, mut y) = (vec![0i16; len], vec![0i16; len]);
                SpectrumTable::get(index).decode(&mut a, &mut x);
                reference(&mut b, index, &mut y);
                assert_eq!(x, y, "table {index}, {len} lines");
                assert_eq!(a.bits_left(), b.bits_left(), "table {index}");
            }
        }
    }

    #[test]
    fn signed_symbols_unpack_into_coefficients() {
        // Table 0 (set A, code table 0, word length 1): four signed 2-bit coefficients per
        // symbol; code 0 is symbol 0x00, code 1000 is symbol 0x03 (−1, 0, 0, 0).
        let mut w = BitWriter::new();
        w.put(4, 0b1000).put(3, 0).put(4, 0b1000);
        let mut r = BitReader::new(&w.bytes);
        let mut out = [9i16; 32];
        SpectrumTable::get(0).decode(&mut r, &mut out[..16]);
        assert_eq!(out[0], -1);
        assert!(out[1..16].iter().all(|&v| v == 0));
        assert_eq!(out[16], 9);
        assert_eq!(r.bits_left(), 16 - 7);
    }
}
