//! The Playlists pane: playlists as folders that open to show their tracks.

pub mod update;

use std::collections::HashSet;
use std::sync::Arc;

use crate::app::catalog::Catalog;
use crate::app::cursor::ListCursor;
use library::{PlaylistSummary, Track};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaylistRow {
    /// Index into `items`.
    Playlist(usize),
    /// Playlist index and entry index (from 0).
    Entry(usize, usize),
}

#[derive(Debug, Default)]
pub struct PlaylistsState {
    pub items: Vec<PlaylistSummary>,
    /// The tracks of each playlist, in `items` order.
    pub tracks: Vec<Vec<Track>>,
    /// Each playlist's present tracks, to play from, in `items` order.
    pub catalogs: Vec<Arc<Catalog>>,
    expanded: HashSet<i64>,
    pub rows: Vec<PlaylistRow>,
    pub cursor: ListCursor,
    /// The playlist `a` adds to unless told otherwise.
    pub last_used: Option<String>,
}

impl PlaylistsState {
    pub fn set(
        &mut self,
        items: Vec<PlaylistSummary>,
        tracks: Vec<Vec<Track>>,
        catalogs: Vec<Arc<Catalog>>,
        page: usize,
    ) {
        let before = self.selected_key();
        self.items = items;
        self.tracks = tracks;
        self.catalogs = catalogs;
        self.rebuild();
        if let Some(key) = before
            && let Some(pos) = self.rows.iter().position(|r| self.key(*r) == Some(key))
        {
            self.cursor.selected = pos;
        }
        self.cursor.scroll_into_view(self.rows.len(), page);
    }

    fn key(&self, row: PlaylistRow) -> Option<(i64, Option<usize>)> {
        match row {
            PlaylistRow::Playlist(i) => Some((self.items.get(i)?.id, None)),
            PlaylistRow::Entry(i, e) => Some((self.items.get(i)?.id, Some(e))),
        }
    }

    fn selected_key(&self) -> Option<(i64, Option<usize>)> {
        self.key(*self.rows.get(self.cursor.selected)?)
    }

    fn rebuild(&mut self) {
        let mut rows = Vec::new();
        for (i, p) in self.items.iter().enumerate() {
            rows.push(PlaylistRow::Playlist(i));
            if self.expanded.contains(&p.id) {
                let n = self.tracks.get(i).map_or(0, Vec::len);
                rows.extend((0..n).map(|e| PlaylistRow::Entry(i, e)));
            }
        }
        self.rows = rows;
    }

    pub fn selected(&self) -> Option<PlaylistRow> {
        self.rows.get(self.cursor.selected).copied()
    }

    pub fn is_expanded(&self, index: usize) -> bool {
        self.items
            .get(index)
            .is_some_and(|p| self.expanded.contains(&p.id))
    }

    pub fn expand(&mut self, page: usize) {
        if let Some(PlaylistRow::Playlist(i)) = self.selected()
            && let Some(p) = self.items.get(i)
        {
            self.expanded.insert(p.id);
            self.rebuild();
            self.cursor.scroll_into_view(self.rows.len(), page);
        }
    }

    pub fn collapse(&mut self, page: usize) {
        let Some(PlaylistRow::Playlist(index) | PlaylistRow::Entry(index, _)) = self.selected()
        else {
            return;
        };
        if let Some(p) = self.items.get(index) {
            self.expanded.remove(&p.id);
        }
        self.rebuild();
        if let Some(pos) = self
            .rows
            .iter()
            .position(|r| *r == PlaylistRow::Playlist(index))
        {
            self.cursor.select(pos, self.rows.len(), page);
        }
    }
}
