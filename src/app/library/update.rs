//! `update` for the library's own editing: marks and ranges, playlists, the tag editor and
//! undo. Changes that touch files or the database leave as [`LibraryOp`] effects.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::LibraryRequest;
use crate::app::device::update::open_rename;
use crate::app::overlay::tag_editor::TagEditor;
use crate::app::playlists::PlaylistRow;
use crate::app::{ConfirmDialog, Level, Model, Overlay, Pane, RenameTarget};
use crate::app::{Effect, LibraryOp, OpOutcome};
use crate::config::Action;
use library::PlaylistError;

fn playlists_page(model: &Model) -> usize {
    model.page(Pane::Playlists)
}

/// Library-pane actions that edit; `None` when the action is not one of them.
pub fn on_library_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let lib = &mut model.library;
    match action {
        Action::Mark => {
            let page = model.page(Pane::Library);
            let lib = &mut model.library;
            lib.toggle_mark();
            let len = lib.len();
            lib.cursor_mut().move_by(1, len, page);
        }
        Action::SelectRange => {
            lib.anchor = match lib.anchor {
                Some(_) => None,
                None => Some(lib.cursor().selected),
            };
        }
        Action::AddToPlaylist => {
            let tracks: Vec<i64> = lib
                .selection()
                .iter()
                .filter_map(|&i| lib.catalog.tracks.get(i).map(|t| t.id))
                .collect();
            if tracks.is_empty() {
                return Some(Vec::new());
            }
            let n = tracks.len();
            let name = model.playlists.last_used.clone().unwrap_or_default();
            let s = if n == 1 { "" } else { "s" };
            open_rename(
                model,
                RenameTarget::AddToPlaylist(tracks),
                format!("Add {n} track{s} to the playlist (new or existing)"),
                name,
            );
        }
        Action::EditTags => {
            let selection = lib.selection();
            let tracks: Vec<_> = selection
                .iter()
                .filter_map(|&i| lib.catalog.tracks.get(i))
                .collect();
            if tracks.is_empty() {
                return Some(Vec::new());
            }
            model.overlay = Overlay::Tags(Box::new(TagEditor::new(&tracks)));
        }
        Action::Undo => match model.undo.take() {
            Some(batch) => {
                model.set_status(Level::Info, "Undoing the last tag edit…");
                return Some(vec![Effect::Library(LibraryRequest::Op(
                    LibraryOp::UndoTags(batch),
                ))]);
            }
            None => model.set_status(Level::Info, "Nothing to undo"),
        },
        _ => return None,
    }
    Some(Vec::new())
}

/// Keys of the Playlists pane; `None` when the action means nothing special there.
pub fn on_playlists_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
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

pub fn on_op_done(model: &mut Model, result: Result<OpOutcome, PlaylistError>) -> Vec<Effect> {
    match result {
        Ok(outcome) => {
            if let Some(batch) = outcome.undo {
                model.undo = Some(batch);
            }
            match outcome.problems.first() {
                Some(first) => {
                    let more = outcome.problems.len() - 1;
                    let tail = if more > 0 {
                        format!(" (+{more} more in the log)")
                    } else {
                        String::new()
                    };
                    model.set_status(
                        Level::Warning,
                        format!("{}; {first}{tail}", outcome.message),
                    );
                }
                None if !outcome.message.is_empty() => {
                    model.set_status(Level::Info, outcome.message)
                }
                None => {}
            }
        }
        Err(e) => model.set_status(Level::Error, e.to_string()),
    }
    Vec::new()
}

/// The tag editor: Tab / Shift-Tab / ↑ / ↓ move between fields, Enter saves, Esc cancels.
pub fn on_tags_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Tags(editor) = &mut model.overlay else {
        return Vec::new();
    };
    let n = editor.fields.len();
    match key.code {
        KeyCode::Esc => model.overlay = Overlay::None,
        KeyCode::Tab | KeyCode::Down => editor.focus = (editor.focus + 1) % n,
        KeyCode::BackTab | KeyCode::Up => editor.focus = (editor.focus + n - 1) % n,
        KeyCode::Enter => match editor.edit() {
            Ok(edit) if edit.is_empty() => model.overlay = Overlay::None,
            Ok(edit) => {
                let paths = editor.paths.clone();
                let count = paths.len();
                model.overlay = Overlay::None;
                model.library.marked.clear();
                model.library.anchor = None;
                let s = if count == 1 { "" } else { "s" };
                model.set_status(Level::Info, format!("Writing the tags of {count} file{s}…"));
                return vec![Effect::Library(LibraryRequest::Op(LibraryOp::WriteTags {
                    paths,
                    edit,
                }))];
            }
            Err(message) => editor.error = Some(message),
        },
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(f) = editor.fields.get_mut(editor.focus) {
                f.input = ratatui_textarea::TextArea::default();
            }
        }
        _ => {
            if let Some(f) = editor.fields.get_mut(editor.focus) {
                f.input.input(key);
                editor.error = None;
            }
        }
    }
    Vec::new()
}
