//! ministage's media layer: decoding any file the jukebox plays (symphonia for common formats,
//! the `atrac` crate for Sony's), the gapless player, and synthesised audio files.
//!
//! [`player`] plays tracks and reports positions; [`player::source::open`] is the any-file
//! decoder that the player and the transfer preparation share; [`synth`] writes melodies and
//! silence as tagged FLAC or WAV.

pub mod player;
pub mod synth;
