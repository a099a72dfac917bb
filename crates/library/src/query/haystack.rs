use crate::Track;
use crate::text::fold;

// Segment order matters: the fields a plain word searches (title .. album artist) and the ones
// `artist:` searches (artist, album artist) are each contiguous, so one `contains` covers them.
pub(super) const TITLE: usize = 0;
pub(super) const ALBUM: usize = 1;
pub(super) const ARTIST: usize = 2;
pub(super) const ALBUM_ARTIST: usize = 3;
pub(super) const GENRE: usize = 4;
pub(super) const CODEC: usize = 5;
pub(super) const GROUPING: usize = 6;
const SEGMENTS: usize = 7;

/// Separates the folded fields. Needles never contain it (the parser collapses whitespace), so a
/// match cannot straddle two fields.
const SEPARATOR: char = '\n';

/// The searchable fields of one track, folded once ([`crate::text::fold`]) so that filtering is
/// just substring tests. The UI keeps one per track next to the track list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Haystack {
    /// All folded fields, separated by [`SEPARATOR`].
    text: Box<str>,
    /// Byte offset where each segment ends.
    ends: [u32; SEGMENTS],
    year: Option<i32>,
}

impl Haystack {
    pub fn new(track: &Track) -> Haystack {
        // The album artist already falls back to the artist; storing it twice would only
        // cost memory, as both are searched together anyway.
        let album_artist = if track.album_artist == track.artist {
            ""
        } else {
            &track.album_artist
        };
        let fields = [
            track.title.as_str(),
            &track.album,
            &track.artist,
            album_artist,
            &track.genre,
            track.codec.as_str(),
            &track.grouping,
        ];
        let mut text = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
        let mut ends = [0u32; SEGMENTS];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                text.push(SEPARATOR);
            }
            let folded = fold_fast(field);
            if folded.contains(SEPARATOR) {
                text.push_str(&folded.replace(SEPARATOR, " "));
            } else {
                text.push_str(&folded);
            }
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Haystack {
            text: text.into_boxed_str(),
            ends,
            year: track.year,
        }
    }

    /// The folded text of segments `first..=last`, separators included.
    pub(super) fn segments(&self, first: usize, last: usize) -> &str {
        let start = match first {
            0 => 0,
            n => self.ends[n - 1] as usize + SEPARATOR.len_utf8(),
        };
        let end = self.ends[last] as usize;
        self.text.get(start..end).unwrap_or("")
    }

    pub(super) fn segment(&self, index: usize) -> &str {
        self.segments(index, index)
    }

    pub(super) fn year(&self) -> Option<i32> {
        self.year
    }
}

/// [`fold`] with a shortcut for ASCII, where it is plain lower-casing; most tags are ASCII and
/// the UI builds 100,000 of these at load time.
fn fold_fast(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        fold(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_shortcut_agrees_with_fold() {
        for text in [
            "Plain ASCII",
            "MiXeD 123 !?",
            "",
            "Björk",
            "ＡＢＣ",
            "Straße",
        ] {
            assert_eq!(fold_fast(text), fold(text), "{text}");
        }
    }
}
