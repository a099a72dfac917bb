//! A yes/no question guarding something that cannot be undone (erasing the disc, deleting
//! tracks or a playlist): `y` or Enter does it, `n` or Esc does not.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::app::{Effect, Model, Overlay};

/// A yes/no question guarding something that cannot be undone.
#[derive(Debug)]
pub struct ConfirmDialog {
    pub message: String,
    pub effect: Effect,
    /// A second question before `effect` (what cannot be undone is asked twice).
    pub then: Option<Box<ConfirmDialog>>,
}

pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Overlay::Confirm(_) = &model.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
            let Overlay::Confirm(dialog) = std::mem::take(&mut model.overlay) else {
                return Vec::new();
            };
            if let Some(next) = dialog.then {
                model.overlay = Overlay::Confirm(next);
                return Vec::new();
            }
            if matches!(dialog.effect, Effect::Device(_)) {
                model.device.anchor = None;
            }
            vec![dialog.effect]
        }
        KeyCode::Char('n' | 'N') | KeyCode::Esc => {
            model.overlay = Overlay::None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}
