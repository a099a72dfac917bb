//! The ATRAC3 encoder fed arbitrary PCM: the first byte picks the mode (LP2, 105 kbps, LP4),
//! the channel count and how the input is cut into pushes; the rest is 16-bit samples. Every
//! frame must have the mode's size and decode in the crate's decoder, and the stream must
//! cover every sample pushed.
#![no_main]

#[path = "encoding.rs"]
mod encoding;

use atrac::{Atrac3Encoder, Atrac3Mode, CODEC_DELAY, SAMPLES_PER_FRAME, check_frames};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let mode = Atrac3Mode::ALL[usize::from(control % 3)];
    let channels = 1 + u16::from(control >> 2 & 1);
    let chunk = 1 + usize::from(control >> 3) * 97;
    let samples = encoding::pcm(bytes);
    let Ok(mut enc) = Atrac3Encoder::new(mode, channels) else {
        return;
    };
    let frames = encoding::encode_in_pieces(
        &mut enc,
        &samples,
        chunk,
        Atrac3Encoder::push,
        Atrac3Encoder::take_frames,
        Atrac3Encoder::flush,
    );
    let n = check_frames(mode, &frames).expect("every frame decodes");
    let pushed = samples.len() / usize::from(channels);
    assert!(n * SAMPLES_PER_FRAME >= pushed + CODEC_DELAY);
});
