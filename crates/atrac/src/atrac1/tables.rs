//! ATRAC1 constants (facts of the format, as published in FFmpeg's atrac1data.h).

/// Block floating units coded, by the 3-bit amount index.
pub(super) const BFU_AMOUNT: [usize; 8] = [20, 28, 32, 36, 40, 44, 48, 52];
/// Reserved bits that follow, by two further indices (the second counts double).
pub(super) const BFU_AMOUNT_TAB2: [usize; 4] = [0, 112, 176, 208];
pub(super) const BFU_AMOUNT_TAB3: [usize; 8] = [0, 24, 36, 48, 72, 108, 132, 156];

/// The first BFU of each QMF band, and the end.
pub(super) const BFU_BANDS: [usize; 4] = [0, 20, 36, 52];

pub(super) const SPECS_PER_BFU: [usize; 52] = [
    8, 8, 8, 8, 4, 4, 4, 4, 8, 8, 8, 8, 6, 6, 6, 6, 6, 6, 6, 6, // low band
    6, 6, 6, 6, 7, 7, 7, 7, 9, 9, 9, 9, 10, 10, 10, 10, // middle band
    12, 12, 12, 12, 12, 12, 12, 12, 20, 20, 20, 20, 20, 20, 20, 20, // high band
];

/// Position of each BFU's first line in long-block mode…
pub(super) const BFU_START_LONG: [usize; 52] = [
    0, 8, 16, 24, 32, 36, 40, 44, 48, 56, 64, 72, 80, 86, 92, 98, 104, 110, 116, 122, 128, 134,
    140, 146, 152, 159, 166, 173, 180, 189, 198, 207, 216, 226, 236, 246, 256, 268, 280, 292, 304,
    316, 328, 340, 352, 372, 392, 412, 432, 452, 472, 492,
];

/// …and in short-block mode.
pub(super) const BFU_START_SHORT: [usize; 52] = [
    0, 32, 64, 96, 8, 40, 72, 104, 12, 44, 76, 108, 20, 52, 84, 116, 26, 58, 90, 122, 128, 160,
    192, 224, 134, 166, 198, 230, 141, 173, 205, 237, 150, 182, 214, 246, 256, 288, 320, 352, 384,
    416, 448, 480, 268, 300, 332, 364, 396, 428, 460, 492,
];
