//! The Transfers pane: the queue with each item's format, mode, size on disc and state, the
//! item being sent with a progress bar, rate and time left, and a header saying whether the
//! queue fits on the disc.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::focused;
use super::format::{duration, megabytes};
use super::widgets::{bar, key_name, pane_block, split_row};
use crate::app::{Model, Pane, QueuePlan, fit, plan_queue, route_label};
use crate::transfer::plan::AutoPlan;
use library::text;
use library::{QueuedTransfer, Track, TransferState};

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
    // Planned once per draw: the header's summary and every row's mode come from it.
    let plan = queue_plan(model);
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Span::styled(
            text::fit(&summary(model, &plan), usize::from(header.width)),
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
        let right = if item.receive.is_some() {
            // From the recorder: its mode on the disc, into the file's format (a Hi-MD track
            // comes in its own format, which the file's names).
            let arrow = if model.ascii { "<-" } else { "←" };
            let codec = source_codec(item, track);
            if model.device.himd.is_some() {
                format!("{arrow} {codec} {state}")
            } else {
                format!("{arrow} {} {codec} {state}", item.mode.label())
            }
        } else {
            format!(
                "{} {} {} {state}",
                source_codec(item, track),
                item_label(model, &plan, item, track),
                duration(track.map_or(0, |t| t.duration_ms))
            )
        };
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
        } else if let Some(e) = &item.error {
            // Why a failed item failed; what a done one is worth knowing (it went otherwise
            // than asked, say).
            let style = match item.state {
                TransferState::Failed => theme.status_error,
                TransferState::Done => theme.status_warning,
                _ => continue,
            };
            lines.push(Line::styled(
                text::fit(&format!("  {}", text::clean(e)), width),
                style,
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
    if n >= 1_000_000 {
        megabytes(n)
    } else {
        format!("{} kB", n / 1000)
    }
}

/// The pending items (what is still to send) planned together, with their ids.
fn queue_plan(model: &Model) -> (Vec<i64>, QueuePlan) {
    let native_mono = model.device.disc().is_some_and(|d| d.native_mono);
    let pending: Vec<(&QueuedTransfer, Option<&Track>)> = model
        .transfers
        .pending()
        .map(|i| (i, library_track(model, i)))
        .collect();
    let free = model.device.disc().map(|d| d.capacity.free_ms);
    let ids = pending.iter().map(|(i, _)| i.id).collect();
    (ids, plan_queue(&pending, free, native_mono))
}

/// The mode an item goes (or went) in: from the queue's plan when it is still to send, else
/// from its own request.
fn item_label(
    model: &Model,
    (ids, plan): &(Vec<i64>, QueuePlan),
    item: &QueuedTransfer,
    track: Option<&Track>,
) -> String {
    if model.device.himd.is_some() && item.receive.is_none() {
        return crate::app::transfers::fit::himd_route(item, track)
            .0
            .to_string();
    }
    if let Some(route) = ids
        .iter()
        .position(|&id| id == item.id)
        .and_then(|i| plan.routes.get(i))
    {
        return route_label(*route);
    }
    let native_mono = model.device.disc().is_some_and(|d| d.native_mono);
    let alone = plan_queue(&[(item, track)], None, native_mono);
    alone
        .routes
        .first()
        .map_or_else(|| item.mode.label(), |r| route_label(*r))
}

/// `12 tracks, 41:20 of 58:10 free (LP2), 180 of 255 title cells`, and how many tracks wait
/// to be received.
fn summary(model: &Model, plan: &(Vec<i64>, QueuePlan)) -> String {
    let receiving = model
        .transfers
        .items
        .iter()
        .filter(|i| i.receive.is_some() && i.state == TransferState::Queued)
        .count();
    let sends = send_summary(model, &plan.1);
    if receiving == 0 {
        sends
    } else {
        format!("{receiving} to receive · {sends}")
    }
}

/// `3 tracks: 81.2 MB of 640.3 MB free (Hi-MD)`.
fn himd_summary(model: &Model, free_bytes: u64) -> String {
    let pending: Vec<(&QueuedTransfer, Option<&Track>)> = model
        .transfers
        .pending()
        .map(|i| (i, library_track(model, i)))
        .collect();
    let needed = crate::app::transfers::fit::himd_bytes(&pending);
    let verdict = if needed > free_bytes {
        "does not fit · "
    } else {
        ""
    };
    format!(
        "{verdict}{}: {} of {} free (Hi-MD)",
        super::format::plural(pending.len(), "track", "tracks"),
        megabytes(needed),
        megabytes(free_bytes)
    )
}

fn send_summary(model: &Model, plan: &QueuePlan) -> String {
    if let Some(himd) = &model.device.himd {
        return himd_summary(model, himd.free_bytes);
    }
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
    let items: Vec<(u64, &str)> = pending
        .iter()
        .map(|i| {
            let track = library_track(model, i);
            (track.map_or(0, |t| t.duration_ms), i.title.as_str())
        })
        .collect();
    let f = fit(plan, &items, disc);
    // Problems first: in a narrow pane the end of the line is cut off.
    let mut line = String::new();
    if let AutoPlan::FitsNowhere { needed_ms, free_ms } = plan.auto {
        line.push_str(&format!(
            "does not fit even in LP4 ({} too much) · ",
            duration(needed_ms.saturating_sub(free_ms))
        ));
    } else if !f.fits {
        line.push_str("does not fit · ");
    }
    let time = format!("{} of {} free", duration(f.needed_ms), duration(f.free_ms));
    match f.mode {
        _ if f.tracks == 0 => {
            line.push_str(&format!("0 tracks, {} free (SP)", duration(f.free_ms)));
        }
        Some(route) => line.push_str(&format!(
            "{} in {}: {time}",
            tracks(f.tracks),
            route_label(route)
        )),
        None => line.push_str(&format!("{}: {time} (SP time)", tracks(f.tracks))),
    }
    line.push_str(&format!(
        ", {} of {} title cells",
        f.cells_used, f.cells_total
    ));
    line
}
