//! Making a change to the audio or the MACs take effect: the next generation's track index
//! and MAC list are written beside the current ones, `ATDATA` is renamed to the new
//! generation — the one step that switches the disc over — the old files go, and the unit is
//! given the new integrity check value through the authenticated session.
//!
//! Until the rename the disc reads as before; after it, as changed. A failure while signing
//! (tried twice) leaves the change on the disc with the unit's ICV stale: the write still
//! succeeds, [`Disc::unfinished`] says so, and the next signed write (or [`Disc::resign`])
//! puts it right.

use std::collections::BTreeSet;

use netmd::crypto::Entropy;

use crate::disc::Disc;
use crate::error::HimdError;
use crate::generation::DiscFile;
use crate::mac_list::MacList;
use crate::scsi::ScsiDevice;
use crate::session::{IcvRecord, Session};
use crate::track_index::TrackIndex;
use crate::volume::DiscFiles;

/// Whoever can hand the unit a new ICV.
pub trait IcvSigner {
    fn sign(&mut self, record: &IcvRecord) -> Result<(), HimdError>;

    /// The ICV the unit holds, when this signer can ask; `None` when it cannot.
    fn signed(&mut self) -> Result<Option<IcvRecord>, HimdError> {
        Ok(None)
    }
}

/// Signs through the authenticated session on a SCSI device.
pub struct SessionSigner<D: ScsiDevice> {
    device: D,
    entropy: Box<dyn Entropy>,
}

impl<D: ScsiDevice> SessionSigner<D> {
    pub fn new(device: D, entropy: Box<dyn Entropy>) -> Self {
        Self { device, entropy }
    }
}

impl<D: ScsiDevice> IcvSigner for SessionSigner<D> {
    fn sign(&mut self, record: &IcvRecord) -> Result<(), HimdError> {
        let session = Session::open(&mut self.device, self.entropy.as_mut())?;
        session.write_icv(&mut self.device, record)
    }

    fn signed(&mut self) -> Result<Option<IcvRecord>, HimdError> {
        let session = Session::open(&mut self.device, self.entropy.as_mut())?;
        session.read_icv(&mut self.device).map(Some)
    }
}

impl<F: DiscFiles> Disc<F> {
    /// Writes `index` and `mac_list` as the next generation, switches the disc to it and
    /// signs it.
    pub(crate) fn commit(
        &mut self,
        index: TrackIndex,
        mac_list: MacList,
        signer: &mut dyn IcvSigner,
    ) -> Result<(), HimdError> {
        self.commit_cutting(index, mac_list, &BTreeSet::new(), signer)
    }

    /// [`Disc::commit`], taking the clusters at positions `cut` out of `ATDATA` as it goes
    /// (`index` already numbers the blocks as they will be). The FAT changes and the rename
    /// reach the device in one flush, FAT sectors first; a flush cut off between the two is
    /// undone at the next mount from the record the cut leaves ([`crate::cut_journal`]).
    pub(crate) fn commit_cutting(
        &mut self,
        index: TrackIndex,
        mut mac_list: MacList,
        cut: &BTreeSet<u32>,
        signer: &mut dyn IcvSigner,
    ) -> Result<(), HimdError> {
        let old = self.generation;
        let new = (old + 1) & 0xF;
        let generation = self.mac_list.generation().wrapping_add(1);
        mac_list.set_generation(generation);
        mac_list.set_disc_id(self.mac_list.disc_id());

        let names = self.files.list()?;
        let present = |kind: DiscFile| {
            let name = kind.name(new);
            names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(&name))
                .cloned()
        };
        if let Some(audio) = present(DiscFile::AudioData) {
            return Err(HimdError::damaged(
                audio,
                "an audio file of the next generation is already on the disc",
            ));
        }
        // Leftovers of an earlier, interrupted write (or of a generation 16 steps back).
        for kind in [DiscFile::TrackIndex, DiscFile::MacList] {
            if let Some(name) = present(kind) {
                self.files.remove(&name)?;
            }
        }
        let index_name = DiscFile::TrackIndex.name(new);
        self.files.create(&index_name, &index.to_bytes())?;
        self.files
            .create(&DiscFile::MacList.name(new), &mac_list.to_bytes())?;
        if !cut.is_empty() {
            self.files
                .cut_clusters(&DiscFile::AudioData.name(old), cut)?;
        }
        self.files.rename(
            &DiscFile::AudioData.name(old),
            &DiscFile::AudioData.name(new),
        )?;
        self.generation = new;
        self.index = index;
        self.index_file = index_name;
        self.mac_list = mac_list;
        // The change is on the disc: what follows tidies and signs it, and its failure is a
        // warning, since failing the write would have a retry add the change a second time.
        let tidy = self
            .files
            .finish_cut()
            .and_then(|()| {
                [DiscFile::TrackIndex, DiscFile::MacList]
                    .iter()
                    .try_for_each(|kind| self.files.remove(&kind.name(old)))
            })
            .and_then(|()| self.write_index_backup());
        let signature = self.sign(signer).or_else(|_| self.sign(signer));
        self.unsigned = match (tidy, signature) {
            (_, Err(e)) => Some(format!(
                "the change is on the disc but the unit did not take its signature ({e}); \
                 the next change signs it, or `Disc::resign`"
            )),
            (Err(e), Ok(())) => Some(format!(
                "the change is on the disc and signed, but the old generation's files or the \
                 index's backup were not tidied ({e})"
            )),
            (Ok(()), Ok(())) => None,
        };
        Ok(())
    }

    fn sign(&mut self, signer: &mut dyn IcvSigner) -> Result<(), HimdError> {
        signer.sign(&self.icv_record()?)
    }

    /// The ICV of the disc as it is.
    pub(crate) fn icv_record(&self) -> Result<IcvRecord, HimdError> {
        Ok(IcvRecord {
            header: IcvRecord::header_for(self.mac_list.generation()),
            icv: self.mac_list.integrity_value(self.mac_list.disc_id())?,
        })
    }

    /// What the last write left undone though it took effect (the unit's signature, old
    /// files), for the caller to show as a warning; `None` when it finished.
    pub fn unfinished(&self) -> Option<&str> {
        self.unsigned.as_deref()
    }

    /// Gives the unit the ICV of the disc as it is (after a write whose signing failed).
    pub fn resign(&mut self, signer: &mut dyn IcvSigner) -> Result<(), HimdError> {
        self.sign(signer)?;
        self.unsigned = None;
        Ok(())
    }
}
