//! Dialogs drawn over the panes: the help overlay and the import dialog.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::widgets::dialog_block;
use crate::app::{ImportDialog, Model, RenameDialog, TagEditor};
use library::text;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}

/// Help generated from the live key map, grouped as the actions declare.
pub fn help(model: &Model, frame: &mut Frame, area: Rect, scroll: u16) {
    let theme = &model.theme;
    let mut lines: Vec<Line> = Vec::new();
    let mut group = None;
    for (action, keys) in model.keymap.bindings() {
        if group != Some(action.group()) {
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            group = Some(action.group());
            lines.push(Line::from(Span::styled(
                action.group().title(),
                theme.title_focused,
            )));
        }
        let keys: Vec<String> = keys.iter().map(std::string::ToString::to_string).collect();
        let keys = if keys.is_empty() {
            "(unbound)".to_string()
        } else {
            keys.join(", ")
        };
        lines.push(Line::from(vec![
            Span::styled(text::fit(&keys, 18), theme.help_key),
            Span::styled(action.description().to_string(), theme.help_text),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Ctrl-c always quits.", theme.dim)));
    lines.push(Line::from(Span::styled(
        "Filter: words match title/artist/album; artist: album: title: genre: codec: year:1990..1999; -word excludes.",
        theme.dim,
    )));
    let rect = centered(area, 72, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = dialog_block(model, "Help — keys (Esc to close)");
    let inner = block.inner(rect);
    let max_scroll = (lines.len() as u16).saturating_sub(inner.height);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max_scroll), 0)),
        rect,
    );
}

pub fn import(model: &Model, frame: &mut Frame, area: Rect, dialog: &ImportDialog) {
    let theme = &model.theme;
    let rect = centered(area, 70, 8);
    frame.render_widget(Clear, rect);
    let block = dialog_block(model, "Import music");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [label, field, message, _, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Span::styled(
            "Folder or file to import (searched recursively):",
            theme.help_text,
        ),
        label,
    );
    let mut input = dialog.path.clone();
    input.set_style(theme.filter);
    input.set_cursor_line_style(Style::default());
    input.set_cursor_style(theme.filter.add_modifier(Modifier::REVERSED));
    frame.render_widget(&input, field);
    if let Some(err) = &dialog.error {
        frame.render_widget(Span::styled(err.clone(), theme.status_error), message);
    }
    frame.render_widget(
        Span::styled(
            "Tab complete · Enter preview the import · Esc cancel",
            theme.dim,
        ),
        hint,
    );
}

pub fn rename(model: &Model, frame: &mut Frame, area: Rect, dialog: &RenameDialog) {
    let theme = &model.theme;
    let rect = centered(area, 64, 6);
    frame.render_widget(Clear, rect);
    let block = dialog_block(model, &dialog.heading);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [field, _, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut input = dialog.input.clone();
    input.set_style(theme.filter);
    input.set_cursor_line_style(Style::default());
    input.set_cursor_style(theme.filter.add_modifier(Modifier::REVERSED));
    frame.render_widget(&input, field);
    frame.render_widget(
        Span::styled(
            "Enter save · Esc cancel · Japanese text also gets a full-width title",
            theme.dim,
        ),
        hint,
    );
}

pub fn confirm(model: &Model, frame: &mut Frame, area: Rect, message: &str) {
    let theme = &model.theme;
    let rect = centered(area, 60, 6);
    frame.render_widget(Clear, rect);
    let block = dialog_block(model, "Are you sure?");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text, hint] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Span::styled(text::clean(message), theme.help_text))
            .wrap(Wrap { trim: true }),
        text,
    );
    frame.render_widget(Span::styled("y yes · n no", theme.help_key), hint);
}

pub fn tags(model: &Model, frame: &mut Frame, area: Rect, editor: &TagEditor) {
    let theme = &model.theme;
    let height = editor.fields.len() as u16 + 5;
    let rect = centered(area, 70, height);
    frame.render_widget(Clear, rect);
    let n = editor.paths.len();
    let heading = if n == 1 {
        "Edit tags".to_string()
    } else {
        format!("Edit tags of {n} tracks")
    };
    let block = dialog_block(model, &heading);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut constraints = vec![Constraint::Length(1); editor.fields.len()];
    constraints.extend([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ]);
    let rows = Layout::vertical(constraints).split(inner);
    for (i, field) in editor.fields.iter().enumerate() {
        let [label, input] =
            Layout::horizontal([Constraint::Length(14), Constraint::Min(1)]).areas(rows[i]);
        let style = if i == editor.focus {
            theme.help_key
        } else {
            theme.help_text
        };
        frame.render_widget(Span::styled(field.field.label(), style), label);
        let mut text = field.input.clone();
        text.set_style(theme.filter);
        text.set_cursor_line_style(Style::default());
        text.set_placeholder_style(theme.dim);
        if i == editor.focus {
            text.set_cursor_style(theme.filter.add_modifier(Modifier::REVERSED));
        } else {
            text.set_cursor_style(theme.filter);
        }
        frame.render_widget(&text, input);
    }
    let n = editor.fields.len();
    if let Some(err) = &editor.error {
        frame.render_widget(Span::styled(err.clone(), theme.status_error), rows[n]);
    } else if editor.paths.len() > 1 {
        frame.render_widget(
            Span::styled(
                "(various) fields stay as they are unless you type in them",
                theme.dim,
            ),
            rows[n],
        );
    }
    frame.render_widget(
        Span::styled(
            "Tab/↑↓ field · Enter save to the files · Esc cancel",
            theme.dim,
        ),
        rows[n + 2],
    );
}
