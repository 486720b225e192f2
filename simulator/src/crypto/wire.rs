//! Byte encoding shared by every wire format here: big-endian integers and length-prefixed fields.
//!
//! A length-prefixed field is a 4-byte big-endian length followed by that many bytes. Every
//! decoder bounds each length before it reads, so a hostile length cannot cause a large allocation.

use crate::crypto::error::CryptoError;

/// Maximum length in bytes of an identifier (user, device, service, account, object) or an email address.
pub const MAX_ID_LEN: usize = 255;

pub(crate) fn put_u8(out: &mut Vec<u8>, value: u8) {
    out.push(value);
}

pub(crate) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub(crate) fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Appends the 4-byte big-endian length of `bytes`, then `bytes`.
pub(crate) fn put_len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len())
        .expect("every field is checked against a limit far below 4 GiB before it is encoded");
    put_u32(out, len);
    out.extend_from_slice(bytes);
}

/// Rejects an identifier that is empty or longer than `MAX_ID_LEN` bytes.
pub(crate) fn check_id(object: &'static str, id: &str) -> Result<(), CryptoError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(CryptoError::InvalidId {
            object,
            len: id.len(),
        });
    }
    Ok(())
}

/// Cursor over an encoded value.
///
/// Every read checks the remaining length first, so a short input gives `Truncated` instead of a panic.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    object: &'static str,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`; `object` names the format in error messages.
    pub(crate) fn new(bytes: &'a [u8], object: &'static str) -> Self {
        Self {
            rest: bytes,
            object,
        }
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], CryptoError> {
        if self.rest.len() < len {
            return Err(CryptoError::Truncated {
                object: self.object,
                needed: len,
                available: self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], CryptoError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CryptoError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, CryptoError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, CryptoError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads the version byte and rejects any value other than `expected`.
    pub(crate) fn version(&mut self, expected: u8) -> Result<(), CryptoError> {
        let found = self.u8()?;
        if found != expected {
            return Err(CryptoError::UnsupportedVersion {
                object: self.object,
                found,
                expected,
            });
        }
        Ok(())
    }

    /// Reads a length-prefixed field of at most `max` bytes.
    pub(crate) fn len_prefixed(&mut self, max: usize) -> Result<&'a [u8], CryptoError> {
        let len = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        if len > max {
            return Err(CryptoError::Oversized {
                object: self.object,
                len,
                max,
            });
        }
        self.take(len)
    }

    /// Reads a length-prefixed identifier: 1 to `MAX_ID_LEN` bytes of UTF-8.
    pub(crate) fn id(&mut self) -> Result<&'a str, CryptoError> {
        let bytes = self.len_prefixed(MAX_ID_LEN)?;
        if bytes.is_empty() {
            return Err(self.malformed("an identifier is empty"));
        }
        core::str::from_utf8(bytes).map_err(|_| self.malformed("an identifier is not valid UTF-8"))
    }

    pub(crate) fn malformed(&self, reason: &'static str) -> CryptoError {
        CryptoError::Malformed {
            object: self.object,
            reason,
        }
    }

    /// Rejects bytes left after the last field.
    pub(crate) fn finish(self) -> Result<(), CryptoError> {
        if !self.rest.is_empty() {
            return Err(CryptoError::TrailingBytes {
                object: self.object,
                extra: self.rest.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        let mut out = Vec::new();
        put_u32(&mut out, 0x0102_0304);
        put_u64(&mut out, 5);
        assert_eq!(out, [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5]);
    }

    #[test]
    fn len_prefixed_round_trip() {
        let mut out = Vec::new();
        put_len_prefixed(&mut out, b"abc");
        assert_eq!(out, [0, 0, 0, 3, b'a', b'b', b'c']);
        let mut reader = Reader::new(&out, "test");
        assert_eq!(reader.len_prefixed(3).unwrap(), b"abc");
        reader.finish().unwrap();
    }

    #[test]
    fn len_prefixed_rejects_oversized_length() {
        let bytes = [0xFF, 0xFF, 0xFF, 0xFF];
        let error = Reader::new(&bytes, "test").len_prefixed(10).unwrap_err();
        assert!(matches!(error, CryptoError::Oversized { max: 10, .. }));
    }

    #[test]
    fn take_reports_truncation() {
        let error = Reader::new(&[1, 2], "test").u32().unwrap_err();
        assert_eq!(
            error,
            CryptoError::Truncated {
                object: "test",
                needed: 4,
                available: 2
            }
        );
    }

    #[test]
    fn id_rejects_empty_and_invalid_utf8() {
        let empty = [0, 0, 0, 0];
        assert!(matches!(
            Reader::new(&empty, "test").id(),
            Err(CryptoError::Malformed { .. })
        ));
        let invalid = [0, 0, 0, 1, 0xFF];
        assert!(matches!(
            Reader::new(&invalid, "test").id(),
            Err(CryptoError::Malformed { .. })
        ));
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let error = Reader::new(&[1], "test").finish().unwrap_err();
        assert_eq!(
            error,
            CryptoError::TrailingBytes {
                object: "test",
                extra: 1
            }
        );
    }

    #[test]
    fn check_id_limits_length() {
        assert!(check_id("id", "a").is_ok());
        assert!(check_id("id", &"a".repeat(255)).is_ok());
        assert_eq!(
            check_id("id", ""),
            Err(CryptoError::InvalidId {
                object: "id",
                len: 0
            })
        );
        assert_eq!(
            check_id("id", &"a".repeat(256)),
            Err(CryptoError::InvalidId {
                object: "id",
                len: 256
            })
        );
    }
}
