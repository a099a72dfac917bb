//! Formatting the virtual Hi-MD device with Sony's C2 command: the sample disc becomes a blank
//! one with the same disc id and leaf id, progress shows through REQUEST SENSE, the unit's
//! integrity check holds afterwards, and a format refused or run in the middle of a session
//! leaves a disc that reads.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "virtual")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use himd::disc::Disc;
use himd::format::{self, FORMAT_CDB, FORMAT_IN_PROGRESS, PROGRESS_TOTAL, Polling};
use himd::scsi::{Data, READ_CAPACITY, ScsiDevice, ScsiError};
use himd::session::Session;
use himd::virtual_device::{MediaSize, VirtualHimd};
use himd::volume::{FatFiles, ScsiSectors};
use netmd::crypto::OsEntropy;

#[path = "common/fsck.rs"]
mod fsck;
use fsck::fsck;

const LEAF: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

const FAST: Polling = Polling {
    interval: Duration::ZERO,
    timeout: Duration::from_secs(10),
};

fn sample(dir: &Path) -> (PathBuf, VirtualHimd) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/himd");
    let image = dir.join("disc.img");
    let device =
        VirtualHimd::create_from_folder(&fixture, &image, MediaSize::Minutes74, LEAF).unwrap();
    (image, device)
}

fn track_count(device: &mut VirtualHimd) -> usize {
    let fat = FatFiles::open(ScsiSectors::new(device).unwrap()).unwrap();
    Disc::open(fat).unwrap().track_count()
}

/// The disc reads, the unit's ICV matches it, a whole session works and the volume is clean.
fn sound(image: &Path, device: &mut VirtualHimd) {
    assert!(device.integrity_holds().unwrap());
    let session = Session::open(&mut *device, &mut OsEntropy).unwrap();
    assert_eq!(session.device_leaf_id, LEAF);
    let icv = session.read_icv(&mut *device).unwrap();
    assert_eq!(icv, device.icv());
    fsck(image);
}

#[test]
fn a_format_leaves_a_blank_disc_with_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = sample(dir.path());
    let disc_id = device.disc_id();
    assert_eq!(track_count(&mut device), 6);

    let mut seen = Vec::new();
    let mut disc =
        format::format_and_read(&mut device, FAST, &mut |d, t| seen.push((d, t))).unwrap();
    let listing = disc.listing().unwrap();
    assert!(listing.tracks.is_empty());
    assert_eq!(listing.disc_id, disc_id);
    assert_eq!(listing.generation, 1);
    assert!(listing.space.unwrap().free > 270_000_000);
    drop(disc);
    // Progress rose through several polls and ended whole.
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(seen[1..seen.len() - 1].iter().any(|&(d, _)| d > 0));
    assert_eq!(seen.last(), Some(&(PROGRESS_TOTAL, PROGRESS_TOTAL)));

    assert_eq!(device.disc_id(), disc_id);
    sound(&image, &mut device);
    drop(device);
    // The sidecar kept the ids and the new ICV.
    let mut device = VirtualHimd::open(&image).unwrap();
    assert_eq!(device.disc_id(), disc_id);
    assert_eq!(track_count(&mut device), 0);
    sound(&image, &mut device);
}

#[test]
fn the_unit_is_busy_while_it_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut device) = sample(dir.path());
    device.execute(&FORMAT_CDB, Data::None).unwrap();
    let mut data = [0u8; 8];
    let busy = device
        .execute(
            &[READ_CAPACITY, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            Data::In(&mut data),
        )
        .unwrap_err();
    assert!(
        matches!(busy, ScsiError::CheckCondition { sense, .. } if sense == FORMAT_IN_PROGRESS),
        "{busy}"
    );
    // A second format before the first is done is refused.
    let again = format::format(&mut device, FAST, &mut |_, _| {}).unwrap_err();
    assert!(again.to_string().contains("not ready"), "{again}");
    let mut polls = 0;
    loop {
        let mut sense = [0u8; 18];
        device
            .execute(&format::SENSE_CDB, Data::In(&mut sense))
            .unwrap();
        if sense[15..18] == [0, 0, 0] {
            break;
        }
        polls += 1;
        assert!(polls < 100);
    }
    assert!(polls >= 2, "{polls}");
    // NOFS is refused, as an RH1 does; so is any other subcommand.
    let mut nofs = FORMAT_CDB;
    nofs[4] |= format::FLAG_NOFS;
    let mut erase = FORMAT_CDB;
    erase[3] = 0;
    for cdb in [nofs, erase] {
        assert!(device.execute(&cdb, Data::None).is_err());
    }
    assert_eq!(track_count(&mut device), 0);
}

#[test]
fn a_format_in_the_middle_of_a_session_or_refused_leaves_the_disc_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = sample(dir.path());

    // Write-protected: refused with the reason, and nothing changed.
    device.set_write_protected(true).unwrap();
    let e = format::format(&mut device, FAST, &mut |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("write-protected"), "{e}");
    assert_eq!(track_count(&mut device), 6);
    sound(&image, &mut device);
    device.set_write_protected(false).unwrap();

    // A session half-way (keys agreed, the ICV not yet read or written) when the format
    // comes: the format ends it.
    let session = Session::open(&mut device, &mut OsEntropy).unwrap();
    format::format(&mut device, FAST, &mut |_, _| {}).unwrap();
    assert!(session.read_icv(&mut device).is_err());
    assert_eq!(track_count(&mut device), 0);
    sound(&image, &mut device);
}

/// Counts the WRITE(10) commands that reach the device.
struct CountingWrites<'a> {
    device: &'a mut VirtualHimd,
    writes: std::rc::Rc<std::cell::Cell<usize>>,
}

impl ScsiDevice for CountingWrites<'_> {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        if cdb.first() == Some(&himd::scsi::WRITE_10) {
            self.writes.set(self.writes.get() + 1);
        }
        self.device.execute(cdb, data)
    }
}

#[test]
fn a_released_volume_writes_nothing_over_the_formatted_one() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = sample(dir.path());
    let writes = std::rc::Rc::new(std::cell::Cell::new(0));
    {
        let counting = CountingWrites {
            device: &mut device,
            writes: writes.clone(),
        };
        let mut old =
            Disc::open(FatFiles::open(ScsiSectors::new(counting).unwrap()).unwrap()).unwrap();
        // A write leaves the file system marked in use until it is unmounted.
        old.set_track_text(1, himd::disc::TextField::Title, "Renamed")
            .unwrap();
        old.files().release().unwrap();
        let released = writes.get();
        assert!(released > 0);
        // Used after release, it fails rather than touching the device.
        assert!(old.listing().is_err());
        assert!(old.read_audio(1, &mut Vec::new()).is_err());
        drop(old);
        assert_eq!(writes.get(), released);
    }
    format::format(&mut device, FAST, &mut |_, _| {}).unwrap();
    assert_eq!(track_count(&mut device), 0);
    sound(&image, &mut device);
}
