//! Real recorders over USB through libusb (rusb): finding them by the id table, claiming
//! interface 0, and noticing plugging and unplugging (hotplug where libusb has it, otherwise the
//! caller polls).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rusb::UsbContext;

use super::ids::{self, HI_MD_MODE_IDS};
use super::transport::{ControlSetup, DeviceIdentity, Transport, TransportError};

const INTERFACE: u8 = 0;
const CONFIGURATION: u8 = 1;

fn map_error(e: rusb::Error, timeout: Duration) -> TransportError {
    match e {
        rusb::Error::NoDevice | rusb::Error::NotFound => TransportError::Disconnected,
        rusb::Error::Timeout => TransportError::Timeout(timeout),
        rusb::Error::Access => TransportError::Permission {
            detail: e.to_string(),
        },
        rusb::Error::Pipe => TransportError::Stall,
        rusb::Error::Busy => TransportError::Busy(e.to_string()),
        other => TransportError::Other(other.to_string()),
    }
}

/// A recorder found on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDevice {
    pub name: &'static str,
    pub vendor_id: u16,
    pub product_id: u16,
    pub bus: u8,
    pub address: u8,
}

/// Lists connected NetMD recorders. A Hi-MD unit in Hi-MD mode is logged, not listed.
pub fn list_recorders() -> Result<Vec<FoundDevice>, TransportError> {
    let context = rusb::Context::new().map_err(|e| map_error(e, Duration::ZERO))?;
    list_with(&context)
}

fn list_with(context: &rusb::Context) -> Result<Vec<FoundDevice>, TransportError> {
    let devices = context
        .devices()
        .map_err(|e| map_error(e, Duration::ZERO))?;
    let mut found = Vec::new();
    for device in devices.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        let (v, p) = (desc.vendor_id(), desc.product_id());
        let hi_md_mode = HI_MD_MODE_IDS
            .iter()
            .any(|(hv, hp, _)| (*hv, *hp) == (v, p));
        // One id (0187) is listed for a NetMD unit and for another unit's Hi-MD mode: the
        // interface tells them apart.
        if let Some(known) = ids::lookup(v, p)
            && !(hi_md_mode && is_mass_storage(&device))
        {
            found.push(FoundDevice {
                name: known.name,
                vendor_id: v,
                product_id: p,
                bus: device.bus_number(),
                address: device.address(),
            });
        } else if let Some((_, _, name)) = HI_MD_MODE_IDS
            .iter()
            .find(|(hv, hp, _)| (*hv, *hp) == (v, p))
        {
            tracing::info!("{name} is in Hi-MD mode (USB storage); switch it to MD mode for NetMD");
        }
    }
    Ok(found)
}

/// USB mass-storage class: a Hi-MD unit in Hi-MD mode presents its disc this way.
const MASS_STORAGE_CLASS: u8 = 0x08;

/// Whether `device`'s first interface is USB mass storage (read from its descriptors, without
/// opening it).
pub fn is_mass_storage<C: rusb::UsbContext>(device: &rusb::Device<C>) -> bool {
    device.active_config_descriptor().is_ok_and(|config| {
        config
            .interfaces()
            .flat_map(|i| i.descriptors())
            .any(|d| d.class_code() == MASS_STORAGE_CLASS)
    })
}

/// An open, claimed recorder.
pub struct UsbTransport {
    handle: rusb::DeviceHandle<rusb::Context>,
    identity: DeviceIdentity,
}

impl UsbTransport {
    /// Opens the first recorder found.
    pub fn open_first() -> Result<Option<Self>, TransportError> {
        let context = rusb::Context::new().map_err(|e| map_error(e, Duration::ZERO))?;
        let Some(found) = list_with(&context)?.into_iter().next() else {
            return Ok(None);
        };
        Self::open(&context, &found).map(Some)
    }

    fn open(context: &rusb::Context, found: &FoundDevice) -> Result<Self, TransportError> {
        let zero = Duration::ZERO;
        let devices = context.devices().map_err(|e| map_error(e, zero))?;
        let device = devices
            .iter()
            .find(|d| d.bus_number() == found.bus && d.address() == found.address)
            .ok_or(TransportError::Disconnected)?;
        let handle = device.open().map_err(|e| map_error(e, zero))?;
        // Some kernels bind a generic driver; NetMD needs the interface to itself.
        if let Ok(true) = handle.kernel_driver_active(INTERFACE) {
            handle
                .detach_kernel_driver(INTERFACE)
                .map_err(|e| map_error(e, zero))?;
        }
        match handle.active_configuration() {
            Ok(CONFIGURATION) => {}
            _ => {
                if let Err(e) = handle.set_active_configuration(CONFIGURATION) {
                    tracing::debug!("could not select configuration 1: {e}");
                }
            }
        }
        handle
            .claim_interface(INTERFACE)
            .map_err(|e| map_error(e, zero))?;
        Ok(Self {
            handle,
            identity: DeviceIdentity {
                name: found.name.to_string(),
                vendor_id: found.vendor_id,
                product_id: found.product_id,
                simulated: false,
                native_mono: ids::lookup(found.vendor_id, found.product_id)
                    .is_some_and(|known| known.native_mono),
            },
        })
    }
}

impl Drop for UsbTransport {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(INTERFACE);
    }
}

impl Transport for UsbTransport {
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        let written = self
            .handle
            .write_control(
                setup.request_type,
                setup.request,
                setup.value,
                setup.index,
                data,
                timeout,
            )
            .map_err(|e| map_error(e, timeout))?;
        if written != data.len() {
            return Err(TransportError::Other(format!(
                "short control write: {written} of {} bytes",
                data.len()
            )));
        }
        Ok(())
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; usize::from(length)];
        let n = self
            .handle
            .read_control(
                setup.request_type,
                setup.request,
                setup.value,
                setup.index,
                &mut buf,
                timeout,
            )
            .map_err(|e| map_error(e, timeout))?;
        buf.truncate(n);
        Ok(buf)
    }

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransportError> {
        self.handle
            .write_bulk(endpoint, data, timeout)
            .map_err(|e| map_error(e, timeout))
    }

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; length];
        let n = self
            .handle
            .read_bulk(endpoint, &mut buf, timeout)
            .map_err(|e| map_error(e, timeout))?;
        buf.truncate(n);
        Ok(buf)
    }

    fn identity(&self) -> DeviceIdentity {
        self.identity.clone()
    }
}

/// Watches for recorders arriving and leaving, where libusb supports hotplug: each event calls
/// `wake` so a waiting worker looks at once. Dropping the watcher stops it.
pub struct HotplugWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

struct Notify(Box<dyn Fn() + Send>);

impl<T: UsbContext> rusb::Hotplug<T> for Notify {
    fn device_arrived(&mut self, device: rusb::Device<T>) {
        if is_recorder(&device) {
            (self.0)();
        }
    }

    fn device_left(&mut self, _device: rusb::Device<T>) {
        // The descriptor of a departed device may be unreadable: wake up anyway.
        (self.0)();
    }
}

fn is_recorder<T: UsbContext>(device: &rusb::Device<T>) -> bool {
    device
        .device_descriptor()
        .is_ok_and(|d| ids::lookup(d.vendor_id(), d.product_id()).is_some())
}

impl HotplugWatcher {
    /// Starts watching, or returns `None` where libusb has no hotplug (the caller polls).
    pub fn start(wake: impl Fn() + Send + 'static) -> Option<Self> {
        if !rusb::has_hotplug() {
            return None;
        }
        let context = rusb::Context::new().ok()?;
        let registration: rusb::Registration<rusb::Context> = rusb::HotplugBuilder::new()
            .enumerate(false)
            .register::<rusb::Context, _>(&context, Box::new(Notify(Box::new(wake))))
            .ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("usb-hotplug".into())
            .spawn(move || {
                let _registration = registration;
                while !stop_flag.load(Ordering::Relaxed) {
                    if let Err(e) = context.handle_events(Some(Duration::from_millis(500))) {
                        tracing::debug!("hotplug events: {e}");
                        thread::sleep(Duration::from_millis(500));
                    }
                }
            })
            .ok()?;
        Some(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for HotplugWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
