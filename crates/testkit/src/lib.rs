//! Test-only audio files: small, structurally valid MP3, Ogg Vorbis and M4A files (played as
//! digital silence by real decoders, read by lofty), and whole synthetic library trees. Kept
//! out of the shipped binary; the FLAC and WAV writers live in `media::synth`.

mod aac;
#[cfg(test)]
mod external_check;
mod m4a;
mod mp3;
mod ogg;
mod tree;
mod vorbis;

pub use m4a::write_silent_m4a;
pub use mp3::write_silent_mp3;
pub use ogg::write_silent_vorbis;
pub use tree::generate_tree;

// The FLAC/WAV writers and tags, so a test needs one import for every synthetic file.
pub use media::synth::{Pcm, TagSpec, melody, write_flac, write_tags, write_wav};
