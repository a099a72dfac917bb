use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Display width in terminal cells, as terminals draw it: CJK counts two, combining marks zero,
/// a half-width kana voiced mark (ﾞ, ﾟ) one, and an emoji sequence as its first emoji (see
/// [`for_display`]).
pub fn width(text: &str) -> usize {
    folded_width(&for_display(text))
}

/// The width of text already passed through [`for_display`].
fn folded_width(text: &str) -> usize {
    text.chars().map(cell_width).sum()
}

/// One character's cells. `unicode-width` calls the half-width voiced sound marks zero-width
/// (they extend the kana before them), but terminals give each its own cell; ratatui counts
/// them the same way.
fn cell_width(c: char) -> usize {
    match c {
        '\u{ff9e}' | '\u{ff9f}' => 1,
        c => c.width().unwrap_or(0),
    }
}

/// `text` as it is drawn: an emoji sequence joined with zero-width joiners (👩‍💻) or carrying
/// a skin-tone modifier is folded to its first emoji, because terminals disagree on how wide
/// such a sequence is (two cells, or one emoji after another) and a row whose width is guessed
/// wrong shifts its columns and the pane's border.
pub fn for_display(text: &str) -> Cow<'_, str> {
    let folds = |c: char| c == '\u{200d}' || is_skin_tone(c);
    if !text.chars().any(folds) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{200d}' {
            // The joiner and what it joins go; variation selectors after it go with them.
            let _ = chars.next();
            continue;
        }
        if is_skin_tone(c) || (c == '\u{fe0f}' && out.ends_with('\u{200d}')) {
            continue;
        }
        out.push(c);
    }
    Cow::Owned(out)
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

/// The longest prefix that fits in `max` cells, with `…` when something was cut.
pub fn truncate_to_width(text: &str, max: usize) -> String {
    let text = for_display(text);
    if folded_width(&text) <= max {
        return text.into_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = cell_width(c);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Exactly `cells` wide: truncated with `…`, or padded with spaces, so columns stay aligned
/// even when a wide character would straddle the edge.
pub fn fit(text: &str, cells: usize) -> String {
    let mut out = truncate_to_width(text, cells);
    let used = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_and_combining_characters_are_measured() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("坂本"), 4);
        assert_eq!(width("e\u{301}"), 1);
    }

    #[test]
    fn fit_pads_and_truncates_to_exact_width() {
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        // A wide character that would straddle the edge is dropped and the gap padded.
        assert_eq!(width(&fit("坂本龍一", 6)), 6);
        assert_eq!(fit("坂本龍一", 6), "坂本… ");
    }

    #[test]
    fn half_width_kana_voiced_marks_take_a_cell_each() {
        // ｻｲﾄﾞ: four characters, four cells, as a terminal draws them.
        assert_eq!(width("ｻｲﾄﾞ B"), 6);
        assert_eq!(fit("ﾊﾟﾝ", 5), "ﾊﾟﾝ  ");
    }

    #[test]
    fn emoji_sequences_are_shown_as_their_first_emoji() {
        assert_eq!(for_display("👩\u{200d}💻 code"), "👩 code");
        assert_eq!(for_display("👨\u{200d}👩\u{200d}👧"), "👨");
        assert_eq!(for_display("👍\u{1f3fd} ok"), "👍 ok");
        assert_eq!(width("👩\u{200d}💻 code"), 7);
        assert_eq!(fit("👩\u{200d}💻 code", 8), "👩 code ");
        // Text without such sequences is not copied.
        assert!(matches!(for_display("plain 坂本"), Cow::Borrowed(_)));
    }
}
