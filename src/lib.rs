//! ministage: a keyboard-driven terminal jukebox and MiniDisc transfer manager.
//!
//! Subsystems, each behind a narrow public face:
//! - [`library`]: the SQLite music library, import scanner and query language.
//! - [`app`]: the Elm-style core (model, messages, pure update, effect workers) and terminal loop.
//! - [`ui`]: rendering of the model and themes.
//! - [`config`]: layered configuration and key bindings.
//! - [`text`]: sanitising and measuring text that comes from files and devices.
//! - [`codec`]: OpenMG/OMA, RIFF ATRAC and AEA containers and the in-crate ATRAC decoders.
//! - [`device`]: NetMD recorders over USB and the virtual deck.
//! - [`demo`]: synthesised audio files and the throw-away demo library.

pub mod app;
pub mod cli;
pub mod codec;
pub mod config;
pub mod demo;
pub mod device;
pub mod library;
pub mod logging;
pub mod panic_guard;
pub mod paths;
pub mod player;
pub mod text;
pub mod transfer;
pub mod ui;
