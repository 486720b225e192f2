//! Arbitrary-driven fuzzing of the decoders outside the crypto module: keystores,
//! sigchain links and the service's stored copies. Hostile bytes must give `Err`, never a
//! panic. Inputs come from a seeded ChaCha20 stream, so a failure replays by iteration.

use arbitrary::{Arbitrary, Unstructured};
use mailspec_model::ids::{DeviceId, UserId};
use mailspec_sim::client::keystore::Keystore;
use mailspec_sim::crypto::{DeviceKeys, Secret32};
use mailspec_sim::service::sigchain::{ChainLink, ChainView, LinkBody};
use mailspec_sim::service::storage::{decode_pieces, decode_sealed_copy, encode_sealed_copy};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const ITERATIONS: usize = 3000;

#[derive(Arbitrary, Debug)]
enum Mutation {
    FlipBit { position: usize, bit: u8 },
    Truncate { len: usize },
    Insert { position: usize, bytes: Vec<u8> },
    OverwriteWord { position: usize, value: u32 },
}

#[derive(Arbitrary, Debug)]
enum Input {
    Raw(Vec<u8>),
    Mutated(Vec<Mutation>),
}

fn mutate(valid: &[u8], mutations: &[Mutation]) -> Vec<u8> {
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
            Mutation::Insert { position, bytes: extra } => {
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
        }
    }
    bytes
}

/// Feeds `ITERATIONS` inputs derived from `valid` to `decode`, which must not panic.
fn fuzz(name: &str, valid: &[u8], mut decode: impl FnMut(&[u8]) -> bool) {
    let mut rng = ChaCha20Rng::seed_from_u64(name.len() as u64);
    let mut accepted = 0;
    for _ in 0..ITERATIONS {
        let mut entropy = vec![0u8; 512];
        rng.fill_bytes(&mut entropy);
        let Ok(input) = Input::arbitrary(&mut Unstructured::new(&entropy)) else { continue };
        let bytes = match input {
            Input::Raw(bytes) => bytes,
            Input::Mutated(mutations) => mutate(valid, &mutations),
        };
        if decode(&bytes) {
            accepted += 1;
        }
    }
    assert!(decode(valid), "{name}: the valid encoding does not decode");
    assert!(accepted < ITERATIONS, "{name}: every input decoded, so the fuzzer tested nothing");
}

#[test]
fn keystore_decoder_never_panics() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut keystore = Keystore::generate(DeviceId::new(UserId(2), 1), &mut rng);
    for generation in [1, 2, 5] {
        keystore.insert_seed(generation, Secret32::random(&mut rng));
    }
    keystore.set_recipient_generation(UserId(0), 3);
    let valid = keystore.to_bytes();
    fuzz("keystore", &valid, |bytes| Keystore::from_bytes(bytes).is_ok());
}

#[test]
fn keystore_decoder_rejects_every_prefix() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut keystore = Keystore::generate(DeviceId::new(UserId(0), 0), &mut rng);
    keystore.insert_seed(1, Secret32::random(&mut rng));
    let valid = keystore.to_bytes();
    for len in 0..valid.len() {
        assert!(Keystore::from_bytes(&valid[..len]).is_err(), "a {len}-byte prefix decoded");
    }
}

#[test]
fn sigchain_link_decoder_never_panics() {
    let keys = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(3));
    let body = LinkBody::DeviceAdd { device: "user0.device0".into(), public: *keys.public_keys() };
    let valid = ChainLink::sign("user0", 0, [0u8; 32], body, "user0.device0", &keys);
    fuzz("sigchain link", &valid, |bytes| ChainLink::decode(bytes).is_ok());
}

#[test]
fn sigchain_rejects_altered_links() {
    let keys = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(4));
    let service = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(5));
    let body = LinkBody::DeviceAdd { device: "user0.device0".into(), public: *keys.public_keys() };
    let valid = ChainLink::sign("user0", 0, [0u8; 32], body, "user0.device0", &keys);
    let mut view = ChainView::new("user0");
    assert!(view.clone().apply(&valid, service.public_keys()).is_ok());
    for position in 0..valid.len() {
        let mut altered = valid.clone();
        altered[position] ^= 0x01;
        assert!(view.apply(&altered, service.public_keys()).is_err(), "a flip at byte {position} was accepted");
    }
    assert!(ChainView::new("user1").apply(&valid, service.public_keys()).is_err(), "a link moved to another user was accepted");
}

#[test]
fn stored_copy_decoders_never_panic() {
    let valid = encode_sealed_copy(b"envelope bytes", &[b"body".to_vec(), vec![9u8; 300]]);
    fuzz("sealed copy", &valid, |bytes| decode_sealed_copy(bytes).is_ok());
    fuzz("pieces", &valid[19..], |bytes| decode_pieces(bytes).is_ok());
}
