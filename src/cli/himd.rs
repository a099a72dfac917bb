//! `ministage device …` on a Hi-MD disc in Hi-MD mode: the virtual Hi-MD device
//! (`--device virtual:IMAGE`, an image made by `device init-virtual --himd`), or a unit in
//! Hi-MD mode on USB (`auto`/`usb` when no NetMD recorder is there). `info`, `receive`,
//! `send`, `rename`, `rename-disc`, `move`, `delete`, `erase` (a format), `group`, `titles`
//! and `restore-index` work; the other commands say they are not there yet.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use himd::disc::TextField;
use himd::virtual_device::{MediaSize, VirtualHimd};
use himd::{AudioFormat, DiscListing, TrackListing};
use netmd::{EditRequest, format_ms};

use super::device::{DeviceCommand, SendMode};
use crate::transfer::himd_send::{self, HimdMode};
use crate::transfer::himd_unit::{HimdTarget, HimdUnit, Restore, file_name, format_label};
use crate::transfer::pipeline::{BatchControl, BatchEvent, BatchOptions, ItemOutcome, SendItem};
use crate::transfer::receive::{Filed, file_in_library, folder_for};
use crate::ui::format::megabytes;

pub(super) use crate::transfer::himd_unit::target_of;

/// `device init-virtual PATH --himd`: a blank, formatted disc.
pub(super) fn init_blank(path: &Path, size: MediaSize) -> anyhow::Result<()> {
    VirtualHimd::create_blank(path, size, &mut netmd::crypto::OsEntropy)
        .with_context(|| format!("could not create the Hi-MD image {}", path.display()))?;
    outln!(
        "created a blank {} Hi-MD disc at {} (use --device virtual:{})",
        match size {
            MediaSize::Minutes74 => "74-minute",
            MediaSize::Minutes80 => "80-minute",
            MediaSize::Gigabyte => "1 GB",
        },
        path.display(),
        path.display()
    )?;
    Ok(())
}

fn open(target: &HimdTarget) -> anyhow::Result<HimdUnit> {
    let unit = HimdUnit::open(target)?;
    for note in &unit.notes {
        eprintln!("note: {note}");
    }
    Ok(unit)
}

pub(super) fn run(
    cmd: &DeviceCommand,
    target: &HimdTarget,
    env: &super::setup::Environment,
) -> anyhow::Result<i32> {
    use super::device::TitlesCommand;
    match cmd {
        DeviceCommand::Info { json } => {
            let listing = open(target)?.disc.listing()?;
            if *json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&JsonDisc::from(&listing))?
                )?;
            } else {
                out!("{}", table(&listing, &target.describe()))?;
            }
            Ok(0)
        }
        DeviceCommand::Receive { n, to, wav } => {
            if *wav {
                eprintln!(
                    "note: Hi-MD tracks arrive in their own format (PCM already as WAV); \
                     `ministage convert` decodes the others"
                );
            }
            receive(target, env, n, to.as_deref())
        }
        DeviceCommand::Send {
            mode,
            title,
            files,
            no_gapless,
            replaygain,
        } => {
            let mut options = BatchOptions::from_settings(&env.settings.transfer);
            options.gapless &= !no_gapless;
            if let Some(gain) = replaygain {
                options.replaygain = *gain;
            }
            send(target, *mode, title.as_deref(), files, &options)
        }
        DeviceCommand::Titles(TitlesCommand::Export { file }) => {
            let view = open(target)?.view()?;
            crate::shell::titles_csv::write_file(file, &view.info)?;
            outln!(
                "wrote the titles of {} tracks to {}",
                view.info.tracks.len(),
                file.display()
            )?;
            Ok(0)
        }
        DeviceCommand::Titles(TitlesCommand::Import { file }) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut unit = open(target)?;
            let view = unit.view()?;
            let sheet = match crate::shell::titles_csv::parse(&bytes, &view.info) {
                Ok(sheet) => sheet,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    bail!("{}: nothing was changed", file.display());
                }
            };
            for w in unit.apply(&EditRequest::SetTitles(sheet), &mut |_, _| {})? {
                eprintln!("warning: {w}");
            }
            outln!("titles from {} written to the disc", file.display())?;
            Ok(0)
        }
        DeviceCommand::RestoreIndex { yes } => restore_index(target, *yes),
        // Without --yes, `device` explained and stopped before the disc was opened.
        DeviceCommand::Erase { .. } => format_disc(target),
        DeviceCommand::Archive { dir } => archive(target, dir),
        DeviceCommand::Rename {
            n,
            title,
            artist,
            album,
        } => {
            let mut unit = open(target)?;
            let fields = [
                (TextField::Title, Some(title)),
                (TextField::Artist, artist.as_ref()),
                (TextField::Album, album.as_ref()),
            ];
            for (field, text) in fields {
                if let Some(text) = text {
                    unit.disc.set_track_text(*n as usize, field, text)?;
                }
            }
            outln!("track {n} renamed")?;
            Ok(0)
        }
        _ => match super::device::edit_request(cmd) {
            Some(request) => {
                let mut unit = open(target)?;
                let count = unit.disc.track_count();
                for w in unit.apply(&request, &mut |_, _| {})? {
                    eprintln!("warning: {w}");
                }
                outln!("{}", done_message(&request, count))?;
                Ok(0)
            }
            None => bail!(
                "a unit in Hi-MD mode is a storage device while it is connected: it has no \
                 player to control; info, receive, send, rename, rename-disc, move, delete, \
                 erase, group, titles, archive and restore-index work on it"
            ),
        },
    }
}

/// What `device …` says once a change is on the disc.
fn done_message(request: &EditRequest, tracks_before: usize) -> String {
    use EditRequest as E;
    match request {
        E::RenameTrack { track, .. } => format!("track {track} renamed"),
        E::RenameDisc { .. } => "disc renamed".into(),
        E::CreateGroup { first, last, name } => format!(
            "tracks {first}–{last} are now the group \"{}\"",
            library::text::clean(name)
        ),
        E::RenameGroup { group, .. } => format!("group {group} renamed"),
        E::DeleteGroup { group } => format!("group {group} deleted (its tracks stay)"),
        E::AddToGroup { group, track } => format!("track {track} is in group {group}"),
        E::RemoveFromGroup { track } => format!("track {track} left its group"),
        E::MoveTrack { from, to } => format!("track {from} is now track {to}"),
        E::DeleteTracks(n) => format!("deleted {} track(s)", n.len()),
        E::EraseDisc => format!("erased the disc ({tracks_before} tracks)"),
        E::SetTitles(_) => "titles written".into(),
    }
}

/// The disc's title for messages and the album, cleaned.
fn album(listing: &DiscListing) -> String {
    let title = library::text::clean(listing.title.as_deref().unwrap_or_default());
    if title.is_empty() {
        "Untitled disc".to_owned()
    } else {
        title
    }
}

fn clean(text: Option<&String>) -> String {
    library::text::clean(text.map_or("", String::as_str))
}

fn table(d: &DiscListing, device: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let title = clean(d.title.as_ref());
    let _ = writeln!(
        out,
        "{}\n{device}",
        if title.is_empty() {
            "(untitled)"
        } else {
            &title
        },
    );
    let mut group = None;
    for t in &d.tracks {
        let here = d
            .groups
            .iter()
            .position(|g| (g.first..=g.last).contains(&t.number));
        if here != group {
            group = here;
            let name = here.map_or_else(
                || "(no group)".to_owned(),
                |g| clean(d.groups[g].title.as_ref()),
            );
            let _ = writeln!(out, "▸ {name}");
        }
        let mut name = clean(t.title.as_ref());
        let artist = clean(t.artist.as_ref());
        if !artist.is_empty() {
            name = format!("{artist} — {name}");
        }
        let _ = writeln!(
            out,
            "  {:>3}  {} {:>15} {:>8}",
            t.number,
            library::text::fit(&name, 40),
            format_label(t),
            format_ms(t.duration_ms)
        );
    }
    if d.tracks.is_empty() {
        let _ = writeln!(out, "  (no tracks)");
    }
    match d.space {
        Some(space) => {
            let _ = writeln!(
                out,
                "{} of audio; {} free of {}",
                megabytes(d.audio_bytes),
                megabytes(space.free),
                megabytes(space.total)
            );
        }
        None => {
            let _ = writeln!(out, "{} of audio", megabytes(d.audio_bytes));
        }
    }
    let _ = writeln!(out, "title space: {} bytes left", d.title_bytes_left);
    out
}

#[derive(Serialize)]
struct JsonDisc {
    kind: &'static str,
    title: String,
    disc_id: String,
    groups: Vec<JsonGroup>,
    tracks: Vec<JsonTrack>,
    capacity: JsonCapacity,
    title_bytes_left: usize,
}

#[derive(Serialize)]
struct JsonGroup {
    title: String,
    first: usize,
    last: usize,
}

#[derive(Serialize)]
struct JsonTrack {
    number: usize,
    title: String,
    artist: String,
    album: String,
    codec: &'static str,
    kbps: u32,
    channels: u16,
    duration_ms: u64,
}

#[derive(Serialize)]
#[allow(clippy::struct_field_names, reason = "the JSON keys say their unit")]
struct JsonCapacity {
    audio_bytes: u64,
    total_bytes: Option<u64>,
    free_bytes: Option<u64>,
}

impl From<&DiscListing> for JsonDisc {
    fn from(d: &DiscListing) -> Self {
        Self {
            kind: "himd",
            title: clean(d.title.as_ref()),
            disc_id: netmd::bytes::to_hex(&d.disc_id),
            groups: d
                .groups
                .iter()
                .map(|g| JsonGroup {
                    title: clean(g.title.as_ref()),
                    first: g.first,
                    last: g.last,
                })
                .collect(),
            tracks: d
                .tracks
                .iter()
                .map(|t| JsonTrack {
                    number: t.number,
                    title: clean(t.title.as_ref()),
                    artist: clean(t.artist.as_ref()),
                    album: clean(t.album.as_ref()),
                    codec: t.format.map_or("unknown", AudioFormat::label),
                    kbps: t.kbps,
                    channels: t.channels,
                    duration_ms: t.duration_ms,
                })
                .collect(),
            capacity: JsonCapacity {
                audio_bytes: d.audio_bytes,
                total_bytes: d.space.map(|s| s.total),
                free_bytes: d.space.map(|s| s.free),
            },
            title_bytes_left: d.title_bytes_left,
        }
    }
}

/// `device receive` on a Hi-MD disc: every track asked for in its own format, then into the
/// library. Exit 0 only when every track asked for is in the folder.
fn receive(
    target: &HimdTarget,
    env: &super::setup::Environment,
    numbers: &[u32],
    to: Option<&Path>,
) -> anyhow::Result<i32> {
    let mut unit = open(target)?;
    let listing = unit.disc.listing()?;
    let album = album(&listing);
    let dir = to.map_or_else(
        || {
            folder_for(
                env.settings.receive.dir.as_deref(),
                &crate::paths::default_music_dir(),
                &album,
            )
        },
        Path::to_path_buf,
    );
    let wanted: Vec<&TrackListing> = if numbers.is_empty() {
        listing.tracks.iter().collect()
    } else {
        numbers
            .iter()
            .map(|&n| {
                listing
                    .tracks
                    .iter()
                    .find(|t| t.number == n as usize)
                    .with_context(|| format!("no track {n}: the disc has {}", listing.tracks.len()))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let (arrived, failed) = receive_into(&mut unit, wanted, &dir, "already received, skipped")?;
    if !arrived.is_empty() {
        let titles: Vec<String> = arrived
            .iter()
            .map(|(_, t)| clean(t.title.as_ref()))
            .collect();
        let files: Vec<Filed<'_>> = arrived
            .iter()
            .zip(&titles)
            .map(|((path, t), title)| Filed {
                path,
                album: &album,
                title,
                number: t.number as u32,
                grouping: "",
            })
            .collect();
        let mut lib = library::Library::open(&env.library_path).with_context(|| {
            format!("could not open the library {}", env.library_path.display())
        })?;
        let not_added = file_in_library(&mut lib, &files)?;
        for f in &not_added {
            eprintln!("warning: not added to the library: {f}");
        }
        outln!(
            "added {} tracks to the library as the album \"{album}\"",
            files.len().saturating_sub(not_added.len())
        )?;
    }
    Ok(i32::from(failed > 0))
}

/// `device send` on a Hi-MD disc: each file becomes a track at the end, signed as the unit
/// wants it, through the transfer queue's Hi-MD batch (gapless joins and ReplayGain as on
/// NetMD). Exit 0 only when every file arrived.
fn send(
    target: &HimdTarget,
    mode: SendMode,
    title: Option<&str>,
    files: &[PathBuf],
    options: &BatchOptions,
) -> anyhow::Result<i32> {
    if title.is_some() && files.len() > 1 {
        bail!("--title names the track of a single file");
    }
    let mode = match mode {
        SendMode::Mp3 => HimdMode::Mp3,
        SendMode::Pcm => HimdMode::Pcm,
        SendMode::Disc(crate::transfer::TransferMode::Sp) => {
            bail!("a Hi-MD disc in Hi-MD mode holds no SP: use pcm (lossless), lp2, lp105 or lp4")
        }
        SendMode::Disc(m) => m.into(),
    };
    let items: Vec<SendItem> = files
        .iter()
        .enumerate()
        .map(|(i, path)| SendItem {
            id: i as i64,
            path: path.clone(),
            title: title.map(str::to_owned),
            mode: crate::transfer::TransferMode::Auto,
            stored: None,
        })
        .collect();
    let modes = vec![mode; items.len()];
    let mut unit = open(target)?;
    let mut failed = 0;
    let mut report = |e: BatchEvent| {
        let BatchEvent::Finished { id, outcome } = e else {
            return;
        };
        let path = files
            .get(id as usize)
            .map_or_else(String::new, |p| p.display().to_string());
        match outcome {
            ItemOutcome::Done {
                track,
                title,
                warnings,
            } => {
                for w in warnings {
                    eprintln!("{path}: {w}");
                }
                let _ = outln!("track {track}: \"{title}\"");
            }
            ItemOutcome::Failed(reason) => {
                failed += 1;
                eprintln!("{path}: not sent: {reason}");
            }
            ItemOutcome::Cancelled | ItemOutcome::NotStarted => {
                failed += 1;
                eprintln!("{path}: not sent");
            }
        }
    };
    himd_send::send_items(
        &mut unit,
        &items,
        &modes,
        options,
        &BatchControl::default(),
        &mut report,
    )?;
    Ok(i32::from(failed > 0))
}

/// `device erase --yes` on a Hi-MD disc: the unit formats it afresh, keeping its disc id, with
/// the progress on a terminal's standard error.
fn format_disc(target: &HimdTarget) -> anyhow::Result<i32> {
    use std::io::{IsTerminal, Write};
    let mut unit = open(target)?;
    let tracks = unit.disc.track_count();
    let interactive = std::io::stderr().is_terminal();
    let mut progress = |done: u32, total: u32| {
        if interactive {
            let percent = u64::from(done) * 100 / u64::from(total.max(1));
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2KFormatting: {percent}%");
            let _ = err.flush();
        }
    };
    let formatted = unit.format(&mut progress);
    if interactive {
        eprint!("\r\x1b[2K");
    }
    formatted?;
    outln!("formatted the disc ({tracks} tracks erased; the disc id stays)")?;
    Ok(0)
}

/// `device restore-index`: the device's backup of the track index in place of a damaged one.
fn restore_index(target: &HimdTarget, yes: bool) -> anyhow::Result<i32> {
    match HimdUnit::restore_index(target, yes)? {
        Restore::NothingToDo => outln!("the track index reads: nothing to restore")?,
        Restore::WouldReplace { file, backup } => {
            eprintln!(
                "ministage: {file} would be replaced by the backup {backup}, whose tracks, \
                 titles and groups may be older; add --yes to do it"
            );
            return Ok(1);
        }
        Restore::Restored {
            mut unit,
            backup,
            stale,
        } => {
            outln!(
                "restored the track index from {backup}: {} track(s)",
                unit.disc.listing()?.tracks.len()
            )?;
            if let Some(warning) = crate::transfer::himd_unit::stale_warning(&stale) {
                eprintln!("warning: {warning}");
            }
        }
    }
    Ok(0)
}

/// `device archive DIR` on a Hi-MD disc: every track in its own format and `titles.csv`, as
/// on an MZ-RH1; tracks already there are kept. Exit 0 only when every track is in DIR.
fn archive(target: &HimdTarget, dir: &Path) -> anyhow::Result<i32> {
    let mut unit = open(target)?;
    let listing = unit.disc.listing()?;
    let (_, failed) = receive_into(&mut unit, listing.tracks.iter(), dir, "already there, kept")?;
    let csv = dir.join("titles.csv");
    crate::shell::titles_csv::write_file(&csv, &unit.view()?.info)?;
    outln!("titles: {}", csv.display())?;
    Ok(i32::from(failed > 0))
}

/// Receives `tracks` into `dir`, each in its own format; a file already there is kept (said
/// with `kept`). Returns the files that arrived with their tracks, and how many failed.
fn receive_into<'a>(
    unit: &mut HimdUnit,
    tracks: impl IntoIterator<Item = &'a TrackListing>,
    dir: &Path,
    kept: &str,
) -> anyhow::Result<(Vec<(PathBuf, &'a TrackListing)>, usize)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut arrived = Vec::new();
    let mut failed = 0;
    for t in tracks {
        let path = dir.join(file_name(t));
        if path.exists() {
            eprintln!("{}: {kept}", path.display());
            continue;
        }
        eprintln!(
            "receiving track {} \"{}\" ({} {})",
            t.number,
            clean(t.title.as_ref()),
            format_label(t),
            format_ms(t.duration_ms)
        );
        match crate::transfer::himd_unit::receive_track(unit, t.number, &path) {
            Ok(_) => {
                outln!("track {}: {}", t.number, path.display())?;
                arrived.push((path, t));
            }
            Err(e) => {
                failed += 1;
                eprintln!("track {}: failed: {e:#}", t.number);
            }
        }
    }
    Ok((arrived, failed))
}
