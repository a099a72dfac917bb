//! Numbers as people read them.

/// `m:ss`, or `h:mm:ss` from an hour up.
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A long total, e.g. `3 d 4:05:06`.
pub fn long_duration(ms: u64) -> String {
    let days = ms / 86_400_000;
    if days > 0 {
        format!("{days} d {}", duration(ms % 86_400_000))
    } else {
        duration(ms)
    }
}

/// `1,234,567`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 track` / `2 tracks`.
/// A size in decimal megabytes, as disc capacities are quoted: `282.9 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(225_999), "3:45");
        assert_eq!(duration(3_723_000), "1:02:03");
        assert_eq!(long_duration(90_061_000), "1 d 1:01:01");
    }

    #[test]
    fn counts() {
        assert_eq!(count(7), "7");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(plural(1, "track", "tracks"), "1 track");
        assert_eq!(plural(2, "track", "tracks"), "2 tracks");
    }
}
