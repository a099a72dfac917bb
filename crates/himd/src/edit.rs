//! Edits of a disc's order and groups, and deleting tracks. The group rules are NetMD's
//! ([`netmd::groups::Layout`]): a Hi-MD disc's groups are the same runs of play positions,
//! kept in the track index instead of the disc title.
//!
//! Moves and group edits touch only the track index, which no MAC covers, so it is rewritten
//! in place. A delete changes the MAC list too, so it goes through a new generation and the
//! unit's signature. The room of deleted audio at the end of `ATDATA` is given back; blocks
//! further in stay, unused (cutting them out of the FAT chain is still to come).

use netmd::groups::{Group, GroupError, Layout};

use crate::block::BLOCK_BYTES;
use crate::commit::IcvSigner;
use crate::disc::Disc;
use crate::error::HimdError;
use crate::generation::DiscFile;
use crate::reclaim;
use crate::track_index::{ChunkKind, Fragment, GROUP_SLOTS, GroupEntry, TrackEntry, TrackIndex};
use crate::volume::DiscFiles;

/// The flag byte himd-js gives the groups it writes (a unit's group 0 has 0).
const GROUP_FLAG: u8 = 0x10;

fn group_error(e: &GroupError) -> HimdError {
    HimdError::Edit(e.to_string())
}

impl<F: DiscFiles> Disc<F> {
    /// The disc title and groups.
    pub fn layout(&self) -> Layout {
        Layout {
            title: self.index.disc_title().unwrap_or_default(),
            full_width_title: None,
            groups: self
                .index
                .used_groups()
                .skip(1)
                .map(|g| Group {
                    title: self.index.string(g.title).unwrap_or_default(),
                    full_width_title: None,
                    first: u32::from(g.first),
                    last: u32::from(g.last),
                })
                .collect(),
        }
    }

    /// Applies `change` to the groups and writes them; a refused change writes nothing.
    pub fn edit_groups(
        &mut self,
        change: impl FnOnce(&mut Layout, u32) -> Result<(), GroupError>,
    ) -> Result<(), HimdError> {
        let mut layout = self.layout();
        change(&mut layout, self.track_count() as u32).map_err(|e| group_error(&e))?;
        let mut index = self.index.clone();
        put_groups(&mut index, &layout)?;
        self.save_index(index)
    }

    /// Moves the track at `from` so that it becomes track `to` (both from 1).
    pub fn move_track(&mut self, from: usize, to: usize) -> Result<(), HimdError> {
        let (from, to) = (self.track_number(from)?, self.track_number(to)?);
        self.move_regrouped(from, to, |_| {})
    }

    /// Puts track `track` into group `group` (both from 1), moving it next to the group when
    /// it is not already beside it.
    pub fn add_to_group(&mut self, group: usize, track: usize) -> Result<(), HimdError> {
        let layout = self.layout();
        let i = group_index(&layout, group)?;
        let t = self.track_number(track)?;
        match layout.group_of(t) {
            Some(own) if own == i => return Ok(()),
            Some(other) => {
                return Err(group_error(&GroupError::Overlap {
                    track: t,
                    group: other + 1,
                    title: layout.groups[other].title.clone(),
                }));
            }
            None => {}
        }
        let g = &layout.groups[i];
        let target = if t == g.last + 1 || t + 1 == g.first {
            t
        } else if t > g.last {
            g.last + 1
        } else {
            // Taking the track out first moves the group's last track down by one.
            g.last
        };
        self.move_regrouped(t, target, |layout| {
            let g = &mut layout.groups[i];
            g.first = g.first.min(target);
            g.last = g.last.max(target);
        })
    }

    /// Takes track `track` (from 1) out of its group: a track inside the group moves to just
    /// after it; a group of that track alone goes.
    pub fn remove_from_group(&mut self, track: usize) -> Result<(), HimdError> {
        let t = self.track_number(track)?;
        let layout = self.layout();
        let i = layout
            .group_of(t)
            .ok_or_else(|| group_error(&GroupError::NotGrouped { track: t }))?;
        let g = layout.groups[i].clone();
        if g.first == g.last {
            return self.edit_groups(|l, _| l.delete(i).map(drop));
        }
        let target = if t == g.first || t == g.last {
            t
        } else {
            g.last
        };
        self.move_regrouped(t, target, |layout| {
            let g = &mut layout.groups[i];
            if t == g.first {
                g.first += 1;
            } else {
                g.last -= 1;
            }
        })
    }

    fn track_number(&self, track: usize) -> Result<u32, HimdError> {
        if track == 0 || track > self.track_count() {
            return Err(HimdError::NoSuchTrack(track));
        }
        Ok(track as u32)
    }

    /// Moves track `from` to `to`, renumbers the groups, applies `regroup`, and writes it all
    /// in place as one change.
    fn move_regrouped(
        &mut self,
        from: u32,
        to: u32,
        regroup: impl FnOnce(&mut Layout),
    ) -> Result<(), HimdError> {
        let mut layout = self.layout();
        let mut index = self.index.clone();
        if from != to {
            layout.track_moved(from, to, self.track_count() as u32);
            let slot = index.play_order.remove(from as usize - 1);
            index.play_order.insert(to as usize - 1, slot);
        }
        regroup(&mut layout);
        put_groups(&mut index, &layout)?;
        self.save_index(index)
    }

    /// Deletes the tracks `numbers` (from 1): their entries, fragments, titles and MACs are
    /// zeroed, and the rest move up.
    pub fn delete_tracks(
        &mut self,
        numbers: &[usize],
        signer: &mut dyn IcvSigner,
    ) -> Result<(), HimdError> {
        let count = self.track_count();
        let mut numbers = numbers.to_vec();
        numbers.sort_unstable();
        numbers.dedup();
        if let Some(&bad) = numbers.iter().find(|&&n| n == 0 || n > count) {
            return Err(HimdError::NoSuchTrack(bad));
        }
        let mut layout = self.layout();
        let mut index = self.index.clone();
        let mut mac_list = self.mac_list.clone();
        // From the last, so that the numbers still to go stay where they were.
        for &n in numbers.iter().rev() {
            let slot = index.play_order.remove(n - 1);
            free_track(&mut index, slot)?;
            mac_list.set_mac(slot, [0; 8]);
            layout.track_deleted(n as u32);
        }
        put_groups(&mut index, &layout)?;
        let atdata = DiscFile::AudioData.name(self.generation);
        let len = self.files.len(&atdata)?;
        let plan = match self.files.cluster_bytes()? {
            Some(cluster) => reclaim::plan(&index, len, cluster)?,
            None => None,
        };
        match plan {
            Some(plan) => self.commit_cutting(plan.index, mac_list, &plan.cut, signer)?,
            None => self.commit(index, mac_list, signer)?,
        }
        // Where clusters cannot be cut (a mounted folder), the unused end can still go.
        self.trim_audio()
    }

    /// Gives back the blocks at the end of `ATDATA` that no track uses: a deleted last
    /// track's, or those of a send cut off before it was switched to.
    fn trim_audio(&mut self) -> Result<(), HimdError> {
        let mut used_end = 0u64;
        for &slot in &self.index.play_order {
            for f in self.index.fragment_chain(slot)? {
                used_end = used_end.max(u64::from(f.last_block) + 1);
            }
        }
        let name = DiscFile::AudioData.name(self.generation);
        let keep = used_end * BLOCK_BYTES as u64;
        if keep < self.files.len(&name)? {
            self.files.truncate(&name, keep)?;
        }
        Ok(())
    }
}

/// The index of group `group` (from 1).
fn group_index(layout: &Layout, group: usize) -> Result<usize, HimdError> {
    group
        .checked_sub(1)
        .filter(|&i| i < layout.groups.len())
        .ok_or_else(|| group_error(&GroupError::NoSuchGroup(group)))
}

/// Zeroes the track in `slot`, its fragments and its strings, and puts the slot and the
/// fragments at the front of their free lists (units show "CAN'T PLAY" for a freed entry
/// that is not zeroed).
fn free_track(index: &mut TrackIndex, slot: u16) -> Result<(), HimdError> {
    let fragments: Vec<u16> = {
        let mut out = Vec::new();
        let mut next = index
            .track(slot)
            .ok_or(HimdError::NoSuchTrack(usize::from(slot)))?
            .first_fragment;
        while next != 0 && !out.contains(&next) {
            out.push(next);
            next = index.fragments.get(usize::from(next)).map_or(0, |f| f.next);
        }
        out
    };
    let entry = index.tracks[usize::from(slot)].clone();
    for head in [entry.title, entry.artist, entry.album] {
        index.remove_string(head);
    }
    for &f in fragments.iter().rev() {
        index.fragments[usize::from(f)] = Fragment {
            next: index.fragments[0].next,
            ..Fragment::default()
        };
        index.fragments[0].next = f;
    }
    index.tracks[usize::from(slot)] = TrackEntry {
        track_number: index.tracks[0].track_number,
        ..TrackEntry::default()
    };
    index.tracks[0].track_number = slot;
    Ok(())
}

/// Writes `layout`'s groups over those of `index`, group 0 (the disc title) kept.
fn put_groups(index: &mut TrackIndex, layout: &Layout) -> Result<(), HimdError> {
    if layout.groups.len() >= GROUP_SLOTS {
        return Err(HimdError::Edit(format!(
            "a Hi-MD disc holds at most {} groups",
            GROUP_SLOTS - 1
        )));
    }
    let old: Vec<u16> = index.used_groups().skip(1).map(|g| g.title).collect();
    for head in old {
        index.remove_string(head);
    }
    let mut groups = vec![index.groups.first().copied().unwrap_or_default()];
    for g in &layout.groups {
        let title = if g.title.is_empty() {
            0
        } else {
            index.add_string(ChunkKind::Group, &g.title)?
        };
        groups.push(GroupEntry {
            first: g.first as u16,
            last: g.last as u16,
            title,
            flags: GROUP_FLAG,
            pad: 0,
        });
    }
    groups.resize(GROUP_SLOTS, GroupEntry::default());
    // The list ends at the first empty entry, so an untitled disc's group 0 gets an empty
    // title to hold the groups' place.
    if !layout.groups.is_empty() && groups[0].is_empty() {
        groups[0].title = index.add_string(ChunkKind::Group, "")?;
    }
    index.groups = groups;
    Ok(())
}
