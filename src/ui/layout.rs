//! Where each part of the screen goes: used by `view`, and by the shell to tell the core how
//! many rows each pane shows ([`viewport`]).

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{Pane, Viewport};

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

/// What a terminal of `width` × `height` cells shows of each pane: the inside of each
/// pane's border, less the Transfers header and the Device footer. The shell hands this to the
/// core at start and on every resize.
pub fn viewport(width: u16, height: u16) -> Viewport {
    let a = areas(Rect::new(0, 0, width, height));
    let inside = |r: Rect, extra: u16| usize::from(r.height.saturating_sub(2 + extra)).max(1);
    Viewport {
        width,
        height,
        library: inside(a.library, 0),
        playlists: inside(a.playlists, 0),
        device: inside(a.device, super::device_pane::FOOTER_LINES),
        transfers: inside(a.transfers, 1),
        // The preview dialog keeps ten lines for its frame, fields and hints.
        preview: usize::from(height.saturating_sub(10)).max(1),
    }
}
