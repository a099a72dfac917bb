//! Synthesised audio files: melodies and silence as PCM, written as FLAC or WAV and tagged with
//! lofty. `ministage --demo` builds its library from these, and tests build fixtures with them,
//! so no audio has to ship with the program.

pub mod bits;
pub mod crc;
mod error;
mod flac;
mod pcm;
mod tags;
mod wav;

pub use error::{SynthError, invalid, named, write_file};
pub use flac::{encode as encode_flac, write_flac};
pub use pcm::{Pcm, frame_count, melody};
pub use tags::{TagSpec, create_dir, tagged, write_tagged, write_tags};
pub use wav::write_wav;
