//! The throw-away demo library and demo disc of `ministage --demo`, built from synthesised
//! melodies (`media::synth`) so no audio ships with the program.

mod catalogue;
mod deck;
mod library;

pub use deck::give_demo_disc_audio;
pub use library::generate_demo;
pub use media::synth::{Pcm, SynthError, melody, write_flac, write_wav};
