//! The 52 block floating units of a sound unit: where each one's lines lie in the frame's
//! spectrum for a block-size mode, which band and time block it belongs to.

use std::ops::Range;

use super::super::tables::{BFU_BANDS, BFU_START_LONG, BFU_START_SHORT, SPECS_PER_BFU};
use super::analysis::{BAND_START, SHORT};
use crate::atrac1::BAND_SAMPLES;

/// Block floating units in a sound unit.
pub(super) const BFUS: usize = 52;

/// log₂ of each band's block count: 0 is one long block; 2 (low, middle) or 3 (high) is
/// short blocks of 32 lines.
pub(super) type BlockModes = [u32; 3];

/// The QMF band of BFU `i`.
pub(super) fn band_of(i: usize) -> usize {
    BFU_BANDS[1..].iter().position(|&end| i < end).unwrap_or(2)
}

/// The lines of BFU `i` in the spectrum.
pub(super) fn lines(i: usize, modes: &BlockModes) -> Range<usize> {
    let start = if modes[band_of(i)] == 0 {
        BFU_START_LONG[i]
    } else {
        BFU_START_SHORT[i]
    };
    start..start + SPECS_PER_BFU[i]
}

/// Where BFU `i` lies in its block: the index of its first line counted from the block's
/// lowest frequency, the block's lines, and which block of how many it is.
pub(super) struct Place {
    pub first_line: usize,
    pub block_lines: usize,
    pub block: usize,
    pub blocks: usize,
}

pub(super) fn place(i: usize, short: bool) -> Place {
    let band = band_of(i);
    let len = BAND_SAMPLES[band];
    if short {
        let offset = BFU_START_SHORT[i] - BAND_START[band];
        Place {
            first_line: offset % SHORT,
            block_lines: SHORT,
            block: offset / SHORT,
            blocks: len / SHORT,
        }
    } else {
        Place {
            first_line: BFU_START_LONG[i] - BAND_START[band],
            block_lines: len,
            block: 0,
            blocks: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_covers_every_line_once() {
        for modes in [[0, 0, 0], [2, 2, 3], [2, 0, 3], [0, 2, 0]] {
            let mut seen = [0u8; 512];
            for i in 0..BFUS {
                for l in lines(i, &modes) {
                    seen[l] += 1;
                }
                let r = lines(i, &modes);
                assert!(r.start >= BAND_START[band_of(i)]);
            }
            assert!(seen.iter().all(|&n| n == 1), "{modes:?}");
        }
        assert_eq!(
            (band_of(0), band_of(19), band_of(20), band_of(51)),
            (0, 0, 1, 2)
        );
        let p = place(44, true);
        assert_eq!((p.first_line, p.block, p.blocks), (12, 0, 8));
    }
}
