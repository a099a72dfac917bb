//! Before anything is written: titles from tags through a template, and the checks that a
//! batch fits (capacity, the track limit, title space) with a specific refusal when not.

use std::path::Path;

use lofty::file::TaggedFileExt;
use lofty::tag::Accessor;

use super::TransferError;
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
    pub format: WireFormat,
    /// The source's playing time (the send pads it to whole units).
    pub duration_ms: u64,
    pub title: Title,
}

impl Planned {
    /// Disc time in SP-stereo terms.
    pub fn sp_ms(&self) -> u64 {
        self.duration_ms / self.format.mode.space_factor(self.format.channels)
    }
}

/// Refuses a batch that would not fit, before anything is written.
pub fn preflight(raw: &RawDisc, items: &[Planned]) -> Result<(), TransferError> {
    if !raw.disc_present {
        return Err(DeviceError::NoDisc.into());
    }
    if raw.write_protected {
        return Err(DeviceError::WriteProtected.into());
    }
    // Rounded up to whole seconds per track: recorders allocate in whole clusters.
    let needed_ms: u64 = items.iter().map(|p| p.sp_ms().div_ceil(1000) * 1000).sum();
    if needed_ms > raw.capacity.free_ms {
        return Err(TransferError::Capacity {
            needed_ms,
            free_ms: raw.capacity.free_ms,
        });
    }
    let rooms: Vec<(Mode, Title)> = items
        .iter()
        .map(|p| (p.format.mode, p.title.clone()))
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
}
