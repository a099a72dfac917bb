//! `ministage device receive` and `device archive`: tracks from an MZ-RH1 or MZ-M200 into files
//! named from the disc, in the recorder's own bits (SP as ATRAC1 `.aea`, LP2/LP4 as ATRAC3
//! `.at3`) or decoded to WAV. Each file is written under a temporary name and renamed once
//! whole, so a failed receive leaves nothing behind; a file already there is not received again.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

use super::device::ProgressBar;
use crate::config::ReceiveFormat;
use atrac::{Atrac3Container, Atrac3Mode, Atrac3Writer, TagUpdate};
use netmd::receive::{ReceiveError, Received, check_can_receive, frame_bytes, samples_per_frame};
use netmd::send::WireFormat;
use netmd::{AnyRecorder, DiscInfo, Mode, TrackInfo};

/// What a receive writes, and where.
pub(super) struct Target {
    pub dir: PathBuf,
    pub format: ReceiveFormat,
}

/// A track that arrived: where it is and what the disc calls it.
pub(super) struct Arrived {
    pub path: PathBuf,
    pub number: u32,
    pub title: String,
    pub group: String,
}

/// What became of the tracks asked for.
#[derive(Default)]
pub(super) struct Outcome {
    pub arrived: Vec<Arrived>,
    /// Already in the folder from an earlier receive.
    pub skipped: Vec<PathBuf>,
    pub failed: usize,
}

/// The folder `receive.dir` names for a disc titled `disc_title` (`{disc}` replaced), or the
/// default `$XDG_MUSIC_DIR/MiniDisc/<disc title>`.
pub(super) fn folder_for(configured: Option<&Path>, disc_title: &str) -> PathBuf {
    let disc = file_name_part(disc_title, "Untitled disc");
    match configured {
        Some(dir) => PathBuf::from(dir.to_string_lossy().replace("{disc}", &disc)),
        None => crate::paths::default_music_dir()
            .join("MiniDisc")
            .join(disc),
    }
}

/// Text from the disc made safe as (part of) a file name: no path separators, control
/// characters or characters other systems refuse, no leading dots, at most 120 bytes.
pub(super) fn file_name_part(text: &str, fallback: &str) -> String {
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
pub(super) fn track_title(t: &TrackInfo) -> String {
    let title = if t.full_width_title.is_empty() {
        &t.title
    } else {
        &t.full_width_title
    };
    library::text::clean(title)
}

fn extension(mode: Mode, format: ReceiveFormat) -> &'static str {
    match (format, mode) {
        (ReceiveFormat::Wav, _) => "wav",
        (ReceiveFormat::Native, Mode::SP) => "aea",
        (ReceiveFormat::Native, _) => "at3",
    }
}

/// `01 - Title.aea`.
pub(super) fn file_name(t: &TrackInfo, format: ReceiveFormat) -> String {
    format!(
        "{:02} - {}.{}",
        t.number,
        file_name_part(&track_title(t), "Untitled"),
        extension(t.mode, format)
    )
}

/// Receives `numbers` (every track when empty) into `target`, showing progress; tracks whose
/// file is already there are skipped. A lost recorder ends the run; other failures (a
/// copy-protected track) are reported and the rest go on.
pub(super) fn receive_tracks(
    r: &mut AnyRecorder,
    disc: &DiscInfo,
    numbers: &[u32],
    target: &Target,
) -> anyhow::Result<Outcome> {
    check_can_receive(r.identity())?;
    let wanted: Vec<&TrackInfo> = if numbers.is_empty() {
        disc.tracks.iter().collect()
    } else {
        numbers
            .iter()
            .map(|&n| {
                disc.tracks
                    .iter()
                    .find(|t| t.number == n)
                    .ok_or(netmd::DeviceError::NoSuchTrack {
                        track: n,
                        count: disc.tracks.len() as u32,
                    })
            })
            .collect::<Result<_, _>>()?
    };
    std::fs::create_dir_all(&target.dir)
        .with_context(|| format!("cannot create {}", target.dir.display()))?;
    let mut outcome = Outcome::default();
    for (i, t) in wanted.iter().enumerate() {
        let path = target.dir.join(file_name(t, target.format));
        if path.exists() {
            eprintln!("{}: already received, skipped", path.display());
            outcome.skipped.push(path);
            continue;
        }
        eprintln!(
            "receiving track {} \"{}\" ({} {})",
            t.number,
            track_title(t),
            t.mode.label(),
            netmd::format_ms(t.duration_ms)
        );
        match receive_one(r, t, &path, target.format) {
            Ok(()) => {
                outln!("track {}: {}", t.number, path.display())?;
                outcome.arrived.push(Arrived {
                    path,
                    number: t.number,
                    title: track_title(t),
                    group: t
                        .group
                        .and_then(|g| disc.groups.get(g))
                        .map(|g| library::text::clean(&g.title))
                        .unwrap_or_default(),
                });
            }
            Err(e) => {
                outcome.failed += 1;
                eprintln!("track {}: failed: {e:#}", t.number);
                if e.downcast_ref::<ReceiveError>()
                    .is_some_and(ReceiveError::is_disconnect)
                {
                    let left = wanted.len() - i - 1;
                    if left > 0 {
                        eprintln!("the recorder is gone: {left} more tracks were not received");
                        outcome.failed += left;
                    }
                    break;
                }
            }
        }
    }
    Ok(outcome)
}

/// Adds received files to the library: the disc's title as the album, each track's title,
/// number and group (as its grouping). WAV files carry them as tags; the library keeps them for
/// `.aea` and `.at3`, which have no room for tags.
pub(super) fn add_to_library(
    env: &super::setup::Environment,
    disc: &DiscInfo,
    arrived: &[Arrived],
) -> anyhow::Result<()> {
    use library::{ImportOptions, Library, Overrides};

    let album = {
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
    };
    let is_wav = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    for a in arrived.iter().filter(|a| is_wav(&a.path)) {
        if let Err(e) = tag_wav(&a.path, &album, a) {
            eprintln!("warning: {}: could not tag it: {e}", a.path.display());
        }
    }
    let mut lib = Library::open(&env.library_path)
        .with_context(|| format!("could not open the library {}", env.library_path.display()))?;
    let options = ImportOptions {
        overrides: Overrides {
            album: Some(album.clone()),
            ..Overrides::default()
        },
    };
    let paths: Vec<PathBuf> = arrived.iter().map(|a| a.path.clone()).collect();
    let report = library::import(&mut lib, &paths, &options, &|_| {})
        .context("could not add the received tracks to the library")?;
    for failure in &report.failed {
        eprintln!("warning: not added to the library: {failure}");
    }
    for a in arrived.iter().filter(|a| !is_wav(&a.path)) {
        lib.set_stored_tags(&a.path, &a.title, Some(a.number), &a.group)?;
    }
    outln!(
        "added {} tracks to the library as the album \"{album}\"",
        arrived.len() - report.failed.len().min(arrived.len())
    )?;
    Ok(())
}

/// Title, album, number and grouping as an ID3 tag in a received WAV file.
fn tag_wav(path: &Path, album: &str, a: &Arrived) -> Result<(), lofty::error::FileEncodingError> {
    use lofty::config::WriteOptions;
    use lofty::tag::{Accessor, ItemKey, Tag, TagExt, TagType};

    let mut tag = Tag::new(TagType::Id3v2);
    tag.set_title(a.title.clone());
    tag.set_album(album.to_owned());
    tag.set_track(a.number);
    if !a.group.is_empty() {
        tag.insert_text(ItemKey::ContentGroup, a.group.clone());
    }
    tag.save_to_path(path, WriteOptions::default())
}

/// Receives one track into `path` through a temporary file in the same folder.
fn receive_one(
    r: &mut AnyRecorder,
    t: &TrackInfo,
    path: &Path,
    format: ReceiveFormat,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let native = temp_in(dir, extension(t.mode, ReceiveFormat::Native))?;
    let expected = if t.mode == Mode::SP {
        if t.channels == 1 {
            WireFormat::SP_MONO
        } else {
            WireFormat::SP_STEREO
        }
    } else if t.mode == Mode::LP4 {
        WireFormat::LP4
    } else {
        WireFormat::LP2
    };
    let mut sink = Sink::new(native.as_file(), expected, &track_title(t))?;
    let mut bar = ProgressBar::new();
    let started = Instant::now();
    let received = r.receive_track(t.number, &mut sink, &mut |done, total| {
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        let rate = (done as f64 / secs) as u64;
        let eta_ms = (total.saturating_sub(done)) * 1000 / rate.max(1);
        bar.show(done, total, rate, eta_ms);
        ControlFlow::Continue(())
    });
    bar.end();
    let received = received?;
    if received.format != expected {
        bail!(
            "the recorder sent {} audio for a track the disc lists as {}",
            received.mode().label(),
            t.mode.label()
        );
    }
    sink.finish(&received)?;
    match format {
        ReceiveFormat::Native => {
            native
                .persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        ReceiveFormat::Wav => {
            let mut decoder = media::player::source::open(native.path())
                .context("cannot decode the received audio")?;
            super::convert::convert(decoder.as_mut(), path)?;
        }
    }
    Ok(())
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
        assert_eq!(
            folder_for(Some(Path::new("/m/MD/{disc}")), "Mix/1"),
            PathBuf::from("/m/MD/Mix_1")
        );
        assert_eq!(
            folder_for(Some(Path::new("/m/all")), "Mix"),
            PathBuf::from("/m/all")
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
