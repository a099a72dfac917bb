//! Real Hi-MD units over libusb: the mass-storage interface's two bulk pipes, claimed from
//! the kernel's usb-storage driver, for [`BotDevice`](crate::bot::BotDevice).

use std::time::Duration;

use netmd::ids::HI_MD_MODE_IDS;
use rusb::{Direction, TransferType, UsbContext};

use crate::bot::{BulkError, BulkPipes};
use crate::error::HimdError;

const INTERFACE: u8 = 0;
/// Bulk-Only Mass Storage Reset: a class request to the interface.
const BOMS_RESET: u8 = 0xFF;
const CLASS_INTERFACE_OUT: u8 = 0x21;
/// Long enough for a 64 KiB transfer to a slow disc, and for the unit to spin up.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A unit in Hi-MD mode found on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundUnit {
    pub name: &'static str,
    pub vendor_id: u16,
    pub product_id: u16,
    pub bus: u8,
    pub address: u8,
}

fn usb_error(e: rusb::Error) -> HimdError {
    HimdError::Scsi(crate::scsi::ScsiError::Transport(e.to_string()))
}

/// Lists the units in Hi-MD mode.
pub fn list_units() -> Result<Vec<FoundUnit>, HimdError> {
    let context = rusb::Context::new().map_err(usb_error)?;
    let mut found = Vec::new();
    for device in context.devices().map_err(usb_error)?.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        let ids = (desc.vendor_id(), desc.product_id());
        if let Some(&(_, _, name)) = HI_MD_MODE_IDS.iter().find(|(v, p, _)| (*v, *p) == ids) {
            found.push(FoundUnit {
                name,
                vendor_id: ids.0,
                product_id: ids.1,
                bus: device.bus_number(),
                address: device.address(),
            });
        }
    }
    Ok(found)
}

/// The claimed interface of a unit.
pub struct UsbPipes {
    handle: rusb::DeviceHandle<rusb::Context>,
    endpoint_in: u8,
    endpoint_out: u8,
}

impl UsbPipes {
    /// Opens `unit`: detaches the kernel's driver (a mounted disc should be unmounted
    /// first) and claims interface 0.
    pub fn open(unit: &FoundUnit) -> Result<Self, HimdError> {
        let context = rusb::Context::new().map_err(usb_error)?;
        let device = context
            .devices()
            .map_err(usb_error)?
            .iter()
            .find(|d| d.bus_number() == unit.bus && d.address() == unit.address)
            .ok_or_else(|| HimdError::NotHimd(format!("{} has gone", unit.name)))?;
        let config = device.active_config_descriptor().map_err(usb_error)?;
        let mut endpoint_in = None;
        let mut endpoint_out = None;
        for interface in config.interfaces().filter(|i| i.number() == INTERFACE) {
            for setting in interface.descriptors() {
                for ep in setting.endpoint_descriptors() {
                    if ep.transfer_type() != TransferType::Bulk {
                        continue;
                    }
                    match ep.direction() {
                        Direction::In => endpoint_in = endpoint_in.or(Some(ep.address())),
                        Direction::Out => endpoint_out = endpoint_out.or(Some(ep.address())),
                    }
                }
            }
        }
        let (Some(endpoint_in), Some(endpoint_out)) = (endpoint_in, endpoint_out) else {
            return Err(HimdError::NotHimd(format!(
                "{} has no pair of bulk endpoints on interface 0",
                unit.name
            )));
        };
        let handle = device.open().map_err(usb_error)?;
        if let Ok(true) = handle.kernel_driver_active(INTERFACE) {
            handle.detach_kernel_driver(INTERFACE).map_err(usb_error)?;
        }
        handle.claim_interface(INTERFACE).map_err(usb_error)?;
        Ok(Self {
            handle,
            endpoint_in,
            endpoint_out,
        })
    }
}

impl Drop for UsbPipes {
    fn drop(&mut self) {
        // Give the disc back to the system; nothing useful can be done if it fails.
        let _ = self.handle.release_interface(INTERFACE);
        let _ = self.handle.attach_kernel_driver(INTERFACE);
    }
}

fn bulk_error(e: rusb::Error) -> BulkError {
    match e {
        rusb::Error::Pipe => BulkError::Stall,
        other => BulkError::Other(other.to_string()),
    }
}

impl BulkPipes for UsbPipes {
    fn bulk_out(&mut self, data: &[u8]) -> Result<(), BulkError> {
        let mut sent = 0;
        while sent < data.len() {
            sent += self
                .handle
                .write_bulk(self.endpoint_out, &data[sent..], TIMEOUT)
                .map_err(bulk_error)?;
        }
        Ok(())
    }

    fn bulk_in(&mut self, buf: &mut [u8]) -> Result<usize, BulkError> {
        self.handle
            .read_bulk(self.endpoint_in, buf, TIMEOUT)
            .map_err(bulk_error)
    }

    fn clear_halt(&mut self, data_in: bool) -> Result<(), BulkError> {
        let endpoint = if data_in {
            self.endpoint_in
        } else {
            self.endpoint_out
        };
        self.handle.clear_halt(endpoint).map_err(bulk_error)
    }

    fn reset_recovery(&mut self) -> Result<(), BulkError> {
        // Some units stall the reset request itself; the halts are cleared either way.
        let reset = self.handle.write_control(
            CLASS_INTERFACE_OUT,
            BOMS_RESET,
            0,
            u16::from(INTERFACE),
            &[],
            TIMEOUT,
        );
        if let Err(e) = reset
            && e != rusb::Error::Pipe
        {
            return Err(bulk_error(e));
        }
        self.clear_halt(true)?;
        self.clear_halt(false)
    }
}
