//! Rendering of the model: `view(&Model, &mut Frame)` draws the whole screen. Nothing here
//! changes state or touches the disk.

mod bars;
mod device_pane;
pub mod format;
mod import_preview;
pub mod layout;
mod library_pane;
mod overlays;
mod side_panes;
mod transfers_pane;
mod widgets;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::{Model, Overlay, Pane};

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    frame.render_widget(Block::default().style(model.theme.base), area);
    if layout::too_small(area) {
        draw_too_small(model, frame, area);
        return;
    }
    let areas = layout::areas(area);
    bars::header(model, frame, areas.header);
    library_pane::draw(model, frame, areas.library);
    side_panes::playlists(model, frame, areas.playlists);
    device_pane::draw(model, frame, areas.device);
    transfers_pane::draw(model, frame, areas.transfers);
    bars::now_playing(model, frame, areas.now_playing);
    bars::status(model, frame, areas.status);
    match &model.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlays::help(model, frame, area, *scroll),
        Overlay::Import(dialog) => overlays::import(model, frame, area, dialog),
        Overlay::Rename(dialog) => overlays::rename(model, frame, area, dialog),
        Overlay::Confirm(dialog) => overlays::confirm(model, frame, area, &dialog.message),
        Overlay::Tags(editor) => overlays::tags(model, frame, area, editor),
        Overlay::ImportPreview(preview) => import_preview::draw(model, frame, area, preview),
    }
}

fn draw_too_small(model: &Model, frame: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small: {}×{}. ministage needs at least {}×{}.",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    let y = area.height / 2;
    let rect = Rect::new(
        area.x,
        area.y + y.saturating_sub(1),
        area.width,
        area.height - y.saturating_sub(1),
    );
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(text, model.theme.status_warning)),
            Line::from(Span::styled(
                "Enlarge the window, or press q to quit.",
                model.theme.dim,
            )),
        ])
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .style(Style::default()),
        rect,
    );
}

/// Whether `pane` has the keyboard (and no dialog is open over it).
fn focused(model: &Model, pane: Pane) -> bool {
    model.focus == pane && matches!(model.overlay, Overlay::None)
}
