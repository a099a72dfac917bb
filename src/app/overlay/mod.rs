//! What is drawn over the panes and takes the keyboard while open: help, the import dialog
//! and its preview, the tag editor, the rename dialog and the confirmation question.

pub mod import;
pub mod preview;
pub mod tag_editor;

use ratatui_textarea::TextArea;

use crate::app::Effect;
use crate::app::LibraryRequest;

pub use import::ImportDialog;
pub use preview::{ImportPreview, PreviewField, PreviewRow};
pub use tag_editor::{FieldInput, TagEditor, TagField};

/// What a text dialog renames (or names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameTarget {
    Track(u32),
    Disc,
    Group(usize),
    NewGroup {
        first: u32,
        last: u32,
    },
    Playlist(i64),
    NewPlaylist,
    /// Add these tracks (by id) to the playlist named in the field.
    AddToPlaylist(Vec<i64>),
    /// The title a queued transfer gets on the disc.
    TransferTitle(i64),
}

impl RenameTarget {
    /// What saving the dialog with `text` does.
    pub fn effect(&self, text: String) -> Effect {
        use crate::app::DeviceRequest as D;
        use crate::app::msg::LibraryOp as L;
        match self.clone() {
            RenameTarget::Track(track) => Effect::Device(D::RenameTrack { track, title: text }),
            RenameTarget::Disc => Effect::Device(D::RenameDisc { title: text }),
            RenameTarget::Group(group) => Effect::Device(D::RenameGroup { group, name: text }),
            RenameTarget::NewGroup { first, last } => Effect::Device(D::CreateGroup {
                first,
                last,
                name: text,
            }),
            RenameTarget::Playlist(id) => {
                Effect::Library(LibraryRequest::Op(L::RenamePlaylist { id, name: text }))
            }
            RenameTarget::NewPlaylist => {
                Effect::Library(LibraryRequest::Op(L::CreatePlaylist(text)))
            }
            RenameTarget::AddToPlaylist(tracks) => {
                Effect::Library(LibraryRequest::Op(L::AddToPlaylist { name: text, tracks }))
            }
            RenameTarget::TransferTitle(id) => {
                Effect::Transfer(crate::transfer::TransferRequest::SetTitle { id, title: text })
            }
        }
    }
}

#[derive(Debug)]
pub struct RenameDialog {
    pub target: RenameTarget,
    pub heading: String,
    pub input: TextArea<'static>,
}

/// A yes/no question guarding something that cannot be undone.
#[derive(Debug)]
pub struct ConfirmDialog {
    pub message: String,
    pub effect: Effect,
}

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
