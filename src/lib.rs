//! ministage: a keyboard-driven terminal jukebox and MiniDisc transfer manager.
//!
//! The application crate. Below it: `atrac` (Sony containers and codecs), `netmd` (recorders
//! and the virtual deck), `library` (the SQLite library, import, tags, text helpers) and
//! `media` (any-file decoding, the player). Here:
//! - [`app`]: the Elm-style core (model, messages, pure update) and the shell that runs it.
//! - [`ui`]: rendering of the model and themes.
//! - [`config`]: layered configuration and key bindings.
//! - [`transfer`]: preparing and sending the transfer queue.
//! - [`cli`]: the command line.
//! - [`demo`]: the throw-away demo library and disc.

pub mod app;
pub mod cli;
pub mod config;
pub mod deck_speaker;
pub mod demo;
pub mod device_worker;
pub mod logging;
pub mod panic_guard;
pub mod paths;
pub mod transfer;
pub mod ui;
