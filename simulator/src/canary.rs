//! Known plaintexts ("canaries") for every message and event, so that a byte scan can tell
//! whether any stored byte is content in the clear.
//!
//! The body of message `n` is the ASCII text `mailspec canary message {n:06}`. An attachment of
//! `k` bytes is that text repeated and cut to `k` bytes. Calendar events carry
//! `mailspec canary event {n:06}`. Every canary starts with [`CANARY_PREFIX`], so one search for
//! the prefix finds the canary of every message at once.

use mailspec_model::ids::{EventId, MessageId};

/// The bytes that every canary starts with.
pub const CANARY_PREFIX: &[u8] = b"mailspec canary ";

/// Length in bytes of every message and event canary.
pub const CANARY_LEN: usize = 30;

/// Returns the body of message `message`: `mailspec canary message {n:06}`.
pub fn canary(message: MessageId) -> Vec<u8> {
    format!("mailspec canary message {:06}", message.0).into_bytes()
}

/// Returns an attachment of `len` bytes for `message`: its canary repeated and cut to `len`.
pub fn attachment(message: MessageId, len: u32) -> Vec<u8> {
    let unit = canary(message);
    let len = len as usize;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let take = unit.len().min(len - out.len());
        out.extend_from_slice(&unit[..take]);
    }
    out
}

/// Returns the pieces of message `message`: the body, then the attachment when `attachment > 0`.
pub fn pieces(message: MessageId, attachment_len: u32) -> Vec<Vec<u8>> {
    let mut pieces = vec![canary(message)];
    if attachment_len > 0 {
        pieces.push(attachment(message, attachment_len));
    }
    pieces
}

/// Returns true when `pieces` are exactly the pieces of `message` with an attachment of
/// `attachment_len` bytes.
pub fn pieces_match(message: MessageId, attachment_len: u32, pieces: &[Vec<u8>]) -> bool {
    let expected_count = if attachment_len > 0 { 2 } else { 1 };
    if pieces.len() != expected_count || pieces[0] != canary(message) {
        return false;
    }
    match pieces.get(1) {
        None => true,
        Some(piece) => piece.len() == attachment_len as usize && *piece == attachment(message, attachment_len),
    }
}

/// Returns the description stored for calendar event `event`.
pub fn event_canary(event: EventId) -> Vec<u8> {
    format!("mailspec canary event {:06}", event.0).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_has_fixed_length() {
        assert_eq!(canary(MessageId(0)).len(), CANARY_LEN);
        assert_eq!(canary(MessageId(255)).len(), CANARY_LEN);
        assert_eq!(event_canary(EventId(7)).len(), CANARY_LEN - 2);
        assert!(canary(MessageId(3)).starts_with(CANARY_PREFIX));
    }

    #[test]
    fn attachment_repeats_and_truncates() {
        assert_eq!(attachment(MessageId(1), 0), b"");
        assert_eq!(attachment(MessageId(1), 5), b"mails");
        let long = attachment(MessageId(1), 65);
        assert_eq!(long.len(), 65);
        assert_eq!(&long[..30], canary(MessageId(1)).as_slice());
        assert_eq!(&long[30..60], canary(MessageId(1)).as_slice());
        assert_eq!(&long[60..], b"mails");
    }

    #[test]
    fn pieces_match_rejects_other_message() {
        let pieces = pieces(MessageId(4), 100);
        assert!(pieces_match(MessageId(4), 100, &pieces));
        assert!(!pieces_match(MessageId(5), 100, &pieces));
        assert!(!pieces_match(MessageId(4), 99, &pieces));
        assert!(!pieces_match(MessageId(4), 0, &pieces));
    }
}
