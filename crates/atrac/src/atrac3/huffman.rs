//! Decoding of the seven spectral Huffman tables through one 8-bit lookup each (no code is
//! longer than 8 bits).

use super::tables::{HUFF_BITS, HUFF_CODES};
use crate::bits::BitReader;

const LOOKUP_BITS: u32 = 8;

/// Symbol and code length for every 8-bit prefix; length 0 marks a prefix no code matches.
#[derive(Clone, Copy, Default)]
struct Entry {
    symbol: u8,
    len: u8,
}

pub(super) struct HuffmanTables {
    tables: [[Entry; 256]; 7],
}

impl HuffmanTables {
    pub fn new() -> Self {
        let mut tables = [[Entry::default(); 256]; 7];
        for (t, table) in tables.iter_mut().enumerate() {
            for (symbol, (&code, &len)) in HUFF_CODES[t].iter().zip(HUFF_BITS[t]).enumerate() {
                let shift = LOOKUP_BITS - u32::from(len);
                let first = usize::from(code) << shift;
                for entry in &mut table[first..first + (1 << shift)] {
                    *entry = Entry {
                        symbol: symbol as u8,
                        len,
                    };
                }
            }
        }
        Self { tables }
    }

    /// The next symbol index of table `t` (0-based: selector − 1), or `None` for a bit pattern
    /// that is no code.
    #[inline]
    pub fn decode(&self, t: usize, bits: &mut BitReader<'_>) -> Option<u8> {
        let entry = self.tables[t][bits.peek(LOOKUP_BITS) as usize];
        if entry.len == 0 {
            return None;
        }
        bits.skip(u32::from(entry.len));
        Some(entry.symbol)
    }
}

/// Symbols of tables 2–7 stand for 0, 1, −1, 2, −2, …
#[inline]
pub(super) fn signed_value(symbol: u8) -> i32 {
    let s = i32::from(symbol);
    if s & 1 == 1 { (s + 1) >> 1 } else { -(s >> 1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_prefix_free_and_complete() {
        for t in 0..7 {
            let kraft: f64 = HUFF_BITS[t]
                .iter()
                .map(|&l| 0.5f64.powi(i32::from(l)))
                .sum();
            assert!((kraft - 1.0).abs() < 1e-12, "table {t}: Kraft sum {kraft}");
            let codes = HUFF_CODES[t];
            for (i, (&a, &la)) in codes.iter().zip(HUFF_BITS[t]).enumerate() {
                for (&b, &lb) in codes.iter().zip(HUFF_BITS[t]).skip(i + 1) {
                    let l = la.min(lb);
                    assert_ne!(a >> (la - l), b >> (lb - l), "table {t}: prefix clash");
                }
            }
        }
    }

    #[test]
    fn decodes_every_code_of_every_table() {
        let h = HuffmanTables::new();
        for t in 0..7 {
            for (symbol, (&code, &len)) in HUFF_CODES[t].iter().zip(HUFF_BITS[t]).enumerate() {
                // The code, left-aligned, followed by ones.
                let word = (u32::from(code) << (32 - u32::from(len))) | (u32::MAX >> len);
                let bytes = word.to_be_bytes();
                let mut r = BitReader::new(&bytes);
                assert_eq!(h.decode(t, &mut r), Some(symbol as u8), "table {t}");
                assert_eq!(r.position(), usize::from(len));
            }
        }
    }

    #[test]
    fn symbols_alternate_sign() {
        let values: Vec<i32> = (0..7).map(signed_value).collect();
        assert_eq!(values, [0, 1, -1, 2, -2, 3, -3]);
    }
}
