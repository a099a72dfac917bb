//! The virtual Hi-MD device built from the sample disc: its image read through SCSI (directly
//! and through Bulk-Only Transport framing), the authenticated session, and the ICV.

#![allow(clippy::unwrap_used)]
#![cfg(feature = "virtual")]

use std::path::{Path, PathBuf};

use himd::FolderFiles;
use himd::bot::{BotDevice, BulkError, BulkPipes, CBW_BYTES, Cbw, Csw, CswStatus};
use himd::disc::Disc;
use himd::scsi::{Data, REPORT_KEY, SEND_KEY, ScsiDevice, ScsiError, Sense, key_cdb, key_format};
use himd::session::{self, Session, layout};
use himd::virtual_device::{MediaSize, VirtualHimd, sidecar_path};
use himd::volume::{DiscFiles, FatFiles, ImageFile, ScsiSectors};
use netmd::crypto::ScriptedEntropy;

#[path = "common/fsck.rs"]
mod fsck;
use fsck::fsck;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/himd")
}

const LEAF: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

fn build(dir: &Path) -> (PathBuf, VirtualHimd) {
    let image = dir.join("disc.img");
    let device =
        VirtualHimd::create_from_folder(&fixture(), &image, MediaSize::Minutes74, LEAF).unwrap();
    (image, device)
}

/// The device side of Bulk-Only Transport around a [`ScsiDevice`]: takes a CBW, runs it,
/// and queues the data and the CSW for the host to read.
struct Loopback<D: ScsiDevice> {
    device: D,
    pending: Option<Cbw>,
    to_host: Vec<u8>,
    csw: Option<[u8; 13]>,
    /// Corrupts the tag of the next CSW (a confused device).
    wrong_tag: bool,
    resets: usize,
}

impl<D: ScsiDevice> Loopback<D> {
    fn new(device: D) -> Self {
        Self {
            device,
            pending: None,
            to_host: Vec::new(),
            csw: None,
            wrong_tag: false,
            resets: 0,
        }
    }

    fn finish(&mut self, cbw: &Cbw, result: &Result<usize, ScsiError>) {
        let (status, moved) = match *result {
            Ok(n) => (CswStatus::Passed, n),
            Err(_) => (CswStatus::Failed, 0),
        };
        let tag = if self.wrong_tag { cbw.tag ^ 1 } else { cbw.tag };
        self.wrong_tag = false;
        self.csw = Some(
            Csw {
                tag,
                residue: cbw.data_len - moved as u32,
                status,
            }
            .to_bytes(),
        );
    }
}

impl<D: ScsiDevice> BulkPipes for Loopback<D> {
    fn bulk_out(&mut self, data: &[u8]) -> Result<(), BulkError> {
        if let Some(cbw) = self.pending.take() {
            let result = self.device.execute(&cbw.cdb, Data::Out(data));
            self.finish(&cbw, &result);
            return Ok(());
        }
        if data.len() != CBW_BYTES {
            return Err(BulkError::Stall);
        }
        let cbw = Cbw::parse(data).map_err(|e| BulkError::Other(e.to_string()))?;
        if cbw.data_len > 0 && !cbw.data_in {
            self.pending = Some(cbw);
        } else if cbw.data_len > 0 {
            let mut buf = vec![0u8; cbw.data_len as usize];
            let result = self.device.execute(&cbw.cdb, Data::In(&mut buf));
            if let Ok(n) = result {
                self.to_host = buf[..n].to_vec();
            }
            self.finish(&cbw, &result);
        } else {
            let result = self.device.execute(&cbw.cdb, Data::None);
            self.finish(&cbw, &result);
        }
        Ok(())
    }

    fn bulk_in(&mut self, buf: &mut [u8]) -> Result<usize, BulkError> {
        if !self.to_host.is_empty() {
            let data = std::mem::take(&mut self.to_host);
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            return Ok(n);
        }
        match self.csw.take() {
            Some(csw) if buf.len() == 13 => {
                buf.copy_from_slice(&csw);
                Ok(13)
            }
            // The host wanted data the command did not give: the device stalls.
            Some(csw) => {
                self.csw = Some(csw);
                Err(BulkError::Stall)
            }
            None => Err(BulkError::Other("nothing to read".into())),
        }
    }

    fn clear_halt(&mut self, _data_in: bool) -> Result<(), BulkError> {
        Ok(())
    }

    fn reset_recovery(&mut self) -> Result<(), BulkError> {
        self.resets += 1;
        self.pending = None;
        self.to_host.clear();
        self.csw = None;
        Ok(())
    }
}

fn listing_of<S: ScsiDevice>(device: S) -> himd::DiscListing {
    let fat = FatFiles::open(ScsiSectors::new(device).unwrap()).unwrap();
    Disc::open(fat).unwrap().listing().unwrap()
}

#[test]
fn the_image_reads_like_the_folder_through_scsi_and_bot() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = build(dir.path());
    let folder = Disc::open(FolderFiles::new(fixture()))
        .unwrap()
        .listing()
        .unwrap();

    let direct = listing_of(&mut device);
    assert_eq!(direct.tracks, folder.tracks);
    assert_eq!(direct.title, folder.title);
    let space = direct.space.unwrap();
    assert!(
        space.total > 270_000_000 && space.total < 283_000_000,
        "{space:?}"
    );
    assert!(space.free < space.total);

    let bot = listing_of(BotDevice::new(Loopback::new(&mut device)));
    assert_eq!(bot.tracks, folder.tracks);

    // Every track's audio is the same bytes as from the folder.
    let fat = FatFiles::open(ScsiSectors::new(&mut device).unwrap()).unwrap();
    let mut from_image = Disc::open(fat).unwrap();
    let mut from_folder = Disc::open(FolderFiles::new(fixture())).unwrap();
    for n in 1..=6 {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        from_image.read_audio(n, &mut a).unwrap();
        from_folder.read_audio(n, &mut b).unwrap();
        assert!(a == b, "track {n}");
    }
    drop(from_image);

    // The image is a clean FAT16 volume, and the ICV sits outside it, in the sidecar.
    fsck(&image);
    let sidecar = std::fs::read_to_string(sidecar_path(&image)).unwrap();
    assert!(sidecar.contains(&netmd::bytes::to_hex(&device.icv().icv)));
    assert!(device.integrity_holds().unwrap());
}

#[test]
fn a_session_reads_and_rewrites_the_icv() {
    let dir = tempfile::tempdir().unwrap();
    let (_, device) = build(dir.path());
    let mut device = device.with_entropy(Box::new(ScriptedEntropy::new(&[7; 8])));
    let mut host = ScriptedEntropy::new(&[0x42; 8]);
    let session = Session::open(&mut device, &mut host).unwrap();
    assert_eq!(session.disc_id, device.disc_id());
    assert_eq!(session.device_leaf_id, LEAF);
    let icv = session.read_icv(&mut device).unwrap();
    assert_eq!(icv, device.icv());
    assert_eq!(icv.generation(), 7);
    assert_eq!(icv.icv, device.expected_icv().unwrap());
    // Writing back the value the disc gives is accepted, once.
    session.write_icv(&mut device, &icv).unwrap();
    assert!(session.write_icv(&mut device, &icv).is_err());

    // Through BOT framing too.
    let mut bot = BotDevice::new(Loopback::new(&mut device));
    let session = Session::open(&mut bot, &mut host).unwrap();
    assert_eq!(session.read_icv(&mut bot).unwrap(), icv);
}

#[test]
fn a_wrong_host_mac_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut device) = build(dir.path());
    let mut step1 = session::frame(session::HOST_NONCE_LEN);
    step1[layout::HOST_NONCE..layout::HOST_NONCE + 8].copy_from_slice(&[1; 8]);
    device
        .execute(
            &key_cdb(SEND_KEY, key_format::HOST_NONCE, session::HOST_NONCE_LEN),
            Data::Out(&step1),
        )
        .unwrap();
    let mut step2 = vec![0u8; usize::from(session::DEVICE_NONCE_LEN)];
    device
        .execute(
            &key_cdb(
                REPORT_KEY,
                key_format::DEVICE_NONCE,
                session::DEVICE_NONCE_LEN,
            ),
            Data::In(&mut step2),
        )
        .unwrap();
    let mut step3 = session::frame(session::HOST_MAC_LEN);
    step3[layout::HOST_MAC..layout::HOST_MAC + 8].copy_from_slice(&[0xEE; 8]);
    let err = device
        .execute(
            &key_cdb(SEND_KEY, key_format::HOST_MAC, session::HOST_MAC_LEN),
            Data::Out(&step3),
        )
        .unwrap_err();
    match err {
        ScsiError::CheckCondition { opcode, sense } => {
            assert_eq!(opcode, SEND_KEY);
            assert_eq!(sense.key, Sense::DATA_PROTECT);
        }
        other => panic!("{other}"),
    }
    // No session: the ICV cannot be read.
    let mut data = vec![0u8; usize::from(session::ICV_LEN)];
    assert!(
        device
            .execute(
                &key_cdb(REPORT_KEY, key_format::READ_ICV, session::ICV_LEN),
                Data::In(&mut data)
            )
            .is_err()
    );
    // And the refusal comes back through BOT as CHECK CONDITION with its sense.
    let mut bot = BotDevice::new(Loopback::new(&mut device));
    let err = bot
        .execute(
            &key_cdb(REPORT_KEY, key_format::READ_ICV, session::ICV_LEN),
            Data::In(&mut data),
        )
        .unwrap_err();
    assert!(
        matches!(err, ScsiError::CheckCondition { sense, .. } if sense.key == Sense::DATA_PROTECT),
        "{err}"
    );
}

#[test]
fn an_icv_that_does_not_match_the_disc_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = build(dir.path());
    let mut host = ScriptedEntropy::new(&[3; 8]);
    let session = Session::open(&mut device, &mut host).unwrap();
    let mut icv = session.read_icv(&mut device).unwrap();
    icv.icv[0] ^= 1;
    assert!(session.write_icv(&mut device, &icv).is_err());
    assert_ne!(device.icv(), icv);
    drop(device);

    // A MAC list changed behind the device's back breaks the integrity check.
    let mut list = std::fs::read(fixture().join("HMDHIFI/MCLIST07.HMA")).unwrap();
    list[0x70] ^= 0xFF;
    {
        let mut fat = FatFiles::open(ImageFile::open(&image, true).unwrap()).unwrap();
        fat.create("MCLIST07.HMA", &list).unwrap();
        fat.close().unwrap();
    }
    fsck(&image);
    let mut device = VirtualHimd::open(&image).unwrap();
    assert!(!device.integrity_holds().unwrap());
}

#[test]
fn bot_recovers_from_a_wrong_tag_with_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut device) = build(dir.path());
    let mut bot = BotDevice::new(Loopback::new(&mut device));
    bot.pipes().wrong_tag = true;
    let mut data = [0u8; 8];
    let err = bot
        .execute(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], Data::In(&mut data))
        .unwrap_err();
    assert!(err.to_string().contains("answers command"), "{err}");
    assert_eq!(bot.pipes().resets, 1);
    // The next command works.
    assert_eq!(
        bot.execute(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], Data::In(&mut data))
            .unwrap(),
        8
    );
}

#[test]
fn a_blank_disc_is_empty_clean_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("blank.img");
    let mut entropy = ScriptedEntropy::new(&(1..=64).collect::<Vec<u8>>());
    let mut device = VirtualHimd::create_blank(&image, MediaSize::Minutes80, &mut entropy).unwrap();
    assert_eq!(device.disc_id()[..4], [1, 2, 3, 4]);
    assert!(device.integrity_holds().unwrap());
    fsck(&image);
    drop(device);
    assert!(VirtualHimd::looks_like_himd(&image));
    assert!(!VirtualHimd::looks_like_himd(
        &fixture().join("HMDHIFI/MCLIST07.HMA")
    ));
    let mut device = VirtualHimd::open(&image).unwrap();
    let listing = listing_of(&mut device);
    assert!(listing.tracks.is_empty());
    assert_eq!(listing.title, None);
    assert_eq!(listing.generation, 1);
    let space = listing.space.unwrap();
    assert!(space.free > 290_000_000, "{space:?}");
    // A session works on it.
    let session = Session::open(&mut device, &mut entropy).unwrap();
    assert_eq!(session.read_icv(&mut device).unwrap(), device.icv());
}

#[test]
fn a_format_runs_through_bot_and_a_refusal_keeps_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (image, mut device) = build(dir.path());
    let fast = himd::format::Polling {
        interval: std::time::Duration::ZERO,
        timeout: std::time::Duration::from_secs(10),
    };
    device.set_write_protected(true).unwrap();
    let mut bot = BotDevice::new(Loopback::new(&mut device));
    let refused = himd::format::format(&mut bot, fast, &mut |_, _| {}).unwrap_err();
    assert!(refused.to_string().contains("write-protected"), "{refused}");
    assert_eq!(listing_of(&mut bot).tracks.len(), 6);

    device.set_write_protected(false).unwrap();
    let mut polls = 0;
    let mut bot = BotDevice::new(Loopback::new(&mut device));
    let mut disc = himd::format::format_and_read(&mut bot, fast, &mut |_, _| polls += 1).unwrap();
    assert!(disc.listing().unwrap().tracks.is_empty());
    drop(disc);
    assert!(polls > 2, "{polls}");
    assert!(device.integrity_holds().unwrap());
    fsck(&image);
}
