//! The test data in `tests/fixtures` (see the README there): the only place that names that
//! folder and how its FLAC files are read.

use std::path::{Path, PathBuf};

use testkit::Pcm;

/// `tests/fixtures/<path>`; panics when it is not there.
pub fn fixture(path: impl AsRef<Path>) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    assert!(path.exists(), "missing fixture {}", path.display());
    path
}

/// The ATRAC bitstream `name` (`music4s_lp2.oma`, `test_mono.at3`, …).
pub fn atrac_file(name: &str) -> PathBuf {
    fixture(Path::new("atrac").join(name))
}

/// The folder of ATRAC bitstreams (bitstreams only, so it can be imported as it is).
pub fn atrac_dir() -> PathBuf {
    fixture("atrac")
}

/// The Ogg Opus file `name` (`music4s.opus`).
pub fn opus_file(name: &str) -> PathBuf {
    fixture(Path::new("opus").join(name))
}

/// libopus's decode of the Opus file `name`: interleaved 16-bit PCM at 48 kHz, pre-skip and
/// end padding trimmed.
pub fn opus_reference(name: &str) -> Pcm {
    let stem = name.strip_suffix(".opus").unwrap_or(name);
    decode(&fixture(format!("opus/{stem}.ref.flac")))
}

/// The netmd-js USB trace `name` (`list.jsonl`, …).
pub fn netmd_trace(name: &str) -> PathBuf {
    fixture(Path::new("netmd-traces").join(name))
}

/// The reference decode of the ATRAC bitstream `name`: interleaved 16-bit PCM, every frame.
/// A reference is stored once per encode, as `<encode>.ref.flac`: the OMA and RIFF copies of
/// one encode (and the tagged OMA) hold the same frames, so `music4s_lp2.oma`,
/// `music4s_lp2.at3` and `music4s_lp2_tagged.oma` share `music4s_lp2.ref.flac`.
pub fn reference_pcm(name: &str) -> Vec<i16> {
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let encode = stem.strip_suffix("_tagged").unwrap_or(stem);
    decode(&fixture(format!("atrac-pcm/{encode}.ref.flac"))).samples
}

/// A 44.1 kHz PCM source the ATRAC fixtures were encoded from (`music4s`, `voice4s`).
pub fn source_pcm(name: &str) -> Pcm {
    decode(&fixture(format!("atrac-pcm/{name}.flac")))
}

/// Decodes a whole file through the player's any-file decoder.
fn decode(path: &Path) -> Pcm {
    let mut decoder =
        media::player::source::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut samples = Vec::new();
    while decoder
        .next_block(&mut samples)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    {}
    Pcm {
        sample_rate: decoder.sample_rate(),
        channels: decoder.channels(),
        samples,
    }
}
