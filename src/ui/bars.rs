//! The one-line bars: the header with the pane tabs, the now-playing bar and the status line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{count, duration, long_duration, plural};
use super::widgets::{bar, key_name};
use crate::app::{Level, Model, Overlay, Pane, PlayState, Repeat};
use crate::config::Action;
use library::text;

pub fn header(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let mut spans = vec![Span::styled(" ministage ", theme.title_focused)];
    for pane in Pane::ALL {
        let style = if pane == model.focus {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(
            format!(" {} {} ", pane.number(), pane.title()),
            style,
        ));
    }
    let lib = &model.library;
    let summary = if lib.loaded {
        format!(
            "{} · {} ",
            plural(lib.catalog.tracks.len(), "track", "tracks"),
            long_duration(lib.catalog.total_duration_ms)
        )
    } else {
        String::new()
    };
    let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if text::width(&summary) <= room {
        spans.push(Span::styled(format!("{summary:>room$}"), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
}

pub fn now_playing(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let pb = &model.playback;
    let [info, progress] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let (icon, label) = match (pb.state, model.ascii) {
        (PlayState::Playing, false) => ("▶", "Playing"),
        (PlayState::Paused, false) => ("⏸", "Paused"),
        (PlayState::Stopped, false) => ("■", "Stopped"),
        (PlayState::Playing, true) => (">", "Playing"),
        (PlayState::Paused, true) => ("||", "Paused"),
        (PlayState::Stopped, true) => ("[]", "Stopped"),
    };
    let mut flags = Vec::new();
    if pb.muted {
        flags.push("muted".to_string());
    } else {
        flags.push(format!("vol {}%", pb.volume));
    }
    if pb.shuffle {
        flags.push("shuffle".into());
    }
    if pb.repeat != Repeat::Off {
        flags.push(format!("repeat {}", pb.repeat.label()));
    }
    let flags = format!(" {} ", flags.join(" · "));
    let width = usize::from(info.width);
    let track = pb
        .current_track()
        .filter(|_| pb.state != PlayState::Stopped);
    let head = format!(" {icon} {label} ");
    let room = width.saturating_sub(text::width(&head) + text::width(&flags));
    let what = match track {
        Some(t) => {
            let mut s = format!("{} — {}", t.title, t.artist);
            if !t.album.is_empty() {
                s.push_str(&format!(" · {}", t.album));
            }
            s
        }
        None => "nothing playing".to_string(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(head, theme.now_playing),
            Span::styled(text::fit(&what, room), theme.now_playing),
            Span::styled(flags, theme.dim),
        ]))
        .style(theme.now_playing),
        info,
    );
    let total = track.map_or(0, |t| t.duration_ms);
    let elapsed = if track.is_some() {
        pb.elapsed_ms.min(total.max(pb.elapsed_ms))
    } else {
        0
    };
    let times = format!(" {} / {} ", duration(elapsed), duration(total));
    let bar_width = usize::from(progress.width).saturating_sub(text::width(&times) + 1);
    let fraction = if total == 0 {
        0.0
    } else {
        elapsed as f64 / total as f64
    };
    let (full, empty) = bar(fraction, bar_width, model.ascii);
    frame.render_widget(
        Line::from(vec![
            Span::styled(times, theme.dim),
            Span::styled(full, theme.progress_filled),
            Span::styled(empty, theme.progress_empty),
        ]),
        progress,
    );
}

pub fn status(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let hints = key_hints(model);
    let hints_width = (text::width(&hints) as u16).min(area.width / 2);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(hints_width)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(hints, theme.dim))).style(theme.status),
        right,
    );
    let width = usize::from(left.width);
    let line = if let Some(job) = &model.import {
        let label = if job.total == 0 {
            " Importing: scanning… ".to_string()
        } else {
            format!(" Importing {}/{} ", count(job.done), count(job.total))
        };
        let bar_width = (width / 3).min(30);
        let fraction = if job.total == 0 {
            0.0
        } else {
            job.done as f64 / job.total as f64
        };
        let (full, empty) = bar(fraction, bar_width, model.ascii);
        let used = text::width(&label) + bar_width + 1;
        let file = text::clean(&job.current);
        Line::from(vec![
            Span::styled(label, theme.status),
            Span::styled(full, theme.progress_filled),
            Span::styled(empty, theme.progress_empty),
            Span::styled(" ", theme.status),
            Span::styled(text::fit(&file, width.saturating_sub(used)), theme.dim),
        ])
    } else if let Some(status) = &model.status {
        let style = match status.level {
            Level::Info => theme.status,
            Level::Warning => theme.status_warning,
            Level::Error => theme.status_error,
        };
        Line::from(Span::styled(
            text::fit(&format!(" {}", text::clean(&status.text)), width),
            style,
        ))
    } else {
        Line::from(Span::styled(" ".repeat(width), theme.status))
    };
    frame.render_widget(Paragraph::new(line).style(theme.status), left);
}

/// The few keys a newcomer needs, taken from the live key map.
fn key_hints(model: &Model) -> String {
    let key = |a: Action| key_name(model, a);
    if model.library.filter.editing {
        return "Enter keep · Esc clear ".to_string();
    }
    if !matches!(model.overlay, Overlay::None) {
        return "Esc close ".to_string();
    }
    if model.status.is_some() || model.import.is_some() {
        // A message needs the room more than the newcomer hints do.
        return format!("{} help ", key(Action::Help));
    }
    format!(
        "{} help · {} filter · {} import · {} quit ",
        key(Action::Help),
        key(Action::Filter),
        key(Action::Import),
        key(Action::Quit)
    )
}
