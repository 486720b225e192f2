//! The message envelope: everything except the piece ciphertexts, with its byte encoding.
//!
//! Encoding, all integers big-endian, "lp" meaning a 4-byte length followed by the bytes:
//!
//! ```text
//! version 0x01
//! flags (1 byte): bit 0 = not end-to-end encrypted (a service box is present); other bits 0
//! sender: kind 0x01 (device) || lp(user id) || lp(device id) || Ed25519 public key (32)
//!      or kind 0x02 (service) || lp(service id)
//! ephemeral X25519 public key (32)
//! Bcc commitment (32)
//! lp(sealed manifest)
//! box count (4)
//! per box: role (1: 0x01 recipient, 0x02 service) || lp(recipient id) || generation (4) || lp(box ciphertext)
//! ```

use std::collections::HashSet;

use crate::crypto::bcc::{BccCommitment, MAX_BCC_ADDRESSES};
use crate::crypto::device::decode_verifying_key;
use crate::crypto::error::CryptoError;
use crate::crypto::manifest::MAX_SEALED_MANIFEST_LEN;
use crate::crypto::puk::Generation;
use crate::crypto::recipient_box::MAX_BOX_CIPHERTEXT_LEN;
use crate::crypto::wire::{put_len_prefixed, put_u32, put_u8, Reader};

const ENVELOPE_VERSION: u8 = 1;
pub(crate) const FLAG_NOT_E2EE: u8 = 0x01;
const SENDER_KIND_DEVICE: u8 = 1;
const SENDER_KIND_SERVICE: u8 = 2;

/// Maximum number of recipient boxes in one envelope, the service box included.
pub const MAX_BOXES: usize = MAX_BCC_ADDRESSES + 1;

/// Sender of a message, as recorded in the envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvelopeSender {
    /// A user's device, which signs every recipient digest with its Ed25519 key.
    Device {
        user_id: String,
        device_id: String,
        signing_key: [u8; 32],
    },
    /// The service itself, for mail it encrypts on a user's behalf; such boxes carry no signature.
    Service { service_id: String },
}

/// Whom a box is for: a mail recipient (the sender included) or the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoxRole {
    Recipient,
    Service,
}

/// One recipient's box: the shared key and the sender's signature, encrypted for one PUK generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientBox {
    pub role: BoxRole,
    /// User id of a recipient, or service id of the service.
    pub recipient_id: String,
    /// PUK generation whose mail key the box was sealed to.
    pub generation: Generation,
    pub ciphertext: Vec<u8>,
}

/// A sealed message without its pieces. The service stores and forwards it as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub sender: EnvelopeSender,
    pub ephemeral_public: [u8; 32],
    pub bcc_commitment: BccCommitment,
    pub sealed_manifest: Vec<u8>,
    pub boxes: Vec<RecipientBox>,
}

impl BoxRole {
    pub(crate) fn code(self) -> u8 {
        match self {
            BoxRole::Recipient => 1,
            BoxRole::Service => 2,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            BoxRole::Recipient => "recipient",
            BoxRole::Service => "service",
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(BoxRole::Recipient),
            2 => Some(BoxRole::Service),
            _ => None,
        }
    }
}

impl EnvelopeSender {
    /// Appends the sender block: kind, then its identifiers and key.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            EnvelopeSender::Device {
                user_id,
                device_id,
                signing_key,
            } => {
                put_u8(out, SENDER_KIND_DEVICE);
                put_len_prefixed(out, user_id.as_bytes());
                put_len_prefixed(out, device_id.as_bytes());
                out.extend_from_slice(signing_key);
            }
            EnvelopeSender::Service { service_id } => {
                put_u8(out, SENDER_KIND_SERVICE);
                put_len_prefixed(out, service_id.as_bytes());
            }
        }
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, CryptoError> {
        match reader.u8()? {
            SENDER_KIND_DEVICE => {
                let user_id = reader.id()?.to_owned();
                let device_id = reader.id()?.to_owned();
                let signing_key = reader.array()?;
                decode_verifying_key(&signing_key)?;
                Ok(EnvelopeSender::Device {
                    user_id,
                    device_id,
                    signing_key,
                })
            }
            SENDER_KIND_SERVICE => Ok(EnvelopeSender::Service {
                service_id: reader.id()?.to_owned(),
            }),
            _ => Err(reader.malformed("unknown sender kind")),
        }
    }
}

impl Envelope {
    /// Returns whether the sender gave the service a box, which lets the service read the message.
    pub fn not_e2ee(&self) -> bool {
        self.boxes.iter().any(|b| b.role == BoxRole::Service)
    }

    /// Returns the first box for `recipient_id` in `role`.
    pub fn find_box(&self, role: BoxRole, recipient_id: &str) -> Option<&RecipientBox> {
        self.boxes
            .iter()
            .find(|b| b.role == role && b.recipient_id == recipient_id)
    }

    /// Returns the PUK generation of the recipient box for `user_id`, so the reader can pick that key.
    pub fn box_generation(&self, user_id: &str) -> Option<Generation> {
        self.find_box(BoxRole::Recipient, user_id)
            .map(|b| b.generation)
    }

    pub(crate) fn flags(&self) -> u8 {
        if self.not_e2ee() {
            FLAG_NOT_E2EE
        } else {
            0
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let boxes_len: usize = self
            .boxes
            .iter()
            .map(|b| 13 + b.recipient_id.len() + b.ciphertext.len())
            .sum();
        let mut out = Vec::with_capacity(600 + self.sealed_manifest.len() + boxes_len);
        put_u8(&mut out, ENVELOPE_VERSION);
        put_u8(&mut out, self.flags());
        self.sender.encode(&mut out);
        out.extend_from_slice(&self.ephemeral_public);
        out.extend_from_slice(&self.bcc_commitment.0);
        put_len_prefixed(&mut out, &self.sealed_manifest);
        let count = u32::try_from(self.boxes.len()).expect("box count is at most MAX_BOXES");
        put_u32(&mut out, count);
        for recipient_box in &self.boxes {
            put_u8(&mut out, recipient_box.role.code());
            put_len_prefixed(&mut out, recipient_box.recipient_id.as_bytes());
            recipient_box.generation.encode(&mut out);
            put_len_prefixed(&mut out, &recipient_box.ciphertext);
        }
        out
    }

    /// Decodes an envelope and checks its structure; it authenticates nothing.
    ///
    /// Rejects unknown flags, a not-E2EE flag that disagrees with the boxes, zero boxes, more
    /// than one service box and two boxes for the same role and id.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "envelope");
        reader.version(ENVELOPE_VERSION)?;
        let flags = reader.u8()?;
        if flags & !FLAG_NOT_E2EE != 0 {
            return Err(reader.malformed("unknown flag bits are set"));
        }
        let sender = EnvelopeSender::decode(&mut reader)?;
        let ephemeral_public = reader.array()?;
        let bcc_commitment = BccCommitment(reader.array()?);
        let sealed_manifest = reader.len_prefixed(MAX_SEALED_MANIFEST_LEN)?.to_vec();
        let boxes = decode_boxes(&mut reader)?;
        reader.finish()?;

        let envelope = Self {
            sender,
            ephemeral_public,
            bcc_commitment,
            sealed_manifest,
            boxes,
        };
        if envelope.flags() != flags {
            return Err(CryptoError::Malformed {
                object: "envelope",
                reason: "the not-E2EE flag disagrees with the presence of a service box",
            });
        }
        Ok(envelope)
    }
}

fn decode_boxes(reader: &mut Reader<'_>) -> Result<Vec<RecipientBox>, CryptoError> {
    let count = usize::try_from(reader.u32()?).unwrap_or(usize::MAX);
    if count == 0 {
        return Err(reader.malformed("the envelope has no boxes"));
    }
    if count > MAX_BOXES {
        return Err(CryptoError::Oversized {
            object: "envelope box count",
            len: count,
            max: MAX_BOXES,
        });
    }
    let mut boxes = Vec::with_capacity(count);
    let mut seen: HashSet<(BoxRole, &str)> = HashSet::with_capacity(count);
    let mut service_boxes = 0;
    for _ in 0..count {
        let role =
            BoxRole::from_code(reader.u8()?).ok_or_else(|| reader.malformed("unknown box role"))?;
        let recipient_id = reader.id()?;
        let generation = Generation::decode(reader)?;
        let ciphertext = reader.len_prefixed(MAX_BOX_CIPHERTEXT_LEN)?.to_vec();
        if !seen.insert((role, recipient_id)) {
            return Err(reader.malformed("two boxes have the same role and recipient id"));
        }
        if role == BoxRole::Service {
            service_boxes += 1;
        }
        boxes.push(RecipientBox {
            role,
            recipient_id: recipient_id.to_owned(),
            generation,
            ciphertext,
        });
    }
    if service_boxes > 1 {
        return Err(reader.malformed("the envelope has more than one service box"));
    }
    Ok(boxes)
}
