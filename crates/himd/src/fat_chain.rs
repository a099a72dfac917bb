//! A small FAT16 chain editor for what `fatfs` cannot do: take clusters out of the middle of
//! a file. `fatfs` hides a file's first cluster and only frees a chain's tail, so a deleted
//! track's audio in the middle of `ATDATA` would stay allocated. This works on the raw
//! volume bytes (the same sector cache `fatfs` uses): it finds the file's directory entry,
//! walks its chain in FAT #1 (real discs' copies may differ; units read the first), links
//! the kept clusters, marks the cut ones free in every FAT copy, and writes the entry's first
//! cluster and size.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// FAT16 entries at or above this end a chain.
const END_OF_CHAIN: u16 = 0xFFF8;
const FREE: u16 = 0;
const ENTRY_BYTES: u64 = 32;
const ATTR_DIRECTORY: u8 = 0x10;
const ATTR_LONG_NAME: u8 = 0x0F;
const DELETED: u8 = 0xE5;

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Where things are on a FAT16 volume, from its boot sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    sector_bytes: u64,
    cluster_bytes: u64,
    reserved_sectors: u64,
    fats: u64,
    fat_sectors: u64,
    root_entries: u64,
    /// Data clusters: valid cluster numbers are 2..clusters+2.
    clusters: u64,
}

impl Geometry {
    fn read<V: Read + Seek>(volume: &mut V) -> io::Result<Self> {
        let mut boot = [0u8; 64];
        volume.seek(SeekFrom::Start(0))?;
        volume.read_exact(&mut boot)?;
        let le16 = |at: usize| u64::from(u16::from_le_bytes([boot[at], boot[at + 1]]));
        let le32 = |at: usize| {
            u64::from(u32::from_le_bytes([
                boot[at],
                boot[at + 1],
                boot[at + 2],
                boot[at + 3],
            ]))
        };
        let sector_bytes = le16(11);
        let per_cluster = u64::from(boot[13]);
        let total = match le16(19) {
            0 => le32(32),
            n => n,
        };
        let geometry = Self {
            sector_bytes,
            cluster_bytes: sector_bytes * per_cluster,
            reserved_sectors: le16(14),
            fats: u64::from(boot[16]),
            fat_sectors: le16(22),
            root_entries: le16(17),
            clusters: 0,
        };
        if sector_bytes == 0 || per_cluster == 0 || geometry.fats == 0 || geometry.fat_sectors == 0
        {
            return Err(invalid("the boot sector is not that of a FAT16 volume"));
        }
        let data_sectors = total
            .checked_sub(geometry.data_start() / sector_bytes)
            .ok_or_else(|| invalid("the FAT volume is smaller than its own tables"))?;
        let clusters = data_sectors / per_cluster;
        // The FAT must hold an entry for every cluster, and FAT16 has at most 65524.
        if clusters > 0xFFF4 || (clusters + 2) * 2 > geometry.fat_sectors * sector_bytes {
            return Err(invalid("the volume's FAT does not cover its clusters"));
        }
        Ok(Self {
            clusters,
            ..geometry
        })
    }

    fn fat_start(&self, copy: u64) -> u64 {
        (self.reserved_sectors + copy * self.fat_sectors) * self.sector_bytes
    }

    fn root_start(&self) -> u64 {
        self.fat_start(self.fats)
    }

    fn data_start(&self) -> u64 {
        self.root_start()
            + (self.root_entries * ENTRY_BYTES).div_ceil(self.sector_bytes) * self.sector_bytes
    }

    fn cluster_start(&self, cluster: u16) -> u64 {
        self.data_start() + (u64::from(cluster) - 2) * self.cluster_bytes
    }

    fn is_data_cluster(&self, cluster: u16) -> bool {
        (2..self.clusters + 2).contains(&u64::from(cluster))
    }
}

/// The FAT over the raw volume.
struct Fat<'v, V> {
    volume: &'v mut V,
    geometry: Geometry,
}

impl<V: Read + Write + Seek> Fat<'_, V> {
    fn entry(&mut self, cluster: u16) -> io::Result<u16> {
        let mut b = [0u8; 2];
        self.volume.seek(SeekFrom::Start(
            self.geometry.fat_start(0) + u64::from(cluster) * 2,
        ))?;
        self.volume.read_exact(&mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    fn set(&mut self, cluster: u16, value: u16) -> io::Result<()> {
        for copy in 0..self.geometry.fats {
            self.volume.seek(SeekFrom::Start(
                self.geometry.fat_start(copy) + u64::from(cluster) * 2,
            ))?;
            self.volume.write_all(&value.to_le_bytes())?;
        }
        Ok(())
    }

    /// The clusters of the chain from `first`; a chain that leaves the volume, meets a free
    /// cluster or loops is an error.
    fn chain(&mut self, first: u16) -> io::Result<Vec<u16>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut next = first;
        while next != FREE && next < END_OF_CHAIN {
            if !self.geometry.is_data_cluster(next) || !seen.insert(next) {
                return Err(invalid(format!(
                    "a cluster chain runs into cluster {next:#06x}"
                )));
            }
            out.push(next);
            next = self.entry(next)?;
            if next == FREE {
                return Err(invalid("a cluster chain runs into a free cluster"));
            }
        }
        Ok(out)
    }
}

impl<V: Read + Write + Seek> Fat<'_, V> {
    /// The clusters of the file `entry` names (none for an empty file).
    fn file_chain(&mut self, entry: &Entry) -> io::Result<Vec<u16>> {
        if entry.first_cluster == FREE {
            Ok(Vec::new())
        } else {
            self.chain(entry.first_cluster)
        }
    }
}

/// A file's directory entry: where it is, and what it says.
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: u64,
    attributes: u8,
    first_cluster: u16,
    size: u32,
}

impl Entry {
    fn read<V: Read + Seek>(volume: &mut V, at: u64) -> io::Result<([u8; 11], Self)> {
        let mut raw = [0u8; 32];
        volume.seek(SeekFrom::Start(at))?;
        volume.read_exact(&mut raw)?;
        let mut name = [0u8; 11];
        name.copy_from_slice(&raw[..11]);
        Ok((
            name,
            Self {
                at,
                attributes: raw[11],
                first_cluster: u16::from_le_bytes([raw[26], raw[27]]),
                size: u32::from_le_bytes([raw[28], raw[29], raw[30], raw[31]]),
            },
        ))
    }

    fn write_extent<V: Write + Seek>(&self, volume: &mut V) -> io::Result<()> {
        let mut b = [0u8; 6];
        b[..2].copy_from_slice(&self.first_cluster.to_le_bytes());
        b[2..].copy_from_slice(&self.size.to_le_bytes());
        volume.seek(SeekFrom::Start(self.at + 26))?;
        volume.write_all(&b)
    }
}

/// `NAME.EXT` as the 11 bytes of a short directory entry; `None` for a name that is not 8.3.
fn short_name(name: &str) -> Option<[u8; 11]> {
    let (base, ext) = name.split_once('.').unwrap_or((name, ""));
    if base.is_empty() || base.len() > 8 || ext.len() > 3 || !name.is_ascii() {
        return None;
    }
    let mut out = [b' '; 11];
    for (d, s) in out.iter_mut().zip(base.bytes()) {
        *d = s.to_ascii_uppercase();
    }
    for (d, s) in out[8..].iter_mut().zip(ext.bytes()) {
        *d = s.to_ascii_uppercase();
    }
    Some(out)
}

/// Finds `name` among the entries at `starts` (each a run of `bytes` bytes).
fn find_in<V: Read + Seek>(
    volume: &mut V,
    runs: &[(u64, u64)],
    name: &[u8; 11],
) -> io::Result<Option<Entry>> {
    for &(start, bytes) in runs {
        for i in 0..bytes / ENTRY_BYTES {
            let (raw_name, entry) = Entry::read(volume, start + i * ENTRY_BYTES)?;
            if raw_name[0] == 0 {
                return Ok(None);
            }
            let live =
                raw_name[0] != DELETED && entry.attributes & ATTR_LONG_NAME != ATTR_LONG_NAME;
            if live && &raw_name == name {
                return Ok(Some(entry));
            }
        }
    }
    Ok(None)
}

/// The directory entry of `dir/name` (both 8.3, `dir` in the root).
fn find_file<V: Read + Write + Seek>(
    fat: &mut Fat<'_, V>,
    dir: &str,
    name: &str,
) -> io::Result<Entry> {
    let not_83 = |n: &str| invalid(format!("{n} is not an 8.3 name"));
    let dir_name = short_name(dir).ok_or_else(|| not_83(dir))?;
    let file_name = short_name(name).ok_or_else(|| not_83(name))?;
    let root = [(
        fat.geometry.root_start(),
        fat.geometry.root_entries * ENTRY_BYTES,
    )];
    let folder = find_in(fat.volume, &root, &dir_name)?
        .filter(|e| e.attributes & ATTR_DIRECTORY != 0)
        .ok_or_else(|| invalid(format!("no {dir} folder in the root")))?;
    let runs: Vec<(u64, u64)> = fat
        .chain(folder.first_cluster)?
        .into_iter()
        .map(|c| (fat.geometry.cluster_start(c), fat.geometry.cluster_bytes))
        .collect();
    find_in(fat.volume, &runs, &file_name)?
        .filter(|e| e.attributes & ATTR_DIRECTORY == 0)
        .ok_or_else(|| invalid(format!("no {name} in {dir}")))
}

/// Where a file lies: its entry's first cluster and size, and its cluster chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extent {
    pub first: u16,
    pub size: u32,
    pub chain: Vec<u16>,
}

/// The extent of `dir/name` as the volume has it.
pub(crate) fn read_extent<V: Read + Write + Seek>(
    volume: &mut V,
    dir: &str,
    name: &str,
) -> io::Result<Extent> {
    let geometry = Geometry::read(volume)?;
    let mut fat = Fat { volume, geometry };
    let entry = find_file(&mut fat, dir, name)?;
    let chain = fat.file_chain(&entry)?;
    Ok(Extent {
        first: entry.first_cluster,
        size: entry.size,
        chain,
    })
}

/// Puts `dir/name` back where `extent` says it lay — its chain linked again in every FAT
/// copy — when its entry still names that first cluster and size, as it does while a cut
/// has not reached the directory. Returns whether it did.
pub(crate) fn restore_extent<V: Read + Write + Seek>(
    volume: &mut V,
    dir: &str,
    name: &str,
    extent: &Extent,
) -> io::Result<bool> {
    let geometry = Geometry::read(volume)?;
    let mut fat = Fat { volume, geometry };
    let entry = find_file(&mut fat, dir, name)?;
    if (entry.first_cluster, entry.size) != (extent.first, extent.size)
        || extent.chain.first().copied().unwrap_or(FREE) != extent.first
    {
        return Ok(false);
    }
    if let Some(&bad) = extent.chain.iter().find(|&&c| !geometry.is_data_cluster(c)) {
        return Err(invalid(format!(
            "a recorded chain names cluster {bad:#06x}"
        )));
    }
    for pair in extent.chain.windows(2) {
        fat.set(pair[0], pair[1])?;
    }
    if let Some(&last) = extent.chain.last() {
        fat.set(last, 0xFFFF)?;
    }
    Ok(true)
}

/// Takes the clusters at the positions `cut` (counted from 0 within the file) out of
/// `dir/name`: the rest are linked in order, the cut ones freed in every FAT copy, and the
/// entry's first cluster and size follow. Returns the file's new size. Positions past the
/// file's end are an error, so a caller's idea of the file cannot drift from the disc's.
pub(crate) fn cut_clusters<V: Read + Write + Seek>(
    volume: &mut V,
    dir: &str,
    name: &str,
    cut: &BTreeSet<u32>,
) -> io::Result<u64> {
    let geometry = Geometry::read(volume)?;
    let mut fat = Fat { volume, geometry };
    let mut entry = find_file(&mut fat, dir, name)?;
    let chain = fat.file_chain(&entry)?;
    let size = u64::from(entry.size);
    if (chain.len() as u64) < size.div_ceil(geometry.cluster_bytes) {
        return Err(invalid(format!(
            "{name}'s cluster chain is shorter than its size"
        )));
    }
    if let Some(&past) = cut.iter().find(|&&i| i as usize >= chain.len()) {
        return Err(invalid(format!("{name} has no cluster at position {past}")));
    }
    let mut kept = Vec::new();
    let mut new_size = 0u64;
    for (i, &cluster) in chain.iter().enumerate() {
        let holds = size
            .saturating_sub(i as u64 * geometry.cluster_bytes)
            .min(geometry.cluster_bytes);
        if !cut.contains(&(i as u32)) {
            kept.push(cluster);
            new_size += holds;
        }
    }
    // The kept clusters are linked before the cut ones are freed, so that no moment has a
    // kept cluster pointing at a free one.
    for pair in kept.windows(2) {
        fat.set(pair[0], pair[1])?;
    }
    if let Some(&last) = kept.last() {
        fat.set(last, 0xFFFF)?;
    }
    for &i in cut {
        fat.set(chain[i as usize], FREE)?;
    }
    entry.first_cluster = kept.first().copied().unwrap_or(FREE);
    entry.size = u32::try_from(new_size).map_err(|_| invalid("a FAT16 file over 4 GiB"))?;
    entry.write_extent(fat.volume)?;
    Ok(new_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const SECTOR: usize = 512;

    /// A tiny FAT16 volume: 1 reserved sector, two FATs of 1 sector, 16 root entries
    /// (one sector), 1-sector clusters; `HMDHIFI` at cluster 2 holding `ATDATA01.HMA` whose
    /// chain is `chain`.
    fn volume(chain: &[u16], size: u32) -> Cursor<Vec<u8>> {
        let mut v = vec![0u8; SECTOR * 40];
        v[11..13].copy_from_slice(&(SECTOR as u16).to_le_bytes());
        v[13] = 1;
        v[14..16].copy_from_slice(&1u16.to_le_bytes());
        v[16] = 2;
        v[17..19].copy_from_slice(&16u16.to_le_bytes());
        v[19..21].copy_from_slice(&40u16.to_le_bytes());
        v[22..24].copy_from_slice(&1u16.to_le_bytes());
        let mut fat = vec![0u16; 256];
        fat[0] = 0xFFF8;
        fat[1] = 0xFFFF;
        fat[2] = 0xFFFF;
        for w in chain.windows(2) {
            fat[usize::from(w[0])] = w[1];
        }
        if let Some(&last) = chain.last() {
            fat[usize::from(last)] = 0xFFFF;
        }
        for copy in 0..2 {
            for (i, e) in fat.iter().enumerate() {
                let at = SECTOR * (1 + copy) + i * 2;
                v[at..at + 2].copy_from_slice(&e.to_le_bytes());
            }
        }
        let root = SECTOR * 3;
        v[root..root + 11].copy_from_slice(b"HMDHIFI    ");
        v[root + 11] = ATTR_DIRECTORY;
        v[root + 26..root + 28].copy_from_slice(&2u16.to_le_bytes());
        // Data starts at sector 4: cluster 2 is sector 4. A deleted entry comes first.
        let dir = SECTOR * 4;
        v[dir..dir + 11].copy_from_slice(b"ATDATA00HMA");
        v[dir] = DELETED;
        let e = dir + 32;
        v[e..e + 11].copy_from_slice(b"ATDATA01HMA");
        v[e + 26..e + 28].copy_from_slice(&chain.first().copied().unwrap_or(0).to_le_bytes());
        v[e + 28..e + 32].copy_from_slice(&size.to_le_bytes());
        Cursor::new(v)
    }

    fn fat_entry(v: &Cursor<Vec<u8>>, copy: usize, cluster: u16) -> u16 {
        let at = SECTOR * (1 + copy) + usize::from(cluster) * 2;
        u16::from_le_bytes([v.get_ref()[at], v.get_ref()[at + 1]])
    }

    fn entry_extent(v: &Cursor<Vec<u8>>) -> (u16, u32) {
        let e = SECTOR * 4 + 32;
        let b = v.get_ref();
        (
            u16::from_le_bytes([b[e + 26], b[e + 27]]),
            u32::from_le_bytes([b[e + 28], b[e + 29], b[e + 30], b[e + 31]]),
        )
    }

    #[test]
    fn clusters_in_the_middle_are_spliced_out_and_freed_in_both_fats() {
        let mut v = volume(&[3, 4, 9, 5, 6], 5 * SECTOR as u32 - 100);
        let cut = BTreeSet::from([1, 2]);
        let size = cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &cut).unwrap();
        assert_eq!(size, 3 * SECTOR as u64 - 100);
        assert_eq!(entry_extent(&v), (3, size as u32));
        for copy in 0..2 {
            assert_eq!(fat_entry(&v, copy, 3), 5);
            assert_eq!(fat_entry(&v, copy, 5), 6);
            assert_eq!(fat_entry(&v, copy, 6), 0xFFFF);
            assert_eq!(fat_entry(&v, copy, 4), 0);
            assert_eq!(fat_entry(&v, copy, 9), 0);
        }
    }

    #[test]
    fn cutting_the_first_and_last_clusters_moves_the_start_and_the_end() {
        let mut v = volume(&[3, 4, 5], 3 * SECTOR as u32);
        let cut = BTreeSet::from([0, 2]);
        let size = cut_clusters(&mut v, "HMDHIFI", "atdata01.hma", &cut).unwrap();
        assert_eq!(size, SECTOR as u64);
        assert_eq!(entry_extent(&v), (4, SECTOR as u32));
        assert_eq!(fat_entry(&v, 1, 4), 0xFFFF);
        assert_eq!(fat_entry(&v, 1, 3), 0);
        assert_eq!(fat_entry(&v, 1, 5), 0);

        let mut v = volume(&[3], SECTOR as u32);
        cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &BTreeSet::from([0])).unwrap();
        assert_eq!(entry_extent(&v), (0, 0));
        assert_eq!(fat_entry(&v, 0, 3), 0);
    }

    #[test]
    fn a_cut_not_yet_in_the_directory_is_put_back_from_its_record() {
        let mut v = volume(&[3, 4, 9, 5], 4 * SECTOR as u32);
        let before = v.get_ref().clone();
        let extent = read_extent(&mut v, "HMDHIFI", "ATDATA01.HMA").unwrap();
        assert_eq!(extent.chain, [3, 4, 9, 5]);
        cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &BTreeSet::from([1, 2])).unwrap();
        // The FAT reached the disc, the directory sector did not.
        let e = SECTOR * 4 + 32;
        v.get_mut()[e + 26..e + 32].copy_from_slice(&before[e + 26..e + 32]);
        assert!(restore_extent(&mut v, "HMDHIFI", "ATDATA01.HMA", &extent).unwrap());
        assert!(*v.get_ref() == before);
        // Once the directory has the cut, the record is stale and nothing is touched.
        cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &BTreeSet::from([1, 2])).unwrap();
        let cut = v.get_ref().clone();
        assert!(!restore_extent(&mut v, "HMDHIFI", "ATDATA01.HMA", &extent).unwrap());
        assert!(*v.get_ref() == cut);
    }

    #[test]
    fn a_looping_chain_or_a_cut_past_the_end_is_refused_untouched() {
        let mut v = volume(&[3, 4], 2 * SECTOR as u32);
        let before = v.get_ref().clone();
        assert!(cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &BTreeSet::from([2])).is_err());
        assert!(*v.get_ref() == before);
        // 4 → 3: a loop.
        let at = SECTOR + 4 * 2;
        v.get_mut()[at..at + 2].copy_from_slice(&3u16.to_le_bytes());
        let looped = v.get_ref().clone();
        assert!(cut_clusters(&mut v, "HMDHIFI", "ATDATA01.HMA", &BTreeSet::from([0])).is_err());
        assert!(*v.get_ref() == looped);
        assert!(cut_clusters(&mut v, "HMDHIFI", "NOSUCH.HMA", &BTreeSet::new()).is_err());
    }
}
