//! Where each part of the screen goes. Shared by `view` and by `update`, which needs the
//! visible row counts to page and scroll.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{Listing, Pane};

/// Below this the screen says it is too small instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub library: Rect,
    pub playlists: Rect,
    pub device: Rect,
    pub transfers: Rect,
    pub now_playing: Rect,
    pub status: Rect,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Library => self.library,
            Pane::Playlists => self.playlists,
            Pane::Device => self.device,
            Pane::Transfers => self.transfers,
        }
    }
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// SonicStage's transfer screen: the library on the left, the recorder and the queue on the
/// right, playlists under the library, the player and the status line at the bottom.
pub fn areas(area: Rect) -> Areas {
    let [header, main, now_playing, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(8),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(main);
    let playlists_height = (main.height / 4).clamp(4, 10);
    let [library, playlists] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(playlists_height)]).areas(left);
    let [device, transfers] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
    Areas {
        header,
        library,
        playlists,
        device,
        transfers,
        now_playing,
        status,
    }
}

/// Rows of list content visible in a pane, after its border and any header or filter line.
pub fn list_rows(size: (u16, u16), pane: Pane, listing: Listing, filter_shown: bool) -> usize {
    let rect = areas(Rect::new(0, 0, size.0, size.1)).pane(pane);
    let mut chrome = 2;
    if pane == Pane::Library {
        if filter_shown {
            chrome += 1;
        }
        if listing != Listing::Tree {
            chrome += 1;
        }
    }
    if pane == Pane::Transfers {
        chrome += 1;
    }
    if pane == Pane::Device {
        chrome += super::device_pane::FOOTER_LINES;
    }
    usize::from(rect.height.saturating_sub(chrome)).max(1)
}
