//! Cross-checks against reference decoders. Ignored by default because
//! ffmpeg, flac and oggdec are not part of the build environment; run with
//! `cargo test --lib external_check -p ministage-testkit -- --ignored` where they exist
//! (Debian: `apt-get install ffmpeg flac vorbis-tools`).

use std::path::Path;
use std::process::Command;

use media::synth::{TagSpec, melody, write_flac, write_tags};

use crate::*;

/// Decodes `path` with ffmpeg to interleaved s16le, failing on any
/// diagnostic ffmpeg prints at level "warning" or above.
fn ffmpeg_decode(path: &Path) -> Vec<i16> {
    let out = Command::new("ffmpeg")
        .args(["-v", "warning", "-i"])
        .arg(path)
        .args(["-f", "s16le", "-"])
        .output()
        .expect("ffmpeg runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{}: {stderr}",
        path.display()
    );
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
#[ignore = "needs ffmpeg, flac and oggdec on PATH"]
fn reference_decoders_accept_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let spec = TagSpec {
        title: "夜明けの歌".into(),
        artist: "青い鳥楽団".into(),
        album: "Test".into(),
        ..TagSpec::default()
    };

    // FLAC: bit-exact, and the reference tool's CRC checks pass.
    let pcm = melody(9, 2.0, 44_100, 2);
    let flac = d.join("t.flac");
    write_flac(&flac, &pcm).expect("flac");
    write_tags(&flac, &spec).expect("tagged");
    assert_eq!(ffmpeg_decode(&flac), pcm.samples);
    let test = Command::new("flac")
        .arg("-t")
        .arg(&flac)
        .output()
        .expect("flac runs");
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stderr)
    );

    // MP3: whole frames of digital silence, the Info frame not played.
    let mp3 = d.join("t.mp3");
    write_silent_mp3(&mp3, 1.0, 48_000, 2).expect("mp3");
    write_tags(&mp3, &spec).expect("tagged");
    let samples = ffmpeg_decode(&mp3);
    assert_eq!(samples.len(), 42 * 1152 * 2); // ceil(48000 / 1152) frames
    assert!(samples.iter().all(|&s| s == 0));

    // Vorbis: exactly the requested samples, from ffmpeg and libvorbis.
    for (seconds, channels) in [(1.5, 2), (0.3, 6)] {
        let ogg = d.join(format!("t{channels}.ogg"));
        write_silent_vorbis(&ogg, seconds, 22_050, channels).expect("ogg");
        write_tags(&ogg, &spec).expect("tagged");
        let samples = ffmpeg_decode(&ogg);
        let frames = (seconds * 22_050.0) as usize;
        assert_eq!(samples.len(), frames * usize::from(channels));
        assert!(samples.iter().all(|&s| s == 0));
        let raw = Command::new("oggdec")
            .args(["-Q", "-R", "-o", "-"])
            .arg(&ogg)
            .output()
            .expect("oggdec runs");
        assert!(raw.status.success());
        assert_eq!(raw.stdout.len(), frames * usize::from(channels) * 2);
    }

    // AAC: whole 1024-sample frames of silence.
    let m4a = d.join("t.m4a");
    write_silent_m4a(&m4a, 1.0, 44_100, 1).expect("m4a");
    write_tags(&m4a, &spec).expect("tagged");
    let samples = ffmpeg_decode(&m4a);
    assert_eq!(samples.len(), 44 * 1024); // ceil(44100 / 1024) frames
    assert!(samples.iter().all(|&s| s == 0));
}
