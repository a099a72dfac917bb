//! Silent MPEG-1 Layer III files at a constant 128 kbit/s.
//!
//! Every frame has all-zero side information: `part2_3_length` is 0 for
//! each granule and channel, so no main data is read and all spectral
//! values are zero, which any decoder renders as digital silence. A leading
//! "Info" (CBR Xing) frame carries the frame count so readers such as lofty
//! compute the exact duration instead of estimating it from the bitrate.

use std::io;
use std::path::Path;

use media::synth::frame_count;
use media::synth::{invalid, write_file};

const SAMPLES_PER_FRAME: usize = 1152;
const BITRATE: usize = 128_000;
/// Bitrate index of 128 kbit/s in the MPEG-1 Layer III table.
const BITRATE_INDEX: u8 = 0b1001;

/// Writes `seconds` of silence (rounded up to whole 1152-sample frames) to
/// `path`. `sample_rate` must be 32000, 44100 or 48000 (MPEG-1) and
/// `channels` 1 or 2.
pub fn write_silent_mp3(
    path: &Path,
    seconds: f32,
    sample_rate: u32,
    channels: u16,
) -> io::Result<()> {
    let bytes = encode(seconds, sample_rate, channels).map_err(|why| invalid(path, why))?;
    write_file(path, &bytes)
}

pub(crate) fn encode(
    seconds: f32,
    sample_rate: u32,
    channels: u16,
) -> Result<Vec<u8>, &'static str> {
    let rate_index = match sample_rate {
        44_100 => 0b00,
        48_000 => 0b01,
        32_000 => 0b10,
        _ => return Err("MPEG-1 Layer III needs a 32000, 44100 or 48000 Hz sample rate"),
    };
    let (mode, side_info_len) = match channels {
        1 => (0b11, 17), // single channel
        2 => (0b00, 32), // plain stereo
        _ => return Err("MP3 carries 1 or 2 channels"),
    };
    // At least one audio frame: lofty divides by the duration.
    let audio_frames = frame_count(seconds, sample_rate)
        .div_ceil(SAMPLES_PER_FRAME)
        .max(1);

    let rate = sample_rate as usize;
    // A frame holds 144 * bitrate / rate bytes; where that is fractional
    // (44.1 kHz) the padding bit adds a byte to enough frames that the
    // stream averages exactly 128 kbit/s, as encoders do.
    let slot_bytes = 144 * BITRATE;
    let mut debt = 0;
    let sizes: Vec<(usize, bool)> = (0..=audio_frames)
        .map(|_| {
            debt += slot_bytes % rate;
            let padded = debt >= rate;
            if padded {
                debt -= rate;
            }
            (slot_bytes / rate + usize::from(padded), padded)
        })
        .collect();
    let total: usize = sizes.iter().map(|&(size, _)| size).sum();
    let frames = u32::try_from(audio_frames).map_err(|_| "too long for a Xing header")?;
    let bytes = u32::try_from(total).map_err(|_| "too long for a Xing header")?;

    let mut out = Vec::with_capacity(total);
    for (i, &(size, padded)) in sizes.iter().enumerate() {
        let start = out.len();
        out.extend_from_slice(&[
            0xFF,
            0xFB, // sync, MPEG-1, Layer III, no CRC
            (BITRATE_INDEX << 4) | (rate_index << 2) | (u8::from(padded) << 1),
            mode << 6,
        ]);
        out.resize(start + size, 0);
        if i == 0 {
            // The Info frame: otherwise a silent frame, so decoders that do
            // not recognise it still play nothing but silence.
            let at = start + 4 + side_info_len;
            out[at..at + 4].copy_from_slice(b"Info");
            out[at + 4..at + 8].copy_from_slice(&3u32.to_be_bytes()); // frames + bytes
            out[at + 8..at + 12].copy_from_slice(&frames.to_be_bytes());
            out[at + 12..at + 16].copy_from_slice(&bytes.to_be_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::file::{AudioFile, FileType, TaggedFileExt};

    /// (header offset, frame length) for each frame, found by walking the
    /// headers as a decoder would.
    fn walk(data: &[u8]) -> Vec<(usize, usize)> {
        let mut frames = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let h = &data[at..at + 4];
            assert_eq!((h[0], h[1] & 0xFE), (0xFF, 0xFA), "sync at {at}");
            let rate = [44_100, 48_000, 32_000][usize::from((h[2] >> 2) & 3)];
            let len = 144 * 128_000 / rate + usize::from((h[2] >> 1) & 1);
            frames.push((at, len));
            at += len;
        }
        assert_eq!(at, data.len(), "frames tile the file exactly");
        frames
    }

    #[test]
    fn padding_keeps_the_exact_average_bitrate() {
        let data = encode(10.0, 44_100, 2).expect("encodable");
        let frames = walk(&data);
        assert_eq!(frames.len(), 384); // ceil(441000 / 1152) + Info frame
        let padded = frames.iter().filter(|&&(_, len)| len == 418).count();
        assert!(padded > 300 && padded < frames.len(), "{padded} padded");
        // 128 kbit/s over the frames' duration, to within one byte.
        let exact = 128_000.0 / 8.0 * (frames.len() * 1152) as f64 / 44_100.0;
        assert!((data.len() as f64 - exact).abs() <= 1.0);
        for rate in [32_000u32, 48_000] {
            let data = encode(1.0, rate, 1).expect("encodable");
            assert!(
                walk(&data)
                    .iter()
                    .all(|&(_, len)| len == 144 * 128_000 / rate as usize)
            );
        }
    }

    #[test]
    fn side_info_and_main_data_are_zero() {
        for channels in [1, 2] {
            let data = encode(0.5, 48_000, channels).expect("encodable");
            for &(at, len) in &walk(&data)[1..] {
                assert!(data[at + 4..at + len].iter().all(|&b| b == 0));
            }
        }
    }

    #[test]
    fn info_frame_counts_audio_frames_and_bytes() {
        let data = encode(2.0, 44_100, 1).expect("encodable");
        let at = 4 + 17;
        assert_eq!(&data[at..at + 4], b"Info");
        let word = |o: usize| u32::from_be_bytes([data[o], data[o + 1], data[o + 2], data[o + 3]]);
        assert_eq!(word(at + 4), 3);
        assert_eq!(word(at + 8), 77); // ceil(88200 / 1152)
        assert_eq!(word(at + 12) as usize, data.len());
    }

    #[test]
    fn lofty_reads_exact_duration_rate_and_channels() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rate, channels) in [(44_100, 2), (48_000, 1), (32_000, 2)] {
            let path = dir.path().join(format!("s{rate}-{channels}.mp3"));
            write_silent_mp3(&path, 3.0, rate, channels).expect("written");
            let file = lofty::read_from_path(&path).expect("lofty reads it");
            assert_eq!(file.file_type(), FileType::Mpeg);
            let props = file.properties();
            let frames = (3 * rate as usize).div_ceil(1152);
            let want = (frames * 1152 * 1000) as f64 / f64::from(rate);
            let got = props.duration().as_millis() as f64;
            assert!((got - want).abs() <= 1.0, "{got} vs {want}");
            assert!(got >= 3000.0 && got < 3000.0 + 1_152_000.0 / f64::from(rate) + 1.0);
            assert_eq!(props.sample_rate(), Some(rate));
            assert_eq!(props.channels(), Some(channels as u8));
        }
    }

    #[test]
    fn unsupported_parameters_are_refused_naming_the_file() {
        let path = Path::new("/nonexistent/odd.mp3");
        let err = write_silent_mp3(path, 1.0, 22_050, 2).expect_err("MPEG-2 rate");
        assert!(err.to_string().contains("odd.mp3"));
        assert!(encode(1.0, 44_100, 3).is_err());
        // Zero or negative lengths still give one playable frame.
        assert_eq!(walk(&encode(0.0, 44_100, 2).expect("encodable")).len(), 2);
    }
}
