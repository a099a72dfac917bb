//! Track details guessed from a file's name and folders, for files without tags.
//!
//! File names: `07 - Title`, `07. Title`, `07_Title`, `07 Title`, `07` alone, `1-07 Title` and
//! `CD2-07 Title` / `Disc 2 - 07 Title` (disc 2, track 7), `track07` / `Track 7 - Title`,
//! `A3 Title` (a vinyl side: side A is disc 1, B disc 2, …, so A1, A2, B1 sort as on the
//! record), `Artist - Title` and `07 - Artist - Title`. Track numbers have one to three digits:
//! four (`1984 - Title`, `2001 A Space Odyssey`) are a year or a catalogue number, not a track.
//!
//! Folders ([`folder_parts`]): the album is the file's folder (`Album/CD2/` is disc 2 of
//! `Album`), and where the layout is `Artist/Album/` below the imported folder, the artist is the
//! album folder's parent.

use std::path::{Component, Path};

use crate::text::clean;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct NameParts {
    pub disc: Option<u32>,
    pub track: Option<u32>,
    pub artist: Option<String>,
    pub title: String,
}

/// Splits a file stem (the name without extension) into its parts.
pub(crate) fn parse_stem(stem: &str) -> NameParts {
    let mut name = clean(stem);
    // `07_Some_Title` uses underscores as spaces; in `07 - My_Band` they are part of the name.
    if !name.contains(' ') && name.contains('_') {
        name = clean(&name.replace('_', " "));
    }

    let (disc, track, rest) = match split_numbers(&name) {
        // A number alone (`07`, `track07`, `CD2-07`) is read, and the name stays the title.
        Some((disc, track, "")) => (disc, Some(track), name.as_str()),
        Some((disc, track, rest)) => (disc, Some(track), rest),
        None => (None, None, name.as_str()),
    };

    let (artist, title) = match rest.split_once(" - ") {
        Some((artist, title)) if !artist.trim().is_empty() && !title.trim().is_empty() => {
            (Some(artist.trim().to_string()), title.trim())
        }
        _ => (None, rest),
    };

    NameParts {
        disc: disc.filter(|&n| n > 0),
        track: track.filter(|&n| n > 0),
        artist,
        title: title.to_string(),
    }
}

/// Recognises the leading numbers of a name; returns (disc, track, the text after them). The
/// text is empty when the numbers are the whole name.
fn split_numbers(name: &str) -> Option<(Option<u32>, u32, &str)> {
    if let Some((disc, rest)) = disc_prefix(name)
        && let Some((track, text)) = rest
            .strip_prefix(is_separator)
            .map(|r| r.trim_start_matches(is_separator))
            .and_then(leading_number)
            .and_then(|(track, after)| Some((track, tail(after)?)))
    {
        return Some((Some(disc), track, text));
    }
    if let Some(rest) = strip_word(name, "track")
        && let Some((track, after)) = leading_number(rest)
    {
        return Some((None, track, tail(after)?));
    }
    if let Some(found) = vinyl_side(name) {
        return Some(found);
    }
    let (first, rest) = leading_number(name)?;
    // `1-07 Title`, but `1-Title` is track 1.
    if let Some((second, after)) = rest.strip_prefix('-').and_then(leading_number)
        && (after.is_empty() || after.starts_with(is_separator))
    {
        return Some((Some(first), second, tail(after)?));
    }
    Some((None, first, tail(rest)?))
}

/// What follows a number: nothing (the number is the whole name), or separators and text; a
/// letter right after the digits (`07Title`) means the digits are part of a word.
fn tail(after: &str) -> Option<&str> {
    if after.is_empty() {
        return Some("");
    }
    after
        .starts_with(is_separator)
        .then(|| after.trim_start_matches(is_separator))
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_')
}

/// `CD2`, `cd 2`, `Disc-2`, `disk2`: the disc number and what follows it.
fn disc_prefix(name: &str) -> Option<(u32, &str)> {
    let rest = ["cd", "disc", "disk"]
        .iter()
        .find_map(|word| strip_word(name, word))?;
    leading_number(rest)
}

/// `name` without a leading `word` (any case) and one optional space, `_` or `-`, when digits
/// follow (`Tracking 7` is not the word `track`).
fn strip_word<'a>(name: &'a str, word: &str) -> Option<&'a str> {
    let head = name.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &name[word.len()..];
    let rest = rest.strip_prefix([' ', '_', '-']).unwrap_or(rest);
    rest.starts_with(|c: char| c.is_ascii_digit())
        .then_some(rest)
}

/// `A3 Title`: a capital A to H and a one- or two-digit track; the side is the disc (A is 1).
/// Lower case (`a1`) and other letters (`U2 - One`) are not sides.
fn vinyl_side(name: &str) -> Option<(Option<u32>, u32, &str)> {
    let side = name.chars().next().filter(|c| ('A'..='H').contains(c))?;
    let (track, after) =
        leading_number(&name[1..]).filter(|(n, rest)| *n > 0 && name.len() - rest.len() <= 3)?;
    Some((
        Some(u32::from(side) - u32::from('A') + 1),
        track,
        tail(after)?,
    ))
}

/// Up to three ASCII digits at the start; longer numbers (years, catalogue numbers) are not track
/// numbers.
fn leading_number(text: &str) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let (number, rest) = text.split_at(digits);
    Some((number.parse().ok()?, rest))
}

/// What a file's folders say about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FolderParts {
    /// The name of the file's folder, or of the folder above a disc folder (`CD2`).
    pub album: String,
    /// The name of the album folder's parent, when that is below `root`: the imported folder
    /// itself is not an artist (`Downloads/Some Game OST/` has none).
    pub artist: Option<String>,
    /// From a disc folder: `Album/CD2/` or `Album/Disc 2/`.
    pub disc: Option<u32>,
}

/// The album, artist and disc that the folders of `path` suggest, `root` being the imported
/// folder (or file) it was found under. Only folders from `root` down are used: the album folder
/// may be `root` itself, the artist folder must be below it. Names are cleaned like tag text.
pub(crate) fn folder_parts(path: &Path, root: &Path) -> FolderParts {
    let folder = path.parent().unwrap_or(Path::new(""));
    // The folders' names from the top down, and how many of them are not below `root`.
    let (mut names, above): (Vec<String>, usize) = match folder.strip_prefix(root) {
        Ok(below) => {
            let top = root.file_name();
            let names = top
                .into_iter()
                .chain(below.components().filter_map(|c| match c {
                    Component::Normal(name) => Some(name),
                    _ => None,
                }))
                .map(|name| clean(&name.to_string_lossy()))
                .collect();
            (names, usize::from(top.is_some()))
        }
        // An imported file: its own folder is all there is to go by.
        Err(_) => (
            folder
                .file_name()
                .map(|name| clean(&name.to_string_lossy()))
                .into_iter()
                .collect(),
            1,
        ),
    };
    let mut disc = None;
    if names.len() > 1
        && let Some(last) = names.last()
        && let Some((n, "")) = disc_prefix(last)
    {
        disc = Some(n).filter(|&n| n > 0);
        names.pop();
    }
    let album = names.pop().unwrap_or_default();
    let artist = if names.len() > above {
        names.pop()
    } else {
        None
    };
    FolderParts {
        album,
        artist,
        disc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        disc: Option<u32>,
        track: Option<u32>,
        artist: Option<&str>,
        title: &str,
    ) -> NameParts {
        NameParts {
            disc,
            track,
            artist: artist.map(str::to_string),
            title: title.to_string(),
        }
    }

    #[test]
    fn number_dash_title() {
        assert_eq!(
            parse_stem("07 - Untagged Song"),
            parts(None, Some(7), None, "Untagged Song")
        );
    }

    #[test]
    fn number_dot_underscore_and_space_forms() {
        assert_eq!(parse_stem("07. Title"), parts(None, Some(7), None, "Title"));
        assert_eq!(parse_stem("07_Title"), parts(None, Some(7), None, "Title"));
        assert_eq!(parse_stem("07 Title"), parts(None, Some(7), None, "Title"));
        assert_eq!(parse_stem("7-Title"), parts(None, Some(7), None, "Title"));
        assert_eq!(
            parse_stem("112 Hundred"),
            parts(None, Some(112), None, "Hundred")
        );
    }

    #[test]
    fn disc_and_track() {
        assert_eq!(
            parse_stem("1-07 Title"),
            parts(Some(1), Some(7), None, "Title")
        );
        assert_eq!(
            parse_stem("2-03 - Title"),
            parts(Some(2), Some(3), None, "Title")
        );
        assert_eq!(
            parse_stem("2-03_Other_Title"),
            parts(Some(2), Some(3), None, "Other Title")
        );
    }

    #[test]
    fn artist_and_title() {
        assert_eq!(
            parse_stem("Boards of Canada - Roygbiv"),
            parts(None, None, Some("Boards of Canada"), "Roygbiv")
        );
        assert_eq!(
            parse_stem("03 - Boards of Canada - Roygbiv"),
            parts(None, Some(3), Some("Boards of Canada"), "Roygbiv")
        );
        // Only the first " - " separates the artist.
        assert_eq!(
            parse_stem("A - B - C"),
            parts(None, None, Some("A"), "B - C")
        );
    }

    #[test]
    fn underscores_become_spaces_only_without_spaces() {
        assert_eq!(
            parse_stem("Some_Band_-_Some_Song"),
            parts(None, None, Some("Some Band"), "Some Song")
        );
        assert_eq!(
            parse_stem("07 - My_Song"),
            parts(None, Some(7), None, "My_Song")
        );
    }

    /// Each row: a stem and the (disc, track, artist, title) it must give.
    type Row<'a> = (&'a str, Option<u32>, Option<u32>, Option<&'a str>, &'a str);

    fn check(rows: &[Row<'_>]) {
        for &(stem, disc, track, artist, title) in rows {
            assert_eq!(
                parse_stem(stem),
                parts(disc, track, artist, title),
                "{stem:?}"
            );
        }
    }

    #[test]
    fn track_word_and_bare_numbers() {
        // No other text: the name stays the title, the number is read.
        check(&[
            ("track07", None, Some(7), None, "track07"),
            ("Track 7", None, Some(7), None, "Track 7"),
            ("TRACK_12", None, Some(12), None, "TRACK 12"),
            ("Track-3", None, Some(3), None, "Track-3"),
            ("Track 07 - Title", None, Some(7), None, "Title"),
            ("track07. Title", None, Some(7), None, "Title"),
            ("07", None, Some(7), None, "07"),
            ("7", None, Some(7), None, "7"),
            ("112", None, Some(112), None, "112"),
        ]);
    }

    #[test]
    fn disc_prefixes() {
        check(&[
            ("CD2-07 Title", Some(2), Some(7), None, "Title"),
            ("cd1 03 - Title", Some(1), Some(3), None, "Title"),
            ("Disc 2 - 05 - Title", Some(2), Some(5), None, "Title"),
            (
                "disk3_11_Other_Title",
                Some(3),
                Some(11),
                None,
                "Other Title",
            ),
            ("CD2-07", Some(2), Some(7), None, "CD2-07"),
            // A disc alone is not a track: `CD2 Bonus` is a title.
            ("CD2 Bonus", None, None, None, "CD2 Bonus"),
        ]);
    }

    #[test]
    fn vinyl_sides_are_discs() {
        // Side A is disc 1, side B disc 2, …: A1, A2, B1 sort as on the record.
        check(&[
            ("A3 Title", Some(1), Some(3), None, "Title"),
            ("B1 - Title", Some(2), Some(1), None, "Title"),
            ("D12. Title", Some(4), Some(12), None, "Title"),
            (
                "A2 - Some Band - Song",
                Some(1),
                Some(2),
                Some("Some Band"),
                "Song",
            ),
            ("B2", Some(2), Some(2), None, "B2"),
        ]);
    }

    #[test]
    fn letters_and_numbers_that_are_not_sides() {
        // Only capital A to H followed by one or two digits are sides.
        check(&[
            ("U2 - One", None, None, Some("U2"), "One"),
            ("a1 Title", None, None, None, "a1 Title"),
            ("A123 Title", None, None, None, "A123 Title"),
            ("B52s", None, None, None, "B52s"),
            ("A0 Title", None, None, None, "A0 Title"),
            ("Tracking 7", None, None, None, "Tracking 7"),
            ("Discovery 2", None, None, None, "Discovery 2"),
        ]);
    }

    #[test]
    fn years_are_not_track_numbers() {
        // Four digits are a year or a catalogue number, never a track: `1984 - Title` keeps the
        // usual `Artist - Title` reading (numeric band names exist), and a name that starts with
        // a year stays whole.
        check(&[
            ("1984 - Title", None, None, Some("1984"), "Title"),
            (
                "2001 A Space Odyssey",
                None,
                None,
                None,
                "2001 A Space Odyssey",
            ),
            ("1984", None, None, None, "1984"),
            ("track2001", None, None, None, "track2001"),
            ("CD2-2001 Title", None, None, None, "CD2-2001 Title"),
            (
                "99999999999999999999 Title",
                None,
                None,
                None,
                "99999999999999999999 Title",
            ),
        ]);
    }

    #[test]
    fn names_that_are_not_numbered() {
        assert_eq!(parse_stem("Intro"), parts(None, None, None, "Intro"));
        assert_eq!(
            parse_stem("1979 Song"),
            parts(None, None, None, "1979 Song")
        );
        assert_eq!(parse_stem("07Title"), parts(None, None, None, "07Title"));
        assert_eq!(parse_stem("0"), parts(None, None, None, "0"));
        assert_eq!(parse_stem("- Title"), parts(None, None, None, "- Title"));
        assert_eq!(parse_stem("00 Hidden"), parts(None, None, None, "Hidden"));
    }

    #[test]
    fn control_characters_in_names_are_cleaned() {
        assert_eq!(
            parse_stem("01 - Bad\u{1b}[2J Name"),
            parts(None, Some(1), None, "Bad Name")
        );
        assert_eq!(
            parse_stem("Bjo\u{308}rk - Joga").artist.as_deref(),
            Some("Björk")
        );
    }

    /// Each row: a file, the imported root, and the (album, artist, disc) its folders give.
    type FolderRow<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<u32>);

    fn check_folders(rows: &[FolderRow<'_>]) {
        for &(path, root, album, artist, disc) in rows {
            let found = folder_parts(Path::new(path), Path::new(root));
            assert_eq!(
                (found.album.as_str(), found.artist.as_deref(), found.disc),
                (album, artist, disc),
                "{path} under {root}"
            );
        }
    }

    #[test]
    fn album_and_artist_from_folders_below_the_root() {
        check_folders(&[
            ("/m/Ito/Forest/t.ogg", "/m", "Forest", Some("Ito"), None),
            // Deeper trees: the last two folders.
            (
                "/m/Games/Ito/Forest/t.ogg",
                "/m",
                "Forest",
                Some("Ito"),
                None,
            ),
            // The imported folder itself is not an artist…
            ("/dl/Some OST/01.mp3", "/dl", "Some OST", None, None),
            // …but may be the album.
            (
                "/dl/Some OST/01.mp3",
                "/dl/Some OST",
                "Some OST",
                None,
                None,
            ),
            (
                "/m/Bjo\u{308}rk/Post/x.flac",
                "/m",
                "Post",
                Some("Björk"),
                None,
            ),
        ]);
    }

    #[test]
    fn disc_folders_are_discs_of_the_album_above() {
        check_folders(&[
            (
                "/m/Ito/Double/CD2/01.flac",
                "/m",
                "Double",
                Some("Ito"),
                Some(2),
            ),
            ("/m/Double/Disc 1/01.flac", "/m", "Double", None, Some(1)),
            // A disc folder that is the imported folder has no album above it within the import.
            ("/m/Double/CD1/01.flac", "/m/Double/CD1", "CD1", None, None),
            (
                "/m/Ito/CD1 Bonus/01.flac",
                "/m",
                "CD1 Bonus",
                Some("Ito"),
                None,
            ),
        ]);
    }

    #[test]
    fn imported_files_and_the_filesystem_root() {
        check_folders(&[
            // A single imported file is its own root: only its folder counts.
            (
                "/m/Ito/Forest/01.flac",
                "/m/Ito/Forest/01.flac",
                "Forest",
                None,
                None,
            ),
            ("/Ito/Forest/01.flac", "/", "Forest", Some("Ito"), None),
            ("/01.flac", "/", "", None, None),
        ]);
    }
}
