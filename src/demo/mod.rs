//! Synthesised audio files and the throw-away demo library.
//!
//! Everything here exists so that `ministage --demo` can show new users a
//! small, pleasant library without shipping audio, and so that integration
//! tests and benchmarks can build realistic trees of FLAC, MP3, Ogg Vorbis
//! and M4A files on the fly. The writers emit small but structurally valid
//! files: real decoders play them (the MP3, Vorbis and M4A ones as digital
//! silence) and lofty reads their properties and tags.

mod aac;
mod bits;
mod catalogue;
mod crc;
mod deck;
mod error;
#[cfg(test)]
mod external_check;
mod flac;
mod library;
mod m4a;
mod mp3;
mod ogg;
mod pcm;
mod tags;
mod vorbis;
mod wav;

pub use deck::give_demo_disc_audio;
pub use error::DemoError;
pub use flac::write_flac;
pub use library::{generate_demo, generate_tree};
pub use m4a::write_silent_m4a;
pub use mp3::write_silent_mp3;
pub use ogg::write_silent_vorbis;
pub use pcm::{Pcm, melody};
pub use tags::{TagSpec, write_tags};
pub use wav::write_wav;
