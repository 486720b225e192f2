//! Per-user signed device history ("sigchain"): every change to a user's key holders and
//! per-user key is one link, signed by the device that made it and chained by hash.
//!
//! The service stores the links and checks each one before appending it. Clients replay the
//! chain themselves ([`ChainView::apply`]) before they trust a device key or a per-user key
//! public key, so the service cannot add a per-user key generation or approve a device on its
//! own. The service may sign only revocations (from the website, by an admin, or of escrow
//! devices when escrow is disabled). A device announces itself with a self-signed link, which
//! is the known limitation that the threat model lists: whoever enrolls a device controls it.
//!
//! Link encoding (all integers big-endian):
//!
//! ```text
//! u8 version = 0x01 || u32 seq || prev_hash (32) || u8 kind || body
//! || u8 signer kind (0x01 key holder, 0x02 service) || lp(signer id), holder only
//! || Ed25519 signature (64) over "mailspec v1 sigchain link" || lp(user id) || every byte before it
//! ```
//!
//! `prev_hash` is SHA-256 of the previous encoded link, or 32 zero bytes for the first link.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::crypto::wire::{put_len_prefixed, put_u32, put_u8, Reader};
use crate::crypto::{CryptoError, DeviceKeys, DevicePublicKeys, PukPublicKey, SIGNATURE_LEN};

const LINK_VERSION: u8 = 1;
const SIGNATURE_LABEL: &[u8] = b"mailspec v1 sigchain link";
const SIGNER_HOLDER: u8 = 1;
const SIGNER_SERVICE: u8 = 2;

/// What a link records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkBody {
    /// A device joins, announcing its own public keys; the new device signs it.
    DeviceAdd { device: String, public: DevicePublicKeys },
    /// A new per-user key generation, signed by the live device that made it.
    PukRotate { public: PukPublicKey },
    /// A device is revoked, by a live device of the user or by the service.
    DeviceRevoke { device: String },
    /// A device is approved by an older device, the backup key or an escrow device.
    Approve { target: String },
    /// A backup key (a virtual device) is created by a live device.
    BackupAdd { holder: String, public: DevicePublicKeys },
    /// The live backup key is revoked by a live device.
    BackupRevoke { holder: String },
    /// An escrow device is added by a live device of the member that acknowledged escrow.
    EscrowAdd { holder: String, public: DevicePublicKeys },
    /// An escrow device is revoked by the service when escrow is disabled.
    EscrowRevoke { holder: String },
}

/// Who signed a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// A device, a backup key or an escrow device of the user, by holder id.
    Holder(String),
    Service,
}

/// One decoded link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLink {
    pub seq: u32,
    pub prev: [u8; 32],
    pub body: LinkBody,
    pub signer: Signer,
    pub signature: [u8; SIGNATURE_LEN],
}

/// Why a link does not extend a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("sigchain link does not decode: {0}")]
    Decode(#[from] CryptoError),
    #[error("sigchain link has sequence number {found}, expected {expected}")]
    Sequence { found: u32, expected: u32 },
    #[error("sigchain link {seq} does not name the hash of the previous link")]
    PreviousHash { seq: u32 },
    #[error("sigchain link {seq} is signed by {signer}, which is not a live key holder of the user")]
    UnknownSigner { seq: u32, signer: String },
    #[error("signature of sigchain link {seq} is invalid")]
    Signature { seq: u32 },
    #[error("sigchain link {seq} is not allowed: {reason}")]
    NotAllowed { seq: u32, reason: &'static str },
}

/// The kind of a key holder of one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderKind {
    Device,
    Backup,
    Escrow,
}

/// One key holder as the chain describes it. Revoked holders stay listed, so that a message
/// signed before a revocation still verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderView {
    pub kind: HolderKind,
    pub public: DevicePublicKeys,
    pub live: bool,
}

/// The state of one user's chain after replaying it: holders, key generations, head hash.
#[derive(Clone, Debug)]
pub struct ChainView {
    user: String,
    len: u32,
    head: [u8; 32],
    holders: BTreeMap<String, HolderView>,
    puks: Vec<PukPublicKey>,
}

impl ChainLink {
    /// Builds and signs a link with a holder's keys.
    pub fn sign(user: &str, seq: u32, prev: [u8; 32], body: LinkBody, signer_id: &str, keys: &DeviceKeys) -> Vec<u8> {
        let mut out = unsigned_bytes(seq, &prev, &body, &Signer::Holder(signer_id.to_owned()));
        let signature = keys.sign(&signature_input(user, &out));
        out.extend_from_slice(&signature);
        out
    }

    /// Builds a link signed by the service.
    pub fn sign_as_service(user: &str, seq: u32, prev: [u8; 32], body: LinkBody, service: &DeviceKeys) -> Vec<u8> {
        let mut out = unsigned_bytes(seq, &prev, &body, &Signer::Service);
        let signature = service.sign(&signature_input(user, &out));
        out.extend_from_slice(&signature);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<ChainLink, CryptoError> {
        let mut reader = Reader::new(bytes, "sigchain link");
        reader.version(LINK_VERSION)?;
        let seq = reader.u32()?;
        let prev = reader.array()?;
        let body = match reader.u8()? {
            1 => LinkBody::DeviceAdd { device: reader.id()?.to_owned(), public: public_keys(&mut reader)? },
            2 => LinkBody::PukRotate { public: PukPublicKey::from_bytes(reader.take(PukPublicKey::ENCODED_LEN)?)? },
            3 => LinkBody::DeviceRevoke { device: reader.id()?.to_owned() },
            4 => LinkBody::Approve { target: reader.id()?.to_owned() },
            5 => LinkBody::BackupAdd { holder: reader.id()?.to_owned(), public: public_keys(&mut reader)? },
            6 => LinkBody::BackupRevoke { holder: reader.id()?.to_owned() },
            7 => LinkBody::EscrowAdd { holder: reader.id()?.to_owned(), public: public_keys(&mut reader)? },
            8 => LinkBody::EscrowRevoke { holder: reader.id()?.to_owned() },
            _ => return Err(reader.malformed("unknown link kind")),
        };
        let signer = match reader.u8()? {
            SIGNER_HOLDER => Signer::Holder(reader.id()?.to_owned()),
            SIGNER_SERVICE => Signer::Service,
            _ => return Err(reader.malformed("unknown signer kind")),
        };
        let signature = reader.array()?;
        reader.finish()?;
        Ok(ChainLink { seq, prev, body, signer, signature })
    }
}

fn public_keys(reader: &mut Reader<'_>) -> Result<DevicePublicKeys, CryptoError> {
    DevicePublicKeys::from_bytes(reader.take(DevicePublicKeys::ENCODED_LEN)?)
}

fn unsigned_bytes(seq: u32, prev: &[u8; 32], body: &LinkBody, signer: &Signer) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_u8(&mut out, LINK_VERSION);
    put_u32(&mut out, seq);
    out.extend_from_slice(prev);
    match body {
        LinkBody::DeviceAdd { device, public } => {
            put_u8(&mut out, 1);
            put_len_prefixed(&mut out, device.as_bytes());
            out.extend_from_slice(&public.to_bytes());
        }
        LinkBody::PukRotate { public } => {
            put_u8(&mut out, 2);
            out.extend_from_slice(&public.to_bytes());
        }
        LinkBody::DeviceRevoke { device } => {
            put_u8(&mut out, 3);
            put_len_prefixed(&mut out, device.as_bytes());
        }
        LinkBody::Approve { target } => {
            put_u8(&mut out, 4);
            put_len_prefixed(&mut out, target.as_bytes());
        }
        LinkBody::BackupAdd { holder, public } => {
            put_u8(&mut out, 5);
            put_len_prefixed(&mut out, holder.as_bytes());
            out.extend_from_slice(&public.to_bytes());
        }
        LinkBody::BackupRevoke { holder } => {
            put_u8(&mut out, 6);
            put_len_prefixed(&mut out, holder.as_bytes());
        }
        LinkBody::EscrowAdd { holder, public } => {
            put_u8(&mut out, 7);
            put_len_prefixed(&mut out, holder.as_bytes());
            out.extend_from_slice(&public.to_bytes());
        }
        LinkBody::EscrowRevoke { holder } => {
            put_u8(&mut out, 8);
            put_len_prefixed(&mut out, holder.as_bytes());
        }
    }
    match signer {
        Signer::Holder(id) => {
            put_u8(&mut out, SIGNER_HOLDER);
            put_len_prefixed(&mut out, id.as_bytes());
        }
        Signer::Service => put_u8(&mut out, SIGNER_SERVICE),
    }
    out
}

fn signature_input(user: &str, unsigned: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(SIGNATURE_LABEL.len() + 4 + user.len() + unsigned.len());
    input.extend_from_slice(SIGNATURE_LABEL);
    put_len_prefixed(&mut input, user.as_bytes());
    input.extend_from_slice(unsigned);
    input
}

impl ChainView {
    pub fn new(user: &str) -> ChainView {
        ChainView { user: user.to_owned(), len: 0, head: [0u8; 32], holders: BTreeMap::new(), puks: Vec::new() }
    }

    /// Number of links replayed so far.
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the hash the next link must name as its predecessor.
    pub fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Returns the current per-user key generation, or 0 before the first.
    pub fn generation(&self) -> u32 {
        self.puks.len() as u32
    }

    /// Returns the public key of one generation.
    pub fn puk(&self, generation: u32) -> Option<&PukPublicKey> {
        let index = usize::try_from(generation).ok()?.checked_sub(1)?;
        self.puks.get(index)
    }

    pub fn current_puk(&self) -> Option<&PukPublicKey> {
        self.puks.last()
    }

    pub fn holder(&self, id: &str) -> Option<&HolderView> {
        self.holders.get(id)
    }

    /// Returns every live key holder: active devices, the live backup key, the live escrow device.
    pub fn live_holders(&self) -> impl Iterator<Item = (&String, &HolderView)> {
        self.holders.iter().filter(|(_, holder)| holder.live)
    }

    /// Checks one encoded link against the chain so far and, if it is valid, applies it.
    pub fn apply(&mut self, bytes: &[u8], service: &DevicePublicKeys) -> Result<(), ChainError> {
        let link = ChainLink::decode(bytes)?;
        let seq = link.seq;
        if seq != self.len {
            return Err(ChainError::Sequence { found: seq, expected: self.len });
        }
        if link.prev != self.head {
            return Err(ChainError::PreviousHash { seq });
        }
        self.verify_signature(&link, bytes, service)?;
        self.check_rules(&link)?;
        self.update(link);
        self.len += 1;
        self.head = Sha256::digest(bytes).into();
        Ok(())
    }

    fn verify_signature(&self, link: &ChainLink, bytes: &[u8], service: &DevicePublicKeys) -> Result<(), ChainError> {
        let seq = link.seq;
        let key = match (&link.signer, &link.body) {
            (Signer::Service, _) => *service,
            (Signer::Holder(id), LinkBody::DeviceAdd { device, public }) if id == device => *public,
            (Signer::Holder(id), _) => match self.holders.get(id) {
                Some(holder) if holder.live => holder.public,
                _ => return Err(ChainError::UnknownSigner { seq, signer: id.clone() }),
            },
        };
        // The decoder read the 64 signature bytes last, so the unsigned part is everything before them.
        let unsigned = &bytes[..bytes.len() - SIGNATURE_LEN];
        key.verify("sigchain link", &signature_input(&self.user, unsigned), &link.signature)
            .map_err(|_| ChainError::Signature { seq })
    }

    fn check_rules(&self, link: &ChainLink) -> Result<(), ChainError> {
        let seq = link.seq;
        let deny = |reason| Err(ChainError::NotAllowed { seq, reason });
        let signer_kind = match &link.signer {
            Signer::Holder(id) => self.holders.get(id).map(|holder| holder.kind),
            Signer::Service => None,
        };
        let by_device = signer_kind == Some(HolderKind::Device);
        let by_service = link.signer == Signer::Service;
        match &link.body {
            LinkBody::DeviceAdd { device, .. } => {
                if self.holders.contains_key(device) {
                    return deny("the device id is already in the chain");
                }
            }
            LinkBody::PukRotate { public } => {
                if !by_device {
                    return deny("only a live device may make a per-user key generation");
                }
                if public.generation().get() != self.generation() + 1 {
                    return deny("the generation is not the next one");
                }
            }
            LinkBody::DeviceRevoke { device } => {
                if !(by_device || by_service) || !self.is_live(device, HolderKind::Device) {
                    return deny("only a live device or the service may revoke a live device");
                }
            }
            LinkBody::Approve { target } => {
                if by_service || !self.is_live(target, HolderKind::Device) {
                    return deny("only a key holder may approve a live device");
                }
            }
            LinkBody::BackupAdd { holder, .. } | LinkBody::EscrowAdd { holder, .. } => {
                if !by_device || self.holders.contains_key(holder) {
                    return deny("only a live device may add a new virtual device");
                }
            }
            LinkBody::BackupRevoke { holder } => {
                if !by_device || !self.is_live(holder, HolderKind::Backup) {
                    return deny("only a live device may revoke the live backup key");
                }
            }
            LinkBody::EscrowRevoke { holder } => {
                if !by_service || !self.is_live(holder, HolderKind::Escrow) {
                    return deny("only the service may revoke a live escrow device");
                }
            }
        }
        Ok(())
    }

    fn is_live(&self, id: &str, kind: HolderKind) -> bool {
        self.holders.get(id).is_some_and(|holder| holder.live && holder.kind == kind)
    }

    fn update(&mut self, link: ChainLink) {
        let mut add = |id: String, kind, public| {
            self.holders.insert(id, HolderView { kind, public, live: true });
        };
        match link.body {
            LinkBody::DeviceAdd { device, public } => add(device, HolderKind::Device, public),
            LinkBody::BackupAdd { holder, public } => add(holder, HolderKind::Backup, public),
            LinkBody::EscrowAdd { holder, public } => {
                for (_, old) in self.holders.iter_mut().filter(|(_, h)| h.kind == HolderKind::Escrow) {
                    old.live = false;
                }
                self.holders.insert(holder, HolderView { kind: HolderKind::Escrow, public, live: true });
            }
            LinkBody::PukRotate { public } => self.puks.push(public),
            LinkBody::DeviceRevoke { device: id }
            | LinkBody::BackupRevoke { holder: id }
            | LinkBody::EscrowRevoke { holder: id } => {
                if let Some(holder) = self.holders.get_mut(&id) {
                    holder.live = false;
                }
            }
            LinkBody::Approve { .. } => {}
        }
    }
}
