//! Before anything is written: titles from tags through a template, and the checks that a
//! batch fits (capacity, the track limit, title space) with a specific refusal when not.

use std::path::Path;

use lofty::file::TaggedFileExt;
use lofty::tag::Accessor;

use super::TransferError;
use super::prepare::{self, Route, SourceFacts};
use library::TransferMode;
use netmd::send::WireFormat;
use netmd::titles::{self, Title};
use netmd::{DeviceError, Mode};
use netmd::{RawDisc, check_room};

/// Tags a title is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackTags {
    pub title: String,
    pub artist: String,
    pub album: String,
    pub track_number: Option<u32>,
}

impl TrackTags {
    /// Reads the tags of a file; a file without tags is titled after its name.
    pub fn read(path: &Path) -> Self {
        let stem = || {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let mut tags = TrackTags::default();
        if let Ok(info) = atrac::probe(path) {
            tags.title = info.tags.title.clone().unwrap_or_default();
            tags.artist = info.tags.artist.clone().unwrap_or_default();
            tags.album = info.tags.album.clone().unwrap_or_default();
        } else if let Ok(file) = lofty::read_from_path(path)
            && let Some(tag) = file.primary_tag().or_else(|| file.first_tag())
        {
            tags.title = tag
                .title()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            tags.artist = tag
                .artist()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            tags.album = tag
                .album()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            tags.track_number = tag.track();
        }
        if tags.title.trim().is_empty() {
            tags.title = stem();
        }
        tags
    }
}

/// How titles are made: `{title}`, `{artist}`, `{album}`, `{track}` are replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleTemplate {
    pub track: String,
    /// Set the disc title (to this template over the album) when a whole album is sent to a
    /// disc without a title.
    pub disc: Option<String>,
    /// Put a whole album in a group named after it.
    pub group_albums: bool,
}

impl Default for TitleTemplate {
    fn default() -> Self {
        Self {
            track: "{title}".into(),
            disc: None,
            group_albums: false,
        }
    }
}

impl TitleTemplate {
    pub fn expand(template: &str, tags: &TrackTags) -> String {
        template
            .replace("{title}", &tags.title)
            .replace("{artist}", &tags.artist)
            .replace("{album}", &tags.album)
            .replace(
                "{track}",
                &tags
                    .track_number
                    .map(|n| format!("{n:02}"))
                    .unwrap_or_default(),
            )
            .trim()
            .to_string()
    }

    /// The track title, converted by the recorder's title rules.
    pub fn track_title(&self, tags: &TrackTags) -> Title {
        titles::prepare(&Self::expand(&self.track, tags))
    }
}

/// The album a batch is, when every item has the same non-empty album and there are several.
pub fn whole_album(tags: &[TrackTags]) -> Option<String> {
    let first = tags.first()?.album.trim();
    (tags.len() > 1 && !first.is_empty() && tags.iter().all(|t| t.album.trim() == first))
        .then(|| first.to_string())
}

/// One item of a batch as it will be written.
#[derive(Debug, Clone)]
pub struct Planned {
    pub route: Route,
    /// The source's playing time (the send pads it to whole units).
    pub duration_ms: u64,
    pub title: Title,
}

impl Planned {
    /// Disc time in SP-stereo terms.
    pub fn sp_ms(&self) -> u64 {
        sp_ms(self.route.format, self.duration_ms)
    }
}

/// Disc time, in SP-stereo terms, of `duration_ms` of audio in `format`, rounded up to whole
/// seconds as recorders allocate whole clusters.
pub fn sp_ms(format: WireFormat, duration_ms: u64) -> u64 {
    (duration_ms / format.mode.space_factor(format.channels)).div_ceil(1000) * 1000
}

/// What the queue-wide `auto` choice needs to know of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoInput {
    pub request: TransferMode,
    pub channels: u16,
    /// The ATRAC3 wire format the source can go in untouched.
    pub atrac3: Option<WireFormat>,
    pub duration_ms: u64,
}

/// The modes `auto` chooses from, best first.
const AUTO_MODES: [TransferMode; 3] = [TransferMode::Sp, TransferMode::Lp2, TransferMode::Lp4];

/// The mode the queue's `auto` items go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoPlan {
    /// Every `auto` item goes in this mode, but ATRAC3 sources, which keep their own.
    Fits(TransferMode),
    /// Not even LP4 fits: the queue's time and the disc's free time, in LP4 terms.
    FitsNowhere { needed_ms: u64, free_ms: u64 },
}

impl AutoPlan {
    /// The request an item is sent with: `auto` resolved, anything else as it was asked.
    pub fn resolve(self, request: TransferMode, atrac3: Option<WireFormat>) -> TransferMode {
        match (request, self) {
            (TransferMode::Auto, AutoPlan::Fits(mode)) if atrac3.is_none() => mode,
            _ => request,
        }
    }

    pub fn route(self, item: &AutoInput, native_mono: bool) -> Route {
        let facts = SourceFacts {
            duration_ms: item.duration_ms,
            channels: item.channels,
            atrac3: item.atrac3,
            codec_label: String::new(),
        };
        prepare::route(self.resolve(item.request, item.atrac3), &facts, native_mono)
    }
}

/// Chooses the mode for the queue's `auto` items: SP when everything fits, else the best single
/// LP mode that fits. Items with a mode of their own, and ATRAC3 sources (sent untouched in
/// their mode), count as they are.
pub fn plan_auto(items: &[AutoInput], free_sp_ms: u64, native_mono: bool) -> AutoPlan {
    let needed = |plan: AutoPlan| -> u64 {
        items
            .iter()
            .map(|i| sp_ms(plan.route(i, native_mono).format, i.duration_ms))
            .sum()
    };
    let choosing = items
        .iter()
        .any(|i| i.request == TransferMode::Auto && i.atrac3.is_none());
    if !choosing {
        return AutoPlan::Fits(TransferMode::Sp);
    }
    for mode in AUTO_MODES {
        if needed(AutoPlan::Fits(mode)) <= free_sp_ms {
            return AutoPlan::Fits(mode);
        }
    }
    let lp4 = Mode::LP4.space_factor(2);
    AutoPlan::FitsNowhere {
        needed_ms: needed(AutoPlan::Fits(TransferMode::Lp4)) * lp4,
        free_ms: free_sp_ms * lp4,
    }
}

/// Which items run on into the next without a gap: neighbours in the queue with the same
/// decoded route, on the same album, with consecutive track numbers (or all of the batch one
/// album, queued at once).
pub fn gapless_links(tags: &[TrackTags], routes: &[Route]) -> Vec<bool> {
    let one_album = whole_album(tags).is_some();
    (0..tags.len())
        .map(|i| {
            let (Some(a), Some(b)) = (tags.get(i), tags.get(i + 1)) else {
                return false;
            };
            let album = a.album.trim();
            let consecutive = matches!(
                (a.track_number, b.track_number),
                (Some(x), Some(y)) if y == x + 1
            );
            routes[i] == routes[i + 1]
                && routes[i].decodes()
                && !album.is_empty()
                && album == b.album.trim()
                && (consecutive || one_album)
        })
        .collect()
}

/// Refuses a batch that would not fit, before anything is written.
pub fn preflight(raw: &RawDisc, items: &[Planned]) -> Result<(), TransferError> {
    if !raw.disc_present {
        return Err(DeviceError::NoDisc.into());
    }
    if raw.write_protected {
        return Err(DeviceError::WriteProtected.into());
    }
    let needed_ms: u64 = items.iter().map(Planned::sp_ms).sum();
    if needed_ms > raw.capacity.free_ms {
        return Err(TransferError::Capacity {
            needed_ms,
            free_ms: raw.capacity.free_ms,
        });
    }
    let rooms: Vec<(Mode, Title)> = items
        .iter()
        .map(|p| (p.route.format.mode, p.title.clone()))
        .collect();
    check_room(raw, &rooms)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand() {
        let tags = TrackTags {
            title: "Song".into(),
            artist: "Band".into(),
            album: "Record".into(),
            track_number: Some(3),
        };
        assert_eq!(
            TitleTemplate::expand("{track} {artist} - {title}", &tags),
            "03 Band - Song"
        );
        assert_eq!(
            TitleTemplate::default().track_title(&tags).half_width,
            "Song"
        );
        assert_eq!(
            whole_album(&[tags.clone(), tags.clone()]),
            Some("Record".into())
        );
        assert_eq!(whole_album(&[tags]), None);
    }

    fn tagged(album: &str, track: Option<u32>) -> TrackTags {
        TrackTags {
            title: "t".into(),
            album: album.into(),
            track_number: track,
            ..TrackTags::default()
        }
    }

    #[test]
    fn neighbours_on_one_album_run_on_into_each_other() {
        use super::super::prepare::Feed;
        let lp2 = Route {
            format: WireFormat::LP2,
            feed: Feed::Encode(atrac::Atrac3Mode::Lp2),
        };
        let sp = Route {
            format: WireFormat::SP_STEREO,
            feed: Feed::Pcm,
        };
        let untouched = Route {
            format: WireFormat::LP2,
            feed: Feed::Untouched,
        };
        // Consecutive numbers on one album join; a jump, another album or mode does not.
        let tags = [
            tagged("A", Some(1)),
            tagged("A", Some(2)),
            tagged("A", Some(4)),
            tagged("B", Some(5)),
            tagged("B", Some(6)),
            tagged("B", Some(7)),
        ];
        let routes = [lp2, lp2, lp2, lp2, sp, sp];
        assert_eq!(
            gapless_links(&tags, &routes),
            [true, false, false, false, true, false]
        );
        // A whole album queued at once joins whatever its numbering; untouched ATRAC3 never.
        let tags = [
            tagged("A", None),
            tagged("A", Some(9)),
            tagged("A", Some(2)),
        ];
        assert_eq!(gapless_links(&tags, &[lp2; 3]), [true, true, false]);
        assert_eq!(gapless_links(&tags, &[untouched; 3]), [false; 3]);
        // No album, no join.
        let tags = [tagged("", Some(1)), tagged("", Some(2))];
        assert_eq!(gapless_links(&tags, &[lp2; 2]), [false; 2]);
    }
}
