//! Damaging a Hi-MD image's current track index, as a failing write or a bad sector would.

use std::path::Path;

use himd::virtual_device::VirtualHimd;

/// Overwrites the current track index of `image` with `bytes`; returns its file name.
pub fn damage_track_index(image: &Path, bytes: &[u8]) -> String {
    let open = || {
        himd::volume::FatFiles::open(
            himd::volume::ScsiSectors::new(VirtualHimd::open(image).unwrap()).unwrap(),
        )
        .unwrap()
    };
    let name = himd::Disc::open(open()).unwrap().index_file().to_owned();
    let mut files = open();
    himd::DiscFiles::overwrite(&mut files, &name, bytes).unwrap();
    files.close().unwrap();
    name
}
