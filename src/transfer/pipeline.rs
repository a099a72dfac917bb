//! The send pipeline: a preparation thread decodes and encrypts each track and hands it over a
//! bounded channel, so the next track is ready while the current one is written to USB.
//! Everything is checked against the disc before the first byte is sent.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use super::TransferError;
use super::gapless::{self, Job, Prepared, TrackSink};
use super::plan::{self, AutoInput, AutoPlan, Planned, TitleTemplate, TrackTags};
use super::prepare::{self, Route, SourceFacts};
use crate::config::TransferSettings;
use library::TransferMode;
use media::player::GainMode;
use netmd::Transport;
use netmd::crypto::OsEntropy;
use netmd::send::{BULK_CHUNK, EncryptedAudio, SendError, SentTrack, WireFormat};
use netmd::{AnyRecorder, DeviceError, Mode, Recorder};

/// Opens a new connection to the recorder: how a batch reads the disc back when the answer to a
/// commit was lost with the connection (the old one is not used again for that).
pub type Reopen<'a> = dyn Fn() -> Result<AnyRecorder, DeviceError> + 'a;

/// Waits before each try to reach the recorder again (a replugged cable takes a moment).
pub(crate) const REOPEN_WAITS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
];

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
    /// The disc track (number, UUID) an earlier run stored this item as before it stopped:
    /// when the disc still holds it, the item is done and is not sent again.
    pub stored: Option<(u32, [u8; 8])>,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub template: TitleTemplate,
    /// The recorder takes mono SP as it is.
    pub native_mono: bool,
    /// Bulk write size.
    pub chunk_bytes: usize,
    /// Neighbours on one album run on into each other ([`plan::gapless_links`]).
    pub gapless: bool,
    /// ReplayGain applied before encoding.
    pub replaygain: GainMode,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            template: TitleTemplate::default(),
            native_mono: false,
            chunk_bytes: BULK_CHUNK,
            gapless: true,
            replaygain: GainMode::Off,
        }
    }
}

impl BatchOptions {
    /// The options the `[transfer]` settings ask for.
    pub fn from_settings(settings: &TransferSettings) -> Self {
        Self {
            template: TitleTemplate {
                track: settings.title.clone(),
                disc: Some(settings.disc_title.clone()).filter(|d| !d.is_empty()),
                group_albums: settings.group_albums,
            },
            gapless: settings.gapless,
            replaygain: settings.replaygain.into(),
            ..Self::default()
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
    /// The recorder stored the item as this track and the commit follows: noted, a crash
    /// from here on cannot make the item go twice ([`SendItem::stored`]).
    Stored {
        id: i64,
        track: u32,
        uuid: [u8; 8],
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
        /// What went wrong after the track was recorded (it is on the disc all the same).
        warnings: Vec<String>,
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
    send_batch_with(recorder, items, options, control, None, events)
}

/// [`send_batch`] that can reach the recorder again through `reopen`: when the answer to a
/// commit is lost with the connection, the disc is read back on a new one, so that an item is
/// reported done exactly when its track is on the disc.
pub fn send_batch_with<T: Transport>(
    recorder: &mut Recorder<T>,
    items: &[SendItem],
    options: &BatchOptions,
    control: &BatchControl,
    reopen: Option<&Reopen<'_>>,
    events: &mut dyn FnMut(BatchEvent),
) -> Result<Vec<(i64, ItemOutcome)>, TransferError> {
    let mut outcomes: Vec<(i64, ItemOutcome)> = Vec::with_capacity(items.len());
    let items = settle_stored(recorder, items, &options.template, events, &mut outcomes);
    let items = items.as_slice();
    let raw = recorder.read_raw(&mut |_, _| {})?;
    let native_mono = options.native_mono || recorder.identity().native_mono;
    let tags: Vec<TrackTags> = items.iter().map(|i| TrackTags::read(&i.path)).collect();
    let facts: Vec<Result<SourceFacts, TransferError>> =
        items.iter().map(|i| prepare::inspect(&i.path)).collect();
    let auto_inputs: Vec<AutoInput> = items
        .iter()
        .zip(&facts)
        .filter_map(|(item, facts)| facts.as_ref().ok().map(|f| auto_input(item, f)))
        .collect();
    let auto = plan::plan_auto(&auto_inputs, raw.capacity.free_ms, native_mono);
    if let AutoPlan::FitsNowhere { needed_ms, free_ms } = auto {
        return Err(TransferError::FitsNowhere { needed_ms, free_ms });
    }
    let mut unfit = Vec::new();
    let mut runnable = Vec::with_capacity(items.len());
    let mut plans = Vec::with_capacity(items.len());
    let mut runnable_tags = Vec::with_capacity(items.len());
    for ((item, tags), facts) in items.iter().zip(&tags).zip(facts) {
        match facts {
            Ok(facts) => {
                let route = auto.route(&auto_input(item, &facts), native_mono);
                let title = match &item.title {
                    Some(t) => netmd::titles::prepare(t),
                    None => options.template.track_title(tags),
                };
                runnable.push(item.clone());
                runnable_tags.push(tags.clone());
                plans.push(Planned {
                    route,
                    duration_ms: facts.duration_ms,
                    title,
                });
            }
            Err(e) => unfit.push((item.id, e.to_string())),
        }
    }
    if !plans.is_empty() {
        plan::preflight(&raw, &plans)?;
    }
    for (id, reason) in unfit {
        finish(events, &mut outcomes, id, ItemOutcome::Failed(reason));
    }
    let album = plan::whole_album(&tags);
    let first_new = raw.tracks.len() as u32 + 1;
    let items = runnable.as_slice();

    let paths: Vec<&Path> = items.iter().map(|i| i.path.as_path()).collect();
    let routes: Vec<Route> = plans.iter().map(|p| p.route).collect();
    let jobs = jobs(&paths, &routes, &runnable_tags, options);
    let prepared = spawn_preparer(jobs, control, "transfer-prepare", gapless::netmd_sink);
    let mut stopped: Option<String> = None;
    let mut sent_numbers = Vec::new();
    for (item, planned) in items.iter().zip(&plans) {
        if stopped.is_some() || control.stop.load(Ordering::SeqCst) {
            outcomes.push((item.id, ItemOutcome::NotStarted));
            continue;
        }
        events(BatchEvent::Preparing { id: item.id });
        let Prepared { audio, warnings } = match prepared.recv() {
            Ok(Ok(p)) => p,
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
        let outcome = match send_one(recorder, item.id, &audio, planned, options, control, events) {
            Err(TransferError::Send(SendError::Unconfirmed {
                number,
                uuid,
                source,
            })) => confirm_elsewhere(reopen, number, uuid, *source),
            other => other,
        };
        match &outcome {
            Err(e) if e.is_disconnect() => stopped = Some(e.to_string()),
            Ok(sent) => sent_numbers.push(sent.number),
            _ => {}
        }
        let outcome = match outcome {
            Ok(sent) => ItemOutcome::Done {
                track: sent.number,
                title: planned.title.half_width.clone(),
                warnings: warnings.into_iter().chain(sent.warnings).collect(),
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

/// Reads the disc on a new connection to learn whether the track whose commit answer was lost
/// is there; without a way to reach the recorder the doubt stays in the error.
fn confirm_elsewhere(
    reopen: Option<&Reopen<'_>>,
    number: u32,
    uuid: [u8; 8],
    error: SendError,
) -> Result<SentTrack, TransferError> {
    if let Some(reopen) = reopen {
        for wait in REOPEN_WAITS {
            thread::sleep(wait);
            let found = reopen()
                .map_err(SendError::from)
                .and_then(|mut r| r.confirm_sent(number, uuid));
            match found {
                Ok(true) => {
                    return Ok(SentTrack {
                        number,
                        uuid,
                        warnings: vec![format!(
                            "the connection was lost as the track was committed ({error}); \
                             the disc read again shows track {number} was recorded"
                        )],
                    });
                }
                Ok(false) => return Err(error.into()),
                Err(e) => tracing::debug!("reading the disc back: {e}"),
            }
        }
    }
    Err(SendError::Unconfirmed {
        number,
        uuid,
        source: Box::new(error),
    }
    .into())
}

/// Items an earlier run stored on the disc before it stopped: those the disc holds are done
/// (reported at once); the rest are sent.
fn settle_stored<T: Transport>(
    recorder: &mut Recorder<T>,
    items: &[SendItem],
    template: &TitleTemplate,
    events: &mut dyn FnMut(BatchEvent),
    outcomes: &mut Vec<(i64, ItemOutcome)>,
) -> Vec<SendItem> {
    let mut rest = Vec::with_capacity(items.len());
    for item in items {
        let Some((track, uuid)) = item.stored else {
            rest.push(item.clone());
            continue;
        };
        match recorder.confirm_sent(track, uuid) {
            Ok(true) => {
                let title = match &item.title {
                    Some(t) => t.clone(),
                    None => {
                        template
                            .track_title(&TrackTags::read(&item.path))
                            .half_width
                    }
                };
                let outcome = ItemOutcome::Done {
                    track,
                    title,
                    warnings: vec![format!(
                        "ministage stopped as track {track} was committed; the disc shows it                          arrived, so it was not sent again"
                    )],
                };
                finish(events, outcomes, item.id, outcome);
            }
            Ok(false) => rest.push(SendItem {
                stored: None,
                ..item.clone()
            }),
            Err(e) => {
                tracing::warn!("could not tell whether track {track} arrived: {e}");
                rest.push(item.clone());
            }
        }
    }
    rest
}

fn auto_input(item: &SendItem, facts: &SourceFacts) -> AutoInput {
    AutoInput {
        request: item.mode,
        channels: facts.channels,
        atrac3: facts.atrac3,
        duration_ms: facts.duration_ms,
    }
}

/// What the preparer makes of each item (its file, route and tags): its ReplayGain, and
/// whether it runs on into the next.
pub(crate) fn jobs(
    paths: &[&Path],
    routes: &[Route],
    tags: &[TrackTags],
    options: &BatchOptions,
) -> Vec<Job> {
    let links = if options.gapless {
        plan::gapless_links(tags, routes)
    } else {
        vec![false; paths.len()]
    };
    paths
        .iter()
        .zip(routes)
        .zip(links)
        .map(|((path, &route), joins_next)| Job {
            path: path.to_path_buf(),
            route,
            gain: media::player::gain_factor(path, options.replaygain, 0.0),
            joins_next,
        })
        .collect()
}

/// Reports an item's fate and keeps it with the batch's outcomes.
pub(crate) fn finish(
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

/// Decodes and codes the items in order on a thread of its own (`name`), each into a sink
/// `make` gives, running ahead of the writes to the device.
pub(crate) fn spawn_preparer<S>(
    jobs: Vec<Job>,
    control: &BatchControl,
    name: &str,
    make: fn(WireFormat) -> Result<S, TransferError>,
) -> Receiver<Result<Prepared<S::Audio>, TransferError>>
where
    S: TrackSink + 'static,
    S::Audio: Send + 'static,
{
    let (tx, rx) = sync_channel(PREPARED_AHEAD);
    let stop = control.stop.clone();
    let spawned = thread::Builder::new().name(name.into()).spawn(move || {
        gapless::prepare_jobs_into(
            &jobs,
            &make,
            &|| stop.load(Ordering::SeqCst),
            &mut |result| tx.send(result).is_ok(),
        );
    });
    if let Err(e) = spawned {
        tracing::error!("could not start the preparation thread: {e}");
    }
    rx
}

/// Prepares one file on its own (fresh keys; no gapless join, no ReplayGain).
pub fn prepare_audio(
    path: &std::path::Path,
    route: Route,
    cancelled: &dyn Fn() -> bool,
) -> Result<EncryptedAudio, TransferError> {
    let job = Job {
        path: path.to_path_buf(),
        route,
        gain: 1.0,
        joins_next: false,
    };
    let mut result = None;
    gapless::prepare_jobs(std::slice::from_ref(&job), cancelled, &mut |r| {
        result = Some(r);
        true
    });
    result
        .unwrap_or(Err(TransferError::Cancelled))
        .map(|p| p.audio)
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
    // Progress and the stored note both report, one after the other.
    let events = std::cell::RefCell::new(events);
    let mut progress = |done: u64, total: u64| {
        if control.cancel_current.load(Ordering::SeqCst) {
            return ControlFlow::Break(());
        }
        let elapsed_ms = started.elapsed().as_millis().max(1) as u64;
        let rate_bps = done * 1000 / elapsed_ms;
        let eta_ms = (total - done.min(total)) * 1000 / rate_bps.max(1);
        (events.borrow_mut())(BatchEvent::Progress {
            id,
            bytes_done: done,
            bytes_total: total,
            rate_bps,
            eta_ms,
        });
        ControlFlow::Continue(())
    };
    let mut stored =
        |track: u32, uuid: [u8; 8]| (events.borrow_mut())(BatchEvent::Stored { id, track, uuid });
    match recorder.send_track_noting(
        audio,
        &planned.title,
        &mut OsEntropy,
        options.chunk_bytes,
        &mut progress,
        &mut stored,
    ) {
        Ok(sent) => Ok(sent),
        Err(netmd::send::SendError::Cancelled) => Err(TransferError::Cancelled),
        Err(e) => Err(e.into()),
    }
}
