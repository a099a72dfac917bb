//! `ministage device …` on a Hi-MD disc in Hi-MD mode: the virtual Hi-MD device
//! (`--device virtual:IMAGE`, an image made by `device init-virtual --himd`), or a unit in
//! Hi-MD mode on USB (`auto`/`usb` when no NetMD recorder is there). `info`, `receive`,
//! `send`, `rename`, `rename-disc`, `move`, `delete`, `erase`, `group` and `restore-index` work; the other
//! commands say they are not there yet.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use himd::bot::BotDevice;
use himd::codec::CodecInfo;
use himd::commit::SessionSigner;
use himd::disc::TextField;
use himd::mp3::Mp3Frames;
use himd::scsi::{ScsiDevice, SharedDevice};
use himd::send::{NewAudio, TrackTexts};
use himd::virtual_device::{MediaSize, VirtualHimd};
use himd::volume::{FatFiles, ScsiSectors};
use himd::{AudioFormat, Disc, DiscListing, HimdError, TrackListing};
use netmd::{DeviceSelector, format_ms};

use super::device::{DeviceCommand, GroupCommand, SendMode};
use crate::transfer::TransferMode;
use crate::transfer::plan::TrackTags;
use crate::transfer::prepare::{self, Feed};
use crate::transfer::receive::{Filed, file_in_library, file_name_part, folder_for};

/// A Hi-MD disc to work on.
pub(super) enum HimdTarget {
    /// The virtual device's image.
    Image(PathBuf),
    /// A unit in Hi-MD mode on USB.
    Unit(himd::usb::FoundUnit),
}

/// The Hi-MD disc a selector names: an image holding a Hi-MD volume (recognised by its
/// content), or, for `auto` and `usb`, a unit in Hi-MD mode when no NetMD recorder is there.
pub(super) fn target_of(selector: &DeviceSelector) -> Option<HimdTarget> {
    match selector {
        DeviceSelector::Virtual(path) if VirtualHimd::looks_like_himd(path) => {
            Some(HimdTarget::Image(path.clone()))
        }
        DeviceSelector::Virtual(_) => None,
        DeviceSelector::Auto | DeviceSelector::Usb => {
            if netmd::usb::list_recorders().is_ok_and(|r| !r.is_empty()) {
                return None;
            }
            himd::usb::list_units()
                .ok()?
                .into_iter()
                .next()
                .map(HimdTarget::Unit)
        }
    }
}

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

type Device = SharedDevice<Box<dyn ScsiDevice>>;
type HimdFiles = FatFiles<ScsiSectors<Device>>;
type HimdDisc = Disc<HimdFiles>;

fn open(target: &HimdTarget) -> anyhow::Result<HimdDisc> {
    Ok(open_with_device(target)?.0)
}

/// The disc's files, and a second handle on its device for the session that signs a write.
fn open_files(target: &HimdTarget) -> anyhow::Result<(HimdFiles, Device)> {
    let device: Box<dyn ScsiDevice> = match target {
        HimdTarget::Image(image) => Box::new(
            VirtualHimd::open(image)
                .with_context(|| format!("could not open the Hi-MD image {}", image.display()))?,
        ),
        HimdTarget::Unit(unit) => {
            // Taking the disc from under a mounted file system could lose what the system
            // has not written yet.
            if let Some((device, point)) = himd::usb::mounts_of(unit).into_iter().next() {
                bail!(
                    "the {} disc is mounted at {point}: unmount it first \
                     (udisksctl unmount -b {device}, or umount {point})",
                    unit.name
                );
            }
            let pipes = himd::usb::UsbPipes::open(unit)
                .with_context(|| format!("could not open the {}", unit.name))?;
            Box::new(BotDevice::new(pipes))
        }
    };
    let device = SharedDevice::new(device);
    let files = FatFiles::open(ScsiSectors::new(device.clone())?)?;
    Ok((files, device))
}

/// The disc, and a second handle on its device for the session that signs a write.
fn open_with_device(target: &HimdTarget) -> anyhow::Result<(HimdDisc, Device)> {
    let (files, device) = open_files(target)?;
    let disc = Disc::open(files).map_err(|e| match e {
        HimdError::DamagedTrackIndex {
            backup: Some(_), ..
        } => anyhow!("{e}: `ministage device restore-index --yes` puts the backup in its place"),
        e => e.into(),
    })?;
    Ok((disc, device))
}

/// `device restore-index`: the device's backup of the track index in place of a damaged one.
fn restore_index(target: &HimdTarget, yes: bool) -> anyhow::Result<i32> {
    let backup = match Disc::open(open_files(target)?.0) {
        Ok(_) => {
            outln!("the track index reads: nothing to restore")?;
            return Ok(0);
        }
        Err(HimdError::DamagedTrackIndex {
            backup: Some(backup),
            file,
            ..
        }) => {
            if !yes {
                eprintln!(
                    "ministage: {file} would be replaced by the backup {backup}, whose tracks, \
                     titles and groups may be older; add --yes to do it"
                );
                return Ok(1);
            }
            backup
        }
        Err(e) => return Err(e.into()),
    };
    let mut disc = Disc::restore_index_from_backup(open_files(target)?.0)?;
    outln!(
        "restored the track index from {backup}: {} track(s)",
        disc.listing()?.tracks.len()
    )?;
    Ok(0)
}

fn describe(target: &HimdTarget) -> String {
    match target {
        HimdTarget::Image(image) => format!(
            "virtual Hi-MD disc ({})",
            library::text::clean(&image.display().to_string())
        ),
        HimdTarget::Unit(unit) => format!("{} (Hi-MD mode)", unit.name),
    }
}

pub(super) fn run(
    cmd: &DeviceCommand,
    target: &HimdTarget,
    env: &super::setup::Environment,
) -> anyhow::Result<i32> {
    match cmd {
        DeviceCommand::Info { json } => {
            let listing = open(target)?.listing()?;
            if *json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&JsonDisc::from(&listing))?
                )?;
            } else {
                out!("{}", table(&listing, &describe(target)))?;
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
        DeviceCommand::Rename { n, title } => {
            let mut disc = open(target)?;
            disc.set_track_text(*n as usize, TextField::Title, title)?;
            outln!("track {n} renamed")?;
            Ok(0)
        }
        DeviceCommand::Send {
            mode, title, files, ..
        } => send(target, *mode, title.as_deref(), files),
        DeviceCommand::Move { from, to } => {
            open(target)?.move_track(*from as usize, *to as usize)?;
            outln!("track {from} is now track {to}")?;
            Ok(0)
        }
        DeviceCommand::Delete { n } => {
            let numbers: Vec<usize> = n.iter().map(|&n| n as usize).collect();
            let (mut disc, device) = open_with_device(target)?;
            disc.delete_tracks(&numbers, &mut signer(device))?;
            warn_unfinished(&disc);
            outln!("deleted {} track(s)", numbers.len())?;
            Ok(0)
        }
        DeviceCommand::Erase { yes: true } => {
            let (mut disc, device) = open_with_device(target)?;
            let all: Vec<usize> = (1..=disc.track_count()).collect();
            disc.delete_tracks(&all, &mut signer(device))?;
            warn_unfinished(&disc);
            disc.set_disc_title("")?;
            outln!("erased the disc ({} tracks)", all.len())?;
            Ok(0)
        }
        DeviceCommand::Group(group) => edit_group(target, group),
        DeviceCommand::RestoreIndex { yes } => restore_index(target, *yes),
        DeviceCommand::RenameDisc { title } => {
            open(target)?.set_disc_title(title)?;
            outln!("disc renamed")?;
            Ok(0)
        }
        _ => bail!(
            "this command does not work on Hi-MD discs yet: info, receive, send, rename, \
             rename-disc, move, delete, erase, group and restore-index do"
        ),
    }
}

/// A write that took effect but left its signature (or old files) for later.
fn warn_unfinished<F: himd::DiscFiles>(disc: &Disc<F>) {
    if let Some(warning) = disc.unfinished() {
        eprintln!("warning: {warning}");
    }
}

fn codec_label(t: &TrackListing) -> String {
    match t.format {
        Some(AudioFormat::Lpcm) => "PCM".to_owned(),
        Some(f) => format!("{} {}k", f.label(), t.kbps),
        None => format!("codec {:#04x}", t.codec.id),
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

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
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
            codec_label(t),
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

/// `01 - Title.oma`.
fn file_name(t: &TrackListing) -> String {
    format!(
        "{:02} - {}.{}",
        t.number,
        file_name_part(&clean(t.title.as_ref()), "Untitled"),
        t.format.map_or("bin", AudioFormat::extension)
    )
}

/// `device receive` on a Hi-MD disc: every track asked for in its own format, then into the
/// library. Exit 0 only when every track asked for is in the folder.
fn receive(
    target: &HimdTarget,
    env: &super::setup::Environment,
    numbers: &[u32],
    to: Option<&Path>,
) -> anyhow::Result<i32> {
    let mut disc = open(target)?;
    let listing = disc.listing()?;
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
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut arrived: Vec<(PathBuf, &TrackListing)> = Vec::new();
    let mut failed = 0;
    for t in wanted {
        let path = dir.join(file_name(t));
        if path.exists() {
            eprintln!("{}: already received, skipped", path.display());
            continue;
        }
        eprintln!(
            "receiving track {} \"{}\" ({} {})",
            t.number,
            clean(t.title.as_ref()),
            codec_label(t),
            format_ms(t.duration_ms)
        );
        match himd::export::export_track(&mut disc, t.number, &path) {
            Ok(_) => {
                outln!("track {}: {}", t.number, path.display())?;
                arrived.push((path, t));
            }
            Err(e) => {
                failed += 1;
                eprintln!("track {}: failed: {e}", t.number);
            }
        }
    }
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

/// What signs a write: the session on the disc's own device.
fn signer(device: Device) -> SessionSigner<Device> {
    SessionSigner::new(device, Box::new(netmd::crypto::OsEntropy))
}

/// `device group …` on a Hi-MD disc; groups are numbered from 1.
fn edit_group(target: &HimdTarget, cmd: &GroupCommand) -> anyhow::Result<i32> {
    use netmd::groups::GroupError;
    let index = |g: usize| g.checked_sub(1).ok_or(GroupError::NoSuchGroup(g));
    let mut disc = open(target)?;
    match cmd {
        GroupCommand::Create { first, last, name } => {
            disc.edit_groups(|l, count| {
                l.create(*first, *last, name.clone(), None, count)
                    .map(|_| ())
            })?;
            outln!(
                "tracks {first}–{last} are now the group \"{}\"",
                library::text::clean(name)
            )?;
        }
        GroupCommand::Rename { g, name } => {
            disc.edit_groups(|l, _| l.rename(index(*g)?, name.clone(), None))?;
            outln!("group {g} renamed")?;
        }
        GroupCommand::Delete { g } => {
            disc.edit_groups(|l, _| l.delete(index(*g)?).map(|_| ()))?;
            outln!("group {g} deleted (its tracks stay)")?;
        }
        GroupCommand::Add { g, n } => {
            disc.add_to_group(*g, *n as usize)?;
            outln!("track {n} is in group {g}")?;
        }
        GroupCommand::Remove { n } => {
            disc.remove_from_group(*n as usize)?;
            outln!("track {n} left its group")?;
        }
    }
    Ok(0)
}

/// `device send` on a Hi-MD disc: each file becomes a track at the end, signed as the unit
/// wants it. Exit 0 only when every file arrived.
fn send(
    target: &HimdTarget,
    mode: SendMode,
    title: Option<&str>,
    files: &[PathBuf],
) -> anyhow::Result<i32> {
    if title.is_some() && files.len() > 1 {
        bail!("--title names the track of a single file");
    }
    let (mut disc, device) = open_with_device(target)?;
    let mut signer = signer(device);
    let mut failed = 0;
    for path in files {
        let tags = TrackTags::read(path);
        let texts = TrackTexts {
            title: title.map_or(tags.title, str::to_owned),
            artist: tags.artist,
            album: tags.album,
        };
        let sent = audio_for(path, mode).and_then(|audio| {
            let n = disc.add_track(&audio, &texts, &mut signer, &mut netmd::crypto::OsEntropy)?;
            warn_unfinished(&disc);
            Ok((n, audio))
        });
        match sent {
            Ok((n, audio)) => outln!(
                "track {n}: \"{}\" ({})",
                library::text::clean(&texts.title),
                match audio {
                    NewAudio::Mp3(_) => "MP3",
                    NewAudio::Atrac3 { .. } => "ATRAC3",
                    NewAudio::Lpcm(_) => "PCM",
                }
            )?,
            Err(e) => {
                failed += 1;
                eprintln!("{}: not sent: {e:#}", path.display());
            }
        }
    }
    Ok(i32::from(failed > 0))
}

/// The audio of `path` as `mode` puts it on a Hi-MD disc.
fn audio_for(path: &Path, mode: SendMode) -> anyhow::Result<NewAudio> {
    let mp3 = || -> anyhow::Result<NewAudio> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let frames = Mp3Frames::parse(&bytes)
            .map_err(|why| anyhow::anyhow!("it cannot go in mp3 mode: {why}"))?;
        Ok(NewAudio::Mp3(frames))
    };
    let request = match mode {
        SendMode::Mp3 => return mp3(),
        SendMode::Pcm => TransferMode::Sp,
        SendMode::Disc(TransferMode::Sp) => {
            bail!("a Hi-MD disc in Hi-MD mode holds no SP: use pcm (lossless), lp2, lp105 or lp4")
        }
        // An MP3 unit plays goes as it is; ATRAC3 in its own mode; the rest in LP2.
        SendMode::Disc(TransferMode::Auto) => {
            if let Ok(audio) = mp3() {
                return Ok(audio);
            }
            TransferMode::Auto
        }
        SendMode::Disc(m) => m,
    };
    let facts = prepare::inspect(path)?;
    let mut route = prepare::route(request, &facts, false);
    // NetMD's auto would send the rest in SP, which Hi-MD holds as PCM: here they go in LP2.
    if request == TransferMode::Auto && route.feed != Feed::Untouched {
        route = prepare::route(TransferMode::Lp2, &facts, false);
    }
    let pcm = route.feed == Feed::Pcm;
    if route.feed == Feed::Untouched {
        return Ok(NewAudio::Atrac3 {
            codec: atrac3_codec(route.format.frame),
            frames: prepare::untouched_frames(path, route.format)?,
        });
    }
    let mut coder =
        crate::transfer::coder::Coder::for_route(route)?.context("the file needs no coding")?;
    let mut out = Vec::new();
    prepare::decode_samples(path, coder.channels(), &|| false, &mut |samples| {
        coder.push(samples);
        coder.take(&mut out);
        Ok(())
    })?;
    coder.flush();
    coder.take(&mut out);
    Ok(if pcm {
        NewAudio::Lpcm(out)
    } else {
        NewAudio::Atrac3 {
            codec: atrac3_codec(route.format.frame),
            frames: out,
        }
    })
}

/// ATRAC3 of `frame_bytes` per frame; LP4's 192-byte frames are joint stereo.
fn atrac3_codec(frame_bytes: u32) -> CodecInfo {
    CodecInfo::atrac3(frame_bytes as u16, frame_bytes == 192)
}
