//! The `--demo` library: a small, pleasant catalogue of tagged FLAC melodies.

use std::path::{Path, PathBuf};

use media::synth::{SynthError, TagSpec, create_dir, encode_flac, melody, write_tagged};
use rayon::prelude::*;

use super::catalogue::ALBUMS;

const DEMO_RATE: u32 = 44_100;

/// Writes the demo library under `dir` as `<Artist>/<Album>/NN - Title.flac`
/// (44.1 kHz stereo melodies of 6-15 s, fully tagged) and returns the files
/// in catalogue order. The same files are produced on every run.
pub fn generate_demo(dir: &Path) -> Result<Vec<PathBuf>, SynthError> {
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
            write_tagged(&path, encode_flac(&pcm), &spec)?;
            Ok(path)
        })
        .collect()
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
