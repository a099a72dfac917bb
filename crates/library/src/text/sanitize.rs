use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Makes text from a tag, a file name or a device safe to store and show: NFC-normalised, with
/// terminal escape sequences and control characters removed and runs of whitespace collapsed.
pub fn clean(raw: &str) -> String {
    let stripped = strip_escapes(raw);
    let mut out = String::with_capacity(stripped.len());
    let mut pending_space = false;
    for c in stripped.nfc() {
        // Tabs, newlines and stray controls inside a tag are layout, not content.
        if c.is_whitespace() || c.is_control() {
            pending_space = true;
            continue;
        }
        if is_invisible_format(c) {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Bidi overrides and similar format characters can reorder what the terminal shows.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS and two-byte ESC forms), including the C1
/// single-character introducers, so that nothing from a file can drive the terminal.
fn strip_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // Other two-character escapes (ESC c, ESC 7, …) end with that character.
                Some(_) | None => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            _ => out.push(c),
        }
    }
    out
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates are 0x20..=0x3f; the final byte is 0x40..=0x7e.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) || !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // OSC/DCS strings end with BEL, ST (ESC \) or the C1 ST.
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Folds text for searching: lower case, accents removed (`Björk` → `bjork`), compatibility
/// forms unified (full-width `ＡＢＣ` → `abc`).
pub fn fold(text: &str) -> String {
    // Most tags are ASCII, where folding is plain lower-casing; the UI folds 100,000s of them.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            'œ' | 'Œ' => out.push_str("oe"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_csi_and_osc_sequences() {
        assert_eq!(clean("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(clean("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(
            clean("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "xlink"
        );
        assert_eq!(clean("\u{9b}2Jclear"), "clear");
    }

    #[test]
    fn control_characters_become_single_spaces() {
        assert_eq!(clean("one\ttwo\n\nthree\u{7}"), "one two three");
        assert_eq!(clean("  padded  "), "padded");
        assert_eq!(clean("a\u{202e}b"), "ab");
    }

    #[test]
    fn clean_normalises_to_nfc() {
        let nfd = "Bjo\u{308}rk";
        assert_eq!(clean(nfd), "Björk");
        assert_eq!(clean(nfd).chars().count(), 5);
    }

    #[test]
    fn fold_removes_case_and_accents() {
        assert_eq!(fold("Björk"), "bjork");
        assert_eq!(fold("Sigur Rós"), "sigur ros");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("坂本龍一"), "坂本龍一");
    }
}
