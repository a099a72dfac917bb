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
        // An id also listed for a NetMD unit is a Hi-MD unit only when it shows mass storage.
        let netmd_too = netmd::ids::lookup(ids.0, ids.1).is_some();
        if let Some(&(_, _, name)) = HI_MD_MODE_IDS.iter().find(|(v, p, _)| (*v, *p) == ids)
            && (!netmd_too || netmd::usb::is_mass_storage(&device))
        {
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

/// Where the system has mounted the unit's disc: (block device, mount point) pairs. The
/// block devices are found under the unit's USB interface in sysfs (Linux); elsewhere the
/// list is empty.
pub fn mounts_of(unit: &FoundUnit) -> Vec<(String, String)> {
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else {
        return Vec::new();
    };
    let blocks = block_devices(unit);
    mounted(&mounts, &blocks)
}

/// The `sdX` names below the unit's interface 0 in sysfs.
fn block_devices(unit: &FoundUnit) -> Vec<String> {
    let Ok(context) = rusb::Context::new() else {
        return Vec::new();
    };
    let Ok(devices) = context.devices() else {
        return Vec::new();
    };
    let Some(device) = devices
        .iter()
        .find(|d| d.bus_number() == unit.bus && d.address() == unit.address)
    else {
        return Vec::new();
    };
    let Ok(ports) = device.port_numbers() else {
        return Vec::new();
    };
    let ports: Vec<String> = ports.iter().map(u8::to_string).collect();
    let interface = std::path::PathBuf::from(format!(
        "/sys/bus/usb/devices/{}-{}:1.0",
        unit.bus,
        ports.join(".")
    ));
    let mut found = Vec::new();
    find_blocks(&interface, 0, &mut found);
    found
}

fn find_blocks(dir: &std::path::Path, depth: usize, found: &mut Vec<String>) {
    // host*/target*/H:C:T:L/block/sdX lies four levels down.
    if depth > 5 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name == "block" && is_dir {
            if let Ok(blocks) = std::fs::read_dir(entry.path()) {
                found.extend(
                    blocks
                        .flatten()
                        .map(|b| b.file_name().to_string_lossy().into_owned()),
                );
            }
        } else if is_dir
            && (name.starts_with("host") || name.starts_with("target") || name.contains(':'))
        {
            find_blocks(&entry.path(), depth + 1, found);
        }
    }
}

/// The lines of `/proc/mounts` whose device is one of `blocks` or a partition of one.
fn mounted(mounts: &str, blocks: &[String]) -> Vec<(String, String)> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let point = fields.next()?;
            let name = device.strip_prefix("/dev/")?;
            blocks
                .iter()
                .any(|b| name.starts_with(b.as_str()))
                .then(|| (device.to_owned(), point.replace("\\040", " ")))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_of_the_unit_are_found_by_block_device() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\n\
                      /dev/sdb /media/me/HI-MD\\040DISC vfat rw 0 0\n\
                      proc /proc proc rw 0 0\n";
        assert_eq!(
            mounted(mounts, &["sdb".to_owned()]),
            [("/dev/sdb".to_owned(), "/media/me/HI-MD DISC".to_owned())]
        );
        assert!(mounted(mounts, &["sdc".to_owned()]).is_empty());
        assert!(mounted(mounts, &[]).is_empty());
    }
}
