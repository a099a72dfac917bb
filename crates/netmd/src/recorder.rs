//! The operations on a recorder, over any transport: reading a disc, titles, groups, moving and
//! deleting tracks, and the recorder's own player. Tracks are numbered from 1 here, as on the
//! recorder's display; the wire uses 0-based numbers.

use super::commands::{self as cmd, Command, Descriptor, DescriptorAction, WireTime};
use super::disc::{
    Capacity, DiscInfo, GroupInfo, MAX_TRACKS, Mode, PlayerState, PlayerStatus, TITLE_CELLS,
    TitleCells, TrackInfo,
};
use super::edit::{Edit, Step};
use super::error::DeviceError;
use super::framing::{Framing, NetMdError, Timing};
use super::groups::{self, Layout};
use super::title_sheet::{self, TitleSheet};
use super::titles::{self, Title};
use super::transport::{DeviceIdentity, Transport};

const SHARP_VENDOR: u16 = 0x04dd;
/// Disc-flag byte of a write-protected disc.
const DISC_WRITE_PROTECTED: u8 = 0x40;

/// A track as read, with the raw title bytes that writes need (their old lengths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTrack {
    pub title: Vec<u8>,
    pub full_width_title: Vec<u8>,
    pub mode: Mode,
    pub channels: u8,
    pub duration_ms: u64,
    pub protected: bool,
}

/// The disc as read, before sanitising: what the write operations work from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawDisc {
    pub disc_present: bool,
    pub write_protected: bool,
    pub title: Vec<u8>,
    pub full_width_title: Vec<u8>,
    pub tracks: Vec<RawTrack>,
    pub capacity: Capacity,
}

impl RawDisc {
    pub fn layout(&self) -> Layout {
        groups::parse(
            &titles::decode(&self.title),
            &titles::decode(&self.full_width_title),
            self.tracks.len() as u32,
        )
    }

    /// Title cells used now: (half-width area, full-width area).
    pub fn cells(&self) -> (u32, u32) {
        cells_for(
            self.title.len(),
            self.full_width_title.len(),
            self.tracks
                .iter()
                .map(|t| (t.title.len(), t.full_width_title.len(), t.mode)),
        )
    }

    /// The disc as the recorder reports it. Titles are the disc's own text: sanitise them
    /// ([`DiscInfo::map_text`]) before showing them on a terminal.
    pub fn info(&self, device: &DeviceIdentity) -> DiscInfo {
        let layout = self.layout();
        let (used, full_width_used) = self.cells();
        let groups: Vec<GroupInfo> = layout
            .groups
            .iter()
            .map(|g| GroupInfo {
                title: g.title.clone(),
                full_width_title: g.full_width_title.as_deref().unwrap_or("").to_owned(),
                first: g.first,
                last: g.last,
            })
            .collect();
        let tracks = self
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let number = i as u32 + 1;
                TrackInfo {
                    number,
                    title: titles::decode(&t.title),
                    full_width_title: titles::decode(&t.full_width_title),
                    mode: t.mode,
                    channels: t.channels,
                    duration_ms: t.duration_ms,
                    protected: t.protected,
                    group: layout.group_of(number),
                }
            })
            .collect();
        DiscInfo {
            device: device.name.clone(),
            disc_present: self.disc_present,
            title: layout.title.clone(),
            full_width_title: layout.full_width_title.as_deref().unwrap_or("").to_owned(),
            groups,
            tracks,
            capacity: self.capacity,
            title_cells: TitleCells {
                used,
                full_width_used,
                total: TITLE_CELLS,
            },
            write_protected: self.write_protected,
            native_mono: device.native_mono,
            can_receive: super::ids::can_receive(device.vendor_id, device.product_id),
        }
    }
}

/// Cells used by a disc title and track titles (byte lengths), in both areas.
pub fn cells_for(
    disc_title: usize,
    disc_full_title: usize,
    tracks: impl Iterator<Item = (usize, usize, Mode)>,
) -> (u32, u32) {
    let mut half = titles::half_width_cells(disc_title, None);
    let mut full = titles::full_width_cells(disc_full_title);
    for (t, f, mode) in tracks {
        half += titles::half_width_cells(t, Some(mode));
        full += titles::full_width_cells(f);
    }
    (half, full)
}

/// Refuses a change that would overflow a title area, unless it frees space.
pub(crate) fn check_cells(before: (u32, u32), after: (u32, u32)) -> Result<(), DeviceError> {
    if after.0 > TITLE_CELLS && after.0 > before.0 {
        return Err(DeviceError::TitleSpace {
            needed: after.0,
            available: TITLE_CELLS.saturating_sub(before.0),
            area: "half-width titles",
        });
    }
    if after.1 > TITLE_CELLS && after.1 > before.1 {
        return Err(DeviceError::TitleSpace {
            needed: after.1,
            available: TITLE_CELLS.saturating_sub(before.1),
            area: "full-width titles",
        });
    }
    Ok(())
}

/// The disc titles (half-width, full-width) `layout` compiles to, once they are known to fit
/// beside the track titles of `raw`.
fn fitting_disc_titles(raw: &RawDisc, layout: &Layout) -> Result<(Vec<u8>, Vec<u8>), DeviceError> {
    let half = titles::encode(&layout.compile());
    let full = titles::encode(&layout.compile_full());
    let after = cells_for(
        half.len(),
        full.len(),
        raw.tracks
            .iter()
            .map(|t| (t.title.len(), t.full_width_title.len(), t.mode)),
    );
    check_cells(raw.cells(), after)?;
    Ok((half, full))
}

/// Checks that `new_tracks` (mode and title each) fit: track limit and title space. The send
/// queue calls this before it starts.
pub fn check_room(disc: &RawDisc, new_tracks: &[(Mode, Title)]) -> Result<(), DeviceError> {
    if disc.tracks.len() + new_tracks.len() > MAX_TRACKS {
        return Err(DeviceError::TrackLimit);
    }
    let before = disc.cells();
    let after = cells_for(
        disc.title.len(),
        disc.full_width_title.len(),
        disc.tracks
            .iter()
            .map(|t| (t.title.len(), t.full_width_title.len(), t.mode))
            .chain(new_tracks.iter().map(|(mode, title)| {
                (
                    title.half_width_bytes().len(),
                    title.full_width_bytes().len(),
                    *mode,
                )
            })),
    );
    check_cells(before, after)
}

/// A change to the disc, as the CLI and the UI ask for it (numbers from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditRequest {
    RenameTrack { track: u32, title: String },
    RenameDisc { title: String },
    CreateGroup { first: u32, last: u32, name: String },
    RenameGroup { group: usize, name: String },
    DeleteGroup { group: usize },
    AddToGroup { group: usize, track: u32 },
    RemoveFromGroup { track: u32 },
    MoveTrack { from: u32, to: u32 },
    DeleteTracks(Vec<u32>),
    EraseDisc,
    SetTitles(TitleSheet),
}

/// A planned change: its steps, and what the caller reports once it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub edit: Edit,
    /// Characters of a title that could not be kept.
    pub warnings: Vec<String>,
    /// The new group's number (creating a group).
    pub group: Option<usize>,
}

/// The title writes that take a track from its titles in `raw` to `title`'s.
fn rename_track_steps(raw: &RawDisc, track: u32, title: &Title) -> Result<Vec<Step>, DeviceError> {
    let half = title.half_width_bytes();
    let full = title.full_width_bytes();
    let i = track as usize - 1;
    let after = cells_for(
        raw.title.len(),
        raw.full_width_title.len(),
        raw.tracks.iter().enumerate().map(|(j, t)| {
            if j == i {
                (half.len(), full.len(), t.mode)
            } else {
                (t.title.len(), t.full_width_title.len(), t.mode)
            }
        }),
    );
    check_cells(raw.cells(), after)?;
    let old = &raw.tracks[i];
    let mut steps = Vec::new();
    if old.title != half {
        steps.push(Step::TrackTitle {
            track,
            full_width: false,
            title: half,
        });
    }
    if old.full_width_title != full {
        steps.push(Step::TrackTitle {
            track,
            full_width: true,
            title: full,
        });
    }
    Ok(steps)
}

/// The writes that give the disc the titles `half` and `full`.
pub(crate) fn disc_title_steps(raw: &RawDisc, half: Vec<u8>, full: Vec<u8>) -> Vec<Step> {
    let mut steps = Vec::new();
    if raw.title != half {
        steps.push(Step::DiscTitle {
            full_width: false,
            title: half,
        });
    }
    if raw.full_width_title != full {
        steps.push(Step::DiscTitle {
            full_width: true,
            title: full,
        });
    }
    steps
}

/// A connected recorder.
pub struct Recorder<T: Transport> {
    framing: Framing<T>,
    identity: DeviceIdentity,
}

fn malformed(c: &Command, detail: String) -> DeviceError {
    DeviceError::NetMd(NetMdError::Malformed {
        command: c.name.to_string(),
        detail,
    })
}

fn wire_track(number: u32) -> u16 {
    number.saturating_sub(1) as u16
}

impl<T: Transport> Recorder<T> {
    /// Takes over a transport and drops any reply left over from another client.
    pub fn open(transport: T) -> Result<Self, DeviceError> {
        Self::open_with_timing(transport, Timing::default())
    }

    pub fn open_with_timing(transport: T, timing: Timing) -> Result<Self, DeviceError> {
        let identity = transport.identity();
        let mut framing = Framing::with_timing(transport, timing);
        framing.drain()?;
        Ok(Self { framing, identity })
    }

    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// The framing layer, for the secure session of a send.
    pub fn framing_mut(&mut self) -> &mut Framing<T> {
        &mut self.framing
    }

    pub fn into_transport(self) -> T {
        self.framing.into_transport()
    }

    /// Sends a command and returns the reply body.
    pub fn query(&mut self, c: &Command) -> Result<Vec<u8>, DeviceError> {
        Ok(self.framing.query(c.name, &c.bytes)?)
    }

    /// Opens or closes a descriptor. Units that refuse are ignored, as every client does, but a
    /// lost device is not.
    fn descriptor(&mut self, d: Descriptor, action: DescriptorAction) -> Result<(), DeviceError> {
        let c = cmd::descriptor(d, action);
        match self.framing.query(c.name, &c.bytes) {
            Ok(_) => Ok(()),
            Err(e @ (NetMdError::Rejected { .. } | NetMdError::NotImplemented { .. })) => {
                tracing::debug!("ignored: {e}");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `f` with descriptor `d` open for reading (or writing), closing it afterwards.
    fn with_descriptor<R>(
        &mut self,
        d: Descriptor,
        action: DescriptorAction,
        f: impl FnOnce(&mut Self) -> Result<R, DeviceError>,
    ) -> Result<R, DeviceError> {
        self.descriptor(d, action)?;
        let result = f(self);
        // Close even after a refused command; after a lost device there is nothing to close.
        let closed = match &result {
            Err(e) if e.is_disconnect() => Ok(()),
            _ => self.descriptor(d, DescriptorAction::Close),
        };
        let value = result?;
        closed?;
        Ok(value)
    }

    fn read(&mut self, d: Descriptor, c: &Command) -> Result<Vec<u8>, DeviceError> {
        self.with_descriptor(d, DescriptorAction::OpenRead, |me| me.query(c))
    }

    /// Whether a disc is in. Units that do not answer the status block are taken to have one.
    pub fn disc_present(&mut self) -> Result<bool, DeviceError> {
        let c = cmd::status();
        let reply = match self.read(Descriptor::OperatingStatus, &c) {
            Ok(r) => r,
            Err(DeviceError::NetMd(
                NetMdError::Rejected { .. } | NetMdError::NotImplemented { .. },
            )) => return Ok(true),
            Err(e) => return Err(e),
        };
        let block = cmd::parse_status(&reply).map_err(|d| malformed(&c, d))?;
        Ok(block.get(4).is_none_or(|&b| b != 0x80))
    }

    pub fn write_protected(&mut self) -> Result<bool, DeviceError> {
        let c = cmd::disc_flags();
        let reply = self.read(Descriptor::Root, &c)?;
        let flags = cmd::parse_disc_flags(&reply).map_err(|d| malformed(&c, d))?;
        Ok(flags & DISC_WRITE_PROTECTED != 0)
    }

    pub fn track_count(&mut self) -> Result<u32, DeviceError> {
        let c = cmd::track_count();
        let reply = self.read(Descriptor::DiscContents, &c)?;
        Ok(u32::from(
            cmd::parse_track_count(&reply).map_err(|d| malformed(&c, d))?,
        ))
    }

    /// The raw disc title (with the group syntax), read in chunks.
    pub fn raw_disc_title(&mut self, full_width: bool) -> Result<Vec<u8>, DeviceError> {
        self.with_descriptor(Descriptor::DiscContents, DescriptorAction::OpenRead, |me| {
            me.with_descriptor(Descriptor::DiscTitle, DescriptorAction::OpenRead, |me| {
                me.read_disc_title_chunks(full_width)
            })
        })
    }

    fn read_disc_title_chunks(&mut self, full_width: bool) -> Result<Vec<u8>, DeviceError> {
        let mut title = Vec::new();
        let mut total = 1usize;
        let mut first = true;
        while title.len() < total {
            let done = title.len();
            let remaining = if first { 0 } else { total - done };
            let c = cmd::disc_title(full_width, remaining as u16, done as u16);
            let reply = self.query(&c)?;
            let (size, chunk) = if first {
                let (size, t, chunk) =
                    cmd::parse_disc_title_first(&reply).map_err(|d| malformed(&c, d))?;
                total = t;
                (size, chunk)
            } else {
                cmd::parse_disc_title_next(&reply).map_err(|d| malformed(&c, d))?
            };
            first = false;
            if chunk.len() != size || (size == 0 && title.len() < total) {
                return Err(malformed(
                    &c,
                    format!("chunk says {size} bytes, holds {}", chunk.len()),
                ));
            }
            title.extend_from_slice(&chunk);
        }
        title.truncate(total);
        Ok(title)
    }

    pub fn raw_track_title(
        &mut self,
        track: u32,
        full_width: bool,
    ) -> Result<Vec<u8>, DeviceError> {
        let c = cmd::track_title(wire_track(track), full_width);
        let reply = self.read(Descriptor::track_titles(full_width), &c)?;
        cmd::parse_track_title(&reply).map_err(|d| malformed(&c, d))
    }

    pub(crate) fn track_info(&mut self, track: u32) -> Result<(Mode, u8, u64, bool), DeviceError> {
        let t = wire_track(track);
        let c = cmd::track_encoding(t);
        let reply = self.read(Descriptor::DiscContents, &c)?;
        let (encoding, channel_byte) =
            cmd::parse_track_encoding(&reply).map_err(|d| malformed(&c, d))?;
        let mode = Mode::from_encoding(encoding)
            .ok_or_else(|| malformed(&c, format!("unknown encoding {encoding:#04x}")))?;
        let channels = if channel_byte == 0x01 { 1 } else { 2 };
        let c = cmd::track_length(t);
        let reply = self.read(Descriptor::DiscContents, &c)?;
        let length = cmd::parse_track_length(&reply).map_err(|d| malformed(&c, d))?;
        let c = cmd::track_flags(t);
        let reply = self.read(Descriptor::DiscContents, &c)?;
        let flags = cmd::parse_track_flags(&reply).map_err(|d| malformed(&c, d))?;
        Ok((mode, channels, length.to_ms(), flags == 0x03))
    }

    pub fn capacity(&mut self) -> Result<Capacity, DeviceError> {
        let c = cmd::capacity();
        let reply = self.read(Descriptor::Root, &c)?;
        let [recorded, total, free] = cmd::parse_capacity(&reply).map_err(|d| malformed(&c, d))?;
        Ok(Capacity {
            total_ms: total.to_ms(),
            used_ms: recorded.to_ms(),
            free_ms: free.to_ms(),
        })
    }

    /// Reads everything on the disc, reporting (tracks done, tracks total) as it goes.
    pub fn read_raw(&mut self, progress: &mut dyn FnMut(u32, u32)) -> Result<RawDisc, DeviceError> {
        if !self.disc_present()? {
            return Ok(RawDisc::default());
        }
        let write_protected = self.write_protected()?;
        let title = self.raw_disc_title(false)?;
        let full_width_title = self.raw_disc_title(true)?;
        let capacity = self.capacity()?;
        let count = self.track_count()?;
        let mut tracks = Vec::with_capacity(count as usize);
        progress(0, count);
        for n in 1..=count {
            let (mode, channels, duration_ms, protected) = self.track_info(n)?;
            let title = self.raw_track_title(n, false)?;
            let full_width_title = self.raw_track_title(n, true)?;
            tracks.push(RawTrack {
                title,
                full_width_title,
                mode,
                channels,
                duration_ms,
                protected,
            });
            progress(n, count);
        }
        Ok(RawDisc {
            disc_present: true,
            write_protected,
            title,
            full_width_title,
            tracks,
            capacity,
        })
    }

    /// Reads the disc (titles as the disc holds them).
    pub fn read_disc(&mut self) -> Result<DiscInfo, DeviceError> {
        self.read_disc_with(&mut |_, _| {})
    }

    pub fn read_disc_with(
        &mut self,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<DiscInfo, DeviceError> {
        let raw = self.read_raw(progress)?;
        Ok(raw.info(&self.identity))
    }

    /// Reads the disc for a change, refusing when it cannot be changed.
    fn writable_disc(&mut self) -> Result<RawDisc, DeviceError> {
        let raw = self.read_raw(&mut |_, _| {})?;
        if !raw.disc_present {
            return Err(DeviceError::NoDisc);
        }
        if raw.write_protected {
            return Err(DeviceError::WriteProtected);
        }
        Ok(raw)
    }

    fn check_track(raw: &RawDisc, track: u32) -> Result<(), DeviceError> {
        let count = raw.tracks.len() as u32;
        if track == 0 || track > count {
            return Err(DeviceError::NoSuchTrack { track, count });
        }
        Ok(())
    }

    pub(crate) fn write_track_title(
        &mut self,
        track: u32,
        full_width: bool,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), DeviceError> {
        if old == new {
            return Ok(());
        }
        let c = cmd::set_track_title(
            wire_track(track),
            full_width,
            new.len() as u16,
            old.len() as u16,
            new,
        );
        self.with_descriptor(
            Descriptor::track_titles(full_width),
            DescriptorAction::OpenWrite,
            |me| {
                let reply = me.query(&c)?;
                check_title_reply(&c, &reply, "1807 022018")
            },
        )
    }

    pub(crate) fn write_disc_title(
        &mut self,
        full_width: bool,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), DeviceError> {
        if old == new {
            return Ok(());
        }
        let c = cmd::set_disc_title(full_width, new.len() as u16, old.len() as u16, new);
        // Sharp units take the disc title through the track-title descriptor.
        let d = if self.identity.vendor_id == SHARP_VENDOR {
            Descriptor::HalfWidthTrackTitles
        } else {
            Descriptor::DiscTitle
        };
        self.with_descriptor(d, DescriptorAction::OpenWrite, |me| {
            let reply = me.query(&c)?;
            check_title_reply(&c, &reply, "1807 02201801")
        })
    }

    /// Steps that write the disc titles compiled from `layout`, after checking title space.
    fn layout_steps(raw: &RawDisc, layout: &Layout) -> Result<Vec<Step>, DeviceError> {
        let (half, full) = fitting_disc_titles(raw, layout)?;
        Ok(disc_title_steps(raw, half, full))
    }

    /// Renames a track; returns warnings about characters that could not be kept.
    pub fn rename_track(&mut self, track: u32, text: &str) -> Result<Vec<String>, DeviceError> {
        self.edit(&EditRequest::RenameTrack {
            track,
            title: text.to_string(),
        })
        .map(|p| p.warnings)
    }

    pub fn rename_disc(&mut self, text: &str) -> Result<Vec<String>, DeviceError> {
        self.edit(&EditRequest::RenameDisc {
            title: text.to_string(),
        })
        .map(|p| p.warnings)
    }

    fn group_index(layout: &Layout, group: usize) -> Result<usize, DeviceError> {
        if group == 0 || group > layout.groups.len() {
            return Err(DeviceError::NoSuchGroup {
                group,
                count: layout.groups.len(),
            });
        }
        Ok(group - 1)
    }

    /// Makes tracks `first..=last` a group; returns its number and warnings.
    pub fn create_group(
        &mut self,
        first: u32,
        last: u32,
        name: &str,
    ) -> Result<(usize, Vec<String>), DeviceError> {
        let planned = self.edit(&EditRequest::CreateGroup {
            first,
            last,
            name: name.to_string(),
        })?;
        Ok((planned.group.unwrap_or_default(), planned.warnings))
    }

    pub fn rename_group(&mut self, group: usize, name: &str) -> Result<Vec<String>, DeviceError> {
        self.edit(&EditRequest::RenameGroup {
            group,
            name: name.to_string(),
        })
        .map(|p| p.warnings)
    }

    /// Removes a group; its tracks stay.
    pub fn delete_group(&mut self, group: usize) -> Result<(), DeviceError> {
        self.edit(&EditRequest::DeleteGroup { group }).map(drop)
    }

    /// Puts a track into a group. A track that is not next to the group is first moved to just
    /// after it, because a group is always a run of consecutive tracks.
    pub fn add_to_group(&mut self, group: usize, track: u32) -> Result<(), DeviceError> {
        self.edit(&EditRequest::AddToGroup { group, track })
            .map(drop)
    }

    /// Takes a track out of its group. A track in the middle is moved to just after the group.
    pub fn remove_from_group(&mut self, track: u32) -> Result<(), DeviceError> {
        self.edit(&EditRequest::RemoveFromGroup { track }).map(drop)
    }

    /// Moves track `from` so that it becomes track `to`.
    pub fn move_track(&mut self, from: u32, to: u32) -> Result<(), DeviceError> {
        self.edit(&EditRequest::MoveTrack { from, to }).map(drop)
    }

    /// Deletes tracks (numbers as shown before the delete); groups are renumbered.
    pub fn delete_tracks(&mut self, numbers: &[u32]) -> Result<(), DeviceError> {
        self.edit(&EditRequest::DeleteTracks(numbers.to_vec()))
            .map(drop)
    }

    /// Erases every track and title.
    pub fn erase_disc(&mut self) -> Result<(), DeviceError> {
        self.edit(&EditRequest::EraseDisc).map(drop)
    }

    /// Plans a change against the disc as it is now and carries it out.
    pub fn edit(&mut self, request: &EditRequest) -> Result<Planned, DeviceError> {
        let planned = self.plan(request)?;
        self.apply(&planned.edit)?;
        Ok(planned)
    }

    /// Reads the disc and plans a change: the steps and the disc they lead to. Refusals
    /// (write protection, title space, a track or group that does not exist) come here, before
    /// anything is written.
    pub fn plan(&mut self, request: &EditRequest) -> Result<Planned, DeviceError> {
        use EditRequest as E;
        let raw = self.writable_disc()?;
        let mut warnings = Vec::new();
        let mut group = None;
        let steps = match request {
            E::RenameTrack { track, title } => {
                Self::check_track(&raw, *track)?;
                let title = titles::prepare(title);
                let steps = rename_track_steps(&raw, *track, &title)?;
                warnings = title.warnings;
                steps
            }
            E::RenameDisc { title } => {
                let title = titles::prepare(title);
                let mut layout = raw.layout();
                layout.title.clone_from(&title.half_width);
                layout.full_width_title.clone_from(&title.full_width);
                warnings = title.warnings;
                Self::layout_steps(&raw, &layout)?
            }
            E::CreateGroup { first, last, name } => {
                let title = titles::prepare(name);
                let mut layout = raw.layout();
                let index = layout.create(
                    *first,
                    *last,
                    title.half_width.clone(),
                    title.full_width.clone(),
                    raw.tracks.len() as u32,
                )?;
                group = Some(index + 1);
                warnings = title.warnings;
                Self::layout_steps(&raw, &layout)?
            }
            E::RenameGroup { group, name } => {
                let title = titles::prepare(name);
                let mut layout = raw.layout();
                let i = Self::group_index(&layout, *group)?;
                layout.rename(i, title.half_width.clone(), title.full_width.clone())?;
                warnings = title.warnings;
                Self::layout_steps(&raw, &layout)?
            }
            E::DeleteGroup { group } => {
                let mut layout = raw.layout();
                let i = Self::group_index(&layout, *group)?;
                layout.delete(i)?;
                Self::layout_steps(&raw, &layout)?
            }
            E::AddToGroup { group, track } => Self::add_to_group_steps(&raw, *group, *track)?,
            E::RemoveFromGroup { track } => Self::remove_from_group_steps(&raw, *track)?,
            E::MoveTrack { from, to } => {
                Self::check_track(&raw, *from)?;
                Self::check_track(&raw, *to)?;
                if from == to {
                    Vec::new()
                } else {
                    Self::move_steps(&raw, *from, *to)?
                }
            }
            E::DeleteTracks(numbers) => Self::delete_steps(&raw, numbers)?,
            E::EraseDisc => vec![Step::Erase],
            E::SetTitles(sheet) => {
                let (steps, w) = title_sheet::plan(&raw, sheet)?;
                warnings = w;
                steps
            }
        };
        Ok(Planned {
            edit: Edit::new(raw, steps),
            warnings,
            group,
        })
    }

    fn add_to_group_steps(
        raw: &RawDisc,
        group: usize,
        track: u32,
    ) -> Result<Vec<Step>, DeviceError> {
        Self::check_track(raw, track)?;
        let layout = raw.layout();
        let i = Self::group_index(&layout, group)?;
        if let Some(other) = layout.group_of(track) {
            if other == i {
                return Ok(Vec::new());
            }
            return Err(groups::GroupError::Overlap {
                track,
                group: other + 1,
                title: layout.groups[other].title.clone(),
            }
            .into());
        }
        let g = layout.groups[i].clone();
        let target = if track == g.last + 1 || track + 1 == g.first {
            track
        } else if track > g.last {
            g.last + 1
        } else {
            g.last
        };
        let (change, moved, mut layout) = Self::moved(raw, track, target);
        let g = &mut layout.groups[i];
        g.first = g.first.min(target);
        g.last = g.last.max(target);
        Self::titles_then(raw, &moved, &layout, change)
    }

    fn remove_from_group_steps(raw: &RawDisc, track: u32) -> Result<Vec<Step>, DeviceError> {
        Self::check_track(raw, track)?;
        let layout = raw.layout();
        let i = layout
            .group_of(track)
            .ok_or(groups::GroupError::NotGrouped { track })?;
        let g = layout.groups[i].clone();
        if g.first == g.last {
            let mut layout = layout;
            layout.delete(i)?;
            return Self::layout_steps(raw, &layout);
        }
        let target = if track != g.first && track != g.last {
            g.last
        } else {
            track
        };
        let (change, moved, mut layout) = Self::moved(raw, track, target);
        let g = &mut layout.groups[i];
        if track == g.first {
            g.first += 1;
        } else {
            g.last -= 1;
        }
        Self::titles_then(raw, &moved, &layout, change)
    }

    /// The disc with track `from` moved to `to` (and the step, unless they are the same), its
    /// titles not yet rewritten, and the groups renumbered to follow.
    fn moved(raw: &RawDisc, from: u32, to: u32) -> (Vec<Step>, RawDisc, Layout) {
        let mut layout = raw.layout();
        if from == to {
            return (Vec::new(), raw.clone(), layout);
        }
        layout.track_moved(from, to, raw.tracks.len() as u32);
        let step = Step::Move { from, to };
        let mut moved = raw.clone();
        moved.apply(&step);
        (vec![step], moved, layout)
    }

    /// The disc-title writes that give `after` the titles of `layout`, then `changes` (moves or
    /// deletes) that take `raw` to `after`. Titles go first: should the recorder be lost half
    /// way, a new connection can finish the rest, as a title write takes more transfers to
    /// take effect than a move or a delete.
    fn titles_then(
        raw: &RawDisc,
        after: &RawDisc,
        layout: &Layout,
        changes: Vec<Step>,
    ) -> Result<Vec<Step>, DeviceError> {
        let (half, full) = fitting_disc_titles(after, layout)?;
        let mut steps = disc_title_steps(raw, half, full);
        steps.extend(changes);
        Ok(steps)
    }

    /// Moving a track, with the groups rewritten to follow.
    fn move_steps(raw: &RawDisc, from: u32, to: u32) -> Result<Vec<Step>, DeviceError> {
        let (change, moved, layout) = Self::moved(raw, from, to);
        // The new title may take more room (e.g. `9` → `10`): checked before anything is written.
        Self::titles_then(raw, &moved, &layout, change)
    }

    fn delete_steps(raw: &RawDisc, numbers: &[u32]) -> Result<Vec<Step>, DeviceError> {
        let mut numbers = numbers.to_vec();
        numbers.sort_unstable();
        numbers.dedup();
        for &n in &numbers {
            Self::check_track(raw, n)?;
        }
        let mut layout = raw.layout();
        let mut after = raw.clone();
        let mut deletes = Vec::new();
        // From the back, so the numbers still to delete stay valid.
        for &n in numbers.iter().rev() {
            let step = Step::Delete(n);
            after.apply(&step);
            deletes.push(step);
            layout.track_deleted(n);
        }
        Self::titles_then(raw, &after, &layout, deletes)
    }

    fn control(&mut self, c: &Command) -> Result<(), DeviceError> {
        let reply = self.query(c)?;
        let _ = cmd::check_echo(c, &reply).map_err(|d| tracing::debug!("{}: {d}", c.name));
        Ok(())
    }

    pub fn play(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::playback(cmd::ACTION_PLAY))
    }

    pub fn pause(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::playback(cmd::ACTION_PAUSE))
    }

    pub fn fast_forward(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::playback(cmd::ACTION_FAST_FORWARD))
    }

    pub fn rewind(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::playback(cmd::ACTION_REWIND))
    }

    /// Stops; the LAM-1 rejects stop, which is harmless.
    pub fn stop(&mut self) -> Result<(), DeviceError> {
        match self.control(&cmd::stop()) {
            Err(DeviceError::NetMd(NetMdError::Rejected { .. })) => Ok(()),
            other => other,
        }
    }

    pub fn next_track(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::track_change(cmd::TRACK_NEXT))
    }

    pub fn previous_track(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::track_change(cmd::TRACK_PREVIOUS))
    }

    pub fn restart_track(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::track_change(cmd::TRACK_RESTART))
    }

    pub fn goto_track(&mut self, track: u32) -> Result<(), DeviceError> {
        let count = self.track_count()?;
        if track == 0 || track > count {
            return Err(DeviceError::NoSuchTrack { track, count });
        }
        self.control(&cmd::goto_track(wire_track(track)))
    }

    /// Goes to a time within a track.
    pub fn seek(&mut self, track: u32, position_ms: u64) -> Result<(), DeviceError> {
        let count = self.track_count()?;
        if track == 0 || track > count {
            return Err(DeviceError::NoSuchTrack { track, count });
        }
        let t = WireTime::from_ms(position_ms);
        self.control(&cmd::goto_time(
            wire_track(track),
            t.hours,
            t.minutes,
            t.seconds,
            t.frames,
        ))
    }

    pub fn eject(&mut self) -> Result<(), DeviceError> {
        self.control(&cmd::eject())
    }

    /// The player's state and position.
    pub fn player_status(&mut self) -> Result<PlayerStatus, DeviceError> {
        let c = cmd::operating_status();
        let reply = self.read(Descriptor::OperatingStatus, &c)?;
        let code = cmd::parse_operating_status(&reply).map_err(|d| malformed(&c, d))?;
        let state = PlayerState::from_operating_status(code);
        let c = cmd::position();
        // Units reject the position query when there is none to report (stopped, no disc).
        let position = match self.read(Descriptor::OperatingStatus, &c) {
            Ok(reply) => Some(cmd::parse_position(&reply).map_err(|d| malformed(&c, d))?),
            Err(DeviceError::NetMd(NetMdError::Rejected { .. })) => None,
            Err(e) => return Err(e),
        };
        Ok(PlayerStatus {
            state,
            track: position.map(|(t, _)| u32::from(t) + 1),
            position_ms: position.map_or(0, |(_, time)| time.to_ms()),
        })
    }
}

/// Title writes echo the command up to the lengths (some units add the old length).
fn check_title_reply(c: &Command, reply: &[u8], prefix: &str) -> Result<(), DeviceError> {
    let prefix = super::bytes::hex_const(prefix);
    if reply.starts_with(&prefix) {
        Ok(())
    } else {
        Err(malformed(
            c,
            format!("reply {reply:02x?} does not echo the title write"),
        ))
    }
}
