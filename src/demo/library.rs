//! Whole trees of tagged files: the `--demo` library and the synthetic
//! trees integration tests and benchmarks import.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::catalogue::ALBUMS;
use super::error::{DemoError, invalid, write_file};
use super::pcm::{Pcm, melody};
use super::tags::{TagSpec, tagged};
use super::{flac, mp3};

const DEMO_RATE: u32 = 44_100;
const TREE_RATE: u32 = 44_100;
const TRACKS_PER_ALBUM: usize = 10;
const ALBUMS_PER_ARTIST: usize = 5;
const TREE_GENRES: [&str; 6] = ["Rock", "Jazz", "Electronic", "Classical", "Folk", "Hip-Hop"];

/// Writes the demo library under `dir` as `<Artist>/<Album>/NN - Title.flac`
/// (44.1 kHz stereo melodies of 6-15 s, fully tagged) and returns the files
/// in catalogue order. The same files are produced on every run.
pub fn generate_demo(dir: &Path) -> Result<Vec<PathBuf>, DemoError> {
    let mut jobs = Vec::new();
    for album in ALBUMS {
        let folder = dir
            .join(file_name(album.artist))
            .join(file_name(album.title));
        create_dir(&folder)?;
        for (n, track) in album.tracks.iter().enumerate() {
            let number = n as u32 + 1;
            let index = jobs.len() as u64;
            let path = folder.join(format!("{number:02} - {}.flac", file_name(track.title)));
            let spec = TagSpec {
                title: track.title.to_owned(),
                artist: track.featuring.unwrap_or(album.artist).to_owned(),
                album: album.title.to_owned(),
                album_artist: Some(album.artist.to_owned()),
                track: Some(number),
                year: Some(album.year),
                genre: Some(album.genre.to_owned()),
            };
            jobs.push((path, spec, index));
        }
    }
    jobs.into_par_iter()
        .map(|(path, spec, index)| {
            let seed = 0xD3_40_u64 + index * 7919;
            let seconds = 6 + (seed.wrapping_mul(0x9E37_79B9) >> 7) % 10;
            let pcm = melody(seed, seconds as f32, DEMO_RATE, 2);
            write_tagged(&path, flac::encode(&pcm), &spec)?;
            Ok(path)
        })
        .collect()
}

/// Writes `tracks` small tagged files under `dir` for tests and benchmarks:
/// `Artist NNN/Album NNN/NN - Title NNNN.ext`, ten tracks to an album and
/// five albums to an artist. Even-numbered tracks are FLAC (0.2-0.3 s,
/// alternately a tone and silence), odd ones silent MP3 (about 0.2 s).
/// `seed` varies the audio, years and genres; names depend only on the
/// track's position. Returns the files in track order.
pub fn generate_tree(dir: &Path, tracks: usize, seed: u64) -> Result<Vec<PathBuf>, DemoError> {
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
                flac::encode(&pcm)
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

/// Tags an encoder's output in memory and writes the file once.
fn write_tagged(
    path: &Path,
    audio: Result<Vec<u8>, &'static str>,
    spec: &TagSpec,
) -> Result<(), DemoError> {
    let audio = audio.map_err(|why| DemoError::Write(invalid(path, why)))?;
    let bytes = tagged(audio, path, spec)?;
    write_file(path, &bytes).map_err(DemoError::Write)
}

fn album_dir(dir: &Path, album: usize) -> PathBuf {
    let artist = album / ALBUMS_PER_ARTIST;
    dir.join(format!("Artist {artist:03}"))
        .join(format!("Album {album:03}"))
}

fn create_dir(path: &Path) -> Result<(), DemoError> {
    std::fs::create_dir_all(path).map_err(|source| DemoError::CreateDir {
        path: path.to_owned(),
        source,
    })
}

/// `name` made safe as one path component on every common filesystem:
/// separators and characters Windows reserves become '_', and trailing dots
/// and spaces (which Windows strips) go.
fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    cleaned.trim_end_matches(['.', ' ']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::file::{AudioFile, FileType, TaggedFileExt};
    use lofty::tag::{Accessor, ItemKey};
    use std::collections::BTreeSet;

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
    fn demo_library_has_the_promised_shape_and_tags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = generate_demo(dir.path()).expect("generated");
        assert_eq!(paths.len(), 30);
        let rel = relative(dir.path(), &paths);
        let artists: BTreeSet<&str> = rel.iter().filter_map(|p| p.split('/').next()).collect();
        let albums: BTreeSet<String> = rel
            .iter()
            .map(|p| p.rsplit_once('/').map_or("", |(a, _)| a).to_owned())
            .collect();
        assert_eq!(artists.len(), 6);
        assert_eq!(albums.len(), 8);
        assert!(rel.contains(&"青い鳥楽団/夜明けの歌/01 - 朝焼け.flac".to_owned()));
        assert!(rel.iter().any(|p| p.starts_with("Полярный Экспресс/")));
        assert!(rel.iter().any(|p| p.starts_with("Οι Νυχτερινοί Φάροι/")));

        for path in &paths {
            let file = lofty::read_from_path(path).expect("lofty reads it");
            assert_eq!(file.file_type(), FileType::Flac);
            let props = file.properties();
            assert!(
                (6..=15).contains(&props.duration().as_secs()),
                "{}",
                path.display()
            );
            assert_eq!(props.sample_rate(), Some(44_100));
            assert_eq!(props.channels(), Some(2));
            let tag = file.primary_tag().expect("tagged");
            assert!(tag.title().is_some() && tag.genre().is_some() && tag.date().is_some());
        }
        let file = lofty::read_from_path(&paths[12]).expect("lofty reads it");
        let tag = file.primary_tag().expect("tagged");
        assert_eq!(tag.title().as_deref(), Some("朝焼け"));
        assert_eq!(tag.artist().as_deref(), Some("青い鳥楽団"));
        assert_eq!(tag.album().as_deref(), Some("夜明けの歌"));
        assert_eq!(tag.track(), Some(1));
        assert_eq!(tag.date().map(|d| d.year), Some(2018));

        let featured = paths
            .iter()
            .find(|p| p.to_string_lossy().contains("Là-bas"));
        let file = lofty::read_from_path(featured.expect("featured track")).expect("reads");
        let tag = file.primary_tag().expect("tagged");
        assert_eq!(
            tag.artist().as_deref(),
            Some("Élodie Lumière feat. Sigrún Ósk")
        );
        assert_eq!(tag.get_string(ItemKey::AlbumArtist), Some("Élodie Lumière"));
    }

    #[test]
    fn demo_library_is_deterministic() {
        let (a, b) = (
            tempfile::tempdir().expect("a"),
            tempfile::tempdir().expect("b"),
        );
        let first = generate_demo(a.path()).expect("first");
        let second = generate_demo(b.path()).expect("second");
        assert_eq!(relative(a.path(), &first), relative(b.path(), &second));
        for (x, y) in first.iter().zip(&second) {
            let same = std::fs::read(x).expect("x") == std::fs::read(y).expect("y");
            assert!(same, "{} differs between runs", x.display());
        }
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
        assert_eq!(rel.iter().filter(|p| p.ends_with(".flac")).count(), 62);

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

    #[test]
    fn unwritable_destination_names_the_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").expect("write");
        let err = generate_demo(&blocker).expect_err("not a directory");
        assert!(err.to_string().contains("file"), "{err}");
    }

    #[test]
    fn file_names_are_portable() {
        assert_eq!(file_name("AC/DC: Live?"), "AC_DC_ Live_");
        assert_eq!(file_name("Trailing... "), "Trailing");
        assert_eq!(file_name("夜明けの歌"), "夜明けの歌");
    }
}
