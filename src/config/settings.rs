//! The typed settings that [`super::load`] produces.
//!
//! This file is the one declaration of the configuration: each section's keys, their types,
//! their defaults and the comment `ministage default-config` prints above each of them (the doc
//! comments below). The loader derives what keys exist from these structs (serde), and
//! [`super::default_toml`] renders them; nothing else lists the keys.
// The field docs are printed as the comments of `ministage default-config`: plain text there.
#![allow(clippy::doc_markdown)]

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A key of a section, as `default-config` documents it.
#[derive(Debug)]
pub struct FieldDoc {
    pub key: &'static str,
    /// The comment lines above the key (rustdoc's text, each line with its leading space).
    pub doc: &'static [&'static str],
    /// For a key that is unset by default: a value shown commented out.
    pub example: Option<&'static str>,
}

/// A table with a fixed set of keys.
#[derive(Debug)]
pub struct SectionDoc {
    pub name: &'static str,
    pub fields: &'static [FieldDoc],
}

/// A top-level table of the configuration, in the order `default-config` prints them.
#[derive(Debug)]
pub enum Section {
    Fixed(&'static SectionDoc),
    /// `[keys]`: open, one entry per action (see [`super::Action`]).
    Keys,
}

/// Declares a section struct, its `Default` and its [`SectionDoc`] from one list of fields:
/// doc comment (printed by `default-config`), an optional `#[example = "…"]` for a key unset
/// by default, serde attributes, the type and the default value.
macro_rules! section {
    (
        $(#[$meta:meta])*
        [$section:literal]
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $(#[example = $example:literal])?
                $(#[serde($($serde:tt)*)])*
                pub $field:ident: $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, expecting = "a table")]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                $(#[serde($($serde)*)])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: $default,)*
                }
            }
        }

        impl $name {
            /// The section's keys, for `default-config`.
            pub const DOC: SectionDoc = SectionDoc {
                name: $section,
                fields: &[$(FieldDoc {
                    key: stringify!($field),
                    doc: &[$($doc),*],
                    example: section!(@example $($example)?),
                },)*],
            };
        }
    };
    (@example) => {
        None
    };
    (@example $example:literal) => {
        Some($example)
    };
}

/// Everything the configuration file, the environment and the command line can set.
///
/// `Settings::default()` is what [`super::load`] returns when no file, variable or flag sets
/// anything.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, expecting = "a table")]
pub struct Settings {
    pub library: LibrarySettings,
    pub ui: UiSettings,
    /// Raw `[keys]` table: action name → key names. Turned into a
    /// [`KeyMap`](super::KeyMap) by [`KeyMap::from_config`](super::KeyMap::from_config), which
    /// also reports unknown actions and unparsable keys.
    #[serde(deserialize_with = "key_table")]
    pub keys: BTreeMap<String, Vec<String>>,
    pub log: LogSettings,
    pub audio: AudioSettings,
    pub transfer: TransferSettings,
    pub receive: ReceiveSettings,
}

impl Settings {
    /// The tables in the order `default-config` prints them; a test keeps it in step with the
    /// fields above.
    pub const SECTIONS: &[Section] = &[
        Section::Fixed(&LibrarySettings::DOC),
        Section::Fixed(&UiSettings::DOC),
        Section::Keys,
        Section::Fixed(&LogSettings::DOC),
        Section::Fixed(&AudioSettings::DOC),
        Section::Fixed(&TransferSettings::DOC),
        Section::Fixed(&ReceiveSettings::DOC),
    ];

    /// Replaces a leading `~` in every path setting with `home`.
    pub fn expand_home(&mut self, home: &Path) {
        for path in [
            &mut self.library.database,
            &mut self.library.music_dir,
            &mut self.log.file,
            &mut self.receive.dir,
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(rest) = path.strip_prefix("~") {
                *path = if rest.as_os_str().is_empty() {
                    home.to_path_buf()
                } else {
                    home.join(rest)
                };
            }
        }
    }
}

section! {
    ["library"]
    pub struct LibrarySettings {
        /// The SQLite library database. The `--library` flag (or MINISTAGE_LIBRARY) overrides it.
        /// Default: $XDG_DATA_HOME/ministage/library.sqlite3 (usually ~/.local/share/ministage/).
        #[example = "\"~/Music/ministage.sqlite3\""]
        #[serde(deserialize_with = "optional_path")]
        pub database: Option<PathBuf> = None,
        /// The folder the import dialog (key `i`) offers first.
        /// Default: your XDG music folder, or ~/Music.
        #[example = "\"~/Music\""]
        #[serde(deserialize_with = "optional_path")]
        pub music_dir: Option<PathBuf> = None,
        /// Whether the import preview (key `i`) writes the fields you edit into the files as well as
        /// the library. `w` in the preview toggles it for one import.
        pub write_tags: bool = true,
    }
}

section! {
    ["ui"]
    pub struct UiSettings {
        /// Colour theme: dark, light, sonicstage, high-contrast, mono, or the `name` of a theme file in
        /// $XDG_CONFIG_HOME/ministage/themes/ (see the comment at the top of themes/dark.toml).
        /// When the NO_COLOR environment variable is set, `mono` is always used.
        pub theme: String = "dark".to_owned(),
        /// How the library pane lists tracks: "tree" (artist → album → track) or "flat" (one row per
        /// track). Toggle at runtime with `v`.
        pub view: LibraryView = LibraryView::Tree,
        /// Initial sort column: "artist", "album", "title", "year", "duration" or "added" (import
        /// order). Cycle at runtime with `o`, reverse with `O`.
        pub sort: SortKey = SortKey::Artist,
        /// Draw borders, tree guides and symbols with plain ASCII, for consoles and fonts without
        /// box-drawing characters.
        pub ascii_only: bool = false,
    }
}

section! {
    ["log"]
    pub struct LogSettings {
        /// A tracing filter: "error", "warn", "info", "debug", "trace", or per-module directives such
        /// as "ministage=debug,warn".
        pub level: String = "info".to_owned(),
        /// The log file. Nothing is ever logged to the terminal.
        /// Default: $XDG_STATE_HOME/ministage/ministage.log (usually ~/.local/state/ministage/).
        #[example = "\"/tmp/ministage.log\""]
        #[serde(deserialize_with = "optional_path")]
        pub file: Option<PathBuf> = None,
    }
}

section! {
    ["audio"]
    pub struct AudioSettings {
        /// Where sound goes: "default" (the default sound device) or "null" (silent; samples are
        /// consumed in real time, for machines without sound). The `--audio` flag overrides it.
        pub output: SoundOutput = SoundOutput::Default,
        /// ReplayGain from the files' tags: "off", "track" or "album" (album falls back to track).
        /// A gain that would clip is lowered to the track's peak.
        pub replaygain: ReplayGain = ReplayGain::Off,
        /// Added to the ReplayGain value, in dB (-24 to 24).
        #[serde(deserialize_with = "preamp_db")]
        pub preamp_db: f32 = 0.0,
        /// Volume at start-up, in per cent (0 to 100); `+` / `-` change it in 5 % steps.
        #[serde(deserialize_with = "volume")]
        pub volume: u8 = 100,
    }
}

section! {
    ["transfer"]
    pub struct TransferSettings {
        /// The mode `t` queues tracks with: "auto" (SP when the queue fits, else the best single LP mode
        /// that does), "sp", "lp2", "lp105" (LP2 on the disc, 105 kbps on the wire) or "lp4". Anything
        /// playable goes in any mode: ATRAC3 files already in the mode go untouched, the rest are
        /// encoded. `o` in the Transfers pane changes it (for an item, or for new items when the queue
        /// is empty).
        #[serde(deserialize_with = "named")]
        pub mode: TransferMode = TransferMode::Auto,
        /// The track title on the disc. {title}, {artist}, {album} and {track} (two digits) are
        /// replaced; the result goes through the recorder's title rules (Shift-JIS, half-width).
        #[serde(deserialize_with = "title_template")]
        pub title: String = DEFAULT_TITLE.to_owned(),
        /// When a whole album is sent to a disc that has no title, title the disc with this template
        /// (over the album's first track), e.g. "{artist} - {album}". Empty: leave the disc title alone.
        pub disc_title: String = String::new(),
        /// Put a whole album sent at once into a group named after it.
        pub group_albums: bool = false,
        /// Send neighbouring tracks of one album without gaps: the encoder runs on from one track into
        /// the next and each boundary falls on a frame (it may move by up to half a frame, 12 ms in
        /// LP, 6 ms in SP). `device send --no-gapless` turns it off for one send.
        pub gapless: bool = true,
        /// ReplayGain applied before encoding: "off", "track" or "album" (album falls back to track).
        /// A gain that would clip is lowered to the tagged peak. ATRAC3 files sent untouched keep
        /// their level.
        pub replaygain: ReplayGain = ReplayGain::Off,
    }
}

section! {
    ["receive"]
    pub struct ReceiveSettings {
        /// Where tracks received from an MZ-RH1 or MZ-M200 go (`ministage device receive`); {disc}
        /// is replaced by the disc's title. Default: $XDG_MUSIC_DIR/MiniDisc/{disc}.
        #[example = "\"~/Music/MiniDisc/{disc}\""]
        #[serde(deserialize_with = "optional_path")]
        pub dir: Option<PathBuf> = None,
        /// "native" keeps the recorder's own bits (SP as ATRAC1 .aea, LP2 and LP4 as ATRAC3 .at3,
        /// never re-encoded); "wav" decodes them to 16-bit WAV files.
        pub format: ReceiveFormat = ReceiveFormat::Native,
    }
}

/// `transfer.title` when unset or blank.
const DEFAULT_TITLE: &str = "{title}";

/// An enum whose variants are configuration words: declared once by `names!`, or by the crate
/// that owns the vocabulary (a field of such a type deserialises with `deserialize_with =
/// "named"`).
pub trait Named: Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
}

/// Declares an enum of configuration words: each variant with its one spelling. It parses
/// case-insensitively (environment variables are often written in capitals), prints and
/// serialises as that spelling, and deserialises with an error listing every spelling.
macro_rules! names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant,)+];
            /// The configuration spellings, in the order of [`Self::ALL`].
            pub const NAMES: &[&str] = &[$($text,)+];

            /// The configuration spelling.
            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }
        }

        impl Named for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn name(self) -> &'static str {
                $name::name(self)
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_name(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                named(d)
            }
        }
    };
}

names! {
    /// What received tracks are stored as.
    #[derive(Default)]
    pub enum ReceiveFormat {
        /// The recorder's own bits: ATRAC1 `.aea` (SP), ATRAC3 `.at3` (LP2, LP4).
        #[default]
        Native = "native",
        /// Decoded to 16-bit WAV.
        Wav = "wav",
    }
}

names! {
    /// How the library pane lists tracks.
    #[derive(Default)]
    pub enum LibraryView {
        /// Artist → album → track.
        #[default]
        Tree = "tree",
        /// One row per track.
        Flat = "flat",
    }
}

names! {
    /// The column the library is sorted by; declared in the order `o` cycles through them.
    #[derive(Default)]
    pub enum SortKey {
        #[default]
        Artist = "artist",
        Album = "album",
        Title = "title",
        Year = "year",
        Duration = "duration",
        /// Import order.
        Added = "added",
    }
}

names! {
    /// `audio.output`: where sound goes.
    pub enum SoundOutput {
        /// The default sound device.
        Default = "default",
        /// Silent, consumed in real time.
        Null = "null",
    }
}

names! {
    /// `audio.replaygain`: which ReplayGain value to apply.
    pub enum ReplayGain {
        Off = "off",
        Track = "track",
        Album = "album",
    }
}

/// `transfer.mode`: the mode `t` queues tracks with; the transfer queue stores the same words.
pub use library::TransferMode;

impl Named for TransferMode {
    const ALL: &'static [Self] = TransferMode::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl LibraryView {
    /// For the status bar and help.
    pub fn label(self) -> &'static str {
        match self {
            LibraryView::Tree => "Tree",
            LibraryView::Flat => "Flat",
        }
    }
}

impl SortKey {
    /// The next key in [`SortKey::ALL`], wrapping around.
    #[must_use]
    pub fn next(self) -> SortKey {
        let i = Self::ALL.iter().position(|&k| k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// For the column header and status bar.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Artist => "Artist",
            SortKey::Album => "Album",
            SortKey::Title => "Title",
            SortKey::Year => "Year",
            SortKey::Duration => "Duration",
            SortKey::Added => "Date added",
        }
    }
}

impl From<SoundOutput> for media::player::AudioOutput {
    fn from(output: SoundOutput) -> Self {
        match output {
            SoundOutput::Default => media::player::AudioOutput::Default,
            SoundOutput::Null => media::player::AudioOutput::Null,
        }
    }
}

impl From<ReplayGain> for media::player::GainMode {
    fn from(gain: ReplayGain) -> Self {
        match gain {
            ReplayGain::Off => media::player::GainMode::Off,
            ReplayGain::Track => media::player::GainMode::Track,
            ReplayGain::Album => media::player::GainMode::Album,
        }
    }
}

/// The value did not name a variant; carries the accepted spellings for the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant {
    pub expected: String,
}

/// `one of "tree", "flat"`.
fn expected_names<T: Named>() -> String {
    let quoted: Vec<String> = T::ALL.iter().map(|v| format!("\"{}\"", v.name())).collect();
    format!("one of {}", quoted.join(", "))
}

fn parse_name<T: Named>(s: &str) -> Result<T, UnknownVariant> {
    let s = s.trim();
    T::ALL
        .iter()
        .copied()
        .find(|v| v.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| UnknownVariant {
            expected: expected_names::<T>(),
        })
}

/// Deserialises one of `T`'s words, with an error listing every one.
fn named<'de, D: Deserializer<'de>, T: Named>(d: D) -> Result<T, D::Error> {
    d.deserialize_str(NameVisitor(PhantomData))
}

struct NameVisitor<T>(PhantomData<T>);

impl<T: Named> Visitor<'_> for NameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&expected_names::<T>())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        parse_name(v).map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// A path; empty means unset, so an environment variable can clear a path set in the file.
fn optional_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    struct PathVisitor;
    impl Visitor<'_> for PathVisitor {
        type Value = Option<PathBuf>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a path (string)")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| PathBuf::from(v)))
        }
    }
    d.deserialize_str(PathVisitor)
}

/// A blank title template means the default one.
fn title_template<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let title = String::deserialize(d)?;
    Ok(if title.trim().is_empty() {
        DEFAULT_TITLE.to_owned()
    } else {
        title
    })
}

fn preamp_db<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    number_in(d, -24.0, 24.0).map(|v| v as f32)
}

fn volume<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    number_in(d, 0.0, 100.0).map(|v| v.round() as u8)
}

/// A number within `min..=max`. Environment variables arrive as strings; the loader's lossy
/// extraction turns numeric strings into numbers before they get here.
fn number_in<'de, D: Deserializer<'de>>(d: D, min: f64, max: f64) -> Result<f64, D::Error> {
    struct Range(f64, f64);
    impl Visitor<'_> for Range {
        type Value = f64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a number from {} to {}", self.0, self.1)
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            if v.is_finite() && (self.0..=self.1).contains(&v) {
                Ok(v)
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            self.visit_f64(v as f64)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            self.visit_f64(v as f64)
        }
    }
    d.deserialize_f64(Range(min, max))
}

const KEY_LIST: &str = "a key name or a list of key names, e.g. [\"q\", \"Ctrl-q\"]";

/// `[keys]`: each action takes one key name or a list of them.
fn key_table<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    /// One key name, or a list of them.
    struct KeyList(Vec<String>);
    /// A key name inside a list.
    struct KeyName(String);
    struct ListVisitor;
    struct NameOnly;

    impl<'de> Deserialize<'de> for KeyList {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(ListVisitor)
        }
    }
    impl<'de> Deserialize<'de> for KeyName {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(NameOnly)
        }
    }
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = KeyList;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(KEY_LIST)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyList, E> {
            Ok(KeyList(vec![v.to_owned()]))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
            let mut names = Vec::new();
            while let Some(KeyName(name)) = seq.next_element()? {
                names.push(name);
            }
            Ok(KeyList(names))
        }
    }
    impl Visitor<'_> for NameOnly {
        type Value = KeyName;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(KEY_LIST)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyName, E> {
            Ok(KeyName(v.to_owned()))
        }
    }

    let table = BTreeMap::<String, KeyList>::deserialize(d)?;
    Ok(table.into_iter().map(|(k, KeyList(v))| (k, v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_cycles_through_all_and_wraps() {
        let mut k = SortKey::Artist;
        let mut seen = vec![k];
        for _ in 1..SortKey::ALL.len() {
            k = k.next();
            seen.push(k);
        }
        assert_eq!(seen, SortKey::ALL);
        assert_eq!(k.next(), SortKey::Artist);
    }

    #[test]
    fn enums_parse_case_insensitively_and_round_trip() {
        for &v in LibraryView::ALL {
            assert_eq!(v.name().parse::<LibraryView>(), Ok(v));
            assert_eq!(v.to_string().to_uppercase().parse::<LibraryView>(), Ok(v));
        }
        for &k in SortKey::ALL {
            assert_eq!(k.name().parse::<SortKey>(), Ok(k));
        }
        for &m in TransferMode::ALL {
            assert_eq!(parse_name::<TransferMode>(&m.name().to_uppercase()), Ok(m));
        }
        let err = "sideways".parse::<LibraryView>().unwrap_err();
        assert_eq!(err.expected, r#"one of "tree", "flat""#);
    }

    #[test]
    fn home_is_expanded_in_every_path_setting() {
        let mut s = Settings::default();
        s.library.database = Some(PathBuf::from("~/lib.sqlite3"));
        s.library.music_dir = Some(PathBuf::from("/srv/~music"));
        s.log.file = Some(PathBuf::from("~"));
        s.expand_home(Path::new("/home/tester"));
        assert_eq!(
            s.library.database,
            Some(PathBuf::from("/home/tester/lib.sqlite3"))
        );
        assert_eq!(s.library.music_dir, Some(PathBuf::from("/srv/~music")));
        assert_eq!(s.log.file, Some(PathBuf::from("/home/tester")));
    }
}
