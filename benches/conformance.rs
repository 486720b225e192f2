//! Time to run the whole conformance suite against the reference implementation,
//! in process and through the adapter protocol, as vectors per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mailspec_conformance::adapter::Adapter;
use mailspec_conformance::reference::InProcess;
use mailspec_conformance::{run, Selection, VectorSet};
use std::path::PathBuf;
use std::time::Duration;

fn vectors() -> VectorSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    VectorSet::load(&dir).expect("committed vectors load")
}

fn suite(c: &mut Criterion) {
    let set = vectors();
    let count = (set.scenarios.len() + set.crypto.len()) as u64;
    let mut group = c.benchmark_group("conformance_suite");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(count));

    group.bench_function("in_process", |b| {
        b.iter(|| run(&mut InProcess::new(), &set, &Selection::default()));
    });

    let command = format!("{} adapter", env!("CARGO_BIN_EXE_mailspec"));
    group.bench_function("adapter", |b| {
        b.iter(|| run(&mut Adapter::new(&command, Duration::from_secs(30)), &set, &Selection::default()));
    });
    group.finish();
}

criterion_group!(benches, suite);
criterion_main!(benches);
