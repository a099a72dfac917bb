//! The Playlists pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::focused;
use super::format::{duration, plural};
use super::widgets::{key_name, pane_block, split_row};
use crate::app::{Model, Pane, PlaylistRow};
use crate::config::Action;

pub fn playlists(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Playlists);
    let pl = &model.playlists;
    let title = if pl.items.is_empty() {
        "Playlists".to_string()
    } else {
        format!("Playlists · {}", pl.items.len())
    };
    let block = pane_block(model, 2, &title, is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if pl.items.is_empty() {
        let key = |a: Action| key_name(model, a);
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("No playlists yet.", theme.dim),
                Line::styled(
                    format!(
                        "{} in the Library adds the selection to one; {} here makes an empty one.",
                        key(Action::AddToPlaylist),
                        key(Action::CreateGroup)
                    ),
                    theme.dim,
                ),
            ])
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let cursor = pl.cursor;
    let (closed, open) = if model.ascii {
        ("+ ", "- ")
    } else {
        ("▸ ", "▾ ")
    };
    let lines: Vec<Line> = pl
        .rows
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(inner.height))
        .filter_map(|(i, row)| {
            let (left, right, style) = match *row {
                PlaylistRow::Playlist(p) => {
                    let item = pl.items.get(p)?;
                    let marker = if pl.is_expanded(p) { open } else { closed };
                    let right = format!(
                        "{} · {}",
                        plural(item.track_count as usize, "track", "tracks"),
                        duration(item.duration_ms)
                    );
                    (format!("{marker}{}", item.name), right, theme.album)
                }
                PlaylistRow::Entry(p, e) => {
                    let t = pl.tracks.get(p)?.get(e)?;
                    (
                        format!("  {:>2} {} — {}", e + 1, t.title, t.artist),
                        duration(t.duration_ms),
                        theme.row,
                    )
                }
            };
            let state = (i == cursor.selected, is_focused);
            Some(split_row(model, (&left, &right), width, style, state))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
