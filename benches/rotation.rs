//! Cost of one per-user key rotation for a user with 1 to 64 devices. The rotating device
//! draws the next seed, seals it to every other device with HPKE, signs the sigchain link
//! and publishes it. Every other device then syncs and opens its box. The cost must grow
//! linearly with the number of devices.
//!
//! Run: `cargo bench --bench rotation`. `docs/benchmarks.md` records the figures.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mailspec_model::ids::{AccountId, DeviceId, DomainId, UserId};
use mailspec_model::op::{Operation, Policy};
use mailspec_model::world::{AccountSpec, DomainSpec, Plan, Region, UserSpec, World};
use mailspec_sim::reference::Delivery;
use mailspec_sim::Reference;

const DEVICE_COUNTS: [u8; 7] = [1, 2, 4, 8, 16, 32, 64];
/// Rotations measured on one reference before a fresh one replaces it, so that keystores
/// and chains stay small and each rotation costs the same.
const ROTATIONS_PER_SETUP: u64 = 32;

/// Returns a reference with one user enrolled on `devices` devices.
fn setup(devices: u8) -> Reference {
    let world = World {
        accounts: vec![AccountSpec { region: Region::Eu, plan: Plan::Business }],
        domains: vec![DomainSpec { owner: Some(AccountId(0)) }],
        users: vec![UserSpec { account: AccountId(0), domain: DomainId(0), device_slots: devices }],
        ..World::default()
    };
    let mut reference = Reference::new(world, u64::from(devices));
    reference.set_delivery(Delivery { sync_after_each_operation: false, reorder: false });
    let mut ops = vec![
        Operation::EnableMail { account: AccountId(0) },
        Operation::AddDomain { domain: DomainId(0) },
        Operation::VerifyDomain { domain: DomainId(0) },
        Operation::SetPolicy { domain: DomainId(0), policy: Policy::SecureOnly },
        Operation::EnableUser { user: UserId(0) },
    ];
    ops.extend((0..devices).map(|slot| Operation::AddDevice { device: DeviceId::new(UserId(0), slot) }));
    for op in ops {
        assert!(reference.apply(&op).is_ok(), "setup {op:?} failed");
    }
    reference.sync_all();
    reference
}

fn rotation(c: &mut Criterion) {
    let mut group = c.benchmark_group("rotation");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for devices in DEVICE_COUNTS {
        group.throughput(Throughput::Elements(u64::from(devices)));
        group.bench_with_input(BenchmarkId::from_parameter(devices), &devices, |b, &devices| {
            let rotating = DeviceId::new(UserId(0), 0);
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                let mut reference = setup(devices);
                for done in 0..iterations {
                    if done > 0 && done % ROTATIONS_PER_SETUP == 0 {
                        reference = setup(devices);
                    }
                    let start = Instant::now();
                    reference.rotate_now(rotating).expect("the device rotates");
                    reference.sync_all();
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rotation);
criterion_main!(benches);
