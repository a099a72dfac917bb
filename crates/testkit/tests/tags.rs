//! Tag writing in every format the test kit writes.

use lofty::file::{AudioFile, TaggedFileExt};
use lofty::tag::{Accessor, ItemKey, TagType};
use media::synth::{Pcm, TagSpec, tagged, write_flac, write_tags};
use testkit::{write_silent_m4a, write_silent_mp3, write_silent_vorbis};

fn spec() -> TagSpec {
    TagSpec {
        title: "夜明けの歌 – Élan".into(),
        artist: "青い鳥楽団".into(),
        album: "Полярный Экспресс".into(),
        album_artist: Some("Οι Νυχτερινοί Φάροι".into()),
        track: Some(7),
        year: Some(2019),
        genre: Some("Ambient".into()),
    }
}

#[test]
fn tags_round_trip_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let files = [
        (d.join("a.flac"), TagType::VorbisComments),
        (d.join("a.mp3"), TagType::Id3v2),
        (d.join("a.ogg"), TagType::VorbisComments),
        (d.join("a.m4a"), TagType::Mp4Ilst),
    ];
    write_flac(&files[0].0, &Pcm::silence(0.5, 44_100, 2)).expect("flac");
    write_silent_mp3(&files[1].0, 0.5, 44_100, 2).expect("mp3");
    write_silent_vorbis(&files[2].0, 0.5, 44_100, 2).expect("ogg");
    write_silent_m4a(&files[3].0, 0.5, 44_100, 2).expect("m4a");
    let want = spec();
    for (path, tag_type) in &files {
        write_tags(path, &want).expect("tagged");
        let file = lofty::read_from_path(path).expect("readable after tagging");
        let tag = file.primary_tag().expect("primary tag");
        assert_eq!(tag.tag_type(), *tag_type);
        let name = path.display();
        assert_eq!(tag.title().as_deref(), Some(want.title.as_str()), "{name}");
        assert_eq!(
            tag.artist().as_deref(),
            Some(want.artist.as_str()),
            "{name}"
        );
        assert_eq!(tag.album().as_deref(), Some(want.album.as_str()), "{name}");
        assert_eq!(
            tag.get_string(ItemKey::AlbumArtist),
            want.album_artist.as_deref(),
            "{name}"
        );
        assert_eq!(tag.track(), Some(7), "{name}");
        assert_eq!(tag.date().map(|d| d.year), Some(2019), "{name}");
        assert_eq!(tag.genre().as_deref(), Some("Ambient"), "{name}");
        // Tagging must not disturb the audio properties.
        assert!(file.properties().duration().as_millis() >= 500, "{name}");
    }
}

#[test]
fn tagging_in_memory_matches_tagging_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["c.flac", "c.mp3"] {
        let path = dir.path().join(name);
        if name.ends_with("flac") {
            write_flac(&path, &Pcm::silence(0.3, 44_100, 1)).expect("flac");
        } else {
            write_silent_mp3(&path, 0.3, 44_100, 1).expect("mp3");
        }
        let untagged = std::fs::read(&path).expect("read");
        write_tags(&path, &spec()).expect("tagged on disk");
        let in_memory = tagged(untagged, &path, &spec()).expect("tagged in memory");
        assert_eq!(std::fs::read(&path).expect("read"), in_memory, "{name}");
    }
}

#[test]
fn optional_fields_may_be_absent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.mp3");
    write_silent_mp3(&path, 0.2, 48_000, 1).expect("mp3");
    let spec = TagSpec {
        title: "t".into(),
        artist: "a".into(),
        album: "b".into(),
        year: Some(-5),
        ..TagSpec::default()
    };
    write_tags(&path, &spec).expect("tagged");
    let file = lofty::read_from_path(&path).expect("readable");
    let tag = file.primary_tag().expect("tag");
    assert_eq!(tag.title().as_deref(), Some("t"));
    assert_eq!(tag.track(), None);
    assert_eq!(tag.date(), None);
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("gone.flac");
    let err = write_tags(&missing, &spec()).expect_err("missing file");
    assert!(err.to_string().contains("gone.flac"), "{err}");
    let junk = dir.path().join("junk.mp3");
    std::fs::write(&junk, b"not audio at all").expect("write");
    let err = write_tags(&junk, &spec()).expect_err("not audio");
    assert!(err.to_string().contains("junk.mp3"), "{err}");
}
