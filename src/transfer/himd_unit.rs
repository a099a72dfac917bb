//! A disc in Hi-MD mode, opened for the Device pane, the transfer queue and `ministage device …`:
//! which disc a selector names, opening it (a disc the system has mounted is unmounted through
//! udisks when it can be, else refused with how to do it), its listing in the Device pane's
//! terms, and the edits the pane and the CLI make.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::app::{DiscView, HimdFacts, HimdTrack};
use himd::bot::BotDevice;
use himd::commit::SessionSigner;
use himd::disc::TextField;
use himd::scsi::{ScsiDevice, SharedDevice};
use himd::virtual_device::VirtualHimd;
use himd::volume::{FatFiles, ScsiSectors};
use himd::{AudioFormat, Disc, DiscListing, HimdError, TrackListing};
use netmd::groups::{GroupError, Layout};
use netmd::{Capacity, DeviceSelector, DiscInfo, EditRequest, GroupInfo, Mode, TrackInfo};

/// A Hi-MD disc to work on.
#[derive(Debug, Clone)]
pub enum HimdTarget {
    /// The virtual device's image.
    Image(PathBuf),
    /// A unit in Hi-MD mode on USB.
    Unit(himd::usb::FoundUnit),
}

impl HimdTarget {
    /// What the Device pane and messages call it.
    pub fn describe(&self) -> String {
        match self {
            HimdTarget::Image(image) => format!(
                "virtual Hi-MD disc ({})",
                library::text::clean(&image.display().to_string())
            ),
            HimdTarget::Unit(unit) => format!("{} (Hi-MD mode)", unit.name),
        }
    }
}

/// The Hi-MD disc a selector names: an image holding a Hi-MD volume (recognised by its
/// content), or, for `auto` and `usb`, a unit in Hi-MD mode when no NetMD recorder is there.
pub fn target_of(selector: &DeviceSelector) -> Option<HimdTarget> {
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

pub type Device = SharedDevice<Box<dyn ScsiDevice>>;
pub type HimdDisc = Disc<FatFiles<ScsiSectors<Device>>>;

/// An open disc in Hi-MD mode.
pub struct HimdUnit {
    pub disc: HimdDisc,
    /// A second handle on the disc's device, for the sessions that sign writes.
    device: Device,
    target: HimdTarget,
    /// Worth telling the user about opening it (e.g. that it was unmounted).
    pub notes: Vec<String>,
}

impl HimdUnit {
    /// Opens the disc. A damaged track index with a backup says how to restore it.
    pub fn open(target: &HimdTarget) -> anyhow::Result<Self> {
        let (device, notes) = open_device(target)?;
        let disc = read_disc(&device).map_err(|e| match e.downcast::<HimdError>() {
            Ok(HimdError::DamagedTrackIndex {
                file,
                reason,
                backup: Some(backup),
            }) => anyhow::Error::new(DamagedIndex {
                file,
                reason,
                backup,
            }),
            Ok(other) => other.into(),
            Err(e) => e,
        })?;
        Ok(Self {
            disc,
            device,
            target: target.clone(),
            notes,
        })
    }

    /// Puts the unit's backup in place of a damaged track index, when `confirmed`.
    pub fn restore_index(target: &HimdTarget, confirmed: bool) -> anyhow::Result<Restore> {
        let (device, notes) = open_device(target)?;
        let files = FatFiles::open(ScsiSectors::new(device.clone())?)?;
        let backup = match Disc::open(files) {
            Ok(_) => return Ok(Restore::NothingToDo),
            Err(HimdError::DamagedTrackIndex {
                backup: Some(backup),
                file,
                ..
            }) if !confirmed => return Ok(Restore::WouldReplace { file, backup }),
            Err(HimdError::DamagedTrackIndex {
                backup: Some(backup),
                ..
            }) => backup,
            Err(e) => return Err(e.into()),
        };
        let files = FatFiles::open(ScsiSectors::new(device.clone())?)?;
        let disc = Disc::restore_index_from_backup(files)?;
        let stale = disc.mac_mismatches();
        Ok(Restore::Restored {
            unit: Box::new(Self {
                disc,
                device,
                target: target.clone(),
                notes,
            }),
            backup,
            stale,
        })
    }

    pub fn target(&self) -> &HimdTarget {
        &self.target
    }

    pub fn describe(&self) -> String {
        self.target.describe()
    }

    /// What signs a write: the session on the disc's own device.
    pub fn signer(&self) -> SessionSigner<Device> {
        SessionSigner::new(self.device.clone(), Box::new(netmd::crypto::OsEntropy))
    }

    /// Reads the disc again from the device (after a write that failed halfway, whatever the
    /// disc object had in memory may not be what the disc holds).
    pub fn reload(&mut self) -> anyhow::Result<()> {
        self.disc = read_disc(&self.device)?;
        Ok(())
    }

    /// Has the unit format the disc afresh — every track, title and group goes; the disc id
    /// stays — then reads the blank disc into `self.disc`. `progress` gets (done, total).
    /// A format refused or failed leaves `self.disc` as the unit then holds it.
    pub fn format(&mut self, progress: &mut dyn FnMut(u32, u32)) -> anyhow::Result<()> {
        // The volume's held sectors go to the disc now, and none of them later: a sector
        // of the old file system written back would break the new one.
        self.disc.files().release()?;
        let formatted = himd::format::format(
            &mut self.device.clone(),
            himd::format::Polling::default(),
            progress,
        );
        match read_disc(&self.device) {
            Ok(disc) => self.disc = disc,
            Err(e) if formatted.is_ok() => {
                return Err(e.context("the disc was formatted but does not read back"));
            }
            // The format's own error says more.
            Err(_) => {}
        }
        Ok(formatted?)
    }

    /// Is the unit still plugged in? (An image always is.)
    pub fn still_there(&self) -> bool {
        match &self.target {
            HimdTarget::Image(image) => image.exists(),
            HimdTarget::Unit(unit) => himd::usb::list_units().is_ok_and(|units| {
                units
                    .iter()
                    .any(|u| u.bus == unit.bus && u.address == unit.address)
            }),
        }
    }

    /// The disc as the Device pane shows it; text sanitised.
    pub fn view(&mut self) -> anyhow::Result<DiscView> {
        let listing = self.disc.listing()?;
        Ok(view_of(&listing, &self.describe()))
    }

    /// Makes a change the Device pane (or a titles sheet) asks for. Returns what is worth
    /// telling the user though the change was made; `progress` hears a format's (done, total).
    pub fn apply(
        &mut self,
        edit: &EditRequest,
        progress: &mut dyn FnMut(u32, u32),
    ) -> anyhow::Result<Vec<String>> {
        match self.apply_once(edit, progress) {
            Ok(mut warnings) => {
                warnings.extend(self.unfinished());
                Ok(warnings)
            }
            Err(e) => {
                // Show (and go on from) what the disc really holds.
                let _ = self.reload();
                Err(e)
            }
        }
    }

    /// What the last write left for later though it took effect (the unit's signature): each
    /// signed write signs the whole disc, so the last one's state is the disc's.
    pub fn unfinished(&self) -> Option<String> {
        self.disc.unfinished().map(str::to_owned)
    }

    fn apply_once(
        &mut self,
        edit: &EditRequest,
        progress: &mut dyn FnMut(u32, u32),
    ) -> anyhow::Result<Vec<String>> {
        use EditRequest as E;
        let disc = &mut self.disc;
        match edit {
            E::RenameTrack { track, title } => {
                disc.set_track_text(*track as usize, TextField::Title, title)?;
            }
            E::RenameDisc { title } => disc.set_disc_title(title)?,
            E::CreateGroup { first, last, name } => disc.edit_groups(|l, count| {
                l.create(*first, *last, name.clone(), None, count)
                    .map(|_| ())
            })?,
            E::RenameGroup { group, name } => {
                disc.edit_groups(|l, _| l.rename(group_index(*group)?, name.clone(), None))?;
            }
            E::DeleteGroup { group } => {
                disc.edit_groups(|l, _| l.delete(group_index(*group)?).map(|_| ()))?;
            }
            E::AddToGroup { group, track } => disc.add_to_group(*group, *track as usize)?,
            E::RemoveFromGroup { track } => disc.remove_from_group(*track as usize)?,
            E::MoveTrack { from, to } => disc.move_track(*from as usize, *to as usize)?,
            E::DeleteTracks(numbers) => {
                let numbers: Vec<usize> = numbers.iter().map(|&n| n as usize).collect();
                let mut signer = self.signer();
                self.disc.delete_tracks(&numbers, &mut signer)?;
            }
            // A unit formats a Hi-MD disc afresh (what an erase is on it).
            E::EraseDisc => self.format(progress)?,
            E::SetTitles(sheet) => return self.set_titles(sheet),
        }
        Ok(Vec::new())
    }

    /// A titles sheet: the disc title, every track's title and the groups. Hi-MD has no
    /// separate full-width titles: a sheet's full-width column is used where it is the only
    /// title given.
    fn set_titles(
        &mut self,
        sheet: &netmd::title_sheet::TitleSheet,
    ) -> anyhow::Result<Vec<String>> {
        let count = self.disc.track_count() as u32;
        if let Some(t) = sheet
            .tracks
            .iter()
            .find(|t| t.number == 0 || t.number > count)
        {
            bail!(
                "the sheet names track {} and the disc has {count}",
                t.number
            );
        }
        let groups = sheet_groups(sheet, count)?;
        let mut warnings = Vec::new();
        if let Some((half, full)) = &sheet.disc {
            let title = if half.trim().is_empty() { full } else { half };
            self.disc.set_disc_title(title)?;
        }
        for t in &sheet.tracks {
            let title = if t.title.trim().is_empty() {
                &t.full_width_title
            } else {
                &t.title
            };
            if !t.title.trim().is_empty()
                && !t.full_width_title.trim().is_empty()
                && t.full_width_title != t.title
            {
                warnings.push(format!(
                    "track {}: a Hi-MD disc has one title per track; the full-width one was left out",
                    t.number
                ));
            }
            let now = self.disc.track(t.number as usize)?;
            if now.title.as_deref() != Some(title.as_str()) {
                self.disc
                    .set_track_text(t.number as usize, TextField::Title, title)?;
            }
        }
        self.disc.edit_groups(|layout, _| {
            layout.groups = groups.groups;
            Ok(())
        })?;
        Ok(warnings)
    }
}

/// Group `number` (from 1, as requests number them) as an index into the layout's groups.
fn group_index(number: usize) -> Result<usize, GroupError> {
    number.checked_sub(1).ok_or(GroupError::NoSuchGroup(number))
}

/// The groups a sheet describes: each run of consecutive tracks with the same group name.
fn sheet_groups(sheet: &netmd::title_sheet::TitleSheet, count: u32) -> anyhow::Result<Layout> {
    let mut layout = Layout::default();
    let mut tracks: Vec<_> = sheet.tracks.iter().collect();
    tracks.sort_by_key(|t| t.number);
    let mut run: Option<(u32, u32, &str)> = None;
    let mut close = |run: Option<(u32, u32, &str)>| -> Result<(), GroupError> {
        if let Some((first, last, name)) = run {
            layout.create(first, last, name.to_owned(), None, count)?;
        }
        Ok(())
    };
    for t in tracks {
        let name = t.group.trim();
        run = match run {
            Some((first, last, group)) if group == name && last + 1 == t.number => {
                Some((first, t.number, group))
            }
            other => {
                close(other)?;
                (!name.is_empty()).then_some((t.number, t.number, name))
            }
        };
    }
    close(run)?;
    Ok(layout)
}

/// The disc's track index does not read, and the unit's backup does: what the Device pane
/// offers to restore (`HimdUnit::restore_index`).
#[derive(Debug, thiserror::Error)]
#[error(
    "the track index {file} is damaged ({reason}); the unit's backup {backup} reads: \
     `ministage device restore-index --yes` puts it in its place"
)]
pub struct DamagedIndex {
    pub file: String,
    pub reason: String,
    pub backup: String,
}

/// What [`HimdUnit::restore_index`] did.
pub enum Restore {
    /// The track index reads.
    NothingToDo,
    /// Not confirmed: `file` would be replaced by `backup`.
    WouldReplace { file: String, backup: String },
    /// `backup` is the index now; `stale` are the tracks whose MAC is not the disc's.
    Restored {
        unit: Box<HimdUnit>,
        backup: String,
        stale: Vec<usize>,
    },
}

/// What to say of tracks whose MAC in a restored index is not the disc's, if any.
pub fn stale_warning(stale: &[usize]) -> Option<String> {
    (!stale.is_empty()).then(|| {
        format!(
            "the backup's signature of track(s) {stale:?} is not the disc's: a unit may refuse \
             to play them"
        )
    })
}

/// The disc's device, and what opening it did worth saying.
fn open_device(target: &HimdTarget) -> anyhow::Result<(Device, Vec<String>)> {
    let mut notes = Vec::new();
    let device: Box<dyn ScsiDevice> = match target {
        HimdTarget::Image(image) => Box::new(
            VirtualHimd::open(image)
                .with_context(|| format!("could not open the Hi-MD image {}", image.display()))?,
        ),
        HimdTarget::Unit(unit) => {
            notes.extend(unmount(unit)?);
            let pipes = himd::usb::UsbPipes::open(unit)
                .with_context(|| format!("could not open the {}", unit.name))?;
            Box::new(BotDevice::new(pipes))
        }
    };
    Ok((SharedDevice::new(device), notes))
}

fn read_disc(device: &Device) -> anyhow::Result<HimdDisc> {
    let files = FatFiles::open(ScsiSectors::new(device.clone())?)?;
    Ok(Disc::open(files)?)
}

/// Takes the unit's disc from the system when it is mounted: through udisks when that is
/// there, else refused with how to do it (taking a mounted disc from under the system could
/// lose what it has not written yet).
fn unmount(unit: &himd::usb::FoundUnit) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    for (device, point) in himd::usb::mounts_of(unit) {
        let unmounted = std::process::Command::new("udisksctl")
            .args(["unmount", "--no-user-interaction", "-b", &device])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            bail!(
                "the {} disc is mounted at {point}: unmount it first \
                 (udisksctl unmount -b {device}, or umount {point})",
                unit.name
            );
        }
        notes.push(format!("unmounted {point} ({device}) to reach the disc"));
    }
    Ok(notes)
}

/// The bit rate label a unit shows for a track: `ATRAC3 132k`, `PCM`, `MP3 192k`.
pub fn format_label(t: &TrackListing) -> String {
    match t.format {
        Some(AudioFormat::Lpcm) => "PCM".to_owned(),
        Some(f) => format!("{} {}k", f.label(), t.kbps),
        None => format!("codec {:#04x}", t.codec.id),
    }
}

/// The NetMD mode closest to a track's format, for what only speaks modes (a Hi-MD track's own
/// format is in [`HimdTrack`]).
fn mode_of(t: &TrackListing) -> Mode {
    match (t.format, t.codec.frame_bytes()) {
        (Some(AudioFormat::Atrac3), 192) => Mode::LP4,
        (Some(AudioFormat::Atrac3), _) => Mode::LP2,
        _ => Mode::SP,
    }
}

/// Bytes of 16-bit stereo PCM at 44.1 kHz in a millisecond: a Hi-MD disc's space in the
/// Device pane's time terms is PCM time (its "SP").
const PCM_BYTES_PER_MS: u64 = 1764 / 10;

fn clean(text: Option<&String>) -> String {
    library::text::clean(text.map_or("", String::as_str))
}

/// A listing in the Device pane's terms, text sanitised.
pub fn view_of(listing: &DiscListing, device: &str) -> DiscView {
    let groups: Vec<GroupInfo> = listing
        .groups
        .iter()
        .map(|g| GroupInfo {
            title: clean(g.title.as_ref()),
            full_width_title: String::new(),
            first: g.first as u32,
            last: g.last as u32,
        })
        .collect();
    let tracks = listing
        .tracks
        .iter()
        .map(|t| TrackInfo {
            number: t.number as u32,
            title: clean(t.title.as_ref()),
            full_width_title: String::new(),
            mode: mode_of(t),
            channels: u8::try_from(t.channels).unwrap_or(2),
            duration_ms: t.duration_ms,
            protected: false,
            group: listing
                .groups
                .iter()
                .position(|g| (g.first..=g.last).contains(&t.number)),
        })
        .collect();
    let (total, free) = listing
        .space
        .map_or((listing.audio_bytes, 0), |s| (s.total, s.free));
    let used = total.saturating_sub(free);
    let info = DiscInfo {
        device: library::text::clean(device),
        disc_present: true,
        title: clean(listing.title.as_ref()),
        full_width_title: String::new(),
        groups,
        tracks,
        capacity: Capacity {
            total_ms: total / PCM_BYTES_PER_MS,
            used_ms: used / PCM_BYTES_PER_MS,
            free_ms: free / PCM_BYTES_PER_MS,
        },
        title_cells: netmd::TitleCells::default(),
        write_protected: false,
        native_mono: false,
        can_receive: true,
    };
    let himd = HimdFacts {
        tracks: listing
            .tracks
            .iter()
            .map(|t| HimdTrack {
                format: format_label(t),
                extension: t.format.map_or("bin", AudioFormat::extension),
                artist: clean(t.artist.as_ref()),
                album: clean(t.album.as_ref()),
            })
            .collect(),
        total_bytes: total,
        free_bytes: free,
        title_bytes_left: listing.title_bytes_left,
    };
    DiscView {
        info,
        himd: Some(himd),
    }
}

/// `01 - Title.oma`: a received track's file, in its own format.
pub fn file_name(t: &TrackListing) -> String {
    super::receive::numbered_name(
        t.number as u32,
        &clean(t.title.as_ref()),
        t.format.map_or("bin", AudioFormat::extension),
    )
}

/// Receives track `number` into `path` in its own format, under a temporary name renamed once
/// whole (what `himd::export` does).
pub fn receive_track(unit: &mut HimdUnit, number: usize, path: &Path) -> anyhow::Result<u64> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(himd::export::export_track(&mut unit.disc, number, path)?.audio_bytes)
}
