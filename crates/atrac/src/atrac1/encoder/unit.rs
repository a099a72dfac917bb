//! Writing a 212-byte sound unit as the decoder reads it: the block-size mode (2 bits per
//! band and 2 unused), the BFU count index (3 bits) and 5 unused bits, a 4-bit word length
//! index and a 6-bit scale factor per coded BFU, the mantissas BFU by BFU, and the first two
//! bytes repeated, reversed, at the end.

use super::super::SOUND_UNIT_BYTES;
use super::alloc::{Allocation, quantise};
use super::bfus::{BlockModes, lines};
use crate::encoder::bitwriter::BitWriter;

/// Writes one unit into `out` (212 bytes).
pub(super) fn write_unit(
    table: &[f32; 64],
    spectrum: &[f32; 512],
    modes: &BlockModes,
    alloc: &Allocation,
    out: &mut [u8; SOUND_UNIT_BYTES],
) {
    let coded = alloc.coded();
    {
        let mut w = BitWriter::new(&mut out[..SOUND_UNIT_BYTES - 2]);
        // Long blocks are 2 in the low and middle bands and 3 in the high band; short, 0.
        w.write(2, 2 - modes[0]);
        w.write(2, 2 - modes[1]);
        w.write(2, 3 - modes[2]);
        w.write(2, 0);
        w.write(3, alloc.amount as u32);
        w.write(5, 0);
        for &wl in &alloc.word_lens[..coded] {
            // Index n > 0 means n + 1 bits.
            w.write(4, u32::from(wl.saturating_sub(1)));
        }
        for &sf in &alloc.scale_factors[..coded] {
            w.write(6, u32::from(sf));
        }
        for i in 0..coded {
            let wl = alloc.word_lens[i];
            if wl == 0 {
                continue;
            }
            let sf = table[usize::from(alloc.scale_factors[i])];
            for &x in &spectrum[lines(i, modes)] {
                w.write_signed(u32::from(wl), quantise(x, sf, wl));
            }
        }
        debug_assert!(!w.overflowed());
    }
    out[SOUND_UNIT_BYTES - 2] = out[1];
    out[SOUND_UNIT_BYTES - 1] = out[0];
}
