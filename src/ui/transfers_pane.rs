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
use crate::app::{Model, Pane};
use crate::device::Mode;
use crate::library::{QueuedTransfer, TransferState};
use crate::text;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let is_focused = focused(model, Pane::Transfers);
    let t = &model.transfers;
    let title = if t.paused {
        "Transfers · paused".to_string()
    } else {
        "Transfers".to_string()
    };
    let block = pane_block(model, Pane::Transfers.number(), title, is_focused);
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
        let (codec, ms) = source_facts(model, item);
        let state = match (item.state, running) {
            (TransferState::Sending, Some(r)) if r.bytes_total > 0 => {
                format!("{}%", r.bytes_done * 100 / r.bytes_total)
            }
            (state, _) => state.as_str().to_string(),
        };
        let right = format!(
            "{codec} {} {} {state}",
            item.mode.to_uppercase(),
            duration(ms)
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

/// The source's codec and length, from the library when the item is a library track.
fn source_facts(model: &Model, item: &QueuedTransfer) -> (String, u64) {
    item.track_id
        .and_then(|id| model.library.catalog.track_by_id(id))
        .map_or_else(
            || {
                let ext = item
                    .path
                    .extension()
                    .map(|e| e.to_string_lossy().to_uppercase())
                    .unwrap_or_default();
                (ext, 0)
            },
            |t| (t.codec.to_uppercase(), t.duration_ms),
        )
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1 << 20))
    } else {
        format!("{} kB", n / 1024)
    }
}

/// `12 tracks, 41:20 of 58:10 free (LP2), 180 of 255 title cells`.
fn summary(model: &Model) -> String {
    let pending: Vec<&QueuedTransfer> = model.transfers.pending().collect();
    let n = pending.len();
    let tracks = if n == 1 {
        "1 track".to_string()
    } else {
        format!("{n} tracks")
    };
    let total_ms: u64 = pending.iter().map(|i| source_facts(model, i).1).sum();
    let Some(disc) = model.device.disc() else {
        return format!("{tracks}, {} · no disc to send to", duration(total_ms));
    };
    let mode = match model.transfers.default_mode.as_str() {
        "sp" => Mode::SP,
        "lp2" => Mode::LP2,
        "lp4" => Mode::LP4,
        // Auto: the best quality that holds the whole queue.
        _ => Mode::ALL
            .into_iter()
            .find(|m| disc.capacity.free_ms_in(*m) >= total_ms)
            .unwrap_or(Mode::LP4),
    };
    let free = disc.capacity.free_ms_in(mode);
    // Each title takes whole cells of 7 bytes; an LP track also pays for its marker.
    let cells: u32 = pending
        .iter()
        .map(|i| {
            let lp = u32::from(mode != Mode::SP);
            (text::width(&i.title) as u32).div_ceil(7).max(1) + lp
        })
        .sum();
    let used = disc.title_cells.used + cells;
    let fits = if total_ms <= free && used <= disc.title_cells.total {
        ""
    } else {
        " · does not fit"
    };
    format!(
        "{tracks}, {} of {} free ({}), {used} of {} title cells{fits}",
        duration(total_ms),
        duration(free),
        mode.label(),
        disc.title_cells.total
    )
}
