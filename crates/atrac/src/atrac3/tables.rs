//! ATRAC3 constants (facts of the format, as published in FFmpeg's atrac3data.h).

/// Canonical Huffman codes and lengths of the seven spectral tables, by symbol index.
pub(crate) const HUFF_CODES: [&[u8]; 7] = [
    &[0x0, 0x4, 0x5, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F],
    &[0x0, 0x4, 0x5, 0x6, 0x7],
    &[0x0, 0x4, 0x5, 0xC, 0xD, 0xE, 0xF],
    &[0x0, 0x4, 0x5, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F],
    &[
        0x00, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x1C, 0x1D, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x0D,
    ],
    &[
        0x00, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x34, 0x35,
        0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F, 0x08,
        0x09,
    ],
    &[
        0x00, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x24, 0x25, 0x26, 0x27,
        0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0x68, 0x69, 0x6A,
        0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0xEC, 0xED, 0xEE, 0xEF,
        0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE,
        0xFF, 0x02, 0x03,
    ],
];

pub(crate) const HUFF_BITS: [&[u8]; 7] = [
    &[1, 3, 3, 4, 4, 5, 5, 5, 5],
    &[1, 3, 3, 3, 3],
    &[1, 3, 3, 4, 4, 4, 4],
    &[1, 3, 3, 4, 4, 5, 5, 5, 5],
    &[2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 6, 6, 4, 4],
    &[
        3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4,
    ],
    &[
        3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 4, 4,
    ],
];

/// Bits per value (per pair for selector 1) in fixed-length coding, by table selector.
pub(crate) const CLC_LENGTH: [u32; 8] = [0, 4, 3, 3, 4, 4, 5, 6];

/// Selector 1 codes two values at once: 2 bits each in fixed-length coding…
pub(crate) const MANTISSA_CLC: [i8; 4] = [0, 1, -2, -1];

/// …and one of nine pairs in Huffman coding.
pub(crate) const MANTISSA_VLC: [[i8; 2]; 9] = [
    [0, 0],
    [0, 1],
    [0, -1],
    [1, 0],
    [-1, 0],
    [1, 1],
    [1, -1],
    [-1, 1],
    [-1, -1],
];

/// 1 / (largest quantised magnitude + ½) per selector.
pub(crate) const INV_MAX_QUANT: [f32; 8] = [
    0.0,
    1.0 / 1.5,
    1.0 / 2.5,
    1.0 / 3.5,
    1.0 / 4.5,
    1.0 / 7.5,
    1.0 / 15.5,
    1.0 / 31.5,
];

/// First spectral line of each of the 32 subbands, and the end.
pub(crate) const SUBBAND_TAB: [u16; 33] = [
    0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 288, 320,
    352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024,
];

/// Joint-stereo matrix coefficients (left, right) by 2-bit selector.
pub(crate) const MATRIX_COEFFS: [f32; 8] = [0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 1.0, 1.0];
