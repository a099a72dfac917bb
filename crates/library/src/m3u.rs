//! `.m3u` / `.m3u8` playlists: writing them with `#EXTINF` lines and paths relative to the
//! playlist where that is possible, and reading the entries back.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::text::clean;

use super::Track;

/// The text of a playlist file for `tracks`, whose paths are made relative to `dir` (the folder
/// the playlist file is in) when they share more than the root with it.
pub(crate) fn format(tracks: &[Track], dir: &Path) -> String {
    let mut out = String::from("#EXTM3U\n");
    for t in tracks {
        let secs = t.duration_ms.div_ceil(1000);
        // `clean` removes line breaks too, so a title cannot start a line of its own.
        let label = match (clean(&t.artist), clean(&t.title)) {
            (a, title) if a.is_empty() => title,
            (a, title) => format!("{a} - {title}"),
        };
        let _ = writeln!(out, "#EXTINF:{secs},{label}");
        let path = relative_to(&t.path, dir).unwrap_or_else(|| t.path.clone());
        out.push_str(&path.to_string_lossy());
        out.push('\n');
    }
    out
}

/// An entry of a playlist file: its 1-based line number and the path as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub line: usize,
    pub text: String,
}

/// The entries of a playlist file, in order. Bytes that are not UTF-8 are read as Windows-1252,
/// the encoding old `.m3u` files were written in.
pub(crate) fn parse(bytes: &[u8]) -> Vec<Entry> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(line, text)| Entry {
            line,
            text: text.to_string(),
        })
        .collect()
}

/// The file an entry names: `file://` URLs decoded, relative paths taken from `dir`.
pub(crate) fn resolve(entry: &str, dir: &Path) -> PathBuf {
    let path = match entry.strip_prefix("file://") {
        Some(rest) => PathBuf::from(percent_decode(
            rest.strip_prefix("localhost").unwrap_or(rest),
        )),
        None => PathBuf::from(entry),
    };
    let joined = if path.is_absolute() {
        path
    } else {
        dir.join(path)
    };
    // `..` is resolved by name, so that the path can be looked up in the library even when the
    // file is gone (the library stores paths without `..`).
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` relative to `dir`, when both are absolute and share at least one folder below the
/// root (a playlist in `/home/me/lists` refers to `/home/me/music/…` as `../music/…`, but to
/// `/media/usb/…` by its absolute path, which survives moving the playlist).
fn relative_to(path: &Path, dir: &Path) -> Option<PathBuf> {
    if !path.is_absolute() || !dir.is_absolute() {
        return None;
    }
    let p: Vec<Component<'_>> = path.components().collect();
    let d: Vec<Component<'_>> = dir.components().collect();
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    // The root itself (and a Windows prefix) is always shared; it does not count.
    let roots = p
        .iter()
        .take_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
        .count();
    if common <= roots {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_share_a_folder() {
        let rel = |p: &str, d: &str| relative_to(Path::new(p), Path::new(d));
        assert_eq!(rel("/m/a/x.flac", "/m"), Some("a/x.flac".into()));
        assert_eq!(rel("/m/a/x.flac", "/m/lists"), Some("../a/x.flac".into()));
        assert_eq!(rel("/media/x.flac", "/home/me"), None);
        assert_eq!(rel("x.flac", "/home/me"), None);
    }

    #[test]
    fn parsing_skips_comments_and_reads_latin1() {
        let entries = parse(b"\xef\xbb\xbf#EXTM3U\n#EXTINF:3,A - B\r\na.flac\n\n  b.mp3  \n");
        assert_eq!(
            entries,
            [
                Entry {
                    line: 3,
                    text: "a.flac".into()
                },
                Entry {
                    line: 5,
                    text: "b.mp3".into()
                }
            ]
        );
        let latin1 = parse(b"Bj\xf6rk.flac\n");
        assert_eq!(latin1[0].text, "Björk.flac");
    }

    #[test]
    fn urls_and_relative_entries_resolve() {
        let dir = Path::new("/lists");
        assert_eq!(resolve("a/b.flac", dir), PathBuf::from("/lists/a/b.flac"));
        assert_eq!(resolve("/x/b.flac", dir), PathBuf::from("/x/b.flac"));
        assert_eq!(resolve("../m/./b.flac", dir), PathBuf::from("/m/b.flac"));
        assert_eq!(
            resolve("file:///x/Bj%C3%B6rk%20b.flac", dir),
            PathBuf::from("/x/Björk b.flac")
        );
    }
}
