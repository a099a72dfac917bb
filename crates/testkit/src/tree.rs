//! Synthetic library trees for tests and benchmarks.

use std::path::{Path, PathBuf};

use media::synth::{Pcm, SynthError, TagSpec, create_dir, encode_flac, melody, write_tagged};
use rayon::prelude::*;

use crate::mp3;

const TREE_RATE: u32 = 44_100;
const TRACKS_PER_ALBUM: usize = 10;
const ALBUMS_PER_ARTIST: usize = 5;
const TREE_GENRES: [&str; 6] = ["Rock", "Jazz", "Electronic", "Classical", "Folk", "Hip-Hop"];

/// Writes `tracks` small tagged files under `dir` for tests and benchmarks:
/// `Artist NNN/Album NNN/NN - Title NNNN.ext`, ten tracks to an album and
/// five albums to an artist. Even-numbered tracks are FLAC (0.2-0.3 s,
/// alternately a tone and silence), odd ones silent MP3 (about 0.2 s).
/// `seed` varies the audio, years and genres; names depend only on the
/// track's position. Returns the files in track order.
pub fn generate_tree(dir: &Path, tracks: usize, seed: u64) -> Result<Vec<PathBuf>, SynthError> {
    let albums = tracks.div_ceil(TRACKS_PER_ALBUM);
    for album in 0..albums {
        create_dir(&album_dir(dir, album))?;
    }
    (0..tracks)
        .into_par_iter()
        .map(|i| {
            let album = i / TRACKS_PER_ALBUM;
            let artist = album / ALBUMS_PER_ARTIST;
            let number = (i % TRACKS_PER_ALBUM) as u32 + 1;
            let ext = if i % 2 == 0 { "flac" } else { "mp3" };
            let path = album_dir(dir, album).join(format!("{number:02} - Title {i:04}.{ext}"));
            let mix = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let audio = if i % 2 == 0 {
                let seconds = 0.2 + (mix % 11) as f32 / 100.0;
                let pcm = if i % 4 == 0 {
                    melody(mix, seconds, TREE_RATE, 2)
                } else {
                    Pcm::silence(seconds, TREE_RATE, 2)
                };
                encode_flac(&pcm)
            } else {
                mp3::encode(0.2, TREE_RATE, 2)
            };
            let spec = TagSpec {
                title: format!("Title {i:04}"),
                artist: format!("Artist {artist:03}"),
                album: format!("Album {album:03}"),
                album_artist: Some(format!("Artist {artist:03}")),
                track: Some(number),
                year: Some(1960 + ((seed as usize + album) % 65) as i32),
                genre: Some(TREE_GENRES[(seed as usize + artist) % TREE_GENRES.len()].to_owned()),
            };
            write_tagged(&path, audio, &spec)?;
            Ok(path)
        })
        .collect()
}

fn album_dir(dir: &Path, album: usize) -> PathBuf {
    let artist = album / ALBUMS_PER_ARTIST;
    dir.join(format!("Artist {artist:03}"))
        .join(format!("Album {album:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::file::{AudioFile, FileType, TaggedFileExt};
    use lofty::tag::Accessor;

    fn relative(root: &Path, paths: &[PathBuf]) -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(root).expect("under root");
                rel.to_string_lossy().into_owned()
            })
            .collect()
    }

    #[test]
    fn tree_layout_formats_and_tags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = generate_tree(dir.path(), 123, 9).expect("generated");
        assert_eq!(paths.len(), 123);
        let rel = relative(dir.path(), &paths);
        assert_eq!(rel[0], "Artist 000/Album 000/01 - Title 0000.flac");
        assert_eq!(rel[1], "Artist 000/Album 000/02 - Title 0001.mp3");
        assert_eq!(rel[122], "Artist 002/Album 012/03 - Title 0122.flac");
        assert_eq!(
            rel.iter()
                .filter(|p| Path::new(p).extension().is_some_and(|e| e == "flac"))
                .count(),
            62
        );

        for (i, path) in paths.iter().enumerate().step_by(7) {
            let file = lofty::read_from_path(path).expect("lofty reads it");
            let want = if i % 2 == 0 {
                FileType::Flac
            } else {
                FileType::Mpeg
            };
            assert_eq!(file.file_type(), want);
            let ms = file.properties().duration().as_millis();
            assert!((200..=310).contains(&ms), "{ms} ms");
            let tag = file.primary_tag().expect("tagged");
            assert_eq!(
                tag.title().as_deref(),
                Some(format!("Title {i:04}").as_str())
            );
            let album = i / 10;
            assert_eq!(
                tag.album().as_deref(),
                Some(format!("Album {album:03}").as_str())
            );
            assert_eq!(tag.track(), Some((i % 10) as u32 + 1));
            assert!(tag.genre().is_some() && tag.date().is_some());
        }
    }

    #[test]
    fn tree_is_deterministic_per_seed() {
        let (a, b, c) = (
            tempfile::tempdir().expect("a"),
            tempfile::tempdir().expect("b"),
            tempfile::tempdir().expect("c"),
        );
        let first = generate_tree(a.path(), 8, 1).expect("first");
        let second = generate_tree(b.path(), 8, 1).expect("second");
        let other = generate_tree(c.path(), 8, 2).expect("other");
        let bytes = |p: &PathBuf| std::fs::read(p).expect("read");
        assert!(first.iter().zip(&second).all(|(x, y)| bytes(x) == bytes(y)));
        assert!(first.iter().zip(&other).any(|(x, y)| bytes(x) != bytes(y)));
    }

    #[test]
    fn empty_tree_is_fine() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(generate_tree(dir.path(), 0, 0).expect("empty").is_empty());
    }
}
