//! The one-line text dialog that renames a track, the disc, a group or a playlist, or names a
//! new group or playlist, or a queued transfer's title on the disc.

use crate::app::LibraryRequest;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use crate::app::{Effect, Model, Overlay};

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
    /// The CSV file the disc's titles are written to.
    ExportTitles,
    /// The CSV file titles are read from.
    ImportTitles,
}

impl RenameTarget {
    /// What saving the dialog with `text` does.
    pub fn effect(&self, text: String) -> Effect {
        use crate::app::DeviceRequest as D;
        use crate::app::msg::LibraryOp as L;
        match self.clone() {
            RenameTarget::Track(track) => Effect::Device(D::RenameTrack { track, title: text }),
            RenameTarget::Disc => Effect::Device(D::RenameDisc { title: text }),
            // Requests number groups from 1, the rows from 0.
            RenameTarget::Group(g) => Effect::Device(D::RenameGroup {
                group: g + 1,
                name: text,
            }),
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
            RenameTarget::ExportTitles => Effect::Device(D::ExportTitles(text.into())),
            RenameTarget::ImportTitles => Effect::Device(D::ImportTitles(text.into())),
        }
    }
}

#[derive(Debug)]
pub struct RenameDialog {
    pub target: RenameTarget,
    pub heading: String,
    pub input: TextArea<'static>,
}

pub fn open_rename(model: &mut Model, target: RenameTarget, heading: String, current: String) {
    let mut input = TextArea::new(vec![current]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    model.overlay = Overlay::Rename(Box::new(RenameDialog {
        target,
        heading,
        input,
    }));
}

pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Rename(dialog) = &mut model.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => model.overlay = Overlay::None,
        KeyCode::Enter => {
            let text = dialog.input.lines().join(" ").trim().to_string();
            if text.is_empty()
                && !matches!(dialog.target, RenameTarget::Track(_) | RenameTarget::Disc)
            {
                return Vec::new();
            }
            let effect = dialog.target.effect(text);
            if matches!(effect, Effect::Device(_)) {
                model.device.anchor = None;
                model.device.busy = Some("Writing".into());
            }
            if let RenameTarget::AddToPlaylist(_) = dialog.target {
                model.playlists.last_used = Some(dialog.input.lines().join(" ").trim().to_string());
                model.library.marked.clear();
                model.library.anchor = None;
            }
            model.overlay = Overlay::None;
            return vec![effect];
        }
        _ => {
            dialog.input.input(key);
        }
    }
    Vec::new()
}
