//! Synthesised audio files and the throw-away demo library.
//!
//! Everything here exists so that `ministage --demo` can show new users a
//! small, pleasant library without shipping audio, and so that integration
//! tests and benchmarks can build realistic trees of FLAC, MP3, Ogg Vorbis
//! and M4A files on the fly. The writers emit small but structurally valid
//! files: real decoders play them (the MP3, Vorbis and M4A ones as digital
//! silence) and lofty reads their properties and tags.

mod bits;
mod crc;
mod error;
mod flac;
mod mp3;
mod pcm;

pub use error::DemoError;
pub use flac::write_flac;
pub use mp3::write_silent_mp3;
pub use pcm::{Pcm, melody};
