//! How much of each pane the terminal shows. The shell measures it (with the UI's layout) at
//! start and on every resize and hands it to the core in [`Msg::Resize`](crate::app::Msg), so
//! paging and scrolling never ask the UI.

use crate::app::Pane;

/// Rows of list content each pane shows: its inside height less the lines that are always
/// there (the Transfers header, the Device footer). The Library pane's filter line and column
/// header come and go with its state, so
/// [`LibraryState::page`](crate::app::LibraryState::page) takes them off `library`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// The terminal's size in cells.
    pub width: u16,
    pub height: u16,
    pub library: usize,
    pub playlists: usize,
    pub device: usize,
    pub transfers: usize,
    /// Rows of the import preview's list.
    pub preview: usize,
}

impl Viewport {
    /// Rows a pane other than the Library shows (the Library's depend on its state).
    pub fn rows(&self, pane: Pane) -> usize {
        match pane {
            Pane::Library => self.library,
            Pane::Playlists => self.playlists,
            Pane::Device => self.device,
            Pane::Transfers => self.transfers,
        }
        .max(1)
    }
}

impl Default for Viewport {
    /// One row each until the shell has measured the terminal.
    fn default() -> Self {
        Viewport {
            width: 80,
            height: 24,
            library: 1,
            playlists: 1,
            device: 1,
            transfers: 1,
            preview: 1,
        }
    }
}
