//! Titles: Unicode in, Shift-JIS out. The half-width slot takes ASCII and half-width katakana;
//! the full-width slot takes two-byte Shift-JIS and is written as well when the text holds kana
//! or kanji. Conversions that lose something say so in warnings.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use encoding_rs::SHIFT_JIS;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::disc::{CELL_BYTES, Mode};

/// A title ready for the recorder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Title {
    /// What goes in the half-width slot (ASCII and half-width katakana only).
    pub half_width: String,
    /// What goes in the full-width slot, when the text needs one.
    pub full_width: Option<String>,
    pub warnings: Vec<String>,
}

impl Title {
    pub fn half_width_bytes(&self) -> Vec<u8> {
        encode(&self.half_width)
    }

    pub fn full_width_bytes(&self) -> Vec<u8> {
        self.full_width.as_deref().map(encode).unwrap_or_default()
    }
}

/// Converts user text into the titles to write.
pub fn prepare(input: &str) -> Title {
    let (half_width, mut warnings) = to_half_width(input);
    let full_width = if needs_full_width(input) {
        let (full, full_warnings) = to_full_width(input);
        warnings.extend(full_warnings);
        Some(full)
    } else {
        None
    };
    Title {
        half_width,
        full_width,
        warnings,
    }
}

/// Kana or kanji: the text is worth a full-width title.
pub fn needs_full_width(input: &str) -> bool {
    input.chars().any(is_kana_or_kanji)
}

fn is_kana_or_kanji(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007      // 々 〆 〇
        | 0x3041..=0x30ff    // hiragana, katakana
        | 0x31f0..=0x31ff    // katakana phonetic extensions
        | 0x3400..=0x4dbf    // CJK extension A
        | 0x4e00..=0x9fff    // CJK unified ideographs
        | 0xf900..=0xfaff    // CJK compatibility ideographs
        | 0xff66..=0xff9f    // half-width katakana
        | 0x20000..=0x2ffff) // CJK extensions B…
}

/// Full-width katakana (and the CJK punctuation that has a half-width form) → half-width.
/// Derived from Unicode's own compatibility mappings of the half-width block, so it is exact.
fn half_width_kana_table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for code in 0xff61u32..=0xff9f {
            let Some(half) = char::from_u32(code) else {
                continue;
            };
            let mut full = half.nfkc();
            if let (Some(f), None) = (full.next(), full.next()) {
                table.insert(f, half);
            }
        }
        // The spacing sound marks map like the combining ones.
        table.insert('\u{309b}', 'ﾞ');
        table.insert('\u{309c}', 'ﾟ');
        // Small and archaic kana without a half-width form: the nearest sound.
        for (full, half) in [
            ('ヮ', 'ﾜ'),
            ('ヵ', 'ｶ'),
            ('ヶ', 'ｹ'),
            ('ヰ', 'ｲ'),
            ('ヱ', 'ｴ'),
        ] {
            table.insert(full, half);
        }
        table
    })
}

/// Latin letters and punctuation that do not decompose into ASCII.
fn transliteration(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ẞ' => "SS",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ø' => "o",
        'Ø' => "O",
        'đ' | 'ð' => "d",
        'Đ' | 'Ð' => "D",
        'ł' => "l",
        'Ł' => "L",
        'þ' => "th",
        'Þ' => "Th",
        'ı' => "i",
        'ħ' => "h",
        'Ħ' => "H",
        '‘' | '’' | '‚' | '‛' | '′' | '‹' | '›' => "'",
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => "-",
        '…' => "...",
        '·' | '•' => ".",
        '×' => "x",
        '÷' => "/",
        '€' => "EUR",
        '£' => "GBP",
        '©' => "(c)",
        '®' => "(R)",
        '™' => "TM",
        '¡' => "!",
        '¿' => "?",
        '\u{a0}' | '\u{3000}' => " ",
        _ => return None,
    })
}

/// Characters that only modify the one before them (emoji joiners, variation selectors, skin
/// tones): dropped, so an emoji becomes one `?`, not several.
fn is_modifier(c: char) -> bool {
    matches!(c as u32, 0x200b..=0x200d | 0xfe00..=0xfe0f | 0x1f3fb..=0x1f3ff | 0xe0020..=0xe007f)
        || is_combining_mark(c)
}

fn half_width_char(c: char, out: &mut String) -> bool {
    if c == ' ' || c.is_ascii_graphic() {
        out.push(c);
        return true;
    }
    if ('\u{ff61}'..='\u{ff9f}').contains(&c) {
        out.push(c);
        return true;
    }
    if let Some(t) = transliteration(c) {
        out.push_str(t);
        return true;
    }
    // Hiragana → katakana: the blocks are parallel.
    let kana = if ('\u{3041}'..='\u{3096}').contains(&c) || ('\u{309d}'..='\u{309e}').contains(&c) {
        char::from_u32(c as u32 + 0x60).unwrap_or(c)
    } else {
        c
    };
    let table = half_width_kana_table();
    if let Some(h) = table.get(&kana) {
        out.push(*h);
        return true;
    }
    // Voiced kana (ガ, パ, ヴ…) decompose into a base and a sound mark.
    let mut parts = kana.nfd();
    if let (Some(base), Some(mark), None) = (parts.next(), parts.next(), parts.next())
        && let Some(h) = table.get(&base)
    {
        let mark = match mark {
            '\u{3099}' => 'ﾞ',
            '\u{309a}' => 'ﾟ',
            _ => return false,
        };
        out.push(*h);
        out.push(mark);
        return true;
    }
    // Accents, full-width ASCII, ligatures, superscripts: keep the ASCII skeleton.
    let skeleton: String = c.nfkd().filter(|d| !is_combining_mark(*d)).collect();
    if !skeleton.is_empty() && skeleton.chars().all(|d| d == ' ' || d.is_ascii_graphic()) {
        out.push_str(&skeleton);
        return true;
    }
    false
}

/// The half-width title and warnings for what had to become `?`.
pub fn to_half_width(input: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(input.len());
    let mut lost = BTreeSet::new();
    for c in input.nfc() {
        if c.is_control() {
            // Line breaks in a tag are layout, not content.
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
            continue;
        }
        if is_modifier(c) {
            continue;
        }
        if !half_width_char(c, &mut out) {
            out.push('?');
            lost.insert(c);
        }
    }
    let warnings = if lost.is_empty() {
        Vec::new()
    } else {
        let names: Vec<String> = lost.iter().map(ToString::to_string).collect();
        let kept = if needs_full_width(input) {
            " (the full-width title keeps them)"
        } else {
            ""
        };
        vec![format!(
            "{} cannot be written in a half-width title and became ?{kept}",
            names.join(" ")
        )]
    };
    (out, warnings)
}

fn encodes_as_double_byte(c: char) -> bool {
    let mut buf = [0u8; 4];
    let (bytes, _, had_errors) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    !had_errors && bytes.len() == 2
}

/// The full-width title: every character two bytes of Shift-JIS.
pub fn to_full_width(input: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(input.len() * 2);
    let mut lost = BTreeSet::new();
    // NFKC joins half-width kana with their sound marks (ｶﾞ → ガ).
    for c in input.nfkc() {
        if c.is_control() || is_modifier(c) {
            continue;
        }
        if c == ' ' {
            out.push('\u{3000}');
        } else if c.is_ascii_graphic() {
            out.push(char::from_u32(c as u32 + 0xfee0).unwrap_or('？'));
        } else if encodes_as_double_byte(c) {
            out.push(c);
        } else {
            let mut half = String::new();
            if half_width_char(c, &mut half) && half.is_ascii() {
                let (full, _) = to_full_width(&half);
                out.push_str(&full);
            } else {
                out.push('？');
                lost.insert(c);
            }
        }
    }
    let warnings = if lost.is_empty() {
        Vec::new()
    } else {
        let names: Vec<String> = lost.iter().map(ToString::to_string).collect();
        vec![format!(
            "{} cannot be written in a full-width title and became ？",
            names.join(" ")
        )]
    };
    (out, warnings)
}

/// Shift-JIS bytes; anything unencodable becomes `?` (callers convert first, so it is rare).
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, had_errors) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
        if had_errors {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Unicode from Shift-JIS; malformed bytes become U+FFFD.
pub fn decode(bytes: &[u8]) -> String {
    SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned()
}

/// Cells a half-width title takes: LP tracks carry a hidden `LP:` marker.
pub fn half_width_cells(bytes: usize, mode: Option<Mode>) -> u32 {
    let marker = match mode {
        Some(Mode::LP2 | Mode::LP4) => 3,
        _ => 0,
    };
    (bytes as u32 + marker).div_ceil(CELL_BYTES)
}

/// Cells a full-width title takes in the full-width area.
pub fn full_width_cells(bytes: usize) -> u32 {
    (bytes as u32).div_ceil(CELL_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn half(s: &str) -> String {
        to_half_width(s).0
    }

    #[test]
    fn ascii_is_kept() {
        let t = prepare("Hello, World! ~\\");
        assert_eq!(t.half_width, "Hello, World! ~\\");
        assert_eq!(t.full_width, None);
        assert!(t.warnings.is_empty());
        assert_eq!(t.half_width_bytes(), b"Hello, World! ~\\");
    }

    #[test]
    fn katakana_and_hiragana_become_half_width() {
        assert_eq!(half("カタカナ"), "ｶﾀｶﾅ");
        assert_eq!(half("ひらがな"), "ﾋﾗｶﾞﾅ");
        assert_eq!(half("ガギグゲゴ パピプペポ"), "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ");
        assert_eq!(half("ヴァイオリン"), "ｳﾞｧｲｵﾘﾝ");
        assert_eq!(half("ラーメン・「テスト」。、"), "ﾗｰﾒﾝ･｢ﾃｽﾄ｣｡､");
        assert_eq!(half("ｶﾀｶﾅ"), "ｶﾀｶﾅ");
        assert_eq!(half("ヵヶ"), "ｶｹ");
        // Half-width katakana are single Shift-JIS bytes.
        assert_eq!(encode("ｶﾞ"), vec![0xb6, 0xde]);
    }

    #[test]
    fn accents_are_transliterated() {
        assert_eq!(half("Björk Guðmundsdóttir"), "Bjork Gudmundsdottir");
        assert_eq!(half("Café Ñandú"), "Cafe Nandu");
        assert_eq!(half("Straße Œuvre Ærø Łódź"), "Strasse OEuvre AEro Lodz");
        assert_eq!(half("“Quoted” – dash…"), "\"Quoted\" - dash...");
        assert!(to_half_width("Crème brûlée").1.is_empty());
    }

    #[test]
    fn full_width_ascii_is_folded() {
        assert_eq!(half("ＡＢＣ１２３！　ｘ"), "ABC123! x");
    }

    #[test]
    fn emoji_and_kanji_become_question_marks_with_a_warning() {
        let (h, w) = to_half_width("Love 👍🏽 ❤️ you");
        assert_eq!(h, "Love ? ? you");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains('👍'), "{w:?}");
        let (h, w) = to_half_width("東京 Tokyo");
        assert_eq!(h, "?? Tokyo");
        assert!(w[0].contains("full-width title keeps"), "{w:?}");
        let (h, _) = to_half_width("Ελλάδα");
        assert_eq!(h.chars().filter(|c| *c == '?').count(), 6);
    }

    #[test]
    fn full_width_title_for_kana_and_kanji() {
        let t = prepare("東京 Tokyo");
        assert_eq!(t.full_width.as_deref(), Some("東京　Ｔｏｋｙｏ"));
        assert_eq!(t.full_width_bytes().len(), 16);
        let t = prepare("ｶﾞｷﾞ");
        assert_eq!(t.full_width.as_deref(), Some("ガギ"));
        assert_eq!(t.half_width, "ｶﾞｷﾞ");
        let t = prepare("Café ラーメン 🍜");
        assert_eq!(t.full_width.as_deref(), Some("Ｃａｆｅ　ラーメン　？"));
        assert!(prepare("plain").full_width.is_none());
    }

    #[test]
    fn decode_round_trips() {
        for s in ["Hello", "ｶﾀｶﾅ", "東京　Ｔｏｋｙｏ", "ラーメン"] {
            assert_eq!(decode(&encode(s)), s);
        }
        assert_eq!(decode(&[0x82]), "\u{fffd}");
    }

    #[test]
    fn cells() {
        assert_eq!(half_width_cells(0, Some(Mode::SP)), 0);
        assert_eq!(half_width_cells(0, Some(Mode::LP2)), 1);
        assert_eq!(half_width_cells(7, None), 1);
        assert_eq!(half_width_cells(8, None), 2);
        assert_eq!(half_width_cells(4, Some(Mode::LP4)), 1);
        assert_eq!(half_width_cells(5, Some(Mode::LP4)), 2);
        assert_eq!(full_width_cells(16), 3);
    }
}
