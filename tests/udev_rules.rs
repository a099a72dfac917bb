//! The udev rule the repo ships must give access to exactly the recorders of the id table the
//! USB layer looks for (`netmd::ids::KNOWN_DEVICES`).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use netmd::ids::KNOWN_DEVICES;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (vendor, product) pairs of the id table, as four lowercase hex digits each.
fn table_ids() -> BTreeSet<(String, String)> {
    KNOWN_DEVICES
        .iter()
        .map(|d| {
            (
                format!("{:04x}", d.vendor_id),
                format!("{:04x}", d.product_id),
            )
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
fn udev_rule_lists_every_known_device_and_no_other() {
    let table = table_ids();
    let rules = udev_ids();
    let missing: Vec<_> = table.difference(&rules).collect();
    assert!(
        missing.is_empty(),
        "missing from the udev rule: {missing:?}"
    );
    let extra: Vec<_> = rules.difference(&table).collect();
    assert!(
        extra.is_empty(),
        "in the udev rule but not in the id table: {extra:?}"
    );
}

#[test]
fn the_id_table_is_whole_and_has_no_duplicates() {
    assert!(
        KNOWN_DEVICES.len() >= 40,
        "only {} known devices",
        KNOWN_DEVICES.len()
    );
    assert_eq!(table_ids().len(), KNOWN_DEVICES.len(), "duplicate ids");
    let mono: Vec<&str> = KNOWN_DEVICES
        .iter()
        .filter(|d| d.native_mono)
        .map(|d| d.name)
        .collect();
    assert_eq!(mono.len(), 4, "{mono:?}");
}
