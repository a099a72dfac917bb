//! Tests that need a database or real files.

mod db;
mod faults;
pub(crate) mod fixtures;
mod import;
mod plan;
mod playlists;
mod tag_write;
