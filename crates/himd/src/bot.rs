//! USB Mass Storage Bulk-Only Transport: the 31-byte command block wrapper (CBW) and the
//! 13-byte status wrapper (CSW) around each SCSI command, and [`BotDevice`], which runs SCSI
//! over any pair of bulk pipes ([`BulkPipes`]): libusb for a real unit, or a loopback in
//! tests.

use crate::scsi::{Data, REQUEST_SENSE, ScsiDevice, ScsiError, Sense};

pub const CBW_BYTES: usize = 31;
pub const CSW_BYTES: usize = 13;
const CBW_SIGNATURE: u32 = 0x4342_5355;
const CSW_SIGNATURE: u32 = 0x5342_5355;
/// Direction bit of the CBW flags: data from the device.
const FLAG_IN: u8 = 0x80;
/// Hi-MD units are driven as SFF-8070i devices, whose command blocks are at least 12 bytes.
const MIN_CDB: usize = 12;

/// A command block wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cbw {
    pub tag: u32,
    pub data_len: u32,
    pub data_in: bool,
    pub lun: u8,
    pub cdb: Vec<u8>,
}

impl Cbw {
    pub fn to_bytes(&self) -> [u8; CBW_BYTES] {
        let mut b = [0u8; CBW_BYTES];
        b[..4].copy_from_slice(&CBW_SIGNATURE.to_le_bytes());
        b[4..8].copy_from_slice(&self.tag.to_le_bytes());
        b[8..12].copy_from_slice(&self.data_len.to_le_bytes());
        b[12] = if self.data_in { FLAG_IN } else { 0 };
        b[13] = self.lun & 0x0F;
        let n = self.cdb.len().clamp(MIN_CDB, 16);
        b[14] = n as u8;
        let copy = self.cdb.len().min(16);
        b[15..15 + copy].copy_from_slice(&self.cdb[..copy]);
        b
    }

    pub fn parse(b: &[u8]) -> Result<Self, ScsiError> {
        if b.len() != CBW_BYTES || le32(b, 0) != CBW_SIGNATURE {
            return Err(ScsiError::Transport("not a command block wrapper".into()));
        }
        let n = usize::from(b[14]).min(16);
        Ok(Self {
            tag: le32(b, 4),
            data_len: le32(b, 8),
            data_in: b[12] & FLAG_IN != 0,
            lun: b[13] & 0x0F,
            cdb: b[15..15 + n].to_vec(),
        })
    }
}

/// The command's outcome in a CSW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CswStatus {
    Passed,
    Failed,
    PhaseError,
}

/// A command status wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Csw {
    pub tag: u32,
    /// Bytes of the data phase that were not moved.
    pub residue: u32,
    pub status: CswStatus,
}

impl Csw {
    pub fn to_bytes(&self) -> [u8; CSW_BYTES] {
        let mut b = [0u8; CSW_BYTES];
        b[..4].copy_from_slice(&CSW_SIGNATURE.to_le_bytes());
        b[4..8].copy_from_slice(&self.tag.to_le_bytes());
        b[8..12].copy_from_slice(&self.residue.to_le_bytes());
        b[12] = match self.status {
            CswStatus::Passed => 0,
            CswStatus::Failed => 1,
            CswStatus::PhaseError => 2,
        };
        b
    }

    /// Parses a CSW and checks that it answers the command tagged `tag`.
    pub fn parse(b: &[u8], tag: u32) -> Result<Self, ScsiError> {
        if b.len() != CSW_BYTES || le32(b, 0) != CSW_SIGNATURE {
            return Err(ScsiError::Transport(format!(
                "not a command status wrapper ({} bytes)",
                b.len()
            )));
        }
        let got = le32(b, 4);
        if got != tag {
            return Err(ScsiError::Transport(format!(
                "the status answers command {got}, not {tag}"
            )));
        }
        let status = match b[12] {
            0 => CswStatus::Passed,
            1 => CswStatus::Failed,
            2 => CswStatus::PhaseError,
            other => {
                return Err(ScsiError::Transport(format!("status byte {other:#04x}")));
            }
        };
        Ok(Self {
            tag,
            residue: le32(b, 8),
            status,
        })
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The two bulk endpoints of a mass-storage interface, and its recovery requests.
pub trait BulkPipes {
    fn bulk_out(&mut self, data: &[u8]) -> Result<(), BulkError>;
    /// Reads up to `buf.len()` bytes; returns how many came.
    fn bulk_in(&mut self, buf: &mut [u8]) -> Result<usize, BulkError>;
    /// Clears a halted endpoint (`data_in`: the IN endpoint).
    fn clear_halt(&mut self, data_in: bool) -> Result<(), BulkError>;
    /// Bulk-Only Mass Storage Reset, then clear both halts.
    fn reset_recovery(&mut self) -> Result<(), BulkError>;
}

/// What can go wrong on a bulk pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkError {
    /// The endpoint answered STALL.
    Stall,
    /// Anything else: gone, timed out.
    Other(String),
}

impl std::fmt::Display for BulkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stall => f.write_str("the endpoint stalled"),
            Self::Other(text) => f.write_str(text),
        }
    }
}

fn transport(e: &BulkError) -> ScsiError {
    ScsiError::Transport(e.to_string())
}

/// SCSI over Bulk-Only Transport.
pub struct BotDevice<P: BulkPipes> {
    pipes: P,
    tag: u32,
    lun: u8,
}

impl<P: BulkPipes> BotDevice<P> {
    pub fn new(pipes: P) -> Self {
        Self {
            pipes,
            tag: 0,
            lun: 0,
        }
    }

    pub fn pipes(&mut self) -> &mut P {
        &mut self.pipes
    }

    /// Reads the CSW; a STALL on the IN pipe is cleared and the read tried once more, as
    /// the specification asks.
    fn read_csw(&mut self, tag: u32) -> Result<Csw, ScsiError> {
        let mut buf = [0u8; CSW_BYTES];
        let n = match self.pipes.bulk_in(&mut buf) {
            Err(BulkError::Stall) => {
                self.pipes.clear_halt(true).map_err(|e| transport(&e))?;
                self.pipes.bulk_in(&mut buf).map_err(|e| transport(&e))?
            }
            other => other.map_err(|e| transport(&e))?,
        };
        Csw::parse(&buf[..n], tag).inspect_err(|_| {
            // An invalid CSW leaves the device in an unknown phase.
            let _ = self.pipes.reset_recovery();
        })
    }

    fn run(&mut self, cdb: &[u8], data: Data<'_>) -> Result<(usize, Csw), ScsiError> {
        self.tag = self.tag.wrapping_add(1);
        let tag = self.tag;
        let cbw = Cbw {
            tag,
            data_len: data.len() as u32,
            data_in: matches!(data, Data::In(_)),
            lun: self.lun,
            cdb: cdb.to_vec(),
        };
        self.pipes
            .bulk_out(&cbw.to_bytes())
            .map_err(|e| transport(&e))?;
        let moved = match data {
            Data::None => 0,
            Data::In(buf) => match self.pipes.bulk_in(buf) {
                Ok(n) => n,
                Err(BulkError::Stall) => {
                    self.pipes.clear_halt(true).map_err(|e| transport(&e))?;
                    0
                }
                Err(e) => return Err(transport(&e)),
            },
            Data::Out(buf) => match self.pipes.bulk_out(buf) {
                Ok(()) => buf.len(),
                Err(BulkError::Stall) => {
                    self.pipes.clear_halt(false).map_err(|e| transport(&e))?;
                    0
                }
                Err(e) => return Err(transport(&e)),
            },
        };
        let csw = self.read_csw(tag)?;
        if csw.status == CswStatus::PhaseError {
            self.pipes.reset_recovery().map_err(|e| transport(&e))?;
            return Err(ScsiError::Transport(
                "phase error: the device was reset".into(),
            ));
        }
        Ok((moved, csw))
    }
}

impl<P: BulkPipes> ScsiDevice for BotDevice<P> {
    fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
        let opcode = cdb.first().copied().unwrap_or(0);
        let (moved, csw) = self.run(cdb, data)?;
        if csw.status == CswStatus::Failed {
            let mut sense = [0u8; 18];
            let request = [REQUEST_SENSE, 0, 0, 0, 18, 0];
            let (n, _) = self.run(&request, Data::In(&mut sense))?;
            let sense = if n >= 14 {
                Sense::new(sense[2] & 0x0F, sense[12], sense[13])
            } else {
                Sense::new(0, 0, 0)
            };
            return Err(ScsiError::CheckCondition { opcode, sense });
        }
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbw_layout_and_padding() {
        let cbw = Cbw {
            tag: 0x0102_0304,
            data_len: 2048,
            data_in: true,
            lun: 0,
            cdb: vec![0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0],
        };
        let b = cbw.to_bytes();
        assert_eq!(&b[..4], b"USBC");
        assert_eq!(&b[4..8], &[4, 3, 2, 1]);
        assert_eq!(&b[8..12], &2048u32.to_le_bytes());
        assert_eq!(b[12], 0x80);
        // A 10-byte block goes out padded to 12 (SFF-8070i).
        assert_eq!(b[14], 12);
        let back = Cbw::parse(&b).unwrap();
        assert_eq!(back.cdb[..10], cbw.cdb[..]);
        assert!(Cbw::parse(&b[..30]).is_err());
    }

    #[test]
    fn csw_tags_and_status_are_checked() {
        let csw = Csw {
            tag: 9,
            residue: 4,
            status: CswStatus::Failed,
        };
        let b = csw.to_bytes();
        assert_eq!(&b[..4], b"USBS");
        assert_eq!(Csw::parse(&b, 9).unwrap(), csw);
        assert!(
            Csw::parse(&b, 10)
                .unwrap_err()
                .to_string()
                .contains("not 10")
        );
        let mut bad = b;
        bad[12] = 7;
        assert!(Csw::parse(&bad, 9).is_err());
        assert!(Csw::parse(&b[..12], 9).is_err());
    }
}
