//! What the device worker holds: a NetMD recorder, or a disc in Hi-MD mode (a mass-storage
//! device, not a NetMD one). Jobs that need the device to themselves get this.

use netmd::AnyRecorder;

use super::himd_unit::HimdUnit;

pub enum Unit {
    NetMd(AnyRecorder),
    Himd(Box<HimdUnit>),
}
