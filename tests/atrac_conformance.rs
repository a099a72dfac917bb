//! Conformance of the in-crate ATRAC decoders and container readers.
//!
//! The bitstreams and their reference decodes live in `../shared/fixtures/atrac` (relative to
//! the crate root; see the README there): files encoded by atracdenc and Sony encoders (PSP
//! test material from hrydgard/pspautotests), decoded with FFmpeg 8 into `<name>.ref.s16`
//! (interleaved s16le, every frame, no delay trimming). CI provides the folder; a missing
//! folder fails these tests rather than skipping them.

use std::path::{Path, PathBuf};

use ministage::codec::{self, Codec, CodecError};

fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/atrac");
    assert!(
        dir.is_dir(),
        "the ATRAC fixtures are missing: expected them at {}",
        dir.display()
    );
    dir
}

fn reference(name: &str) -> Vec<i16> {
    let bytes = std::fs::read(fixtures().join(format!("{name}.ref.s16"))).unwrap();
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn decode_all(name: &str) -> (Vec<i16>, u16) {
    let mut dec = codec::open(&fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    while dec.next_block(&mut out).unwrap() {}
    (out, dec.channels())
}

/// Decodes `name` and compares it with its reference; returns the largest difference.
fn check(name: &str) -> i32 {
    let (got, channels) = decode_all(name);
    let want = reference(name);
    assert_eq!(
        got.len() / usize::from(channels),
        want.len() / usize::from(channels),
        "{name}: samples per channel"
    );
    let mut max = 0;
    let mut bad = 0usize;
    let mut first_bad = None;
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        let d = (i32::from(g) - i32::from(w)).abs();
        max = max.max(d);
        if d > 1 {
            bad += 1;
            first_bad.get_or_insert(i);
        }
    }
    println!(
        "{name}: {} samples/channel, max |diff| {max}",
        got.len() / usize::from(channels)
    );
    assert!(
        bad == 0,
        "{name}: {bad} samples differ by more than 1 (max {max}, first at {first_bad:?})"
    );
    max
}

macro_rules! conformance {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )*
    };
}

conformance! {
    music_lp2_oma => "music4s_lp2.oma",
    voice_lp2_oma => "voice4s_lp2.oma",
    music_lp2_tagged_oma => "music4s_lp2_tagged.oma",
    music_lp4_oma => "music4s_lp4.oma",
    voice_lp4_oma => "voice4s_lp4.oma",
    music_lp2_at3 => "music4s_lp2.at3",
    voice_lp2_at3 => "voice4s_lp2.at3",
    music_lp4_at3 => "music4s_lp4.at3",
    voice_lp4_at3 => "voice4s_lp4.at3",
    music_105_at3 => "music4s_105.at3",
    voice_105_at3 => "voice4s_105.at3",
    mono_at3 => "test_mono.at3",
    mono_long_at3 => "test_mono_long.at3",
    music_sp_aea => "music4s_sp.aea",
    voice_sp_aea => "voice4s_sp.aea",
}
