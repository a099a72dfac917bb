//! Owning the terminal: raw mode and the alternate screen on the way in, and a restored
//! terminal on every way out — normal exit, panic, or a signal.

use std::io;
use std::sync::mpsc::Sender;
use std::thread;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::app::Msg;

/// Restores the terminal when dropped, so an early return or `?` cannot leave it raw.
pub struct TerminalGuard {
    /// `None` once given up on (see `Drop`).
    terminal: Option<DefaultTerminal>,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. `ratatui::try_init` also installs a panic
    /// hook that restores the terminal before the panic message is printed.
    pub fn enter() -> io::Result<Self> {
        let terminal = ratatui::try_init()?;
        crate::panic_guard::install();
        Ok(Self {
            terminal: Some(terminal),
        })
    }

    pub fn terminal(&mut self) -> io::Result<&mut DefaultTerminal> {
        self.terminal
            .as_mut()
            .ok_or_else(|| io::Error::other("the terminal is closed"))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // ratatui prints restore errors to stderr, and printing panics once a hang-up has taken
        // the terminal away: show the cursor here, and on failure skip ratatui's own drop (it
        // would try again and print).
        if let Some(mut terminal) = self.terminal.take() {
            match terminal.show_cursor() {
                Ok(()) => drop(terminal),
                Err(e) => {
                    tracing::warn!("could not show the cursor: {e}");
                    std::mem::forget(terminal);
                }
            }
        }
        if let Err(e) = ratatui::try_restore() {
            tracing::warn!("could not restore the terminal: {e}");
        }
    }
}

/// Reads keyboard and resize events on their own thread so the loop only waits on one channel.
pub fn spawn_input(tx: Sender<Msg>) {
    thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let msg = match event::read() {
                    Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
                    Ok(Event::Resize(w, h)) => Msg::Resize(crate::ui::layout::viewport(w, h)),
                    Ok(_) => continue,
                    Err(e) => {
                        // The terminal went away (an SSH drop): leave rather than spin.
                        tracing::warn!("terminal input failed: {e}");
                        let _ = tx.send(Msg::Terminate);
                        return;
                    }
                };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        })
        .map_or_else(
            |e| tracing::error!("could not start the input thread: {e}"),
            |_| (),
        );
}

/// Turns SIGTERM, SIGHUP and SIGINT into a clean shutdown message.
pub fn spawn_signals(tx: Sender<Msg>) -> io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                tracing::info!("signal {sig}: shutting down");
                let _ = tx.send(Msg::Terminate);
            }
        })?;
    Ok(())
}
