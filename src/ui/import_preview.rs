//! The import preview: proposed albums and their tracks, every field editable before anything
//! is written.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::format::duration;
use super::widgets::{dialog_block, split_row};
use crate::app::{ImportPreview, Model, PreviewRow};
use library::text;
use library::{DuplicateChoice, DuplicateKind};

pub fn draw(model: &Model, frame: &mut Frame, area: Rect, preview: &ImportPreview) {
    let theme = &model.theme;
    let rect = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let plan = &preview.plan;
    let heading = format!(
        "Import preview · {} tracks in {} albums",
        plan.track_count(),
        plan.albums.len()
    );
    let block = dialog_block(model, &heading);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [list, edit, error, keys] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    let width = usize::from(list.width);
    let cursor = preview.cursor;
    let mut lines = Vec::new();
    for (i, row) in preview
        .rows
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(list.height))
    {
        let state = (i == cursor.selected, true);
        match *row {
            PreviewRow::Album(a) => {
                let Some(album) = plan.albums.get(a) else {
                    continue;
                };
                let f = &album.fields;
                let mut left = if f.album.is_empty() {
                    "(no album)".to_string()
                } else {
                    f.album.clone()
                };
                if !f.album_artist.is_empty() {
                    left.push_str(&format!(" — {}", f.album_artist));
                }
                let mut right = Vec::new();
                if let Some(y) = f.year {
                    right.push(y.to_string());
                }
                if !f.genre.is_empty() {
                    right.push(f.genre.clone());
                }
                if let Some(d) = f.disc {
                    right.push(format!("disc {d}"));
                }
                right.push(format!("{} tracks", album.tracks.len()));
                lines.push(split_row(
                    model,
                    (&left, &right.join(" · ")),
                    width,
                    theme.album,
                    state,
                ));
            }
            PreviewRow::Track(a, t) => {
                let Some(track) = plan.albums.get(a).and_then(|al| al.tracks.get(t)) else {
                    continue;
                };
                let number = track
                    .track_number
                    .map_or_else(|| "  ".into(), |n| format!("{n:>2}"));
                let left = format!("  {number}  {} — {}", track.title, track.artist);
                let mut right = duration(track.duration_ms);
                if let Some(dup) = &track.duplicate {
                    let kind = match dup.kind {
                        DuplicateKind::SameFile => "already in the library",
                        DuplicateKind::SameSong => "duplicate",
                    };
                    let choice = match track.choice {
                        DuplicateChoice::Skip => "skip",
                        DuplicateChoice::KeepBoth => "keep both",
                        DuplicateChoice::Replace => "replace",
                    };
                    right = format!("{kind}: {choice} · {right}");
                }
                let style = if track.duplicate.is_some() {
                    theme.status_warning
                } else {
                    theme.row
                };
                lines.push(split_row(model, (&left, &right), width, style, state));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), list);

    if let Some(field) = &preview.editing {
        let label = format!("{}: ", field.field.label());
        let [l, input] = Layout::horizontal([
            Constraint::Length(text::width(&label) as u16),
            Constraint::Min(1),
        ])
        .areas(edit);
        frame.render_widget(Span::styled(label, theme.help_key), l);
        let mut ta = field.input.clone();
        ta.set_style(theme.filter);
        ta.set_cursor_line_style(Style::default());
        ta.set_cursor_style(theme.filter.add_modifier(Modifier::REVERSED));
        frame.render_widget(&ta, input);
    } else {
        let tags = if preview.write_tags {
            "tags are written into the files too (w: library only)"
        } else {
            "tags go into the library only (w: into the files too)"
        };
        frame.render_widget(Span::styled(tags, theme.dim), edit);
    }
    if let Some(e) = &preview.error {
        frame.render_widget(Span::styled(e.clone(), theme.status_error), error);
    }
    let help = if preview.editing.is_some() {
        "Enter keep · Esc drop the change"
    } else {
        "e edit · album: a album, A album artist, y year, g genre, d disc · track: n number, \
         t title, r artist · N number in order · F titles from file names · S swap artist/title · \
         P this artist for all · D duplicate: skip/keep both/replace · Enter import · Esc cancel"
    };
    frame.render_widget(
        Paragraph::new(Line::styled(help, theme.dim)).wrap(Wrap { trim: true }),
        keys,
    );
}
