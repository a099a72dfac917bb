//! `ministage device …` on a Hi-MD disc in Hi-MD mode: the virtual Hi-MD device
//! (`--device virtual:IMAGE`, an image made by `device init-virtual --himd`), or a unit in
//! Hi-MD mode on USB (`auto`/`usb` when no NetMD recorder is there). `info`, `receive`,
//! `rename` and `rename-disc` work; the other commands say they are not there yet.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use himd::bot::BotDevice;
use himd::disc::TextField;
use himd::scsi::ScsiDevice;
use himd::virtual_device::{MediaSize, VirtualHimd};
use himd::volume::{FatFiles, ScsiSectors};
use himd::{AudioFormat, Disc, DiscListing, TrackListing};
use netmd::{DeviceSelector, format_ms};

use super::device::DeviceCommand;
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

type HimdDisc = Disc<FatFiles<ScsiSectors<Box<dyn ScsiDevice>>>>;

fn open(target: &HimdTarget) -> anyhow::Result<HimdDisc> {
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
    let files = FatFiles::open(ScsiSectors::new(device)?)?;
    Ok(Disc::open(files)?)
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
        DeviceCommand::RenameDisc { title } => {
            open(target)?.set_disc_title(title)?;
            outln!("disc renamed")?;
            Ok(0)
        }
        _ => bail!(
            "this command does not work on Hi-MD discs yet: info, receive, rename and \
             rename-disc do"
        ),
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
