//! Reading tags and audio properties with lofty.

use std::error::Error as _;
use std::io::ErrorKind;
use std::path::Path;

use lofty::config::ParseOptions;
use lofty::error::FileParseError;
use lofty::file::{AudioFile, FileType, TaggedFile, TaggedFileExt};
use lofty::mp4::{Mp4Codec, Mp4File};
use lofty::mpeg::{Layer, MpegFile};
use lofty::probe::Probe;
use lofty::tag::{Accessor, ItemKey, Tag};

use super::wav;
use crate::text::clean;
use crate::{AtracMode, AudioCodec};
use atrac::{CodecError, SonyFileInfo};

/// What the library stores about a file's contents. Text is cleaned; empty means unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TrackMeta {
    pub title: String,
    pub artist: String,
    pub album: String,
    /// As tagged; empty when the file has none (the effective album artist is then `artist`).
    pub album_artist: String,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub year: Option<i32>,
    pub genre: String,
    pub duration_ms: u64,
    pub codec: AudioCodec,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub bitrate_kbps: Option<u32>,
    pub mode: AtracMode,
    /// OpenMG-encrypted: listed, never decoded.
    pub protected: bool,
    /// The grouping tag; `None` for formats that have no room for one (AEA, AT3, OMA), whose
    /// grouping the library keeps on its own.
    pub grouping: Option<String>,
}

impl TrackMeta {
    /// The artist the album is filed under.
    pub fn effective_album_artist(&self) -> &str {
        if self.album_artist.is_empty() {
            &self.artist
        } else {
            &self.album_artist
        }
    }
}

/// Reads one file. The error is a user-facing reason (the path is added by the caller).
pub(crate) fn read_file(path: &Path) -> Result<TrackMeta, String> {
    // lofty is robust, but a panic on one hostile file must not take the whole import down.
    crate::panic_guard::catch(|| read_file_inner(path)).unwrap_or_else(|detail| {
        Err(clean(&format!(
            "the tag reader crashed on this file: {detail}"
        )))
    })
}

fn read_file_inner(path: &Path) -> Result<TrackMeta, String> {
    if let Some(meta) = read_sony(path)? {
        return Ok(meta);
    }
    let options = ParseOptions::new().read_cover_art(false);
    let probe = Probe::open(path)
        .map_err(|e| describe_open_error(&e))?
        .options(options);
    // The content decides over the extension: an MP3 renamed to .m4a still reads.
    let probe = probe
        .guess_file_type()
        .map_err(|e| clean(&format!("cannot read the file: {e}")))?;
    let file_type = probe.file_type();
    let parse_err = |e: FileParseError| describe_parse_error(&e, file_type);

    // MP4 and MPEG files are read through their own types: the codec (AAC or ALAC, MPEG layer)
    // is only visible there, not in the generic `TaggedFile`.
    let (tagged, codec): (TaggedFile, AudioCodec) = match file_type {
        Some(FileType::Mp4) => {
            let file = Mp4File::read_from(&mut probe.into_inner(), options).map_err(parse_err)?;
            let codec = match file.properties().codec() {
                Some(Mp4Codec::ALAC) => AudioCodec::Alac,
                Some(Mp4Codec::MP3) => AudioCodec::Mp3,
                Some(Mp4Codec::FLAC) => AudioCodec::Flac,
                _ => AudioCodec::Aac,
            };
            (file.into(), codec)
        }
        Some(FileType::Mpeg) => {
            let file = MpegFile::read_from(&mut probe.into_inner(), options).map_err(parse_err)?;
            let codec = match file.properties().layer() {
                Layer::Layer1 => AudioCodec::Mp1,
                Layer::Layer2 => AudioCodec::Mp2,
                Layer::Layer3 => AudioCodec::Mp3,
            };
            (file.into(), codec)
        }
        Some(other) => match probe.read() {
            Ok(tagged) => (tagged, codec_of(other)),
            Err(_) if other == FileType::Wav && wav::has_empty_data_chunk(path) => {
                (read_tags_only(path, options)?, codec_of(other))
            }
            Err(e) => return Err(parse_err(e)),
        },
        None => return Err("not a recognised audio format".to_string()),
    };
    Ok(meta_from(&tagged, codec))
}

/// OpenMG, AT3 and AEA files (and WAV files holding ATRAC) are read by [`atrac`];
/// `None` hands any other file to lofty.
fn read_sony(path: &Path) -> Result<Option<TrackMeta>, String> {
    let sony_extension = atrac::is_sony_extension(path);
    let wav = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    if !sony_extension && !wav {
        return Ok(None);
    }
    let info = match atrac::probe(path) {
        Ok(info) if info.codec.is_atrac() || sony_extension => info,
        // A plain PCM (or unrecognised) WAV: lofty reads it.
        Ok(_) | Err(_) if wav => return Ok(None),
        Ok(info) => info,
        Err(CodecError::Io(e)) => return Err(clean(&format!("cannot open the file: {e}"))),
        Err(e) => return Err(clean(&format!("not a valid Sony audio file: {e}"))),
    };
    if info.protected {
        // Listed like any track; playing and converting it are refused by the decoder.
        tracing::info!(path = %path.display(), "import: {}", atrac::PROTECTED_LABEL);
    }
    Ok(Some(meta_from_sony(info)))
}

fn meta_from_sony(info: SonyFileInfo) -> TrackMeta {
    let text = |s: Option<String>| s.as_deref().map(clean).unwrap_or_default();
    let positive = |n: u32| (n > 0).then_some(n);
    let mode = AtracMode::of(&info);
    TrackMeta {
        title: text(info.tags.title),
        artist: text(info.tags.artist),
        album: text(info.tags.album),
        album_artist: text(info.tags.album_artist),
        track_number: info.tags.track.filter(|&n| n > 0),
        disc_number: None,
        year: info.tags.year,
        genre: text(info.tags.genre),
        duration_ms: info.duration_ms,
        codec: info.codec.into(),
        sample_rate: positive(info.sample_rate),
        channels: u8::try_from(info.channels).ok().filter(|&c| c > 0),
        bitrate_kbps: positive(info.bitrate_kbps),
        mode,
        protected: info.protected,
        grouping: None,
    }
}

/// For files whose audio properties lofty cannot compute although the file is valid.
fn read_tags_only(path: &Path, mut options: ParseOptions) -> Result<TaggedFile, String> {
    Probe::open(path)
        .map_err(|e| describe_open_error(&e))?
        .options(options.read_properties(false))
        .guess_file_type()
        .map_err(|e| clean(&format!("cannot read the file: {e}")))?
        .read()
        .map_err(|e| {
            let file_type = FileType::from_path(path);
            describe_parse_error(&e, file_type)
        })
}

fn codec_of(file_type: FileType) -> AudioCodec {
    match file_type {
        FileType::Aac | FileType::Mp4 => AudioCodec::Aac,
        FileType::Aiff | FileType::Wav => AudioCodec::Pcm,
        FileType::Ape => AudioCodec::Ape,
        FileType::Flac => AudioCodec::Flac,
        FileType::Mpeg => AudioCodec::Mp3,
        FileType::Mpc => AudioCodec::Musepack,
        FileType::Opus => AudioCodec::Opus,
        FileType::Vorbis => AudioCodec::Vorbis,
        FileType::Speex => AudioCodec::Speex,
        FileType::WavPack => AudioCodec::WavPack,
        FileType::Custom(name) => AudioCodec::from_name(&clean(name).to_lowercase()),
        _ => AudioCodec::Unknown,
    }
}

fn meta_from(file: &TaggedFile, codec: AudioCodec) -> TrackMeta {
    // The primary tag (ID3v2 for MP3, Vorbis comments for FLAC, …) wins; other tags in the file
    // (ID3v1, APE, RIFF INFO) fill the gaps.
    let mut tags: Vec<&Tag> = Vec::with_capacity(file.tags().len());
    if let Some(primary) = file.primary_tag() {
        tags.push(primary);
    }
    for tag in file.tags() {
        if !tags.iter().any(|t| std::ptr::eq(*t, tag)) {
            tags.push(tag);
        }
    }

    let text = |key: ItemKey| {
        tags.iter()
            .filter_map(|t| t.get_string(key))
            .map(clean)
            .find(|s| !s.is_empty())
            .unwrap_or_default()
    };
    let number = |get: fn(&Tag) -> Option<u32>| tags.iter().filter_map(|t| get(t)).find(|&n| n > 0);
    let year = [
        ItemKey::Year,
        ItemKey::RecordingDate,
        ItemKey::ReleaseDate,
        ItemKey::OriginalReleaseDate,
    ]
    .into_iter()
    .flat_map(|key| tags.iter().filter_map(move |t| t.get_string(key)))
    .find_map(year_in);

    let props = file.properties();
    let positive = |n: Option<u32>| n.filter(|&n| n > 0);
    TrackMeta {
        title: text(ItemKey::TrackTitle),
        artist: text(ItemKey::TrackArtist),
        album: text(ItemKey::AlbumTitle),
        album_artist: text(ItemKey::AlbumArtist),
        track_number: number(Accessor::track),
        disc_number: number(Accessor::disk),
        year,
        genre: text(ItemKey::Genre),
        duration_ms: u64::try_from(props.duration().as_millis()).unwrap_or(u64::MAX),
        codec,
        sample_rate: positive(props.sample_rate()),
        channels: props.channels().filter(|&c| c > 0),
        bitrate_kbps: positive(props.audio_bitrate()).or(positive(props.overall_bitrate())),
        mode: AtracMode::NotAtrac,
        protected: false,
        grouping: Some(text(ItemKey::ContentGroup)),
    }
}

/// The first year in a date such as `1994`, `1994-05-02`, `02/05/1994` or `19940502`.
pub(crate) fn year_in(date: &str) -> Option<i32> {
    date.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4 || run.len() == 8)
        .and_then(|run| run.get(..4))
        .and_then(|year| year.parse().ok())
}

fn describe_open_error(err: &FileParseError) -> String {
    let detail = error_chain(err);
    clean(&format!("cannot open the file: {detail}"))
}

fn describe_parse_error(err: &FileParseError, file_type: Option<FileType>) -> String {
    if err.is_unknown_format() {
        return "not a recognised audio format".to_string();
    }
    let io_kind = sources(err)
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let name = file_type.map_or("audio", format_name);
    let reason = match io_kind {
        Some(ErrorKind::UnexpectedEof) => {
            format!("not a valid {name} file: it ends unexpectedly (truncated?)")
        }
        Some(_) => format!("cannot read the file: {}", error_chain(err)),
        None => format!("not a valid {name} file: {}", error_chain(err)),
    };
    clean(&reason)
}

/// lofty's own message ("failed to parse Flac file") is generic; the specific reason is in its
/// sources, so those are listed and the top message only used when there are none.
fn error_chain(err: &FileParseError) -> String {
    let sources: Vec<String> = sources(err)
        .map(ToString::to_string)
        .filter(|s| !s.is_empty())
        .collect();
    if sources.is_empty() {
        err.to_string()
    } else {
        sources.join(": ")
    }
}

fn sources(err: &FileParseError) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    std::iter::successors(err.source(), next_source)
}

fn next_source<'a>(
    err: &&'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    (*err).source()
}

fn format_name(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Aac => "AAC",
        FileType::Aiff => "AIFF",
        FileType::Ape => "Monkey's Audio",
        FileType::Flac => "FLAC",
        FileType::Mpeg => "MPEG audio",
        FileType::Mp4 => "MP4",
        FileType::Mpc => "Musepack",
        FileType::Opus => "Opus",
        FileType::Vorbis => "Ogg Vorbis",
        FileType::Speex => "Speex",
        FileType::Wav => "WAV",
        FileType::WavPack => "WavPack",
        _ => "audio",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_is_the_first_four_digit_number() {
        assert_eq!(year_in("1994"), Some(1994));
        assert_eq!(year_in("1994-05-02"), Some(1994));
        assert_eq!(year_in("02/05/1994"), Some(1994));
        assert_eq!(year_in("19940502"), Some(1994));
        assert_eq!(year_in("  2001 (remaster 2011)"), Some(2001));
        assert_eq!(year_in("94"), None);
        assert_eq!(year_in("unknown"), None);
        assert_eq!(year_in(""), None);
    }

    #[test]
    fn codec_names_are_lower_case() {
        let name = |t| codec_of(t).to_string();
        assert_eq!(name(FileType::Flac), "flac");
        assert_eq!(name(FileType::Wav), "pcm");
        assert_eq!(name(FileType::Aiff), "pcm");
        assert_eq!(name(FileType::Vorbis), "vorbis");
        assert_eq!(name(FileType::WavPack), "wavpack");
        assert_eq!(name(FileType::Mpc), "musepack");
        assert_eq!(name(FileType::Custom("TTA")), "tta");
    }

    #[test]
    fn a_missing_file_is_an_open_error() {
        let err = read_file(Path::new("/nonexistent/ministage/x.flac")).unwrap_err();
        assert!(err.starts_with("cannot open the file"), "{err}");
    }
}
