//! Where the samples go: the default sound device through rodio, or a null output that
//! consumes them in real time (tests, machines without sound).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rodio::Source;

use super::stream::PlaybackSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioOutput {
    #[default]
    Default,
    Null,
}

impl FromStr for AudioOutput {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "default" => Ok(AudioOutput::Default),
            "null" => Ok(AudioOutput::Null),
            other => Err(format!("`{other}` is not an audio output (default, null)")),
        }
    }
}

/// Keeps the output alive; dropping it stops the sound.
pub enum OutputHandle {
    Device {
        _stream: rodio::OutputStream,
    },
    Null(Arc<AtomicBool>),
    /// The caller pulls the samples itself.
    Detached,
}

impl Drop for OutputHandle {
    fn drop(&mut self) {
        if let OutputHandle::Null(stop) = self {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

pub fn open_device(source: PlaybackSource) -> Result<OutputHandle, String> {
    let mut stream = rodio::OutputStreamBuilder::open_default_stream().map_err(|e| {
        tracing::warn!("opening the sound device failed: {e}");
        short_reason(&e)
    })?;
    // rodio would otherwise print to stderr, under the UI, when the stream is dropped.
    stream.log_on_drop(false);
    stream.mixer().add(source);
    Ok(OutputHandle::Device { _stream: stream })
}

/// Consumes samples at the rate a sound card would, in 20 ms slices.
pub fn open_null(mut source: PlaybackSource) -> Result<OutputHandle, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    thread::Builder::new()
        .name("null-audio".into())
        .spawn(move || {
            let mut started = Instant::now();
            let mut played = Duration::ZERO;
            while !stopped.load(Ordering::Relaxed) {
                let rate = source.sample_rate().max(1);
                let channels = u32::from(source.channels().max(1));
                let slice = (rate / 50 * channels) as usize;
                for _ in 0..slice {
                    if source.next().is_none() {
                        return;
                    }
                }
                played += Duration::from_millis(20);
                let elapsed = started.elapsed();
                if let Some(wait) = played.checked_sub(elapsed) {
                    thread::sleep(wait);
                } else if elapsed.saturating_sub(played) > Duration::from_millis(100) {
                    // The source waited (nothing to play): restart the clock rather than
                    // racing to catch up.
                    started = Instant::now();
                    played = Duration::ZERO;
                }
            }
        })
        .map_err(|e| format!("cannot start the null output: {e}"))?;
    Ok(OutputHandle::Null(stop))
}

/// A reason short enough for the status line; the full text goes to the log.
fn short_reason(e: &rodio::StreamError) -> String {
    match e {
        rodio::StreamError::NoDevice => "no sound device found".into(),
        rodio::StreamError::UnsupportedSampleFormat => {
            "the sound device's format is not supported".into()
        }
        rodio::StreamError::PlayStreamError(_) | rodio::StreamError::BuildStreamError(_) => {
            "the sound device could not be opened".into()
        }
        _ => "the sound device is not available".into(),
    }
}
