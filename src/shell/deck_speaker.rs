//! The virtual deck's speaker: a player of its own, so that what the deck plays is heard.

use std::sync::Arc;

use media::player::{AudioOutput, EventSink, GainMode, Player, PlayerError, PlayerEvent, Track};
use netmd::virtual_deck::{DeckAudio, Speaker, SpeakerFactory};

pub struct DeckSpeaker {
    player: Player,
    seq: u64,
}

impl DeckSpeaker {
    pub fn start(output: AudioOutput) -> Result<Self, PlayerError> {
        Self::start_with_events(
            output,
            Arc::new(|e: PlayerEvent| {
                if let PlayerEvent::Failed { path, reason, .. } = e {
                    tracing::warn!("the virtual deck cannot play {}: {reason}", path.display());
                }
            }),
        )
    }

    /// A speaker whose player reports to `events` (for `device play` in the foreground).
    pub fn start_with_events(output: AudioOutput, events: EventSink) -> Result<Self, PlayerError> {
        Ok(Self {
            player: Player::start(output, GainMode::Off, 0.0, events)?,
            seq: 0,
        })
    }

    /// Speakers on `output`; a deck whose speaker cannot open plays silently (and says so in
    /// the log).
    pub fn factory(output: AudioOutput) -> SpeakerFactory {
        Arc::new(move || match DeckSpeaker::start(output) {
            Ok(s) => Some(Box::new(s) as Box<dyn Speaker>),
            Err(e) => {
                tracing::warn!("the virtual deck plays silently: {e}");
                None
            }
        })
    }
}

impl Speaker for DeckSpeaker {
    fn play(&mut self, audio: &DeckAudio, from_ms: u64) {
        self.seq += 1;
        self.player.play(Track {
            seq: self.seq,
            path: audio.path.clone(),
            raw: Some(audio.format),
        });
        if from_ms > 0 {
            self.player.seek(from_ms);
        }
    }

    fn pause(&mut self) {
        self.player.pause();
    }

    fn resume(&mut self) {
        self.player.resume();
    }

    fn stop(&mut self) {
        self.player.stop();
    }
}
