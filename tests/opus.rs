//! Ogg Opus: decoded by the player's any-file decoder like libopus does it (the reference in
//! `tests/fixtures/opus`, made with opusdec), imported with its length, converted by
//! `ministage convert`; a file cut short still imports with the length it has, and one with no
//! complete packet is refused at import, naming the reason.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::fixtures::{opus_file, opus_reference};
use library::{ImportOptions, Library};

fn decode(path: &Path) -> (Vec<i16>, u32, u16) {
    let mut decoder = media::player::source::open(path).unwrap();
    let mut samples = Vec::new();
    while decoder.next_block(&mut samples).unwrap() {}
    (samples, decoder.sample_rate(), decoder.channels())
}

/// Signal-to-noise ratio of `got` against `want`, in dB.
fn snr_db(got: &[i16], want: &[i16]) -> f64 {
    let (mut signal, mut noise) = (0f64, 0f64);
    for (&g, &w) in got.iter().zip(want) {
        let w = f64::from(w);
        signal += w * w;
        noise += (f64::from(g) - w).powi(2);
    }
    10.0 * (signal / noise.max(1.0)).log10()
}

#[test]
fn opus_decodes_like_libopus_with_the_same_length() {
    let (got, rate, channels) = decode(&opus_file("music4s.opus"));
    let want = opus_reference("music4s.opus");
    assert_eq!((rate, channels), (48_000, 2));
    assert_eq!(
        got.len(),
        want.samples.len(),
        "samples (pre-skip and padding trimmed)"
    );
    let snr = snr_db(&got, &want.samples);
    assert!(snr > 40.0, "{snr:.1} dB from libopus's decode");
}

#[test]
fn opus_imports_with_its_length_and_converts() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    let bytes = std::fs::read(opus_file("music4s.opus")).unwrap();
    std::fs::write(music.join("whole.opus"), &bytes).unwrap();
    // Cut at 40 %: what is there plays, and is listed with the length it has.
    std::fs::write(music.join("cut.opus"), &bytes[..bytes.len() * 2 / 5]).unwrap();
    // Cut to 200 bytes: headers only, nothing to play.
    std::fs::write(music.join("headers.opus"), &bytes[..200]).unwrap();

    let mut lib = Library::open_in_memory().unwrap();
    let report = library::import(
        &mut lib,
        std::slice::from_ref(&music),
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!(report.added, 2, "{report} {:?}", report.failed);
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    let failure = report.failed[0].to_string();
    assert!(failure.contains("headers.opus: "), "{failure}");
    assert!(failure.contains("truncated"), "{failure}");
    let tracks = lib.all_tracks().unwrap();
    let length = |name: &str| {
        tracks
            .iter()
            .find(|t| t.path.ends_with(name))
            .unwrap()
            .duration_ms
    };
    assert!((3990..=4010).contains(&length("whole.opus")), "{tracks:?}");
    // Only complete Ogg pages count, and opusenc fills a page with up to a second of audio.
    assert!((500..=1700).contains(&length("cut.opus")), "{tracks:?}");

    let wav = dir.path().join("whole.wav");
    let out = common::ministage(dir.path())
        .arg("convert")
        .arg(music.join("whole.opus"))
        .arg(&wav)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (converted, rate, _) = decode(&wav);
    assert_eq!(rate, 48_000);
    assert_eq!(converted.len(), 192_000 * 2);
}
