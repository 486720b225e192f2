//! The service's object store and the byte layouts of what it stores.
//!
//! Every byte the service keeps outside its key service is an object here, except the
//! metadata tables, which `MailService::stored_objects` serializes as one more object. Each
//! write gets a new version number, so a scanner can skip objects it already scanned.

use std::collections::BTreeMap;

use crate::crypto::cake;
use crate::crypto::manifest::MAX_PIECES;
use crate::crypto::wire::{put_len_prefixed, put_u32, put_u8, Reader};
use crate::crypto::CryptoError;

const SEALED_COPY_VERSION: u8 = 1;
/// Largest piece ciphertext a decoder accepts: a sealed 64 MiB plaintext.
const MAX_PIECE_LEN: usize = cake::sealed_len(cake::MAX_PLAINTEXT_LEN);
/// Largest encoded envelope a decoder accepts.
const MAX_ENVELOPE_LEN: usize = 300 * 1024 * 1024;

/// One stored object, as the probes report it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredObject {
    /// The object id. Its first path segment is the region that stores it (`us`, `eu`,
    /// `other`), or `global` for the service's metadata tables.
    pub id: String,
    /// The object's kind: `message_envelope`, `message_at_rest`, `link_record`, `key_box`, ...
    pub kind: String,
    pub bytes: Vec<u8>,
}

struct Entry {
    kind: &'static str,
    bytes: Vec<u8>,
    version: u64,
}

/// Objects by id.
#[derive(Default)]
pub struct ObjectStore {
    objects: BTreeMap<String, Entry>,
    next_version: u64,
}

impl ObjectStore {
    pub fn put(&mut self, id: String, kind: &'static str, bytes: Vec<u8>) {
        self.next_version += 1;
        self.objects.insert(id, Entry { kind, bytes, version: self.next_version });
    }

    pub fn get(&self, id: &str) -> Option<&[u8]> {
        self.objects.get(id).map(|entry| entry.bytes.as_slice())
    }

    pub fn remove(&mut self, id: &str) -> bool {
        self.objects.remove(id).is_some()
    }

    /// Calls `visit` with id, kind, version and bytes of every object, in id order.
    pub fn visit(&self, mut visit: impl FnMut(&str, &str, u64, &[u8])) {
        for (id, entry) in &self.objects {
            visit(id, entry.kind, entry.version, &entry.bytes);
        }
    }

    /// Flips the lowest bit of byte `offset` (modulo the length) of an object, or cuts the
    /// object to `offset` bytes when `truncate`. Returns false for an unknown or empty object.
    pub fn corrupt(&mut self, id: &str, offset: usize, truncate: bool) -> bool {
        self.next_version += 1;
        let version = self.next_version;
        let Some(entry) = self.objects.get_mut(id).filter(|entry| !entry.bytes.is_empty()) else { return false };
        if truncate {
            entry.bytes.truncate(offset.min(entry.bytes.len()));
        } else {
            let index = offset % entry.bytes.len();
            entry.bytes[index] ^= 1;
        }
        entry.version = version;
        true
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.objects.values().map(|entry| entry.bytes.len()).sum()
    }
}

/// Encodes a list of pieces: u32 count || lp(piece) for each.
pub fn encode_pieces(pieces: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = pieces.iter().map(|piece| piece.len() + 4).sum();
    let mut out = Vec::with_capacity(4 + total);
    put_u32(&mut out, pieces.len() as u32);
    for piece in pieces {
        put_len_prefixed(&mut out, piece);
    }
    out
}

pub fn decode_pieces(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
    let mut reader = Reader::new(bytes, "stored pieces");
    let pieces = read_pieces(&mut reader)?;
    reader.finish()?;
    Ok(pieces)
}

fn read_pieces(reader: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, CryptoError> {
    let count = reader.u32()? as usize;
    if count > MAX_PIECES {
        return Err(CryptoError::Oversized { object: "stored pieces", len: count, max: MAX_PIECES });
    }
    let mut pieces = Vec::with_capacity(count);
    for _ in 0..count {
        pieces.push(reader.len_prefixed(MAX_PIECE_LEN)?.to_vec());
    }
    Ok(pieces)
}

/// Encodes a sealed copy of a message: u8 version || lp(envelope) || pieces.
pub fn encode_sealed_copy(envelope: &[u8], pieces: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + envelope.len() + 4);
    put_u8(&mut out, SEALED_COPY_VERSION);
    put_len_prefixed(&mut out, envelope);
    out.extend_from_slice(&encode_pieces(pieces));
    out
}

/// Decodes a sealed copy into the encoded envelope and the piece ciphertexts.
pub fn decode_sealed_copy(bytes: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>), CryptoError> {
    let mut reader = Reader::new(bytes, "stored sealed copy");
    reader.version(SEALED_COPY_VERSION)?;
    let envelope = reader.len_prefixed(MAX_ENVELOPE_LEN)?.to_vec();
    let pieces = read_pieces(&mut reader)?;
    reader.finish()?;
    Ok((envelope, pieces))
}

/// Returns the plaintext length of a Cake ciphertext of `len` bytes, or `None` if no
/// plaintext seals to that length.
pub fn cake_plaintext_len(len: usize) -> Option<usize> {
    let body = len.checked_sub(cake::HEADER_LEN)?;
    let full_chunks = body.checked_sub(cake::TAG_LEN)? / (cake::CHUNK_LEN + cake::TAG_LEN);
    let plaintext = body.checked_sub((full_chunks + 1) * cake::TAG_LEN)?;
    (cake::sealed_len(plaintext) == len).then_some(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_copy_round_trip() {
        let pieces = vec![b"one".to_vec(), vec![7u8; 1000]];
        let bytes = encode_sealed_copy(b"envelope", &pieces);
        let (envelope, decoded) = decode_sealed_copy(&bytes).unwrap();
        assert_eq!(envelope, b"envelope");
        assert_eq!(decoded, pieces);
        assert!(decode_sealed_copy(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn plaintext_len_inverts_sealed_len() {
        for len in [0usize, 1, 16_383, 16_384, 16_385, 1 << 20, 25 * 1024 * 1024, 25 * 1024 * 1024 + 1] {
            assert_eq!(cake_plaintext_len(cake::sealed_len(len)), Some(len), "plaintext length {len}");
        }
        assert_eq!(cake_plaintext_len(10), None);
    }

    #[test]
    fn versions_increase_on_every_write() {
        let mut store = ObjectStore::default();
        store.put("a".into(), "test", vec![1]);
        store.put("a".into(), "test", vec![2]);
        let mut seen = Vec::new();
        store.visit(|id, _, version, bytes| seen.push((id.to_owned(), version, bytes.to_vec())));
        assert_eq!(seen, vec![("a".to_owned(), 2, vec![2])]);
    }
}
