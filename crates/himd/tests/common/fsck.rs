//! `fsck.fat -n` (dosfstools) over an image, shared by the image tests.

use std::path::Path;
use std::process::Command;

/// `fsck.fat -n` finds nothing to fix; skipped where it is not installed.
pub fn fsck(image: &Path) {
    let Ok(out) = Command::new("fsck.fat").arg("-n").arg(image).output() else {
        eprintln!("fsck.fat is not installed: the image's FAT is not checked");
        return;
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
