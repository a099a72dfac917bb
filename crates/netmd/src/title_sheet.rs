//! Every title of a disc at once — disc title, track titles (both widths) and the groups — as
//! a CSV file gives them: planned as one change, checked whole (tracks that exist, groups that
//! are runs of consecutive tracks, title cells that fit) before anything is written.

use super::disc::MAX_GROUPS;
use super::edit::Step;
use super::error::DeviceError;
use super::groups::{Group, GroupError, Layout};
use super::recorder::{RawDisc, cells_for, check_cells, disc_title_steps};
use super::titles;

/// The titles to give a disc. Tracks the sheet does not name keep theirs, and their group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TitleSheet {
    /// The disc title and its full-width title; `None` keeps the disc's.
    pub disc: Option<(String, String)>,
    pub tracks: Vec<SheetTrack>,
}

/// One track's titles and group name (empty: in no group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetTrack {
    /// From 1.
    pub number: u32,
    pub title: String,
    /// Empty: made from the title when it needs one (kana, kanji), else none.
    pub full_width_title: String,
    pub group: String,
}

/// The half-width and full-width text for a title and an explicit full-width one.
fn both_widths(title: &str, full_width: &str) -> (String, Option<String>, Vec<String>) {
    let (half, mut warnings) = titles::to_half_width(title);
    let source = if full_width.trim().is_empty() {
        titles::needs_full_width(title).then_some(title)
    } else {
        Some(full_width)
    };
    let full = source.map(|s| {
        let (full, w) = titles::to_full_width(s);
        warnings.extend(w);
        full
    });
    (half, full, warnings)
}

/// The steps that give `raw` the sheet's titles, and warnings about characters that could not
/// be kept.
pub(crate) fn plan(
    raw: &RawDisc,
    sheet: &TitleSheet,
) -> Result<(Vec<Step>, Vec<String>), DeviceError> {
    let count = raw.tracks.len() as u32;
    let old = raw.layout();
    let mut warnings = Vec::new();
    let mut after = raw.clone();
    // Group names per track: the sheet's, else the one the track is in now.
    let mut group_of: Vec<String> = (1..=count)
        .map(|n| {
            old.group_of(n)
                .map(|g| old.groups[g].title.clone())
                .unwrap_or_default()
        })
        .collect();
    let mut steps = Vec::new();
    for t in &sheet.tracks {
        let i = (t.number as usize)
            .checked_sub(1)
            .filter(|&i| i < raw.tracks.len())
            .ok_or(DeviceError::NoSuchTrack {
                track: t.number,
                count,
            })?;
        let (half, full, w) = both_widths(&t.title, &t.full_width_title);
        warnings.extend(w.into_iter().map(|w| format!("track {}: {w}", t.number)));
        let half = titles::encode(&half);
        let full = full.as_deref().map(titles::encode).unwrap_or_default();
        let track = &mut after.tracks[i];
        for (full_width, new, old) in [
            (false, half, &mut track.title),
            (true, full, &mut track.full_width_title),
        ] {
            if *old != new {
                steps.push(Step::TrackTitle {
                    track: t.number,
                    full_width,
                    title: new.clone(),
                });
                *old = new;
            }
        }
        group_of[i] = titles::to_half_width(t.group.trim()).0;
    }

    let mut layout = Layout {
        title: old.title.clone(),
        full_width_title: old.full_width_title.clone(),
        groups: groups_from_names(&group_of, &old)?,
    };
    if let Some((title, full_width)) = &sheet.disc {
        let (half, full, w) = both_widths(title, full_width);
        warnings.extend(w.into_iter().map(|w| format!("disc title: {w}")));
        layout.title = half;
        layout.full_width_title = full;
    }
    let half = titles::encode(&layout.compile());
    let full = titles::encode(&layout.compile_full());
    let cells = cells_for(
        half.len(),
        full.len(),
        after
            .tracks
            .iter()
            .map(|t| (t.title.len(), t.full_width_title.len(), t.mode)),
    );
    check_cells(raw.cells(), cells)?;
    steps.extend(disc_title_steps(raw, half, full));
    Ok((steps, warnings))
}

/// Groups from the group name of each track (index 0 is track 1): each name must cover a run
/// of consecutive tracks. Full-width group names carry over from the groups of `old` with the
/// same name.
fn groups_from_names(names: &[String], old: &Layout) -> Result<Vec<Group>, GroupError> {
    let mut groups: Vec<Group> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let number = i as u32 + 1;
        if name.is_empty() {
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.title == *name && g.last + 1 == number => g.last = number,
            _ => {
                if let Some(earlier) = groups.iter().find(|g| g.title == *name) {
                    return Err(GroupError::Split {
                        title: name.clone(),
                        track: number,
                        last: earlier.last,
                    });
                }
                let full_width_title = old
                    .groups
                    .iter()
                    .find(|g| g.title == *name)
                    .and_then(|g| g.full_width_title.clone());
                groups.push(Group {
                    title: name.clone(),
                    full_width_title,
                    first: number,
                    last: number,
                });
            }
        }
    }
    if groups.len() > MAX_GROUPS {
        return Err(GroupError::TooMany);
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn runs_of_names_become_groups() {
        let old = Layout {
            groups: vec![Group {
                title: "Side A".into(),
                full_width_title: Some("サイドＡ".into()),
                first: 4,
                last: 5,
            }],
            ..Layout::default()
        };
        let g = groups_from_names(&names(&["Side A", "Side A", "", "B", "B", ""]), &old).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].first, g[0].last), (1, 2));
        assert_eq!(g[0].full_width_title.as_deref(), Some("サイドＡ"));
        assert_eq!((g[1].title.as_str(), g[1].first, g[1].last), ("B", 4, 5));
        assert_eq!(g[1].full_width_title, None);
    }

    #[test]
    fn a_split_group_is_refused_with_its_tracks() {
        let e = groups_from_names(&names(&["A", "B", "A"]), &Layout::default()).unwrap_err();
        assert_eq!(
            e,
            GroupError::Split {
                title: "A".into(),
                track: 3,
                last: 1
            }
        );
        assert!(e.to_string().contains("track 3"), "{e}");
    }

    #[test]
    fn full_width_titles_come_from_their_cell_or_the_title() {
        let (half, full, _) = both_widths("Plain", "");
        assert_eq!((half.as_str(), full), ("Plain", None));
        let (_, full, _) = both_widths("東京", "");
        assert_eq!(full.as_deref(), Some("東京"));
        let (_, full, _) = both_widths("Tokyo", "トウキョウ");
        assert_eq!(full.as_deref(), Some("トウキョウ"));
    }
}
