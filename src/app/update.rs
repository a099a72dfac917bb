//! The pure heart of the application: a message in, the model changed, effects out.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::app::LibraryMsg;
use crate::app::catalog::TreeRow;
use crate::app::device::update as device_update;
use crate::app::library::Listing;
use crate::app::library::update as library_update;
use crate::app::overlay::import;
use crate::app::transfers::update as transfer_update;
use crate::app::{Effect, Msg};
use crate::app::{ImportDialog, Level, Model, Overlay, Pane};
use crate::config::{Action, Group};
use library::text;
use media::player::PlayerEvent;

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Resize(viewport) => {
            model.viewport = viewport;
            clamp_all(model);
            Vec::new()
        }
        Msg::Player(event) => on_player_event(model, event),
        Msg::Device(event) => device_update::on_event(model, event),
        Msg::Library(m) => on_library_msg(model, m),
        Msg::PathCompleted(path) => import::on_completed(model, path),
        Msg::Transfer(event) => transfer_update::on_event(model, event),
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
        Overlay::Help { .. } => return on_help_key(model, key),
        Overlay::Import(_) => return import::on_key(model, key),
        Overlay::Rename(_) => return device_update::on_rename_key(model, key),
        Overlay::Confirm(_) => return device_update::on_confirm_key(model, key),
        Overlay::Tags(_) => return library_update::on_tags_key(model, key),
        Overlay::ImportPreview(_) => return import::on_preview_key(model, key),
        Overlay::None => {}
    }
    if model.library.filter.editing {
        return on_filter_key(model, key);
    }
    match model.keymap.action(&key) {
        Some(action) => on_action(model, action),
        None => Vec::new(),
    }
}

fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    // With the Device pane focused, playback and editing keys act on the recorder.
    if model.focus == Pane::Device
        && let Some(effects) = device_update::on_action(model, action)
    {
        return effects;
    }
    if model.focus == Pane::Transfers
        && let Some(effects) = transfer_update::on_action(model, action)
    {
        return effects;
    }
    if model.focus == Pane::Library && action == Action::Transfer {
        return transfer_update::queue_selection(model);
    }
    if model.focus == Pane::Playlists
        && let Some(effects) = library_update::on_playlists_action(model, action)
    {
        return effects;
    }
    if model.focus == Pane::Library
        && let Some(effects) = library_update::on_library_action(model, action)
    {
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
        Action::Activate => return activate(model),
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
        a if a.group() == Group::Playback => return on_playback_action(model, a),
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

/// Enter: on an album, play it from the start; on a track, play it and queue the rest of
/// its album (tree) or of the list it is in (flat list, filter); on an artist, open or close.
fn activate(model: &mut Model) -> Vec<Effect> {
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

fn on_playback_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if model.refuse_without_audio() {
        return Vec::new();
    }
    let pb = &mut model.playback;
    let requests = match action {
        Action::PlayPause => pb.toggle_pause(),
        Action::Stop => pb.stop(),
        Action::NextTrack => pb.next_track().unwrap_or_else(|| {
            model.set_status(Level::Info, "End of the play queue");
            Vec::new()
        }),
        Action::PrevTrack => pb.previous_track().unwrap_or_default(),
        Action::SeekBack => pb.seek_by(-5_000),
        Action::SeekForward => pb.seek_by(5_000),
        Action::SeekBackLong => pb.seek_by(-30_000),
        Action::SeekForwardLong => pb.seek_by(30_000),
        Action::VolumeUp => pb.change_volume(5),
        Action::VolumeDown => pb.change_volume(-5),
        Action::Mute => pb.toggle_mute(),
        Action::Shuffle => {
            let r = pb.toggle_shuffle();
            let state = if pb.shuffle { "on" } else { "off" };
            model.set_status(Level::Info, format!("Shuffle {state}"));
            r
        }
        Action::Repeat => {
            let r = pb.cycle_repeat();
            let label = pb.repeat.label();
            model.set_status(Level::Info, format!("Repeat {label}"));
            r
        }
        _ => Vec::new(),
    };
    requests.into_iter().map(Effect::Player).collect()
}

fn on_player_event(model: &mut Model, event: PlayerEvent) -> Vec<Effect> {
    let pb = &mut model.playback;
    let requests = match event {
        PlayerEvent::Started { seq } => pb.on_started(seq),
        PlayerEvent::Position { seq, position_ms } => {
            pb.on_position(seq, position_ms);
            Vec::new()
        }
        PlayerEvent::Ended { seq } => {
            pb.on_ended(seq);
            Vec::new()
        }
        PlayerEvent::Failed { seq, path, reason } => {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            model.set_status(
                Level::Error,
                format!("cannot play {}: {reason}", text::clean(&name)),
            );
            model.playback.on_failed(seq)
        }
    };
    requests.into_iter().map(Effect::Player).collect()
}

fn on_filter_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
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
        KeyCode::Up => move_cursor(model, -1),
        KeyCode::Down => move_cursor(model, 1),
        KeyCode::PageUp => move_cursor(model, -(page as isize)),
        KeyCode::PageDown => move_cursor(model, page as isize),
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

fn on_help_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Help { scroll } = &mut model.overlay else {
        return Vec::new();
    };
    match model.keymap.action(&key) {
        Some(Action::Down) => *scroll = scroll.saturating_add(1),
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll = scroll.saturating_add(10),
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Action::Top) => *scroll = 0,
        Some(Action::Help | Action::Cancel | Action::Quit | Action::Activate) => {
            model.overlay = Overlay::None
        }
        _ if key.code == KeyCode::Esc => model.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}

fn move_cursor(model: &mut Model, delta: isize) {
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
