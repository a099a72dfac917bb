//! State of the Library pane: the tree with its expanded nodes, the flat sortable list, and the
//! filter. All operations are pure and cheap enough to run inside `update`.

pub mod update;

use std::collections::HashSet;
use std::sync::Arc;

use ratatui_textarea::TextArea;

use crate::app::catalog::{Catalog, TreeRow};
use crate::app::cursor::ListCursor;
use crate::config::{LibraryView, SortKey};
use library::{Query, Track};

#[derive(Debug, Default)]
pub struct FilterState {
    pub input: TextArea<'static>,
    /// The text field has the keyboard.
    pub editing: bool,
    /// The last query that parsed; stays in force while the text has an error.
    pub query: Option<Query>,
    pub error: Option<String>,
    /// Matching track indices in the current sort order.
    pub matches: Vec<usize>,
    pub cursor: ListCursor,
}

impl FilterState {
    pub fn text(&self) -> String {
        self.input.lines().join(" ")
    }

    /// A filter narrows the pane while its query is non-empty, whether or not it is being edited.
    pub fn is_active(&self) -> bool {
        self.query.as_ref().is_some_and(|q| !q.is_empty())
    }
}

/// What the Library pane currently lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Tree,
    Flat,
    Filtered,
}

#[derive(Debug)]
pub struct LibraryState {
    pub catalog: Arc<Catalog>,
    pub loaded: bool,
    pub view: LibraryView,
    pub sort: SortKey,
    pub reverse: bool,
    expanded_artists: HashSet<String>,
    expanded_albums: HashSet<(String, String)>,
    pub tree_rows: Vec<TreeRow>,
    pub tree_cursor: ListCursor,
    /// All track indices in the current sort order.
    pub flat: Vec<usize>,
    pub flat_cursor: ListCursor,
    pub filter: FilterState,
    /// Marked tracks (`x`), by track id so marks survive a reload.
    pub marked: HashSet<i64>,
    /// Start of a range selection (`V`) in the current listing.
    pub anchor: Option<usize>,
}

impl LibraryState {
    pub fn new(view: LibraryView, sort: SortKey) -> Self {
        Self {
            catalog: Arc::new(Catalog::default()),
            loaded: false,
            view,
            sort,
            reverse: false,
            expanded_artists: HashSet::new(),
            expanded_albums: HashSet::new(),
            tree_rows: Vec::new(),
            tree_cursor: ListCursor::default(),
            flat: Vec::new(),
            flat_cursor: ListCursor::default(),
            filter: FilterState::default(),
            marked: HashSet::new(),
            anchor: None,
        }
    }

    /// Replaces the catalog (after a load or an import), keeping expansion, selection by
    /// identity where possible, sort order and the filter.
    pub fn set_catalog(&mut self, catalog: Arc<Catalog>, page: usize) {
        let selected_track = self.selected_track().map(|t| t.path.clone());
        // Row keys are names, so they survive the indices changing under the new catalog.
        let selected_row = self.selected_row_key();
        self.catalog = catalog;
        self.loaded = true;
        self.rebuild_rows_keeping(selected_row);
        self.flat = (0..self.catalog.tracks.len()).collect();
        self.catalog.sorted(&mut self.flat, self.sort, self.reverse);
        if let Some(path) = selected_track
            && let Some(pos) = self
                .flat
                .iter()
                .position(|&i| self.catalog.tracks[i].path == path)
        {
            self.flat_cursor.selected = pos;
        }
        self.refilter();
        self.clamp(page);
    }

    /// Whether the filter line is drawn (while typing, with a filter set, or with an error).
    pub fn filter_shown(&self) -> bool {
        self.filter.editing || self.filter.is_active() || self.filter.error.is_some()
    }

    /// Rows of tracks shown in a pane whose inside is `inner` rows: the filter line and the
    /// flat list's column header take one each.
    pub fn page(&self, inner: usize) -> usize {
        let chrome =
            usize::from(self.filter_shown()) + usize::from(self.listing() != Listing::Tree);
        inner.saturating_sub(chrome).max(1)
    }

    pub fn listing(&self) -> Listing {
        if self.filter.is_active() {
            Listing::Filtered
        } else {
            match self.view {
                LibraryView::Tree => Listing::Tree,
                LibraryView::Flat => Listing::Flat,
            }
        }
    }

    pub fn len(&self) -> usize {
        match self.listing() {
            Listing::Tree => self.tree_rows.len(),
            Listing::Flat => self.flat.len(),
            Listing::Filtered => self.filter.matches.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cursor(&self) -> &ListCursor {
        match self.listing() {
            Listing::Tree => &self.tree_cursor,
            Listing::Flat => &self.flat_cursor,
            Listing::Filtered => &self.filter.cursor,
        }
    }

    pub fn cursor_mut(&mut self) -> &mut ListCursor {
        match self.listing() {
            Listing::Tree => &mut self.tree_cursor,
            Listing::Flat => &mut self.flat_cursor,
            Listing::Filtered => &mut self.filter.cursor,
        }
    }

    pub fn clamp(&mut self, page: usize) {
        let len = self.len();
        self.cursor_mut().scroll_into_view(len, page);
    }

    /// The track indices a row of the current listing stands for: a track, or every track of
    /// an album or artist.
    pub fn row_tracks(&self, row: usize) -> Vec<usize> {
        match self.listing() {
            Listing::Flat => self.flat.get(row).copied().into_iter().collect(),
            Listing::Filtered => self.filter.matches.get(row).copied().into_iter().collect(),
            Listing::Tree => match self.tree_rows.get(row) {
                Some(TreeRow::Track { track, .. }) => vec![*track],
                Some(TreeRow::Album { artist, album }) => self
                    .catalog
                    .artists
                    .get(*artist)
                    .and_then(|a| a.albums.get(*album))
                    .map(|b| b.tracks.clone())
                    .unwrap_or_default(),
                Some(TreeRow::Artist { artist }) => self
                    .catalog
                    .artists
                    .get(*artist)
                    .map(|a| a.albums.iter().flat_map(|b| b.tracks.clone()).collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        }
    }

    /// What an action applies to: the marked tracks, else the range from `V`, else the row
    /// under the cursor (all tracks of an album or artist row).
    pub fn selection(&self) -> Vec<usize> {
        if !self.marked.is_empty() {
            let mut marked: Vec<usize> = (0..self.catalog.tracks.len())
                .filter(|&i| self.marked.contains(&self.catalog.tracks[i].id))
                .collect();
            self.catalog.sorted(&mut marked, self.sort, self.reverse);
            return marked;
        }
        let here = self.cursor().selected;
        let (lo, hi) = match self.anchor {
            Some(a) => (a.min(here), a.max(here)),
            None => (here, here),
        };
        let mut out = Vec::new();
        for row in lo..=hi {
            for t in self.row_tracks(row) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }

    /// Marks or unmarks the tracks of the row under the cursor.
    pub fn toggle_mark(&mut self) {
        let tracks = self.row_tracks(self.cursor().selected);
        let ids: Vec<i64> = tracks.iter().map(|&i| self.catalog.tracks[i].id).collect();
        let all_marked = ids.iter().all(|id| self.marked.contains(id));
        for id in ids {
            if all_marked {
                self.marked.remove(&id);
            } else {
                self.marked.insert(id);
            }
        }
    }

    pub fn is_marked(&self, track: usize) -> bool {
        self.catalog
            .tracks
            .get(track)
            .is_some_and(|t| self.marked.contains(&t.id))
    }

    /// The track under the cursor, if the selected row is a track.
    pub fn selected_track(&self) -> Option<&Track> {
        let index = self.selected_track_index()?;
        self.catalog.tracks.get(index)
    }

    pub fn selected_track_index(&self) -> Option<usize> {
        let sel = self.cursor().selected;
        match self.listing() {
            Listing::Tree => match self.tree_rows.get(sel)? {
                TreeRow::Track { track, .. } => Some(*track),
                _ => None,
            },
            Listing::Flat => self.flat.get(sel).copied(),
            Listing::Filtered => self.filter.matches.get(sel).copied(),
        }
    }

    pub fn selected_tree_row(&self) -> Option<TreeRow> {
        match self.listing() {
            Listing::Tree => self.tree_rows.get(self.tree_cursor.selected).copied(),
            _ => None,
        }
    }

    pub fn is_artist_expanded(&self, artist: usize) -> bool {
        self.catalog
            .artists
            .get(artist)
            .is_some_and(|a| self.expanded_artists.contains(&a.name))
    }

    pub fn is_album_expanded(&self, artist: usize, album: usize) -> bool {
        self.album_key(artist, album)
            .is_some_and(|k| self.expanded_albums.contains(&k))
    }

    fn album_key(&self, artist: usize, album: usize) -> Option<(String, String)> {
        let a = self.catalog.artists.get(artist)?;
        let b = a.albums.get(album)?;
        Some((a.name.clone(), b.title.clone()))
    }

    /// Expands the node under the cursor; on an expanded node or a track, moves to its first
    /// child or does nothing. Returns whether anything changed.
    pub fn expand(&mut self, page: usize) -> bool {
        let Some(row) = self.selected_tree_row() else {
            return false;
        };
        match row {
            TreeRow::Artist { artist } => {
                if self.is_artist_expanded(artist) {
                    self.tree_cursor.move_by(1, self.tree_rows.len(), page);
                } else if let Some(a) = self.catalog.artists.get(artist) {
                    self.expanded_artists.insert(a.name.clone());
                    self.rebuild_tree_rows();
                }
            }
            TreeRow::Album { artist, album } => {
                if self.is_album_expanded(artist, album) {
                    self.tree_cursor.move_by(1, self.tree_rows.len(), page);
                } else if let Some(k) = self.album_key(artist, album) {
                    self.expanded_albums.insert(k);
                    self.rebuild_tree_rows();
                }
            }
            TreeRow::Track { .. } => return false,
        }
        self.clamp(page);
        true
    }

    /// Collapses the node under the cursor, or moves to its parent when it is collapsed or a
    /// track.
    pub fn collapse(&mut self, page: usize) -> bool {
        let Some(row) = self.selected_tree_row() else {
            return false;
        };
        let parent = match row {
            TreeRow::Artist { artist } => {
                if !self.is_artist_expanded(artist) {
                    return false;
                }
                if let Some(a) = self.catalog.artists.get(artist) {
                    self.expanded_artists.remove(&a.name);
                }
                self.rebuild_tree_rows();
                TreeRow::Artist { artist }
            }
            TreeRow::Album { artist, album } => {
                if self.is_album_expanded(artist, album) {
                    if let Some(k) = self.album_key(artist, album) {
                        self.expanded_albums.remove(&k);
                    }
                    self.rebuild_tree_rows();
                    TreeRow::Album { artist, album }
                } else {
                    TreeRow::Artist { artist }
                }
            }
            TreeRow::Track { artist, album, .. } => TreeRow::Album { artist, album },
        };
        if let Some(pos) = self.tree_rows.iter().position(|r| *r == parent) {
            self.tree_cursor.select(pos, self.tree_rows.len(), page);
        }
        self.clamp(page);
        true
    }

    fn selected_row_key(&self) -> Option<(String, String, String)> {
        let row = self.tree_rows.get(self.tree_cursor.selected).copied()?;
        Some(self.row_key(row))
    }

    fn rebuild_tree_rows(&mut self) {
        let key = self.selected_row_key();
        self.rebuild_rows_keeping(key);
    }

    fn rebuild_rows_keeping(&mut self, selected_key: Option<(String, String, String)>) {
        let mut rows = Vec::with_capacity(self.catalog.artists.len());
        for (ai, artist) in self.catalog.artists.iter().enumerate() {
            rows.push(TreeRow::Artist { artist: ai });
            if !self.expanded_artists.contains(&artist.name) {
                continue;
            }
            for (bi, album) in artist.albums.iter().enumerate() {
                rows.push(TreeRow::Album {
                    artist: ai,
                    album: bi,
                });
                if !self
                    .expanded_albums
                    .contains(&(artist.name.clone(), album.title.clone()))
                {
                    continue;
                }
                rows.extend(album.tracks.iter().map(|&track| TreeRow::Track {
                    artist: ai,
                    album: bi,
                    track,
                }));
            }
        }
        self.tree_rows = rows;
        // Keep the cursor on the same artist/album/track even though indices moved.
        if let Some(key) = selected_key
            && let Some(pos) = self.tree_rows.iter().position(|r| self.row_key(*r) == key)
        {
            self.tree_cursor.selected = pos;
        }
    }

    fn row_key(&self, row: TreeRow) -> (String, String, String) {
        let cat = &self.catalog;
        let artist = |a: usize| {
            cat.artists
                .get(a)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        };
        let album = |a: usize, b: usize| {
            cat.artists
                .get(a)
                .and_then(|x| x.albums.get(b))
                .map(|x| x.title.clone())
                .unwrap_or_default()
        };
        match row {
            TreeRow::Artist { artist: a } => (artist(a), String::new(), String::new()),
            TreeRow::Album {
                artist: a,
                album: b,
            } => (artist(a), album(a, b), String::new()),
            TreeRow::Track {
                artist: a,
                album: b,
                track,
            } => (
                artist(a),
                album(a, b),
                cat.tracks
                    .get(track)
                    .map(|t| t.path.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
        }
    }

    pub fn toggle_view(&mut self, page: usize) {
        // Carry the selected track across so toggling does not lose one's place.
        let track = self.selected_track_index();
        self.view = match self.view {
            LibraryView::Tree => LibraryView::Flat,
            LibraryView::Flat => LibraryView::Tree,
        };
        if let Some(track) = track {
            match self.view {
                LibraryView::Flat => {
                    if let Some(pos) = self.flat.iter().position(|&i| i == track) {
                        self.flat_cursor.select(pos, self.flat.len(), page);
                    }
                }
                LibraryView::Tree => self.reveal_in_tree(track, page),
            }
        }
        self.clamp(page);
    }

    fn reveal_in_tree(&mut self, track: usize, page: usize) {
        let found = self.catalog.artists.iter().enumerate().find_map(|(ai, a)| {
            a.albums
                .iter()
                .position(|b| b.tracks.contains(&track))
                .map(|bi| (ai, bi, a.name.clone(), a.albums[bi].title.clone()))
        });
        if let Some((ai, bi, artist, album)) = found {
            self.expanded_artists.insert(artist.clone());
            self.expanded_albums.insert((artist, album));
            self.rebuild_tree_rows();
            let target = TreeRow::Track {
                artist: ai,
                album: bi,
                track,
            };
            if let Some(pos) = self.tree_rows.iter().position(|r| *r == target) {
                self.tree_cursor.select(pos, self.tree_rows.len(), page);
            }
        }
    }

    pub fn set_sort(&mut self, sort: SortKey, reverse: bool, page: usize) {
        let track = self.selected_track_index();
        self.sort = sort;
        self.reverse = reverse;
        self.catalog.sorted(&mut self.flat, sort, reverse);
        self.catalog.sorted(&mut self.filter.matches, sort, reverse);
        if let Some(track) = track {
            if let Some(pos) = self.flat.iter().position(|&i| i == track) {
                self.flat_cursor.select(pos, self.flat.len(), page);
            }
            if let Some(pos) = self.filter.matches.iter().position(|&i| i == track) {
                let len = self.filter.matches.len();
                self.filter.cursor.select(pos, len, page);
            }
        }
        self.clamp(page);
    }

    /// Re-parses the filter text. A parse error keeps the previous query in force and records
    /// the message; an empty text clears the filter.
    pub fn update_filter_text(&mut self, page: usize) {
        let text = self.filter.text();
        match Query::parse(&text) {
            Ok(q) => {
                self.filter.error = None;
                self.filter.query = Some(q);
                self.filter.cursor = ListCursor::default();
                self.refilter();
            }
            Err(e) => self.filter.error = Some(e.to_string()),
        }
        self.clamp(page);
    }

    pub fn clear_filter(&mut self, page: usize) {
        self.filter = FilterState::default();
        self.clamp(page);
    }

    fn refilter(&mut self) {
        let Some(query) = self.filter.query.as_ref().filter(|q| !q.is_empty()) else {
            self.filter.matches.clear();
            return;
        };
        let cat = &self.catalog;
        // Filter in the flat list's order so matches come out already sorted.
        self.filter.matches = self
            .flat
            .iter()
            .copied()
            .filter(|&i| cat.haystacks.get(i).is_some_and(|h| query.matches(h)))
            .collect();
    }
}
