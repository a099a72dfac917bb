//! `update` for the Library pane: marks and ranges, adding to playlists, opening the tag
//! editor, undo, playing with Enter, and the filter field. Changes that touch files or the
//! database leave as [`LibraryOp`] effects.

use crate::app::overlay::import;
use ratatui_textarea::TextArea;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::app::LibraryRequest;
use crate::app::overlay::rename::open_rename;
use crate::app::overlay::tag_editor::TagEditor;
use crate::app::{Effect, LibraryOp, OpOutcome};
use crate::app::{Level, Model, Overlay, Pane, RenameTarget};
use crate::app::{Listing, TreeRow};
use crate::config::Action;
use library::PlaylistError;

/// Library-pane actions that edit; `None` when the action is not one of them.
pub fn on_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let lib = &mut model.library;
    match action {
        Action::Transfer => return Some(crate::app::transfers::update::queue_selection(model)),
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
                    model.set_status(Level::Info, outcome.message);
                }
                None => {}
            }
        }
        Err(e) => model.set_status(Level::Error, e.to_string()),
    }
    Vec::new()
}

/// Enter: on an album, play it from the start; on a track, play it and queue the rest of
/// its album (tree) or of the list it is in (flat list, filter); on an artist, open or close.
pub fn activate(model: &mut Model) -> Vec<Effect> {
    if model.focus != Pane::Library {
        return Vec::new();
    }
    let lib = &model.library;
    let cat = lib.catalog.clone();
    let (queue, start) = match lib.listing() {
        Listing::Tree => match lib.selected_tree_row() {
            Some(TreeRow::Artist { artist }) => {
                let page = model.page(Pane::Library);
                if model.library.is_artist_expanded(artist) {
                    model.library.collapse(page);
                } else {
                    model.library.expand(page);
                }
                return Vec::new();
            }
            Some(TreeRow::Album { artist, album }) => {
                let Some(b) = cat.artists.get(artist).and_then(|a| a.albums.get(album)) else {
                    return Vec::new();
                };
                (b.tracks.clone(), 0)
            }
            Some(TreeRow::Track {
                artist,
                album,
                track,
            }) => {
                let Some(b) = cat.artists.get(artist).and_then(|a| a.albums.get(album)) else {
                    return Vec::new();
                };
                let start = b.tracks.iter().position(|&t| t == track).unwrap_or(0);
                (b.tracks.clone(), start)
            }
            None => return Vec::new(),
        },
        Listing::Flat => (lib.flat.clone(), lib.flat_cursor.selected),
        Listing::Filtered => (lib.filter.matches.clone(), lib.filter.cursor.selected),
    };
    if model.refuse_without_audio() {
        return Vec::new();
    }
    let requests = model.playback.play_queue(cat, queue, start);
    requests.into_iter().map(Effect::Player).collect()
}

pub fn on_filter_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let page = model.page(Pane::Library);
    match key.code {
        KeyCode::Esc => {
            model.library.clear_filter(page);
            let page = model.page(Pane::Library);
            model.library.clamp(page);
        }
        KeyCode::Enter => {
            model.library.filter.editing = false;
            if model.library.filter.text().trim().is_empty() {
                model.library.clear_filter(page);
            }
        }
        // Results can be browsed without leaving the field.
        KeyCode::Up => crate::app::update::move_cursor(model, -1),
        KeyCode::Down => crate::app::update::move_cursor(model, 1),
        KeyCode::PageUp => crate::app::update::move_cursor(model, -(page as isize)),
        KeyCode::PageDown => crate::app::update::move_cursor(model, page as isize),
        _ if import::is_clear_line(&key) => {
            model.library.filter.input = TextArea::default();
            model.library.update_filter_text(page);
        }
        _ => {
            if model.library.filter.input.input(key) {
                model.library.update_filter_text(page);
                let page = model.page(Pane::Library);
                model.library.clamp(page);
            }
        }
    }
    Vec::new()
}
