//! Small building blocks shared by the panes.

use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::app::Model;
use library::text;

/// Borders drawn with `+`, `-` and `|` for terminals without line-drawing characters.
const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// A pane's frame: its number and title on the top border, highlighted when focused.
pub fn pane_block<'a>(model: &Model, number: usize, title: &str, focused: bool) -> Block<'a> {
    let theme = &model.theme;
    let (border_style, title_style) = if focused {
        (theme.border_focused, theme.title_focused)
    } else {
        (theme.border, theme.title)
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(border_style)
        .title(Line::from(vec![
            Span::styled(format!(" {number} "), theme.dim),
            Span::styled(format!("{title} "), title_style),
        ]));
    block = if model.ascii {
        block.border_set(ASCII_BORDER)
    } else if focused {
        block.border_type(BorderType::Thick)
    } else {
        block.border_type(BorderType::Plain)
    };
    block
}

/// A dialog's frame.
pub fn dialog_block<'a>(model: &Model, title: &str) -> Block<'a> {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.dialog_border)
        .style(model.theme.dialog)
        .title(Span::styled(
            format!(" {title} "),
            model.theme.title_focused,
        ));
    if model.ascii {
        block.border_set(ASCII_BORDER)
    } else {
        block.border_type(BorderType::Rounded)
    }
}

/// A row made of fixed-width cells, each fitted to its width so wide characters keep columns
/// aligned.
pub fn columns<'a>(cells: &[(&str, usize, Style)], gap: usize) -> Line<'a> {
    let mut spans = Vec::with_capacity(cells.len() * 2);
    for (i, (content, width, style)) in cells.iter().enumerate() {
        if i > 0 && gap > 0 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(text::fit(content, *width), *style));
    }
    Line::from(spans)
}

/// A text-mode progress bar of exactly `width` cells.
pub fn bar(fraction: f64, width: usize, ascii: bool) -> (String, String) {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = ((width as f64) * fraction).round() as usize;
    let (full, empty) = if ascii { ('#', '-') } else { ('━', '─') };
    (
        std::iter::repeat_n(full, filled).collect(),
        std::iter::repeat_n(empty, width.saturating_sub(filled)).collect(),
    )
}

/// The style of a row: the selection colours over `style` when selected.
pub fn row_style(model: &Model, style: Style, selected: bool, focused: bool) -> Style {
    match (selected, focused) {
        (false, _) => style,
        (true, true) => style.patch(model.theme.selected),
        (true, false) => style.patch(model.theme.selected_unfocused),
    }
}

/// A list row of exactly `width` cells: `left` fitted to what `right` leaves, and `right`
/// (given at most half the row) dimmed at the right edge, both under the selection colours
/// when `selected`.
pub fn split_row<'a>(
    model: &Model,
    (left, right): (&str, &str),
    width: usize,
    style: Style,
    (selected, focused): (bool, bool),
) -> Line<'a> {
    let main = row_style(model, style, selected, focused);
    let dim = row_style(model, model.theme.dim, selected, focused);
    let rw = text::width(right).min(width / 2);
    Line::from(vec![
        Span::styled(text::fit(left, width.saturating_sub(rw + 1)), main),
        Span::styled(" ", main),
        Span::styled(text::fit(right, rw), dim),
    ])
}

/// The first key bound to `action`, as the help shows it (empty when it has none).
pub fn key_name(model: &Model, action: crate::config::Action) -> String {
    model
        .keymap
        .keys_for(action)
        .first()
        .map(std::string::ToString::to_string)
        .unwrap_or_default()
}
