//! The files of a disc: [`DiscFiles`] is what the disc reader needs (the `HMDHIFI` folder),
//! served from a FAT16 volume through `fatfs` ([`FatFiles`], over any [`SectorDevice`]: an
//! image file, or a unit through SCSI) or from a folder where the system mounted the disc
//! ([`FolderFiles`]).

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::cut_journal::{CutRecord, JOURNAL_FILE};
use crate::error::HimdError;
use crate::fat_chain;
use crate::generation::{HIMD_DIR, MARKER_FILE};
use crate::scsi::{self, Data, READ_10, SECTOR, ScsiDevice, WRITE_10};

/// Total and free bytes of a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub total: u64,
    pub free: u64,
}

/// The `HMDHIFI` folder of a disc; names are file names inside it.
pub trait DiscFiles {
    /// The names of the files in `HMDHIFI`; an error when there is no such folder.
    fn list(&mut self) -> Result<Vec<String>, HimdError>;
    fn len(&mut self, name: &str) -> Result<u64, HimdError>;
    fn read_at(&mut self, name: &str, offset: u64, buf: &mut [u8]) -> Result<(), HimdError>;
    /// Total and free bytes, when the volume can tell.
    fn space(&mut self) -> Result<Option<Space>, HimdError>;
    /// Writes `data` over the start of an existing file of at least that length, in place:
    /// no cluster is moved, so the file system's tables are not touched.
    fn overwrite(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError>;
    /// Creates `name`, or replaces what it holds.
    fn create(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError>;
    /// Adds `data` at the end of an existing file; returns the file's length before.
    fn append(&mut self, name: &str, data: &[u8]) -> Result<u64, HimdError>;
    /// Cuts a file back to `len` bytes.
    fn truncate(&mut self, name: &str, len: u64) -> Result<(), HimdError>;
    fn rename(&mut self, from: &str, to: &str) -> Result<(), HimdError>;
    fn remove(&mut self, name: &str) -> Result<(), HimdError>;

    /// The volume's cluster size when [`DiscFiles::cut_clusters`] can take clusters out of a
    /// file; `None` where it cannot (a mounted folder).
    fn cluster_bytes(&mut self) -> Result<Option<u64>, HimdError> {
        Ok(None)
    }

    /// Takes the clusters at positions `cut` (from 0 within the file) out of `name`, the
    /// rest closing up; returns the file's new length. The changed FAT and directory sectors
    /// reach the device with the next file-system write that syncs (a rename).
    fn cut_clusters(&mut self, name: &str, cut: &BTreeSet<u32>) -> Result<u64, HimdError> {
        let _ = cut;
        Err(HimdError::FileSystem(format!(
            "clusters cannot be taken out of {name} here"
        )))
    }

    /// Ends a cut once the change it belongs to has taken effect (its record goes).
    fn finish_cut(&mut self) -> Result<(), HimdError> {
        Ok(())
    }

    fn read(&mut self, name: &str) -> Result<Vec<u8>, HimdError> {
        let len = self.len(name)?;
        let len = usize::try_from(len)
            .map_err(|_| HimdError::damaged(name, "the file is larger than memory"))?;
        let mut buf = vec![0u8; len];
        self.read_at(name, 0, &mut buf)?;
        Ok(buf)
    }
}

impl<T: DiscFiles + ?Sized> DiscFiles for &mut T {
    fn list(&mut self) -> Result<Vec<String>, HimdError> {
        (**self).list()
    }
    fn len(&mut self, name: &str) -> Result<u64, HimdError> {
        (**self).len(name)
    }
    fn read_at(&mut self, name: &str, offset: u64, buf: &mut [u8]) -> Result<(), HimdError> {
        (**self).read_at(name, offset, buf)
    }
    fn space(&mut self) -> Result<Option<Space>, HimdError> {
        (**self).space()
    }
    fn overwrite(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        (**self).overwrite(name, data)
    }
    fn create(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        (**self).create(name, data)
    }
    fn append(&mut self, name: &str, data: &[u8]) -> Result<u64, HimdError> {
        (**self).append(name, data)
    }
    fn truncate(&mut self, name: &str, len: u64) -> Result<(), HimdError> {
        (**self).truncate(name, len)
    }
    fn rename(&mut self, from: &str, to: &str) -> Result<(), HimdError> {
        (**self).rename(from, to)
    }
    fn remove(&mut self, name: &str) -> Result<(), HimdError> {
        (**self).remove(name)
    }
    fn cluster_bytes(&mut self) -> Result<Option<u64>, HimdError> {
        (**self).cluster_bytes()
    }
    fn cut_clusters(&mut self, name: &str, cut: &BTreeSet<u32>) -> Result<u64, HimdError> {
        (**self).cut_clusters(name, cut)
    }
    fn finish_cut(&mut self) -> Result<(), HimdError> {
        (**self).finish_cut()
    }
}

/// A disc the system has mounted (or a copy of its files): `root` holds `HMDHIFI`.
#[derive(Debug, Clone)]
pub struct FolderFiles {
    root: PathBuf,
}

impl FolderFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// An entry of `dir` by name, ignoring case as FAT does.
    fn find(dir: &Path, name: &str) -> Result<PathBuf, HimdError> {
        let exact = dir.join(name);
        if exact.exists() {
            return Ok(exact);
        }
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_string_lossy()
                .eq_ignore_ascii_case(name)
            {
                return Ok(entry.path());
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no {name} in {}", dir.display()),
        )
        .into())
    }

    fn dir(&self) -> Result<PathBuf, HimdError> {
        Self::find(&self.root, HIMD_DIR).map_err(|_| {
            HimdError::NotHimd(format!("no {HIMD_DIR} folder in {}", self.root.display()))
        })
    }
}

impl DiscFiles for FolderFiles {
    fn list(&mut self) -> Result<Vec<String>, HimdError> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(self.dir()?)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    fn len(&mut self, name: &str) -> Result<u64, HimdError> {
        Ok(std::fs::metadata(Self::find(&self.dir()?, name)?)?.len())
    }

    fn read_at(&mut self, name: &str, offset: u64, buf: &mut [u8]) -> Result<(), HimdError> {
        let mut f = File::open(Self::find(&self.dir()?, name)?)?;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)?;
        Ok(())
    }

    fn space(&mut self) -> Result<Option<Space>, HimdError> {
        Ok(None)
    }

    fn overwrite(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        let path = Self::find(&self.dir()?, name)?;
        let mut f = OpenOptions::new().write(true).open(path)?;
        if f.metadata()?.len() < data.len() as u64 {
            return Err(HimdError::damaged(
                name,
                "the file is shorter than its new contents",
            ));
        }
        f.write_all(data)?;
        f.sync_data()?;
        Ok(())
    }

    fn create(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        let dir = self.dir()?;
        let path = Self::find(&dir, name).unwrap_or_else(|_| dir.join(name));
        let mut f = File::create(path)?;
        f.write_all(data)?;
        f.sync_data()?;
        Ok(())
    }

    fn append(&mut self, name: &str, data: &[u8]) -> Result<u64, HimdError> {
        let mut f = OpenOptions::new()
            .append(true)
            .open(Self::find(&self.dir()?, name)?)?;
        let before = f.metadata()?.len();
        f.write_all(data)?;
        f.sync_data()?;
        Ok(before)
    }

    fn truncate(&mut self, name: &str, len: u64) -> Result<(), HimdError> {
        let f = OpenOptions::new()
            .write(true)
            .open(Self::find(&self.dir()?, name)?)?;
        f.set_len(len)?;
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), HimdError> {
        let dir = self.dir()?;
        std::fs::rename(Self::find(&dir, from)?, dir.join(to))?;
        Ok(())
    }

    fn remove(&mut self, name: &str) -> Result<(), HimdError> {
        std::fs::remove_file(Self::find(&self.dir()?, name)?)?;
        Ok(())
    }
}

/// A medium of 2048-byte sectors.
pub trait SectorDevice {
    fn sectors(&self) -> u64;
    /// Reads whole sectors from `lba` into `buf` (a multiple of [`SECTOR`] bytes).
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()>;
    fn write_sectors(&mut self, lba: u64, buf: &[u8]) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: SectorDevice + ?Sized> SectorDevice for &mut T {
    fn sectors(&self) -> u64 {
        (**self).sectors()
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_sectors(lba, buf)
    }
    fn write_sectors(&mut self, lba: u64, buf: &[u8]) -> io::Result<()> {
        (**self).write_sectors(lba, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
}

/// A disc image in a file.
#[derive(Debug)]
pub struct ImageFile {
    file: File,
    sectors: u64,
}

impl ImageFile {
    /// Opens an image for reading and writing (read only when `writable` is false).
    pub fn open(path: &Path, writable: bool) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(writable).open(path)?;
        let len = file.metadata()?.len();
        if len == 0 || !len.is_multiple_of(SECTOR as u64) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is {len} bytes, not whole 2048-byte sectors",
                    path.display()
                ),
            ));
        }
        Ok(Self {
            file,
            sectors: len / SECTOR as u64,
        })
    }

    /// Makes a zeroed image of `sectors` sectors (sparse where the system allows).
    pub fn create(path: &Path, sectors: u64) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        file.set_len(sectors * SECTOR as u64)?;
        Ok(Self { file, sectors })
    }

    fn check(&self, lba: u64, len: usize) -> io::Result<()> {
        let count = (len / SECTOR) as u64;
        if !len.is_multiple_of(SECTOR)
            || lba.checked_add(count).is_none_or(|end| end > self.sectors)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "sectors {lba}+{count} lie outside the {}-sector image",
                    self.sectors
                ),
            ));
        }
        Ok(())
    }
}

impl SectorDevice for ImageFile {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        self.check(lba, buf.len())?;
        self.file.seek(SeekFrom::Start(lba * SECTOR as u64))?;
        self.file.read_exact(buf)
    }

    fn write_sectors(&mut self, lba: u64, buf: &[u8]) -> io::Result<()> {
        self.check(lba, buf.len())?;
        self.file.seek(SeekFrom::Start(lba * SECTOR as u64))?;
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// A unit's medium through READ(10)/WRITE(10).
pub struct ScsiSectors<S: ScsiDevice> {
    device: S,
    sectors: u64,
}

/// Sectors moved by one READ(10)/WRITE(10): 64 KiB, a size every mass-storage device takes.
const SECTORS_PER_COMMAND: usize = 32;

impl<S: ScsiDevice> ScsiSectors<S> {
    pub fn new(mut device: S) -> Result<Self, HimdError> {
        let sectors = scsi::read_capacity(&mut device)?;
        Ok(Self { device, sectors })
    }

    pub fn into_inner(self) -> S {
        self.device
    }

    pub fn device(&mut self) -> &mut S {
        &mut self.device
    }
}

fn scsi_io(e: &scsi::ScsiError) -> io::Error {
    io::Error::other(e.to_string())
}

impl<S: ScsiDevice> SectorDevice for ScsiSectors<S> {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        for (i, piece) in buf.chunks_mut(SECTORS_PER_COMMAND * SECTOR).enumerate() {
            let at = lba + (i * SECTORS_PER_COMMAND) as u64;
            let cdb = scsi::rw10(READ_10, at as u32, (piece.len() / SECTOR) as u16);
            let want = piece.len();
            let got = self
                .device
                .execute(&cdb, Data::In(piece))
                .map_err(|e| scsi_io(&e))?;
            if got != want {
                return Err(scsi_io(&scsi::ScsiError::ShortData {
                    expected: want,
                    got,
                }));
            }
        }
        Ok(())
    }

    fn write_sectors(&mut self, lba: u64, buf: &[u8]) -> io::Result<()> {
        for (i, piece) in buf.chunks(SECTORS_PER_COMMAND * SECTOR).enumerate() {
            let at = lba + (i * SECTORS_PER_COMMAND) as u64;
            let cdb = scsi::rw10(WRITE_10, at as u32, (piece.len() / SECTOR) as u16);
            self.device
                .execute(&cdb, Data::Out(piece))
                .map_err(|e| scsi_io(&e))?;
        }
        Ok(())
    }
}

/// Sectors kept for the file system's small reads and writes (FAT and directory entries).
const CACHED_SECTORS: usize = 64;

/// A byte stream over a [`SectorDevice`], as `fatfs` wants one. Writes of whole sectors (the
/// audio) go to the device at once; the file system's small writes (FAT entries, directory
/// entries) collect in the cache until the volume's next flush, at the end of each of its
/// operations, which writes them in sector order (`fatfs`'s own flushes are held).
/// So the two halves of a rename — the old entry freed, the new one written in the same
/// directory sector — reach the device as one sector write, and a file is never lost
/// between them; and new audio is on the device before the FAT and the directory point at it.
pub struct SectorStream<D: SectorDevice> {
    device: D,
    position: u64,
    cache: HashMap<u64, Box<[u8; SECTOR]>>,
    dirty: BTreeSet<u64>,
}

impl<D: SectorDevice> SectorStream<D> {
    pub fn new(device: D) -> Self {
        Self {
            device,
            position: 0,
            cache: HashMap::new(),
            dirty: BTreeSet::new(),
        }
    }

    fn len(&self) -> u64 {
        self.device.sectors() * SECTOR as u64
    }

    fn sector(&mut self, lba: u64) -> io::Result<&mut Box<[u8; SECTOR]>> {
        if !self.cache.contains_key(&lba) {
            if self.cache.len() >= CACHED_SECTORS {
                // Clean sectors go first, so that held writes are not flushed early.
                let dirty = &self.dirty;
                self.cache.retain(|lba, _| dirty.contains(lba));
            }
            if self.cache.len() >= CACHED_SECTORS {
                self.write_dirty()?;
                self.cache.clear();
            }
            let mut data = Box::new([0u8; SECTOR]);
            self.device.read_sectors(lba, &mut data[..])?;
            self.cache.insert(lba, data);
        }
        self.cache
            .get_mut(&lba)
            .ok_or_else(|| io::Error::other("sector cache lost an entry"))
    }

    /// Writes what is held, then empties the cache.
    fn forget(&mut self) -> io::Result<()> {
        self.write_dirty()?;
        self.cache.clear();
        Ok(())
    }

    /// Writes the sectors changed since the last flush, lowest first.
    fn write_dirty(&mut self) -> io::Result<()> {
        while let Some(&lba) = self.dirty.first() {
            let data = self
                .cache
                .get(&lba)
                .ok_or_else(|| io::Error::other("a changed sector left the cache"))?;
            self.device.write_sectors(lba, &data[..])?;
            self.dirty.remove(&lba);
        }
        Ok(())
    }
}

impl<D: SectorDevice> Drop for SectorStream<D> {
    fn drop(&mut self) {
        // The file system's last words (its clean flag) are in the cache; a device gone
        // by now can do nothing with them, and the next mount finds the volume marked dirty.
        let _ = self.write_dirty();
    }
}

impl<D: SectorDevice> Read for SectorStream<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.len().saturating_sub(self.position);
        let want = (buf.len() as u64).min(remaining) as usize;
        if want == 0 {
            return Ok(0);
        }
        let lba = self.position / SECTOR as u64;
        let offset = (self.position % SECTOR as u64) as usize;
        let whole = want / SECTOR * SECTOR;
        // A read never flushes: held writes reach the device in one flush, in order. Where
        // a held sector lies in the way, the read goes a sector at a time through the cache.
        let held = self
            .dirty
            .range(lba..lba + (whole / SECTOR) as u64)
            .next()
            .is_some();
        let n = if offset == 0 && whole > 0 && !held {
            self.device.read_sectors(lba, &mut buf[..whole])?;
            whole
        } else {
            let n = want.min(SECTOR - offset);
            let data = self.sector(lba)?;
            buf[..n].copy_from_slice(&data[offset..offset + n]);
            n
        };
        self.position += n as u64;
        Ok(n)
    }
}

impl<D: SectorDevice> Write for SectorStream<D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let remaining = self.len().saturating_sub(self.position);
        let want = (buf.len() as u64).min(remaining) as usize;
        if want == 0 {
            return if buf.is_empty() {
                Ok(0)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "past the end of the medium",
                ))
            };
        }
        let lba = self.position / SECTOR as u64;
        let offset = (self.position % SECTOR as u64) as usize;
        let n = if offset == 0 && want >= SECTOR {
            let whole = want / SECTOR * SECTOR;
            for i in 0..(whole / SECTOR) as u64 {
                self.cache.remove(&(lba + i));
                self.dirty.remove(&(lba + i));
            }
            self.device.write_sectors(lba, &buf[..whole])?;
            whole
        } else {
            let n = want.min(SECTOR - offset);
            let data = self.sector(lba)?;
            data[offset..offset + n].copy_from_slice(&buf[..n]);
            self.dirty.insert(lba);
            n
        };
        self.position += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_dirty()?;
        self.device.flush()
    }
}

impl<D: SectorDevice> Seek for SectorStream<D> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

/// Hi-MD volumes use 32 KiB clusters: two audio blocks.
pub const CLUSTER_BYTES: u32 = 0x8000;

/// The stream `fatfs` works on, shared with the chain editor ([`crate::fat_chain`]) so that
/// both see one sector cache.
struct SharedStream<D: SectorDevice>(Arc<Mutex<SectorStream<D>>>);

impl<D: SectorDevice> SharedStream<D> {
    fn lock(&self) -> io::Result<MutexGuard<'_, SectorStream<D>>> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("the volume was poisoned by a panic"))
    }
}

impl<D: SectorDevice> Read for SharedStream<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.lock()?.read(buf)
    }
}

impl<D: SectorDevice> Write for SharedStream<D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock()?.write(buf)
    }
    /// Holds: `fatfs` flushes its device whenever any of its file handles is dropped, even
    /// in the middle of a rename, which would let half a change reach the device. The
    /// volume flushes at the end of each of its operations instead ([`FatFiles::sync`]).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<D: SectorDevice> Seek for SharedStream<D> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.lock()?.seek(pos)
    }
}

type FileSystem<D> = fatfs::FileSystem<SharedStream<D>>;

/// A FAT16 volume on a sector device.
pub struct FatFiles<D: SectorDevice> {
    /// Always there but while [`FatFiles::cut_clusters`] remounts it.
    fs: Option<FileSystem<D>>,
    stream: Arc<Mutex<SectorStream<D>>>,
}

fn fs_error(e: &io::Error) -> HimdError {
    HimdError::FileSystem(e.to_string())
}

fn mount<D: SectorDevice>(
    stream: &Arc<Mutex<SectorStream<D>>>,
) -> Result<FileSystem<D>, HimdError> {
    let mut shared = SharedStream(Arc::clone(stream));
    // `fatfs` reads the boot sector from where the stream stands.
    shared.seek(SeekFrom::Start(0))?;
    fatfs::FileSystem::new(shared, fatfs::FsOptions::new())
        .map_err(|e| HimdError::NotHimd(format!("no FAT file system: {e}")))
}

impl<D: SectorDevice> FatFiles<D> {
    /// Mounts the volume, first putting right a cut that was cut off.
    pub fn open(device: D) -> Result<Self, HimdError> {
        let mut files = Self::on(SectorStream::new(device))?;
        files.recover_cut()?;
        Ok(files)
    }

    fn on(stream: SectorStream<D>) -> Result<Self, HimdError> {
        let stream = Arc::new(Mutex::new(stream));
        Ok(Self {
            fs: Some(mount(&stream)?),
            stream,
        })
    }

    /// Writes a new FAT16 file system on the whole device, with the Hi-MD marker and folder.
    pub fn format(device: D, label: &str) -> Result<Self, HimdError> {
        let mut stream = SectorStream::new(device);
        let mut volume_label = [b' '; 11];
        for (d, s) in volume_label.iter_mut().zip(label.bytes()) {
            *d = s.to_ascii_uppercase();
        }
        let options = fatfs::FormatVolumeOptions::new()
            .bytes_per_sector(SECTOR as u16)
            .bytes_per_cluster(CLUSTER_BYTES)
            .fat_type(fatfs::FatType::Fat16)
            .volume_label(volume_label);
        fatfs::format_volume(&mut stream, options).map_err(|e| fs_error(&e))?;
        stream.seek(SeekFrom::Start(0))?;
        let files = Self::on(stream)?;
        {
            let root = files.fs()?.root_dir();
            root.create_file(MARKER_FILE).map_err(|e| fs_error(&e))?;
            root.create_dir(HIMD_DIR).map_err(|e| fs_error(&e))?;
        }
        files.sync()?;
        Ok(files)
    }

    /// Runs `edit` on the raw volume. `fatfs` keeps its own count of free clusters: it is
    /// unmounted around the edit and counts afresh when mounted again.
    fn edit_raw<T>(
        &mut self,
        edit: impl FnOnce(&mut SharedStream<D>) -> io::Result<T>,
    ) -> Result<T, HimdError> {
        if let Some(fs) = self.fs.take() {
            fs.unmount().map_err(|e| fs_error(&e))?;
        }
        let result = edit(&mut SharedStream(Arc::clone(&self.stream)));
        self.fs = Some(mount(&self.stream)?);
        result.map_err(|e| fs_error(&e))
    }

    fn has(&mut self, name: &str) -> Result<bool, HimdError> {
        Ok(self.list()?.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }

    /// Undoes a cut that was cut off before the disc switched over, or forgets one that
    /// finished ([`crate::cut_journal`]).
    fn recover_cut(&mut self) -> Result<(), HimdError> {
        // A volume without the Hi-MD folder has no record either.
        if !self
            .list()
            .is_ok_and(|names| names.iter().any(|n| n.eq_ignore_ascii_case(JOURNAL_FILE)))
        {
            return Ok(());
        }
        if let Some(record) = CutRecord::parse(&self.read(JOURNAL_FILE)?)
            && self.has(&record.file)?
        {
            self.edit_raw(|v| {
                fat_chain::restore_extent(v, HIMD_DIR, &record.file, &record.before)
            })?;
        }
        self.remove(JOURNAL_FILE)
    }

    fn fs(&self) -> Result<&FileSystem<D>, HimdError> {
        self.fs
            .as_ref()
            .ok_or_else(|| HimdError::FileSystem("the volume is not mounted".into()))
    }

    fn dir(&self) -> Result<fatfs::Dir<'_, SharedStream<D>>, HimdError> {
        self.fs()?
            .root_dir()
            .open_dir(HIMD_DIR)
            .map_err(|_| HimdError::NotHimd(format!("no {HIMD_DIR} folder on the volume")))
    }

    /// Writes the held FAT and directory sectors to the device, lowest first.
    fn sync(&self) -> Result<(), HimdError> {
        SharedStream(Arc::clone(&self.stream))
            .lock()?
            .flush()
            .map_err(|e| fs_error(&e))
    }

    /// Unmounts the volume and forgets the sectors it holds, leaving the device to something
    /// else (a format): nothing read before can be written back over what comes after.
    /// Every later use of these files fails as unmounted.
    pub fn release(&mut self) -> Result<(), HimdError> {
        if let Some(fs) = self.fs.take() {
            fs.unmount().map_err(|e| fs_error(&e))?;
        }
        SharedStream(Arc::clone(&self.stream))
            .lock()?
            .forget()
            .map_err(|e| fs_error(&e))
    }

    /// Writes the file system's state (its dirty flag) to the device.
    pub fn close(mut self) -> Result<(), HimdError> {
        if let Some(fs) = self.fs.take() {
            fs.unmount().map_err(|e| fs_error(&e))?;
        }
        self.sync()
    }
}

/// An entry's 8.3 name, `NAME.EXT`.
fn short_name<T: fatfs::ReadWriteSeek>(entry: &fatfs::DirEntry<'_, T>) -> String {
    String::from_utf8_lossy(entry.short_file_name_as_bytes()).into_owned()
}

impl<D: SectorDevice> DiscFiles for FatFiles<D> {
    fn list(&mut self) -> Result<Vec<String>, HimdError> {
        let mut names = Vec::new();
        for entry in self.dir()?.iter() {
            let entry = entry.map_err(|e| fs_error(&e))?;
            if entry.is_file() {
                names.push(short_name(&entry));
            }
        }
        Ok(names)
    }

    fn len(&mut self, name: &str) -> Result<u64, HimdError> {
        for entry in self.dir()?.iter() {
            let entry = entry.map_err(|e| fs_error(&e))?;
            if entry.is_file() && short_name(&entry).eq_ignore_ascii_case(name) {
                return Ok(entry.len());
            }
        }
        Err(io::Error::new(io::ErrorKind::NotFound, format!("no {name} on the disc")).into())
    }

    fn read_at(&mut self, name: &str, offset: u64, buf: &mut [u8]) -> Result<(), HimdError> {
        let mut file = self.dir()?.open_file(name).map_err(|e| fs_error(&e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| fs_error(&e))?;
        file.read_exact(buf).map_err(|e| fs_error(&e))?;
        Ok(())
    }

    fn overwrite(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        if self.len(name)? < data.len() as u64 {
            return Err(HimdError::damaged(
                name,
                "the file is shorter than its new contents",
            ));
        }
        let mut file = self.dir()?.open_file(name).map_err(|e| fs_error(&e))?;
        file.write_all(data).map_err(|e| fs_error(&e))?;
        file.flush().map_err(|e| fs_error(&e))?;
        drop(file);
        self.sync()
    }

    fn create(&mut self, name: &str, data: &[u8]) -> Result<(), HimdError> {
        let dir = self.dir()?;
        let mut file = dir.create_file(name).map_err(|e| fs_error(&e))?;
        file.truncate().map_err(|e| fs_error(&e))?;
        file.write_all(data).map_err(|e| fs_error(&e))?;
        file.flush().map_err(|e| fs_error(&e))?;
        drop(file);
        drop(dir);
        self.sync()
    }

    fn append(&mut self, name: &str, data: &[u8]) -> Result<u64, HimdError> {
        let mut file = self.dir()?.open_file(name).map_err(|e| fs_error(&e))?;
        let before = file.seek(SeekFrom::End(0)).map_err(|e| fs_error(&e))?;
        file.write_all(data).map_err(|e| fs_error(&e))?;
        file.flush().map_err(|e| fs_error(&e))?;
        drop(file);
        self.sync()?;
        Ok(before)
    }

    fn truncate(&mut self, name: &str, len: u64) -> Result<(), HimdError> {
        let mut file = self.dir()?.open_file(name).map_err(|e| fs_error(&e))?;
        file.seek(SeekFrom::Start(len)).map_err(|e| fs_error(&e))?;
        file.truncate().map_err(|e| fs_error(&e))?;
        file.flush().map_err(|e| fs_error(&e))?;
        drop(file);
        self.sync()
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), HimdError> {
        let dir = self.dir()?;
        dir.rename(from, &dir, to).map_err(|e| fs_error(&e))?;
        self.sync()
    }

    fn remove(&mut self, name: &str) -> Result<(), HimdError> {
        self.dir()?.remove(name).map_err(|e| fs_error(&e))?;
        self.sync()
    }

    fn cluster_bytes(&mut self) -> Result<Option<u64>, HimdError> {
        Ok(Some(u64::from(self.fs()?.cluster_size())))
    }

    fn cut_clusters(&mut self, name: &str, cut: &BTreeSet<u32>) -> Result<u64, HimdError> {
        let before = self.edit_raw(|v| fat_chain::read_extent(v, HIMD_DIR, name))?;
        let record = CutRecord {
            file: name.to_string(),
            before,
        };
        // On the device before any FAT sector changes (`create` flushes).
        self.create(JOURNAL_FILE, &record.to_bytes())?;
        self.edit_raw(|v| fat_chain::cut_clusters(v, HIMD_DIR, name, cut))
    }

    fn finish_cut(&mut self) -> Result<(), HimdError> {
        if self.has(JOURNAL_FILE)? {
            self.remove(JOURNAL_FILE)?;
        }
        Ok(())
    }

    fn space(&mut self) -> Result<Option<Space>, HimdError> {
        let stats = self.fs()?.stats().map_err(|e| fs_error(&e))?;
        let cluster = u64::from(stats.cluster_size());
        Ok(Some(Space {
            total: u64::from(stats.total_clusters()) * cluster,
            free: u64::from(stats.free_clusters()) * cluster,
        }))
    }
}
