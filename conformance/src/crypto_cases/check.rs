//! The reference implementation's verdict on one case, computed with `mailspec_sim::crypto`.

use super::fields::{is_text_name, Fields};
use mailspec_sim::crypto::backup::device_keys_from_seed;
use mailspec_sim::crypto::link::LinkRecord;
use mailspec_sim::crypto::{
    cake, open_envelope, open_puk_seed, open_service_box, AccountDataKey, BackupKey, BackupKeyError, CryptoError,
    DeviceKeys, DevicePublicKeys, Envelope, ExpectedSender, Generation, LinkSecret, LinkUrlError, Puk, PukPublicKey,
    Region, RegionRootKey, SealedPukSeed, Secret32, WrappedDataKey,
};
use std::collections::BTreeMap;

/// Reason a case was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// No construction of this name is implemented.
    #[error("construction {construction:?} is not supported")]
    Unsupported { construction: String },
    /// An input is missing, is not lowercase hex, or has the wrong size for a key.
    #[error("input {name} is invalid: {problem}")]
    BadInput { name: String, problem: String },
    /// The construction rejected the inputs, and `error` is the error name of `docs/crypto.md`.
    #[error("rejected with {error}: {message}")]
    Rejected { error: &'static str, message: String },
}

impl From<CryptoError> for CaseError {
    fn from(error: CryptoError) -> CaseError {
        CaseError::Rejected { error: error_name(&error), message: error.to_string() }
    }
}

type Outputs = Result<BTreeMap<String, String>, CaseError>;

pub(super) fn evaluate(construction: &str, case: &serde_json::Value) -> Outputs {
    let inputs = Inputs::of(case)?;
    match construction {
        "puk_derivation" => puk_derivation(&inputs),
        "puk_seed_seal" => puk_seed_seal(&inputs),
        "backup_key" => backup_key(&inputs),
        "cake_aead" => cake_aead(&inputs),
        "message_open" => message_open(&inputs),
        "link" => link(&inputs),
        "at_rest" => at_rest(&inputs),
        _ => Err(CaseError::Unsupported { construction: construction.to_string() }),
    }
}

/// Returns the name `docs/crypto.md` gives an error: the variant of `CryptoError`, or of the
/// backup key or link URL error inside it.
pub(super) fn error_name(error: &CryptoError) -> &'static str {
    match error {
        CryptoError::Truncated { .. } => "Truncated",
        CryptoError::Oversized { .. } => "Oversized",
        CryptoError::TrailingBytes { .. } => "TrailingBytes",
        CryptoError::UnsupportedVersion { .. } => "UnsupportedVersion",
        CryptoError::Malformed { .. } => "Malformed",
        CryptoError::InvalidId { .. } => "InvalidId",
        CryptoError::InvalidPublicKey { .. } => "InvalidPublicKey",
        CryptoError::KeyCommitmentMismatch { .. } => "KeyCommitmentMismatch",
        CryptoError::DecryptionFailed { .. } => "DecryptionFailed",
        CryptoError::PieceHashMismatch { .. } => "PieceHashMismatch",
        CryptoError::PieceIndexOutOfRange { .. } => "PieceIndexOutOfRange",
        CryptoError::InvalidSignature { .. } => "InvalidSignature",
        CryptoError::StaleGeneration { .. } => "StaleGeneration",
        CryptoError::PukMismatch { .. } => "PukMismatch",
        CryptoError::GenerationOverflow { .. } => "GenerationOverflow",
        CryptoError::NoBoxForRecipient { .. } => "NoBoxForRecipient",
        CryptoError::DuplicateRecipient { .. } => "DuplicateRecipient",
        CryptoError::SenderMismatch => "SenderMismatch",
        CryptoError::BccCommitmentMismatch => "BccCommitmentMismatch",
        CryptoError::BackupKey(BackupKeyError::BadLength { .. }) => "BadLength",
        CryptoError::BackupKey(BackupKeyError::BadCharacter { .. }) => "BadCharacter",
        CryptoError::BackupKey(BackupKeyError::ChecksumMismatch) => "ChecksumMismatch",
        CryptoError::PasswordHash(_) => "PasswordHash",
        CryptoError::LinkUrl(LinkUrlError::WrongPrefix) => "WrongPrefix",
        CryptoError::LinkUrl(LinkUrlError::BadLinkId) => "BadLinkId",
        CryptoError::LinkUrl(LinkUrlError::MissingSecret) => "MissingSecret",
        CryptoError::LinkUrl(LinkUrlError::BadSecretLength { .. }) => "BadSecretLength",
        CryptoError::LinkUrl(LinkUrlError::BadSecretEncoding) => "BadSecretEncoding",
        CryptoError::LinkExpired { .. } => "LinkExpired",
        CryptoError::RegionMismatch { .. } => "RegionMismatch",
    }
}

/// The `inputs` object of a case, with typed accessors that name the field on failure.
struct Inputs<'a> {
    map: &'a serde_json::Map<String, serde_json::Value>,
}

impl<'a> Inputs<'a> {
    fn of(case: &'a serde_json::Value) -> Result<Inputs<'a>, CaseError> {
        let map = case
            .get("inputs")
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| bad_input("inputs", "missing, expected an object of named strings"))?;
        Ok(Inputs { map })
    }

    fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    fn string(&self, name: &str) -> Result<&'a str, CaseError> {
        let value = self.map.get(name).ok_or_else(|| bad_input(name, "missing"))?;
        value.as_str().ok_or_else(|| bad_input(name, "expected a string"))
    }

    fn text(&self, name: &str) -> Result<&'a str, CaseError> {
        debug_assert!(is_text_name(name));
        self.string(name)
    }

    fn bytes(&self, name: &str) -> Result<Vec<u8>, CaseError> {
        debug_assert!(!is_text_name(name));
        let text = self.string(name)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad_input(name, "expected lowercase hex"));
        }
        hex::decode(text).map_err(|e| bad_input(name, &format!("expected lowercase hex: {e}")))
    }

    fn array<const N: usize>(&self, name: &str) -> Result<[u8; N], CaseError> {
        let bytes = self.bytes(name)?;
        <[u8; N]>::try_from(bytes.as_slice())
            .map_err(|_| bad_input(name, &format!("expected {N} bytes, got {}", bytes.len())))
    }

    fn secret(&self, name: &str) -> Result<Secret32, CaseError> {
        self.array::<32>(name).map(Secret32::from_bytes)
    }

    /// Reads a 4-byte big-endian generation. Generation 0 is `Malformed`, as decoders report it.
    fn generation(&self, name: &str) -> Result<Generation, CaseError> {
        let value = u32::from_be_bytes(self.array(name)?);
        Generation::new(value).ok_or(CaseError::Rejected {
            error: "Malformed",
            message: format!("input {name}: generation 0 is not a PUK generation"),
        })
    }

    fn u64(&self, name: &str) -> Result<u64, CaseError> {
        self.array(name).map(u64::from_be_bytes)
    }
}

fn bad_input(name: &str, problem: &str) -> CaseError {
    CaseError::BadInput { name: name.to_string(), problem: problem.to_string() }
}

fn puk_derivation(inputs: &Inputs) -> Outputs {
    let puk = Puk::from_seed(inputs.generation("generation")?, inputs.secret("seed")?);
    let outputs = Fields::new()
        .hex("mail_public_key", puk.public_key().mail_key_bytes())
        .hex("symmetric_key", puk.symmetric_key().expose_secret())
        .hex("public_key", puk.public_key().to_bytes());
    Ok(outputs.into_map())
}

fn device_keys(inputs: &Inputs, prefix: &str) -> Result<DeviceKeys, CaseError> {
    let signing_seed = inputs.secret(&format!("{prefix}ed25519_seed"))?;
    let encryption_secret = inputs.secret(&format!("{prefix}x25519_private"))?;
    Ok(DeviceKeys::from_secrets(&signing_seed, &encryption_secret))
}

fn puk_seed_seal(inputs: &Inputs) -> Outputs {
    let device = device_keys(inputs, "device_")?;
    let expected = PukPublicKey::from_bytes(&inputs.bytes("expected_public_key")?)?;
    let sealed = SealedPukSeed::from_bytes(&inputs.bytes("sealed_seed")?)?;
    let user_id = inputs.text("user_id_text")?;
    let device_id = inputs.text("device_id_text")?;
    let puk = open_puk_seed(&sealed, user_id, device_id, &device, &expected)?;
    Ok(Fields::new().hex("seed", puk.seed().expose_secret()).into_map())
}

fn backup_key(inputs: &Inputs) -> Outputs {
    let key = BackupKey::parse(inputs.text("key_text")?).map_err(CryptoError::from)?;
    let seed = key.derive_seed(inputs.text("user_id_text")?)?;
    let device = device_keys_from_seed(&seed);
    let outputs = Fields::new()
        .text("canonical_text", &key.to_text())
        .hex("seed", seed.expose_secret())
        .hex("device_public_keys", device.public_keys().to_bytes());
    Ok(outputs.into_map())
}

fn cake_aead(inputs: &Inputs) -> Outputs {
    let plaintext = cake::open(&inputs.secret("key")?, &inputs.bytes("ciphertext")?, "ciphertext")?;
    Ok(Fields::new().hex("plaintext", plaintext).into_map())
}

fn message_open(inputs: &Inputs) -> Outputs {
    let envelope = Envelope::from_bytes(&inputs.bytes("envelope")?)?;
    let reader_key = Puk::from_seed(inputs.generation("reader_generation")?, inputs.secret("reader_puk_seed")?);
    let reader_id = inputs.text("reader_id_text")?;

    let sender_keys;
    let expected = if inputs.has("sender_service_id_text") {
        ExpectedSender::Service { service_id: inputs.text("sender_service_id_text")? }
    } else {
        sender_keys = DevicePublicKeys::from_bytes(&inputs.bytes("sender_device_public_keys")?)?;
        ExpectedSender::Device {
            user_id: inputs.text("sender_user_id_text")?,
            device_id: inputs.text("sender_device_id_text")?,
            keys: &sender_keys,
        }
    };
    let opened = match inputs.array::<1>("role")? {
        [1] => open_envelope(&envelope, reader_id, &reader_key, &expected)?,
        [2] => open_service_box(&envelope, reader_id, &reader_key, &expected)?,
        [other] => return Err(bad_input("role", &format!("expected 01 or 02, got {other:02x}"))),
    };

    let mut outputs = Fields::new()
        .hex("shared_key", opened.shared_key().expose_secret())
        .hex("digest", opened.digest())
        .hex("not_e2ee", [u8::from(opened.not_e2ee())]);
    if let Some(opening) = opened.bcc_opening() {
        outputs = outputs
            .hex("bcc_key", opening.key().expose_secret())
            .hex("bcc_list", bcc_list_encoding(opening.addresses()));
    }
    for index in 0..opened.piece_count() {
        let piece = inputs.bytes(&format!("piece_{index}"))?;
        outputs = outputs.hex(&format!("plaintext_{index}"), opened.open_piece(index, &piece)?);
    }
    Ok(outputs.into_map())
}

/// Encodes a Bcc list as section 8.2 does: `u32(count) || lp(address)...`.
fn bcc_list_encoding(addresses: &[String]) -> Vec<u8> {
    let mut out = (addresses.len() as u32).to_be_bytes().to_vec();
    for address in addresses {
        out.extend_from_slice(&(address.len() as u32).to_be_bytes());
        out.extend_from_slice(address.as_bytes());
    }
    out
}

fn link(inputs: &Inputs) -> Outputs {
    let record = LinkRecord::from_bytes(&inputs.bytes("record")?)?;
    let (_, secret) = LinkSecret::parse_url(inputs.text("url_text")?).map_err(CryptoError::from)?;
    let payload = record.open(&secret, inputs.u64("now")?)?;
    let outputs =
        Fields::new().hex("content_key", secret.content_key(&record.link_id).expose_secret()).hex("payload", payload);
    Ok(outputs.into_map())
}

fn at_rest(inputs: &Inputs) -> Outputs {
    let [code] = inputs.array::<1>("root_region")?;
    let region = Region::from_code(code)
        .ok_or_else(|| bad_input("root_region", &format!("expected 01 or 02, got {code:02x}")))?;
    let root = RegionRootKey::from_secret(region, inputs.secret("root_key")?);
    let wrapped = WrappedDataKey::from_bytes(&inputs.bytes("wrapped_data_key")?)?;
    let account_id = inputs.text("account_id_text")?;
    let data_key: AccountDataKey = root.unwrap(account_id, &wrapped)?;
    let plaintext = data_key.decrypt(account_id, inputs.text("object_id_text")?, &inputs.bytes("stored_object")?)?;
    Ok(Fields::new().hex("plaintext", plaintext).into_map())
}
