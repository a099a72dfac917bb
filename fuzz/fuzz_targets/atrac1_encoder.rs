//! The ATRAC1 encoder fed arbitrary PCM: the first byte picks the channel count and how the
//! input is cut into pushes; the rest is 16-bit samples. Every frame must decode in the
//! crate's decoder, and the stream must cover every sample pushed.
#![no_main]

#[path = "encoding.rs"]
mod encoding;

use atrac::Atrac1Encoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let channels = 1 + u16::from(control & 1);
    let chunk = 1 + usize::from(control >> 1) * 97;
    let samples = encoding::pcm(bytes);
    let Ok(mut enc) = Atrac1Encoder::new(channels) else {
        return;
    };
    let frames = encoding::encode_in_pieces(
        &mut enc,
        &samples,
        chunk,
        Atrac1Encoder::push,
        Atrac1Encoder::take_frames,
        Atrac1Encoder::flush,
    );
    let n = Atrac1Encoder::check_frames(channels, &frames).expect("every frame decodes");
    let pushed = samples.len() / usize::from(channels);
    assert!(n * Atrac1Encoder::SAMPLES_PER_FRAME >= pushed + Atrac1Encoder::DELAY);
});
