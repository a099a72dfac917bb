//! ReplayGain: a per-track factor from the file's tags, limited so that it never clips.

use std::path::Path;
use std::str::FromStr;

use lofty::file::TaggedFileExt;
use lofty::tag::ItemKey;

/// Which ReplayGain value to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GainMode {
    #[default]
    Off,
    Track,
    Album,
}

impl FromStr for GainMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(GainMode::Off),
            "track" => Ok(GainMode::Track),
            "album" => Ok(GainMode::Album),
            other => Err(format!(
                "`{other}` is not a ReplayGain mode (off, track, album)"
            )),
        }
    }
}

/// The values found in a file's tags.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GainTags {
    pub track_db: Option<f32>,
    pub track_peak: Option<f32>,
    pub album_db: Option<f32>,
    pub album_peak: Option<f32>,
}

/// `-6.54 dB`, `+1.2`, `0.98`: the number at the start, if any.
fn parse_number(text: &str) -> Option<f32> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse().ok().filter(|v: &f32| v.is_finite())
}

pub fn read_tags(path: &Path) -> GainTags {
    let Ok(file) = lofty::read_from_path(path) else {
        return GainTags::default();
    };
    let mut tags = GainTags::default();
    for tag in file.tags() {
        let get = |key: ItemKey| tag.get_string(key).and_then(parse_number);
        tags.track_db = tags.track_db.or_else(|| get(ItemKey::ReplayGainTrackGain));
        tags.track_peak = tags
            .track_peak
            .or_else(|| get(ItemKey::ReplayGainTrackPeak));
        tags.album_db = tags.album_db.or_else(|| get(ItemKey::ReplayGainAlbumGain));
        tags.album_peak = tags
            .album_peak
            .or_else(|| get(ItemKey::ReplayGainAlbumPeak));
    }
    tags
}

/// The linear factor for `mode` with `preamp_db` added. Where a peak is known the factor is
/// lowered so the peak stays at full scale; the output stage clamps whatever is left.
pub fn factor(tags: &GainTags, mode: GainMode, preamp_db: f32) -> f32 {
    let (db, peak) = match mode {
        GainMode::Off => return 1.0,
        GainMode::Track => (tags.track_db, tags.track_peak),
        GainMode::Album => (
            tags.album_db.or(tags.track_db),
            tags.album_peak.or(tags.track_peak),
        ),
    };
    let Some(db) = db else {
        return 1.0;
    };
    let mut gain = 10f32.powf((db + preamp_db) / 20.0);
    if let Some(peak) = peak.filter(|p| *p > 0.0) {
        gain = gain.min(1.0 / peak);
    }
    gain
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "the factors compared exactly are exact: 1.0 when no gain applies"
)]
mod tests {
    use super::*;

    #[test]
    fn parses_replaygain_strings() {
        assert_eq!(parse_number("-6.54 dB"), Some(-6.54));
        assert_eq!(parse_number("+1.5 dB"), Some(1.5));
        assert_eq!(parse_number(" 0.988"), Some(0.988));
        assert_eq!(parse_number("loud"), None);
    }

    #[test]
    fn factor_follows_mode_preamp_and_peak() {
        let tags = GainTags {
            track_db: Some(-6.0),
            track_peak: Some(0.5),
            album_db: Some(6.0),
            album_peak: Some(0.9),
        };
        assert_eq!(factor(&tags, GainMode::Off, 10.0), 1.0);
        assert!((factor(&tags, GainMode::Track, 0.0) - 0.501).abs() < 0.01);
        // +6 dB would push a 0.9 peak past full scale: limited to 1/0.9.
        assert!((factor(&tags, GainMode::Album, 0.0) - 1.0 / 0.9).abs() < 1e-4);
        assert!((factor(&tags, GainMode::Track, 6.0) - 1.0).abs() < 0.01);
        let only_track = GainTags {
            track_db: Some(-3.0),
            ..GainTags::default()
        };
        assert!((factor(&only_track, GainMode::Album, 0.0) - 0.708).abs() < 0.01);
        assert_eq!(factor(&GainTags::default(), GainMode::Track, 0.0), 1.0);
        assert_eq!("Album".parse::<GainMode>(), Ok(GainMode::Album));
    }
}
