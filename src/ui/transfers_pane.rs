//! The Transfers pane: the queue with each item's format, mode, size on disc and state, the
//! item being sent with a progress bar, rate and time left, and a header saying whether the
//! queue fits on the disc.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::focused;
use super::format::duration;
use super::widgets::{bar, key_name, pane_block, split_row};
use crate::app::{Model, Pane, Planned, fit, planned};
use library::text;
use library::{QueuedTransfer, Track, TransferMode, TransferState};
use netmd::Mode;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Transfers);
    let t = &model.transfers;
    let title = if t.paused {
        "Transfers · paused".to_string()
    } else {
        "Transfers".to_string()
    };
    let block = pane_block(model, Pane::Transfers.number(), &title, is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Span::styled(
            text::fit(&summary(model), usize::from(header.width)),
            theme.header,
        ),
        header,
    );
    if t.items.is_empty() {
        let key = key_name(model, crate::config::Action::Transfer);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("The queue is empty. {key} in the Library queues the selection."),
                theme.dim,
            ))
            .wrap(Wrap { trim: true }),
            body,
        );
        return;
    }
    let width = usize::from(body.width);
    let mut lines = Vec::new();
    for (i, item) in t
        .items
        .iter()
        .enumerate()
        .skip(t.cursor.offset)
        .take(usize::from(body.height))
    {
        let running = t.running.filter(|r| r.id == item.id);
        let track = library_track(model, item);
        let state = match (item.state, running) {
            (TransferState::Sending, Some(r)) if r.bytes_total > 0 => {
                format!("{}%", r.bytes_done * 100 / r.bytes_total)
            }
            (state, _) => state.as_str().to_string(),
        };
        let right = format!(
            "{} {} {} {state}",
            source_codec(item, track),
            item_plan(model, item, track).label(item.mode),
            duration(track.map_or(0, |t| t.duration_ms))
        );
        let style = match item.state {
            TransferState::Failed => theme.status_error,
            TransferState::Done | TransferState::Cancelled => theme.dim,
            _ => theme.row,
        };
        let state = (i == t.cursor.selected, is_focused);
        lines.push(split_row(model, (&item.title, &right), width, style, state));
        if let Some(r) = running {
            let info = format!(" {}/s · {} left", bytes(r.rate_bps), duration(r.eta_ms));
            let bar_width = width.saturating_sub(text::width(&info) + 2);
            let fraction = if r.bytes_total == 0 {
                0.0
            } else {
                r.bytes_done as f64 / r.bytes_total as f64
            };
            let (full, empty) = bar(fraction, bar_width, model.ascii);
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(full, theme.progress_filled),
                Span::styled(empty, theme.progress_empty),
                Span::styled(info, theme.dim),
            ]));
        } else if item.state == TransferState::Failed
            && let Some(e) = &item.error
        {
            lines.push(Line::styled(
                text::fit(&format!("  {}", text::clean(e)), width),
                theme.status_error,
            ));
        }
    }
    lines.truncate(usize::from(body.height));
    frame.render_widget(Paragraph::new(lines), body);
}

/// The item's library entry, when it is a library track (its codec, length and channels).
fn library_track<'a>(model: &'a Model, item: &QueuedTransfer) -> Option<&'a Track> {
    item.track_id
        .and_then(|id| model.library.catalog.track_by_id(id))
}

/// The source's codec, from the library or else the file's extension.
fn source_codec(item: &QueuedTransfer, track: Option<&Track>) -> String {
    match track {
        Some(t) => t.codec.label(),
        None => item
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_uppercase())
            .unwrap_or_default(),
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1 << 20))
    } else {
        format!("{} kB", n / 1024)
    }
}

fn item_plan(model: &Model, item: &QueuedTransfer, track: Option<&Track>) -> Planned {
    let native_mono = model.device.disc().is_some_and(|d| d.native_mono);
    planned(item, track, native_mono)
}

/// `12 tracks, 41:20 of 58:10 free (LP2), 180 of 255 title cells`.
fn summary(model: &Model) -> String {
    let pending: Vec<&QueuedTransfer> = model.transfers.pending().collect();
    let tracks = |n: usize| {
        if n == 1 {
            "1 track".to_string()
        } else {
            format!("{n} tracks")
        }
    };
    let Some(disc) = model.device.disc() else {
        let total_ms: u64 = pending
            .iter()
            .filter_map(|i| library_track(model, i))
            .map(|t| t.duration_ms)
            .sum();
        return format!(
            "{}, {} · no disc to send to",
            tracks(pending.len()),
            duration(total_ms)
        );
    };
    let items: Vec<(Planned, u64, &str)> = pending
        .iter()
        .map(|i| {
            let track = library_track(model, i);
            (
                item_plan(model, i, track),
                track.map_or(0, |t| t.duration_ms),
                i.title.as_str(),
            )
        })
        .collect();
    let default = match model.transfers.default_mode {
        TransferMode::Lp2 => Mode::LP2,
        TransferMode::Lp4 => Mode::LP4,
        TransferMode::Sp | TransferMode::Auto => Mode::SP,
    };
    let f = fit(
        &items,
        disc,
        Planned::Goes {
            mode: default,
            channels: 2,
        },
    );
    let mode = f.mode.map_or_else(
        || "SP time".to_string(),
        |m| m.label(model.transfers.default_mode),
    );
    // Problems first: in a narrow pane the end of the line is cut off.
    let mut line = String::new();
    if !f.fits {
        line.push_str("does not fit · ");
    }
    if f.cannot_go > 0 {
        line.push_str(&format!("{} cannot go in its mode · ", f.cannot_go));
    }
    line.push_str(&format!(
        "{}, {} of {} free ({mode}), {} of {} title cells",
        tracks(f.tracks),
        duration(f.needed_ms),
        duration(f.free_ms),
        f.cells_used,
        f.cells_total
    ));
    line
}
