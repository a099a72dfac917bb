//! ministage: a keyboard-driven terminal jukebox and MiniDisc transfer manager.
//!
//! The application crate. Below it: `atrac` (Sony containers and codecs), `netmd` (recorders
//! and the virtual deck), `library` (the SQLite library, import, tags, text helpers) and
//! `media` (any-file decoding, the player). Here:
//! - [`app`]: the pure Elm-style core (model, messages, update), one module per pane.
//! - [`shell`]: the terminal loop and the workers that carry out the core's effects.
//! - [`ui`]: rendering of the model; [`theme`]: colour themes.
//! - [`config`]: layered configuration and key bindings.
//! - [`transfer`]: preparing and sending the transfer queue.
//! - [`cli`]: the command line.
//! - [`demo`]: the throw-away demo library and disc.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod logging;
pub mod panic_guard;
pub mod paths;
pub mod shell;
pub mod theme;
pub mod transfer;
pub mod ui;
