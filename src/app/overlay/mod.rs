//! What is drawn over the panes and takes the keyboard while open: help, the import dialog
//! and its preview, the tag editor, the rename dialog and the confirmation question.

pub mod confirm;
pub mod help;
pub mod import;
pub mod preview;
pub mod rename;
pub mod tag_editor;

pub use confirm::ConfirmDialog;
pub use import::ImportDialog;
pub use preview::{ImportPreview, PreviewField, PreviewRow};
pub use rename::{RenameDialog, RenameTarget};
pub use tag_editor::{FieldInput, TagEditor, TagField};

/// What is drawn over the panes and takes the keyboard while open.
#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    Import(Box<ImportDialog>),
    Rename(Box<RenameDialog>),
    Confirm(Box<ConfirmDialog>),
    Tags(Box<TagEditor>),
    ImportPreview(Box<ImportPreview>),
}
