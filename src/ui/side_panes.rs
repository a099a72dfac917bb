//! The Playlists, Device and Transfers panes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::focused;
use super::format::{duration, plural};
use super::widgets::{pane_block, split_row};
use crate::app::{Model, Pane};

pub fn playlists(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Playlists);
    let block = pane_block(model, 2, "Playlists".into(), is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if model.playlists.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No playlists yet.", theme.dim)).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    let cursor = model.playlists_cursor;
    let lines: Vec<Line> = model
        .playlists
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(inner.height))
        .map(|(i, p)| {
            let right = format!(
                "{} · {}",
                plural(p.track_count as usize, "track", "tracks"),
                duration(p.duration_ms)
            );
            let state = (i == cursor.selected, is_focused);
            split_row(model, (&p.name, &right), width, theme.row, state)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn transfers(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Transfers);
    let block = pane_block(model, 4, "Transfers".into(), is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Span::styled(
            plural(model.transfers.len(), "item queued", "items queued"),
            theme.header,
        ),
        header,
    );
    if model.transfers.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("The transfer queue is empty.", theme.dim))
                .wrap(Wrap { trim: true }),
            body,
        );
        return;
    }
    let width = usize::from(body.width);
    let cursor = model.transfers_cursor;
    let lines: Vec<Line> = model
        .transfers
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(body.height))
        .map(|(i, item)| {
            let right = format!("{} {}", item.mode.to_uppercase(), item.state);
            let state = (i == cursor.selected, is_focused);
            split_row(model, (&item.title, &right), width, theme.row, state)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
