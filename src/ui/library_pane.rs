//! The Library pane: the artist → album → track tree, the flat sortable list, and the filter.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::focused;
use super::format::{count, duration, plural};
use super::widgets::{columns, key_name, pane_block, row_style, split_row};
use crate::app::{Listing, Model, Pane, TreeRow};
use crate::config::{LibraryView, SortKey};
use library::text;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let lib = &model.library;
    let is_focused = focused(model, Pane::Library);
    let block = pane_block(model, Pane::Library.number(), &title(model), is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let filter_shown = lib.filter.editing || lib.filter.is_active() || lib.filter.error.is_some();
    let [filter_area, list_area] = Layout::vertical([
        Constraint::Length(u16::from(filter_shown)),
        Constraint::Min(0),
    ])
    .areas(inner);
    if filter_shown {
        draw_filter(model, frame, filter_area);
    }

    if !lib.loaded {
        frame.render_widget(
            Paragraph::new(Span::styled("Loading library…", model.theme.dim)),
            list_area,
        );
        return;
    }
    if lib.catalog.tracks.is_empty() {
        let key = Some(key_name(model, crate::config::Action::Import))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "i".into());
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled("Your library is empty.", model.theme.row)),
                Line::from(Span::styled(
                    format!("Press {key} to import a folder, or run: ministage import PATH"),
                    model.theme.dim,
                )),
            ])
            .wrap(ratatui::widgets::Wrap { trim: true }),
            list_area,
        );
        return;
    }
    match lib.listing() {
        Listing::Tree => draw_tree(model, frame, list_area, is_focused),
        Listing::Flat | Listing::Filtered => draw_table(model, frame, list_area, is_focused),
    }
}

fn title(model: &Model) -> String {
    let lib = &model.library;
    let total = lib.catalog.tracks.len();
    match lib.listing() {
        Listing::Filtered => format!(
            "Library · {} of {} match",
            count(lib.filter.matches.len()),
            count(total)
        ),
        Listing::Tree => format!("Library · {}", plural(total, "track", "tracks")),
        Listing::Flat => format!(
            "Library · {} · by {}{}",
            plural(total, "track", "tracks"),
            lib.sort.label(),
            if lib.reverse { " ↓" } else { "" }
        ),
    }
}

fn draw_filter(model: &Model, frame: &mut Frame, area: Rect) {
    let lib = &model.library;
    let theme = &model.theme;
    let [prompt, field] =
        Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    frame.render_widget(Span::styled("/ ", theme.accent), prompt);
    if lib.filter.editing {
        let mut input = lib.filter.input.clone();
        input.set_style(theme.filter);
        input.set_cursor_line_style(Style::default());
        input.set_cursor_style(
            theme
                .filter
                .add_modifier(ratatui::style::Modifier::REVERSED),
        );
        frame.render_widget(&input, field);
    } else {
        frame.render_widget(
            Span::styled(text::clean(&lib.filter.text()), theme.filter),
            field,
        );
    }
    if let Some(err) = &lib.filter.error {
        // The error sits at the right of the line so the typed text stays visible.
        let typed = text::width(&lib.filter.text()) as u16 + 2;
        if field.width > typed + 4 {
            let rect = Rect::new(field.x + typed, field.y, field.width - typed, 1);
            let msg = text::truncate_to_width(err, usize::from(rect.width));
            frame.render_widget(Span::styled(msg, theme.status_error), rect);
        }
    }
}

fn draw_tree(model: &Model, frame: &mut Frame, area: Rect, is_focused: bool) {
    let lib = &model.library;
    let theme = &model.theme;
    let cat = &lib.catalog;
    let width = usize::from(area.width);
    let cursor = lib.tree_cursor;
    let rows = usize::from(area.height);
    let (closed, open) = if model.ascii {
        ("+ ", "- ")
    } else {
        ("▸ ", "▾ ")
    };
    let mut lines = Vec::with_capacity(rows);
    for (i, row) in lib
        .tree_rows
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(rows)
    {
        let (left, right, style) = match *row {
            TreeRow::Artist { artist } => {
                let Some(a) = cat.artists.get(artist) else {
                    continue;
                };
                let marker = if lib.is_artist_expanded(artist) {
                    open
                } else {
                    closed
                };
                let name = if a.name.is_empty() {
                    "Unknown artist"
                } else {
                    &a.name
                };
                (
                    format!("{marker}{name}"),
                    format!(
                        "{} · {}",
                        plural(a.albums.len(), "album", "albums"),
                        plural(a.track_count, "track", "tracks")
                    ),
                    theme.artist,
                )
            }
            TreeRow::Album { artist, album } => {
                let Some(b) = cat.artists.get(artist).and_then(|a| a.albums.get(album)) else {
                    continue;
                };
                let marker = if lib.is_album_expanded(artist, album) {
                    open
                } else {
                    closed
                };
                let name = if b.title.is_empty() {
                    "Unknown album"
                } else {
                    &b.title
                };
                let year = b.year.map(|y| format!(" ({y})")).unwrap_or_default();
                (
                    format!("  {marker}{name}{year}"),
                    format!(
                        "{} · {}",
                        plural(b.tracks.len(), "track", "tracks"),
                        duration(b.duration_ms)
                    ),
                    theme.album,
                )
            }
            TreeRow::Track { track, .. } => {
                let Some(t) = cat.tracks.get(track) else {
                    continue;
                };
                let number = t
                    .track_number
                    .map(|n| format!("{n:02} "))
                    .unwrap_or_default();
                let mark = if lib.is_marked(track) {
                    mark_symbol(model)
                } else {
                    " "
                };
                // ATRAC modes and DRM matter to a MiniDisc user; other codecs stay quiet here.
                let right = if t.protected || t.mode.is_atrac() {
                    format!("{} {}", format_label(t), duration(t.duration_ms))
                } else {
                    duration(t.duration_ms)
                };
                (format!("    {mark} {number}{}", t.title), right, theme.row)
            }
        };
        let state = (in_range(lib, i), is_focused);
        lines.push(split_row(model, (&left, &right), width, style, state));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Column widths of the flat list for a given inner width: number, title, artist, album, year,
/// time. Narrow panes drop the year first.
fn table_widths(width: usize) -> [usize; 7] {
    let (num, time, gap) = (3, 7, 1);
    let year = if width >= 64 { 4 } else { 0 };
    // The format (codec, or the MiniDisc mode of ATRAC files) where there is room.
    let format = if width >= 90 { 8 } else { 0 };
    let columns = 4 + usize::from(year > 0) + usize::from(format > 0);
    let gaps = columns * gap;
    let flex = width.saturating_sub(num + time + year + format + gaps);
    let title = flex * 2 / 5;
    let artist = (flex - title) / 2;
    let album = flex - title - artist;
    [num, title, artist, album, year, format, time]
}

/// What the format column and the tree show: `DRM` for protected files, the mode of ATRAC
/// files (`LP2`), else the codec (`FLAC`).
fn format_label(t: &library::Track) -> String {
    if t.protected {
        "DRM".to_string()
    } else if t.mode.is_atrac() {
        t.mode.to_string()
    } else {
        t.codec.label()
    }
}

fn draw_table(model: &Model, frame: &mut Frame, area: Rect, is_focused: bool) {
    let lib = &model.library;
    let theme = &model.theme;
    let [header_area, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let w = table_widths(usize::from(area.width));
    let arrow = if lib.reverse { "↓" } else { "↑" };
    let head = |label: &str, key: SortKey| {
        if (lib.view == LibraryView::Flat || lib.listing() == Listing::Filtered) && lib.sort == key
        {
            return format!("{label}{arrow}");
        }
        label.to_string()
    };
    let titles = [
        "#".to_string(),
        head("Title", SortKey::Title),
        head("Artist", SortKey::Artist),
        head("Album", SortKey::Album),
        head("Year", SortKey::Year),
        "Format".to_string(),
        head("Time", SortKey::Duration),
    ];
    let cells: Vec<(&str, usize, Style)> = titles
        .iter()
        .zip(w)
        .filter(|(_, width)| *width > 0)
        .map(|(t, width)| (t.as_str(), width, theme.header))
        .collect();
    frame.render_widget(Paragraph::new(columns(&cells, 1)), header_area);

    let (indices, cursor) = match lib.listing() {
        Listing::Filtered => (&lib.filter.matches, lib.filter.cursor),
        _ => (&lib.flat, lib.flat_cursor),
    };
    if indices.is_empty() {
        frame.render_widget(Span::styled("No tracks match the filter.", theme.dim), body);
        return;
    }
    let mut lines = Vec::with_capacity(usize::from(body.height));
    for (row, &ti) in indices
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(body.height))
    {
        let Some(t) = lib.catalog.tracks.get(ti) else {
            continue;
        };
        let selected = in_range(lib, row);
        let base = row_style(model, theme.row, selected, is_focused);
        let dim = row_style(model, theme.dim, selected, is_focused);
        let artist = row_style(model, theme.artist, selected, is_focused);
        let album = row_style(model, theme.album, selected, is_focused);
        let mark = if lib.is_marked(ti) {
            mark_symbol(model)
        } else {
            ""
        };
        let number = format!(
            "{mark}{}",
            t.track_number.map(|n| n.to_string()).unwrap_or_default()
        );
        let year = t.year.map(|y| y.to_string()).unwrap_or_default();
        let time = duration(t.duration_ms);
        let format = format_label(t);
        let values: [(&str, Style); 7] = [
            (&number, dim),
            (&t.title, base),
            (&t.artist, artist),
            (&t.album, album),
            (&year, dim),
            (&format, dim),
            (&time, dim),
        ];
        let cells: Vec<(&str, usize, Style)> = values
            .iter()
            .zip(w)
            .filter(|(_, width)| *width > 0)
            .map(|((v, s), width)| (*v, width, *s))
            .collect();
        let mut line = columns(&cells, 1);
        // Gaps between cells take the row's style so the selection bar is unbroken.
        for span in &mut line.spans {
            if span.style == Style::default() {
                span.style = base;
            }
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// Rows between the range anchor (`V`) and the cursor are selected too.
fn in_range(lib: &crate::app::LibraryState, row: usize) -> bool {
    let here = lib.cursor().selected;
    match lib.anchor {
        Some(a) => (a.min(here)..=a.max(here)).contains(&row),
        None => row == here,
    }
}

fn mark_symbol(model: &Model) -> &'static str {
    if model.ascii { "*" } else { "●" }
}

#[cfg(test)]
mod tests {
    use super::table_widths;

    #[test]
    fn table_columns_fill_the_width() {
        for width in [30usize, 44, 63, 64, 89, 90, 100, 200] {
            let w = table_widths(width);
            let gaps = w.iter().filter(|&&x| x > 0).count() - 1;
            assert_eq!(
                w.iter().sum::<usize>() + gaps,
                width,
                "width {width}: {w:?}"
            );
        }
    }
}
