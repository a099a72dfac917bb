//! Track details guessed from a file name, for files that have no title tag.
//!
//! Understood shapes: `07 - Title`, `07. Title`, `07_Title`, `07 Title`, `1-07 Title` (disc 1,
//! track 7), `Artist - Title` and `07 - Artist - Title`.

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

/// Recognises a leading `07` or `1-07` followed by a separator and some text; returns
/// (disc, track, text after the separator).
fn split_numbers(name: &str) -> Option<(Option<u32>, u32, &str)> {
    let (first, rest) = leading_number(name)?;
    let (disc, track, rest) = match rest.strip_prefix('-').and_then(leading_number) {
        // `1-07 Title`, but `1-Title` is track 1.
        Some((second, after)) if starts_with_separator(after) => (Some(first), second, after),
        _ => (None, first, rest),
    };
    if !starts_with_separator(rest) {
        return None;
    }
    let text = rest.trim_start_matches([' ', '.', '-', '_']);
    // `07.` or `07 -` alone: the number is the whole name, not a track prefix.
    (!text.is_empty()).then_some((disc, track, text))
}

fn starts_with_separator(text: &str) -> bool {
    text.starts_with([' ', '.', '-', '_'])
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

    #[test]
    fn names_that_are_not_numbered() {
        assert_eq!(parse_stem("Intro"), parts(None, None, None, "Intro"));
        assert_eq!(
            parse_stem("1979 Song"),
            parts(None, None, None, "1979 Song")
        );
        assert_eq!(parse_stem("07"), parts(None, None, None, "07"));
        assert_eq!(parse_stem("07Title"), parts(None, None, None, "07Title"));
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
}
