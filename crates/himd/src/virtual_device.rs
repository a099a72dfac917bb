//! The virtual Hi-MD device: a disc image file and a small sidecar (disc id, leaf id, ICV),
//! answering SCSI commands through the same [`ScsiDevice`] seam as a real unit. Like a unit,
//! it keeps the ICV outside the file system, checks the host's session MACs, and accepts a
//! new ICV only when it matches the MAC list on the disc. Like a unit, it formats the disc
//! afresh on Sony's C2 command, keeping the disc id, and reports the progress through REQUEST
//! SENSE for a few polls.

use std::path::{Path, PathBuf};

use netmd::crypto::{Entropy, OsEntropy};
use serde::{Deserialize, Serialize};

use crate::blank;
use crate::disc::Disc;
use crate::error::HimdError;
use crate::format::{DEVICE_CONTROL, FLAG_NOFS, FORMAT_HIMD, FORMAT_IN_PROGRESS, PROGRESS_TOTAL};
use crate::generation::DiscFile;
use crate::keys;
use crate::mac_list::MacList;
use crate::scsi::{
    Data, INQUIRY, READ_10, READ_CAPACITY, REPORT_KEY, REQUEST_SENSE, SECTOR, SEND_KEY, ScsiDevice,
    ScsiError, Sense, TEST_UNIT_READY, WRITE_10, key_format, parse_rw10,
};
use crate::session::{self, IcvRecord, layout};
use crate::volume::{DiscFiles, FatFiles, FolderFiles, ImageFile, SectorDevice};

/// The sizes of Hi-MD media, in 2048-byte sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSize {
    /// A standard 74-minute MiniDisc formatted as Hi-MD (about 283 MB).
    Minutes74,
    /// An 80-minute MiniDisc (about 305 MB).
    Minutes80,
    /// A 1 GB Hi-MD disc (494,023 sectors, as an RH1 reports it).
    Gigabyte,
}

impl MediaSize {
    pub fn sectors(self) -> u64 {
        match self {
            Self::Minutes74 => 283_000_000 / SECTOR as u64,
            Self::Minutes80 => 305_000_000 / SECTOR as u64,
            Self::Gigabyte => 494_023,
        }
    }
}

/// What a unit keeps outside the file system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    pub disc_id: String,
    pub leaf_id: String,
    pub icv_header: String,
    pub icv: String,
    /// The disc's write-protect tab: writes and formats are refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write_protected: bool,
}

fn hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], HimdError> {
    netmd::bytes::from_hex(text)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| HimdError::damaged("sidecar", format!("{what} is not {N} bytes of hex")))
}

/// The sidecar of the image at `image`.
pub fn sidecar_path(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_owned();
    name.push(".himd.json");
    PathBuf::from(name)
}

/// What the session has reached.
#[derive(Debug, Default)]
struct SessionState {
    host_nonce: Option<[u8; 8]>,
    device_nonce: [u8; 8],
    device_mac: [u8; 8],
    session_key: Option<[u8; 8]>,
}

/// The device.
pub struct VirtualHimd {
    image: ImageFile,
    sidecar_path: PathBuf,
    disc_id: [u8; 16],
    leaf_id: [u8; 8],
    icv: IcvRecord,
    session: SessionState,
    entropy: Box<dyn Entropy>,
    sense: Sense,
    write_protected: bool,
    /// REQUEST SENSE polls left before a format is done.
    format_polls: u32,
}

/// How many REQUEST SENSE polls a format takes: enough for a host to see it progress.
const FORMAT_POLLS: u32 = 4;

const NO_SENSE: Sense = Sense::new(0, 0, 0);
const INVALID_OPCODE: Sense = Sense::new(Sense::ILLEGAL_REQUEST, 0x20, 0);
const INVALID_FIELD: Sense = Sense::new(Sense::ILLEGAL_REQUEST, 0x24, 0);
const OUT_OF_RANGE: Sense = Sense::new(Sense::ILLEGAL_REQUEST, 0x21, 0);
/// The session went wrong: a MAC that does not verify, or a step out of order.
const AUTH_FAILED: Sense = Sense::new(Sense::DATA_PROTECT, 0x6F, 0x00);
const MEDIUM_ERROR: Sense = Sense::new(Sense::MEDIUM_ERROR, 0x11, 0);
const WRITE_PROTECTED: Sense = Sense::new(Sense::DATA_PROTECT, 0x27, 0);

impl VirtualHimd {
    /// Opens the image at `path` and its sidecar.
    pub fn open(path: &Path) -> Result<Self, HimdError> {
        let sidecar_path = sidecar_path(path);
        let text = std::fs::read_to_string(&sidecar_path).map_err(|e| {
            HimdError::NotHimd(format!("no sidecar {}: {e}", sidecar_path.display()))
        })?;
        let sidecar: Sidecar = serde_json::from_str(&text)
            .map_err(|e| HimdError::damaged(sidecar_path.display().to_string(), e.to_string()))?;
        Ok(Self {
            image: ImageFile::open(path, true)?,
            disc_id: hex(&sidecar.disc_id, "disc_id")?,
            leaf_id: hex(&sidecar.leaf_id, "leaf_id")?,
            icv: IcvRecord {
                header: hex(&sidecar.icv_header, "icv_header")?,
                icv: hex(&sidecar.icv, "icv")?,
            },
            sidecar_path,
            session: SessionState::default(),
            entropy: Box::new(OsEntropy),
            sense: NO_SENSE,
            write_protected: sidecar.write_protected,
            format_polls: 0,
        })
    }

    /// Makes an image at `path` holding the files of the disc in `folder` (as a unit's
    /// files look when mounted), with the disc id from its MAC list and the ICV that list
    /// gives, as the unit that wrote it would hold.
    pub fn create_from_folder(
        folder: &Path,
        path: &Path,
        size: MediaSize,
        leaf_id: [u8; 8],
    ) -> Result<Self, HimdError> {
        let mut source = FolderFiles::new(folder);
        let mac_list = Disc::open(&mut source)?.mac_list().clone();
        let mut files = Vec::new();
        for name in source.list()? {
            let data = source.read(&name)?;
            files.push((name, data));
        }
        Self::create(path, size, leaf_id, &mac_list, &files)
    }

    /// Makes a freshly formatted, empty disc at `path`, with a new disc id and keys.
    pub fn create_blank(
        path: &Path,
        size: MediaSize,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, HimdError> {
        let mut disc_id = [0u8; 16];
        entropy.fill(&mut disc_id)?;
        let leaf_id = entropy.bytes8()?;
        let (mac_list, files) = blank_files(disc_id, entropy)?;
        Self::create(path, size, leaf_id, &mac_list, &files)
    }

    fn create(
        path: &Path,
        size: MediaSize,
        leaf_id: [u8; 8],
        mac_list: &MacList,
        files: &[(String, Vec<u8>)],
    ) -> Result<Self, HimdError> {
        let mut image = ImageFile::create(path, size.sectors())?;
        write_volume(&mut image, files)?;
        let disc_id = mac_list.disc_id();
        let device = Self {
            image,
            sidecar_path: sidecar_path(path),
            disc_id,
            leaf_id,
            icv: icv_of(mac_list)?,
            session: SessionState::default(),
            entropy: Box::new(OsEntropy),
            sense: NO_SENSE,
            write_protected: false,
            format_polls: 0,
        };
        device.save_sidecar()?;
        Ok(device)
    }

    /// Nonces from `entropy` instead of the system's generator (for reproducible tests).
    #[must_use]
    pub fn with_entropy(mut self, entropy: Box<dyn Entropy>) -> Self {
        self.entropy = entropy;
        self
    }

    pub fn disc_id(&self) -> [u8; 16] {
        self.disc_id
    }

    /// The ICV the device holds.
    pub fn icv(&self) -> IcvRecord {
        self.icv
    }

    fn save_sidecar(&self) -> Result<(), HimdError> {
        let sidecar = Sidecar {
            disc_id: netmd::bytes::to_hex(&self.disc_id),
            leaf_id: netmd::bytes::to_hex(&self.leaf_id),
            icv_header: netmd::bytes::to_hex(&self.icv.header),
            icv: netmd::bytes::to_hex(&self.icv.icv),
            write_protected: self.write_protected,
        };
        let text = serde_json::to_string_pretty(&sidecar)
            .map_err(|e| HimdError::FileSystem(e.to_string()))?;
        let dir = self.sidecar_path.parent().unwrap_or(Path::new("."));
        let temp = tempfile::NamedTempFile::new_in(dir)?;
        std::fs::write(temp.path(), text)?;
        temp.persist(&self.sidecar_path)
            .map_err(|e| HimdError::Io(e.error))?;
        Ok(())
    }

    /// Slides the disc's write-protect tab (kept in the sidecar).
    pub fn set_write_protected(&mut self, on: bool) -> Result<(), HimdError> {
        self.write_protected = on;
        self.save_sidecar()
    }

    /// Formats the image afresh as a blank Hi-MD volume, as [`VirtualHimd::create_blank`]
    /// makes one but with this disc's id and leaf id, and holds the blank disc's ICV.
    fn reformat(&mut self) -> Result<(), HimdError> {
        let (mac_list, files) = blank_files(self.disc_id, self.entropy.as_mut())?;
        write_volume(&mut self.image, &files)?;
        self.icv = icv_of(&mac_list)?;
        self.save_sidecar()
    }

    /// C2 device control: only Format Hi-MD. It is done at once; with IMMED the unit then
    /// looks busy for a few polls, as a real one formatting in the background does.
    fn device_control(&mut self, cdb: &[u8]) -> Result<usize, Sense> {
        let (Some(&subcommand), Some(&flags)) = (cdb.get(3), cdb.get(4)) else {
            return Err(INVALID_FIELD);
        };
        if subcommand != FORMAT_HIMD || flags & FLAG_NOFS != 0 {
            return Err(INVALID_FIELD);
        }
        if self.write_protected {
            return Err(WRITE_PROTECTED);
        }
        // A format ends any session under way.
        self.session = SessionState::default();
        self.reformat().map_err(|_| MEDIUM_ERROR)?;
        self.format_polls = if flags & 1 != 0 { FORMAT_POLLS } else { 0 };
        Ok(0)
    }

    /// The sense a poll sees while formatting: NOT READY with the progress so far.
    fn format_progress(&mut self) -> [u8; 18] {
        let done = FORMAT_POLLS - self.format_polls;
        self.format_polls -= 1;
        let progress = (u64::from(done) * u64::from(PROGRESS_TOTAL) / u64::from(FORMAT_POLLS))
            .min(0xFFFF) as u16;
        let mut bytes = FORMAT_IN_PROGRESS.to_bytes();
        bytes[15] = 0x80;
        bytes[16..18].copy_from_slice(&progress.to_be_bytes());
        bytes
    }

    /// The ICV the disc's current MAC list gives.
    pub fn expected_icv(&mut self) -> Result<[u8; 16], HimdError> {
        let disc_id = self.disc_id;
        let fat = FatFiles::open(&mut self.image)?;
        let disc = Disc::open(fat)?;
        disc.mac_list().integrity_value(disc_id)
    }

    /// Whether the ICV the device holds matches the disc: false for a disc whose files were
    /// changed without a session.
    pub fn integrity_holds(&mut self) -> Result<bool, HimdError> {
        Ok(self.expected_icv()? == self.icv.icv)
    }

    /// The image holds a Hi-MD volume: a FAT file system with the `HMDHIFI` folder.
    pub fn looks_like_himd(path: &Path) -> bool {
        let Ok(image) = ImageFile::open(path, false) else {
            return false;
        };
        let Ok(mut fat) = FatFiles::open(image) else {
            return false;
        };
        fat.list().is_ok()
    }

    fn refuse(&mut self, opcode: u8, sense: Sense) -> ScsiError {
        self.sense = sense;
        ScsiError::CheckCondition { opcode, sense }
    }

    fn key_command(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, Sense> {
        if cdb.len() < 11 || cdb[7] != crate::scsi::KEY_CLASS_HIMD {
            return Err(INVALID_FIELD);
        }
        match (cdb[0], cdb[10], data) {
            (SEND_KEY, key_format::HOST_NONCE, Data::Out(d)) => {
                let nonce = d
                    .get(layout::HOST_NONCE..layout::HOST_NONCE + 8)
                    .ok_or(INVALID_FIELD)?;
                let mut host = [0u8; 8];
                host.copy_from_slice(nonce);
                let device = self.entropy.bytes8().map_err(|_| MEDIUM_ERROR)?;
                self.session = SessionState {
                    host_nonce: Some(host),
                    device_nonce: device,
                    device_mac: keys::device_mac(&self.disc_id, &host, &device)
                        .map_err(|_| MEDIUM_ERROR)?,
                    session_key: None,
                };
                Ok(d.len())
            }
            (REPORT_KEY, key_format::DEVICE_NONCE, Data::In(d)) => {
                if self.session.host_nonce.is_none() {
                    return Err(AUTH_FAILED);
                }
                let mut out = session::frame(session::DEVICE_NONCE_LEN);
                put(&mut out, layout::DISC_ID, &self.disc_id);
                put(&mut out, layout::DEVICE_MAC, &self.session.device_mac);
                put(&mut out, layout::DEVICE_LEAF, &self.leaf_id);
                put(&mut out, layout::DEVICE_NONCE, &self.session.device_nonce);
                put(&mut out, layout::DEVICE_EKB, &session::EKB_DESCRIPTOR);
                put(
                    &mut out,
                    layout::DEVICE_EKB + 16,
                    &session::DEVICE_EKB_VALUE,
                );
                Ok(copy_in(d, &out))
            }
            (SEND_KEY, key_format::HOST_MAC, Data::Out(d)) => {
                let host = self.session.host_nonce.ok_or(AUTH_FAILED)?;
                let expected = keys::host_mac(&self.disc_id, &host, &self.session.device_nonce)
                    .map_err(|_| MEDIUM_ERROR)?;
                if d.get(layout::HOST_MAC..layout::HOST_MAC + 8) != Some(&expected[..]) {
                    self.session = SessionState::default();
                    return Err(AUTH_FAILED);
                }
                self.session.session_key = Some(
                    keys::session_key(&self.disc_id, &self.session.device_mac, &expected)
                        .map_err(|_| MEDIUM_ERROR)?,
                );
                Ok(d.len())
            }
            (REPORT_KEY, key_format::READ_ICV, Data::In(d)) => {
                let key = self.session.session_key.ok_or(AUTH_FAILED)?;
                let mut out = session::frame(session::ICV_LEN);
                put(&mut out, layout::ICV_HEADER, &self.icv.header);
                put(&mut out, layout::ICV, &self.icv.icv);
                let mac = keys::icv_mac(key, &self.icv.header, &self.icv.icv)
                    .map_err(|_| MEDIUM_ERROR)?;
                put(&mut out, layout::ICV_MAC, &mac);
                Ok(copy_in(d, &out))
            }
            (SEND_KEY, key_format::WRITE_ICV, Data::Out(d)) => {
                let key = self.session.session_key.ok_or(AUTH_FAILED)?;
                let get = |at: usize, n: usize| d.get(at..at + n).ok_or(INVALID_FIELD);
                let mut record = IcvRecord {
                    header: [0; 8],
                    icv: [0; 16],
                };
                record.header.copy_from_slice(get(layout::ICV_HEADER, 8)?);
                record.icv.copy_from_slice(get(layout::ICV, 16)?);
                let mac =
                    keys::icv_mac(key, &record.header, &record.icv).map_err(|_| MEDIUM_ERROR)?;
                if get(layout::ICV_MAC, 8)? != mac {
                    return Err(AUTH_FAILED);
                }
                // A unit takes the new value only if the disc it has now agrees with it.
                if self.expected_icv().map_err(|_| MEDIUM_ERROR)? != record.icv {
                    return Err(AUTH_FAILED);
                }
                self.icv = record;
                // One ICV per session.
                self.session = SessionState::default();
                self.save_sidecar().map_err(|_| MEDIUM_ERROR)?;
                Ok(d.len())
            }
            (REPORT_KEY, key_format::DISC_ID, Data::In(d)) => {
                let mut out = session::frame(0x12);
                put(&mut out, 2, &self.disc_id);
                Ok(copy_in(d, &out))
            }
            (REPORT_KEY, key_format::LEAF_ID, Data::In(d)) => {
                let mut out = session::frame(0x0A);
                put(&mut out, 2, &self.leaf_id);
                Ok(copy_in(d, &out))
            }
            _ => Err(INVALID_FIELD),
        }
    }

    fn rw(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, Sense> {
        let (lba, count) = parse_rw10(cdb).ok_or(INVALID_FIELD)?;
        if cdb[0] == WRITE_10 && self.write_protected {
            return Err(WRITE_PROTECTED);
        }
        let bytes = usize::from(count) * SECTOR;
        if u64::from(lba) + u64::from(count) > self.image.sectors() {
            return Err(OUT_OF_RANGE);
        }
        match (cdb[0], data) {
            (READ_10, Data::In(d)) if d.len() >= bytes => {
                self.image
                    .read_sectors(u64::from(lba), &mut d[..bytes])
                    .map_err(|_| MEDIUM_ERROR)?;
                Ok(bytes)
            }
            (WRITE_10, Data::Out(d)) if d.len() >= bytes => {
                self.image
                    .write_sectors(u64::from(lba), &d[..bytes])
                    .map_err(|_| MEDIUM_ERROR)?;
                Ok(bytes)
            }
            _ => Err(INVALID_FIELD),
        }
    }
}

fn inquiry(data: Data<'_>) -> Result<usize, Sense> {
    match data {
        Data::In(d) => {
            let mut out = [0u8; 36];
            out[4] = 31;
            out[8..16].copy_from_slice(b"SONY    ");
            out[16..32].copy_from_slice(b"Hi-MD WALKMAN   ");
            out[32..36].copy_from_slice(b"1.00");
            Ok(copy_in(d, &out))
        }
        _ => Err(INVALID_FIELD),
    }
}

/// Files by name with their bytes.
type NamedFiles = Vec<(String, Vec<u8>)>;

/// A freshly formatted disc's files and its MAC list.
fn blank_files(
    disc_id: [u8; 16],
    entropy: &mut dyn Entropy,
) -> Result<(MacList, NamedFiles), HimdError> {
    let generation = blank::FIRST_GENERATION;
    let mac_list = blank::blank_mac_list(disc_id, u32::from(generation), entropy)?;
    let files = vec![
        (
            DiscFile::TrackIndex.name(generation),
            blank::blank_track_index()?.to_bytes(),
        ),
        (
            crate::index_backup::backup_name(generation),
            blank::blank_track_index()?.to_bytes(),
        ),
        (DiscFile::AudioData.name(generation), Vec::new()),
        (DiscFile::MacList.name(generation), mac_list.to_bytes()),
        (blank::EKB_FILE_NAME.to_string(), blank::EKB_FILE.to_vec()),
    ];
    Ok((mac_list, files))
}

/// A new FAT16 volume on the whole image holding `files`.
fn write_volume(image: &mut ImageFile, files: &[(String, Vec<u8>)]) -> Result<(), HimdError> {
    let mut fat = FatFiles::format(image, "HI-MD")?;
    for (name, data) in files {
        fat.create(name, data)?;
    }
    fat.close()
}

/// The ICV a unit holds for a disc with `mac_list`.
fn icv_of(mac_list: &MacList) -> Result<IcvRecord, HimdError> {
    Ok(IcvRecord {
        header: IcvRecord::header_for(mac_list.generation()),
        icv: mac_list.integrity_value(mac_list.disc_id())?,
    })
}

fn put(buf: &mut [u8], at: usize, value: &[u8]) {
    buf[at..at + value.len()].copy_from_slice(value);
}

fn copy_in(dest: &mut [u8], src: &[u8]) -> usize {
    let n = dest.len().min(src.len());
    dest[..n].copy_from_slice(&src[..n]);
    n
}

impl ScsiDevice for VirtualHimd {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        let opcode = cdb.first().copied().unwrap_or(0xFF);
        let formatting = self.format_polls > 0;
        let result = match opcode {
            REQUEST_SENSE if formatting => match data {
                Data::In(d) => {
                    let progress = self.format_progress();
                    return Ok(copy_in(d, &progress));
                }
                _ => Err(INVALID_FIELD),
            },
            // A unit formatting in the background answers nothing else but who it is.
            INQUIRY => inquiry(data),
            _ if formatting => Err(FORMAT_IN_PROGRESS),
            TEST_UNIT_READY => Ok(0),
            REQUEST_SENSE => match data {
                Data::In(d) => {
                    let n = copy_in(d, &self.sense.to_bytes());
                    self.sense = NO_SENSE;
                    return Ok(n);
                }
                _ => Err(INVALID_FIELD),
            },
            READ_CAPACITY => match data {
                Data::In(d) => {
                    let mut out = [0u8; 8];
                    let last = self.image.sectors().saturating_sub(1) as u32;
                    out[..4].copy_from_slice(&last.to_be_bytes());
                    out[4..].copy_from_slice(&(SECTOR as u32).to_be_bytes());
                    Ok(copy_in(d, &out))
                }
                _ => Err(INVALID_FIELD),
            },
            READ_10 | WRITE_10 => self.rw(cdb, data),
            SEND_KEY | REPORT_KEY => self.key_command(cdb, data),
            DEVICE_CONTROL => self.device_control(cdb),
            _ => Err(INVALID_OPCODE),
        };
        match result {
            Ok(n) => {
                self.sense = NO_SENSE;
                Ok(n)
            }
            Err(sense) => Err(self.refuse(opcode, sense)),
        }
    }
}
