//! The import preview (issue: album import with tags): what an import would add, grouped into
//! proposed albums, with every field editable before anything is written.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::app::cursor::ListCursor;
use library::{DuplicateChoice, ImportPlan, TrackField};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewRow {
    Album(usize),
    /// Album index and track index.
    Track(usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewField {
    Album,
    AlbumArtist,
    Year,
    Genre,
    Disc,
    Number,
    Title,
    Artist,
}

impl PreviewField {
    pub fn label(self) -> &'static str {
        match self {
            PreviewField::Album => "Album",
            PreviewField::AlbumArtist => "Album artist",
            PreviewField::Year => "Year",
            PreviewField::Genre => "Genre",
            PreviewField::Disc => "Disc",
            PreviewField::Number => "Track number",
            PreviewField::Title => "Title",
            PreviewField::Artist => "Artist",
        }
    }

    fn is_album_field(self) -> bool {
        matches!(
            self,
            PreviewField::Album
                | PreviewField::AlbumArtist
                | PreviewField::Year
                | PreviewField::Genre
                | PreviewField::Disc
        )
    }
}

#[derive(Debug)]
pub struct FieldEdit {
    pub field: PreviewField,
    pub row: PreviewRow,
    pub input: TextArea<'static>,
}

#[derive(Debug)]
pub struct ImportPreview {
    pub plan: ImportPlan,
    pub rows: Vec<PreviewRow>,
    pub cursor: ListCursor,
    pub editing: Option<FieldEdit>,
    /// Write the edited tags into the files as well as the library.
    pub write_tags: bool,
    pub error: Option<String>,
}

/// What a key in the preview asks for.
#[derive(Debug, PartialEq)]
pub enum PreviewOutcome {
    Stay,
    Cancel,
    Import,
}

impl ImportPreview {
    pub fn new(plan: ImportPlan, write_tags: bool) -> Self {
        let mut rows = Vec::new();
        for (a, album) in plan.albums.iter().enumerate() {
            rows.push(PreviewRow::Album(a));
            rows.extend((0..album.tracks.len()).map(|t| PreviewRow::Track(a, t)));
        }
        Self {
            plan,
            rows,
            cursor: ListCursor::default(),
            editing: None,
            write_tags,
            error: None,
        }
    }

    fn album_of(row: PreviewRow) -> usize {
        match row {
            PreviewRow::Album(a) | PreviewRow::Track(a, _) => a,
        }
    }

    fn current(&self) -> Option<PreviewRow> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// The text a field has now.
    pub fn value(&self, field: PreviewField, row: PreviewRow) -> String {
        let a = Self::album_of(row);
        let Some(album) = self.plan.albums.get(a) else {
            return String::new();
        };
        let track = match row {
            PreviewRow::Track(_, t) => album.tracks.get(t),
            PreviewRow::Album(_) => None,
        };
        match field {
            PreviewField::Album => album.fields.album.clone(),
            PreviewField::AlbumArtist => album.fields.album_artist.clone(),
            PreviewField::Year => album.fields.year.map(|y| y.to_string()).unwrap_or_default(),
            PreviewField::Genre => album.fields.genre.clone(),
            PreviewField::Disc => album.fields.disc.map(|d| d.to_string()).unwrap_or_default(),
            PreviewField::Number => track
                .and_then(|t| t.track_number)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            PreviewField::Title => track.map(|t| t.title.clone()).unwrap_or_default(),
            PreviewField::Artist => track.map(|t| t.artist.clone()).unwrap_or_default(),
        }
    }

    fn start_edit(&mut self, field: PreviewField) {
        let Some(row) = self.current() else { return };
        if !field.is_album_field() && matches!(row, PreviewRow::Album(_)) {
            self.error = Some(format!(
                "{} is a field of a track: select a track",
                field.label()
            ));
            return;
        }
        let mut input = TextArea::new(vec![self.value(field, row)]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        self.editing = Some(FieldEdit { field, row, input });
        self.error = None;
    }

    fn commit_edit(&mut self) {
        let Some(edit) = self.editing.take() else {
            return;
        };
        let text = edit.input.lines().join(" ").trim().to_string();
        let a = Self::album_of(edit.row);
        let number = |label: &str| -> Result<Option<u32>, String> {
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<u32>()
                .map(Some)
                .map_err(|_| format!("{label} must be a number"))
        };
        let result: Result<(), String> = (|| {
            let Some(album) = self.plan.albums.get_mut(a) else {
                return Ok(());
            };
            match edit.field {
                PreviewField::Album => album.fields.album.clone_from(&text),
                PreviewField::AlbumArtist => album.fields.album_artist.clone_from(&text),
                PreviewField::Genre => album.fields.genre.clone_from(&text),
                PreviewField::Year => album.fields.year = number("Year")?.map(|y| y as i32),
                PreviewField::Disc => album.fields.disc = number("Disc")?,
                PreviewField::Number | PreviewField::Title | PreviewField::Artist => {
                    let PreviewRow::Track(_, t) = edit.row else {
                        return Ok(());
                    };
                    let n = number("Track number");
                    let Some(track) = album.tracks.get_mut(t) else {
                        return Ok(());
                    };
                    match edit.field {
                        PreviewField::Number => track.track_number = n?,
                        PreviewField::Title => track.title.clone_from(&text),
                        _ => track.artist.clone_from(&text),
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Handles a key; the caller acts on `Cancel` and `Import`.
    pub fn on_key(&mut self, key: KeyEvent, page: usize) -> PreviewOutcome {
        if let Some(edit) = &mut self.editing {
            match key.code {
                KeyCode::Esc => self.editing = None,
                KeyCode::Enter => self.commit_edit(),
                // Ctrl-U empties the field, as everywhere else.
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    edit.input = TextArea::default();
                }
                _ => {
                    edit.input.input(key);
                }
            }
            return PreviewOutcome::Stay;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let row = self.current();
        let album = row.map(Self::album_of);
        self.error = None;
        match key.code {
            KeyCode::Esc => return PreviewOutcome::Cancel,
            KeyCode::Char('s') if ctrl => return PreviewOutcome::Import,
            KeyCode::Enter => return PreviewOutcome::Import,
            KeyCode::Up | KeyCode::Char('k') => self.cursor.move_by(-1, self.rows.len(), page),
            KeyCode::Down | KeyCode::Char('j') => self.cursor.move_by(1, self.rows.len(), page),
            KeyCode::PageUp => self.cursor.move_by(-(page as isize), self.rows.len(), page),
            KeyCode::PageDown => self.cursor.move_by(page as isize, self.rows.len(), page),
            KeyCode::Char('e') => self.start_edit(match row {
                Some(PreviewRow::Album(_)) => PreviewField::Album,
                _ => PreviewField::Title,
            }),
            KeyCode::Char('a') => self.start_edit(PreviewField::Album),
            KeyCode::Char('A') => self.start_edit(PreviewField::AlbumArtist),
            KeyCode::Char('y') => self.start_edit(PreviewField::Year),
            KeyCode::Char('g') => self.start_edit(PreviewField::Genre),
            KeyCode::Char('d') => self.start_edit(PreviewField::Disc),
            KeyCode::Char('n') => self.start_edit(PreviewField::Number),
            KeyCode::Char('t') => self.start_edit(PreviewField::Title),
            KeyCode::Char('r') => self.start_edit(PreviewField::Artist),
            KeyCode::Char('N') => {
                if let Some(al) = album.and_then(|a| self.plan.albums.get_mut(a)) {
                    al.number_tracks();
                }
            }
            KeyCode::Char('F') => {
                if let Some(al) = album.and_then(|a| self.plan.albums.get_mut(a)) {
                    al.titles_from_file_names();
                }
            }
            KeyCode::Char('S') => {
                if let Some(al) = album.and_then(|a| self.plan.albums.get_mut(a)) {
                    al.swap_artist_title();
                }
            }
            KeyCode::Char('P') => {
                // "Apply to all": this track's artist becomes every track's artist.
                if let Some(PreviewRow::Track(a, _)) = row {
                    let artist =
                        self.value(PreviewField::Artist, row.unwrap_or(PreviewRow::Album(a)));
                    if let Some(al) = self.plan.albums.get_mut(a) {
                        al.apply_to_all(TrackField::Artist, &artist);
                    }
                } else {
                    self.error = Some("Select the track whose artist all should get".into());
                }
            }
            KeyCode::Char('D') => {
                if let Some(PreviewRow::Track(a, t)) = row
                    && let Some(track) = self
                        .plan
                        .albums
                        .get_mut(a)
                        .and_then(|al| al.tracks.get_mut(t))
                    && track.duplicate.is_some()
                {
                    track.choice = match track.choice {
                        DuplicateChoice::Skip => DuplicateChoice::KeepBoth,
                        DuplicateChoice::KeepBoth => DuplicateChoice::Replace,
                        DuplicateChoice::Replace => DuplicateChoice::Skip,
                    };
                }
            }
            KeyCode::Char('w') => self.write_tags = !self.write_tags,
            _ => {}
        }
        PreviewOutcome::Stay
    }
}
