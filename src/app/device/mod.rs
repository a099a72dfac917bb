//! The Device pane's view of the recorder: the disc as rows (disc title, groups as folders,
//! tracks), the selection, and what the recorder is doing.

mod himd;
mod msg;
pub mod update;

pub use himd::{DiscView, HimdFacts, HimdTrack};
pub use msg::{DeviceEvent, DeviceRequest, ExclusiveJob};

use crate::app::cursor::ListCursor;
use netmd::{DiscInfo, PlayerStatus};

#[derive(Debug, Clone, PartialEq, Default)]
pub enum DeviceStatus {
    /// Looking for a recorder (start-up).
    #[default]
    Searching,
    /// No recorder; the reason, if one is known (e.g. a permission problem).
    NotConnected(Option<String>),
    Connected(Box<DiscInfo>),
}

/// A row of the Device pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRow {
    Disc,
    /// Index into `DiscInfo::groups`.
    Group(usize),
    /// Track number, from 1.
    Track(u32),
}

#[derive(Debug, Default)]
pub struct DeviceState {
    pub status: DeviceStatus,
    pub rows: Vec<DeviceRow>,
    pub cursor: ListCursor,
    /// Start of a range selection (`V`), as a row index.
    pub anchor: Option<usize>,
    /// A long operation under way, for the status line.
    pub busy: Option<String>,
    pub player: Option<PlayerStatus>,
    /// For a disc in Hi-MD mode: its tracks' formats and its space in bytes.
    pub himd: Option<HimdFacts>,
}

impl DeviceState {
    pub fn disc(&self) -> Option<&DiscInfo> {
        match &self.status {
            DeviceStatus::Connected(d) if d.disc_present => Some(d),
            _ => None,
        }
    }

    /// Replaces the disc, keeping the selection on the same kind of row where possible.
    pub fn set_disc(&mut self, view: DiscView, page: usize) {
        let before = self.selected_row();
        self.rows = rows_of(&view.info);
        self.status = DeviceStatus::Connected(Box::new(view.info));
        self.himd = view.himd;
        if let Some(row) = before
            && let Some(pos) = self.rows.iter().position(|r| *r == row)
        {
            self.cursor.selected = pos;
        }
        self.anchor = None;
        self.cursor.scroll_into_view(self.rows.len(), page);
    }

    pub fn disconnect(&mut self, reason: Option<String>) {
        self.status = DeviceStatus::NotConnected(reason);
        self.rows.clear();
        self.cursor = ListCursor::default();
        self.anchor = None;
        self.player = None;
        self.busy = None;
        self.himd = None;
    }

    pub fn selected_row(&self) -> Option<DeviceRow> {
        self.rows.get(self.cursor.selected).copied()
    }

    pub fn selected_track(&self) -> Option<u32> {
        match self.selected_row()? {
            DeviceRow::Track(n) => Some(n),
            _ => None,
        }
    }

    /// The tracks from the range anchor to the cursor (or just the selected one), in order.
    pub fn selected_range(&self) -> Option<(u32, u32)> {
        let here = self.selected_track()?;
        let there = self
            .anchor
            .and_then(|a| match self.rows.get(a)? {
                DeviceRow::Track(n) => Some(*n),
                _ => None,
            })
            .unwrap_or(here);
        Some((here.min(there), here.max(there)))
    }

    pub fn in_selection(&self, row: usize) -> bool {
        match self.anchor {
            Some(a) => {
                let (lo, hi) = (a.min(self.cursor.selected), a.max(self.cursor.selected));
                (lo..=hi).contains(&row)
            }
            None => row == self.cursor.selected,
        }
    }
}

/// The disc title, then the tracks in order with a folder row before each group.
pub fn rows_of(disc: &DiscInfo) -> Vec<DeviceRow> {
    let mut rows = vec![DeviceRow::Disc];
    if !disc.disc_present {
        return rows;
    }
    for t in &disc.tracks {
        if let Some(g) = t.group
            && disc.groups.get(g).is_some_and(|grp| grp.first == t.number)
        {
            rows.push(DeviceRow::Group(g));
        }
        rows.push(DeviceRow::Track(t.number));
    }
    rows
}
