//! The help overlay: every action, its keys and what it does, by group; scrolls with the
//! movement keys and closes with `?`, Esc, q or Enter.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::app::{Effect, Model, Overlay};
use crate::config::Action;

pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Help { scroll } = &mut model.overlay else {
        return Vec::new();
    };
    match model.keymap.action(&key) {
        Some(Action::Down) => *scroll = scroll.saturating_add(1),
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll = scroll.saturating_add(10),
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Action::Top) => *scroll = 0,
        Some(Action::Help | Action::Cancel | Action::Quit | Action::Activate) => {
            model.overlay = Overlay::None;
        }
        _ if key.code == KeyCode::Esc => model.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}
