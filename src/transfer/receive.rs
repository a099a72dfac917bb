//! Receiving tracks from the recorder (MZ-RH1, MZ-M200) into files: named from the disc, in
//! the recorder's own bits (SP as ATRAC1 `.aea`, LP2/LP4 as ATRAC3 `.at3` — RIFF WAVE 0x0270)
//! or decoded to WAV, each written under a temporary name and renamed once whole, then filed
//! in the library with the disc's title as album and the track's group as grouping. `device
//! receive` and the transfer queue's receive items both go through here.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Context, bail};

use super::pipeline::{BatchControl, BatchEvent, ItemOutcome};
use crate::config::ReceiveFormat;
use atrac::{Atrac3Container, Atrac3Mode, Atrac3Writer, TagUpdate};
use library::Library;
use netmd::receive::{Received, frame_bytes, samples_per_frame};
use netmd::send::WireFormat;
use netmd::{AnyRecorder, DiscInfo, Mode, TrackInfo};

/// The folder `receive.dir` names for a disc titled `disc_title` (`{disc}` replaced), or the
/// default `<music folder>/MiniDisc/<disc title>`.
pub fn folder_for(configured: Option<&Path>, music_dir: &Path, disc_title: &str) -> PathBuf {
    let disc = file_name_part(disc_title, "Untitled disc");
    match configured {
        Some(dir) => PathBuf::from(dir.to_string_lossy().replace("{disc}", &disc)),
        None => music_dir.join("MiniDisc").join(disc),
    }
}

/// Text from the disc made safe as (part of) a file name: no path separators, control
/// characters or characters other systems refuse, no leading dots, at most 120 bytes.
pub fn file_name_part(text: &str, fallback: &str) -> String {
    let cleaned = library::text::clean(text);
    let mut out = String::new();
    for c in cleaned.chars() {
        let c = if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            || c.is_control()
        {
            '_'
        } else {
            c
        };
        if out.len() + c.len_utf8() > 120 {
            break;
        }
        out.push(c);
    }
    let trimmed = out.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The title a track is filed under: its full-width title when it has one (it holds what the
/// half-width slot cannot), else the half-width one.
pub fn track_title(t: &TrackInfo) -> String {
    let title = if t.full_width_title.is_empty() {
        &t.title
    } else {
        &t.full_width_title
    };
    library::text::clean(title)
}

pub fn extension(mode: Mode, format: ReceiveFormat) -> &'static str {
    match (format, mode) {
        (ReceiveFormat::Wav, _) => "wav",
        (ReceiveFormat::Native, Mode::SP) => "aea",
        (ReceiveFormat::Native, _) => "at3",
    }
}

/// `01 - Title.aea`.
pub fn file_name(t: &TrackInfo, format: ReceiveFormat) -> String {
    numbered_name(t.number, &track_title(t), extension(t.mode, format))
}

/// `01 - Title.ext`: a received track's file, named from the disc.
pub fn numbered_name(number: u32, title: &str, extension: &str) -> String {
    format!(
        "{number:02} - {}.{extension}",
        file_name_part(title, "Untitled")
    )
}

/// The name of a track's group on `disc`, cleaned.
pub fn group_name(disc: &DiscInfo, t: &TrackInfo) -> String {
    t.group
        .and_then(|g| disc.groups.get(g))
        .map(|g| library::text::clean(&g.title))
        .unwrap_or_default()
}

/// The album received tracks of `disc` join: its full-width title when it has one.
pub fn album_of(disc: &DiscInfo) -> String {
    let title = library::text::clean(if disc.full_width_title.is_empty() {
        &disc.title
    } else {
        &disc.full_width_title
    });
    if title.is_empty() {
        "Untitled disc".to_owned()
    } else {
        title
    }
}

/// One track to receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveItem {
    /// The caller's id (the queue item's).
    pub id: i64,
    /// The track on the disc, from 1.
    pub track: u32,
    pub mode: Mode,
    pub channels: u8,
    pub title: String,
    /// The file it goes into (its extension says the format).
    pub path: PathBuf,
}

/// The queue requests that receive `numbers` of `disc` into the folder `receive.dir` names
/// (`music_dir`'s MiniDisc/ by default), in `format`; a Hi-MD disc's tracks (`himd`) come in
/// their own format whatever `format` says.
pub fn orders_for(
    disc: &DiscInfo,
    himd: Option<&crate::app::HimdFacts>,
    numbers: &[u32],
    receive_dir: Option<&Path>,
    music_dir: &Path,
    format: ReceiveFormat,
) -> Vec<super::TransferRequest> {
    let album = album_of(disc);
    let dir = folder_for(receive_dir, music_dir, &album);
    numbers
        .iter()
        .filter_map(|&n| disc.tracks.iter().find(|t| t.number == n))
        .map(|t| super::TransferRequest::EnqueueReceive {
            order: library::ReceiveOrder {
                track: t.number,
                album: album.clone(),
                grouping: group_name(disc, t),
            },
            into: dir.join(match himd.and_then(|h| h.track(t.number)) {
                Some(h) => numbered_name(t.number, &track_title(t), h.extension),
                None => file_name(t, format),
            }),
            title: track_title(t),
            mode: match t.mode {
                Mode::SP => library::TransferMode::Sp,
                Mode::LP2 => library::TransferMode::Lp2,
                Mode::LP4 => library::TransferMode::Lp4,
            },
        })
        .collect()
}

/// What receiving queue item `q` means on `disc` as read now: refused when its track is gone
/// or is another track than the one queued (the disc changed in between).
pub fn item_for(
    q: &library::QueuedTransfer,
    disc: &netmd::DiscInfo,
) -> Result<ReceiveItem, String> {
    let number = q.receive.as_ref().map_or(0, |o| o.track);
    let Some(t) = disc.tracks.iter().find(|t| t.number == number) else {
        return Err(format!(
            "the disc has no track {number} any more (it has {})",
            disc.tracks.len()
        ));
    };
    let now = track_title(t);
    if now != q.title {
        return Err(format!(
            "the disc changed since this was queued: track {number} is now \"{now}\""
        ));
    }
    Ok(ReceiveItem {
        id: q.id,
        track: number,
        mode: t.mode,
        channels: t.channels,
        title: now,
        path: q.path.clone(),
    })
}

/// The format a file name asks for: WAV for `.wav`, else the recorder's own.
pub fn format_of(path: &Path) -> ReceiveFormat {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
    {
        ReceiveFormat::Wav
    } else {
        ReceiveFormat::Native
    }
}

/// The format a track is coded in on the disc.
fn wire_format(mode: Mode, channels: u8) -> WireFormat {
    match (mode, channels) {
        (Mode::SP, 1) => WireFormat::SP_MONO,
        (Mode::SP, _) => WireFormat::SP_STEREO,
        (Mode::LP4, _) => WireFormat::LP4,
        (Mode::LP2, _) => WireFormat::LP2,
    }
}

/// Receives `item` into its file through a temporary file in the same folder, reporting
/// (bytes received, bytes in all) to `progress`, whose `Break` cancels.
pub fn receive_file(
    r: &mut AnyRecorder,
    item: &ReceiveItem,
    progress: netmd::send::Progress<'_>,
) -> anyhow::Result<Received> {
    let dir = item.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let native = temp_in(dir, extension(item.mode, ReceiveFormat::Native))?;
    let expected = wire_format(item.mode, item.channels);
    let mut sink = Sink::new(native.as_file(), expected, &item.title)?;
    let received = r.receive_track(item.track, &mut sink, progress)?;
    if received.format != expected {
        bail!(
            "the recorder sent {} audio for a track the disc lists as {}",
            received.mode().label(),
            item.mode.label()
        );
    }
    sink.finish(&received)?;
    match format_of(&item.path) {
        ReceiveFormat::Native => {
            native
                .persist(&item.path)
                .with_context(|| format!("cannot write {}", item.path.display()))?;
        }
        ReceiveFormat::Wav => {
            let mut decoder = media::player::source::open(native.path())
                .context("cannot decode the received audio")?;
            crate::cli::convert::convert(decoder.as_mut(), &item.path)?;
        }
    }
    Ok(received)
}

/// Receives `items` from the recorder in order (see [`receive_each`]).
pub fn receive_batch(
    r: &mut AnyRecorder,
    items: &[ReceiveItem],
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
) {
    receive_each(items, control, events, &mut |item, events| {
        events(BatchEvent::Started {
            id: item.id,
            mode: item.mode,
            bytes_total: 0,
        });
        let started = Instant::now();
        let result = receive_file(r, item, &mut |done, total| {
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let rate_bps = (done as f64 / secs) as u64;
            events(BatchEvent::Progress {
                id: item.id,
                bytes_done: done,
                bytes_total: total,
                rate_bps,
                eta_ms: total.saturating_sub(done) * 1000 / rate_bps.max(1),
            });
            if control.cancel_current.load(Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        match result {
            Ok(_) => (
                ItemOutcome::Done {
                    track: item.track,
                    title: item.title.clone(),
                    warnings: Vec::new(),
                },
                false,
            ),
            Err(e) => match e.downcast_ref::<netmd::receive::ReceiveError>() {
                Some(netmd::receive::ReceiveError::Cancelled) => (ItemOutcome::Cancelled, false),
                Some(re) => (ItemOutcome::Failed(e.to_string()), re.is_disconnect()),
                None => (ItemOutcome::Failed(format!("{e:#}")), false),
            },
        }
    });
}

/// How one item is received: its outcome, and whether the device was lost with it.
pub type ReceiveOne<'a> =
    dyn FnMut(&ReceiveItem, &mut dyn FnMut(BatchEvent)) -> (ItemOutcome, bool) + 'a;

/// The receive loop every device shares: items in order, each reported; an item whose file is
/// already there is done without asking the device; a pause leaves the rest not started, and
/// so does a lost device (after the item it was lost with).
pub fn receive_each(
    items: &[ReceiveItem],
    control: &BatchControl,
    events: &mut dyn FnMut(BatchEvent),
    one: &mut ReceiveOne<'_>,
) {
    let not_started = |rest: &[ReceiveItem], events: &mut dyn FnMut(BatchEvent)| {
        for item in rest {
            events(BatchEvent::Finished {
                id: item.id,
                outcome: ItemOutcome::NotStarted,
            });
        }
    };
    for (i, item) in items.iter().enumerate() {
        if control.stop.load(Ordering::SeqCst) {
            return not_started(&items[i..], events);
        }
        control.cancel_current.store(false, Ordering::SeqCst);
        if item.path.exists() {
            events(BatchEvent::Finished {
                id: item.id,
                outcome: ItemOutcome::Done {
                    track: item.track,
                    title: item.title.clone(),
                    warnings: vec![format!("{} was already received", item.path.display())],
                },
            });
            continue;
        }
        let (outcome, lost) = one(item, events);
        events(BatchEvent::Finished {
            id: item.id,
            outcome,
        });
        if lost {
            return not_started(&items[i + 1..], events);
        }
    }
}

/// How a received file is filed in the library.
pub struct Filed<'a> {
    pub path: &'a Path,
    /// The disc's title.
    pub album: &'a str,
    pub title: &'a str,
    pub number: u32,
    /// The track's group on the disc.
    pub grouping: &'a str,
}

/// Adds received files to the library: the disc's title as album, each track's title, number
/// and group (as its grouping). WAV files carry them as tags; the library keeps them for
/// `.aea` and `.at3`, which have no room for tags. Returns the reasons of files not added.
pub fn file_in_library(lib: &mut Library, files: &[Filed<'_>]) -> anyhow::Result<Vec<String>> {
    use library::{ImportOptions, Overrides};

    let mut failed = Vec::new();
    for album in files
        .iter()
        .map(|f| f.album)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let batch: Vec<&Filed<'_>> = files.iter().filter(|f| f.album == album).collect();
        for f in batch
            .iter()
            .filter(|f| format_of(f.path) == ReceiveFormat::Wav)
        {
            if let Err(e) = tag_wav(f.path, album, f) {
                tracing::warn!("{}: could not tag it: {e}", f.path.display());
            }
        }
        let options = ImportOptions {
            overrides: Overrides {
                album: Some(album.to_owned()),
                ..Overrides::default()
            },
        };
        let paths: Vec<PathBuf> = batch.iter().map(|f| f.path.to_path_buf()).collect();
        let report = library::import(lib, &paths, &options, &|_| {})
            .context("could not add the received tracks to the library")?;
        failed.extend(report.failed.iter().map(ToString::to_string));
        for f in batch
            .iter()
            .filter(|f| format_of(f.path) == ReceiveFormat::Native)
        {
            lib.set_stored_tags(f.path, f.title, Some(f.number), f.grouping)?;
        }
    }
    Ok(failed)
}

/// Title, album, number and grouping as an ID3 tag in a received WAV file.
fn tag_wav(path: &Path, album: &str, a: &Filed<'_>) -> Result<(), lofty::error::FileEncodingError> {
    use lofty::config::WriteOptions;
    use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};

    let mut tag = Tag::new(TagType::Id3v2);
    tag.set_title(a.title.to_owned());
    tag.set_album(album.to_owned());
    tag.set_track(a.number);
    if !a.grouping.is_empty() {
        tag.insert_text(ItemKey::ContentGroup, a.grouping.to_owned());
    }
    tag.save_to_path(path, WriteOptions::default())
}

/// A temporary file in `dir`, removed unless persisted; readable like any file once renamed.
fn temp_in(dir: &Path, extension: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let suffix = format!(".{extension}");
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ministage-receive-").suffix(&suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}

/// Where the received frames go: an AEA file for ATRAC1, an AT3 (RIFF 0x0270) file for ATRAC3.
enum Sink<'f> {
    Aea {
        out: BufWriter<&'f File>,
    },
    At3 {
        writer: Atrac3Writer<BufWriter<&'f File>>,
        /// Bytes short of a whole frame, held until the rest arrives.
        pending: Vec<u8>,
        frame: usize,
    },
}

/// Bytes of an AEA header.
const AEA_HEADER: usize = 2048;
/// Where an AEA header keeps its frame count (little-endian u32) and channel count.
const AEA_FRAMES_AT: u64 = 260;
const AEA_CHANNELS_AT: usize = 264;
/// The AEA header's title field holds up to 16 bytes (what readers take of it).
const AEA_TITLE_BYTES: usize = 16;

/// An AEA header: magic, title, frame count, channels (the layout `atrac`'s reader takes).
fn aea_header(title: &str, channels: u8, frames: u32) -> Vec<u8> {
    let mut h = vec![0u8; AEA_HEADER];
    h[..4].copy_from_slice(&[0x00, 0x08, 0x00, 0x00]);
    let mut end = 0;
    for (i, c) in title.char_indices() {
        if !c.is_ascii() || c.is_ascii_control() || i + c.len_utf8() > AEA_TITLE_BYTES {
            break;
        }
        end = i + c.len_utf8();
    }
    h[4..4 + end].copy_from_slice(&title.as_bytes()[..end]);
    let at = AEA_FRAMES_AT as usize;
    h[at..at + 4].copy_from_slice(&frames.to_le_bytes());
    h[AEA_CHANNELS_AT] = channels;
    h
}

impl<'f> Sink<'f> {
    fn new(file: &'f File, format: WireFormat, title: &str) -> anyhow::Result<Self> {
        let out = BufWriter::with_capacity(1 << 16, file);
        Ok(if format.mode == Mode::SP {
            let mut out = out;
            out.write_all(&aea_header(title, format.channels, 0))?;
            Sink::Aea { out }
        } else {
            let mode = if format.mode == Mode::LP4 {
                Atrac3Mode::Lp4
            } else {
                Atrac3Mode::Lp2
            };
            Sink::At3 {
                writer: Atrac3Writer::new(out, Atrac3Container::At3, mode, &TagUpdate::default())?,
                pending: Vec::new(),
                frame: frame_bytes(format) as usize,
            }
        })
    }

    /// Completes the file's header once every frame is in.
    fn finish(self, received: &Received) -> anyhow::Result<()> {
        match self {
            Sink::Aea { mut out } => {
                let frames = u32::try_from(received.frames()).unwrap_or(u32::MAX);
                out.seek(SeekFrom::Start(AEA_FRAMES_AT))?;
                out.write_all(&frames.to_le_bytes())?;
                out.flush()?;
            }
            Sink::At3 {
                writer, pending, ..
            } => {
                if !pending.is_empty() {
                    bail!(
                        "the recorder sent {} bytes that are not a whole ATRAC3 frame",
                        pending.len()
                    );
                }
                writer.finish(received.frames() * samples_per_frame(received.format))?;
            }
        }
        Ok(())
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Aea { out } => out.write_all(buf)?,
            Sink::At3 {
                writer,
                pending,
                frame,
            } => {
                pending.extend_from_slice(buf);
                let whole = pending.len() - pending.len() % *frame;
                writer
                    .write_frames(&pending[..whole])
                    .map_err(io::Error::other)?;
                pending.drain(..whole);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Aea { out } => out.flush(),
            Sink::At3 { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_disc_are_safe_file_names() {
        assert_eq!(file_name_part("AC/DC: Live?", "x"), "AC_DC_ Live_");
        assert_eq!(file_name_part("..hidden", "x"), "hidden");
        assert_eq!(file_name_part(" \u{1b}[31m ", "Untitled"), "Untitled");
        assert_eq!(file_name_part("東京の夜", "x"), "東京の夜");
        assert!(file_name_part(&"あ".repeat(100), "x").len() <= 120);
        let music = Path::new("/home/me/Music");
        assert_eq!(
            folder_for(Some(Path::new("/m/MD/{disc}")), music, "Mix/1"),
            PathBuf::from("/m/MD/Mix_1")
        );
        assert_eq!(
            folder_for(Some(Path::new("/m/all")), music, "Mix"),
            PathBuf::from("/m/all")
        );
        assert_eq!(
            folder_for(None, music, ""),
            PathBuf::from("/home/me/Music/MiniDisc/Untitled disc")
        );
    }

    #[test]
    fn aea_headers_hold_title_channels_and_frames() {
        let h = aea_header("A long title for the header", 2, 862);
        assert_eq!(&h[..4], &[0, 8, 0, 0]);
        assert_eq!(&h[4..20], b"A long title for");
        assert_eq!(h[20], 0);
        assert_eq!(u32::from_le_bytes(h[260..264].try_into().unwrap()), 862);
        assert_eq!(h[264], 2);
        // Text the header cannot hold is left out rather than cut mid-character.
        assert_eq!(&aea_header("東京", 1, 0)[4..8], &[0, 0, 0, 0]);
    }
}

#[cfg(test)]
mod container_tests {
    use std::io::Write as _;

    use super::*;

    /// The frames of a fixture, and what the in-crate decoder makes of the whole file.
    fn fixture(name: &str) -> (Vec<u8>, Vec<i16>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/atrac")
            .join(name);
        let info = atrac::probe(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let start = info.data_offset as usize;
        let frames =
            bytes[start..start + (info.frames * u64::from(info.frame_bytes)) as usize].to_vec();
        (frames, decode(&path))
    }

    fn decode(path: &Path) -> Vec<i16> {
        let mut d = atrac::open(path).unwrap();
        let mut out = Vec::new();
        while d.next_block(&mut out).unwrap() {}
        out
    }

    /// Writes `frames` through a sink in uneven pieces, as a bulk stream arrives.
    fn through_sink(format: WireFormat, frames: &[u8], ext: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("t.{ext}"));
        let file = File::create(&path).unwrap();
        let mut sink = Sink::new(&file, format, "Track, one").unwrap();
        for piece in frames.chunks(1000) {
            sink.write_all(piece).unwrap();
        }
        let received = Received {
            number: 1,
            format,
            announced_frames: 0,
            bytes: frames.len() as u64,
        };
        sink.finish(&received).unwrap();
        (dir, path)
    }

    #[test]
    fn received_sp_units_make_an_aea_file_that_decodes_like_the_original() {
        let (units, pcm) = fixture("music4s_sp.aea");
        let (_dir, path) = through_sink(WireFormat::SP_STEREO, &units, "aea");
        let info = atrac::probe(&path).unwrap();
        assert_eq!((info.codec_name(), info.channels), ("atrac1", 2));
        assert_eq!(info.frames, units.len() as u64 / 424);
        assert_eq!(info.tags.title.as_deref(), Some("Track, one"));
        assert_eq!(decode(&path), pcm);
    }

    #[test]
    fn received_lp_frames_make_an_at3_file_that_decodes_like_the_original() {
        for (name, format) in [
            ("music4s_lp2.at3", WireFormat::LP2),
            ("voice4s_lp4.at3", WireFormat::LP4),
        ] {
            let (frames, pcm) = fixture(name);
            let (_dir, path) = through_sink(format, &frames, "at3");
            assert_eq!(
                atrac::probe(&path).unwrap().codec_name(),
                "atrac3",
                "{name}"
            );
            assert_eq!(decode(&path), pcm, "{name}");
        }
    }
}
