//! Data shared by the benchmarks: a generated tree of tagged files, cached under `target/` so
//! that only the first run pays for generating it.

use std::path::{Path, PathBuf};

pub fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data")
}

/// A tree of `tracks` small tagged FLAC and MP3 files (generated once).
pub fn tree(tracks: usize) -> PathBuf {
    let dir = bench_dir().join(format!("tree-{tracks}"));
    let done = dir.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        testkit::generate_tree(&dir, tracks, 1).expect("generate the benchmark tree");
        std::fs::write(&done, b"").expect("mark the tree complete");
    }
    dir
}

/// A library database of `copies` × the 10,000-track tree: the tree is reached through
/// `copies` symbolic links, so each copy has its own paths without taking more disk.
pub fn big_library(copies: usize) -> PathBuf {
    let tree = tree(10_000);
    let root = bench_dir().join(format!("links-{copies}"));
    let db = bench_dir().join(format!("library-{}k.sqlite3", copies * 10));
    if db.exists() {
        return db;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("links folder");
    for i in 0..copies {
        std::os::unix::fs::symlink(&tree, root.join(format!("copy{i:03}"))).expect("symlink");
    }
    let tmp = db.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let mut lib = library::Library::open(&tmp).expect("open");
    library::import(
        &mut lib,
        &[root],
        &library::ImportOptions::default(),
        &|_| {},
    )
    .expect("import");
    drop(lib);
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
    }
    std::fs::rename(&tmp, &db).expect("rename");
    db
}
