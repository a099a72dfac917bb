//! Sending to and receiving from a disc in Hi-MD mode, for the transfer queue and `device send`
//! / `device receive`: the NetMD rules where they apply (one result per item in order, the
//! gapless joins, ReplayGain, a batch that cannot fit refused before anything is written), with
//! Hi-MD's own formats. `auto` keeps an MP3 (constant bit rate), ATRAC3 or ATRAC3plus file as
//! it is and encodes the rest in LP2; SP asks for PCM, Hi-MD's lossless mode. Coded audio waits
//! in a temporary file and ATRAC files are read from where they are, so a long track takes a
//! megabyte or two of memory, not its size.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use himd::CodecInfo;
use himd::mp3::Mp3Frames;
use himd::send::{NewAudio, StreamedAudio, TrackTexts};
use netmd::Mode;

use super::TransferError;
use super::TransferMode;
use super::gapless::{Job, PlainSpill, Prepared, SpilledFrames};
use super::himd_unit::HimdUnit;
use super::pipeline::{
    self, BatchControl, BatchEvent, BatchOptions, ItemOutcome, SendItem, finish,
};
use super::plan::{self, TrackTags};
use super::prepare::{self, Feed, Route};
use super::receive::{ReceiveItem, receive_each};

/// What an item asks of a Hi-MD disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HimdMode {
    /// MP3 and ATRAC3 as they are, the rest in LP2.
    Auto,
    /// The MP3 file's frames as they are (constant bit rate only).
    Mp3,
    /// 16-bit PCM, lossless.
    Pcm,
    /// ATRAC3 at 132, 105 or 66 kbit/s (`Lp2`, `Lp105`, `Lp4`).
    Atrac3(TransferMode),
}

impl From<TransferMode> for HimdMode {
    fn from(mode: TransferMode) -> Self {
        match mode {
            TransferMode::Auto => HimdMode::Auto,
            TransferMode::Sp => HimdMode::Pcm,
            m => HimdMode::Atrac3(m),
        }
    }
}

/// What a send in `mode` makes on a Hi-MD disc: its label and kbit/s (`auto` encodes in LP2
/// what it does not keep as it is; SP is PCM).
pub fn himd_rate(mode: TransferMode) -> (&'static str, u32) {
    let atrac3 = |frame: u16| CodecInfo::atrac3(frame, frame == 192).kbps();
    match mode {
        TransferMode::Sp => ("PCM", CodecInfo::lpcm().kbps()),
        TransferMode::Lp105 => ("LP105", atrac3(304)),
        TransferMode::Lp4 => ("LP4", atrac3(192)),
        TransferMode::Lp2 | TransferMode::Auto => ("LP2", atrac3(384)),
    }
}

/// How one item goes on the disc.
enum Plan {
    /// A CBR MP3 of this many bytes of frames; the frames are read again when it is sent, so a
    /// long queue does not hold every file in memory.
    Mp3 {
        bytes: u64,
    },
    /// An ATRAC3 or ATRAC3plus file's own frames, read from it as they are written.
    AsItIs(AtracFrames),
    Coded {
        route: Route,
        codec: CodecInfo,
    },
}

/// Where a file's ATRAC frames are, and what they are.
#[derive(Debug, Clone, Copy)]
struct AtracFrames {
    codec: CodecInfo,
    offset: u64,
    len: u64,
}

impl Plan {
    /// Bytes of audio it adds (what the disc's free space is checked against).
    fn bytes(&self, duration_ms: u64) -> u64 {
        match self {
            Plan::Mp3 { bytes } => *bytes,
            Plan::AsItIs(frames) => frames.len,
            Plan::Coded { codec, .. } => duration_ms * u64::from(codec.kbps()) / 8 + 1,
        }
    }
}

/// The frames of an ATRAC3 or ATRAC3plus file that can go on the disc as they are. A protected
/// file is refused by [`prepare::inspect`] before this is asked.
fn atrac_frames(path: &Path) -> Option<AtracFrames> {
    let info = atrac::probe(path).ok().filter(|i| !i.protected)?;
    let codec = match info.codec {
        atrac::Codec::Atrac3 if info.channels == 2 => {
            CodecInfo::atrac3(u16::try_from(info.frame_bytes).ok()?, info.joint_stereo)
        }
        atrac::Codec::Atrac3Plus => {
            CodecInfo::atrac3plus(info.sample_rate, info.channels, info.frame_bytes)?
        }
        _ => return None,
    };
    if codec.frame_bytes() != info.frame_bytes || info.frames == 0 {
        return None;
    }
    Some(AtracFrames {
        codec,
        offset: info.data_offset,
        len: info.frames.checked_mul(u64::from(info.frame_bytes))?,
    })
}

/// Whether a file may go as MP3 frames: its frames, or why not.
fn mp3_frames(path: &Path) -> Result<Mp3Frames, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    Mp3Frames::parse(&bytes)
}

fn mp3_plan(frames: &Mp3Frames) -> Plan {
    Plan::Mp3 {
        bytes: frames.data.len() as u64,
    }
}

fn looks_like_mp3(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mp3"))
}

/// How `path` goes on the disc in `mode`, its length, and what the user should know.
fn plan_item(path: &Path, mode: HimdMode) -> Result<(Plan, u64, Vec<String>), TransferError> {
    let source = |detail: String| TransferError::Source {
        path: path.to_path_buf(),
        detail,
    };
    let mut notes = Vec::new();
    match mode {
        HimdMode::Mp3 => {
            let frames = mp3_frames(path)
                .map_err(|why| source(format!("it cannot go in mp3 mode: {why}")))?;
            return Ok((mp3_plan(&frames), frames.seconds() * 1000, notes));
        }
        HimdMode::Auto if looks_like_mp3(path) => match mp3_frames(path) {
            Ok(frames) => return Ok((mp3_plan(&frames), frames.seconds() * 1000, notes)),
            Err(why) => notes.push(format!(
                "sent as ATRAC3 LP2, not as MP3: {why} (units have been left unable to read \
                 discs with such files)"
            )),
        },
        _ => {}
    }
    let facts = prepare::inspect(path)?;
    // ATRAC3plus goes as it is in auto mode; the other modes decode and encode it.
    if matches!(mode, HimdMode::Auto | HimdMode::Mp3)
        && facts.atrac3.is_none()
        && let Some(frames) = atrac_frames(path)
    {
        return Ok((Plan::AsItIs(frames), facts.duration_ms, notes));
    }
    let request = match mode {
        HimdMode::Pcm => TransferMode::Sp,
        HimdMode::Atrac3(m) => m,
        // An ATRAC3 file goes in its own mode, as it is.
        HimdMode::Auto | HimdMode::Mp3 => match facts.atrac3 {
            Some(_) => TransferMode::Auto,
            None => TransferMode::Lp2,
        },
    };
    let route = prepare::route(request, &facts, false);
    if route.feed == Feed::Untouched
        && let Some(frames) = atrac_frames(path)
    {
        return Ok((Plan::AsItIs(frames), facts.duration_ms, notes));
    }
    let codec = match route.feed {
        Feed::Pcm => CodecInfo::lpcm(),
        Feed::Untouched | Feed::Encode(_) => {
            let frame = route.format.frame as u16;
            CodecInfo::atrac3(frame, frame == 192)
        }
    };
    Ok((Plan::Coded { route, codec }, facts.duration_ms, notes))
}

/// Sends the queue's items to the Hi-MD disc in their own modes.
pub fn send_batch(
    unit: &mut HimdUnit,
    items: &[SendItem],
    options: &BatchOptions,
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) -> Result<Vec<(i64, ItemOutcome)>, TransferError> {
    let modes: Vec<HimdMode> = items.iter().map(|i| i.mode.into()).collect();
    send_items(unit, items, &modes, options, control, events)
}

/// [`send_batch`] with a Hi-MD mode per item (`device send --mode mp3|pcm`). Returns an error
/// only when the batch was refused as a whole before anything was written.
pub fn send_items(
    unit: &mut HimdUnit,
    items: &[SendItem],
    modes: &[HimdMode],
    options: &BatchOptions,
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) -> Result<Vec<(i64, ItemOutcome)>, TransferError> {
    let mut outcomes = Vec::with_capacity(items.len());
    let mut planned = Vec::new();
    for (item, &mode) in items.iter().zip(modes) {
        match plan_item(&item.path, mode) {
            Ok((plan, ms, notes)) => planned.push((item, plan, ms, notes)),
            Err(e) => finish(
                events,
                &mut outcomes,
                item.id,
                ItemOutcome::Failed(e.to_string()),
            ),
        }
    }
    let listing = unit.disc.listing()?;
    let needed: u64 = planned.iter().map(|(_, p, ms, _)| p.bytes(*ms)).sum();
    if let Some(space) = listing.space
        && needed > space.free
    {
        return Err(TransferError::HimdSpace {
            needed,
            free: space.free,
        });
    }
    let tags: Vec<TrackTags> = planned
        .iter()
        .map(|(i, ..)| TrackTags::read(&i.path))
        .collect();
    let texts: Vec<TrackTexts> = planned
        .iter()
        .zip(&tags)
        .map(|((item, ..), tags)| texts_of(item, tags))
        .collect();
    let chunks: usize = texts.iter().map(TrackTexts::chunks).sum();
    let free_chunks = unit.disc.free_title_chunks();
    if chunks > free_chunks {
        return Err(TransferError::Queue(format!(
            "the titles need {chunks} text chunks of the disc's title room and {free_chunks} are \
             free; nothing was sent"
        )));
    }
    let jobs = coded_jobs(&planned, &tags, options);
    let prepared = pipeline::spawn_preparer(jobs, control, "himd-prepare", |_| PlainSpill::new());
    let first_new = listing.tracks.len() + 1;
    let mut sent = 0;
    let mut stopped: Option<String> = None;
    for ((item, plan, _, notes), texts) in planned.into_iter().zip(&texts) {
        if stopped.is_some() || control.stop.load(Ordering::SeqCst) {
            let outcome = stopped
                .clone()
                .map_or(ItemOutcome::NotStarted, ItemOutcome::Failed);
            finish(events, &mut outcomes, item.id, outcome);
            continue;
        }
        events(BatchEvent::Preparing { id: item.id });
        let mut warnings = notes;
        let ready = match plan {
            Plan::Mp3 { .. } => {
                if gain_applies(&item.path, options) {
                    warnings.push("sent as it is: ReplayGain was not applied".into());
                }
                mp3_frames(&item.path)
                    .map(Ready::Mp3)
                    .map_err(|why| TransferError::Source {
                        path: item.path.clone(),
                        detail: format!("it cannot go in mp3 mode any more: {why}"),
                    })
            }
            Plan::AsItIs(frames) => {
                if gain_applies(&item.path, options) {
                    warnings.push("sent as it is: ReplayGain was not applied".into());
                }
                File::open(&item.path)
                    .map(|file| Ready::Frames { file, frames })
                    .map_err(|e| TransferError::Source {
                        path: item.path.clone(),
                        detail: e.to_string(),
                    })
            }
            Plan::Coded { codec, .. } => match prepared.recv() {
                Ok(Ok(Prepared {
                    audio: SpilledFrames { file, len },
                    warnings: more,
                })) => {
                    warnings.extend(more);
                    let frames = AtracFrames {
                        codec,
                        offset: 0,
                        len,
                    };
                    Ok(Ready::Frames { file, frames })
                }
                Ok(Err(e)) => Err(e),
                Err(_) => Err(TransferError::Queue(
                    "the preparation thread stopped".into(),
                )),
            },
        };
        let ready = match ready {
            Ok(ready) => ready,
            Err(TransferError::Cancelled) => {
                control.cancel_current.store(false, Ordering::SeqCst);
                finish(events, &mut outcomes, item.id, ItemOutcome::Cancelled);
                continue;
            }
            Err(e) => {
                finish(
                    events,
                    &mut outcomes,
                    item.id,
                    ItemOutcome::Failed(e.to_string()),
                );
                continue;
            }
        };
        if control.cancel_current.swap(false, Ordering::SeqCst) {
            finish(events, &mut outcomes, item.id, ItemOutcome::Cancelled);
            continue;
        }
        let bytes_total = ready.bytes();
        events(BatchEvent::Started {
            id: item.id,
            mode: plan_mode(ready.codec()),
            bytes_total,
        });
        let started = Instant::now();
        let added = match ready {
            Ready::Mp3(frames) => unit.disc.add_track(
                &NewAudio::Mp3(frames),
                texts,
                &mut unit.signer(),
                &mut netmd::crypto::OsEntropy,
            ),
            Ready::Frames { file, frames } => {
                let mut watched = Watched {
                    file,
                    frames,
                    position: 0,
                    reported: 0,
                    started,
                    id: item.id,
                    cancel: &control.cancel_current,
                    events: &mut *events,
                };
                unit.disc.add_streamed(
                    StreamedAudio {
                        codec: frames.codec,
                        reader: &mut watched,
                        offset: frames.offset,
                        len: frames.len,
                    },
                    texts,
                    &mut unit.signer(),
                    &mut netmd::crypto::OsEntropy,
                )
            }
        };
        let outcome = match added {
            Ok(number) => {
                let elapsed_ms = started.elapsed().as_millis().max(1) as u64;
                events(BatchEvent::Progress {
                    id: item.id,
                    bytes_done: bytes_total,
                    bytes_total,
                    rate_bps: bytes_total * 1000 / elapsed_ms,
                    eta_ms: 0,
                });
                sent += 1;
                warnings.extend(unit.unfinished());
                ItemOutcome::Done {
                    track: number as u32,
                    title: library::text::clean(&texts.title),
                    warnings,
                }
            }
            Err(e) => {
                let reason = e.to_string();
                // What the disc holds now, not what the failed write left in memory.
                if unit.reload().is_err() || !unit.still_there() {
                    stopped = Some(format!("{reason} (the disc could not be read again)"));
                }
                if control.cancel_current.swap(false, Ordering::SeqCst) {
                    ItemOutcome::Cancelled
                } else {
                    ItemOutcome::Failed(reason)
                }
            }
        };
        finish(events, &mut outcomes, item.id, outcome);
    }
    drop(prepared);
    group_album(unit, &tags, sent, first_new, options);
    Ok(outcomes)
}

/// A track's titles: the item's own title, else the tags'.
fn texts_of(item: &SendItem, tags: &TrackTags) -> TrackTexts {
    TrackTexts {
        title: item.title.clone().unwrap_or_else(|| tags.title.clone()),
        artist: tags.artist.clone(),
        album: tags.album.clone(),
    }
}

/// A whole album sent in one go becomes a group (and names an untitled disc).
fn group_album(
    unit: &mut HimdUnit,
    tags: &[TrackTags],
    sent: usize,
    first: usize,
    options: &BatchOptions,
) {
    let Some(album) = plan::whole_album(tags) else {
        return;
    };
    if sent != tags.len() || !options.template.group_albums {
        return;
    }
    let last = (first + sent - 1) as u32;
    let grouped = unit.disc.edit_groups(|l, count| {
        l.create(first as u32, last, album.clone(), None, count)
            .map(|_| ())
    });
    if let Err(e) = grouped {
        tracing::warn!("could not group the album: {e}");
    }
    let untitled = unit
        .disc
        .listing()
        .is_ok_and(|l| l.title.as_deref().is_none_or(|t| t.trim().is_empty()));
    if let Some(template) = &options.template.disc
        && untitled
    {
        let tags = TrackTags {
            album,
            ..TrackTags::default()
        };
        let name = plan::TitleTemplate::expand(template, &tags);
        if let Err(e) = unit.disc.set_disc_title(&name) {
            tracing::warn!("could not title the disc: {e}");
        }
    }
}

/// Progress is told each time this many more bytes have been read.
const PROGRESS_STEP: u64 = 1 << 20;

/// An item's frames as the disc's writer reads them: progress events as it goes, and a cancel
/// that stops the write (the writer then takes back the blocks it wrote).
struct Watched<'a> {
    file: File,
    frames: AtracFrames,
    position: u64,
    reported: u64,
    started: Instant,
    id: i64,
    cancel: &'a AtomicBool,
    events: &'a mut dyn FnMut(BatchEvent),
}

impl Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::SeqCst) {
            return Err(io::Error::other("cancelled"));
        }
        let n = self.file.read(buf)?;
        self.position += n as u64;
        let total = self.frames.len;
        let done = self.position.saturating_sub(self.frames.offset).min(total);
        if done >= self.reported + PROGRESS_STEP || (done == total && done > self.reported) {
            self.reported = done;
            let elapsed_ms = self.started.elapsed().as_millis().max(1) as u64;
            let rate_bps = done * 1000 / elapsed_ms;
            (self.events)(BatchEvent::Progress {
                id: self.id,
                bytes_done: done,
                bytes_total: total,
                rate_bps,
                eta_ms: (total - done) * 1000 / rate_bps.max(1),
            });
        }
        Ok(n)
    }
}

impl Seek for Watched<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = self.file.seek(to)?;
        Ok(self.position)
    }
}

/// Whether ReplayGain would change the file's level (and so is lost when it goes as it is).
fn gain_applies(path: &Path, options: &BatchOptions) -> bool {
    (media::player::gain_factor(path, options.replaygain, 0.0) - 1.0).abs() > f32::EPSILON
}

/// An item's audio, ready for the disc's writer.
enum Ready {
    Mp3(Mp3Frames),
    /// ATRAC or PCM frames in a file: the source itself or the preparer's temporary file.
    Frames {
        file: File,
        frames: AtracFrames,
    },
}

impl Ready {
    fn bytes(&self) -> u64 {
        match self {
            Ready::Mp3(frames) => frames.data.len() as u64,
            Ready::Frames { frames, .. } => frames.len,
        }
    }

    fn codec(&self) -> CodecInfo {
        match self {
            Ready::Mp3(frames) => frames.codec,
            Ready::Frames { frames, .. } => frames.codec,
        }
    }
}

/// The mode the queue shows for a Hi-MD item.
fn plan_mode(codec: CodecInfo) -> Mode {
    match codec.format() {
        Some(himd::AudioFormat::Atrac3) if codec.frame_bytes() == 192 => Mode::LP4,
        Some(himd::AudioFormat::Atrac3) => Mode::LP2,
        _ => Mode::SP,
    }
}

/// The preparer's jobs: the coded items in order, joined gapless where NetMD would join them
/// (items that go as they are break a run).
fn coded_jobs(
    planned: &[(&SendItem, Plan, u64, Vec<String>)],
    tags: &[TrackTags],
    options: &BatchOptions,
) -> Vec<Job> {
    let coded: Vec<(usize, Route)> = planned
        .iter()
        .enumerate()
        .filter_map(|(i, (_, plan, ..))| match plan {
            Plan::Coded { route, .. } => Some((i, *route)),
            Plan::Mp3 { .. } | Plan::AsItIs(_) => None,
        })
        .collect();
    let paths: Vec<&Path> = coded
        .iter()
        .map(|(i, _)| planned[*i].0.path.as_path())
        .collect();
    let routes: Vec<Route> = coded.iter().map(|(_, r)| *r).collect();
    let coded_tags: Vec<TrackTags> = coded.iter().map(|(i, _)| tags[*i].clone()).collect();
    let mut jobs = pipeline::jobs(&paths, &routes, &coded_tags, options);
    // Neighbours among the coded items join only when nothing went as it is between them.
    for (j, job) in jobs.iter_mut().enumerate() {
        let next_is_neighbour = coded
            .get(j + 1)
            .is_some_and(|(next, _)| *next == coded[j].0 + 1);
        job.joins_next &= next_is_neighbour;
    }
    jobs
}

/// Receives the queue's receive items (checked against the disc as it is now, see
/// [`receive::item_for`](super::receive::item_for)) from the Hi-MD disc, each in its own format.
pub fn receive_batch(
    unit: &mut HimdUnit,
    items: &[ReceiveItem],
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) {
    receive_each(items, control, events, &mut |item, events| {
        let blocks = unit.disc.track(item.track as usize).map_or(0, |t| t.blocks);
        let bytes_total = u64::from(blocks) * himd::block::BLOCK_BYTES as u64;
        events(BatchEvent::Started {
            id: item.id,
            mode: item.mode,
            bytes_total,
        });
        let started = Instant::now();
        let outcome = match super::himd_unit::receive_track(unit, item.track as usize, &item.path) {
            Ok(bytes) => {
                let elapsed_ms = started.elapsed().as_millis().max(1) as u64;
                events(BatchEvent::Progress {
                    id: item.id,
                    bytes_done: bytes_total,
                    bytes_total,
                    rate_bps: bytes * 1000 / elapsed_ms,
                    eta_ms: 0,
                });
                ItemOutcome::Done {
                    track: item.track,
                    title: item.title.clone(),
                    warnings: Vec::new(),
                }
            }
            Err(e) => ItemOutcome::Failed(format!("{e:#}")),
        };
        // Each item reports its own failure; a lost unit fails the rest one by one.
        (outcome, false)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn watched_file(bytes: usize) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![7u8; bytes]).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    #[test]
    fn the_writers_reads_report_progress_and_a_cancel_stops_them() {
        let frames = AtracFrames {
            codec: CodecInfo::lpcm(),
            offset: 100,
            len: 3 * PROGRESS_STEP + 5,
        };
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let mut events = |e: BatchEvent| {
            if let BatchEvent::Progress {
                bytes_done,
                bytes_total,
                ..
            } = e
            {
                seen.push((bytes_done, bytes_total));
            }
        };
        let mut watched = Watched {
            file: watched_file(100 + frames.len as usize),
            frames,
            position: 0,
            reported: 0,
            started: Instant::now(),
            id: 1,
            cancel: &cancel,
            events: &mut events,
        };
        watched.seek(SeekFrom::Start(100)).unwrap();
        let mut buf = vec![0u8; 1 << 14];
        let mut read = 0;
        while read < frames.len {
            read += watched.read(&mut buf).unwrap() as u64;
        }
        cancel.store(true, Ordering::SeqCst);
        assert!(watched.read(&mut buf).is_err());
        drop(watched);
        let total = frames.len;
        assert_eq!(
            seen,
            [
                (PROGRESS_STEP, total),
                (2 * PROGRESS_STEP, total),
                (3 * PROGRESS_STEP, total),
                (total, total)
            ]
        );
    }
}

#[cfg(test)]
mod room_tests {
    use super::*;
    use crate::transfer::himd_unit::HimdTarget;
    use himd::virtual_device::{MediaSize, VirtualHimd};

    /// Titles the disc has no room for refuse the batch before anything is written.
    #[test]
    fn titles_beyond_the_title_room_refuse_the_batch_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("himd.img");
        VirtualHimd::create_blank(&image, MediaSize::Minutes74, &mut netmd::crypto::OsEntropy)
            .unwrap();
        let wav = dir.path().join("a.wav");
        media::synth::write_wav(&wav, &media::synth::Pcm::silence(1.0, 44_100, 2)).unwrap();
        let mut unit = HimdUnit::open(&HimdTarget::Image(image)).unwrap();
        let free = unit.disc.free_title_chunks();
        // Each chunk holds 14 bytes of text: three items that together need more than the room.
        let long = "x".repeat(free * 14 / 2);
        let items: Vec<SendItem> = (0..3)
            .map(|id| SendItem {
                id,
                path: wav.clone(),
                title: Some(long.clone()),
                mode: TransferMode::Lp2,
                stored: None,
            })
            .collect();
        let refused = send_batch(
            &mut unit,
            &items,
            &BatchOptions::default(),
            &BatchControl::default(),
            &mut |_| {},
        );
        let Err(TransferError::Queue(why)) = refused else {
            panic!("not refused: {refused:?}")
        };
        assert!(why.contains("text chunks"), "{why}");
        assert_eq!(unit.disc.listing().unwrap().tracks.len(), 0);
    }
}
