//! The play queue and the player's state as the UI knows it. Pure: requests to the real
//! player leave as [`PlayerRequest`] effects, and what it reports comes back as messages.

use crate::app::{Effect, Level, Model};
use crate::config::Action;
use library::text;
use media::player::PlayerEvent;
use std::path::PathBuf;
use std::sync::Arc;

use crate::app::catalog::Catalog;
use library::Track;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlayState {
    #[default]
    Stopped,
    Playing,
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Repeat {
    #[default]
    Off,
    One,
    All,
}

impl Repeat {
    #[must_use]
    pub fn next(self) -> Repeat {
        match self {
            Repeat::Off => Repeat::All,
            Repeat::All => Repeat::One,
            Repeat::One => Repeat::Off,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Repeat::Off => "off",
            Repeat::One => "one",
            Repeat::All => "all",
        }
    }
}

/// What the application asks of the player.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerRequest {
    Play {
        seq: u64,
        path: PathBuf,
    },
    SetNext(Option<(u64, PathBuf)>),
    Pause,
    Resume,
    Stop,
    Seek(u64),
    /// Linear volume, 0.0 to 1.0.
    Volume(f32),
}

#[derive(Debug, Default)]
pub struct Playback {
    pub state: PlayState,
    /// The tracks the queue refers to; kept alive even when the library is reloaded.
    pub catalog: Arc<Catalog>,
    /// Indices into `catalog.tracks`, in list order.
    pub queue: Vec<usize>,
    /// Play order: positions in `queue` (shuffled or not).
    pub order: Vec<usize>,
    /// Position in `order` of the track playing (or last played).
    pub current: Option<usize>,
    pub current_seq: u64,
    /// The track handed to the player to follow the current one: (seq, position in `order`).
    pub pending_next: Option<(u64, usize)>,
    pub elapsed_ms: u64,
    /// Per cent, 0 to 100.
    pub volume: u8,
    pub muted: bool,
    pub shuffle: bool,
    pub repeat: Repeat,
    next_seq: u64,
    /// State of the shuffle generator; seeded by the runtime, fixed in tests.
    pub rng: u64,
    /// Failures in a row, so a queue of unplayable files ends instead of looping.
    failures_in_a_row: usize,
    /// Why there is no sound output, if there is none.
    pub audio_error: Option<String>,
}

impl Playback {
    pub fn new(volume: u8, seed: u64) -> Self {
        Self {
            volume: volume.min(100),
            rng: seed | 1,
            ..Self::default()
        }
    }

    pub fn current_track(&self) -> Option<&Track> {
        let pos = self.current?;
        let index = *self.queue.get(*self.order.get(pos)?)?;
        self.catalog.tracks.get(index)
    }

    fn track_at(&self, pos: usize) -> Option<&Track> {
        let index = *self.queue.get(*self.order.get(pos)?)?;
        self.catalog.tracks.get(index)
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn random(&mut self) -> u64 {
        // xorshift64: plenty for shuffling a play queue.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// A shuffled order that starts with `first`.
    fn shuffled(&mut self, first: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.queue.len()).filter(|&i| i != first).collect();
        for i in (1..order.len()).rev() {
            let j = (self.random() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        order.insert(0, first);
        order
    }

    /// Replaces the queue with `queue` (indices into `catalog`) and plays entry `start`.
    pub fn play_queue(
        &mut self,
        catalog: Arc<Catalog>,
        queue: Vec<usize>,
        start: usize,
    ) -> Vec<PlayerRequest> {
        if queue.is_empty() {
            return Vec::new();
        }
        self.catalog = catalog;
        self.queue = queue;
        let start = start.min(self.queue.len() - 1);
        self.order = if self.shuffle {
            self.shuffled(start)
        } else {
            (0..self.queue.len()).collect()
        };
        let pos = self.order.iter().position(|&q| q == start).unwrap_or(0);
        self.failures_in_a_row = 0;
        self.play_position(pos)
    }

    fn play_position(&mut self, pos: usize) -> Vec<PlayerRequest> {
        let Some(path) = self.track_at(pos).map(|t| t.path.clone()) else {
            return self.stop();
        };
        let seq = self.seq();
        self.current = Some(pos);
        self.current_seq = seq;
        self.elapsed_ms = 0;
        self.state = PlayState::Playing;
        let mut out = vec![PlayerRequest::Play { seq, path }];
        out.extend(self.queue_following());
        out
    }

    /// Where play goes after `pos` when a track ends by itself.
    fn following(&self, pos: usize) -> Option<usize> {
        match self.repeat {
            Repeat::One => Some(pos),
            _ if pos + 1 < self.order.len() => Some(pos + 1),
            Repeat::All if !self.order.is_empty() => Some(0),
            _ => None,
        }
    }

    /// Hands the player the track after the current one, for gapless playback.
    fn queue_following(&mut self) -> Vec<PlayerRequest> {
        let next = self.current.and_then(|pos| self.following(pos));
        if let Some((pos, path)) =
            next.and_then(|pos| self.track_at(pos).map(|t| (pos, t.path.clone())))
        {
            let seq = self.seq();
            self.pending_next = Some((seq, pos));
            vec![PlayerRequest::SetNext(Some((seq, path)))]
        } else {
            self.pending_next = None;
            vec![PlayerRequest::SetNext(None)]
        }
    }

    pub fn toggle_pause(&mut self) -> Vec<PlayerRequest> {
        match self.state {
            PlayState::Playing => {
                self.state = PlayState::Paused;
                vec![PlayerRequest::Pause]
            }
            PlayState::Paused => {
                self.state = PlayState::Playing;
                vec![PlayerRequest::Resume]
            }
            // Space on a stopped player starts the queue again where it was.
            PlayState::Stopped => match self.current {
                Some(pos) => self.play_position(pos),
                None => Vec::new(),
            },
        }
    }

    pub fn stop(&mut self) -> Vec<PlayerRequest> {
        self.state = PlayState::Stopped;
        self.elapsed_ms = 0;
        self.pending_next = None;
        vec![PlayerRequest::Stop]
    }

    /// `n`: the next track in play order (repeat-one does not hold it back).
    pub fn next_track(&mut self) -> Option<Vec<PlayerRequest>> {
        let pos = self.current?;
        let next = if pos + 1 < self.order.len() {
            pos + 1
        } else if self.repeat == Repeat::All {
            0
        } else {
            return None;
        };
        Some(self.play_position(next))
    }

    /// `p`: back to the start of the track after a few seconds, else the previous track.
    pub fn previous_track(&mut self) -> Option<Vec<PlayerRequest>> {
        let pos = self.current?;
        if self.elapsed_ms > 3000 || (pos == 0 && self.repeat != Repeat::All) {
            return Some(self.seek_to(0));
        }
        let prev = if pos == 0 {
            self.order.len() - 1
        } else {
            pos - 1
        };
        Some(self.play_position(prev))
    }

    pub fn seek_by(&mut self, delta_ms: i64) -> Vec<PlayerRequest> {
        if self.state == PlayState::Stopped {
            return Vec::new();
        }
        let duration = self.current_track().map_or(0, |t| t.duration_ms);
        let target = (self.elapsed_ms as i64 + delta_ms).max(0) as u64;
        // Seeking past the end goes to the next track, as players do.
        if duration > 0 && target >= duration {
            return self.next_track().unwrap_or_else(|| self.stop());
        }
        self.seek_to(target)
    }

    fn seek_to(&mut self, ms: u64) -> Vec<PlayerRequest> {
        self.elapsed_ms = ms;
        if self.state == PlayState::Stopped {
            return Vec::new();
        }
        vec![PlayerRequest::Seek(ms)]
    }

    pub fn change_volume(&mut self, delta: i16) -> Vec<PlayerRequest> {
        self.volume = (i16::from(self.volume) + delta).clamp(0, 100) as u8;
        self.muted = false;
        vec![PlayerRequest::Volume(self.linear_volume())]
    }

    pub fn toggle_mute(&mut self) -> Vec<PlayerRequest> {
        self.muted = !self.muted;
        vec![PlayerRequest::Volume(self.linear_volume())]
    }

    pub fn linear_volume(&self) -> f32 {
        if self.muted {
            0.0
        } else {
            // A squared curve matches loudness better than a straight line.
            let v = f32::from(self.volume) / 100.0;
            v * v
        }
    }

    pub fn toggle_shuffle(&mut self) -> Vec<PlayerRequest> {
        self.shuffle = !self.shuffle;
        let Some(pos) = self.current else {
            return Vec::new();
        };
        let current = self.order[pos];
        self.order = if self.shuffle {
            self.shuffled(current)
        } else {
            (0..self.queue.len()).collect()
        };
        self.current = self.order.iter().position(|&q| q == current);
        self.requeue_if_playing()
    }

    pub fn cycle_repeat(&mut self) -> Vec<PlayerRequest> {
        self.repeat = self.repeat.next();
        self.requeue_if_playing()
    }

    fn requeue_if_playing(&mut self) -> Vec<PlayerRequest> {
        if self.state == PlayState::Stopped {
            Vec::new()
        } else {
            self.queue_following()
        }
    }

    pub fn on_started(&mut self, seq: u64) -> Vec<PlayerRequest> {
        self.failures_in_a_row = 0;
        if let Some((next_seq, pos)) = self.pending_next
            && next_seq == seq
        {
            self.current = Some(pos);
            self.current_seq = seq;
            self.elapsed_ms = 0;
            if self.state == PlayState::Stopped {
                self.state = PlayState::Playing;
            }
            return self.queue_following();
        }
        Vec::new()
    }

    pub fn on_position(&mut self, seq: u64, ms: u64) {
        if seq == self.current_seq && self.state != PlayState::Stopped {
            self.elapsed_ms = ms;
        }
    }

    pub fn on_ended(&mut self, seq: u64) {
        if seq == self.current_seq && self.pending_next.is_none() {
            self.state = PlayState::Stopped;
            self.elapsed_ms = 0;
        }
    }

    /// A track could not be played: skip it, unless every track has failed.
    pub fn on_failed(&mut self, seq: u64) -> Vec<PlayerRequest> {
        self.failures_in_a_row += 1;
        if self.failures_in_a_row > self.queue.len() {
            return self.stop();
        }
        if seq == self.current_seq {
            let next = self.current.and_then(|pos| {
                if pos + 1 < self.order.len() {
                    Some(pos + 1)
                } else if self.repeat == Repeat::All {
                    Some(0)
                } else {
                    None
                }
            });
            return match next {
                Some(pos) => self.play_position(pos),
                None => self.stop(),
            };
        }
        if let Some((next_seq, pos)) = self.pending_next
            && next_seq == seq
        {
            // The track after the broken one becomes the one to follow.
            let after = self.following(pos).filter(|&p| p != pos);
            return if let Some((p, path)) =
                after.and_then(|p| self.track_at(p).map(|t| (p, t.path.clone())))
            {
                let seq = self.seq();
                self.pending_next = Some((seq, p));
                vec![PlayerRequest::SetNext(Some((seq, path)))]
            } else {
                self.pending_next = None;
                Vec::new()
            };
        }
        Vec::new()
    }
}
/// Playback keys (play/pause, stop, next, seek, volume, shuffle, repeat) on the jukebox.
pub fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if model.refuse_without_audio() {
        return Vec::new();
    }
    let pb = &mut model.playback;
    let requests = match action {
        Action::PlayPause => pb.toggle_pause(),
        Action::Stop => pb.stop(),
        Action::NextTrack => pb.next_track().unwrap_or_else(|| {
            model.set_status(Level::Info, "End of the play queue");
            Vec::new()
        }),
        Action::PrevTrack => pb.previous_track().unwrap_or_default(),
        Action::SeekBack => pb.seek_by(-5_000),
        Action::SeekForward => pb.seek_by(5_000),
        Action::SeekBackLong => pb.seek_by(-30_000),
        Action::SeekForwardLong => pb.seek_by(30_000),
        Action::VolumeUp => pb.change_volume(5),
        Action::VolumeDown => pb.change_volume(-5),
        Action::Mute => pb.toggle_mute(),
        Action::Shuffle => {
            let r = pb.toggle_shuffle();
            let state = if pb.shuffle { "on" } else { "off" };
            model.set_status(Level::Info, format!("Shuffle {state}"));
            r
        }
        Action::Repeat => {
            let r = pb.cycle_repeat();
            let label = pb.repeat.label();
            model.set_status(Level::Info, format!("Repeat {label}"));
            r
        }
        _ => Vec::new(),
    };
    requests.into_iter().map(Effect::Player).collect()
}

/// The player's reports: started, position, ended, failed.
pub fn on_player_event(model: &mut Model, event: PlayerEvent) -> Vec<Effect> {
    let pb = &mut model.playback;
    let requests = match event {
        PlayerEvent::Started { seq } => pb.on_started(seq),
        PlayerEvent::Position { seq, position_ms } => {
            pb.on_position(seq, position_ms);
            Vec::new()
        }
        PlayerEvent::Ended { seq } => {
            pb.on_ended(seq);
            Vec::new()
        }
        PlayerEvent::Failed { seq, path, reason } => {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            model.set_status(
                Level::Error,
                format!("cannot play {}: {reason}", text::clean(&name)),
            );
            model.playback.on_failed(seq)
        }
    };
    requests.into_iter().map(Effect::Player).collect()
}
