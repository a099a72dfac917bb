//! Decoding with the `ffmpeg` command when it is installed: the outside check on what our
//! encoder writes. FFmpeg before 8 drops coded high ATRAC3 bands, so only FFmpeg 8 and later is
//! held to ±1 LSB of the crate's decoder; any version must decode without complaint.

use std::path::Path;
use std::process::Command;

/// The installed FFmpeg's major version; `None` when there is no `ffmpeg`.
pub fn major() -> Option<u32> {
    let out = Command::new("ffmpeg").arg("-version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.strip_prefix("ffmpeg version ")?;
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Interleaved 16-bit samples of `path`; an error carries what FFmpeg printed (any complaint on
/// stderr counts as a failure).
pub fn decode(path: &Path) -> Result<Vec<i16>, String> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "s16le", "-"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect())
}

/// Checks FFmpeg's decode of `path` against ours: at least `min_len` samples from both, and on
/// FFmpeg 8 or later every sample within ±1 LSB over what both have (FFmpeg may stop at a RIFF
/// fact length). Skipped without ffmpeg.
pub fn check(path: &Path, ours: &[i16], min_len: usize, label: &str) {
    let Some(major) = major() else {
        eprintln!("ffmpeg is not installed: {label} not checked");
        return;
    };
    let theirs = decode(path).unwrap_or_else(|e| panic!("{label}: ffmpeg: {e}"));
    assert_close(ours, &theirs, min_len, major >= 8, label);
}

/// Another decoder's output against ours: at least `min_len` samples from both, and with
/// `exact` every sample within ±1 LSB over what both have.
pub fn assert_close(ours: &[i16], theirs: &[i16], min_len: usize, exact: bool, label: &str) {
    let n = ours.len().min(theirs.len());
    assert!(n >= min_len, "{label}: gave {} samples", theirs.len());
    if !exact {
        return;
    }
    let max = ours[..n]
        .iter()
        .zip(&theirs[..n])
        .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
        .max();
    assert!(max.unwrap_or(0) <= 1, "{label}: differ by {max:?}");
}
