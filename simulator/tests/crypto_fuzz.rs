//! Arbitrary-driven fuzzing of every decoder and opener: hostile bytes must give `Err`, never a panic.
//!
//! Each case draws its input with `arbitrary` from a seeded ChaCha20 stream, so a failure
//! replays with the same iteration number. Inputs are either raw bytes or a valid encoding
//! with arbitrary mutations (bit flips, truncation, insertion, overwritten length fields).

use arbitrary::{Arbitrary, Unstructured};
use mailspec_sim::crypto::link::create_link;
use mailspec_sim::crypto::seal::hpke_open;
use mailspec_sim::crypto::{
    cake, open_envelope, open_puk_seed, open_service_box, seal_message, seal_puk_seed,
    AccountDataKey, BackupKey, BoxRole, DeviceKeys, DevicePublicKeys, Envelope, ExpectedSender,
    Generation, LinkRecord, LinkSecret, Manifest, MessageDraft, Puk, PukPublicKey, Recipient,
    Region, RegionRootKey, SealedPukSeed, Secret32, Sender, WrappedDataKey,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const ITERATIONS: usize = 1500;

#[derive(Arbitrary, Debug)]
enum Mutation {
    FlipBit { position: usize, bit: u8 },
    Truncate { len: usize },
    Insert { position: usize, bytes: Vec<u8> },
    OverwriteWord { position: usize, value: u32 },
    SetByte { position: usize, value: u8 },
}

#[derive(Arbitrary, Debug)]
enum Input {
    Raw(Vec<u8>),
    Mutated(Vec<Mutation>),
}

fn apply(valid: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for mutation in mutations {
        if bytes.is_empty() {
            break;
        }
        match mutation {
            Mutation::FlipBit { position, bit } => {
                let index = position % bytes.len();
                bytes[index] ^= 1 << (bit % 8);
            }
            Mutation::Truncate { len } => bytes.truncate(len % bytes.len()),
            Mutation::Insert {
                position,
                bytes: extra,
            } => {
                let index = position % (bytes.len() + 1);
                bytes.splice(index..index, extra.iter().copied());
            }
            Mutation::OverwriteWord { position, value } => {
                let index = position % bytes.len();
                for (offset, byte) in value.to_be_bytes().iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(index + offset) {
                        *slot = *byte;
                    }
                }
            }
            Mutation::SetByte { position, value } => {
                let index = position % bytes.len();
                bytes[index] = *value;
            }
        }
    }
    bytes
}

/// Runs `check` on up to `ITERATIONS` inputs derived from `valid`, skipping any equal to `valid`.
fn fuzz(seed: u64, valid: &[u8], mut check: impl FnMut(usize, &[u8])) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut entropy = vec![0u8; 4096];
    for iteration in 0..ITERATIONS {
        rng.fill_bytes(&mut entropy);
        let mut unstructured = Unstructured::new(&entropy);
        let input =
            Input::arbitrary(&mut unstructured).expect("4 KiB of entropy always yields an input");
        let bytes = match input {
            Input::Raw(bytes) => bytes,
            Input::Mutated(mutations) => apply(valid, &mutations),
        };
        if bytes == valid {
            continue;
        }
        check(iteration, &bytes);
    }
}

struct Fixture {
    rng: ChaCha20Rng,
    device: DeviceKeys,
    puk: Puk,
}

impl Fixture {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let device = DeviceKeys::generate(&mut rng);
        let puk = Puk::generate(Generation::FIRST, &mut rng);
        Self { rng, device, puk }
    }
}

#[test]
fn envelope_decoder_and_opener() {
    let mut fixture = Fixture::new(1);
    let service = Puk::generate(Generation::FIRST, &mut fixture.rng);
    let bcc = vec!["carol@mail.example".to_owned()];
    let recipients = [Recipient {
        id: "bob",
        key: fixture.puk.public_key(),
        reveal_bcc: true,
    }];
    let draft = MessageDraft {
        pieces: &[b"body", b"attachment"],
        bcc: &bcc,
        recipients: &recipients,
        service: Some(Recipient {
            id: "svc",
            key: service.public_key(),
            reveal_bcc: true,
        }),
    };
    let sender = Sender::Device {
        user_id: "alice",
        device_id: "laptop",
        keys: &fixture.device,
    };
    let sealed = seal_message(&sender, &draft, &mut fixture.rng).unwrap();

    let expected = ExpectedSender::Device {
        user_id: "alice",
        device_id: "laptop",
        keys: fixture.device.public_keys(),
    };
    let original = sealed.envelope.clone();
    let valid = original.to_bytes();

    // A box covers the shared fields and itself, not the other boxes, so an opened envelope
    // must agree with the original on exactly those parts.
    let bound_parts_unchanged = |envelope: &Envelope, role: BoxRole, id: &str| {
        envelope.sender == original.sender
            && envelope.ephemeral_public == original.ephemeral_public
            && envelope.bcc_commitment == original.bcc_commitment
            && envelope.sealed_manifest == original.sealed_manifest
            && envelope.not_e2ee() == original.not_e2ee()
            && envelope.find_box(role, id) == original.find_box(role, id)
    };

    let mut decoded = 0;
    fuzz(11, &valid, |iteration, bytes| {
        let Ok(envelope) = Envelope::from_bytes(bytes) else {
            return;
        };
        decoded += 1;
        if open_envelope(&envelope, "bob", &fixture.puk, &expected).is_ok() {
            assert!(
                bound_parts_unchanged(&envelope, BoxRole::Recipient, "bob"),
                "iteration {iteration} opened an envelope whose bound parts changed"
            );
        }
        if open_service_box(&envelope, "svc", &service, &expected).is_ok() {
            assert!(
                bound_parts_unchanged(&envelope, BoxRole::Service, "svc"),
                "iteration {iteration} opened a service box whose bound parts changed"
            );
        }
    });

    assert!(
        decoded > 0,
        "no mutated envelope decoded, so the openers were never reached"
    );
}

#[test]
fn cake_and_manifest_openers() {
    let mut fixture = Fixture::new(2);
    let key = Secret32::random(&mut fixture.rng);
    let (manifest, _) = Manifest::seal_pieces(&[b"one", b"two"], &mut fixture.rng).unwrap();
    let sealed_manifest = manifest.seal(&key, &mut fixture.rng).unwrap();
    let sealed_piece = cake::seal(&key, &[3u8; 20_000], &mut fixture.rng).unwrap();

    fuzz(21, &sealed_manifest, |iteration, bytes| {
        assert!(
            Manifest::open(&key, bytes).is_err(),
            "iteration {iteration}"
        );
        let _ = Manifest::decode(bytes);
    });
    fuzz(22, &sealed_piece, |iteration, bytes| {
        assert!(
            cake::open(&key, bytes, "fuzz").is_err(),
            "iteration {iteration}"
        );
    });
}

#[test]
fn sealed_seed_decoder_and_opener() {
    let mut fixture = Fixture::new(3);
    let sealed = seal_puk_seed(
        &fixture.puk,
        "alice",
        "phone",
        fixture.device.public_keys(),
        &mut fixture.rng,
    )
    .unwrap();
    fuzz(31, &sealed.to_bytes(), |iteration, bytes| {
        if let Ok(decoded) = SealedPukSeed::from_bytes(bytes) {
            assert!(
                open_puk_seed(
                    &decoded,
                    "alice",
                    "phone",
                    &fixture.device,
                    fixture.puk.public_key()
                )
                .is_err(),
                "iteration {iteration}"
            );
        }
    });
    fuzz(32, &sealed.to_bytes()[5..], |iteration, bytes| {
        let mut enc = [0u8; 32];
        let split = bytes.len().min(32);
        enc[..split].copy_from_slice(&bytes[..split]);
        let secret = Secret32::from_bytes([9; 32]);
        assert!(
            hpke_open(&secret, &enc, b"info", b"", &bytes[split..]).is_err(),
            "iteration {iteration}"
        );
    });
}

#[test]
fn public_key_decoders() {
    let fixture = Fixture::new(4);
    let device_bytes = fixture.device.public_keys().to_bytes();
    fuzz(41, &device_bytes, |_, bytes| {
        if let Ok(keys) = DevicePublicKeys::from_bytes(bytes) {
            assert_eq!(keys.to_bytes().as_slice(), bytes);
        }
    });
    let puk_bytes = fixture.puk.public_key().to_bytes();
    fuzz(42, &puk_bytes, |_, bytes| {
        if let Ok(key) = PukPublicKey::from_bytes(bytes) {
            assert_eq!(key.to_bytes().as_slice(), bytes);
        }
    });
}

#[test]
fn backup_key_parser() {
    let mut fixture = Fixture::new(5);
    let key = BackupKey::generate(&mut fixture.rng);
    let text = key.to_text();
    fuzz(51, text.as_bytes(), |iteration, bytes| {
        let candidate = String::from_utf8_lossy(bytes);
        if let Ok(parsed) = BackupKey::parse(&candidate) {
            // Only case, separator and alias changes may survive the checksum.
            assert_eq!(parsed, key, "iteration {iteration} parsed {candidate:?}");
        }
    });
}

#[test]
fn link_url_and_record_decoders() {
    let mut fixture = Fixture::new(6);
    let (record, secret) = create_link(b"payload", 100, &mut fixture.rng).unwrap();
    let url = secret.url(&record.link_id);
    fuzz(61, url.as_bytes(), |iteration, bytes| {
        let candidate = String::from_utf8_lossy(bytes);
        if let Ok((link_id, parsed)) = LinkSecret::parse_url(&candidate) {
            if link_id == record.link_id && parsed == secret {
                return;
            }
            assert!(
                LinkRecord {
                    link_id,
                    ..record.clone()
                }
                .open(&parsed, 0)
                .is_err(),
                "iteration {iteration} opened the link with {candidate:?}"
            );
        }
    });
    fuzz(62, &record.to_bytes(), |iteration, bytes| {
        if let Ok(decoded) = LinkRecord::from_bytes(bytes) {
            if decoded.link_id == record.link_id && decoded.ciphertext == record.ciphertext {
                return;
            }
            assert!(decoded.open(&secret, 0).is_err(), "iteration {iteration}");
        }
    });
}

#[test]
fn at_rest_decoders() {
    let mut fixture = Fixture::new(7);
    let root = RegionRootKey::generate(Region::Us, &mut fixture.rng);
    let data_key = AccountDataKey::generate(&mut fixture.rng);
    let wrapped = root.wrap("acme", &data_key, &mut fixture.rng).unwrap();
    fuzz(71, &wrapped.to_bytes(), |iteration, bytes| {
        if let Ok(decoded) = WrappedDataKey::from_bytes(bytes) {
            assert!(
                root.unwrap("acme", &decoded).is_err(),
                "iteration {iteration}"
            );
        }
    });
    let stored = data_key
        .encrypt("acme", "mail-1", b"standard mail", &mut fixture.rng)
        .unwrap();
    fuzz(72, &stored, |iteration, bytes| {
        assert!(
            data_key.decrypt("acme", "mail-1", bytes).is_err(),
            "iteration {iteration}"
        );
    });
}
