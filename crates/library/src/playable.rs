//! Reading a file for import: its tags, and proof that its audio decodes, so that the library
//! never lists a track that cannot play (a truncated file, a header that lies, a codec without
//! a decoder).

use std::path::Path;

use super::tags::{TrackMeta, read_file};
use super::wav;
use crate::text::clean;

/// Decoders may hand out a few empty blocks (priming) before the first samples.
const MAX_EMPTY_BLOCKS: usize = 16;

/// Reads the tags of `path` and decodes its first audio frame; the error is a user-facing
/// reason (the path is added by the caller).
pub(crate) fn read_playable(path: &Path) -> Result<TrackMeta, String> {
    let mut meta = read_file(path)?;
    // Protected files are listed but never decoded; a WAV with an empty data chunk is a valid
    // silent track of no length.
    if meta.protected || wav::has_empty_data_chunk(path) {
        return Ok(meta);
    }
    let need_length = meta.duration_ms == 0;
    let total_ms =
        crate::panic_guard::catch(|| first_audio(path, need_length)).unwrap_or_else(|detail| {
            Err(clean(&format!(
                "the decoder crashed on this file: {detail}"
            )))
        })?;
    if meta.duration_ms == 0
        && let Some(ms) = total_ms
    {
        // A stream cut short has no length in its tags; the decoder finds what is there.
        meta.duration_ms = ms;
    }
    Ok(meta)
}

/// Decodes the first samples of `path`; returns the length the decoder knows, if any, or with
/// `need_length` (the tags did not say) the length of what decodes.
fn first_audio(path: &Path, need_length: bool) -> Result<Option<u64>, String> {
    let no_audio = |why: &dyn std::fmt::Display| clean(&format!("no playable audio: {why}"));
    let mut decoder = match media::player::source::open(path) {
        Ok(decoder) => decoder,
        // ATRAC3plus files are listed, like protected ones, until its decoder lands (the
        // `atrac` crate's work in progress); every other codec without a decoder is refused.
        Err(atrac::CodecError::Unsupported(_))
            if atrac::probe(path).is_ok_and(|info| info.codec == atrac::Codec::Atrac3Plus) =>
        {
            tracing::info!(path = %path.display(), "import: ATRAC3plus listed without decoding");
            return Ok(None);
        }
        Err(e) => return Err(no_audio(&e)),
    };
    let mut samples = Vec::new();
    for _ in 0..MAX_EMPTY_BLOCKS {
        match decoder.next_block(&mut samples) {
            Ok(_) if !samples.is_empty() => {
                let rate = u64::from(decoder.sample_rate());
                let channels = u64::from(decoder.channels().max(1));
                let frames = match decoder.total_frames() {
                    Some(frames) => Some(frames),
                    // A stream cut short: count what is there (the rest would not play either).
                    None if need_length => {
                        let mut counted = samples.len() as u64;
                        loop {
                            samples.clear();
                            let more = decoder.next_block(&mut samples);
                            counted += samples.len() as u64;
                            if !matches!(more, Ok(true)) {
                                break;
                            }
                        }
                        Some(counted / channels)
                    }
                    None => None,
                };
                return Ok(frames
                    .filter(|_| rate > 0)
                    .map(|frames| frames.saturating_mul(1000) / rate));
            }
            Ok(true) => {}
            Ok(false) => {
                return Err(no_audio(
                    &"the file ends before its first complete audio frame (truncated?)",
                ));
            }
            Err(e) => return Err(no_audio(&e)),
        }
    }
    Err(no_audio(&"the decoder produced no samples"))
}
