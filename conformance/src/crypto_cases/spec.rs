//! A second implementation of the derivations and formats of `docs/crypto.md`, written from
//! that page on top of the primitive crates, for the recorders.
//!
//! The recorders use it to compute expected outputs independently of the checker, and to build
//! inputs that `mailspec_sim::crypto` never produces: boxes from a dishonest sender, and Cake
//! chunks under the wrong nonce.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use mailspec_sim::crypto::{BoxRole, Envelope, EnvelopeSender};
use sha2::{Digest, Sha256, Sha512};
use x25519_dalek::{PublicKey, StaticSecret};

/// Appends `u32(len(bytes)) || bytes`.
pub(super) fn put_lp(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).expect("test fields are short").to_be_bytes());
    out.extend_from_slice(bytes);
}

/// HKDF-SHA256 with a 32-byte output; `salt: None` is the RFC 5869 default.
pub(super) fn hkdf32(salt: Option<&[u8]>, ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(salt, ikm).expand(info, &mut out).expect("32 bytes is a valid HKDF-SHA256 length");
    out
}

pub(super) fn x25519_public(private: &[u8; 32]) -> [u8; 32] {
    PublicKey::from(&StaticSecret::from(*private)).to_bytes()
}

pub(super) fn x25519(private: &[u8; 32], public: &[u8; 32]) -> [u8; 32] {
    StaticSecret::from(*private).diffie_hellman(&PublicKey::from(*public)).to_bytes()
}

/// Section 3: the X25519 mail private key of a PUK seed.
pub(super) fn puk_mail_private(seed: &[u8; 32]) -> [u8; 32] {
    hkdf32(None, seed, b"mailspec v1 puk mail x25519")
}

/// Section 3: the symmetric key of a PUK seed.
pub(super) fn puk_symmetric(seed: &[u8; 32]) -> [u8; 32] {
    hkdf32(None, seed, b"mailspec v1 puk symmetric")
}

/// Section 3: the 36-byte PUK public key encoding, `u32(generation) || mail public key`.
pub(super) fn puk_public_encoding(generation: u32, mail_public: &[u8; 32]) -> Vec<u8> {
    let mut out = generation.to_be_bytes().to_vec();
    out.extend_from_slice(mail_public);
    out
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Section 6.1: four characters for a 20-bit value, most significant 5 bits first.
fn backup_group(value: u32) -> String {
    (0..4).map(|i| char::from(CROCKFORD[((value >> (15 - 5 * i)) & 0x1F) as usize])).collect()
}

/// Section 6.1: the 4 key id characters of a backup key.
pub(super) fn backup_key_id_text(key_id: u32) -> String {
    backup_group(key_id)
}

/// Section 6.1: the canonical text of a backup key, ten groups joined by `-`.
pub(super) fn backup_key_text(key_id: u32, secret: &[u8; 20]) -> String {
    let mut body = backup_group(key_id);
    let mut bits: u64 = 0;
    let mut count = 0;
    for &byte in secret {
        bits = (bits << 8) | u64::from(byte);
        count += 8;
        while count >= 5 {
            count -= 5;
            body.push(char::from(CROCKFORD[((bits >> count) & 0x1F) as usize]));
        }
    }
    let mut hasher = Sha256::new();
    hasher.update(b"mailspec v1 backup checksum");
    hasher.update(body.as_bytes());
    let h = hasher.finalize();
    let checksum = (u32::from(h[0]) << 12) | (u32::from(h[1]) << 4) | (u32::from(h[2]) >> 4);
    body.push_str(&backup_group(checksum));

    let characters: Vec<char> = body.chars().collect();
    characters.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Section 6.2: the Argon2id seed of a backup key's virtual device.
pub(super) fn backup_seed(key_id: u32, secret: &[u8; 20], user_id: &str) -> [u8; 32] {
    let mut salt = b"mailspec v1 backup salt".to_vec();
    put_lp(&mut salt, user_id.as_bytes());
    salt.extend_from_slice(backup_key_id_text(key_id).as_bytes());
    let params = argon2::Params::new(8192, 2, 1, Some(32)).expect("section 6.2 parameters are valid");
    let mut seed = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(secret, &salt, &mut seed)
        .expect("the salt and output lengths are valid");
    seed
}

/// Section 6.2: the backup device's Ed25519 seed and X25519 private key.
pub(super) fn backup_device_secrets(seed: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    (hkdf32(None, seed, b"mailspec v1 backup ed25519"), hkdf32(None, seed, b"mailspec v1 backup x25519"))
}

/// Section 7: seals one Cake chunk as the whole body, under the nonce counter `counter`
/// (`2 * index + final bit`), so a recorder can pick a counter that an opener must reject.
pub(super) fn cake_single_chunk(key: &[u8; 32], nonce: &[u8; 24], plaintext: &[u8], counter: u128) -> Vec<u8> {
    let mut hasher = Sha512::new();
    hasher.update(key);
    hasher.update(nonce);
    let h = hasher.finalize();
    let cipher = Aes256Gcm::new_from_slice(&h[..32]).expect("the one-time key is 32 bytes");
    let chunk_nonce = &counter.to_le_bytes()[..12];
    let sealed = cipher.encrypt(Nonce::from_slice(chunk_nonce), plaintext).expect("a short chunk encrypts");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&h[32..]);
    out.extend_from_slice(&sealed);
    out
}

/// Section 8.2: `u32(count) || lp(address)...`.
pub(super) fn bcc_list_encoding(addresses: &[String]) -> Vec<u8> {
    let mut out = u32::try_from(addresses.len()).expect("Bcc lists are short").to_be_bytes().to_vec();
    for address in addresses {
        put_lp(&mut out, address.as_bytes());
    }
    out
}

fn role_code(role: BoxRole) -> u8 {
    match role {
        BoxRole::Recipient => 1,
        BoxRole::Service => 2,
    }
}

/// Section 8.3: the sender block.
fn sender_block(sender: &EnvelopeSender) -> Vec<u8> {
    let mut out = Vec::new();
    match sender {
        EnvelopeSender::Device { user_id, device_id, signing_key } => {
            out.push(1);
            put_lp(&mut out, user_id.as_bytes());
            put_lp(&mut out, device_id.as_bytes());
            out.extend_from_slice(signing_key);
        }
        EnvelopeSender::Service { service_id } => {
            out.push(2);
            put_lp(&mut out, service_id.as_bytes());
        }
    }
    out
}

/// Section 8.4: the digest of box `index` of `envelope`, for a reader whose mail public key is `reader_public`.
pub(super) fn box_digest(envelope: &Envelope, index: usize, reader_public: &[u8; 32]) -> [u8; 32] {
    let recipient_box = &envelope.boxes[index];
    let flags = u8::from(envelope.boxes.iter().any(|b| b.role == BoxRole::Service));
    let mut input = b"mailspec v1 mail digest".to_vec();
    input.push(1);
    input.push(flags);
    input.extend_from_slice(&sender_block(&envelope.sender));
    input.extend_from_slice(&envelope.ephemeral_public);
    input.push(role_code(recipient_box.role));
    put_lp(&mut input, recipient_box.recipient_id.as_bytes());
    input.extend_from_slice(&recipient_box.generation.get().to_be_bytes());
    input.extend_from_slice(reader_public);
    input.extend_from_slice(&Sha256::digest(&envelope.sealed_manifest));
    input.extend_from_slice(&envelope.bcc_commitment.0);
    Sha256::digest(&input).into()
}

/// Section 8.5: the bytes a device signs for a digest.
pub(super) fn signature_input(digest: &[u8; 32]) -> Vec<u8> {
    let mut input = b"mailspec v1 mail signature".to_vec();
    input.extend_from_slice(digest);
    input
}

/// Section 8.5: the box plaintext, as fields a dishonest sender may set freely.
#[derive(Clone, Debug)]
pub(super) struct BoxPlaintext {
    pub shared_key: [u8; 32],
    /// Presence byte and signature; a presence byte other than 0 or 1 is malformed.
    pub signature: (u8, Option<[u8; 64]>),
    /// Commitment key and address list, when the box reveals the Bcc list.
    pub bcc_opening: Option<([u8; 32], Vec<String>)>,
}

impl BoxPlaintext {
    fn decode(bytes: &[u8]) -> BoxPlaintext {
        assert_eq!(bytes[0], 1, "box plaintext version");
        let shared_key: [u8; 32] = bytes[1..33].try_into().unwrap();
        let (signature, rest) = match bytes[33] {
            0 => (None, &bytes[34..]),
            1 => (Some(bytes[34..98].try_into().unwrap()), &bytes[98..]),
            other => panic!("the reference wrote signature presence byte {other}"),
        };
        let bcc_opening = match rest[0] {
            0 => None,
            1 => {
                let key: [u8; 32] = rest[1..33].try_into().unwrap();
                let count = u32::from_be_bytes(rest[33..37].try_into().unwrap());
                let mut position = 37;
                let mut addresses = Vec::new();
                for _ in 0..count {
                    let len = u32::from_be_bytes(rest[position..position + 4].try_into().unwrap()) as usize;
                    addresses.push(String::from_utf8(rest[position + 4..position + 4 + len].to_vec()).unwrap());
                    position += 4 + len;
                }
                Some((key, addresses))
            }
            other => panic!("the reference wrote Bcc presence byte {other}"),
        };
        BoxPlaintext { shared_key, signature: (u8::from(signature.is_some()), signature), bcc_opening }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = vec![1];
        out.extend_from_slice(&self.shared_key);
        out.push(self.signature.0);
        if let Some(signature) = &self.signature.1 {
            out.extend_from_slice(signature);
        }
        match &self.bcc_opening {
            Some((key, addresses)) => {
                out.push(1);
                out.extend_from_slice(key);
                out.extend_from_slice(&bcc_list_encoding(addresses));
            }
            None => out.push(0),
        }
        out
    }
}

/// Section 8.4: the AES-256-GCM cipher of box `index`, keyed as the reader derives it, and the digest.
fn box_cipher(envelope: &Envelope, index: usize, reader_private: &[u8; 32]) -> (Aes256Gcm, [u8; 32]) {
    let reader_public = x25519_public(reader_private);
    let dh = x25519(reader_private, &envelope.ephemeral_public);
    let digest = box_digest(envelope, index, &reader_public);
    let key = hkdf32(Some(&digest), &dh, b"mailspec v1 mail box key");
    (Aes256Gcm::new_from_slice(&key).expect("the box key is 32 bytes"), digest)
}

/// Decrypts box `index` with the reader's mail private key; returns its plaintext and digest.
pub(super) fn open_box(envelope: &Envelope, index: usize, reader_private: &[u8; 32]) -> (BoxPlaintext, [u8; 32]) {
    let (cipher, digest) = box_cipher(envelope, index, reader_private);
    let plaintext = cipher
        .decrypt(Nonce::from_slice(&[0u8; 12]), envelope.boxes[index].ciphertext.as_slice())
        .expect("the reference sealed this box to this reader");
    (BoxPlaintext::decode(&plaintext), digest)
}

/// Replaces the plaintext of box `index`, encrypting it as a dishonest sender would.
///
/// Anyone holding the reader's mail private key derives the same box key as the sender,
/// because the Diffie-Hellman result is symmetric, so no ephemeral private key is needed.
pub(super) fn reseal_box(
    envelope: &mut Envelope,
    index: usize,
    reader_private: &[u8; 32],
    plaintext: &BoxPlaintext,
    trailing: &[u8],
) {
    let (cipher, _) = box_cipher(envelope, index, reader_private);
    let mut bytes = plaintext.encode();
    bytes.extend_from_slice(trailing);
    envelope.boxes[index].ciphertext =
        cipher.encrypt(Nonce::from_slice(&[0u8; 12]), bytes.as_slice()).expect("a box plaintext encrypts");
}

/// Section 9: the Cake key of a link.
pub(super) fn link_content_key(link_id: &[u8; 16], secret: &[u8; 32]) -> [u8; 32] {
    hkdf32(Some(link_id), secret, b"mailspec v1 link content key")
}
