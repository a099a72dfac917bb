//! The pure heart of the application: a message in, the model changed, effects out.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::app::LibraryMsg;
use crate::app::device::update as device_update;
use crate::app::library::update as library_update;
use crate::app::overlay::{confirm, help, import, rename, tag_editor};
use crate::app::playback;
use crate::app::playlists::update as playlists_update;
use crate::app::transfers::update as transfer_update;
use crate::app::{Effect, Msg};
use crate::app::{ImportDialog, Level, Model, Overlay, Pane};
use crate::config::{Action, Group};

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Resize(viewport) => {
            model.viewport = viewport;
            clamp_all(model);
            Vec::new()
        }
        Msg::Player(event) => playback::on_player_event(model, event),
        Msg::Device(event) => device_update::on_event(model, event),
        Msg::Library(m) => on_library_msg(model, m),
        Msg::PathCompleted(path) => import::on_completed(model, path),
        Msg::Transfer(event) => transfer_update::on_event(model, event),
        Msg::SilentOutput(note) => {
            model.set_status(Level::Info, note);
            Vec::new()
        }
        Msg::AudioUnavailable(reason) => {
            model.set_status(Level::Warning, reason.clone());
            model.playback.audio_error = Some(reason);
            Vec::new()
        }
        Msg::Terminate => {
            model.quit = true;
            Vec::new()
        }
    }
}

/// The library worker's answers.
fn on_library_msg(model: &mut Model, msg: LibraryMsg) -> Vec<Effect> {
    match msg {
        LibraryMsg::Loaded(Ok(data)) => {
            let page = model.page(Pane::Library);
            model.library.set_catalog(data.catalog, page);
            let page = model.page(Pane::Playlists);
            model.playlists.set(
                data.playlists,
                data.playlist_tracks,
                data.playlist_catalogs,
                page,
            );
            let page = model.page(Pane::Transfers);
            model.transfers.set(data.transfers, page);
            clamp_all(model);
            Vec::new()
        }
        LibraryMsg::Loaded(Err(e)) => {
            model.set_status(Level::Error, format!("could not load the library: {e}"));
            Vec::new()
        }
        LibraryMsg::ImportProgress { done, total, path } => {
            import::on_progress(model, done, total, path)
        }
        LibraryMsg::ImportFinished(result) => import::on_finished(model, result),
        LibraryMsg::ImportPlanned(result) => import::on_planned(model, result),
        LibraryMsg::PlanApplied(result) => import::on_applied(model, result),
        LibraryMsg::OpDone(result) => library_update::on_op_done(model, result),
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // Ctrl-C always leaves, whatever has the keyboard and however keys are bound.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        model.quit = true;
        return Vec::new();
    }
    match &model.overlay {
        Overlay::Help { .. } => return help::on_key(model, key),
        Overlay::Import(_) => return import::on_key(model, key),
        Overlay::Rename(_) => return rename::on_key(model, key),
        Overlay::Confirm(_) => return confirm::on_key(model, key),
        Overlay::Tags(_) => return tag_editor::on_key(model, key),
        Overlay::ImportPreview(_) => return import::on_preview_key(model, key),
        Overlay::None => {}
    }
    if model.library.filter.editing {
        return library_update::on_filter_key(model, key);
    }
    match model.keymap.action_in(&key, model.focus == Pane::Device) {
        Some(action) => on_action(model, action),
        None => Vec::new(),
    }
}

fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    // The focused pane has the first say (on the Device pane, playback and editing keys act
    // on the recorder); what it leaves is global.
    let handled = match model.focus {
        Pane::Library => library_update::on_action(model, action),
        Pane::Playlists => playlists_update::on_action(model, action),
        Pane::Device => device_update::on_action(model, action),
        Pane::Transfers => transfer_update::on_action(model, action),
    };
    if let Some(effects) = handled {
        return effects;
    }
    match action {
        Action::Quit => model.quit = true,
        Action::Help => model.overlay = Overlay::Help { scroll: 0 },
        Action::FocusNext => model.focus = model.focus.next(),
        Action::FocusPrev => model.focus = model.focus.prev(),
        Action::FocusLibrary => model.focus = Pane::Library,
        Action::FocusPlaylists => model.focus = Pane::Playlists,
        Action::FocusDevice => model.focus = Pane::Device,
        Action::FocusTransfers => model.focus = Pane::Transfers,
        Action::Up => move_cursor(model, -1),
        Action::Down => move_cursor(model, 1),
        Action::PageUp => {
            let page = model.page(model.focus) as isize;
            move_cursor(model, -page);
        }
        Action::PageDown => {
            let page = model.page(model.focus) as isize;
            move_cursor(model, page);
        }
        Action::Top => move_cursor(model, isize::MIN / 2),
        Action::Bottom => move_cursor(model, isize::MAX / 2),
        Action::Expand if model.focus == Pane::Library => {
            let page = model.page(Pane::Library);
            model.library.expand(page);
        }
        Action::Collapse if model.focus == Pane::Library => {
            let page = model.page(Pane::Library);
            model.library.collapse(page);
        }
        Action::Activate => return library_update::activate(model),
        Action::Filter => {
            model.focus = Pane::Library;
            model.library.filter.editing = true;
            let page = model.page(Pane::Library);
            model.library.clamp(page);
        }
        Action::Cancel => {
            if model.library.filter.is_active() || model.library.filter.error.is_some() {
                let page = model.page(Pane::Library);
                model.library.clear_filter(page);
            }
            model.status = None;
        }
        Action::ToggleView => {
            model.focus = Pane::Library;
            let page = model.page(Pane::Library);
            model.library.toggle_view(page);
            let page = model.page(Pane::Library);
            model.library.clamp(page);
        }
        Action::CycleSort | Action::ReverseSort => {
            let (sort, reverse) = if action == Action::CycleSort {
                (model.library.sort.next(), false)
            } else {
                (model.library.sort, !model.library.reverse)
            };
            let page = model.page(Pane::Library);
            model.library.set_sort(sort, reverse, page);
            let dir = if reverse { "descending" } else { "ascending" };
            model.set_status(Level::Info, format!("Sorted by {} ({dir})", sort.label()));
        }
        a if a.group() == Group::Playback => return playback::on_action(model, a),
        a if a.group() == Group::Editing => {
            model.set_status(
                Level::Info,
                format!(
                    "`{}` does nothing in the {} pane",
                    a.name(),
                    model.focus.title()
                ),
            );
        }
        Action::Import => {
            if model.import.is_some() {
                model.set_status(Level::Warning, "An import is already running");
            } else {
                let mut path = TextArea::new(vec![model.music_dir.display().to_string()]);
                path.move_cursor(ratatui_textarea::CursorMove::End);
                model.overlay = Overlay::Import(Box::new(ImportDialog { path, error: None }));
            }
        }
        // The playback and editing groups are handled above; nothing else is left.
        _ => {}
    }
    Vec::new()
}

/// Moves the focused pane's cursor by `delta` rows (a page is the pane's visible rows).
pub(crate) fn move_cursor(model: &mut Model, delta: isize) {
    let page = model.page(model.focus);
    match model.focus {
        Pane::Library => {
            let len = model.library.len();
            model.library.cursor_mut().move_by(delta, len, page);
        }
        Pane::Playlists => {
            let len = model.playlists.rows.len();
            model.playlists.cursor.move_by(delta, len, page);
        }
        Pane::Transfers => {
            let len = model.transfers.items.len();
            model.transfers.cursor.move_by(delta, len, page);
        }
        Pane::Device => {
            let len = model.device.rows.len();
            model.device.cursor.move_by(delta, len, page);
        }
    }
}

fn clamp_all(model: &mut Model) {
    let page = model.page(Pane::Library);
    model.library.clamp(page);
    let page = model.page(Pane::Playlists);
    let len = model.playlists.rows.len();
    model.playlists.cursor.scroll_into_view(len, page);
    let page = model.page(Pane::Transfers);
    let len = model.transfers.items.len();
    model.transfers.cursor.scroll_into_view(len, page);
}
