//! Natural order for names: `track2` before `track10`, ignoring case and accents.

use std::cmp::Ordering;

use super::fold;

/// The sort key of a name in natural order: text compared after [`fold`] (so case and accents
/// do not count: `Émile` sorts with `emile`), runs of ASCII digits compared as numbers of any
/// length (`track2` < `track10`, `007` = `7`), a number before a letter but after a space or
/// punctuation, as the digit characters themselves would sort. Names equal in that order (`07`
/// and `7`, `Track` and `track`) are ordered by their exact text, so only equal names have equal
/// keys and every sort by the key is deterministic.
///
/// Every list a person reads by name uses this key: the library's tree and flat list, the import
/// preview, path completion and the playlists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NaturalKey {
    /// The folded text with each digit run encoded so that bytes compare as the order wants.
    folded: Vec<u8>,
    exact: Box<str>,
}

/// Marks a number in [`NaturalKey::folded`]: the byte of the digit `0`, so that a number sorts
/// where digits sort among characters (digits never reach the key as themselves).
const NUMBER: u8 = b'0';

/// The natural-order key of `text`; see [`NaturalKey`].
pub fn natural_key(text: &str) -> NaturalKey {
    let folded = fold(text);
    let mut key = Vec::with_capacity(folded.len() + 4);
    let mut rest = folded.as_str();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            let text = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            key.extend_from_slice(&rest.as_bytes()[..text]);
            rest = &rest[text..];
            continue;
        }
        let (number, after) = rest.split_at(digits);
        push_number(&mut key, number.trim_start_matches('0'));
        rest = after;
    }
    NaturalKey {
        folded: key,
        exact: text.into(),
    }
}

/// Compares two names in natural order (see [`NaturalKey`]); for sorting many names, prefer
/// `sort_by_cached_key(|x| natural_key(x))`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    natural_key(a).cmp(&natural_key(b))
}

/// Appends a number given by its significant digits: the marker, its digit count (so a longer
/// number is a larger one, however long) and the digits. The count is written as a run of 255s
/// and a final byte below 255, which compares like the count itself and never ends early.
fn push_number(key: &mut Vec<u8>, significant: &str) {
    key.push(NUMBER);
    let mut len = significant.len();
    while len >= usize::from(u8::MAX) {
        key.push(u8::MAX);
        len -= usize::from(u8::MAX);
    }
    key.push(u8::try_from(len).unwrap_or(u8::MAX - 1));
    key.extend_from_slice(significant.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
        v.sort_by_cached_key(|s| natural_key(s));
        v
    }

    #[test]
    fn digit_runs_compare_as_numbers() {
        assert_eq!(
            sorted(&[
                "track10", "track2", "track1", "track20", "track11", "track3"
            ]),
            [
                "track1", "track2", "track3", "track10", "track11", "track20"
            ]
        );
        assert_eq!(
            sorted(&["1-10", "1-2", "2-1", "10-1"]),
            ["1-2", "1-10", "2-1", "10-1"]
        );
        assert_eq!(sorted(&["b", "10", "a", "9"]), ["9", "10", "a", "b"]);
        assert_eq!(natural_cmp("v1.10", "v1.9"), Ordering::Greater);
    }

    #[test]
    fn leading_zeros_do_not_change_the_number() {
        assert_eq!(
            sorted(&["track010", "track9", "track0011", "track1"]),
            ["track1", "track9", "track010", "track0011"]
        );
        assert_eq!(sorted(&["0", "00", "1", "000"]), ["0", "00", "000", "1"]);
        // Equal as numbers, then ordered by the exact text: the key is still total.
        assert_eq!(natural_cmp("07", "7"), Ordering::Less);
        assert_ne!(natural_key("07"), natural_key("7"));
        assert_eq!(sorted(&["a07b", "a7a"]), ["a7a", "a07b"]);
    }

    #[test]
    fn case_and_accents_do_not_count() {
        assert_eq!(
            sorted(&["Track2", "track10", "TRACK1"]),
            ["TRACK1", "Track2", "track10"]
        );
        assert_eq!(
            sorted(&["Zoë", "émile 2", "Emile 10", "abba"]),
            ["abba", "émile 2", "Emile 10", "Zoë"]
        );
        assert_eq!(
            sorted(&["Straße 3", "strasse 20"]),
            ["Straße 3", "strasse 20"]
        );
        // Full-width digits are digits.
        assert_eq!(sorted(&["第１０話", "第２話"]), ["第２話", "第１０話"]);
        // Equal after folding: the exact text decides, so the order does not depend on input.
        assert_eq!(sorted(&["track", "Track"]), ["Track", "track"]);
        assert_eq!(sorted(&["Track", "track"]), ["Track", "track"]);
    }

    #[test]
    fn numbers_sort_where_digits_sort_among_characters() {
        // Space and punctuation before digits, letters and other scripts after them.
        assert_eq!(
            sorted(&["a b", "a1", "a-", "ab", "aé", "a"]),
            ["a", "a b", "a-", "a1", "ab", "aé"]
        );
        assert_eq!(
            sorted(&["東京 2", "東京 10", "大阪", "1"]),
            ["1", "大阪", "東京 2", "東京 10"]
        );
    }

    #[test]
    fn cjk_and_empty_names() {
        assert_eq!(sorted(&["夜", "", "朝", "a"]), ["", "a", "夜", "朝"]);
        assert_eq!(natural_cmp("", ""), Ordering::Equal);
        assert_eq!(natural_cmp("", "0"), Ordering::Less);
    }

    #[test]
    fn very_long_digit_runs_do_not_overflow() {
        let big = "9".repeat(300);
        let bigger = format!("1{}", "0".repeat(300));
        let huge = "1".repeat(600);
        let zeros = format!("{}5", "0".repeat(1000));
        assert_eq!(
            sorted(&[&huge, &bigger, &big, "18446744073709551616", &zeros, "2"]),
            [
                "2".to_string(),
                zeros.clone(),
                "18446744073709551616".into(),
                big.clone(),
                bigger.clone(),
                huge.clone()
            ]
        );
        // 255 and 254 digits: the count's run of 255s keeps the order.
        let (a, b) = ("9".repeat(254), "1".repeat(255));
        assert_eq!(natural_cmp(&a, &b), Ordering::Less);
        let (c, d) = ("9".repeat(255), format!("{}x", "9".repeat(255)));
        assert_eq!(natural_cmp(&c, &d), Ordering::Less);
        // However long, leading zeros only matter to the exact-text tie-break.
        let padded = format!("00{c}");
        assert_eq!(natural_key(&padded).folded, natural_key(&c).folded);
        assert_eq!(natural_cmp(&padded, &c), Ordering::Less);
    }
}
