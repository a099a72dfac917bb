//! The udev rule the repo ships must give access to every recorder of the fact sheet's id
//! table (../shared/reference/netmd.md), and the USB layer must look for all of them.

use std::collections::BTreeSet;
use std::path::PathBuf;

use netmd::ids::KNOWN_DEVICES;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (vendor, product) pairs from the fact sheet's table rows `| 054c | 0075 | … |`.
fn fact_sheet_ids() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(root().join("../shared/reference/netmd.md"))
        .expect("the fact sheet ../shared/reference/netmd.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let is_hex = |s: &str| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit());
            (cells.len() > 3 && is_hex(cells[1]) && is_hex(cells[2]))
                .then(|| (cells[1].to_lowercase(), cells[2].to_lowercase()))
        })
        .collect()
}

fn udev_ids() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(root().join("contrib/udev/60-ministage-netmd.rules"))
        .expect("the udev rule");
    let attr = |line: &str, name: &str| {
        let key = format!("ATTR{{{name}}}==\"");
        let start = line.find(&key)? + key.len();
        Some(line[start..start + 4].to_lowercase())
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains("uaccess"))
        .filter_map(|l| Some((attr(l, "idVendor")?, attr(l, "idProduct")?)))
        .collect()
}

#[test]
fn udev_rule_lists_every_fact_sheet_id() {
    let sheet = fact_sheet_ids();
    assert!(
        sheet.len() >= 40,
        "only {} ids parsed from the fact sheet",
        sheet.len()
    );
    let rules = udev_ids();
    let missing: Vec<_> = sheet.difference(&rules).collect();
    assert!(
        missing.is_empty(),
        "missing from the udev rule: {missing:?}"
    );
}

#[test]
fn the_usb_layer_knows_every_fact_sheet_id() {
    let known: BTreeSet<(String, String)> = KNOWN_DEVICES
        .iter()
        .map(|d| {
            (
                format!("{:04x}", d.vendor_id),
                format!("{:04x}", d.product_id),
            )
        })
        .collect();
    assert_eq!(known, fact_sheet_ids());
    let mono: Vec<&str> = KNOWN_DEVICES
        .iter()
        .filter(|d| d.native_mono)
        .map(|d| d.name)
        .collect();
    assert_eq!(mono.len(), 4, "{mono:?}");
}
