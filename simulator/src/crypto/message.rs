//! Sealing a message to its recipients and opening it, following the mail section of Zoom's E2EE whitepaper.
//!
//! Sealing encrypts every piece with Cake-AES under its own fresh key, and seals the manifest
//! of piece keys and ciphertext hashes under a fresh shared key. It commits to the Bcc list
//! with HMAC-SHA256. Each recipient then gets a box, keyed from one ephemeral X25519 key per
//! message, that contains the shared key and the sender device's signature over the recipient
//! digest. `recipient_box` specifies the digest and box formats.

use core::fmt;
use std::collections::HashSet;

use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey as X25519PublicKey, SharedSecret, StaticSecret};

use crate::crypto::bcc::BccOpening;
use crate::crypto::cake;
use crate::crypto::device::{decode_verifying_key, verify_signature, DeviceKeys, DevicePublicKeys};
use crate::crypto::envelope::{BoxRole, Envelope, EnvelopeSender, FLAG_NOT_E2EE, MAX_BOXES};
use crate::crypto::error::CryptoError;
use crate::crypto::manifest::{Manifest, PieceRandomness};
use crate::crypto::pool::{has_pool, join};
use crate::crypto::puk::{Puk, PukPublicKey};
#[cfg(test)]
use crate::crypto::recipient_box::seal_box;
use crate::crypto::recipient_box::{
    box_agreement, open_box, seal_box_with_agreement, signature_input, BoxContents, BoxInput,
    MessageContext,
};
use crate::crypto::secret::Secret32;
use crate::crypto::wire::check_id;

/// Sealer of a message: a user's device or the service.
#[derive(Clone, Copy, Debug)]
pub enum Sender<'a> {
    /// A user's device; every box carries its Ed25519 signature over the recipient digest.
    Device {
        user_id: &'a str,
        device_id: &'a str,
        keys: &'a DeviceKeys,
    },
    /// The service, sealing mail for a user (for example mail from outside); boxes are unsigned.
    Service { service_id: &'a str },
}

/// One box to create: a recipient user (the sender included) or the service.
#[derive(Clone, Copy, Debug)]
pub struct Recipient<'a> {
    /// User id, or the service id for the service box.
    pub id: &'a str,
    /// The recipient's current PUK public key, or the service's key.
    pub key: &'a PukPublicKey,
    /// Whether this box carries the Bcc opening (the commitment key and the Bcc list).
    pub reveal_bcc: bool,
}

/// Everything needed to seal one message.
#[derive(Clone, Copy, Debug)]
pub struct MessageDraft<'a> {
    /// The opaque byte strings of the message: the MIME body first, then attachments.
    pub pieces: &'a [&'a [u8]],
    /// The Bcc addresses, committed in every digest and revealed only to boxes with `reveal_bcc`.
    pub bcc: &'a [String],
    pub recipients: &'a [Recipient<'a>],
    /// A box for the service, which makes the message "not E2EE".
    pub service: Option<Recipient<'a>>,
}

/// A sealed message: the envelope, the piece ciphertexts and the sender's copy of the Bcc opening.
#[derive(Debug)]
pub struct SealedMessage {
    pub envelope: Envelope,
    /// Piece ciphertexts in draft order; entry i of the manifest describes piece i.
    pub pieces: Vec<Vec<u8>>,
    pub bcc_opening: BccOpening,
}

/// The sender a reader expects, as looked up from the sender's published keys.
#[derive(Clone, Copy, Debug)]
pub enum ExpectedSender<'a> {
    Device {
        user_id: &'a str,
        device_id: &'a str,
        keys: &'a DevicePublicKeys,
    },
    Service {
        service_id: &'a str,
    },
}

/// The result of opening a box: the shared key, the manifest and what the box revealed.
pub struct OpenedEnvelope {
    shared_key: Secret32,
    manifest: Manifest,
    digest: [u8; 32],
    bcc_opening: Option<BccOpening>,
    not_e2ee: bool,
}

/// Seals `draft` from `sender`. Returns `DuplicateRecipient` if one id appears twice in a role.
pub fn seal_message(
    sender: &Sender<'_>,
    draft: &MessageDraft<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<SealedMessage, CryptoError> {
    let (envelope_sender, signer) = resolve_sender(sender)?;
    let targets = collect_targets(draft)?;

    // Every random value is drawn first, so that the key agreements of the boxes can run while
    // the pieces are sealed. The known-answer vectors fix the order: each piece's key and Cake
    // nonce, then the shared key, the manifest nonce, the Bcc key and the ephemeral key.
    let piece_randomness = Manifest::draw_piece_randomness(draft.pieces.len(), rng)?;
    let shared_key = Secret32::random(rng);
    let manifest_nonce = cake::draw_nonce(rng);
    let bcc_key = Secret32::random(rng);
    let ephemeral_secret = StaticSecret::from(*Secret32::random(rng).expose_secret());

    let (sealed_pieces, agreements) =
        seal_pieces_and_agree(draft.pieces, piece_randomness, &ephemeral_secret, &targets);
    let (manifest, pieces) = sealed_pieces?;
    let sealed_manifest = manifest.seal_with_nonce(&shared_key, &manifest_nonce)?;
    let bcc_opening = BccOpening::from_parts(bcc_key, draft.bcc.to_vec())?;
    let bcc_commitment = bcc_opening.commitment();
    let KeyAgreements {
        ephemeral_public,
        shared_secrets,
    } = agreements;

    let flags = if draft.service.is_some() {
        FLAG_NOT_E2EE
    } else {
        0
    };
    let context = MessageContext {
        flags,
        sender: &envelope_sender,
        ephemeral_public: &ephemeral_public,
        manifest_hash: Sha256::digest(&sealed_manifest).into(),
        bcc_commitment: &bcc_commitment,
    };
    let boxes = targets
        .iter()
        .zip(shared_secrets)
        .map(|((role, recipient), dh)| {
            let input = BoxInput {
                role: *role,
                recipient_id: recipient.id,
                recipient: recipient.key,
                shared_key: &shared_key,
                signer,
                bcc_opening: recipient.reveal_bcc.then_some(&bcc_opening),
            };
            Ok(seal_box_with_agreement(&context, &dh?, &input))
        })
        .collect::<Result<Vec<_>, CryptoError>>()?;

    let envelope = Envelope {
        sender: envelope_sender,
        ephemeral_public,
        bcc_commitment,
        sealed_manifest,
        boxes,
    };
    Ok(SealedMessage {
        envelope,
        pieces,
        bcc_opening,
    })
}

/// Opens the recipient box of `user_id` with the PUK of the box's generation.
///
/// Checks, in order: the box exists, its generation is `puk`'s (else `StaleGeneration`), the
/// sender is `expected`, the box decrypts, the signature verifies, a revealed Bcc opening
/// matches the commitment, and the manifest decrypts.
pub fn open_envelope(
    envelope: &Envelope,
    user_id: &str,
    puk: &Puk,
    expected: &ExpectedSender<'_>,
) -> Result<OpenedEnvelope, CryptoError> {
    open_role(envelope, BoxRole::Recipient, user_id, puk, expected)
}

/// Opens the service box of a not-E2EE message with the service key `service_key`.
pub fn open_service_box(
    envelope: &Envelope,
    service_id: &str,
    service_key: &Puk,
    expected: &ExpectedSender<'_>,
) -> Result<OpenedEnvelope, CryptoError> {
    open_role(
        envelope,
        BoxRole::Service,
        service_id,
        service_key,
        expected,
    )
}

impl OpenedEnvelope {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Returns the key that seals the manifest. A password link can carry it to an external reader.
    pub fn shared_key(&self) -> &Secret32 {
        &self.shared_key
    }

    /// Returns the recipient digest that the sender signed for this box.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// Returns the Bcc list and key, present only if the sender revealed them to this box.
    pub fn bcc_opening(&self) -> Option<&BccOpening> {
        self.bcc_opening.as_ref()
    }

    /// Returns whether the sender also gave the service a box, a fact authenticated through the digest.
    pub fn not_e2ee(&self) -> bool {
        self.not_e2ee
    }

    pub fn piece_count(&self) -> usize {
        self.manifest.entries().len()
    }

    /// Checks piece `index` against the manifest hash and decrypts it.
    pub fn open_piece(&self, index: usize, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.manifest.open_piece(index, ciphertext)
    }
}

impl fmt::Debug for OpenedEnvelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedEnvelope")
            .field("pieces", &self.piece_count())
            .field("digest", &hex::encode(self.digest))
            .field("bcc_revealed", &self.bcc_opening.is_some())
            .field("not_e2ee", &self.not_e2ee)
            .finish_non_exhaustive()
    }
}

/// The ephemeral public key of a message and the X25519 shared secret of each of its boxes.
struct KeyAgreements {
    ephemeral_public: [u8; 32],
    /// One entry per box, in the order of `collect_targets`.
    shared_secrets: Vec<Result<SharedSecret, CryptoError>>,
}

/// The manifest and piece ciphertexts of a message, or the error that sealing a piece returned.
type SealedPieces = Result<(Manifest, Vec<Vec<u8>>), CryptoError>;

/// Seals the pieces and computes the key agreements of the boxes.
///
/// The two are independent. When the pieces total at least `cake::PARALLEL_MIN_LEN` bytes
/// and the machine has a second core, the key agreements run on one pool thread while the
/// other starts sealing the pieces.
fn seal_pieces_and_agree(
    pieces: &[&[u8]],
    randomness: Vec<PieceRandomness>,
    ephemeral_secret: &StaticSecret,
    targets: &[(BoxRole, Recipient<'_>)],
) -> (SealedPieces, KeyAgreements) {
    let agree = || KeyAgreements {
        ephemeral_public: X25519PublicKey::from(ephemeral_secret).to_bytes(),
        shared_secrets: targets
            .iter()
            .map(|(_, recipient)| box_agreement(ephemeral_secret, recipient.key))
            .collect(),
    };
    let total_len: usize = pieces.iter().map(|piece| piece.len()).sum();
    if total_len >= cake::PARALLEL_MIN_LEN && has_pool() {
        join(|| Manifest::seal_pieces_with(pieces, randomness), agree)
    } else {
        (Manifest::seal_pieces_with(pieces, randomness), agree())
    }
}

fn resolve_sender<'a>(
    sender: &Sender<'a>,
) -> Result<(EnvelopeSender, Option<&'a DeviceKeys>), CryptoError> {
    match *sender {
        Sender::Device {
            user_id,
            device_id,
            keys,
        } => {
            check_id("sender user id", user_id)?;
            check_id("sender device id", device_id)?;
            let envelope_sender = EnvelopeSender::Device {
                user_id: user_id.to_owned(),
                device_id: device_id.to_owned(),
                signing_key: keys.public_keys().signing_key_bytes(),
            };
            Ok((envelope_sender, Some(keys)))
        }
        Sender::Service { service_id } => {
            check_id("sender service id", service_id)?;
            let envelope_sender = EnvelopeSender::Service {
                service_id: service_id.to_owned(),
            };
            Ok((envelope_sender, None))
        }
    }
}

/// Lists every box to seal, service box last, and rejects invalid or repeated ids.
fn collect_targets<'a>(
    draft: &MessageDraft<'a>,
) -> Result<Vec<(BoxRole, Recipient<'a>)>, CryptoError> {
    let mut targets: Vec<(BoxRole, Recipient<'a>)> = draft
        .recipients
        .iter()
        .map(|recipient| (BoxRole::Recipient, *recipient))
        .collect();
    if let Some(service) = draft.service {
        targets.push((BoxRole::Service, service));
    }
    if targets.is_empty() {
        return Err(CryptoError::Malformed {
            object: "message draft",
            reason: "a message needs at least one recipient",
        });
    }
    if targets.len() > MAX_BOXES {
        return Err(CryptoError::Oversized {
            object: "recipient count",
            len: targets.len(),
            max: MAX_BOXES,
        });
    }
    let mut seen = HashSet::with_capacity(targets.len());
    for (role, recipient) in &targets {
        check_id("recipient id", recipient.id)?;
        if !seen.insert((*role, recipient.id)) {
            return Err(CryptoError::DuplicateRecipient {
                recipient: recipient.id.to_owned(),
            });
        }
    }
    Ok(targets)
}

fn open_role(
    envelope: &Envelope,
    role: BoxRole,
    id: &str,
    key: &Puk,
    expected: &ExpectedSender<'_>,
) -> Result<OpenedEnvelope, CryptoError> {
    let recipient_box =
        envelope
            .find_box(role, id)
            .ok_or_else(|| CryptoError::NoBoxForRecipient {
                role: role.name(),
                recipient: id.to_owned(),
            })?;
    if recipient_box.generation != key.generation() {
        return Err(CryptoError::StaleGeneration {
            sealed: recipient_box.generation,
            supplied: key.generation(),
        });
    }
    check_expected_sender(&envelope.sender, expected)?;

    let context = MessageContext {
        flags: envelope.flags(),
        sender: &envelope.sender,
        ephemeral_public: &envelope.ephemeral_public,
        manifest_hash: Sha256::digest(&envelope.sealed_manifest).into(),
        bcc_commitment: &envelope.bcc_commitment,
    };
    let contents = open_box(&context, recipient_box, key.mail_secret(), key.public_key())?;
    verify_box_signature(&envelope.sender, &contents)?;
    if let Some(opening) = &contents.bcc_opening {
        opening.verify(&envelope.bcc_commitment)?;
    }
    let manifest = Manifest::open(&contents.shared_key, &envelope.sealed_manifest)?;
    Ok(OpenedEnvelope {
        shared_key: contents.shared_key,
        manifest,
        digest: contents.digest,
        bcc_opening: contents.bcc_opening,
        not_e2ee: envelope.not_e2ee(),
    })
}

fn check_expected_sender(
    actual: &EnvelopeSender,
    expected: &ExpectedSender<'_>,
) -> Result<(), CryptoError> {
    let matches = match (actual, expected) {
        (
            EnvelopeSender::Device {
                user_id,
                device_id,
                signing_key,
            },
            ExpectedSender::Device {
                user_id: expected_user,
                device_id: expected_device,
                keys,
            },
        ) => {
            user_id == expected_user
                && device_id == expected_device
                && *signing_key == keys.signing_key_bytes()
        }
        (
            EnvelopeSender::Service { service_id },
            ExpectedSender::Service {
                service_id: expected_id,
            },
        ) => service_id == expected_id,
        _ => false,
    };
    if !matches {
        return Err(CryptoError::SenderMismatch);
    }
    Ok(())
}

/// Requires a valid signature from a device sender and no signature from the service.
fn verify_box_signature(
    sender: &EnvelopeSender,
    contents: &BoxContents,
) -> Result<(), CryptoError> {
    let object = "recipient digest";
    match (sender, &contents.signature) {
        (EnvelopeSender::Device { signing_key, .. }, Some(signature)) => {
            let key = decode_verifying_key(signing_key)?;
            verify_signature(&key, object, &signature_input(&contents.digest), signature)
        }
        (EnvelopeSender::Device { .. }, None) => Err(CryptoError::InvalidSignature { object }),
        (EnvelopeSender::Service { .. }, None) => Ok(()),
        (EnvelopeSender::Service { .. }, Some(_)) => Err(CryptoError::Malformed {
            object: "box plaintext",
            reason: "a box from the service carries a signature",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::puk::Generation;
    use crate::crypto::recipient_box::BoxInput;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// Replaces all boxes with one box for Bob that names `claimed` as sender, is signed by
    /// `signer`, and reveals `bcc_opening`.
    fn forge_box(
        sealed: &mut SealedMessage,
        claimed: &DeviceKeys,
        signer: &DeviceKeys,
        bob: &Puk,
        bcc_opening: Option<&BccOpening>,
        rng: &mut ChaCha20Rng,
    ) {
        let envelope = &mut sealed.envelope;
        envelope.sender = EnvelopeSender::Device {
            user_id: "alice".to_owned(),
            device_id: "laptop".to_owned(),
            signing_key: claimed.public_keys().signing_key_bytes(),
        };
        let ephemeral_secret = StaticSecret::from(*Secret32::random(rng).expose_secret());
        envelope.ephemeral_public = X25519PublicKey::from(&ephemeral_secret).to_bytes();
        let context = MessageContext {
            flags: envelope.flags(),
            sender: &envelope.sender,
            ephemeral_public: &envelope.ephemeral_public,
            manifest_hash: Sha256::digest(&envelope.sealed_manifest).into(),
            bcc_commitment: &envelope.bcc_commitment,
        };
        let shared_key = Secret32::from_bytes([0; 32]);
        let input = BoxInput {
            role: BoxRole::Recipient,
            recipient_id: "bob",
            recipient: bob.public_key(),
            shared_key: &shared_key,
            signer: Some(signer),
            bcc_opening,
        };
        let forged = seal_box(&context, &ephemeral_secret, &input).unwrap();
        envelope.boxes = vec![forged];
    }

    fn seal_to_bob(alice: &DeviceKeys, bob: &Puk, rng: &mut ChaCha20Rng) -> SealedMessage {
        let draft = MessageDraft {
            pieces: &[b"hi"],
            bcc: &[],
            recipients: &[Recipient {
                id: "bob",
                key: bob.public_key(),
                reveal_bcc: false,
            }],
            service: None,
        };
        let sender = Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: alice,
        };
        seal_message(&sender, &draft, rng).unwrap()
    }

    fn expected_alice(alice: &DeviceKeys) -> ExpectedSender<'_> {
        ExpectedSender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: alice.public_keys(),
        }
    }

    fn draft_to_bob<'a>(
        pieces: &'a [&'a [u8]],
        recipients: &'a [Recipient<'a>],
    ) -> MessageDraft<'a> {
        MessageDraft {
            pieces,
            bcc: &[],
            recipients,
            service: None,
        }
    }

    #[test]
    fn large_message_is_deterministic_and_opens() {
        let mut rng = ChaCha20Rng::seed_from_u64(53);
        let alice = DeviceKeys::generate(&mut rng);
        let bob = Puk::generate(Generation::FIRST, &mut rng);
        let large = vec![3u8; cake::PARALLEL_MIN_LEN + 5];
        let pieces: [&[u8]; 2] = [b"body", &large];
        let recipients = [Recipient {
            id: "bob",
            key: bob.public_key(),
            reveal_bcc: false,
        }];
        let draft = draft_to_bob(&pieces, &recipients);
        let sender = Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: &alice,
        };

        let first = seal_message(&sender, &draft, &mut ChaCha20Rng::seed_from_u64(54)).unwrap();
        let second = seal_message(&sender, &draft, &mut ChaCha20Rng::seed_from_u64(54)).unwrap();
        assert_eq!(first.envelope.to_bytes(), second.envelope.to_bytes());
        assert_eq!(first.pieces, second.pieces);

        let opened = open_envelope(&first.envelope, "bob", &bob, &expected_alice(&alice)).unwrap();
        assert_eq!(opened.open_piece(0, &first.pieces[0]).unwrap(), b"body");
        assert_eq!(opened.open_piece(1, &first.pieces[1]).unwrap(), large);
    }

    #[test]
    fn large_message_rejects_low_order_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(55);
        let alice = DeviceKeys::generate(&mut rng);
        let zero_key = PukPublicKey::new(Generation::FIRST, [0u8; 32]);
        let large = vec![4u8; cake::PARALLEL_MIN_LEN];
        let pieces: [&[u8]; 1] = [&large];
        let recipients = [Recipient {
            id: "bob",
            key: &zero_key,
            reveal_bcc: false,
        }];
        let sender = Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: &alice,
        };
        assert_eq!(
            seal_message(&sender, &draft_to_bob(&pieces, &recipients), &mut rng).unwrap_err(),
            CryptoError::InvalidPublicKey {
                object: "recipient PUK mail key"
            }
        );
    }

    #[test]
    fn signature_by_other_device_is_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(51);
        let alice = DeviceKeys::generate(&mut rng);
        let mallory = DeviceKeys::generate(&mut rng);
        let bob = Puk::generate(Generation::FIRST, &mut rng);
        let mut sealed = seal_to_bob(&alice, &bob, &mut rng);
        forge_box(&mut sealed, &alice, &mallory, &bob, None, &mut rng);
        assert_eq!(
            open_envelope(&sealed.envelope, "bob", &bob, &expected_alice(&alice)).unwrap_err(),
            CryptoError::InvalidSignature {
                object: "recipient digest"
            }
        );
    }

    #[test]
    fn revealed_bcc_list_must_match_commitment() {
        let mut rng = ChaCha20Rng::seed_from_u64(52);
        let alice = DeviceKeys::generate(&mut rng);
        let bob = Puk::generate(Generation::FIRST, &mut rng);
        let mut sealed = seal_to_bob(&alice, &bob, &mut rng);
        let wrong = BccOpening::new(&["dave@mail.example".to_owned()], &mut rng).unwrap();
        forge_box(&mut sealed, &alice, &alice, &bob, Some(&wrong), &mut rng);
        assert_eq!(
            open_envelope(&sealed.envelope, "bob", &bob, &expected_alice(&alice)).unwrap_err(),
            CryptoError::BccCommitmentMismatch
        );
    }
}
