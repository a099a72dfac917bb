//! Encoder round trips: a whole file decoded in memory, and its signal-to-noise ratio.

use std::io::Cursor;

/// Every sample of a whole Sony file held in memory, through the crate's decoder.
pub fn decode_bytes(bytes: Vec<u8>) -> Vec<i16> {
    let len = bytes.len() as u64;
    let mut dec = atrac::open_reader(Cursor::new(bytes), len).expect("open");
    let mut out = Vec::new();
    while dec.next_block(&mut out).expect("decode") {}
    out
}

/// SNR (dB) of `decoded` against `source` (both interleaved), `offset` samples later.
pub fn snr(source: &[i16], decoded: &[i16], offset: usize) -> f64 {
    let (mut sig, mut err) = (0f64, 0f64);
    for (i, &x) in source.iter().enumerate() {
        let y = decoded[i + offset];
        sig += f64::from(x).powi(2);
        err += (f64::from(x) - f64::from(y)).powi(2);
    }
    10.0 * (sig / err.max(1e-9)).log10()
}
