//! The decode thread: opens tracks, decodes ahead of the output, and appends the next track
//! to the same stream so an album plays without gaps.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::Duration;

use super::gain::GainMode;
use super::source;
use super::stream::{Block, Feed, Shared};
use super::{PlayerEvent, Track};
use atrac::Decoder;

/// What the handle asks of the decode thread. Commands that discard queued audio carry the
/// generation the handle has already published, so stale blocks are recognised at once.
#[derive(Debug)]
pub enum Command {
    Play {
        track: Track,
        generation: u64,
    },
    /// The track to append when the current one ends (None: stop after it).
    SetNext(Option<Track>),
    Seek {
        ms: u64,
        generation: u64,
    },
    Stop {
        generation: u64,
    },
    Shutdown,
}

struct Playing {
    track: Track,
    /// Linear ReplayGain factor, limited by the peak.
    gain: f32,
    decoder: Box<dyn Decoder>,
    /// The next frame the decoder will produce.
    frame: u64,
}

/// Frames decoded per block: about 90 ms at 44.1 kHz, small enough for quick seeks.
const BLOCK_FRAMES: usize = 4096;

pub struct Engine {
    commands: Receiver<Command>,
    feed: SyncSender<Feed>,
    shared: Arc<Shared>,
    events: Box<dyn Fn(PlayerEvent) + Send>,
    current: Option<Playing>,
    next: Option<Playing>,
    generation: u64,
    scratch: Vec<i16>,
    gain: (GainMode, f32),
    /// Between a play and a stop: a next track that arrives after the current one has
    /// already been decoded to its end must still follow it.
    active: bool,
}

impl Engine {
    pub fn new(
        commands: Receiver<Command>,
        feed: SyncSender<Feed>,
        shared: Arc<Shared>,
        events: Box<dyn Fn(PlayerEvent) + Send>,
        gain: (GainMode, f32),
    ) -> Self {
        Self {
            commands,
            feed,
            shared,
            events,
            current: None,
            next: None,
            generation: 0,
            scratch: Vec::new(),
            gain,
            active: false,
        }
    }

    pub fn run(mut self) {
        loop {
            // With nothing to decode, sleep until told otherwise.
            let command = if self.current.is_none() {
                match self.commands.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                }
            } else {
                match self.commands.try_recv() {
                    Ok(c) => Some(c),
                    Err(std::sync::mpsc::TryRecvError::Empty) => None,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                }
            };
            if let Some(command) = command {
                if !self.handle(command) {
                    return;
                }
                continue;
            }
            if !self.decode_one() {
                return;
            }
        }
    }

    /// Returns false on shutdown.
    fn handle(&mut self, command: Command) -> bool {
        match command {
            Command::Play { track, generation } => {
                self.generation = generation;
                self.next = None;
                self.active = true;
                self.current = self.open(track);
            }
            Command::SetNext(track) => {
                let next = track.and_then(|t| self.open(t));
                // The current track may have been decoded to its end before its follower was
                // named (short tracks, a busy machine): then the follower starts right away,
                // still appended to the same stream.
                if self.current.is_none() && self.active {
                    self.current = next;
                } else {
                    self.next = next;
                }
            }
            Command::Seek { ms, generation } => {
                self.generation = generation;
                if let Some(p) = &mut self.current {
                    let target = ms * u64::from(p.decoder.sample_rate()) / 1000;
                    match p.decoder.seek(target) {
                        Ok(reached) => p.frame = reached,
                        Err(e) => {
                            let (seq, path) = (p.track.seq, p.track.path.clone());
                            self.fail(seq, path, format!("cannot seek: {e}"));
                        }
                    }
                }
            }
            Command::Stop { generation } => {
                self.generation = generation;
                self.current = None;
                self.next = None;
                self.active = false;
            }
            Command::Shutdown => return false,
        }
        true
    }

    fn open(&self, track: Track) -> Option<Playing> {
        let opened = match track.raw {
            Some(format) => atrac::open_raw(&track.path, format),
            None => source::open(&track.path),
        };
        match opened {
            Ok(decoder) => {
                let (mode, preamp) = self.gain;
                let gain = if track.raw.is_some() {
                    1.0
                } else {
                    super::gain_factor(&track.path, mode, preamp)
                };
                Some(Playing {
                    track,
                    gain,
                    decoder,
                    frame: 0,
                })
            }
            Err(e) => {
                self.fail(track.seq, track.path, e.to_string());
                None
            }
        }
    }

    fn fail(&self, seq: u64, path: PathBuf, reason: String) {
        tracing::warn!("cannot play {}: {reason}", path.display());
        (self.events)(PlayerEvent::Failed { seq, path, reason });
    }

    /// Decodes and queues one block of the current track, moving on to the next track at the
    /// end. Returns false when the output has gone away.
    fn decode_one(&mut self) -> bool {
        let generation = self.generation;
        let Some(playing) = &mut self.current else {
            return true;
        };
        self.scratch.clear();
        let channels = usize::from(playing.decoder.channels().max(1));
        let mut result = Ok(true);
        while self.scratch.len() < BLOCK_FRAMES * channels {
            result = playing.decoder.next_block(&mut self.scratch);
            if !matches!(result, Ok(true)) {
                break;
            }
        }
        let block = (!self.scratch.is_empty()).then(|| {
            let frames = (self.scratch.len() / channels) as u64;
            let block = Block {
                seq: playing.track.seq,
                generation,
                rate: playing.decoder.sample_rate(),
                channels: playing.decoder.channels().max(1),
                start_frame: playing.frame,
                samples: std::mem::take(&mut self.scratch),
                gain: playing.gain,
            };
            playing.frame += frames;
            block
        });
        let (seq, path) = (playing.track.seq, playing.track.path.clone());
        if let Some(block) = block {
            if !self.send(Feed::Audio(block)) {
                return false;
            }
            if self.generation != generation {
                // A play, seek or stop arrived while waiting: the old track's state is gone.
                return true;
            }
        }
        match result {
            Ok(true) => true,
            Ok(false) => self.finish_track(),
            Err(e) => {
                self.fail(seq, path, e.to_string());
                self.finish_track()
            }
        }
    }

    fn finish_track(&mut self) -> bool {
        let Some(done) = self.current.take() else {
            return true;
        };
        let end = Feed::End {
            seq: done.track.seq,
            generation: self.generation,
        };
        // The next track follows in the same stream: no gap, no silence.
        self.current = self.next.take();
        self.send(end)
    }

    /// Sends to the output, waiting while it is full but still obeying commands that
    /// discard what is queued.
    fn send(&mut self, mut feed: Feed) -> bool {
        loop {
            match self.feed.try_send(feed) {
                Ok(()) => return true,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => feed = back,
            }
            match self.commands.recv_timeout(Duration::from_millis(20)) {
                Ok(command) => {
                    let flushes = matches!(
                        command,
                        Command::Play { .. } | Command::Seek { .. } | Command::Stop { .. }
                    );
                    if !self.handle(command) {
                        return false;
                    }
                    if flushes {
                        // What was being sent belongs to the old generation: drop it.
                        return true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return false,
            }
            // Keep the stale check cheap: a new generation makes the pending block worthless.
            if self
                .shared
                .generation
                .load(std::sync::atomic::Ordering::Acquire)
                != self.generation
            {
                return true;
            }
        }
    }
}
