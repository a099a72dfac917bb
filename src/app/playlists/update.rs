//! `update` for the Playlists pane: playlists as folders that open to show their tracks;
//! play, rename, delete, remove and reorder entries. Changes leave as library requests.

use std::sync::Arc;

use crate::app::overlay::rename::open_rename;
use crate::app::playlists::PlaylistRow;
use crate::app::{
    ConfirmDialog, Effect, Level, LibraryOp, LibraryRequest, Model, Overlay, Pane, RenameTarget,
};
use crate::config::Action;

fn playlists_page(model: &Model) -> usize {
    model.page(Pane::Playlists)
}

pub fn on_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let page = playlists_page(model);
    let pl = &mut model.playlists;
    let row = pl.selected();
    let out = match (action, row) {
        (Action::Expand, _) => {
            pl.expand(page);
            Vec::new()
        }
        (Action::Collapse, _) => {
            pl.collapse(page);
            Vec::new()
        }
        (Action::Activate, Some(PlaylistRow::Playlist(i))) => return Some(play(model, i, 0)),
        (Action::Activate, Some(PlaylistRow::Entry(i, e))) => return Some(play(model, i, e)),
        (Action::CreateGroup, _) => {
            open_rename(
                model,
                RenameTarget::NewPlaylist,
                "New playlist".into(),
                String::new(),
            );
            Vec::new()
        }
        (Action::Transfer, Some(PlaylistRow::Playlist(i) | PlaylistRow::Entry(i, _))) => {
            let tracks = pl.tracks.get(i).cloned().unwrap_or_default();
            return Some(crate::app::transfers::update::queue_tracks(model, &tracks));
        }
        (Action::Rename, Some(PlaylistRow::Playlist(i))) => {
            let Some(p) = pl.items.get(i) else {
                return Some(Vec::new());
            };
            let (id, name) = (p.id, p.name.clone());
            open_rename(
                model,
                RenameTarget::Playlist(id),
                "Rename the playlist".into(),
                name,
            );
            Vec::new()
        }
        (Action::Delete, Some(PlaylistRow::Playlist(i))) => {
            let Some(p) = pl.items.get(i) else {
                return Some(Vec::new());
            };
            model.overlay = Overlay::Confirm(Box::new(ConfirmDialog {
                message: format!(
                    "Delete the playlist \"{}\"? Its tracks stay in the library.",
                    p.name
                ),
                effect: Effect::Library(LibraryRequest::Op(LibraryOp::DeletePlaylist(p.id))),
                then: None,
            }));
            Vec::new()
        }
        (Action::Delete, Some(PlaylistRow::Entry(i, e))) => {
            let Some(p) = pl.items.get(i) else {
                return Some(Vec::new());
            };
            vec![Effect::Library(LibraryRequest::Op(
                LibraryOp::RemoveFromPlaylist {
                    id: p.id,
                    position: e as u32 + 1,
                },
            ))]
        }
        (Action::MoveUp | Action::MoveDown, Some(PlaylistRow::Entry(i, e))) => {
            let Some(p) = pl.items.get(i) else {
                return Some(Vec::new());
            };
            let len = pl.tracks.get(i).map_or(0, Vec::len);
            let to = if action == Action::MoveUp {
                e.checked_sub(1)
            } else {
                Some(e + 1)
            };
            let Some(to) = to.filter(|&t| t < len) else {
                return Some(Vec::new());
            };
            let id = p.id;
            // The cursor follows the entry to its new place.
            let delta = if action == Action::MoveUp { -1 } else { 1 };
            let rows = pl.rows.len();
            pl.cursor.move_by(delta, rows, page);
            vec![Effect::Library(LibraryRequest::Op(
                LibraryOp::MovePlaylistEntry {
                    id,
                    from: e as u32 + 1,
                    to: to as u32 + 1,
                },
            ))]
        }
        _ => return None,
    };
    Some(out)
}

/// Plays playlist `index` from entry `start`.
fn play(model: &mut Model, index: usize, start: usize) -> Vec<Effect> {
    if model.refuse_without_audio() {
        return Vec::new();
    }
    let (Some(tracks), Some(catalog)) = (
        model.playlists.tracks.get(index),
        model.playlists.catalogs.get(index),
    ) else {
        return Vec::new();
    };
    // The catalog leaves missing files out: entry `start` is the catalog's track after the
    // present entries before it (or the next present one when it is missing itself).
    let present_before = tracks.iter().take(start).filter(|t| !t.missing).count();
    if present_before >= catalog.tracks.len() {
        model.set_status(Level::Warning, "the file of that entry is missing");
        return Vec::new();
    }
    let catalog = Arc::clone(catalog);
    let queue: Vec<usize> = (0..catalog.tracks.len()).collect();
    model
        .playback
        .play_queue(catalog, queue, present_before)
        .into_iter()
        .map(Effect::Player)
        .collect()
}
