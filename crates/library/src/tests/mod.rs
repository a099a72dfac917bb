//! Tests that need a database or real files.

mod db;
pub(crate) mod fixtures;
mod import;
mod plan;
mod playlists;
mod tag_write;
