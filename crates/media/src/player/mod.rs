//! The playback engine: decoding off the UI thread, a gapless stream to the sound device (or a
//! silent null output), ReplayGain, and position reports.
//!
//! The player knows nothing of queues: the application tells it what to play now and what to
//! append next, and hears back through [`PlayerEvent`]s.

mod engine;
mod gain;
mod opus;
mod output;
pub mod source;
mod stream;
mod symphonia_source;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

pub use gain::{GainMode, GainTags};
pub use output::AudioOutput;
pub use stream::PlaybackSource;

/// How long a sound device may hold samples it has pulled before they are heard: the last
/// track counts as ended (and `ministage play` exits) only after this much silence followed it.
/// A typical `ALSA` buffer is well under it; a longer one (`PulseAudio` can hold up to two seconds)
/// may still lose the very end.
const DEVICE_TAIL: Duration = Duration::from_millis(500);

/// The linear ReplayGain factor for `path` in `mode`, with `preamp_db` added and lowered so
/// that the tagged peak stays at full scale (1.0 when the file has no such tag). Playback
/// applies it as it plays; sending to a recorder applies it before encoding.
pub fn gain_factor(path: &std::path::Path, mode: GainMode, preamp_db: f32) -> f32 {
    if mode == GainMode::Off {
        return 1.0;
    }
    gain::factor(&gain::read_tags(path), mode, preamp_db)
}

use engine::{Command, Engine};
use output::OutputHandle;
use stream::Shared;

/// A track to play. `seq` is chosen by the caller and comes back in events, so the caller can
/// tell which of its requests an event is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub seq: u64,
    pub path: PathBuf,
    /// Set for container-less recorder audio (the virtual deck's tracks).
    pub raw: Option<atrac::RawAudio>,
}

impl Track {
    /// A file of any format ministage plays.
    pub fn file(seq: u64, path: PathBuf) -> Self {
        Self {
            seq,
            path,
            raw: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The first sound of track `seq` is being heard.
    Started { seq: u64 },
    /// Sent about four times a second while a track is heard (never while paused).
    Position { seq: u64, position_ms: u64 },
    /// The last sound of track `seq` has been heard.
    Ended { seq: u64 },
    /// Track `seq` could not be opened or decoded; the player has moved past it.
    Failed {
        seq: u64,
        path: PathBuf,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error("no audio output: {0} (use --audio null)")]
    NoOutput(String),
    #[error("cannot start the player: {0}")]
    Thread(#[from] std::io::Error),
}

/// Blocks queued between the decoder and the output: about a second of audio.
const FEED_BLOCKS: usize = 10;
const MONITOR_INTERVAL: Duration = Duration::from_millis(250);

pub type EventSink = Arc<dyn Fn(PlayerEvent) + Send + Sync>;

pub struct Player {
    commands: Sender<Command>,
    shared: Arc<Shared>,
    stop_monitor: Arc<AtomicBool>,
    _output: OutputHandle,
}

impl Player {
    /// Starts the decode thread and opens `output`. Fails with [`PlayerError::NoOutput`] when
    /// there is no sound device.
    #[expect(
        clippy::used_underscore_binding,
        reason = "`_output` is held, never read: it keeps the output stream open"
    )]
    pub fn start(
        output: AudioOutput,
        gain_mode: GainMode,
        preamp_db: f32,
        events: EventSink,
    ) -> Result<Player, PlayerError> {
        let (mut player, source) = Self::build(gain_mode, preamp_db, events, output)?;
        player._output = match output {
            AudioOutput::Default => output::open_device(source),
            AudioOutput::Null => output::open_null(source),
        }
        .map_err(PlayerError::NoOutput)?;
        Ok(player)
    }

    /// A player whose samples the caller pulls from the returned source, for tests and
    /// benchmarks: the source waits for the decoder instead of playing silence.
    pub fn detached(events: EventSink) -> Result<(Player, PlaybackSource), PlayerError> {
        Self::build(GainMode::Off, 0.0, events, AudioOutput::Null)
    }

    fn build(
        gain_mode: GainMode,
        preamp_db: f32,
        events: EventSink,
        output: AudioOutput,
    ) -> Result<(Player, PlaybackSource), PlayerError> {
        let shared = Arc::new(Shared::default());
        let (commands, command_rx) = mpsc::channel();
        let (feed_tx, feed_rx) = mpsc::sync_channel(FEED_BLOCKS);
        // A sound card's callback must never wait; the other outputs may. A sound card also
        // plays what it pulled a while later: the end of the last track waits for it.
        let (wait, tail) = match output {
            AudioOutput::Default => (Duration::ZERO, DEVICE_TAIL),
            AudioOutput::Null => (Duration::from_secs(2), Duration::ZERO),
        };
        let source = PlaybackSource::new(feed_rx, shared.clone(), wait, tail);
        let engine_events = events.clone();
        let engine = Engine::new(
            command_rx,
            feed_tx,
            shared.clone(),
            Box::new(move |e| engine_events(e)),
            (gain_mode, preamp_db),
        );
        thread::Builder::new()
            .name("decode".into())
            .spawn(move || engine.run())?;
        let stop_monitor = Arc::new(AtomicBool::new(false));
        spawn_monitor(shared.clone(), events, stop_monitor.clone())?;
        let player = Player {
            commands,
            shared,
            stop_monitor,
            _output: OutputHandle::Detached,
        };
        Ok((player, source))
    }

    fn flush(&self) -> u64 {
        self.shared.generation.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Plays `track` now, dropping whatever was playing or queued.
    pub fn play(&self, track: Track) {
        let generation = self.flush();
        self.shared.paused.store(false, Ordering::Relaxed);
        // From now on the output expects this track (outputs that may wait, wait for it).
        self.shared.frame.store(0, Ordering::Relaxed);
        self.shared.seq.store(track.seq, Ordering::Relaxed);
        let _ = self.commands.send(Command::Play { track, generation });
    }

    /// The track to append when the current one ends, without a gap.
    pub fn set_next(&self, track: Option<Track>) {
        let _ = self.commands.send(Command::SetNext(track));
    }

    pub fn pause(&self) {
        self.shared.paused.store(true, Ordering::Relaxed);
    }

    pub fn resume(&self) {
        self.shared.paused.store(false, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        self.shared.paused.load(Ordering::Relaxed)
    }

    pub fn stop(&self) {
        let generation = self.flush();
        self.shared.seq.store(0, Ordering::Relaxed);
        let _ = self.commands.send(Command::Stop { generation });
    }

    pub fn seek(&self, position_ms: u64) {
        let generation = self.flush();
        let _ = self.commands.send(Command::Seek {
            ms: position_ms,
            generation,
        });
    }

    /// 0.0 to 1.0.
    pub fn set_volume(&self, volume: f32) {
        self.shared.set_volume(volume);
    }

    /// The track being heard and how far into it, in milliseconds.
    pub fn position(&self) -> (u64, u64) {
        position(&self.shared)
    }

    /// The last track whose end has been heard (0: none yet).
    pub fn ended(&self) -> u64 {
        self.shared.ended.load(Ordering::Acquire)
    }

    /// Times the output ran dry while a track was playing.
    pub fn underruns(&self) -> u64 {
        self.shared.underruns.load(Ordering::Relaxed)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop_monitor.store(true, Ordering::Relaxed);
        let _ = self.commands.send(Command::Shutdown);
    }
}

fn position(shared: &Shared) -> (u64, u64) {
    let seq = shared.seq.load(Ordering::Relaxed);
    let frame = shared.frame.load(Ordering::Relaxed);
    let rate = u64::from(shared.rate.load(Ordering::Relaxed).max(1));
    (seq, frame * 1000 / rate)
}

/// Turns the shared counters into events: starts, ends, and the position while playing.
fn spawn_monitor(
    shared: Arc<Shared>,
    events: EventSink,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name("player-monitor".into())
        .spawn(move || {
            let (mut last_seq, mut last_ended, mut last_ms) = (0, 0, u64::MAX);
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(MONITOR_INTERVAL);
                let ended = shared.ended.load(Ordering::Acquire);
                let (seq, ms) = position(&shared);
                // A short track may start and end within one interval: it still gets both.
                if seq != last_seq {
                    last_seq = seq;
                    if seq != 0 {
                        events(PlayerEvent::Started { seq });
                    }
                }
                if ended != last_ended {
                    last_ended = ended;
                    events(PlayerEvent::Ended { seq: ended });
                }
                let playing = seq != 0 && seq != ended && !shared.paused.load(Ordering::Relaxed);
                if playing && ms != last_ms {
                    last_ms = ms;
                    events(PlayerEvent::Position {
                        seq,
                        position_ms: ms,
                    });
                }
            }
        })?;
    Ok(())
}
