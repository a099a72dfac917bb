//! What a track's audio is: its codec ([`AudioCodec`]) and, for ATRAC files, its MiniDisc mode
//! ([`AtracMode`]). Both are stored as the strings earlier versions wrote (`flac`, `LP2`).

use std::fmt;

/// A track's codec, as the tag reader or [`atrac`] names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    Flac,
    Alac,
    Aac,
    Mp1,
    Mp2,
    Mp3,
    Vorbis,
    Opus,
    Speex,
    /// Uncompressed: WAV, AIFF, or PCM in a Sony RIFF file.
    Pcm,
    /// Monkey's Audio.
    Ape,
    WavPack,
    Musepack,
    /// MiniDisc SP.
    Atrac1,
    Atrac3,
    Atrac3Plus,
    /// Audio the tag reader recognises but cannot name.
    #[default]
    Unknown,
    /// Any other name, kept as found: a format lofty names itself, a codec inside an OpenMG file
    /// (`wma`, `atrac3-al`, …), or what an older or newer version stored.
    Other(String),
}

impl AudioCodec {
    /// Every codec with a name of its own.
    const NAMED: [AudioCodec; 17] = [
        Self::Flac,
        Self::Alac,
        Self::Aac,
        Self::Mp1,
        Self::Mp2,
        Self::Mp3,
        Self::Vorbis,
        Self::Opus,
        Self::Speex,
        Self::Pcm,
        Self::Ape,
        Self::WavPack,
        Self::Musepack,
        Self::Atrac1,
        Self::Atrac3,
        Self::Atrac3Plus,
        Self::Unknown,
    ];

    /// The lower-case name the library stores and `codec:` searches (`flac`, `atrac3plus`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Flac => "flac",
            Self::Alac => "alac",
            Self::Aac => "aac",
            Self::Mp1 => "mp1",
            Self::Mp2 => "mp2",
            Self::Mp3 => "mp3",
            Self::Vorbis => "vorbis",
            Self::Opus => "opus",
            Self::Speex => "speex",
            Self::Pcm => "pcm",
            Self::Ape => "ape",
            Self::WavPack => "wavpack",
            Self::Musepack => "musepack",
            Self::Atrac1 => "atrac1",
            Self::Atrac3 => "atrac3",
            Self::Atrac3Plus => "atrac3plus",
            Self::Unknown => "unknown",
            Self::Other(name) => name,
        }
    }

    /// The codec a stored name stands for; any name loads (as [`AudioCodec::Other`] when it is
    /// not one of the named codecs), and [`AudioCodec::as_str`] gives it back unchanged.
    pub fn from_name(name: &str) -> AudioCodec {
        Self::NAMED
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// How the panes show it: the name in capitals (`FLAC`).
    pub fn label(&self) -> String {
        self.as_str().to_uppercase()
    }
}

impl fmt::Display for AudioCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<atrac::Codec> for AudioCodec {
    fn from(codec: atrac::Codec) -> Self {
        match codec {
            atrac::Codec::Atrac1 => Self::Atrac1,
            atrac::Codec::Atrac3 => Self::Atrac3,
            atrac::Codec::Atrac3Plus => Self::Atrac3Plus,
            atrac::Codec::Pcm { .. } => Self::Pcm,
            atrac::Codec::Other(name) => Self::from_name(name),
        }
    }
}

text_column!(AudioCodec, AudioCodec::from_name);

/// The MiniDisc mode of an ATRAC file, as [`atrac::probe`] labels it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum AtracMode {
    /// Not an ATRAC file (shown and stored as nothing).
    #[default]
    NotAtrac,
    /// ATRAC1.
    Sp,
    /// ATRAC3 stereo, 384-byte frames (132 kbps).
    Lp2,
    /// ATRAC3 stereo, 304-byte frames.
    Lp105,
    /// ATRAC3 stereo, 192-byte frames (66 kbps).
    Lp4,
    /// ATRAC3 mono.
    Mono,
    /// Any other ATRAC3 frame size (and ATRAC3plus as versions before its decoder labelled
    /// it): the bit rate in kbps (never 105, which is [`AtracMode::Lp105`]).
    Kbps(u32),
    /// ATRAC3plus and the bit rate Sony sells it as, in kbps (`A3+ 256`).
    Atrac3Plus(u32),
    /// A label this version does not know, kept as found.
    Other(String),
}

impl AtracMode {
    /// Every mode with a label of its own.
    const NAMED: [AtracMode; 6] = [
        Self::NotAtrac,
        Self::Sp,
        Self::Lp2,
        Self::Lp105,
        Self::Lp4,
        Self::Mono,
    ];

    /// The mode a label stands for (`LP2`, `105 kbps`, `mono`, `352 kbps`, `A3+ 256`); any
    /// label loads, and `Display` gives it back unchanged.
    pub fn from_label(label: &str) -> AtracMode {
        if let Some(mode) = Self::NAMED.into_iter().find(|m| m.to_string() == label) {
            return mode;
        }
        // A number written the way `Display` writes it.
        let number = |n: &str| n.parse::<u32>().ok().filter(|k| k.to_string() == n);
        if let Some(kbps) = label.strip_prefix("A3+ ").and_then(number) {
            return Self::Atrac3Plus(kbps);
        }
        label
            .strip_suffix(" kbps")
            .and_then(number)
            .map_or_else(|| Self::Other(label.to_owned()), Self::Kbps)
    }

    /// The mode of a file [`atrac::probe`] read: its label for ATRAC, else
    /// [`AtracMode::NotAtrac`] (atrac also labels PCM and other contents, which have no mode).
    pub fn of(info: &atrac::SonyFileInfo) -> AtracMode {
        if info.codec.is_atrac() {
            Self::from_label(&info.mode)
        } else {
            Self::NotAtrac
        }
    }

    /// False for [`AtracMode::NotAtrac`].
    pub fn is_atrac(&self) -> bool {
        *self != Self::NotAtrac
    }
}

/// The label the panes show and the library stores: `LP2`, `LP4`, `105 kbps`, `SP`, `mono`,
/// `352 kbps`, `A3+ 256`; empty for [`AtracMode::NotAtrac`].
impl fmt::Display for AtracMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAtrac => Ok(()),
            Self::Sp => f.write_str("SP"),
            Self::Lp2 => f.write_str("LP2"),
            Self::Lp105 => f.write_str("105 kbps"),
            Self::Lp4 => f.write_str("LP4"),
            Self::Mono => f.write_str("mono"),
            Self::Kbps(kbps) => write!(f, "{kbps} kbps"),
            Self::Atrac3Plus(kbps) => write!(f, "A3+ {kbps}"),
            Self::Other(label) => f.write_str(label),
        }
    }
}

text_column!(AtracMode, AtracMode::from_label);

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// Writes each value through `ToSql` and reads it back through `FromSql`, returning what
    /// was stored and what came back.
    fn round_trip<T>(values: &[T]) -> Vec<(String, T)>
    where
        T: rusqlite::types::ToSql + rusqlite::types::FromSql,
    {
        let conn = Connection::open_in_memory().unwrap();
        values
            .iter()
            .map(|v| {
                conn.query_row("SELECT ?1, ?1", [v], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn every_codec_round_trips_through_sqlite_as_its_name() {
        let mut all = AudioCodec::NAMED.to_vec();
        all.push(AudioCodec::Other("atrac3-al".into()));
        for (codec, (stored, back)) in all.iter().zip(round_trip(&all)) {
            assert_eq!(stored, codec.as_str());
            assert_eq!(&back, codec);
        }
        let names: Vec<&str> = AudioCodec::NAMED.iter().map(AudioCodec::as_str).collect();
        assert_eq!(
            names,
            [
                "flac",
                "alac",
                "aac",
                "mp1",
                "mp2",
                "mp3",
                "vorbis",
                "opus",
                "speex",
                "pcm",
                "ape",
                "wavpack",
                "musepack",
                "atrac1",
                "atrac3",
                "atrac3plus",
                "unknown"
            ]
        );
    }

    #[test]
    fn an_unknown_codec_name_loads_and_is_kept() {
        for name in ["", "FLAC", "tta", "atrac3-al"] {
            let codec = AudioCodec::from_name(name);
            assert_eq!(codec, AudioCodec::Other(name.into()));
            assert_eq!(
                round_trip(&[codec]),
                [(name.into(), AudioCodec::Other(name.into()))]
            );
        }
        assert_eq!(AudioCodec::from_name("mp3"), AudioCodec::Mp3);
        assert_eq!(AudioCodec::Atrac3Plus.label(), "ATRAC3PLUS");
    }

    #[test]
    fn atrac_codecs_keep_the_names_atrac_gives_them() {
        for codec in [
            atrac::Codec::Atrac1,
            atrac::Codec::Atrac3,
            atrac::Codec::Atrac3Plus,
            atrac::Codec::Pcm {
                bits: 16,
                float: false,
            },
            atrac::Codec::Other("wma"),
            atrac::Codec::Other("mp3"),
        ] {
            assert_eq!(AudioCodec::from(codec).as_str(), codec.name());
        }
        assert_eq!(
            AudioCodec::from(atrac::Codec::Other("mp3")),
            AudioCodec::Mp3
        );
    }

    #[test]
    fn every_mode_round_trips_through_sqlite_as_its_label() {
        let all = [
            (AtracMode::NotAtrac, ""),
            (AtracMode::Sp, "SP"),
            (AtracMode::Lp2, "LP2"),
            (AtracMode::Lp105, "105 kbps"),
            (AtracMode::Lp4, "LP4"),
            (AtracMode::Mono, "mono"),
            (AtracMode::Kbps(352), "352 kbps"),
            (AtracMode::Atrac3Plus(256), "A3+ 256"),
            (AtracMode::Other("PCM".into()), "PCM"),
        ];
        let modes: Vec<AtracMode> = all.iter().map(|(m, _)| m.clone()).collect();
        for ((mode, label), (stored, back)) in all.iter().zip(round_trip(&modes)) {
            assert_eq!(stored, *label);
            assert_eq!(&back, mode);
            assert_eq!(AtracMode::from_label(label), *mode);
        }
    }

    #[test]
    fn an_unknown_mode_label_loads_and_is_kept() {
        for label in [
            "hq",
            "0105 kbps",
            "+5 kbps",
            "kbps",
            "lp2",
            "A3+ 064",
            "A3+",
            "a3+ 64",
        ] {
            let mode = AtracMode::from_label(label);
            assert_eq!(mode, AtracMode::Other(label.into()), "{label}");
            assert_eq!(mode.to_string(), label);
        }
        assert!(!AtracMode::NotAtrac.is_atrac());
        assert!(AtracMode::Kbps(66).is_atrac());
    }
}
