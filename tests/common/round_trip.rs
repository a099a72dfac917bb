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

/// Pushes interleaved stereo `pcm` into an encoder a tenth of a second at a time, handing the
/// frames of each piece to `write`, then flushes and hands over the tail's.
pub fn encode_in_pieces<E>(
    enc: &mut E,
    pcm: &[i16],
    push: fn(&mut E, &[i16]),
    take_frames: fn(&mut E, &mut Vec<u8>) -> usize,
    flush: fn(&mut E),
    write: &mut dyn FnMut(&[u8]),
) {
    let mut frames = Vec::new();
    for chunk in pcm.chunks(2 * 4410) {
        push(enc, chunk);
        frames.clear();
        take_frames(enc, &mut frames);
        write(&frames);
    }
    flush(enc);
    frames.clear();
    take_frames(enc, &mut frames);
    write(&frames);
}
