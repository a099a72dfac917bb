//! Tests that need a database or real files.

mod db;
pub(crate) mod fixtures;
mod import;
mod tag_write;
