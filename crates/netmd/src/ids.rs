//! The USB ids of known NetMD recorders (fact sheet table, all of it), with their quirks.

/// One known recorder model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDevice {
    pub vendor_id: u16,
    pub product_id: u16,
    pub name: &'static str,
    /// The unit takes mono SP directly (no need to send it as stereo).
    pub native_mono: bool,
}

const fn d(vendor_id: u16, product_id: u16, name: &'static str, native_mono: bool) -> KnownDevice {
    KnownDevice {
        vendor_id,
        product_id,
        name,
        native_mono,
    }
}

pub const KNOWN_DEVICES: &[KnownDevice] = &[
    d(0x04dd, 0x7202, "Sharp IM-MT899H", false),
    d(0x04dd, 0x9013, "Sharp IM-DR400", false),
    d(0x04dd, 0x9014, "Sharp IM-DR80", true),
    d(0x054c, 0x0034, "Sony PCLK-XX", false),
    d(0x054c, 0x0036, "Sony", false),
    d(0x054c, 0x0075, "Sony MZ-N1", false),
    d(0x054c, 0x007c, "Sony", false),
    d(0x054c, 0x0080, "Sony LAM-1", false),
    d(0x054c, 0x0081, "Sony MDS-JB980/MDS-NT1/MDS-JE780", true),
    d(0x054c, 0x0084, "Sony MZ-N505", false),
    d(0x054c, 0x0085, "Sony MZ-S1", false),
    d(0x054c, 0x0086, "Sony MZ-N707", false),
    d(0x054c, 0x008e, "Sony CMT-C7NT", false),
    d(0x054c, 0x0097, "Sony PCGA-MDN1", false),
    d(0x054c, 0x00ad, "Sony CMT-L7HD", false),
    d(0x054c, 0x00c6, "Sony MZ-N10", false),
    d(0x054c, 0x00c7, "Sony MZ-N910", false),
    d(0x054c, 0x00c8, "Sony MZ-N710/NF810", false),
    d(0x054c, 0x00c9, "Sony MZ-N510/N610", false),
    d(0x054c, 0x00ca, "Sony MZ-NE410/NF520D", false),
    d(0x054c, 0x00e7, "Sony CMT-M333NT/M373NT", false),
    d(0x054c, 0x00eb, "Sony MZ-NE810/NE910", false),
    d(0x054c, 0x0101, "Sony LAM", false),
    d(0x054c, 0x0113, "Aiwa AM-NX1", false),
    d(0x054c, 0x013f, "Sony MDS-S500", false),
    d(0x054c, 0x014c, "Aiwa AM-NX9", false),
    d(0x054c, 0x017e, "Sony MZ-NH1", false),
    d(0x054c, 0x0180, "Sony MZ-NH3D", false),
    d(0x054c, 0x0182, "Sony MZ-NH900", false),
    d(0x054c, 0x0184, "Sony MZ-NH700/NH800", false),
    d(0x054c, 0x0186, "Sony MZ-NH600", false),
    d(0x054c, 0x0187, "Sony MZ-NH600D", false),
    d(0x054c, 0x0188, "Sony MZ-N920", false),
    d(0x054c, 0x018a, "Sony LAM-3", false),
    d(0x054c, 0x01e9, "Sony MZ-DH10P", false),
    d(0x054c, 0x0219, "Sony MZ-RH10", false),
    d(0x054c, 0x021b, "Sony MZ-RH710/MZ-RH910", false),
    d(0x054c, 0x021d, "Sony CMT-AH10", false),
    d(0x054c, 0x022c, "Sony CMT-AH10", false),
    d(0x054c, 0x023c, "Sony DS-HMD1", false),
    d(0x054c, 0x0286, "Sony MZ-RH1", false),
    d(0x054c, 0x011a, "Sony CMT-SE7", false),
    d(0x054c, 0x0148, "Sony MDS-A1", false),
    d(0x0b28, 0x1004, "Kenwood MDX-J9", false),
    d(0x04da, 0x23b3, "Panasonic SJ-MR250", true),
    d(0x04da, 0x23b6, "Panasonic SJ-MR270", true),
    d(0x0411, 0x0083, "Buffalo MD-HUSB", false),
];

/// The model with these ids, if it is a NetMD recorder.
pub fn lookup(vendor_id: u16, product_id: u16) -> Option<&'static KnownDevice> {
    KNOWN_DEVICES
        .iter()
        .find(|k| k.vendor_id == vendor_id && k.product_id == product_id)
}

/// The recorders that send tracks back to the computer (the receive command): the MZ-RH1 and
/// its twin the MZ-M200, which share one product id. Every other NetMD unit is write-only.
pub const RECEIVING_DEVICES: &[(u16, u16)] = &[(0x054c, 0x0286)];

/// Whether the recorder with these ids answers the receive command.
pub fn can_receive(vendor_id: u16, product_id: u16) -> bool {
    RECEIVING_DEVICES.contains(&(vendor_id, product_id))
}

/// Hi-MD units switched to Hi-MD mode show up as USB mass storage under these ids; they
/// speak no NetMD until switched back to MD mode. Sony's are the MD-mode id + 1 (fact sheet
/// §4, from himd-js and qhimdtransfer; the model pairs that share an id from Web MiniDisc's
/// device notes). 0187 is also listed as the MZ-NH600D's NetMD id; the NetMD table is
/// looked up first.
pub const HI_MD_MODE_IDS: &[(u16, u16, &str)] = &[
    (0x054c, 0x017f, "Sony MZ-NH1"),
    (0x054c, 0x0181, "Sony MZ-NH3D"),
    (0x054c, 0x0183, "Sony MZ-NH900"),
    (0x054c, 0x0185, "Sony MZ-NH700/NH800/NHF800"),
    (0x054c, 0x0187, "Sony MZ-NH600/NH600D"),
    (0x054c, 0x018b, "Sony LAM-3"),
    (0x054c, 0x01ea, "Sony MZ-DH10P"),
    (0x054c, 0x021a, "Sony MZ-RH10/M100"),
    (0x054c, 0x021c, "Sony MZ-RH910/RH710/M10/DH710"),
    (0x054c, 0x022d, "Sony CMT-AH10"),
    (0x054c, 0x023d, "Sony DS-HMD1"),
    (0x054c, 0x0287, "Sony MZ-RH1/M200"),
    (0x0411, 0x007f, "Buffalo MD-HUSB"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sony_hi_md_mode_id_is_its_netmd_id_plus_one() {
        for &(vendor, product, name) in HI_MD_MODE_IDS {
            if vendor != 0x054c {
                continue;
            }
            let netmd = lookup(vendor, product - 1)
                .unwrap_or_else(|| panic!("{name} ({product:04x}) has no NetMD id below it"));
            // The MD-mode name's first model, without its "Sony MZ-" prefix.
            let model = netmd
                .name
                .trim_start_matches("Sony ")
                .trim_start_matches("MZ-");
            let model = model.split('/').next().unwrap_or(model);
            assert!(
                name.contains(model),
                "{name} ({product:04x}) sits above {} ({:04x})",
                netmd.name,
                product - 1
            );
        }
        // The Buffalo drive's ids follow no such rule: 0083 in MD mode, 007f in Hi-MD mode.
        assert!(lookup(0x0411, 0x0083).is_some());
        assert!(
            HI_MD_MODE_IDS
                .iter()
                .any(|&(v, p, _)| (v, p) == (0x0411, 0x007f))
        );
    }
}
