//! `ministage play`: plays files without the full-screen interface, with a one-line progress
//! display on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::PlayArgs;
use super::setup::Environment;
use crate::ui::format::duration;
use library::text;
use media::player::{GainMode, Player, PlayerEvent, Track};

/// Exit 0 when every file played; 1 when some could not be played (each named on stderr).
pub fn run(env: &Environment, args: &PlayArgs) -> anyhow::Result<i32> {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink = Arc::new(move |e: PlayerEvent| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(e);
        }
    });
    let mode: GainMode = env.settings.audio.replaygain.into();
    let player = Player::start(env.audio, mode, env.settings.audio.preamp_db, sink)?;
    let volume = f32::from(env.settings.audio.volume) / 100.0;
    player.set_volume(volume * volume);
    let interactive = std::io::stderr().is_terminal();
    let mut failed = 0;
    let files: Vec<_> = args.files.iter().collect();
    let name = |i: usize| text::clean(&files[i].display().to_string());
    // Each file is sequence number index + 1; the next is always queued for gapless play.
    player.play(Track::file(1, files[0].clone()));
    let queue_after = |i: usize| {
        player.set_next(
            files
                .get(i + 1)
                .map(|p| Track::file(i as u64 + 2, (*p).clone())),
        );
    };
    queue_after(0);
    let mut current = 0usize;
    let mut finished = false;
    let mut quiet = Duration::ZERO;
    while !finished {
        let event = if let Ok(event) = rx.recv_timeout(Duration::from_millis(500)) {
            quiet = Duration::ZERO;
            event
        } else {
            // The end of the last file is also visible directly, should its event be
            // missed.
            if player.ended() == files.len() as u64 {
                break;
            }
            quiet += Duration::from_millis(500);
            if quiet >= Duration::from_secs(60) {
                anyhow::bail!(
                    "the player stopped responding while playing {}",
                    name(current)
                );
            }
            continue;
        };
        match event {
            PlayerEvent::Started { seq } => {
                current = (seq - 1) as usize;
                // The first file's follower was queued with it; each later start names the
                // file after it, so the engine always knows one track ahead.
                if current > 0 {
                    queue_after(current);
                }
                if !interactive {
                    outln!("Playing {}", name(current))?;
                }
            }
            PlayerEvent::Position { seq, position_ms } if interactive => {
                let i = (seq - 1) as usize;
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K▶ {} {} ({}/{})",
                    duration(position_ms),
                    text::truncate_to_width(&name(i), 60),
                    i + 1,
                    files.len()
                );
                let _ = err.flush();
            }
            PlayerEvent::Position { .. } => {}
            PlayerEvent::Ended { seq } => {
                finished = seq as usize == files.len();
            }
            PlayerEvent::Failed { seq, path, reason } => {
                failed += 1;
                let i = (seq - 1) as usize;
                if interactive {
                    eprint!("\r\x1b[2K");
                }
                eprintln!(
                    "cannot play {}: {reason}",
                    text::clean(&path.display().to_string())
                );
                if i + 1 >= files.len() {
                    finished = true;
                } else if i == current {
                    // The current file failed to open: go on with the next one.
                    current = i + 1;
                    player.play(Track::file(i as u64 + 2, files[i + 1].clone()));
                    queue_after(current);
                } else {
                    // The queued file failed: queue the one after it.
                    queue_after(i);
                }
            }
        }
    }
    if interactive {
        eprintln!();
    }
    Ok(i32::from(failed != 0))
}
