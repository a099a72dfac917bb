//! "Did you mean" hints for misspelt configuration keys and action names.

/// The candidate closest to `word`, when it is close enough to be what was meant: at most two
/// edits away, and fewer edits than half the word (so `foo` does not suggest `log`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count().saturating_sub(1) / 2).clamp(1, 2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .min()
        .filter(|&(distance, _)| distance <= limit)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: Levenshtein with swapping two neighbours counted as one
/// edit, because `mdoe` for `mode` is one slip of the fingers.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the distance table.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut cur = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                cur[j + 1] = cur[j + 1].min(before[j - 1] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_insertions_deletions_substitutions_and_swaps() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("mode", "mode"), 0);
        assert_eq!(edit_distance("quitt", "quit"), 1);
        assert_eq!(edit_distance("mdoe", "mode"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggests_only_near_misses() {
        let keys = ["mode", "title", "disc_title", "group_albums"];
        assert_eq!(did_you_mean("mdoe", keys), Some("mode"));
        assert_eq!(did_you_mean("titel", keys), Some("title"));
        assert_eq!(did_you_mean("group_album", keys), Some("group_albums"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("foo", ["log"]), None);
        assert_eq!(did_you_mean("x", keys), None);
    }
}
