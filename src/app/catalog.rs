//! The library as the UI sees it: tracks grouped into an artist → album → track tree, with
//! pre-folded search keys. Built off the UI thread when the library is loaded.

use std::collections::BTreeMap;

use crate::config::SortKey;
use crate::library::{Haystack, Track};
use crate::text::fold;

/// Artists sort by folded name, then exact name so that distinct spellings stay apart.
type ArtistKey = (String, String);
/// Albums sort by year, then folded title, then exact title.
type AlbumKey = (Option<i32>, String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct AlbumNode {
    pub title: String,
    pub year: Option<i32>,
    /// Indices into [`Catalog::tracks`], in disc and track order.
    pub tracks: Vec<usize>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArtistNode {
    pub name: String,
    pub albums: Vec<AlbumNode>,
    pub track_count: usize,
}

#[derive(Debug, Default)]
pub struct Catalog {
    /// Present tracks only; files marked missing are left out of the UI.
    pub tracks: Vec<Track>,
    pub haystacks: Vec<Haystack>,
    pub artists: Vec<ArtistNode>,
    pub total_duration_ms: u64,
}

impl Catalog {
    pub fn build(tracks: Vec<Track>) -> Catalog {
        let tracks: Vec<Track> = tracks.into_iter().filter(|t| !t.missing).collect();
        let haystacks = tracks.iter().map(Haystack::new).collect();
        let mut grouped: BTreeMap<ArtistKey, BTreeMap<AlbumKey, Vec<usize>>> = BTreeMap::new();
        for (i, t) in tracks.iter().enumerate() {
            grouped
                .entry((fold(&t.album_artist), t.album_artist.clone()))
                .or_default()
                .entry((t.year, fold(&t.album), t.album.clone()))
                .or_default()
                .push(i);
        }
        let artists = grouped
            .into_iter()
            .map(|((_, name), albums)| {
                let albums: Vec<AlbumNode> = albums
                    .into_iter()
                    .map(|((_, _, title), mut idx)| {
                        idx.sort_by_key(|&i| {
                            let t = &tracks[i];
                            (t.disc_number, t.track_number, fold(&t.title))
                        });
                        // An album's year is the earliest any of its tracks gives.
                        let year = idx.iter().filter_map(|&i| tracks[i].year).min();
                        let duration_ms = idx.iter().map(|&i| tracks[i].duration_ms).sum();
                        AlbumNode {
                            title,
                            year,
                            tracks: idx,
                            duration_ms,
                        }
                    })
                    .collect();
                let track_count = albums.iter().map(|a| a.tracks.len()).sum();
                ArtistNode {
                    name,
                    albums,
                    track_count,
                }
            })
            .collect();
        let total_duration_ms = tracks.iter().map(|t| t.duration_ms).sum();
        Catalog {
            tracks,
            haystacks,
            artists,
            total_duration_ms,
        }
    }

    /// All track indices ordered by `key` (ties broken by artist, album, disc, track number).
    pub fn sorted(&self, indices: &mut [usize], key: SortKey, reverse: bool) {
        let natural = |i: usize| {
            let t = &self.tracks[i];
            (
                fold(&t.album_artist),
                fold(&t.album),
                t.disc_number,
                t.track_number,
                fold(&t.title),
            )
        };
        match key {
            SortKey::Artist => indices.sort_by_cached_key(|&i| natural(i)),
            SortKey::Album => {
                indices.sort_by_cached_key(|&i| (fold(&self.tracks[i].album), natural(i)))
            }
            SortKey::Title => {
                indices.sort_by_cached_key(|&i| (fold(&self.tracks[i].title), natural(i)))
            }
            SortKey::Year => indices.sort_by_cached_key(|&i| (self.tracks[i].year, natural(i))),
            SortKey::Duration => {
                indices.sort_by_cached_key(|&i| (self.tracks[i].duration_ms, natural(i)))
            }
            // Row ids grow with insertion, so they give the order tracks were added in.
            SortKey::Added => indices.sort_by_key(|&i| self.tracks[i].id),
        }
        if reverse {
            indices.reverse();
        }
    }
}

/// A row of the artist → album → track tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeRow {
    Artist {
        artist: usize,
    },
    Album {
        artist: usize,
        album: usize,
    },
    Track {
        artist: usize,
        album: usize,
        track: usize,
    },
}
