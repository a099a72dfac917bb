//! The event loop: draw, wait for a message, update, start the effects it asks for.

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::app::DeviceRequest;
use crate::app::{Effect, Msg};
use crate::app::{Level, Model};
use crate::app::{LibraryRequest, PlayerRequest, update};
use crate::config::{KeyMap, Settings};
use crate::shell::device_worker::DeviceHandle;
use crate::shell::library_worker;
use crate::shell::path_completion;
use crate::shell::terminal::{self, TerminalGuard};
use crate::shell::transfer_worker::{DeviceLink, Transferer};
use crate::theme::Theme;
use crate::transfer::{BatchOptions, TransferRequest};
use crate::ui;
use media::player::{AudioOutput, GainMode, Player, PlayerEvent, Track};
use netmd::DeviceSelector;

pub struct RunOptions {
    pub settings: Settings,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub library_path: PathBuf,
    /// Shown in the status line at start-up (config, key map and theme problems).
    pub warnings: Vec<String>,
    pub audio: AudioOutput,
    /// Standard error goes here while the UI owns the terminal.
    pub log_file: PathBuf,
    pub device: DeviceSelector,
    pub usb_trace: Option<PathBuf>,
    /// Without a sound device, play through the silent output instead of refusing to play
    /// (the demo: a new user's first Enter must do something visible).
    pub silent_fallback: bool,
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
    let redirect = crate::shell::stderr::StderrToLog::redirect(&opts.log_file);
    let size = guard
        .terminal()
        .and_then(|t| t.size())
        .context("could not read the terminal size")?;
    model.viewport = ui::layout::viewport(size.width, size.height);
    model.home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    terminal::spawn_input(tx.clone());
    if let Err(e) = terminal::spawn_signals(tx.clone()) {
        tracing::warn!("signals will not restore the terminal: {e}");
    }
    let library_tx = Mutex::new(tx.clone());
    let library = library_worker::spawn(model.library_path.clone(), move |m| {
        if let Ok(tx) = library_tx.lock() {
            let _ = tx.send(m);
        }
    });
    let _ = library.send(LibraryRequest::Load);
    let (player, audio) = start_player(&opts.settings, opts.audio, opts.silent_fallback, &tx);
    if let Some(p) = &player {
        p.set_volume(model.playback.linear_volume());
    }
    model.playback.rng = seed();
    let device_tx = Mutex::new(tx.clone());
    // A virtual deck is heard through a player of its own, like a recorder's headphones.
    let speaker = player
        .is_some()
        .then(|| crate::shell::deck_speaker::DeckSpeaker::factory(audio));
    let device = DeviceHandle::spawn_with(
        opts.device.clone(),
        opts.usb_trace.clone(),
        speaker,
        move |e| {
            if let Ok(tx) = device_tx.lock() {
                let _ = tx.send(Msg::Device(e));
            }
        },
    );
    let transfer_tx = Mutex::new(tx.clone());
    let reopen_selector = opts.device.clone();
    let reopen: crate::shell::transfer_worker::Opener = Arc::new(move || {
        let options = netmd::OpenOptions {
            faults: crate::shell::device_worker::faults_from_env()?,
            ..netmd::OpenOptions::default()
        };
        netmd::open(&reopen_selector, &options)
    });
    let transfers = Transferer::spawn(
        DeviceLink::Worker(device.clone(), reopen),
        model.library_path.clone(),
        BatchOptions::from_settings(&opts.settings.transfer),
        move |e| {
            if let Ok(tx) = transfer_tx.lock() {
                let _ = tx.send(Msg::Transfer(e));
            }
        },
    );

    while !model.quit {
        let drawn = guard
            .terminal()
            .and_then(|t| t.draw(|frame| ui::view(&model, frame)).map(drop));
        if let Err(e) = drawn {
            // The terminal went away (a dropped SSH connection): the workers still stop in order.
            tracing::info!("could not draw ({e:#}): shutting down");
            break;
        }
        let Ok(first) = rx.recv() else { break };
        let mut msg = Some(first);
        let mut handled = 0;
        while let Some(m) = msg.take() {
            for effect in update(&mut model, m) {
                match effect {
                    Effect::Player(request) => {
                        if let Some(p) = &player {
                            perform(p, request);
                        }
                    }
                    Effect::Device(request) => {
                        if device.send(request).is_err() {
                            model.set_status(Level::Error, "the device worker has stopped");
                        }
                    }
                    Effect::Transfer(request) => {
                        if transfers.send(request).is_err() {
                            model.set_status(Level::Error, "the transfer worker has stopped");
                        }
                    }
                    Effect::CompletePath(text) => {
                        path_completion::spawn_completion(text, tx.clone());
                    }
                    Effect::Library(request) => {
                        if library.send(request).is_err() {
                            model.set_status(Level::Error, "the library worker has stopped");
                        }
                    }
                }
            }
            handled += 1;
            if model.quit || handled >= MAX_BATCH {
                break;
            }
            msg = rx.try_recv().ok();
        }
    }
    let _ = library.send(LibraryRequest::Shutdown);
    let _ = transfers.send(TransferRequest::Shutdown);
    let _ = device.send(DeviceRequest::Shutdown);
    drop(player);
    drop(redirect);
    drop(guard);
    Ok(())
}

/// Opens the sound output; without one the app still runs and says why there is no sound. With
/// `silent_fallback` it plays through the silent output instead and says so once. Returns the
/// player and the output it opened.
fn start_player(
    settings: &Settings,
    output: AudioOutput,
    silent_fallback: bool,
    tx: &Sender<Msg>,
) -> (Option<Player>, AudioOutput) {
    let mode: GainMode = settings.audio.replaygain.into();
    let events = Mutex::new(tx.clone());
    let sink: media::player::EventSink = Arc::new(move |event: PlayerEvent| {
        if let Ok(tx) = events.lock() {
            let _ = tx.send(Msg::Player(event));
        }
    });
    let error = match Player::start(output, mode, settings.audio.preamp_db, sink.clone()) {
        Ok(p) => return (Some(p), output),
        Err(e) => e,
    };
    tracing::warn!("{error}");
    if silent_fallback && output != AudioOutput::Null {
        match Player::start(AudioOutput::Null, mode, settings.audio.preamp_db, sink) {
            Ok(p) => {
                let _ = tx.send(Msg::SilentOutput(
                    "no sound device: playing silently".to_owned(),
                ));
                return (Some(p), AudioOutput::Null);
            }
            Err(e) => tracing::warn!("the silent output failed too: {e}"),
        }
    }
    let _ = tx.send(Msg::AudioUnavailable(error.to_string()));
    (None, output)
}

fn perform(player: &Player, request: PlayerRequest) {
    match request {
        PlayerRequest::Play { seq, path } => player.play(Track::file(seq, path)),
        PlayerRequest::SetNext(next) => {
            player.set_next(next.map(|(seq, path)| Track::file(seq, path)));
        }
        PlayerRequest::Pause => player.pause(),
        PlayerRequest::Resume => player.resume(),
        PlayerRequest::Stop => player.stop(),
        PlayerRequest::Seek(ms) => player.seek(ms),
        PlayerRequest::Volume(v) => player.set_volume(v),
    }
}

/// A different shuffle each run.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}
