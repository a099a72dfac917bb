//! The SCSI seam: [`ScsiDevice`] runs one command with its data phase, whether over USB
//! mass storage or inside the virtual device, and the command blocks Hi-MD needs.

use thiserror::Error;

/// Hi-MD sectors (and SCSI logical blocks) are 2048 bytes.
pub const SECTOR: usize = 2048;

pub const TEST_UNIT_READY: u8 = 0x00;
pub const REQUEST_SENSE: u8 = 0x03;
pub const INQUIRY: u8 = 0x12;
pub const READ_CAPACITY: u8 = 0x25;
pub const READ_10: u8 = 0x28;
pub const WRITE_10: u8 = 0x2A;
pub const SEND_KEY: u8 = 0xA3;
pub const REPORT_KEY: u8 = 0xA4;
/// The key class of Sony's Hi-MD session, byte 7 of SEND KEY / REPORT KEY.
pub const KEY_CLASS_HIMD: u8 = 0xBD;

/// The key formats of the session and its extras.
pub mod key_format {
    pub const HOST_NONCE: u8 = 0x30;
    pub const DEVICE_NONCE: u8 = 0x31;
    pub const HOST_MAC: u8 = 0x32;
    pub const READ_ICV: u8 = 0x33;
    pub const WRITE_ICV: u8 = 0x34;
    pub const LEAF_ID: u8 = 0x3B;
    pub const DISC_ID: u8 = 0x3D;
}

/// Sense data a device returns with CHECK CONDITION: key, additional code and qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
}

impl Sense {
    pub const NOT_READY: u8 = 0x02;
    pub const HARDWARE_ERROR: u8 = 0x04;
    pub const ILLEGAL_REQUEST: u8 = 0x05;
    pub const DATA_PROTECT: u8 = 0x07;
    pub const MEDIUM_ERROR: u8 = 0x03;

    pub const fn new(key: u8, asc: u8, ascq: u8) -> Self {
        Self { key, asc, ascq }
    }

    /// Fixed-format sense data (18 bytes), as REQUEST SENSE returns it.
    pub fn to_bytes(self) -> [u8; 18] {
        let mut b = [0u8; 18];
        b[0] = 0x70;
        b[2] = self.key;
        b[7] = 10;
        b[12] = self.asc;
        b[13] = self.ascq;
        b
    }
}

#[derive(Debug, Error)]
pub enum ScsiError {
    #[error("the device refused the command {opcode:#04x} (sense {:#04x}/{:#04x}/{:#04x})", .sense.key, .sense.asc, .sense.ascq)]
    CheckCondition { opcode: u8, sense: Sense },
    #[error("the USB transport: {0}")]
    Transport(String),
    #[error("the device answered {got} bytes where {expected} were expected")]
    ShortData { expected: usize, got: usize },
}

/// The data phase of one command.
#[derive(Debug)]
pub enum Data<'a> {
    None,
    /// From the device into the buffer.
    In(&'a mut [u8]),
    /// From the buffer to the device.
    Out(&'a [u8]),
}

impl Data<'_> {
    pub fn len(&self) -> usize {
        match self {
            Data::None => 0,
            Data::In(b) => b.len(),
            Data::Out(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A device that runs SCSI commands. Returns the bytes actually moved in the data phase.
pub trait ScsiDevice {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError>;
}

impl<T: ScsiDevice + ?Sized> ScsiDevice for &mut T {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        (**self).execute(cdb, data)
    }
}

impl<T: ScsiDevice + ?Sized> ScsiDevice for Box<T> {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        (**self).execute(cdb, data)
    }
}

/// One device used by two owners in turn: the file system reads and writes sectors through
/// one handle while the session that signs the result talks through another.
pub struct SharedDevice<D: ScsiDevice>(std::rc::Rc<std::cell::RefCell<D>>);

impl<D: ScsiDevice> SharedDevice<D> {
    pub fn new(device: D) -> Self {
        Self(std::rc::Rc::new(std::cell::RefCell::new(device)))
    }
}

impl<D: ScsiDevice> Clone for SharedDevice<D> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<D: ScsiDevice> ScsiDevice for SharedDevice<D> {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        // Commands never nest, so the device is free whenever one starts.
        let mut device = self
            .0
            .try_borrow_mut()
            .map_err(|_| ScsiError::Transport("the device is busy with another command".into()))?;
        device.execute(cdb, data)
    }
}

/// READ(10) or WRITE(10) of `count` sectors from `lba`.
pub fn rw10(opcode: u8, lba: u32, count: u16) -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = opcode;
    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
    cdb[7..9].copy_from_slice(&count.to_be_bytes());
    cdb
}

/// SEND KEY / REPORT KEY with Sony's key class: a 16-byte block.
pub fn key_cdb(opcode: u8, format: u8, length: u16) -> [u8; 16] {
    let mut cdb = [0u8; 16];
    cdb[0] = opcode;
    cdb[7] = KEY_CLASS_HIMD;
    cdb[8..10].copy_from_slice(&length.to_be_bytes());
    cdb[10] = format;
    cdb
}

/// The LBA and count of a READ(10)/WRITE(10) block.
pub fn parse_rw10(cdb: &[u8]) -> Option<(u32, u16)> {
    if cdb.len() < 10 {
        return None;
    }
    Some((
        u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]),
        u16::from_be_bytes([cdb[7], cdb[8]]),
    ))
}

/// The last LBA and the block size from READ CAPACITY(10) data.
pub fn parse_capacity(data: &[u8; 8]) -> (u32, u32) {
    (
        u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
        u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
    )
}

/// Reads the number of sectors the medium holds.
pub fn read_capacity(device: &mut dyn ScsiDevice) -> Result<u64, ScsiError> {
    let mut data = [0u8; 8];
    let cdb = [READ_CAPACITY, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let got = device.execute(&cdb, Data::In(&mut data))?;
    if got < 8 {
        return Err(ScsiError::ShortData { expected: 8, got });
    }
    let (last, block) = parse_capacity(&data);
    if block as usize != SECTOR {
        return Err(ScsiError::Transport(format!(
            "the medium has {block}-byte sectors, not {SECTOR}"
        )));
    }
    Ok(u64::from(last) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_blocks_have_the_documented_layout() {
        assert_eq!(
            rw10(READ_10, 0x0102_0304, 0x10),
            [0x28, 0, 1, 2, 3, 4, 0, 0, 0x10, 0]
        );
        assert_eq!(parse_rw10(&rw10(WRITE_10, 77, 3)), Some((77, 3)));
        assert_eq!(parse_rw10(&[0x28, 0]), None);
        let k = key_cdb(SEND_KEY, key_format::HOST_NONCE, 0x14);
        assert_eq!(
            k,
            [
                0xA3, 0, 0, 0, 0, 0, 0, 0xBD, 0x00, 0x14, 0x30, 0, 0, 0, 0, 0
            ]
        );
        assert_eq!(Sense::new(5, 0x24, 0).to_bytes()[12], 0x24);
    }
}
