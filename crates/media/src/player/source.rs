//! Opening any file ministage can play: Sony formats through the in-crate decoders, everything
//! else through symphonia.

use std::path::Path;

use super::symphonia_source::SymphoniaDecoder;
use atrac::{CodecError, Decoder};

/// Opens `path` for decoding, choosing the decoder by content where the extension is ambiguous
/// (a `.wav` may hold ATRAC3).
pub fn open(path: &Path) -> Result<Box<dyn Decoder>, CodecError> {
    if atrac::is_sony_extension(path) {
        return atrac::open(path);
    }
    match atrac::probe(path) {
        // A RIFF file with ATRAC inside, or an OpenMG file with an unusual name.
        Ok(info) if info.protected || !matches!(info.codec, atrac::Codec::Pcm { .. }) => {
            atrac::open(path)
        }
        _ => Ok(Box::new(SymphoniaDecoder::open(path)?)),
    }
}
