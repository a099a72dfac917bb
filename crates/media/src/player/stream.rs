//! The audio side of the player: a rodio [`Source`] that plays the blocks the decode thread
//! sends, applies gain and volume, and publishes the position. It never blocks the audio
//! callback: when no block is ready it plays silence.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use rodio::Source;

/// Decoded audio of one track, in the order it is to be heard.
#[derive(Debug)]
pub struct Block {
    pub seq: u64,
    pub generation: u64,
    pub rate: u32,
    pub channels: u16,
    /// The first sample frame of `samples` within the track.
    pub start_frame: u64,
    pub samples: Vec<i16>,
    /// Linear ReplayGain factor, already limited so that the track's peak cannot clip.
    pub gain: f32,
}

#[derive(Debug)]
pub enum Feed {
    Audio(Block),
    /// The track `seq` has no more audio.
    End {
        seq: u64,
        generation: u64,
    },
}

/// State shared between the player handle, the decode thread, the audio callback and the
/// position monitor. Plain atomics: the audio callback must never wait for a lock.
#[derive(Debug)]
pub struct Shared {
    pub paused: AtomicBool,
    volume_bits: AtomicU32,
    /// Bumped by every play, seek and stop; blocks of older generations are dropped unheard.
    pub generation: AtomicU64,
    /// The track being heard (0: none).
    pub seq: AtomicU64,
    /// Frames of `seq` heard so far.
    pub frame: AtomicU64,
    pub rate: AtomicU32,
    /// The last track whose end has been heard.
    pub ended: AtomicU64,
    pub underruns: AtomicU64,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            paused: AtomicBool::new(false),
            volume_bits: AtomicU32::new(1.0f32.to_bits()),
            generation: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            frame: AtomicU64::new(0),
            rate: AtomicU32::new(44_100),
            ended: AtomicU64::new(0),
            underruns: AtomicU64::new(0),
        }
    }
}

impl Shared {
    pub fn volume(&self) -> f32 {
        f32::from_bits(self.volume_bits.load(Ordering::Relaxed))
    }

    pub fn set_volume(&self, v: f32) {
        self.volume_bits
            .store(v.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }
}

pub struct PlaybackSource {
    feed: Receiver<Feed>,
    shared: Arc<Shared>,
    current: Option<Block>,
    position: usize,
    rate: u32,
    channels: u16,
    silence_left: usize,
    /// Samples left before the next look at the shared controls.
    until_check: usize,
    /// Gain × volume / 32768, refreshed at every check.
    scale: f32,
    /// How long to wait for the decoder before playing silence: zero for a sound card's
    /// callback, longer for outputs that may wait (the null output, tests).
    wait: Duration,
    /// Frames of silence played after the last track before it counts as ended: the sound
    /// device still holds what was pulled last, and ending earlier cuts it off.
    tail_frames: u64,
    /// The track whose end was read, with the frames of tail still to play.
    pending_end: Option<(u64, u64)>,
}

impl PlaybackSource {
    /// `tail`: how long the output lags behind what it pulls (its buffer).
    pub fn new(feed: Receiver<Feed>, shared: Arc<Shared>, wait: Duration, tail: Duration) -> Self {
        Self {
            tail_frames: (tail.as_secs_f64() * 44_100.0) as u64,
            pending_end: None,
            feed,
            shared,
            current: None,
            position: 0,
            rate: 44_100,
            channels: 2,
            silence_left: 0,
            until_check: 0,
            scale: 1.0 / 32768.0,
            wait,
        }
    }

    fn receive(&mut self) -> Option<Feed> {
        // Outputs that may wait, wait: the next track may still be opening, and a gap in
        // the samples would be a gap in the music.
        if self.wait.is_zero() {
            self.feed.try_recv().ok()
        } else {
            self.feed.recv_timeout(self.wait).ok()
        }
    }

    /// Takes the next block of the current generation, or None when the decoder is behind.
    fn advance(&mut self) -> bool {
        while let Some(feed) = self.receive() {
            let generation = self.shared.generation.load(Ordering::Acquire);
            match feed {
                Feed::Audio(block) if block.generation == generation => {
                    // More music follows: the previous track has ended for good.
                    self.publish_end();
                    self.shared.seq.store(block.seq, Ordering::Relaxed);
                    self.shared
                        .frame
                        .store(block.start_frame, Ordering::Relaxed);
                    self.shared.rate.store(block.rate, Ordering::Relaxed);
                    self.rate = block.rate;
                    self.channels = block.channels.max(1);
                    self.position = 0;
                    self.current = Some(block);
                    return true;
                }
                Feed::End { seq, generation: g } if g == generation => {
                    self.publish_end();
                    if self.tail_frames == 0 {
                        self.shared.ended.store(seq, Ordering::Release);
                    } else {
                        self.pending_end = Some((seq, self.tail_frames));
                    }
                }
                // Left over from before a seek or a new track: never heard.
                _ => {}
            }
        }
        false
    }
}

impl PlaybackSource {
    fn publish_end(&mut self) {
        if let Some((seq, _)) = self.pending_end.take() {
            self.shared.ended.store(seq, Ordering::Release);
        }
    }

    /// Counts down the tail after the last track while silence plays.
    fn play_tail(&mut self, frames: u64) {
        if let Some((seq, left)) = self.pending_end {
            if left <= frames {
                self.pending_end = None;
                self.shared.ended.store(seq, Ordering::Release);
            } else {
                self.pending_end = Some((seq, left - frames));
            }
        }
    }

    fn remaining(&self) -> usize {
        self.current
            .as_ref()
            .map_or(0, |b| b.samples.len().saturating_sub(self.position))
    }

    /// Decides what the next span is before rodio asks for its format: the rest of a block, or
    /// a span of silence (whole frames, so channels never swap).
    fn prepare(&mut self) {
        if self.silence_left > 0 || self.remaining() > 0 {
            return;
        }
        self.current = None;
        if !self.advance() {
            let seq = self.shared.seq.load(Ordering::Relaxed);
            let ending = self.pending_end.is_some_and(|(s, _)| s == seq);
            if seq != 0 && seq != self.shared.ended.load(Ordering::Relaxed) && !ending {
                self.shared.underruns.fetch_add(1, Ordering::Relaxed);
            }
            self.play_tail(SILENCE_FRAMES as u64);
            self.silence_left = SILENCE_FRAMES * usize::from(self.channels);
        }
    }
}

/// Frames of silence played at a time while nothing is ready.
const SILENCE_FRAMES: usize = 256;

/// Frames played between two looks at the shared controls (pause, seek, volume): about 1.5 ms,
/// so controls act at once while the per-sample path stays a multiply and a clamp.
const CHECK_FRAMES: usize = 64;

impl Iterator for PlaybackSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.until_check > 0
            && let Some(block) = &self.current
            && let Some(&sample) = block.samples.get(self.position)
        {
            self.position += 1;
            self.until_check -= 1;
            // The limiter of last resort: a gain that would clip is clamped, never wrapped.
            return Some((f32::from(sample) * self.scale).clamp(-1.0, 1.0));
        }
        Some(self.checked_next())
    }
}

impl PlaybackSource {
    /// The slow path, taken at frame boundaries every [`CHECK_FRAMES`] and at block ends:
    /// obeys pause and seek, publishes the position, and picks up volume changes.
    fn checked_next(&mut self) -> f32 {
        if self.silence_left > 0 {
            self.silence_left -= 1;
            self.prepare();
            return 0.0;
        }
        let channels = usize::from(self.channels);
        // Pausing inserts silence in the current format, only at frame boundaries.
        if self.shared.paused.load(Ordering::Relaxed) && self.position.is_multiple_of(channels) {
            self.silence_left = SILENCE_FRAMES * channels - 1;
            return 0.0;
        }
        // A seek or a new track makes the rest of this block stale: drop it at once.
        if self.position.is_multiple_of(channels)
            && self
                .current
                .as_ref()
                .is_some_and(|b| b.generation != self.shared.generation.load(Ordering::Relaxed))
        {
            self.current = None;
        }
        if self.remaining() == 0 {
            self.prepare();
            if self.silence_left > 0 {
                self.silence_left -= 1;
                return 0.0;
            }
        }
        let Some(block) = self.current.as_ref() else {
            return 0.0;
        };
        let channels = usize::from(block.channels.max(1));
        let frame = block.start_frame + (self.position / channels) as u64;
        self.shared.frame.store(frame, Ordering::Relaxed);
        self.scale = block.gain * self.shared.volume() / 32768.0;
        let sample = block.samples[self.position];
        self.position += 1;
        // Only from a frame boundary, so the next check falls on one too.
        if (self.position - 1).is_multiple_of(channels) {
            let left = block.samples.len() - self.position;
            self.until_check = (CHECK_FRAMES * channels - 1).min(left);
        }
        self.prepare();
        (f32::from(sample) * self.scale).clamp(-1.0, 1.0)
    }
}

impl Source for PlaybackSource {
    fn current_span_len(&self) -> Option<usize> {
        if self.silence_left > 0 {
            Some(self.silence_left)
        } else {
            Some(self.remaining().max(1))
        }
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.channels
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.rate
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn block(seq: u64, frames: usize) -> Feed {
        Feed::Audio(Block {
            seq,
            generation: 0,
            rate: 44_100,
            channels: 2,
            start_frame: 0,
            samples: vec![1000; 2 * frames],
            gain: 1.0,
        })
    }

    /// Pulls `frames` stereo frames.
    fn pull(source: &mut PlaybackSource, frames: usize) {
        for _ in 0..2 * frames {
            source.next();
        }
    }

    #[test]
    fn the_last_track_ends_after_the_device_tail_and_a_next_track_ends_it_at_once() {
        let (tx, rx) = mpsc::sync_channel(8);
        let shared = Arc::new(Shared::default());
        let tail = Duration::from_millis(100);
        let mut source = PlaybackSource::new(rx, shared.clone(), Duration::ZERO, tail);
        tx.send(block(1, 1000)).unwrap();
        tx.send(Feed::End {
            seq: 1,
            generation: 0,
        })
        .unwrap();
        pull(&mut source, 1200);
        assert_eq!(
            shared.ended.load(Ordering::Acquire),
            0,
            "ended before the tail"
        );
        // 100 ms is 4410 frames of silence.
        pull(&mut source, 4410);
        assert_eq!(shared.ended.load(Ordering::Acquire), 1);
        assert_eq!(shared.underruns.load(Ordering::Relaxed), 0);

        // Track 2 ends, and track 3 follows within the tail: 2 has ended when 3 starts.
        tx.send(block(2, 500)).unwrap();
        tx.send(Feed::End {
            seq: 2,
            generation: 0,
        })
        .unwrap();
        pull(&mut source, 700);
        assert_eq!(shared.ended.load(Ordering::Acquire), 1);
        tx.send(block(3, 500)).unwrap();
        pull(&mut source, 300);
        assert_eq!(shared.ended.load(Ordering::Acquire), 2);
        assert_eq!(shared.seq.load(Ordering::Relaxed), 3);
    }
}
