//! Which clusters of `ATDATA` no track uses any more, and the track index with its block
//! numbers closed up over them: what a delete hands to the FAT chain editor so that the
//! room of a track in the middle of the disc comes back.
//!
//! A cluster is cut only when every audio block it overlaps is unused; units write 32 KiB
//! clusters, two 16 KiB blocks, so a track sharing a cluster with a neighbour leaves that
//! one cluster behind (sends here start each track on a cluster for that reason).

use std::collections::BTreeSet;

use crate::block::BLOCK_BYTES;
use crate::error::HimdError;
use crate::track_index::{FRAGMENT_SLOTS, TrackIndex};

/// The clusters to cut and the index to write with them.
#[derive(Debug, Clone)]
pub(crate) struct Reclaim {
    pub cut: BTreeSet<u32>,
    pub index: TrackIndex,
}

/// The fragments (by number) of every track in the play order.
fn used_fragments(index: &TrackIndex) -> Result<BTreeSet<u16>, HimdError> {
    let mut out = BTreeSet::new();
    for &slot in &index.play_order {
        let mut next = index
            .track(slot)
            .ok_or(HimdError::NoSuchTrack(usize::from(slot)))?
            .first_fragment;
        let mut steps = 0;
        while next != 0 {
            if usize::from(next) >= index.fragments.len() || steps > FRAGMENT_SLOTS {
                return Err(HimdError::damaged(
                    "track index",
                    format!("the fragments of track slot {slot} do not end"),
                ));
            }
            out.insert(next);
            next = index.fragments[usize::from(next)].next;
            steps += 1;
        }
    }
    Ok(out)
}

/// Plans the cut for an `ATDATA` of `atdata_len` bytes on `cluster`-byte clusters; `None`
/// when nothing can be cut (no cluster is wholly unused, or clusters and blocks do not
/// divide one another, when only the unused end can go).
pub(crate) fn plan(
    index: &TrackIndex,
    atdata_len: u64,
    cluster: u64,
) -> Result<Option<Reclaim>, HimdError> {
    let block = BLOCK_BYTES as u64;
    if cluster == 0 || !(cluster.is_multiple_of(block) || block.is_multiple_of(cluster)) {
        return Ok(None);
    }
    let blocks = atdata_len.div_ceil(block);
    let fragments = used_fragments(index)?;
    let mut used = vec![false; usize::try_from(blocks).unwrap_or(0)];
    for &f in &fragments {
        let fragment = index.fragments[usize::from(f)];
        if u64::from(fragment.last_block) >= blocks || fragment.last_block < fragment.first_block {
            return Err(HimdError::damaged(
                "track index",
                format!("fragment {f} lies outside the audio file"),
            ));
        }
        for b in fragment.first_block..=fragment.last_block {
            used[usize::from(b)] = true;
        }
    }
    let clusters = atdata_len.div_ceil(cluster);
    let cut: BTreeSet<u32> = (0..clusters)
        .filter(|&i| {
            let start = i * cluster / block;
            let end = ((i + 1) * cluster).min(atdata_len).div_ceil(block);
            (start..end).all(|b| !used[b as usize])
        })
        .map(|i| i as u32)
        .collect();
    if cut.is_empty() {
        return Ok(None);
    }
    let mut index = index.clone();
    for &f in &fragments {
        let fragment = &mut index.fragments[usize::from(f)];
        let own_cluster = u64::from(fragment.first_block) * block / cluster;
        let cut_before = cut.range(..own_cluster as u32).count() as u64;
        let shift = u16::try_from(cut_before * cluster / block)
            .map_err(|_| HimdError::damaged("track index", "block numbers past 65535"))?;
        fragment.first_block -= shift;
        fragment.last_block -= shift;
    }
    Ok(Some(Reclaim { cut, index }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track_index::{Fragment, TrackEntry};

    const B: u64 = BLOCK_BYTES as u64;

    /// An index with one track per run of blocks, each its own fragment.
    fn index_with(runs: &[(u16, u16)]) -> TrackIndex {
        let mut index = crate::blank::blank_track_index().unwrap();
        for (i, &(first, last)) in runs.iter().enumerate() {
            let n = i as u16 + 1;
            index.fragments[usize::from(n)] = Fragment {
                first_block: first,
                last_block: last,
                ..Fragment::default()
            };
            index.tracks[usize::from(n)] = TrackEntry {
                first_fragment: n,
                ..TrackEntry::default()
            };
            index.play_order.push(n);
        }
        index
    }

    #[test]
    fn a_gap_of_whole_clusters_is_cut_and_later_blocks_close_up() {
        // Blocks 0-3 kept, 4-9 free (three clusters), 10-12 kept; 13 blocks, 7 clusters.
        let index = index_with(&[(0, 3), (10, 12)]);
        let plan = plan(&index, 13 * B, 2 * B).unwrap().unwrap();
        assert_eq!(plan.cut, BTreeSet::from([2, 3, 4]));
        assert_eq!(
            (
                plan.index.fragments[1].first_block,
                plan.index.fragments[1].last_block
            ),
            (0, 3)
        );
        assert_eq!(
            (
                plan.index.fragments[2].first_block,
                plan.index.fragments[2].last_block
            ),
            (4, 6)
        );
    }

    #[test]
    fn a_cluster_shared_with_a_kept_block_stays() {
        // Block 3 shares cluster 1 with kept block 2; blocks 4-5 and the odd block 8 go.
        let index = index_with(&[(0, 2), (6, 7)]);
        let plan = plan(&index, 9 * B, 2 * B).unwrap().unwrap();
        assert_eq!(plan.cut, BTreeSet::from([2, 4]));
        assert_eq!(plan.index.fragments[2].first_block, 4);
        // Nothing free: no plan.
        assert!(plan_none(&index_with(&[(0, 3)]), 4 * B));
    }

    fn plan_none(index: &TrackIndex, len: u64) -> bool {
        plan(index, len, 2 * B).unwrap().is_none()
    }

    #[test]
    fn clusters_that_do_not_divide_blocks_plan_nothing_and_strays_are_refused() {
        let index = index_with(&[(4, 5)]);
        assert!(plan(&index, 6 * B, 3 * B / 2).unwrap().is_none());
        assert!(plan(&index, 5 * B, 2 * B).is_err());
        // Smaller clusters than blocks: each free block takes its clusters with it.
        let plan = plan(&index, 6 * B, B / 4).unwrap().unwrap();
        assert_eq!(plan.cut.len(), 16);
        assert_eq!(plan.index.fragments[1].first_block, 0);
    }
}
