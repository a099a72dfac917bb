//! The authenticated session that guards the integrity check value (ICV): five SEND KEY /
//! REPORT KEY exchanges with Sony's key class 0xBD (fact sheet §2.3). Both sides prove they
//! know the EKB root by MACs over the disc id and two nonces, and derive a session key that
//! signs the ICV in each direction.

use netmd::crypto::Entropy;

use crate::error::HimdError;
use crate::keys::{self, EKB_ID};
use crate::scsi::{Data, REPORT_KEY, SEND_KEY, ScsiDevice, key_cdb, key_format};

/// The transfer lengths of the five steps.
pub const HOST_NONCE_LEN: u16 = 0x0014;
pub const DEVICE_NONCE_LEN: u16 = 0x043C;
pub const HOST_MAC_LEN: u16 = 0x041C;
pub const ICV_LEN: u16 = 0x0404;

/// The leaf id every public host announces.
pub const HOST_LEAF_ID: [u8; 8] = [0x02, 0x80, 0, 0, 0, 0, 0, 0];
/// The EKB's description as both sides quote it: version 1, depth 9, id, 0.
pub const EKB_DESCRIPTOR: [u8; 16] = [0, 0, 0, 1, 0, 0, 0, 9, 0x00, 0x01, 0x00, 0x12, 0, 0, 0, 0];
/// The EKB value the device quotes in step 2 (bytes 0x68.. of the EKB file).
pub const DEVICE_EKB_VALUE: [u8; 16] = [
    0x6a, 0x7a, 0x4c, 0x7d, 0x5f, 0x3f, 0x86, 0x84, 0x28, 0x6d, 0x1a, 0x12, 0x32, 0x98, 0x22, 0x13,
];
/// The EKB value the host quotes in step 3 (bytes 0x58.. of the EKB file).
pub const HOST_EKB_VALUE: [u8; 16] = [
    0xec, 0xd2, 0x63, 0xdb, 0xfe, 0xc8, 0x3d, 0xd3, 0x25, 0x28, 0x4b, 0x7b, 0x8c, 0xe4, 0xdf, 0xd1,
];

const _: () = assert!(EKB_ID == 0x0001_0012);

/// Where the fields sit in the data phases (after the BE16 length and two zero bytes).
pub mod layout {
    pub const BODY: usize = 4;
    /// Step 1.
    pub const HOST_LEAF: usize = BODY;
    pub const HOST_NONCE: usize = BODY + 8;
    /// Step 2.
    pub const DISC_ID: usize = BODY;
    pub const DEVICE_MAC: usize = BODY + 16;
    pub const DEVICE_LEAF: usize = BODY + 24;
    pub const DEVICE_NONCE: usize = BODY + 32;
    pub const DEVICE_EKB: usize = BODY + 40;
    /// Step 3.
    pub const HOST_MAC: usize = BODY;
    pub const HOST_EKB: usize = BODY + 8;
    /// Steps 4 and 5.
    pub const ICV_HEADER: usize = BODY;
    pub const ICV: usize = BODY + 8;
    pub const ICV_MAC: usize = BODY + 24;
}

/// The ICV with the 8-byte header it travels with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcvRecord {
    pub header: [u8; 8],
    pub icv: [u8; 16],
}

impl IcvRecord {
    /// The header a host writes after advancing to `generation`.
    pub fn header_for(generation: u32) -> [u8; 8] {
        let mut h = [0u8; 8];
        h[1] = 0x20;
        h[4..].copy_from_slice(&generation.to_be_bytes());
        h
    }

    pub fn generation(&self) -> u32 {
        u32::from_be_bytes([
            self.header[4],
            self.header[5],
            self.header[6],
            self.header[7],
        ])
    }
}

/// A data phase of `len` bytes: the BE16 length of what follows, then zeros.
pub fn frame(len: u16) -> Vec<u8> {
    let mut data = vec![0u8; usize::from(len)];
    data[..2].copy_from_slice(&len.saturating_sub(2).to_be_bytes());
    data
}

fn field<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = data.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

/// A session the device has accepted.
#[derive(Debug, Clone)]
pub struct Session {
    pub disc_id: [u8; 16],
    pub device_leaf_id: [u8; 8],
    key: [u8; 8],
}

impl Session {
    /// Steps 1 to 3: nonces out and in, the device's MAC checked, the host's sent.
    pub fn open(device: &mut dyn ScsiDevice, entropy: &mut dyn Entropy) -> Result<Self, HimdError> {
        let host_nonce = entropy.bytes8()?;
        let mut step1 = frame(HOST_NONCE_LEN);
        step1[layout::HOST_LEAF..layout::HOST_LEAF + 8].copy_from_slice(&HOST_LEAF_ID);
        step1[layout::HOST_NONCE..layout::HOST_NONCE + 8].copy_from_slice(&host_nonce);
        device.execute(
            &key_cdb(SEND_KEY, key_format::HOST_NONCE, HOST_NONCE_LEN),
            Data::Out(&step1),
        )?;

        let mut step2 = vec![0u8; usize::from(DEVICE_NONCE_LEN)];
        device.execute(
            &key_cdb(REPORT_KEY, key_format::DEVICE_NONCE, DEVICE_NONCE_LEN),
            Data::In(&mut step2),
        )?;
        let disc_id: [u8; 16] = field(&step2, layout::DISC_ID);
        let device_mac: [u8; 8] = field(&step2, layout::DEVICE_MAC);
        let device_leaf_id: [u8; 8] = field(&step2, layout::DEVICE_LEAF);
        let device_nonce: [u8; 8] = field(&step2, layout::DEVICE_NONCE);
        if keys::device_mac(&disc_id, &host_nonce, &device_nonce)? != device_mac {
            return Err(HimdError::Session(
                "the device's MAC does not verify: it does not hold the EKB's keys".into(),
            ));
        }

        let host_mac = keys::host_mac(&disc_id, &host_nonce, &device_nonce)?;
        let mut step3 = frame(HOST_MAC_LEN);
        step3[layout::HOST_MAC..layout::HOST_MAC + 8].copy_from_slice(&host_mac);
        step3[layout::HOST_EKB..layout::HOST_EKB + 16].copy_from_slice(&EKB_DESCRIPTOR);
        step3[layout::HOST_EKB + 16..layout::HOST_EKB + 32].copy_from_slice(&HOST_EKB_VALUE);
        device.execute(
            &key_cdb(SEND_KEY, key_format::HOST_MAC, HOST_MAC_LEN),
            Data::Out(&step3),
        )?;
        Ok(Self {
            disc_id,
            device_leaf_id,
            key: keys::session_key(&disc_id, &device_mac, &host_mac)?,
        })
    }

    /// Step 4: the device's ICV, its MAC checked.
    pub fn read_icv(&self, device: &mut dyn ScsiDevice) -> Result<IcvRecord, HimdError> {
        let mut data = vec![0u8; usize::from(ICV_LEN)];
        device.execute(
            &key_cdb(REPORT_KEY, key_format::READ_ICV, ICV_LEN),
            Data::In(&mut data),
        )?;
        let record = IcvRecord {
            header: field(&data, layout::ICV_HEADER),
            icv: field(&data, layout::ICV),
        };
        let mac: [u8; 8] = field(&data, layout::ICV_MAC);
        if keys::icv_mac(self.key, &record.header, &record.icv)? != mac {
            return Err(HimdError::Session("the ICV's MAC does not verify".into()));
        }
        Ok(record)
    }

    /// Step 5: the new ICV, signed with the session key.
    pub fn write_icv(
        &self,
        device: &mut dyn ScsiDevice,
        record: &IcvRecord,
    ) -> Result<(), HimdError> {
        let mut data = frame(ICV_LEN);
        data[layout::ICV_HEADER..layout::ICV_HEADER + 8].copy_from_slice(&record.header);
        data[layout::ICV..layout::ICV + 16].copy_from_slice(&record.icv);
        let mac = keys::icv_mac(self.key, &record.header, &record.icv)?;
        data[layout::ICV_MAC..layout::ICV_MAC + 8].copy_from_slice(&mac);
        device.execute(
            &key_cdb(SEND_KEY, key_format::WRITE_ICV, ICV_LEN),
            Data::Out(&data),
        )?;
        Ok(())
    }

    /// The session key (both sides derive it; the virtual device checks with it).
    pub fn key(&self) -> [u8; 8] {
        self.key
    }
}
