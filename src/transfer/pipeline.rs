//! The send pipeline: a preparation thread decodes and encrypts each track and hands it over a
//! bounded channel, so the next track is ready while the current one is written to USB.
//! Everything is checked against the disc before the first byte is sent.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;
use std::time::Instant;

use super::TransferError;
use super::plan::{self, Planned, TitleTemplate, TrackTags};
use super::prepare;
use library::TransferMode;
use netmd::Transport;
use netmd::crypto::{OsEntropy, StreamKeys};
use netmd::send::{BULK_CHUNK, EncryptedAudio, SentTrack};
use netmd::{Mode, Recorder};

/// Tracks prepared ahead of the one being sent.
const PREPARED_AHEAD: usize = 1;

/// One file to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendItem {
    /// The caller's id (the queue item's, or the file's index on the command line).
    pub id: i64,
    pub path: PathBuf,
    /// A title that overrides the template.
    pub title: Option<String>,
    pub mode: TransferMode,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub template: TitleTemplate,
    /// The recorder takes mono SP as it is.
    pub native_mono: bool,
    /// Bulk write size.
    pub chunk_bytes: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            template: TitleTemplate::default(),
            native_mono: false,
            chunk_bytes: BULK_CHUNK,
        }
    }
}

/// What a batch reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchEvent {
    Preparing {
        id: i64,
    },
    Started {
        id: i64,
        mode: Mode,
        bytes_total: u64,
    },
    Progress {
        id: i64,
        bytes_done: u64,
        bytes_total: u64,
        rate_bps: u64,
        eta_ms: u64,
    },
    Finished {
        id: i64,
        outcome: ItemOutcome,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    Done {
        track: u32,
        title: String,
    },
    Failed(String),
    Cancelled,
    /// Not attempted (the batch stopped: pause, or the recorder went away).
    NotStarted,
}

/// Flags the caller sets while a batch runs.
#[derive(Debug, Default, Clone)]
pub struct BatchControl {
    /// Cancel the item being sent (then go on with the next).
    pub cancel_current: Arc<AtomicBool>,
    /// Stop after the item being sent.
    pub stop: Arc<AtomicBool>,
}

/// Checks, prepares and sends `items`; returns an error only when the batch was refused as a
/// whole before anything was written (capacity, track limit, title space, no disc). A file
/// that cannot go in its mode (unreadable, or not ATRAC3 for an LP mode) fails alone, before
/// anything is sent, and the rest go on. Each item's fate is reported through `events`.
pub fn send_batch<T: Transport>(
    recorder: &mut Recorder<T>,
    items: &[SendItem],
    options: &BatchOptions,
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) -> Result<Vec<(i64, ItemOutcome)>, TransferError> {
    let raw = recorder.read_raw(&mut |_, _| {})?;
    let native_mono = options.native_mono || recorder.identity().native_mono;
    let tags: Vec<TrackTags> = items.iter().map(|i| TrackTags::read(&i.path)).collect();
    let mut unfit = Vec::new();
    let mut runnable = Vec::with_capacity(items.len());
    let mut plans = Vec::with_capacity(items.len());
    for (item, tags) in items.iter().zip(&tags) {
        match plan_item(item, tags, options, native_mono) {
            Ok(planned) => {
                runnable.push(item.clone());
                plans.push(planned);
            }
            Err(e) => unfit.push((item.id, e.to_string())),
        }
    }
    if !plans.is_empty() {
        plan::preflight(&raw, &plans)?;
    }
    let mut outcomes: Vec<(i64, ItemOutcome)> = Vec::with_capacity(items.len());
    for (id, reason) in unfit {
        finish(events, &mut outcomes, id, ItemOutcome::Failed(reason));
    }
    let album = plan::whole_album(&tags);
    let first_new = raw.tracks.len() as u32 + 1;
    let items = runnable.as_slice();

    let prepared = spawn_preparer(items, &plans, control);
    let mut stopped: Option<String> = None;
    let mut sent_numbers = Vec::new();
    for (item, planned) in items.iter().zip(&plans) {
        if stopped.is_some() || control.stop.load(Ordering::SeqCst) {
            outcomes.push((item.id, ItemOutcome::NotStarted));
            continue;
        }
        events(BatchEvent::Preparing { id: item.id });
        let audio = match prepared.recv() {
            Ok(Ok(a)) => a,
            Ok(Err(TransferError::Cancelled)) => {
                control.cancel_current.store(false, Ordering::SeqCst);
                finish(events, &mut outcomes, item.id, ItemOutcome::Cancelled);
                continue;
            }
            Ok(Err(e)) => {
                finish(
                    events,
                    &mut outcomes,
                    item.id,
                    ItemOutcome::Failed(e.to_string()),
                );
                continue;
            }
            Err(_) => {
                let reason = "the preparation thread stopped".to_string();
                finish(events, &mut outcomes, item.id, ItemOutcome::Failed(reason));
                continue;
            }
        };
        let outcome = send_one(recorder, item.id, &audio, planned, options, control, events);
        match &outcome {
            Err(e) if e.is_disconnect() => stopped = Some(e.to_string()),
            Ok(sent) => sent_numbers.push(sent.number),
            _ => {}
        }
        let outcome = match outcome {
            Ok(sent) => ItemOutcome::Done {
                track: sent.number,
                title: planned.title.half_width.clone(),
            },
            Err(TransferError::Cancelled) => {
                control.cancel_current.store(false, Ordering::SeqCst);
                ItemOutcome::Cancelled
            }
            Err(e) => ItemOutcome::Failed(e.to_string()),
        };
        finish(events, &mut outcomes, item.id, outcome);
    }
    // Stop the preparer if it is still ahead of us.
    drop(prepared);
    if let Some(reason) = stopped {
        for (_, o) in &mut outcomes {
            if *o == ItemOutcome::NotStarted {
                *o = ItemOutcome::Failed(reason.clone());
            }
        }
    }
    // A whole album becomes a group (and names a disc without a title) once all of it is there.
    if let Some(album) = album
        && sent_numbers.len() == tags.len()
        && options.template.group_albums
    {
        let last = first_new + items.len() as u32 - 1;
        if let Err(e) = recorder.create_group(first_new, last, &album) {
            tracing::warn!("could not group the album: {e}");
        }
        if let Some(disc_template) = &options.template.disc
            && raw.title.is_empty()
        {
            let tags = TrackTags {
                album: album.clone(),
                ..TrackTags::default()
            };
            let name = TitleTemplate::expand(disc_template, &tags);
            if let Err(e) = recorder.rename_disc(&name) {
                tracing::warn!("could not title the disc: {e}");
            }
        }
    }
    Ok(outcomes)
}

/// What one item will be on the disc, or why it cannot go.
fn plan_item(
    item: &SendItem,
    tags: &TrackTags,
    options: &BatchOptions,
    native_mono: bool,
) -> Result<Planned, TransferError> {
    let facts = prepare::inspect(&item.path)?;
    let format = prepare::choose_format(
        &item.path,
        item.mode,
        &facts,
        native_mono,
        facts.channels == 1,
    )?;
    let title = match &item.title {
        Some(t) => netmd::titles::prepare(t),
        None => options.template.track_title(tags),
    };
    Ok(Planned {
        format,
        duration_ms: facts.duration_ms,
        title,
    })
}

fn finish(
    events: &mut dyn FnMut(BatchEvent),
    outcomes: &mut Vec<(i64, ItemOutcome)>,
    id: i64,
    outcome: ItemOutcome,
) {
    events(BatchEvent::Finished {
        id,
        outcome: outcome.clone(),
    });
    outcomes.push((id, outcome));
}

/// Decodes and encrypts each item in order on a thread of its own.
fn spawn_preparer(
    items: &[SendItem],
    plans: &[Planned],
    control: &BatchControl,
) -> Receiver<Result<EncryptedAudio, TransferError>> {
    let (tx, rx) = sync_channel(PREPARED_AHEAD);
    let work: Vec<_> = items
        .iter()
        .zip(plans)
        .map(|(i, p)| (i.path.clone(), p.format))
        .collect();
    let stop = control.stop.clone();
    let spawned = thread::Builder::new()
        .name("transfer-prepare".into())
        .spawn(move || {
            for (path, format) in work {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let result = prepare_audio(&path, format, &|| stop.load(Ordering::SeqCst));
                if tx.send(result).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("could not start the preparation thread: {e}");
    }
    rx
}

/// Decodes, pads and encrypts one file with fresh keys (an SP track into a temporary file).
pub fn prepare_audio(
    path: &std::path::Path,
    format: netmd::send::WireFormat,
    cancelled: &dyn Fn() -> bool,
) -> Result<EncryptedAudio, TransferError> {
    let keys = StreamKeys::random(&mut OsEntropy).map_err(netmd::send::SendError::from)?;
    // SP is big (about 10 MB a minute): it goes to a temporary file as it is decoded. ATRAC3
    // frames are a tenth of that or less and stay in memory.
    if format.wire == netmd::send::WireFormat::SP_STEREO.wire {
        return prepare::sp_spilled(path, format, &keys, cancelled);
    }
    let plain = prepare::wire_payload(path, format, cancelled)?;
    EncryptedAudio::encrypt(format, plain, &keys)
        .map_err(|e| TransferError::Send(netmd::send::SendError::from(e)))
}

fn send_one<T: Transport>(
    recorder: &mut Recorder<T>,
    id: i64,
    audio: &EncryptedAudio,
    planned: &Planned,
    options: &BatchOptions,
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) -> Result<SentTrack, TransferError> {
    if control.cancel_current.load(Ordering::SeqCst) {
        return Err(TransferError::Cancelled);
    }
    events(BatchEvent::Started {
        id,
        mode: audio.format.mode,
        bytes_total: audio.stream_len(),
    });
    let started = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if control.cancel_current.load(Ordering::SeqCst) {
            return ControlFlow::Break(());
        }
        let elapsed_ms = started.elapsed().as_millis().max(1) as u64;
        let rate_bps = done * 1000 / elapsed_ms;
        let eta_ms = (total - done.min(total)) * 1000 / rate_bps.max(1);
        events(BatchEvent::Progress {
            id,
            bytes_done: done,
            bytes_total: total,
            rate_bps,
            eta_ms,
        });
        ControlFlow::Continue(())
    };
    match recorder.send_track_chunked(
        audio,
        &planned.title,
        &mut OsEntropy,
        options.chunk_bytes,
        &mut progress,
    ) {
        Ok(sent) => Ok(sent),
        Err(netmd::send::SendError::Cancelled) => Err(TransferError::Cancelled),
        Err(e) => Err(e.into()),
    }
}
