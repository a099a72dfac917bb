//! `update` for the Device pane: the recorder's events, and the keys that edit the disc or
//! control the recorder's own playback while the pane has the focus.

use crate::app::Effect;
use crate::app::device::DeviceRow;
use crate::app::overlay::rename::open_rename;
use crate::app::{ConfirmDialog, Level, Model, Overlay, Pane, RenameTarget};
use crate::app::{DeviceEvent, DeviceRequest};
use crate::config::{Action, Group};
use library::text;
use netmd::PlayerState;

fn page(model: &Model) -> usize {
    model.page(Pane::Device)
}

pub fn on_event(model: &mut Model, event: DeviceEvent) -> Vec<Effect> {
    let page = page(model);
    match event {
        DeviceEvent::Connected(disc) => {
            let name = disc.info.device.clone();
            model.device.busy = None;
            model.device.set_disc(disc, page);
            model.set_status(Level::Info, format!("Recorder connected: {name}"));
        }
        DeviceEvent::DiscChanged(disc) => {
            model.device.busy = None;
            model.device.set_disc(disc, page);
        }
        DeviceEvent::Disconnected(reason) => {
            let was_connected =
                matches!(model.device.status, crate::app::DeviceStatus::Connected(_));
            // Keep a more specific reason (a permission error) over "no recorder found".
            let keep = matches!(
                &model.device.status,
                crate::app::DeviceStatus::NotConnected(Some(_))
            ) && !was_connected;
            if !keep {
                model.device.disconnect(Some(reason.clone()));
            }
            if was_connected {
                model.set_status(Level::Warning, format!("Recorder disconnected: {reason}"));
            }
        }
        DeviceEvent::DamagedIndex { reason, backup } => {
            model.device.disconnect(Some(reason));
            // Offered, not done: the backup may be one change behind the disc.
            if matches!(model.overlay, Overlay::None) {
                model.overlay = Overlay::Confirm(Box::new(ConfirmDialog {
                    message: format!(
                        "The disc's track index is damaged. Restore it from the unit's backup \
                         {}? Its tracks, titles and groups may be as they were one change ago.",
                        text::clean(&backup)
                    ),
                    effect: Effect::Device(DeviceRequest::RestoreIndex),
                    then: None,
                }));
            }
        }
        DeviceEvent::Progress {
            operation,
            done,
            total,
        } => model.device.busy = Some(format!("{operation} {done}/{total}")),
        DeviceEvent::Player(status) => model.device.player = Some(status),
        DeviceEvent::Done(text) => {
            model.device.busy = None;
            model.set_status(Level::Info, text);
        }
        DeviceEvent::Warning(text) => model.set_status(Level::Warning, text),
        DeviceEvent::Error(text) => {
            model.device.busy = None;
            // A failure to open the recorder (e.g. no permission) is why it is not connected.
            if matches!(model.device.status, crate::app::DeviceStatus::Searching) {
                model.device.disconnect(Some(text.clone()));
            }
            model.set_status(Level::Error, text);
        }
    }
    Vec::new()
}

/// Keys acting on the recorder; `None` when the action means nothing here.
pub fn on_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let relevant = action == Action::Activate
        || matches!(
            action.group(),
            Group::Playback | Group::Editing | Group::Device
        );
    if !relevant {
        return None;
    }
    let dev = &model.device;
    let Some(disc) = dev.disc() else {
        let reason = match &dev.status {
            crate::app::DeviceStatus::NotConnected(Some(r)) => {
                format!("No recorder connected: {r}")
            }
            _ => "No recorder connected".to_string(),
        };
        model.set_status(Level::Warning, reason);
        return Some(Vec::new());
    };
    let write_protected = disc.write_protected;
    let track_count = disc.tracks.len() as u32;
    let row = dev.selected_row();
    let track = dev.selected_track();
    let edits = matches!(
        action,
        Action::Rename
            | Action::Delete
            | Action::MoveUp
            | Action::MoveDown
            | Action::CreateGroup
            | Action::EraseDisc
    );
    if edits && write_protected {
        model.set_status(
            Level::Warning,
            "The disc is write-protected: slide the tab to allow changes",
        );
        return Some(Vec::new());
    }
    let effect = |r: DeviceRequest| vec![Effect::Device(r)];
    let out = match action {
        Action::Activate => match track {
            Some(n) => vec![
                Effect::Device(DeviceRequest::Goto(n)),
                Effect::Device(DeviceRequest::Play),
            ],
            None => Vec::new(),
        },
        Action::PlayPause => {
            let playing = dev.player.is_some_and(|p| p.state == PlayerState::Playing);
            effect(if playing {
                DeviceRequest::Pause
            } else {
                DeviceRequest::Play
            })
        }
        Action::Stop => effect(DeviceRequest::Stop),
        Action::NextTrack => effect(DeviceRequest::Next),
        Action::PrevTrack => effect(DeviceRequest::Previous),
        Action::SeekBack | Action::SeekForward | Action::SeekBackLong | Action::SeekForwardLong => {
            let Some(p) = dev.player.filter(|p| p.track.is_some()) else {
                return Some(Vec::new());
            };
            let delta: i64 = match action {
                Action::SeekBack => -5_000,
                Action::SeekForward => 5_000,
                Action::SeekBackLong => -30_000,
                _ => 30_000,
            };
            effect(DeviceRequest::Seek {
                track: p.track.unwrap_or(1),
                position_ms: (p.position_ms as i64 + delta).max(0) as u64,
            })
        }
        Action::Rename => {
            let (target, heading, current) = match row {
                Some(DeviceRow::Disc) => (
                    RenameTarget::Disc,
                    "Rename the disc".to_string(),
                    disc.title.clone(),
                ),
                Some(DeviceRow::Group(g)) => (
                    RenameTarget::Group(g),
                    format!("Rename group {}", g + 1),
                    disc.groups
                        .get(g)
                        .map(|x| x.title.clone())
                        .unwrap_or_default(),
                ),
                Some(DeviceRow::Track(n)) => (
                    RenameTarget::Track(n),
                    format!("Rename track {n}"),
                    disc.tracks
                        .iter()
                        .find(|t| t.number == n)
                        .map(|t| t.title.clone())
                        .unwrap_or_default(),
                ),
                None => return Some(Vec::new()),
            };
            open_rename(model, target, heading, current);
            Vec::new()
        }
        Action::CreateGroup => {
            let Some((first, last)) = dev.selected_range() else {
                model.set_status(
                    Level::Info,
                    "Select tracks (V marks a range) to make a group",
                );
                return Some(Vec::new());
            };
            let heading = if first == last {
                format!("New group with track {first}")
            } else {
                format!("New group of tracks {first}–{last}")
            };
            open_rename(
                model,
                RenameTarget::NewGroup { first, last },
                heading,
                String::new(),
            );
            Vec::new()
        }
        Action::Delete => {
            let (message, request) = match row {
                Some(DeviceRow::Group(g)) => (
                    format!("Delete group {}? Its tracks stay on the disc.", g + 1),
                    DeviceRequest::DeleteGroup { group: g + 1 },
                ),
                Some(DeviceRow::Track(_)) => {
                    let Some((first, last)) = dev.selected_range() else {
                        return Some(Vec::new());
                    };
                    let tracks: Vec<u32> = (first..=last).collect();
                    let what = if first == last {
                        format!("track {first}")
                    } else {
                        format!("tracks {first}–{last}")
                    };
                    (
                        format!("Delete {what} from the disc?"),
                        DeviceRequest::DeleteTracks(tracks),
                    )
                }
                _ => return Some(Vec::new()),
            };
            model.overlay = Overlay::Confirm(Box::new(ConfirmDialog {
                message,
                effect: Effect::Device(request),
                then: None,
            }));
            Vec::new()
        }
        Action::EraseDisc => {
            let effect = Effect::Device(DeviceRequest::EraseDisc);
            let dialog = if model.device.himd.is_some() {
                // Formatting a Hi-MD disc takes everything on it: asked twice.
                ConfirmDialog {
                    message: format!(
                        "Format the Hi-MD disc \"{}\" ({track_count} tracks)? Everything on it \
                         goes.",
                        disc.title
                    ),
                    effect: effect.clone(),
                    then: Some(Box::new(ConfirmDialog {
                        message: "Really format it? This cannot be undone.".into(),
                        effect,
                        then: None,
                    })),
                }
            } else {
                ConfirmDialog {
                    message: format!(
                        "Erase the whole disc \"{}\" ({track_count} tracks)? This cannot be \
                         undone.",
                        disc.title
                    ),
                    effect,
                    then: None,
                }
            };
            model.overlay = Overlay::Confirm(Box::new(dialog));
            Vec::new()
        }
        Action::MoveUp | Action::MoveDown => {
            let Some(n) = track else {
                return Some(Vec::new());
            };
            let to = if action == Action::MoveUp {
                n.saturating_sub(1)
            } else {
                n + 1
            };
            if to == 0 || to > track_count {
                return Some(Vec::new());
            }
            // Follow the track to its new place once the disc is read again.
            if let Some(pos) = model
                .device
                .rows
                .iter()
                .position(|r| *r == DeviceRow::Track(to))
            {
                model.device.cursor.selected = pos;
            }
            effect(DeviceRequest::MoveTrack { from: n, to })
        }
        Action::ExportTitles => {
            open_rename(
                model,
                RenameTarget::ExportTitles,
                "Write the titles to a CSV file".into(),
                "titles.csv".into(),
            );
            Vec::new()
        }
        Action::ImportTitles => {
            open_rename(
                model,
                RenameTarget::ImportTitles,
                "Apply titles from a CSV file".into(),
                "titles.csv".into(),
            );
            Vec::new()
        }
        Action::Receive => {
            if !disc.can_receive {
                let why = netmd::receive::ReceiveError::Unsupported {
                    device: disc.device.clone(),
                };
                model.set_status(Level::Warning, why.to_string());
                return Some(Vec::new());
            }
            let numbers: Vec<u32> = match row {
                Some(DeviceRow::Disc) => disc.tracks.iter().map(|t| t.number).collect(),
                Some(DeviceRow::Group(g)) => disc
                    .groups
                    .get(g)
                    .map(|g| (g.first..=g.last).collect())
                    .unwrap_or_default(),
                Some(DeviceRow::Track(_)) => dev
                    .selected_range()
                    .map(|(first, last)| (first..=last).collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let t = &model.transfers;
            let orders = crate::transfer::receive::orders_for(
                disc,
                model.device.himd.as_ref(),
                &numbers,
                t.receive_dir.as_deref(),
                &model.music_dir,
                t.receive_format,
            );
            let count = orders.len();
            let mut effects: Vec<Effect> = orders.into_iter().map(Effect::Transfer).collect();
            if count > 0 {
                effects.push(Effect::Transfer(crate::transfer::TransferRequest::Start));
                model.device.anchor = None;
                model.set_status(
                    Level::Info,
                    if count == 1 {
                        "Queued 1 track to receive".to_string()
                    } else {
                        format!("Queued {count} tracks to receive")
                    },
                );
            }
            effects
        }
        Action::SelectRange => {
            let dev = &mut model.device;
            dev.anchor = match dev.anchor {
                Some(_) => None,
                None => Some(dev.cursor.selected),
            };
            Vec::new()
        }
        _ => Vec::new(),
    };
    Some(out)
}
