//! The event loop: draw, wait for a message, update, start the effects it asks for.

use std::path::PathBuf;
use std::sync::mpsc;

use anyhow::Context;

use super::model::{Level, Model};
use super::msg::{Effect, Msg};
use super::terminal::{self, TerminalGuard};
use super::update::update;
use super::workers;
use crate::config::{KeyMap, Settings};
use crate::ui;
use crate::ui::theme::Theme;

pub struct RunOptions {
    pub settings: Settings,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub library_path: PathBuf,
    /// Shown in the status line at start-up (config, key map and theme problems).
    pub warnings: Vec<String>,
}

/// Messages handled between two frames at most, so a flood cannot starve drawing.
const MAX_BATCH: usize = 256;

pub fn run(opts: RunOptions) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut model = Model::new(&opts.settings, opts.keymap, opts.theme, opts.library_path);
    if let Some(first) = opts.warnings.first() {
        let more = opts.warnings.len() - 1;
        let suffix = if more > 0 {
            format!(" (+{more} more in the log)")
        } else {
            String::new()
        };
        model.set_status(Level::Warning, format!("{first}{suffix}"));
    }
    let mut guard = TerminalGuard::enter().context("could not set up the terminal")?;
    let size = guard
        .terminal
        .size()
        .context("could not read the terminal size")?;
    model.size = (size.width, size.height);
    terminal::spawn_input(tx.clone());
    if let Err(e) = terminal::spawn_signals(tx.clone()) {
        tracing::warn!("signals will not restore the terminal: {e}");
    }
    workers::spawn(Effect::LoadLibrary, &model.library_path, tx.clone());

    while !model.quit {
        guard
            .terminal
            .draw(|frame| ui::view(&model, frame))
            .context("could not draw")?;
        let Ok(first) = rx.recv() else { break };
        let mut msg = Some(first);
        let mut handled = 0;
        while let Some(m) = msg.take() {
            for effect in update(&mut model, m) {
                workers::spawn(effect, &model.library_path, tx.clone());
            }
            handled += 1;
            if model.quit || handled >= MAX_BATCH {
                break;
            }
            msg = rx.try_recv().ok();
        }
    }
    drop(guard);
    Ok(())
}
