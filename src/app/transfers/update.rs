//! `update` for the transfer queue: `t` in the Library queues the selection; in the
//! Transfers pane the keys start, pause, cancel, retry, reorder, remove and retitle items.

use crate::app::Effect;
use crate::app::overlay::rename::open_rename;
use crate::app::transfers::SendProgress;
use crate::app::{Level, Model, Pane, RenameTarget};
use crate::config::Action;
use crate::transfer::plan::TrackTags;
use crate::transfer::{TitleTemplate, TransferEvent, TransferRequest};
use library::{Track, TransferSource, TransferState};

fn page(model: &Model) -> usize {
    model.page(Pane::Transfers)
}

fn request(r: TransferRequest) -> Effect {
    Effect::Transfer(r)
}

pub fn on_event(model: &mut Model, event: TransferEvent) -> Vec<Effect> {
    let page = page(model);
    let t = &mut model.transfers;
    match event {
        TransferEvent::QueueChanged(items) => t.set(items, page),
        TransferEvent::ItemStarted {
            id, bytes_total, ..
        } => {
            t.running = Some(SendProgress {
                id,
                bytes_total,
                ..SendProgress::default()
            });
        }
        TransferEvent::Progress {
            id,
            bytes_done,
            bytes_total,
            rate_bps,
            eta_ms,
        } => {
            t.running = Some(SendProgress {
                id,
                bytes_done,
                bytes_total,
                rate_bps,
                eta_ms,
            });
        }
        TransferEvent::ItemDone {
            id,
            track,
            warnings,
        } => {
            t.running = None;
            let item = t.items.iter().find(|i| i.id == id);
            let receive = item.is_some_and(|i| i.receive.is_some());
            let title = item.map(|i| i.title.clone()).unwrap_or_default();
            let done = if receive {
                format!("Received track {track} \"{title}\" into the library")
            } else {
                format!("Sent \"{title}\" as track {track}")
            };
            match warnings.first() {
                None => model.set_status(Level::Info, done),
                Some(w) => model.set_status(Level::Warning, format!("{done}: {w}")),
            }
        }
        TransferEvent::ItemFailed { id, reason } => {
            t.running = None;
            let title = t.items.iter().find(|i| i.id == id).map(|i| i.title.clone());
            let title = title.unwrap_or_default();
            model.set_status(Level::Error, format!("\"{title}\" failed: {reason}"));
        }
        TransferEvent::ItemCancelled { id } => {
            t.running = None;
            let receive = t.items.iter().any(|i| i.id == id && i.receive.is_some());
            model.set_status(
                Level::Info,
                if receive {
                    "Receive cancelled; no file was left behind"
                } else {
                    "Transfer cancelled; nothing was left on the disc"
                },
            );
        }
        TransferEvent::Refused(reason) => {
            t.running = None;
            model.set_status(Level::Error, format!("Not sent: {reason}"));
        }
        TransferEvent::Idle => t.running = None,
        TransferEvent::Error(e) => {
            t.running = None;
            model.set_status(Level::Error, e);
        }
    }
    Vec::new()
}

/// `t` in the Library: queue the selection and start sending.
pub fn queue_selection(model: &mut Model) -> Vec<Effect> {
    let lib = &model.library;
    let tracks: Vec<Track> = lib
        .selection()
        .iter()
        .filter_map(|&i| lib.catalog.tracks.get(i).cloned())
        .collect();
    model.library.marked.clear();
    model.library.anchor = None;
    queue_tracks(model, &tracks)
}

/// Queues `tracks` in the default mode and starts the queue unless it is paused.
pub fn queue_tracks(model: &mut Model, tracks: &[Track]) -> Vec<Effect> {
    if tracks.is_empty() {
        return Vec::new();
    }
    let mode = model.transfers.default_mode;
    let template = model.transfers.title_template.clone();
    let mut effects: Vec<Effect> = tracks
        .iter()
        .map(|t| {
            // The queue shows the title the disc will get; `R` in the pane changes it.
            let tags = TrackTags {
                title: t.title.clone(),
                artist: t.artist.clone(),
                album: t.album.clone(),
                track_number: t.track_number,
            };
            request(TransferRequest::Enqueue {
                source: TransferSource::Track(t.id),
                title: TitleTemplate::expand(&template, &tags),
                mode,
            })
        })
        .collect();
    let n = effects.len();
    let s = if n == 1 { "" } else { "s" };
    if model.transfers.paused {
        model.set_status(
            Level::Info,
            format!("Queued {n} track{s} (the queue is paused)"),
        );
    } else {
        effects.push(request(TransferRequest::Start));
        model.set_status(Level::Info, format!("Queued {n} track{s} for the recorder"));
    }
    effects
}

/// Keys of the Transfers pane; `None` when the action means nothing special there.
pub fn on_action(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let page = page(model);
    let t = &mut model.transfers;
    let item = t.selected().cloned();
    if matches!(action, Action::CycleSort | Action::Rename)
        && item.as_ref().is_some_and(|i| i.receive.is_some())
    {
        model.set_status(
            Level::Info,
            "A track received from the recorder keeps the disc's mode and title",
        );
        return Some(Vec::new());
    }
    let out = match action {
        Action::PlayPause => {
            t.paused = !t.paused;
            if t.paused {
                model.set_status(Level::Info, "The queue stops after the current item");
                vec![request(TransferRequest::Pause)]
            } else {
                vec![
                    request(TransferRequest::Resume),
                    request(TransferRequest::Start),
                ]
            }
        }
        Action::Stop => vec![request(TransferRequest::CancelCurrent)],
        Action::Repeat => match item {
            Some(i) if matches!(i.state, TransferState::Failed | TransferState::Cancelled) => {
                vec![
                    request(TransferRequest::Retry(i.id)),
                    request(TransferRequest::Start),
                ]
            }
            _ => vec![
                request(TransferRequest::RetryFailed),
                request(TransferRequest::Start),
            ],
        },
        Action::Delete => match item {
            Some(i) if t.running.is_some_and(|r| r.id == i.id) => {
                model.set_status(Level::Warning, "That item is being sent: s cancels it");
                Vec::new()
            }
            Some(i) => vec![request(TransferRequest::Remove(i.id))],
            None => Vec::new(),
        },
        Action::MoveUp | Action::MoveDown => match item {
            Some(i) => {
                let to = if action == Action::MoveUp {
                    i.position.saturating_sub(1).max(1)
                } else {
                    i.position + 1
                };
                let delta = if action == Action::MoveUp { -1 } else { 1 };
                let len = t.items.len();
                t.cursor.move_by(delta, len, page);
                vec![request(TransferRequest::Move {
                    id: i.id,
                    position: to,
                })]
            }
            None => Vec::new(),
        },
        Action::CycleSort => {
            if let Some(i) = item {
                vec![request(TransferRequest::SetMode {
                    id: i.id,
                    mode: i.mode.next(),
                })]
            } else {
                t.default_mode = t.default_mode.next();
                let mode = t.default_mode.label();
                model.set_status(Level::Info, format!("New items are queued in {mode}"));
                Vec::new()
            }
        }
        Action::Rename => match item {
            Some(i) => {
                open_rename(
                    model,
                    RenameTarget::TransferTitle(i.id),
                    "Title on the disc".into(),
                    i.title,
                );
                Vec::new()
            }
            None => Vec::new(),
        },
        Action::Undo => vec![request(TransferRequest::ClearDone)],
        _ => return None,
    };
    Some(out)
}
