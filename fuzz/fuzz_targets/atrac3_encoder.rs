//! The ATRAC3 encoder fed arbitrary PCM: the first byte picks the mode (LP2, 105 kbps, LP4),
//! the channel count and how the input is cut into pushes; the rest is 16-bit samples. Every
//! frame must have the mode's size and decode in the crate's decoder, and the stream must
//! cover every sample pushed.
#![no_main]

use atrac::{Atrac3Encoder, Atrac3Mode, CODEC_DELAY, SAMPLES_PER_FRAME, check_frames};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let mode = Atrac3Mode::ALL[usize::from(control % 3)];
    let channels = 1 + u16::from(control >> 2 & 1);
    let chunk = 1 + usize::from(control >> 3) * 97;
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let Ok(mut enc) = Atrac3Encoder::new(mode, channels) else {
        return;
    };
    let mut frames = Vec::new();
    for piece in samples.chunks(chunk) {
        enc.push(piece);
        enc.take_frames(&mut frames);
    }
    enc.flush();
    enc.take_frames(&mut frames);
    let n = check_frames(mode, &frames).expect("every frame decodes");
    let pushed = samples.len() / usize::from(channels);
    assert!(n * SAMPLES_PER_FRAME >= pushed + CODEC_DELAY);
});
