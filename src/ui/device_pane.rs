//! The Device pane: the recorder's disc with groups as folders, a capacity bar with free time
//! in SP, LP2 and LP4, and title-cell use.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::focused;
use super::format::{duration, megabytes, plural};
use super::widgets::{bar, pane_block, split_row};
use crate::app::{DeviceRow, DeviceStatus, HimdFacts, Model, Pane};
use crate::transfer::TransferMode;
use crate::transfer::himd_send::himd_rate;
use library::text;
use netmd::PlayerState;
use netmd::{DiscInfo, Mode};

/// Lines under the track list: capacity bar, free time, title cells.
pub const FOOTER_LINES: u16 = 3;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Device);
    let title = match &model.device.status {
        DeviceStatus::Connected(d) => format!("Device · {}", d.device),
        _ => "Device".to_string(),
    };
    let block = pane_block(model, Pane::Device.number(), &title, is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let message = |lines: Vec<Line<'static>>| Paragraph::new(lines).wrap(Wrap { trim: true });
    match &model.device.status {
        DeviceStatus::Searching => {
            frame.render_widget(
                message(vec![Line::styled("Looking for a recorder…", theme.dim)]),
                inner,
            );
        }
        DeviceStatus::NotConnected(reason) => {
            let mut lines = vec![
                Line::styled("No recorder connected.", theme.row),
                Line::from(""),
            ];
            if let Some(r) = reason.as_deref().filter(|r| !r.is_empty()) {
                lines.push(Line::styled(text::clean(r), theme.status_warning));
                lines.push(Line::from(""));
            }
            lines.push(Line::styled(
                "Plug in a NetMD or Hi-MD recorder by USB and switch it on. On Linux, install the \
                 udev rule from the README (Device setup) so ministage may open it without root.",
                theme.dim,
            ));
            frame.render_widget(message(lines), inner);
        }
        DeviceStatus::Connected(disc) if !disc.disc_present => {
            frame.render_widget(
                message(vec![Line::styled("No disc in the recorder.", theme.row)]),
                inner,
            );
        }
        DeviceStatus::Connected(disc) => draw_disc(model, frame, inner, disc, is_focused),
    }
}

fn draw_disc(model: &Model, frame: &mut Frame, area: Rect, disc: &DiscInfo, is_focused: bool) {
    let theme = &model.theme;
    let [list, footer] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(FOOTER_LINES)]).areas(area);
    let width = usize::from(list.width);
    let dev = &model.device;
    let (closed, open) = if model.ascii {
        ("+ ", "- ")
    } else {
        ("▸ ", "▾ ")
    };
    let _ = closed;
    let mut lines = Vec::new();
    for (i, row) in dev
        .rows
        .iter()
        .enumerate()
        .skip(dev.cursor.offset)
        .take(usize::from(list.height))
    {
        let (left, right, style) = match *row {
            DeviceRow::Disc => {
                let title = match shown_title(&disc.title, &disc.full_width_title) {
                    "" => "(untitled disc)",
                    title => title,
                };
                (
                    title.to_string(),
                    plural(disc.tracks.len(), "track", "tracks"),
                    theme.title,
                )
            }
            DeviceRow::Group(g) => {
                let Some(group) = disc.groups.get(g) else {
                    continue;
                };
                let range = if group.first == group.last {
                    format!("{}", group.first)
                } else {
                    format!("{}–{}", group.first, group.last)
                };
                let title = shown_title(&group.title, &group.full_width_title);
                (format!("{open}{title}"), range, theme.album)
            }
            DeviceRow::Track(n) => {
                let Some(t) = disc.tracks.iter().find(|t| t.number == n) else {
                    continue;
                };
                let indent = if t.group.is_some() { "    " } else { "  " };
                let himd = dev.himd.as_ref().and_then(|h| h.track(n));
                let mut title = shown_title(&t.title, &t.full_width_title).to_string();
                // A Hi-MD track keeps its artist beside the title, as the unit shows it.
                if let Some(h) = himd.filter(|h| !h.artist.is_empty()) {
                    title = format!("{} — {title}", h.artist);
                }
                let format = himd.map_or_else(|| t.mode.label().to_string(), |h| h.format.clone());
                let mut right = format!("{format} {}", duration(t.duration_ms));
                if t.channels == 1 {
                    right = format!("mono {right}");
                }
                if t.protected {
                    right = format!("prot {right}");
                }
                (format!("{indent}{n:>2} {title}"), right, theme.row)
            }
        };
        let selected = dev.in_selection(i) && (dev.anchor.is_some() || i == dev.cursor.selected);
        lines.push(split_row(
            model,
            (&left, &right),
            width,
            style,
            (selected, is_focused),
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(himd) = &dev.himd {
        return draw_himd_footer(model, frame, footer, himd);
    }

    let cap = disc.capacity;
    let used = format!(" {} / {}", duration(cap.used_ms), duration(cap.total_ms));
    let free = Mode::ALL
        .iter()
        .map(|m| format!("{} {}", m.label(), duration(cap.free_ms_in(*m))))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut cells = format!(
        "titles {}/{} cells",
        disc.title_cells.used, disc.title_cells.total
    );
    if disc.write_protected {
        cells.push_str(" · write-protected");
    }
    if let Some(p) = dev.player {
        cells.push_str(&format!(" · {}", p.state.label()));
        if let (PlayerState::Playing | PlayerState::Paused, Some(n)) = (p.state, p.track) {
            cells.push_str(&format!(" {n} at {}", duration(p.position_ms)));
        }
    }
    let footer_text = [format!("free {free}"), cells];
    draw_footer(
        model,
        frame,
        footer,
        (cap.used_ms, cap.total_ms),
        used,
        footer_text,
    );
}

/// A Hi-MD disc's footer: space in bytes, and what the free space holds in each of its
/// formats; the title room in bytes.
fn draw_himd_footer(model: &Model, frame: &mut Frame, footer: Rect, himd: &HimdFacts) {
    let used_bytes = himd.total_bytes.saturating_sub(himd.free_bytes);
    let used = format!(
        " {} / {}",
        megabytes(used_bytes),
        megabytes(himd.total_bytes)
    );
    let free = [TransferMode::Lp2, TransferMode::Lp4, TransferMode::Sp]
        .into_iter()
        .map(himd_rate)
        .map(|(label, kbps)| {
            format!(
                "{label} {}",
                duration(himd.free_bytes * 8 / u64::from(kbps))
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let footer_text = [
        format!("free {}: {free}", megabytes(himd.free_bytes)),
        format!("Hi-MD · title room {} bytes", himd.title_bytes_left),
    ];
    draw_footer(
        model,
        frame,
        footer,
        (used_bytes, himd.total_bytes),
        used,
        footer_text,
    );
}

/// The capacity bar (`used` of `total`, labelled `label`) and two lines under it.
fn draw_footer(
    model: &Model,
    frame: &mut Frame,
    footer: Rect,
    (used, total): (u64, u64),
    label: String,
    lines: [String; 2],
) {
    let theme = &model.theme;
    let bar_width = usize::from(footer.width).saturating_sub(text::width(&label));
    let fraction = if total == 0 {
        0.0
    } else {
        used as f64 / total as f64
    };
    let (full, empty) = bar(fraction, bar_width, model.ascii);
    let width = usize::from(footer.width);
    let [second, third] = lines;
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(full, theme.progress_filled),
                Span::styled(empty, theme.progress_empty),
                Span::styled(label, theme.dim),
            ]),
            Line::styled(text::fit(&second, width), theme.dim),
            Line::styled(text::fit(&third, width), theme.dim),
        ]),
        footer,
    );
}

/// The title to show: the full-width one when the disc has it (it keeps the kana and kanji the
/// half-width title had to replace with `?`), else the half-width one. Renaming edits, and
/// `device info` prints, the half-width title.
fn shown_title<'a>(half_width: &'a str, full_width: &'a str) -> &'a str {
    if full_width.trim().is_empty() {
        half_width
    } else {
        full_width
    }
}
