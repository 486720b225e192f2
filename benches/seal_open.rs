//! Message sealing and opening next to one AES-256-GCM call over the same bytes, for 1 KiB,
//! 1 MiB and 25 MiB bodies. A message has one piece (the body), a box for the recipient and
//! a box for the sender's Sent copy, as an E2EE message from the reference client has.
//!
//! Two layers in between split the cost: `cake_*` is Cake-AES alone, and `piece_*` adds the
//! BLAKE3 ciphertext hash that the manifest records (`cake::seal_and_hash`, `open_and_hash`).
//!
//! Run: `cargo bench --bench seal_open`. `docs/benchmarks.md` records the figures.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use criterion::measurement::WallTime;
use mailspec_sim::baseline::{aes256_gcm_open, aes256_gcm_seal, filler, seeded_rng};
use mailspec_sim::crypto::{
    cake, open_envelope, seal_message, DeviceKeys, ExpectedSender, Generation, MessageDraft, Puk, Recipient,
    Secret32, Sender,
};

const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("1MiB", 1 << 20), ("25MiB", 25 << 20)];

fn seal_open(c: &mut Criterion) {
    let mut group = c.benchmark_group("seal_open");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (name, len) in SIZES {
        let body = filler(len);
        group.throughput(Throughput::Bytes(len as u64));
        bench_message(&mut group, name, &body);
        bench_layers(&mut group, name, &body);
    }
    group.finish();
}

/// Benchmarks the whole message: pieces, manifest, Bcc commitment, boxes and signatures.
fn bench_message(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, body: &[u8]) {
    let mut rng = seeded_rng(1);
    let sender_keys = DeviceKeys::generate(&mut rng);
    let recipient = Puk::generate(Generation::FIRST, &mut rng);
    let sender_puk = Puk::generate(Generation::FIRST, &mut rng);
    let sender = Sender::Device { user_id: "user1", device_id: "user1.device0", keys: &sender_keys };
    let expected = ExpectedSender::Device { user_id: "user1", device_id: "user1.device0", keys: sender_keys.public_keys() };
    let pieces: [&[u8]; 1] = [body];
    let recipients = [
        Recipient { id: "user0", key: recipient.public_key(), reveal_bcc: false },
        Recipient { id: "user1", key: sender_puk.public_key(), reveal_bcc: true },
    ];
    let draft = MessageDraft { pieces: &pieces, bcc: &[], recipients: &recipients, service: None };

    group.bench_function(BenchmarkId::new("message_seal", name), |b| {
        b.iter(|| seal_message(&sender, &draft, &mut rng).expect("sealing succeeds"))
    });
    let sealed = seal_message(&sender, &draft, &mut rng).expect("sealing succeeds");
    group.bench_function(BenchmarkId::new("message_open", name), |b| {
        b.iter(|| {
            let opened = open_envelope(&sealed.envelope, "user0", &recipient, &expected).expect("the box opens");
            opened.open_piece(0, &sealed.pieces[0]).expect("the piece opens")
        })
    });
}

/// Benchmarks the baseline, Cake-AES alone, and a piece (Cake-AES and its ciphertext hash).
fn bench_layers(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, body: &[u8]) {
    let mut rng = seeded_rng(2);
    let key = Secret32::random(&mut rng);
    let nonce = [7u8; 12];

    group.bench_function(BenchmarkId::new("aes_gcm_seal", name), |b| b.iter(|| aes256_gcm_seal(&key, &nonce, body)));
    let raw = aes256_gcm_seal(&key, &nonce, body);
    group.bench_function(BenchmarkId::new("aes_gcm_open", name), |b| {
        b.iter(|| aes256_gcm_open(&key, &nonce, &raw).expect("the ciphertext opens"))
    });

    group.bench_function(BenchmarkId::new("cake_seal", name), |b| {
        b.iter(|| cake::seal(&key, body, &mut rng).expect("sealing succeeds"))
    });
    let sealed = cake::seal(&key, body, &mut rng).expect("sealing succeeds");
    group.bench_function(BenchmarkId::new("cake_open", name), |b| {
        b.iter(|| cake::open(&key, &sealed, "benchmark").expect("the ciphertext opens"))
    });

    group.bench_function(BenchmarkId::new("piece_seal", name), |b| {
        b.iter(|| cake::seal_and_hash(&key, body, &mut rng).expect("sealing succeeds"))
    });
    group.bench_function(BenchmarkId::new("piece_open", name), |b| {
        b.iter(|| {
            let (opened, hash) = cake::open_and_hash(&key, &sealed, "benchmark");
            (opened.expect("the ciphertext opens"), hash)
        })
    });
}

criterion_group!(benches, seal_open);
criterion_main!(benches);
