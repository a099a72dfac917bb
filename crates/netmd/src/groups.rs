//! Groups live in the raw disc title: `0;Disc title//1-3;Group A//4;Solo//` (1-based,
//! consecutive tracks), with a full-width twin `０；…／／１－３；…／／`. This module parses and
//! compiles that syntax and keeps the ranges right when tracks move or are deleted.

use std::fmt::Write as _;

use thiserror::Error;

use super::disc::MAX_GROUPS;
use super::titles;

/// A group of consecutive tracks `first..=last` (numbered from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub title: String,
    pub full_width_title: Option<String>,
    pub first: u32,
    pub last: u32,
}

impl Group {
    pub fn contains(&self, track: u32) -> bool {
        self.first <= track && track <= self.last
    }

    pub fn len(&self) -> u32 {
        self.last + 1 - self.first
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The disc title and its groups, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub title: String,
    pub full_width_title: Option<String>,
    /// Sorted by first track, never overlapping.
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum GroupError {
    #[error("tracks {first}–{last} are not on the disc (it has {count} tracks)")]
    OutOfRange { first: u32, last: u32, count: u32 },
    #[error("track {track} is already in group {group} ({title:?})")]
    Overlap {
        track: u32,
        group: usize,
        title: String,
    },
    #[error("group {0} does not exist")]
    NoSuchGroup(usize),
    #[error("a disc holds at most {MAX_GROUPS} groups")]
    TooMany,
    #[error("track {track} is not in a group")]
    NotGrouped { track: u32 },
    #[error(
        "group {title:?} is split: track {track} is not next to track {last}, its last one \
         (a group is a run of consecutive tracks)"
    )]
    Split {
        title: String,
        track: u32,
        last: u32,
    },
    #[error("the first track of a range must not come after the last ({first} > {last})")]
    Reversed { first: u32, last: u32 },
}

const DELIM: &str = "//";
const FULL_DELIM: &str = "／／";

fn parse_range(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a, b),
        None => (text, text),
    };
    let first = a.trim().parse().ok()?;
    let last = b.trim().parse().ok()?;
    (first <= last).then_some((first, last))
}

/// Parses the raw half-width and full-width disc titles. Malformed or overlapping entries are
/// dropped rather than refused: the disc was written by other software and must stay readable.
pub fn parse(raw: &str, raw_full: &str, track_count: u32) -> Layout {
    if !raw.contains(DELIM) {
        return Layout {
            title: raw.to_string(),
            full_width_title: strip_full_plain(raw_full),
            groups: Vec::new(),
        };
    }
    let full_entries: Vec<&str> = raw_full.split(FULL_DELIM).collect();
    let full_name_for = |key: &str| -> Option<String> {
        let full_key = full_width_digits(key);
        full_entries.iter().find_map(|e| {
            e.strip_prefix(&full_key)
                .and_then(|rest| rest.strip_prefix('；'))
                .map(str::to_string)
        })
    };
    let mut layout = Layout::default();
    for entry in raw.split(DELIM) {
        if entry.is_empty() {
            continue;
        }
        let Some((key, name)) = entry.split_once(';') else {
            continue;
        };
        if key == "0" {
            layout.title = name.to_string();
            layout.full_width_title = full_name_for("0");
            continue;
        }
        let Some((first, last)) = parse_range(key) else {
            continue;
        };
        // Other software may leave ranges past the end after a delete.
        let last = last.min(track_count);
        if first == 0 || first > last {
            continue;
        }
        if layout
            .groups
            .iter()
            .any(|g| first <= g.last && g.first <= last)
        {
            continue;
        }
        layout.groups.push(Group {
            title: name.to_string(),
            full_width_title: full_name_for(key),
            first,
            last,
        });
    }
    layout.groups.sort_by_key(|g| g.first);
    layout.groups.truncate(MAX_GROUPS);
    layout
}

fn strip_full_plain(raw_full: &str) -> Option<String> {
    (!raw_full.is_empty()).then(|| raw_full.to_string())
}

fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xfee0).unwrap_or(c),
            '-' => '－',
            other => other,
        })
        .collect()
}

fn range_key(g: &Group) -> String {
    if g.first == g.last {
        g.first.to_string()
    } else {
        format!("{}-{}", g.first, g.last)
    }
}

impl Layout {
    /// The raw half-width disc title.
    pub fn compile(&self) -> String {
        if self.groups.is_empty() {
            return self.title.clone();
        }
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = write!(out, "0;{}{DELIM}", self.title);
        }
        for g in &self.groups {
            let _ = write!(out, "{};{}{DELIM}", range_key(g), g.title);
        }
        out
    }

    /// The raw full-width disc title: written only when a title or group name has one.
    pub fn compile_full(&self) -> String {
        let any_full = self.full_width_title.is_some()
            || self.groups.iter().any(|g| g.full_width_title.is_some());
        if !any_full {
            return String::new();
        }
        if self.groups.is_empty() {
            return self.full_width_title.clone().unwrap_or_default();
        }
        let full_of = |half: &str, full: &Option<String>| {
            full.clone()
                .unwrap_or_else(|| titles::to_full_width(half).0)
        };
        let mut out = String::new();
        if !self.title.is_empty() || self.full_width_title.is_some() {
            let _ = write!(
                out,
                "０；{}{FULL_DELIM}",
                full_of(&self.title, &self.full_width_title)
            );
        }
        for g in &self.groups {
            let _ = write!(
                out,
                "{}；{}{FULL_DELIM}",
                full_width_digits(&range_key(g)),
                full_of(&g.title, &g.full_width_title)
            );
        }
        out
    }

    /// The group (index) a track is in.
    pub fn group_of(&self, track: u32) -> Option<usize> {
        self.groups.iter().position(|g| g.contains(track))
    }

    pub fn create(
        &mut self,
        first: u32,
        last: u32,
        title: String,
        full_width_title: Option<String>,
        track_count: u32,
    ) -> Result<usize, GroupError> {
        if first > last {
            return Err(GroupError::Reversed { first, last });
        }
        if first == 0 || last > track_count {
            return Err(GroupError::OutOfRange {
                first,
                last,
                count: track_count,
            });
        }
        if self.groups.len() >= MAX_GROUPS {
            return Err(GroupError::TooMany);
        }
        for track in first..=last {
            if let Some(i) = self.group_of(track) {
                return Err(GroupError::Overlap {
                    track,
                    group: i + 1,
                    title: self.groups[i].title.clone(),
                });
            }
        }
        self.groups.push(Group {
            title,
            full_width_title,
            first,
            last,
        });
        self.groups.sort_by_key(|g| g.first);
        Ok(self.group_of(first).unwrap_or(0))
    }

    pub fn rename(
        &mut self,
        index: usize,
        title: String,
        full_width_title: Option<String>,
    ) -> Result<(), GroupError> {
        let g = self
            .groups
            .get_mut(index)
            .ok_or(GroupError::NoSuchGroup(index + 1))?;
        g.title = title;
        g.full_width_title = full_width_title;
        Ok(())
    }

    /// Removes a group; its tracks stay on the disc, ungrouped.
    pub fn delete(&mut self, index: usize) -> Result<Group, GroupError> {
        if index >= self.groups.len() {
            return Err(GroupError::NoSuchGroup(index + 1));
        }
        Ok(self.groups.remove(index))
    }

    /// Renumbers after track `track` was deleted; a group left empty disappears.
    pub fn track_deleted(&mut self, track: u32) {
        for g in &mut self.groups {
            if g.contains(track) {
                g.last -= 1;
            } else if g.first > track {
                g.first -= 1;
                g.last -= 1;
            }
        }
        self.groups.retain(|g| g.last >= g.first && g.last > 0);
    }

    /// Renumbers after the track at `from` was moved to `to` (both from 1, `to` being its new
    /// number). The other tracks keep their groups. The moved track joins a group it lands
    /// inside of; otherwise it stays in its own group if it lands next to (or within) the rest
    /// of it, and leaves it if not. A group of one track follows its track, unless it lands
    /// inside another group, which then takes it in.
    pub fn track_moved(&mut self, from: u32, to: u32, track_count: u32) {
        if from == to || from == 0 || to == 0 || from > track_count || to > track_count {
            return;
        }
        // New number of a track that was not moved.
        let renumber = |t: u32| -> u32 {
            let without = if t > from { t - 1 } else { t };
            if without >= to { without + 1 } else { without }
        };
        let own = self.group_of(from);
        let mut rest: Vec<Option<(u32, u32)>> = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let members: Vec<u32> = (g.first..=g.last)
                .filter(|&t| t != from)
                .map(renumber)
                .collect();
            rest.push(match (members.iter().min(), members.iter().max()) {
                (Some(&a), Some(&b)) => Some((a, b)),
                _ => None,
            });
        }
        // The moved track breaks a group's run only by landing strictly inside it.
        let landed_inside = rest
            .iter()
            .position(|r| matches!(r, Some((a, b)) if *a < to && to < *b));
        let joins = landed_inside.or_else(|| {
            own.filter(|&i| match rest[i] {
                Some((a, b)) => to + 1 == a || to == b + 1,
                None => true,
            })
        });
        let mut groups = Vec::with_capacity(self.groups.len());
        for (i, (g, r)) in self.groups.iter().zip(&rest).enumerate() {
            let range = match (*r, joins == Some(i)) {
                (Some((a, b)), true) => Some((a.min(to), b.max(to))),
                (Some(ab), false) => Some(ab),
                (None, true) => Some((to, to)),
                (None, false) => None,
            };
            if let Some((first, last)) = range {
                groups.push(Group {
                    first,
                    last,
                    ..g.clone()
                });
            }
        }
        groups.sort_by_key(|g| g.first);
        self.groups = groups;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(title: &str, first: u32, last: u32) -> Group {
        Group {
            title: title.into(),
            full_width_title: None,
            first,
            last,
        }
    }

    #[test]
    fn parses_the_fact_sheet_example() {
        let l = parse("0;Disc title//1-3;Group A//4;Solo//", "", 5);
        assert_eq!(l.title, "Disc title");
        assert_eq!(l.groups, vec![g("Group A", 1, 3), g("Solo", 4, 4)]);
        assert_eq!(l.compile(), "0;Disc title//1-3;Group A//4;Solo//");
    }

    #[test]
    fn plain_title_and_no_title_entry() {
        assert_eq!(parse("Just a title", "", 3).title, "Just a title");
        assert!(parse("Just a title", "", 3).groups.is_empty());
        let l = parse("1-2;G//", "", 3);
        assert_eq!(l.title, "");
        assert_eq!(l.compile(), "1-2;G//");
        let empty = Layout::default();
        assert_eq!(empty.compile(), "");
    }

    #[test]
    fn full_width_twin() {
        let l = parse("0;Tokyo//1-2;Kanji//", "０；東京／／１－２；漢字／／", 2);
        assert_eq!(l.full_width_title.as_deref(), Some("東京"));
        assert_eq!(l.groups[0].full_width_title.as_deref(), Some("漢字"));
        assert_eq!(l.compile_full(), "０；東京／／１－２；漢字／／");
    }

    #[test]
    fn ranges_past_the_end_are_clipped_and_overlaps_dropped() {
        let l = parse("0;T//1-9;A//2;B//", "", 4);
        assert_eq!(l.groups, vec![g("A", 1, 4)]);
    }

    #[test]
    fn create_refuses_overlap() {
        let mut l = parse("0;T//2-3;A//", "", 5);
        assert!(matches!(
            l.create(3, 4, "B".into(), None, 5),
            Err(GroupError::Overlap { track: 3, .. })
        ));
        assert_eq!(l.create(4, 5, "B".into(), None, 5), Ok(1));
        assert!(l.create(6, 6, "C".into(), None, 5).is_err());
        assert_eq!(l.compile(), "0;T//2-3;A//4-5;B//");
    }

    #[test]
    fn delete_renumbers() {
        let mut l = parse("0;T//1-2;A//3;B//4-5;C//", "", 5);
        l.track_deleted(3);
        assert_eq!(l.groups, vec![g("A", 1, 2), g("C", 3, 4)]);
        l.track_deleted(1);
        assert_eq!(l.groups, vec![g("A", 1, 1), g("C", 2, 3)]);
    }

    #[test]
    fn move_examples() {
        // Track 1 (in A=1-2) to position 5, past C: it leaves A.
        let mut l = parse("0;T//1-2;A//4-5;C//", "", 6);
        l.track_moved(1, 6, 6);
        assert_eq!(l.groups, vec![g("A", 1, 1), g("C", 3, 4)]);
        // Moving inside its own group keeps it there.
        let mut l = parse("1-3;A//", "", 4);
        l.track_moved(1, 3, 4);
        assert_eq!(l.groups, vec![g("A", 1, 3)]);
        // Landing inside another group joins it.
        let mut l = parse("1-3;A//4;S//", "", 4);
        l.track_moved(4, 2, 4);
        assert_eq!(l.groups, vec![g("A", 1, 4)]);
        // A one-track group follows its track.
        let mut l = parse("1;S//2-3;A//", "", 5);
        l.track_moved(1, 5, 5);
        assert_eq!(l.groups, vec![g("A", 1, 2), g("S", 5, 5)]);
    }
}
