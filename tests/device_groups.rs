//! Group arithmetic under moves and deletes, as property tests against a model that tracks
//! every track's identity: ranges stay valid, consecutive and disjoint; a track that was not
//! moved keeps its group; and the raw disc-title syntax round-trips.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use netmd::groups::{self, Group, Layout};
use netmd::titles;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Move(u32, u32),
    Delete(u32),
}

fn layout_strategy() -> impl Strategy<Value = (u32, Layout)> {
    (1u32..30).prop_flat_map(|count| {
        // Cut points split 1..=count into runs; each run is a group or not.
        (
            Just(count),
            proptest::collection::vec(any::<bool>(), count as usize),
            proptest::collection::vec(any::<bool>(), count as usize),
        )
            .prop_map(|(count, cuts, grouped)| {
                let mut layout = Layout {
                    title: "Disc".into(),
                    ..Layout::default()
                };
                let mut start = 1;
                for t in 1..=count {
                    if t == count || cuts[t as usize] {
                        if grouped[start as usize - 1] {
                            let n = layout.groups.len();
                            layout.groups.push(Group {
                                title: format!("G{n}"),
                                full_width_title: None,
                                first: start,
                                last: t,
                            });
                        }
                        start = t + 1;
                    }
                }
                (count, layout)
            })
    })
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            (1u32..40, 1u32..40).prop_map(|(a, b)| Op::Move(a, b)),
            (1u32..40).prop_map(Op::Delete),
        ],
        0..25,
    )
}

fn check_invariants(layout: &Layout, count: u32) -> Result<(), TestCaseError> {
    let mut previous_last = 0;
    for g in &layout.groups {
        prop_assert!(
            g.first >= 1 && g.first <= g.last && g.last <= count,
            "{g:?} of {count}"
        );
        prop_assert!(
            g.first > previous_last,
            "overlap or unsorted: {:?}",
            layout.groups
        );
        previous_last = g.last;
    }
    Ok(())
}

proptest! {
    #[test]
    fn moves_and_deletes_keep_groups_consistent((count, mut layout) in layout_strategy(), ops in ops_strategy()) {
        // The model: track identities in disc order and the group each started in.
        let mut tracks: Vec<u32> = (1..=count).collect();
        let group_of_id = |layout: &Layout, id: u32| layout.group_of(id).map(|i| layout.groups[i].title.clone());
        let mut membership: Vec<(u32, Option<String>)> =
            tracks.iter().map(|&id| (id, group_of_id(&layout, id))).collect();
        for op in ops {
            let n = tracks.len() as u32;
            if n == 0 { break; }
            match op {
                Op::Delete(t) => {
                    let t = (t - 1) % n + 1;
                    let id = tracks.remove(t as usize - 1);
                    membership.retain(|(m, _)| *m != id);
                    layout.track_deleted(t);
                }
                Op::Move(a, b) => {
                    let (from, to) = ((a - 1) % n + 1, (b - 1) % n + 1);
                    let id = tracks.remove(from as usize - 1);
                    tracks.insert(to as usize - 1, id);
                    layout.track_moved(from, to, n);
                    // The moved track may change group; the others may not.
                    let now = layout.group_of(to).map(|i| layout.groups[i].title.clone());
                    if let Some(entry) = membership.iter_mut().find(|(m, _)| *m == id) {
                        entry.1 = now;
                    }
                }
            }
            let n = tracks.len() as u32;
            check_invariants(&layout, n)?;
            for (pos, id) in tracks.iter().enumerate() {
                let expected = &membership.iter().find(|(m, _)| m == id).and_then(|(_, g)| g.clone());
                let actual = layout.group_of(pos as u32 + 1).map(|i| layout.groups[i].title.clone());
                prop_assert_eq!(&actual, expected, "track id {} at {}", id, pos + 1);
            }
            let raw = layout.compile();
            prop_assert_eq!(groups::parse(&raw, &layout.compile_full(), n), layout.clone(), "raw {}", raw);
        }
    }

    #[test]
    fn half_width_titles_hold_only_what_the_slot_takes(text in "\\PC{0,40}") {
        let (half, _) = titles::to_half_width(&text);
        prop_assert!(half.chars().all(|c| c == ' ' || c.is_ascii_graphic() || ('\u{ff61}'..='\u{ff9f}').contains(&c)), "{half:?}");
        prop_assert_eq!(titles::encode(&half).len(), half.chars().count());
        let (full, _) = titles::to_full_width(&text);
        prop_assert_eq!(titles::encode(&full).len(), 2 * full.chars().count());
    }
}
