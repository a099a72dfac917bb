//! Sony Hi-MD discs in Hi-MD mode, where a unit is a USB mass-storage device holding a FAT16
//! volume with 2048-byte sectors.
//!
//! Layers, bottom up:
//! - the on-disc structures, each in its own module: [`track_index`] (`TRKIDXnn.HMA`: play
//!   order, groups, tracks, fragments, string chunks, whose [`text`] is Latin-1, UTF-16BE or
//!   Shift-JIS), [`block`] (16 KiB `ATDATA` blocks), [`mac_list`] (`MCLISTnn.HMA`),
//!   [`generation`] (file names), and [`codec`] (what a track's codec bytes mean);
//! - [`keys`]: the key chain that decrypts ATRAC and PCM audio, track MACs, the integrity
//!   check value (ICV) and the MP3 scrambling;
//! - [`scsi`]: the [`ScsiDevice`](scsi::ScsiDevice) seam between a real unit ([`bot`]'s
//!   Bulk-Only Transport framing, `usb` feature) and the virtual one (`virtual` feature), and
//!   [`session`], the authenticated SEND KEY / REPORT KEY exchange that guards the ICV;
//! - [`volume`]: the files of a disc — a FAT16 image or device through `fatfs`, or a folder
//!   where the system has mounted one — with a small FAT16 chain editor (`fat_chain`) for
//!   taking clusters out of the middle of `ATDATA`, which `fatfs` cannot, and the record
//!   (`cut_journal`) that undoes such a cut if it is cut off;
//! - [`disc`]: a disc read whole — its listing — and [`export`], which writes a track out in
//!   its own bits (`.oma`, `.wav`, `.mp3`);
//! - writes: [`send`] adds a track (MP3 frames from [`mp3`], ATRAC frames or PCM, read a
//!   batch of blocks at a time by `track_audio`), and
//!   [`commit`] moves the disc to its next generation and has the unit sign it; [`edit`]
//!   moves and deletes tracks and edits groups, a delete giving its clusters back through
//!   `reclaim`; `index_backup` keeps the device's backup of the track index (`_RKIDXnn`)
//!   and restores a damaged index from it; [`format`](mod@format) has the unit format the disc afresh.
//!
//! Titles come back as the disc holds them: a caller that shows them on a terminal
//! sanitises them first. Nothing here decrypts OpenMG files from a computer's library: the
//! audio keys are those of the unit's own disc format.

pub mod blank;
pub mod block;
pub mod bot;
pub mod codec;
pub mod commit;
mod cut_journal;
pub mod disc;
pub mod edit;
mod error;
pub mod export;
mod fat_chain;
pub mod format;
pub mod generation;
mod index_backup;
pub mod keys;
pub mod mac_list;
pub mod mp3;
mod reclaim;
pub mod scsi;
pub mod send;
pub mod session;
pub mod text;
mod track_audio;
pub mod track_index;
#[cfg(feature = "usb")]
pub mod usb;
#[cfg(feature = "virtual")]
pub mod virtual_device;
pub mod volume;

mod be;

pub use codec::{AudioFormat, CodecInfo};
pub use disc::{Disc, DiscListing, GroupListing, TrackListing};
pub use error::HimdError;
pub use volume::{DiscFiles, FolderFiles};
