use std::path::PathBuf;

use super::*;
use crate::{AtracMode, AudioCodec};

fn track(title: &str, artist: &str, album: &str, album_artist: &str) -> Track {
    Track {
        id: 1,
        path: PathBuf::from("/music/x.flac"),
        title: title.into(),
        artist: artist.into(),
        album: album.into(),
        album_artist: album_artist.into(),
        track_number: Some(1),
        disc_number: None,
        year: Some(1995),
        genre: "Electronic".into(),
        duration_ms: 1000,
        codec: AudioCodec::Flac,
        sample_rate: Some(44100),
        channels: Some(2),
        bitrate_kbps: Some(900),
        missing: false,
        mode: AtracMode::NotAtrac,
        protected: false,
        grouping: String::new(),
    }
}

fn bjork() -> Track {
    track("Hyperballad", "Björk", "Post", "Björk")
}

fn sigur_ros() -> Track {
    let mut t = track("Svefn-g-englar", "Sigur Rós", "Ágætis byrjun", "Sigur Rós");
    t.year = Some(1999);
    t.genre = "Post-rock".into();
    t.codec = AudioCodec::Vorbis;
    t
}

fn compilation_track() -> Track {
    let mut t = track("Windowlicker", "Aphex Twin", "Warp 20", "Various Artists");
    t.year = None;
    t.codec = AudioCodec::Mp3;
    t.genre = String::new();
    t
}

fn matches(query: &str, track: &Track) -> bool {
    let q = Query::parse(query).unwrap_or_else(|e| panic!("{query:?} did not parse: {e}"));
    q.matches(&Haystack::new(track))
}

#[test]
fn empty_and_blank_queries_match_everything() {
    for text in ["", "   ", "\t\n", "-", "\"\"", "artist:", "year:"] {
        let q = Query::parse(text).unwrap();
        assert!(q.is_empty(), "{text:?} should be empty");
        assert!(q.matches(&Haystack::new(&bjork())));
    }
    assert!(!Query::parse("x").unwrap().is_empty());
}

#[test]
fn plain_words_search_title_artist_album_and_album_artist() {
    let t = compilation_track();
    assert!(matches("windowlicker", &t));
    assert!(matches("aphex", &t));
    assert!(matches("warp", &t));
    assert!(matches("various", &t));
    assert!(matches("lick", &t), "substring");
    assert!(
        !matches("electronic", &bjork()),
        "genre is not searched by plain words"
    );
    assert!(
        !matches("flac", &bjork()),
        "codec is not searched by plain words"
    );
    assert!(!matches("nothing", &t));
}

#[test]
fn terms_are_combined_with_and() {
    let t = bjork();
    assert!(matches("bjork post", &t));
    assert!(matches("hyper   ballad", &t));
    assert!(!matches("bjork pre", &t));
}

#[test]
fn matching_ignores_case_and_accents_in_both_directions() {
    let b = bjork();
    assert!(matches("bjork", &b));
    assert!(matches("BJÖRK", &b));
    assert!(matches("Björk", &b));
    assert!(matches("BJORK", &b));
    let s = sigur_ros();
    assert!(matches("agaetis", &s));
    assert!(matches("ÁGÆTIS", &s));
    // Decomposed input (as typed on some systems) folds the same way.
    assert!(matches("Bjo\u{308}rk", &b));
}

#[test]
fn a_match_cannot_straddle_two_fields() {
    // Title ends in "ad", album starts with "Po": "adpo" or "ad po" must not match.
    let b = bjork();
    assert!(!matches("adpo", &b));
    assert!(!matches("\"ballad post\"", &b));
}

#[test]
fn quoted_phrases_keep_their_spaces() {
    let s = sigur_ros();
    assert!(matches("\"sigur ros\"", &s));
    assert!(
        matches("\"sigur    ros\"", &s),
        "whitespace inside quotes collapses"
    );
    assert!(!matches("\"ros sigur\"", &s));
    assert!(
        matches("ros sigur", &s),
        "unquoted words match in any order"
    );
    // An unclosed quote (still being typed) runs to the end.
    assert!(matches("\"sigur r", &s));
}

#[test]
fn artist_field_searches_artist_and_album_artist_only() {
    let t = compilation_track();
    assert!(matches("artist:aphex", &t));
    assert!(matches("artist:various", &t));
    assert!(!matches("artist:windowlicker", &t));
    assert!(!matches("artist:warp", &t));
    assert!(matches("ARTIST:Aphex", &t), "field names ignore case");
}

#[test]
fn title_album_and_genre_fields() {
    let s = sigur_ros();
    assert!(matches("title:svefn", &s));
    assert!(!matches("title:sigur", &s));
    assert!(matches("album:byrjun", &s));
    assert!(!matches("album:svefn", &s));
    assert!(matches("genre:rock", &s));
    assert!(matches("genre:post-rock", &s));
    assert!(!matches("genre:electronic", &s));
    assert!(!matches("genre:rock", &compilation_track()));
}

#[test]
fn grouping_is_a_field_of_its_own() {
    let mut s = sigur_ros();
    s.grouping = "Side A".into();
    assert!(matches("grouping:\"side a\"", &s));
    assert!(!matches("grouping:side", &bjork()));
    // A plain word does not search it.
    assert!(!matches("side", &s));
}

#[test]
fn field_values_may_be_quoted() {
    let s = sigur_ros();
    assert!(matches("artist:\"sigur ros\"", &s));
    assert!(matches("album:\"ágætis byrjun\" title:svefn", &s));
    assert!(!matches("artist:\"sigur rosa\"", &s));
}

#[test]
fn codec_is_an_exact_match() {
    assert!(matches("codec:flac", &bjork()));
    assert!(matches("codec:FLAC", &bjork()));
    assert!(!matches("codec:fla", &bjork()));
    assert!(matches("codec:vorbis", &sigur_ros()));
    assert!(!matches("codec:flac", &sigur_ros()));
}

#[test]
fn year_exact_and_ranges() {
    let b = bjork(); // 1995
    assert!(matches("year:1995", &b));
    assert!(!matches("year:1994", &b));
    assert!(matches("year:1990..1999", &b));
    assert!(matches("year:1995..1995", &b));
    assert!(!matches("year:1996..1999", &b));
    assert!(matches("year:..1995", &b));
    assert!(!matches("year:..1994", &b));
    assert!(matches("year:1995..", &b));
    assert!(!matches("year:1996..", &b));
    // Tracks without a year are in no range.
    assert!(!matches("year:1900..", &compilation_track()));
    assert!(matches("-year:1900..", &compilation_track()));
}

#[test]
fn leading_minus_negates_any_kind_of_term() {
    let b = bjork();
    let s = sigur_ros();
    assert!(matches("-live", &b));
    assert!(!matches("-bjork", &b));
    assert!(matches("post -rock", &b));
    assert!(
        !matches("post -rock", &s),
        "Sigur Rós has genre Post-rock but plain words skip genre"
    );
    assert!(matches("-genre:rock", &b));
    assert!(!matches("-genre:rock", &s));
    assert!(!matches("-codec:flac", &b));
    assert!(matches("-codec:flac", &s));
    assert!(!matches("-year:1990..1999", &b));
    assert!(!matches("-\"sigur ros\"", &s));
    assert!(matches("-artist:\"sigur ros\"", &b));
}

#[test]
fn words_with_colons_that_are_not_fields_are_plain_words() {
    let t = track("Time 12:34", "X", "Y", "X");
    assert!(matches("12:34", &t));
    let q = Query::parse(":)").unwrap();
    assert!(!q.is_empty());
}

#[test]
fn unknown_field_is_an_error_naming_it_and_the_known_fields() {
    let err = Query::parse("bjork foo:bar").unwrap_err();
    assert_eq!(
        err,
        QueryError::UnknownField {
            field: "foo".into()
        }
    );
    let message = err.to_string();
    assert!(message.contains("`foo:`"), "{message}");
    for field in KNOWN_FIELDS {
        assert!(message.contains(field), "{message} lacks {field}");
    }
    assert!(Query::parse("-Foo:\"x y\"").is_err());
}

#[test]
fn bad_years_are_errors_that_say_what_is_expected() {
    for text in [
        "year:abc",
        "year:19x4",
        "year:..",
        "year:1990...",
        "year:-5",
        "year:12345",
        "year:1990..abc",
    ] {
        let err = Query::parse(text).unwrap_err();
        assert!(matches!(err, QueryError::BadYear { .. }), "{text}: {err:?}");
        let message = err.to_string();
        assert!(message.contains("expected"), "{message}");
        assert!(message.contains("1990..1999"), "{message}");
    }
    let err = Query::parse("year:1999..1990").unwrap_err();
    assert!(matches!(err, QueryError::ReversedYears { .. }), "{err:?}");
    assert!(err.to_string().contains("1999..1990"));
}

#[test]
fn parse_builds_the_expected_terms() {
    let q = Query::parse("  Björk -artist:\"Sigur Rós\" year:..1999 codec:FLAC ").unwrap();
    assert_eq!(
        q.terms,
        vec![
            Term {
                negated: false,
                test: Test::Any("bjork".into())
            },
            Term {
                negated: true,
                test: Test::Artist("sigur ros".into())
            },
            Term {
                negated: false,
                test: Test::Year {
                    from: None,
                    to: Some(1999)
                }
            },
            Term {
                negated: false,
                test: Test::Codec("flac".into())
            },
        ]
    );
    assert_eq!(
        "bjork".parse::<Query>().unwrap(),
        Query::parse("BJÖRK").unwrap()
    );
}

#[test]
fn matches_track_agrees_with_haystack_matching() {
    let q = Query::parse("artist:bjork").unwrap();
    assert!(q.matches_track(&bjork()));
    assert!(!q.matches_track(&sigur_ros()));
    assert!(Query::default().matches_track(&sigur_ros()));
}

#[test]
fn album_artist_equal_to_artist_is_still_searchable() {
    let h = Haystack::new(&bjork());
    assert_eq!(h.segment(haystack::ALBUM_ARTIST), "");
    assert!(matches("artist:bjork", &bjork()));
}
