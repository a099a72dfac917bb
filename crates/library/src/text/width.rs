use unicode_width::UnicodeWidthChar;

/// Display width in terminal cells: CJK counts two, combining marks zero.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The longest prefix that fits in `max` cells, with `…` when something was cut.
pub fn truncate_to_width(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
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
}
