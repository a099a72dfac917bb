//! The lowest layer: the four kinds of USB transfer a NetMD recorder understands. The rusb
//! transport and the virtual deck implement it; everything above is shared.

use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

/// bmRequestType for vendor requests to the interface, host to device.
pub const VENDOR_OUT: u8 = 0x41;
/// bmRequestType for vendor requests to the interface, device to host.
pub const VENDOR_IN: u8 = 0xc1;
/// Where the audio stream of a send goes.
pub const BULK_OUT_ENDPOINT: u8 = 0x02;
/// Where received audio comes from (MZ-RH1 only).
pub const BULK_IN_ENDPOINT: u8 = 0x81;

/// The setup packet of a control transfer (its length is the data's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSetup {
    pub request_type: u8,
    pub request: u8,
    pub value: u16,
    pub index: u16,
}

impl ControlSetup {
    pub const fn vendor_out(request: u8) -> Self {
        Self {
            request_type: VENDOR_OUT,
            request,
            value: 0,
            index: 0,
        }
    }

    pub const fn vendor_in(request: u8) -> Self {
        Self {
            request_type: VENDOR_IN,
            request,
            value: 0,
            index: 0,
        }
    }

    /// The setup WebUSB describes by names (`requestType: "vendor"`, `recipient: "interface"`);
    /// `None` for a name that is not one of those the traces use (`REQUEST_KINDS`, `RECIPIENTS`).
    pub fn from_names(
        device_to_host: bool,
        kind: &str,
        recipient: &str,
        request: u8,
        value: u16,
        index: u16,
    ) -> Option<Self> {
        let kind = REQUEST_KINDS.iter().position(|k| *k == kind)? as u8;
        let recipient = RECIPIENTS.iter().position(|r| *r == recipient)? as u8;
        Some(Self {
            request_type: u8::from(device_to_host) << 7 | kind << 5 | recipient,
            request,
            value,
            index,
        })
    }

    /// The request type's name, as WebUSB and the traces write it (`vendor`).
    pub fn kind(&self) -> &'static str {
        REQUEST_KINDS[usize::from((self.request_type >> 5) & 0x3)]
    }

    /// The recipient's name, as WebUSB and the traces write it (`interface`).
    pub fn recipient(&self) -> &'static str {
        RECIPIENTS[usize::from((self.request_type & 0x1f).min(3))]
    }

    /// The setup as the trace files write it, e.g. `vendor/interface req=0x80 val=0 idx=0`.
    pub fn describe(&self) -> String {
        format!(
            "{}/{} req={:#x} val={} idx={}",
            self.kind(),
            self.recipient(),
            self.request,
            self.value,
            self.index
        )
    }
}

/// bmRequestType bits 5–6, by the names the traces and WebUSB use.
const REQUEST_KINDS: [&str; 4] = ["standard", "class", "vendor", "reserved"];
/// bmRequestType bits 0–4 (3 and above are all "other").
const RECIPIENTS: [&str; 4] = ["device", "interface", "endpoint", "other"];

/// Why a transfer failed. Each kind needs a different reaction above: a disconnect ends the
/// session, a timeout may be retried, a permission error needs the user.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TransportError {
    #[error("the recorder was disconnected")]
    Disconnected,
    #[error("the recorder did not answer within {0:?}")]
    Timeout(Duration),
    #[error(
        "no permission to open the USB device ({detail}); install the udev rule \
         contrib/udev/60-ministage-netmd.rules as described under \"Device setup\" in the README, \
         then unplug and replug the recorder"
    )]
    Permission { detail: String },
    #[error("the recorder stalled the transfer")]
    Stall,
    #[error("the USB interface is busy (another program, or a kernel driver, holds it): {0}")]
    Busy(String),
    #[error("USB error: {0}")]
    Other(String),
}

/// What a transport is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceIdentity {
    pub name: String,
    pub vendor_id: u16,
    pub product_id: u16,
    /// True for the virtual deck.
    pub simulated: bool,
    /// The unit records mono SP when told to (the id table's `nativeMonoUpload`).
    pub native_mono: bool,
}

/// The four transfers, each with a timeout. Implementations must never panic on a device that
/// misbehaves or disappears: every failure is a [`TransportError`].
pub trait Transport: Send {
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), TransportError>;

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError>;

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransportError>;

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError>;

    fn identity(&self) -> DeviceIdentity;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), TransportError> {
        (**self).control_out(setup, data, timeout)
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        (**self).control_in(setup, length, timeout)
    }

    fn bulk_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, TransportError> {
        (**self).bulk_out(endpoint, data, timeout)
    }

    fn bulk_in(
        &mut self,
        endpoint: u8,
        length: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        (**self).bulk_in(endpoint, length, timeout)
    }

    fn identity(&self) -> DeviceIdentity {
        (**self).identity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_described_like_the_traces() {
        assert_eq!(
            ControlSetup::vendor_out(0x80).describe(),
            "vendor/interface req=0x80 val=0 idx=0"
        );
        assert_eq!(
            ControlSetup::vendor_in(0x01).describe(),
            "vendor/interface req=0x1 val=0 idx=0"
        );
    }

    #[test]
    fn setup_from_webusb_names() {
        assert_eq!(
            ControlSetup::from_names(false, "vendor", "interface", 0x80, 0, 0),
            Some(ControlSetup::vendor_out(0x80))
        );
        assert_eq!(
            ControlSetup::from_names(true, "vendor", "interface", 0x01, 0, 0),
            Some(ControlSetup::vendor_in(0x01))
        );
        let standard = ControlSetup::from_names(true, "standard", "device", 6, 0x100, 0);
        assert_eq!(standard.map(|s| s.request_type), Some(0x80));
        assert_eq!(
            ControlSetup::from_names(false, "vendor", "cable", 1, 0, 0),
            None
        );
        assert_eq!(
            ControlSetup::from_names(false, "Vendor", "device", 1, 0, 0),
            None
        );
    }
}
