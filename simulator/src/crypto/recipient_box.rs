//! Per-recipient boxes: the recipient digest, the box key and the box contents.
//!
//! For each recipient the sender computes
//!
//! ```text
//! dh     = X25519(ephemeral private key, recipient PUK mail public key)    (receiver: the reverse)
//! digest = SHA-256("mailspec v1 mail digest" || version 0x01 || flags || sender block
//!                  || ephemeral public key (32) || role (1) || lp(recipient id)
//!                  || generation (4) || recipient PUK mail public key (32)
//!                  || manifest hash (32) || Bcc commitment (32))
//! key    = HKDF-SHA256(salt = digest, ikm = dh, info = "mailspec v1 mail box key", L = 32)
//! box    = AES-256-GCM(key, nonce = 12 zero bytes, aad = empty, box plaintext)
//! ```
//!
//! The manifest hash is SHA-256 of the sealed manifest. A device sender signs
//! `"mailspec v1 mail signature" || digest` with Ed25519 and puts the signature in the box.
//! The all-zero nonce is safe because every box key is used once: the ephemeral key is fresh per
//! message and the digest differs per (role, recipient id).
//!
//! Box plaintext: version 0x01 || shared key (32) || 0x00, or 0x01 followed by a signature (64)
//! || 0x00, or 0x01 followed by a Bcc opening (key (32) || address count (4) || lp(address)...).

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey as X25519PublicKey, SharedSecret, StaticSecret};
use zeroize::Zeroizing;

use crate::crypto::bcc::{BccCommitment, BccOpening, MAX_BCC_ADDRESSES};
use crate::crypto::device::{DeviceKeys, SIGNATURE_LEN};
use crate::crypto::envelope::{BoxRole, EnvelopeSender, RecipientBox};
use crate::crypto::error::CryptoError;
use crate::crypto::kdf::hkdf_sha256_32;
use crate::crypto::puk::{Generation, PukPublicKey};
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{put_len_prefixed, put_u8, Reader, MAX_ID_LEN};

const DIGEST_LABEL: &[u8] = b"mailspec v1 mail digest";
const SIGNATURE_LABEL: &[u8] = b"mailspec v1 mail signature";
const BOX_KEY_INFO: &[u8] = b"mailspec v1 mail box key";
const DIGEST_VERSION: u8 = 1;
const BOX_VERSION: u8 = 1;
const BOX_NONCE: [u8; 12] = [0u8; 12];

/// Largest box plaintext: version, shared key, signature and a Bcc opening with the longest list.
const MAX_BOX_PLAINTEXT_LEN: usize =
    1 + 32 + 1 + SIGNATURE_LEN + 1 + 32 + 4 + MAX_BCC_ADDRESSES * (4 + MAX_ID_LEN);

/// Largest box ciphertext a decoder accepts: the largest plaintext plus the 16-byte GCM tag.
pub const MAX_BOX_CIPHERTEXT_LEN: usize = MAX_BOX_PLAINTEXT_LEN + 16;

/// Envelope fields that every recipient digest covers.
pub(crate) struct MessageContext<'a> {
    pub flags: u8,
    pub sender: &'a EnvelopeSender,
    pub ephemeral_public: &'a [u8; 32],
    pub manifest_hash: [u8; 32],
    pub bcc_commitment: &'a BccCommitment,
}

/// Contents of an opened box.
pub(crate) struct BoxContents {
    pub shared_key: Secret32,
    pub signature: Option<[u8; SIGNATURE_LEN]>,
    pub bcc_opening: Option<BccOpening>,
    pub digest: [u8; 32],
}

/// Inputs for sealing one box: its addressee and its contents.
pub(crate) struct BoxInput<'a> {
    pub role: BoxRole,
    pub recipient_id: &'a str,
    pub recipient: &'a PukPublicKey,
    pub shared_key: &'a Secret32,
    pub signer: Option<&'a DeviceKeys>,
    pub bcc_opening: Option<&'a BccOpening>,
}

impl MessageContext<'_> {
    /// Computes the digest that binds one box to the message and to both parties.
    pub(crate) fn digest(
        &self,
        role: BoxRole,
        recipient_id: &str,
        generation: Generation,
        recipient_mail_key: &[u8; 32],
    ) -> [u8; 32] {
        let mut input = Vec::with_capacity(700);
        input.extend_from_slice(DIGEST_LABEL);
        put_u8(&mut input, DIGEST_VERSION);
        put_u8(&mut input, self.flags);
        self.sender.encode(&mut input);
        input.extend_from_slice(self.ephemeral_public);
        put_u8(&mut input, role.code());
        put_len_prefixed(&mut input, recipient_id.as_bytes());
        generation.encode(&mut input);
        input.extend_from_slice(recipient_mail_key);
        input.extend_from_slice(&self.manifest_hash);
        input.extend_from_slice(&self.bcc_commitment.0);
        Sha256::digest(&input).into()
    }
}

/// Returns the bytes a device signs for `digest`: the signature label followed by the digest.
pub(crate) fn signature_input(digest: &[u8; 32]) -> Vec<u8> {
    let mut input = Vec::with_capacity(SIGNATURE_LABEL.len() + 32);
    input.extend_from_slice(SIGNATURE_LABEL);
    input.extend_from_slice(digest);
    input
}

/// Seals one box with the message's ephemeral key, for tests that build boxes by hand.
#[cfg(test)]
pub(crate) fn seal_box(
    context: &MessageContext<'_>,
    ephemeral_secret: &StaticSecret,
    input: &BoxInput<'_>,
) -> Result<RecipientBox, CryptoError> {
    let dh = box_agreement(ephemeral_secret, input.recipient)?;
    Ok(seal_box_with_agreement(context, &dh, input))
}

/// Computes the X25519 shared secret of a box, rejecting a key that gives an all-zero result.
pub(crate) fn box_agreement(
    ephemeral_secret: &StaticSecret,
    recipient: &PukPublicKey,
) -> Result<SharedSecret, CryptoError> {
    let dh = ephemeral_secret.diffie_hellman(&X25519PublicKey::from(recipient.mail_key_bytes()));
    if !dh.was_contributory() {
        return Err(CryptoError::InvalidPublicKey {
            object: "recipient PUK mail key",
        });
    }
    Ok(dh)
}

/// Seals one box with the shared secret that `box_agreement` returned for `input.recipient`.
pub(crate) fn seal_box_with_agreement(
    context: &MessageContext<'_>,
    dh: &SharedSecret,
    input: &BoxInput<'_>,
) -> RecipientBox {
    let generation = input.recipient.generation();
    let mail_key = input.recipient.mail_key_bytes();
    let digest = context.digest(input.role, input.recipient_id, generation, &mail_key);
    let signature = input
        .signer
        .map(|device| device.sign(&signature_input(&digest)));
    let plaintext = encode_contents(input.shared_key, signature.as_ref(), input.bcc_opening);

    let key = box_key(&digest, dh.as_bytes());
    let cipher = Aes256Gcm::new(GenericArray::from_slice(key.expose_secret()));
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&BOX_NONCE), plaintext.as_slice())
        .expect("a box plaintext is far below the AES-GCM message limit");
    RecipientBox {
        role: input.role,
        recipient_id: input.recipient_id.to_owned(),
        generation,
        ciphertext,
    }
}

/// Opens one box with the recipient's PUK mail secret key and public key.
pub(crate) fn open_box(
    context: &MessageContext<'_>,
    recipient_box: &RecipientBox,
    mail_secret: &StaticSecret,
    mail_public: &PukPublicKey,
) -> Result<BoxContents, CryptoError> {
    let object = "recipient box";
    let dh = mail_secret.diffie_hellman(&X25519PublicKey::from(*context.ephemeral_public));
    if !dh.was_contributory() {
        return Err(CryptoError::InvalidPublicKey {
            object: "ephemeral sender key",
        });
    }
    let digest = context.digest(
        recipient_box.role,
        &recipient_box.recipient_id,
        recipient_box.generation,
        &mail_public.mail_key_bytes(),
    );
    let key = box_key(&digest, dh.as_bytes());
    let cipher = Aes256Gcm::new(GenericArray::from_slice(key.expose_secret()));
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                Nonce::from_slice(&BOX_NONCE),
                recipient_box.ciphertext.as_slice(),
            )
            .map_err(|_| CryptoError::DecryptionFailed { object })?,
    );
    decode_contents(&plaintext, digest)
}

fn box_key(digest: &[u8; 32], dh: &[u8; 32]) -> Secret32 {
    hkdf_sha256_32(Some(digest), dh, &[BOX_KEY_INFO])
}

fn encode_contents(
    shared_key: &Secret32,
    signature: Option<&[u8; SIGNATURE_LEN]>,
    bcc_opening: Option<&BccOpening>,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(256));
    put_u8(&mut out, BOX_VERSION);
    out.extend_from_slice(shared_key.expose_secret());
    match signature {
        Some(signature) => {
            put_u8(&mut out, 1);
            out.extend_from_slice(signature);
        }
        None => put_u8(&mut out, 0),
    }
    match bcc_opening {
        Some(opening) => {
            put_u8(&mut out, 1);
            opening.encode(&mut out);
        }
        None => put_u8(&mut out, 0),
    }
    out
}

fn decode_contents(bytes: &[u8], digest: [u8; 32]) -> Result<BoxContents, CryptoError> {
    let mut reader = Reader::new(bytes, "box plaintext");
    reader.version(BOX_VERSION)?;
    let shared_key = Secret32::from_slice(reader.take(32)?).expect("take returned 32 bytes");
    let signature = match reader.u8()? {
        0 => None,
        1 => Some(reader.array::<SIGNATURE_LEN>()?),
        _ => return Err(reader.malformed("signature presence byte is not 0 or 1")),
    };
    let bcc_opening = match reader.u8()? {
        0 => None,
        1 => Some(BccOpening::decode(&mut reader)?),
        _ => return Err(reader.malformed("Bcc opening presence byte is not 0 or 1")),
    };
    reader.finish()?;
    Ok(BoxContents {
        shared_key,
        signature,
        bcc_opening,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_round_trip() {
        let key = Secret32::from_bytes([5; 32]);
        let opening =
            BccOpening::from_parts(Secret32::from_bytes([6; 32]), vec!["b@c".to_owned()]).unwrap();
        let encoded = encode_contents(&key, Some(&[7; 64]), Some(&opening));
        let decoded = decode_contents(&encoded, [0; 32]).unwrap();
        assert_eq!(decoded.shared_key, key);
        assert_eq!(decoded.signature, Some([7; 64]));
        assert_eq!(decoded.bcc_opening, Some(opening));
    }

    #[test]
    fn contents_reject_bad_presence_byte() {
        let key = Secret32::from_bytes([5; 32]);
        let mut encoded = encode_contents(&key, None, None).to_vec();
        encoded[33] = 2;
        assert!(matches!(
            decode_contents(&encoded, [0; 32]),
            Err(CryptoError::Malformed { .. })
        ));
    }

    #[test]
    fn contents_decoder_survives_arbitrary_bytes() {
        use arbitrary::{Arbitrary, Unstructured};
        use rand_chacha::ChaCha20Rng;
        use rand_core::{RngCore, SeedableRng};

        let opening =
            BccOpening::from_parts(Secret32::from_bytes([6; 32]), vec!["b@c".to_owned()]).unwrap();
        let valid = encode_contents(
            &Secret32::from_bytes([5; 32]),
            Some(&[7; 64]),
            Some(&opening),
        );
        let mut rng = ChaCha20Rng::seed_from_u64(91);
        let mut entropy = [0u8; 512];
        for _ in 0..2000 {
            rng.fill_bytes(&mut entropy);
            let mut unstructured = Unstructured::new(&entropy);
            let mut bytes = valid.to_vec();
            let edits = Vec::<(usize, u8)>::arbitrary(&mut unstructured).unwrap_or_default();
            for (position, value) in edits {
                let index = position % bytes.len();
                bytes[index] = value;
            }
            let cut = usize::arbitrary(&mut unstructured).unwrap_or(0) % (bytes.len() + 1);
            bytes.truncate(cut);
            let _ = decode_contents(&bytes, [0; 32]);
        }
    }

    #[test]
    fn max_box_ciphertext_fits_largest_opening() {
        let addresses = vec!["a".repeat(MAX_ID_LEN); MAX_BCC_ADDRESSES];
        let opening = BccOpening::from_parts(Secret32::from_bytes([1; 32]), addresses).unwrap();
        let encoded = encode_contents(
            &Secret32::from_bytes([2; 32]),
            Some(&[3; 64]),
            Some(&opening),
        );
        assert_eq!(encoded.len() + 16, MAX_BOX_CIPHERTEXT_LEN);
    }
}
