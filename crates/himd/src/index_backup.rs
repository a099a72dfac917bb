//! The backup of the track index, `_RKIDXnn.HMA`, that units keep beside `TRKIDXnn`.
//!
//! Units (and libhimd) write every index update through it, so it is the index as of the
//! last or the one before last update; the sample disc holds `_RKIDX08` beside generation
//! 07, one update behind. Ours is written after every committed index as a copy of it, named
//! for the generation after the current one as on the sample, so that a damaged current
//! index can be restored without losing the last change (a copy one update behind would
//! name blocks a delete has since moved). The existing backup file is renamed and
//! overwritten in place: a full disc still has room for it.

use crate::disc::Disc;
use crate::error::HimdError;
use crate::generation::DiscFile;
use crate::track_index::TRACK_INDEX_BYTES;
use crate::volume::DiscFiles;

/// The backup's name for the disc at `generation`.
pub(crate) fn backup_name(generation: u8) -> String {
    DiscFile::TrackIndexBackup.name((generation + 1) & 0xF)
}

impl<F: DiscFiles> Disc<F> {
    /// Writes the current track index to the backup file.
    pub(crate) fn write_index_backup(&mut self) -> Result<(), HimdError> {
        let target = backup_name(self.generation);
        let names = self.files.list()?;
        let mut backups: Vec<String> = names
            .into_iter()
            .filter(|n| DiscFile::TrackIndexBackup.generation_of(n).is_some())
            .collect();
        // Our own name first, then any other of full length, which is renamed to it.
        backups.sort_by_key(|n| !n.eq_ignore_ascii_case(&target));
        let mut reused = None;
        for name in &backups {
            if reused.is_none() && self.files.len(name)? == TRACK_INDEX_BYTES as u64 {
                if !name.eq_ignore_ascii_case(&target) {
                    self.files.rename(name, &target)?;
                }
                reused = Some(name.clone());
            } else {
                self.files.remove(name)?;
            }
        }
        let bytes = self.index.to_bytes();
        match reused {
            Some(_) => self.files.overwrite(&target, &bytes),
            None => self.files.create(&target, &bytes),
        }
    }

    /// Opens a disc whose current track index is damaged by way of the device's backup, and
    /// writes the backup over the current index. The tracks, titles and groups are those of
    /// the backup; the MACs and the audio are the disc's.
    pub fn restore_index_from_backup(files: F) -> Result<Self, HimdError> {
        let mut disc = Self::open_with(files, crate::disc::IndexChoice::Backup)?;
        let name = DiscFile::TrackIndex.name(disc.generation);
        // `create` replaces the file whole: a damaged one may have the wrong length.
        disc.files.create(&name, &disc.index.to_bytes())?;
        disc.index_file = name;
        Ok(disc)
    }

    /// The tracks (numbers from 1) whose entry's MAC is not the one the MAC list holds for
    /// its slot — after a restore from a backup one change behind, a unit may refuse them.
    pub fn mac_mismatches(&self) -> Vec<usize> {
        (1..=self.track_count())
            .filter(|&n| {
                self.index.slot_at(n - 1).is_some_and(|slot| {
                    self.index
                        .track(slot)
                        .is_some_and(|t| self.mac_list.mac(slot) != Some(t.mac))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backup_is_named_for_the_next_generation_as_on_the_sample_disc() {
        assert_eq!(backup_name(7), "_RKIDX08.HMA");
        assert_eq!(backup_name(0xF), "_RKIDX00.HMA");
    }
}
