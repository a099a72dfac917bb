//! Tag writing for OpenMG files (`.oma`, `.omg`, `.aa3`), through the codec module's writer.

use std::fs::File;
use std::path::Path;

use super::tag_write::{TagEdit, TagWriteError};

/// Edits the `ea3` tag of the OpenMG file open as `file`.
pub(crate) fn edit(_file: &mut File, path: &Path, _edit: &TagEdit) -> Result<(), TagWriteError> {
    // The codec module has no tag writer yet; refusing keeps the file intact.
    Err(TagWriteError::Unsupported {
        path: path.to_path_buf(),
        format: "OpenMG (not yet)".into(),
    })
}
