//! Requests and responses of the service API: plain types that clients build and read.
//!
//! The API itself is the set of public methods of [`super::MailService`]. Every method
//! returns `Result<_, ApiError>`. A rejection with a specification reason is
//! `ApiError::Rejected`, and the reference implementation reports it as the observation.
//! The other variants are protocol or cryptographic failures that a correct client never
//! causes, and the reference implementation records them as internal errors.

use mailspec_model::ids::{DeviceId, MessageId, UserId};
use mailspec_model::op::{Approver, Client, Expiry, Mode, ModeRequest, Recipient, Revoker};
use mailspec_model::Reason;
use zeroize::Zeroizing;

use crate::crypto::CryptoError;

/// The error of a failed API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The specification rejects the request with this reason.
    #[error("rejected: {}", .0.code())]
    Rejected(Reason),
    /// The request breaks the protocol: a client bug, never a specification outcome.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A cryptographic check failed on the service.
    #[error("cryptographic failure: {0}")]
    Crypto(#[from] CryptoError),
}

impl From<Reason> for ApiError {
    fn from(reason: Reason) -> Self {
        ApiError::Rejected(reason)
    }
}

/// One item in a device's delivery queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueItem {
    /// A new per-user key seed, sealed to this device (85-byte `SealedPukSeed`).
    KeyBox { generation: u32, sealed: Vec<u8> },
    /// Earlier seeds shared by an approver, each sealed to this device.
    History { sealed: Vec<Vec<u8>> },
    /// A message this device's user may read.
    NewMessage { message: MessageId },
}

/// The items a device receives when it syncs.
#[derive(Clone, Debug, Default)]
pub struct SyncBatch {
    /// Queue items with their sequence numbers, oldest first. A device acknowledges them by
    /// number once it has stored what they carry; unacknowledged items are delivered again.
    pub items: Vec<(u64, QueueItem)>,
    /// A revocation is waiting for a device of this user to make the next generation.
    pub rotation_pending: bool,
}

/// A new generation published by the device that made it.
#[derive(Clone, Debug)]
pub struct RotationRequest {
    pub device: DeviceId,
    /// The signed `PukRotate` sigchain link.
    pub link: Vec<u8>,
    /// The new seed sealed to each live key holder other than `device`, by holder id.
    pub boxes: Vec<(String, Vec<u8>)>,
    /// The rotation is the enrollment rotation of `device`.
    pub enrollment: bool,
}

/// An enrollment request of a new device.
#[derive(Clone, Debug)]
pub struct EnrollRequest {
    pub device: DeviceId,
    /// The self-signed `DeviceAdd` sigchain link.
    pub link: Vec<u8>,
}

/// A revocation request. A device revoker signs the `DeviceRevoke` link; the website and
/// admins send none, and the service signs for them.
#[derive(Clone, Debug)]
pub struct RevokeRequest {
    pub device: DeviceId,
    pub by: Revoker,
    pub link: Option<Vec<u8>>,
}

/// The service's reply to a revocation, which tells the revoker whether to rotate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// The revoker is another live device of the user and must publish the next generation now.
    RotateNow,
    /// No device took part, so the rotation waits for a device to come online.
    Pending,
    /// The revocation took effect and no rotation follows.
    NoRotation,
}

/// The key material an approver may use, returned once the service accepted the approval.
#[derive(Clone, Debug)]
pub enum ApprovalGrant {
    /// The approving device shares the seeds it holds.
    Device,
    /// The seeds sealed to the live backup key; the holder of its text can open them.
    BackupKey { holder: String, boxes: Vec<Vec<u8>> },
    /// The seeds sealed to the member's live escrow device, for the escrow admins' keys.
    EscrowDevice { holder: String, boxes: Vec<Vec<u8>> },
}

/// The second half of an approval: the signed `Approve` link and the seeds sealed to the target.
#[derive(Clone, Debug)]
pub struct ApprovalRequest {
    pub device: DeviceId,
    pub by: Approver,
    pub link: Vec<u8>,
    pub boxes: Vec<Vec<u8>>,
}

/// A new backup key, from the device that created it.
#[derive(Clone, Debug)]
pub struct BackupRequest {
    pub device: DeviceId,
    pub holder: String,
    /// The signed `BackupAdd` link.
    pub link: Vec<u8>,
    /// Every seed the creating device holds, sealed to the backup key's device keys.
    pub boxes: Vec<(u32, Vec<u8>)>,
}

/// A member's acknowledgement of escrow, adding the escrow device the escrow admins hold.
#[derive(Clone, Debug)]
pub struct EscrowAckRequest {
    pub device: DeviceId,
    pub holder: String,
    /// The signed `EscrowAdd` link.
    pub link: Vec<u8>,
    /// Seeds sealed to the escrow device now. Correct clients send none: the rotation that
    /// follows the acknowledgement is the escrow device's first seed.
    pub boxes: Vec<(u32, Vec<u8>)>,
}

/// The result of legal discovery: the sealed copies and the member escrow devices' seeds.
#[derive(Clone, Debug, Default)]
pub struct DiscoveryBundle {
    pub copies: Vec<SealedCopy>,
    /// (member, generation, seed sealed to the member's escrow device).
    pub escrow_boxes: Vec<(UserId, String, u32, Vec<u8>)>,
}

/// A sealed copy as served: the envelope, the body piece, and who sealed it.
#[derive(Clone, Debug)]
pub struct SealedCopy {
    pub envelope: Vec<u8>,
    /// Piece ciphertexts; discovery and background indexing receive the body piece only.
    pub pieces: Vec<Vec<u8>>,
    pub sender: SenderRef,
}

/// The sealer of a stored envelope, so that the reader can look up its signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenderRef {
    Device(DeviceId),
    Service,
}

/// A send as the client requests it, before anything is sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRequest {
    pub from: Client,
    pub to: Recipient,
    pub mode: ModeRequest,
    pub attachment: u32,
    pub expiry: Option<Expiry>,
}

/// How one copy of a message must be protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannedCopy {
    /// Sealed by the client to the current generation of this user's per-user key.
    SealTo(UserId),
    /// Sealed by the client with a box for the service only (mail waiting for keys).
    ServiceBox,
    /// Sent in the clear over TLS and encrypted at rest by the service.
    AtRest,
    /// Sealed by the client to the sender's key, with the shared key under a link secret.
    Link,
}

/// The service's answer to a send request: the id and mode the message gets, and how the
/// client must protect each copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendPlan {
    pub message: MessageId,
    pub mode: Mode,
    pub sender: UserId,
    pub recipient_copy: PlannedCopy,
    pub sent_copy: PlannedCopy,
    /// Expiry instant of the link, in Unix seconds, for password-expiring delivery.
    pub link_expires_at: Option<u64>,
}

/// One copy as uploaded.
#[derive(Clone, Debug)]
pub enum CopyUpload {
    Sealed { envelope: Vec<u8>, pieces: Vec<Vec<u8>> },
    Plain { pieces: Vec<Vec<u8>> },
    /// The same bytes as the recipient copy.
    SameAsRecipient,
}

/// The link part of a password-expiring upload. The URL is there only so that the service
/// can send the notification; the service must not keep it.
pub struct LinkUpload {
    pub record: Vec<u8>,
    pub url: Zeroizing<String>,
}

impl std::fmt::Debug for LinkUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkUpload").field("record_len", &self.record.len()).field("url", &"***").finish()
    }
}

/// A message upload.
#[derive(Debug)]
pub struct Upload {
    pub request: SendRequest,
    pub plan: SendPlan,
    pub recipient_copy: CopyUpload,
    pub sent_copy: CopyUpload,
    pub link: Option<LinkUpload>,
}

/// Something the service sends out through the mail transport: nothing it stores.
pub enum Outbound {
    /// The notification of a password-expiring message, with the link URL.
    LinkNotice { message: MessageId, to: Recipient, url: Zeroizing<String> },
    /// A calendar invitation to an address outside the service.
    Invitation { event: mailspec_model::ids::EventId, to: Recipient },
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outbound::LinkNotice { message, to, .. } => {
                f.debug_struct("LinkNotice").field("message", message).field("to", to).field("url", &"***").finish()
            }
            Outbound::Invitation { event, to } => f.debug_struct("Invitation").field("event", event).field("to", to).finish(),
        }
    }
}

/// The result of an accepted upload.
#[derive(Debug)]
pub struct Delivered {
    pub message: MessageId,
    pub mode: Mode,
    pub outbound: Vec<Outbound>,
}

/// What a device gets when it opens a message.
#[derive(Clone, Debug)]
pub enum DeviceCopy {
    /// The service could read the copy and served its pieces over TLS.
    Served { pieces: Vec<Vec<u8>> },
    /// The copy is sealed; the device must open it.
    Sealed(SealedCopy),
    /// The copy is password-expiring content, which opens only through its link.
    LinkOnly,
}

/// What a browser gets for a link id while the link is valid.
#[derive(Clone, Debug)]
pub struct LinkContent {
    pub record: Vec<u8>,
    pub sealed_manifest: Vec<u8>,
    pub pieces: Vec<Vec<u8>>,
}

/// A calendar event request.
#[derive(Clone, Copy, Debug)]
pub struct EventRequest {
    pub organizer: UserId,
    pub owner: UserId,
    pub attendee: Recipient,
    pub e2ee: bool,
}
