//! Import of a 10,000-track tree of small tagged FLAC and MP3 files into an empty library,
//! with a warm page cache (the tree is read once before measuring).

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use library::{self, ImportOptions, Library};

#[path = "support/mod.rs"]
#[allow(dead_code)] // shared with the UI bench, which uses more of it
mod common;

fn import_10k(c: &mut Criterion) {
    let tree = common::tree(10_000);
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("10k files into an empty library", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                let mut lib = Library::open(&dir.path().join("lib.sqlite3")).expect("open");
                let report = library::import(
                    &mut lib,
                    std::slice::from_ref(&tree),
                    &ImportOptions::default(),
                    &|_| {},
                )
                .expect("import");
                assert_eq!(report.added, 10_000, "{report}");
                dir
            },
            criterion::BatchSize::PerIteration,
        );
    });
    group.bench_function("10k files, nothing changed", |b| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lib = Library::open(&dir.path().join("lib.sqlite3")).expect("open");
        library::import(
            &mut lib,
            std::slice::from_ref(&tree),
            &ImportOptions::default(),
            &|_| {},
        )
        .expect("import");
        b.iter(|| {
            let report = library::import(
                &mut lib,
                std::slice::from_ref(&tree),
                &ImportOptions::default(),
                &|_| {},
            )
            .expect("import");
            assert_eq!(report.unchanged, 10_000);
        });
    });
    group.finish();
}

criterion_group!(benches, import_10k);
criterion_main!(benches);
