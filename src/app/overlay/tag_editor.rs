//! The tag editor dialog (`e`): the fields of one or many tracks; a field whose value differs
//! across the selection shows "(various)" and is left alone unless edited.

use crate::app::{Effect, Level, LibraryOp, LibraryRequest, Model, Overlay};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

use ratatui_textarea::TextArea;

use library::{TagEdit, Track};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagField {
    Title,
    Artist,
    Album,
    AlbumArtist,
    Year,
    Genre,
    Track,
}

impl TagField {
    pub const ALL: [TagField; 7] = [
        TagField::Title,
        TagField::Artist,
        TagField::Album,
        TagField::AlbumArtist,
        TagField::Year,
        TagField::Genre,
        TagField::Track,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TagField::Title => "Title",
            TagField::Artist => "Artist",
            TagField::Album => "Album",
            TagField::AlbumArtist => "Album artist",
            TagField::Year => "Year",
            TagField::Genre => "Genre",
            TagField::Track => "Track",
        }
    }

    fn value(self, t: &Track) -> String {
        match self {
            TagField::Title => t.title.clone(),
            TagField::Artist => t.artist.clone(),
            TagField::Album => t.album.clone(),
            TagField::AlbumArtist => t.album_artist.clone(),
            TagField::Year => t.year.map(|y| y.to_string()).unwrap_or_default(),
            TagField::Genre => t.genre.clone(),
            TagField::Track => t.track_number.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Debug)]
pub struct FieldInput {
    pub field: TagField,
    /// The common value, or None when the selection disagrees ("(various)").
    pub initial: Option<String>,
    pub input: TextArea<'static>,
}

impl FieldInput {
    pub fn text(&self) -> String {
        self.input.lines().join(" ").trim().to_string()
    }

    /// A field changes only when its text differs from what was shown.
    pub fn edited(&self) -> Option<String> {
        let text = self.text();
        match &self.initial {
            Some(initial) if *initial == text => None,
            None if text.is_empty() => None,
            _ => Some(text),
        }
    }
}

#[derive(Debug)]
pub struct TagEditor {
    pub paths: Vec<PathBuf>,
    pub fields: Vec<FieldInput>,
    pub focus: usize,
    pub error: Option<String>,
}

impl TagEditor {
    pub fn new(tracks: &[&Track]) -> TagEditor {
        let fields = TagField::ALL
            .iter()
            .map(|&field| {
                let first = tracks.first().map(|t| field.value(t)).unwrap_or_default();
                let same = tracks.iter().all(|t| field.value(t) == first);
                let initial = same.then_some(first);
                let mut input = TextArea::new(vec![initial.clone().unwrap_or_default()]);
                if initial.is_none() {
                    input.set_placeholder_text("(various)");
                }
                input.move_cursor(ratatui_textarea::CursorMove::End);
                FieldInput {
                    field,
                    initial,
                    input,
                }
            })
            .collect();
        TagEditor {
            paths: tracks.iter().map(|t| t.path.clone()).collect(),
            fields,
            focus: 0,
            error: None,
        }
    }

    /// The edit to write, or a message saying which field is wrong.
    pub fn edit(&self) -> Result<TagEdit, String> {
        let mut edit = TagEdit::default();
        for f in &self.fields {
            let Some(text) = f.edited() else { continue };
            match f.field {
                TagField::Title => edit.title = Some(text),
                TagField::Artist => edit.artist = Some(text),
                TagField::Album => edit.album = Some(text),
                TagField::AlbumArtist => edit.album_artist = Some(text),
                TagField::Genre => edit.genre = Some(text),
                TagField::Year => {
                    edit.year = Some(parse_number(&text, "Year", 0..=9999)?.map(|y| y as i32));
                }
                TagField::Track => {
                    edit.track = Some(parse_number(&text, "Track", 1..=9999)?);
                }
            }
        }
        Ok(edit)
    }
}

fn parse_number(
    text: &str,
    label: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{label} must be a number from {} to {} (or empty to remove it)",
            range.start(),
            range.end()
        )),
    }
}

/// The tag editor: Tab / Shift-Tab / ↑ / ↓ move between fields, Enter saves, Esc cancels.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Tags(editor) = &mut model.overlay else {
        return Vec::new();
    };
    let n = editor.fields.len();
    match key.code {
        KeyCode::Esc => model.overlay = Overlay::None,
        KeyCode::Tab | KeyCode::Down => editor.focus = (editor.focus + 1) % n,
        KeyCode::BackTab | KeyCode::Up => editor.focus = (editor.focus + n - 1) % n,
        KeyCode::Enter => match editor.edit() {
            Ok(edit) if edit.is_empty() => model.overlay = Overlay::None,
            Ok(edit) => {
                let paths = editor.paths.clone();
                let count = paths.len();
                model.overlay = Overlay::None;
                model.library.marked.clear();
                model.library.anchor = None;
                let s = if count == 1 { "" } else { "s" };
                model.set_status(Level::Info, format!("Writing the tags of {count} file{s}…"));
                return vec![Effect::Library(LibraryRequest::Op(LibraryOp::WriteTags {
                    paths,
                    edit,
                }))];
            }
            Err(message) => editor.error = Some(message),
        },
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(f) = editor.fields.get_mut(editor.focus) {
                f.input = ratatui_textarea::TextArea::default();
            }
        }
        _ => {
            if let Some(f) = editor.fields.get_mut(editor.focus) {
                f.input.input(key);
                editor.error = None;
            }
        }
    }
    Vec::new()
}
