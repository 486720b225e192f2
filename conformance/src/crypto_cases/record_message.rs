//! Recorder of the `message_open` vector file: sealed messages opened by one reader.

use super::fields::Fields;
use super::record::{random32, rng_for, Recorder};
use super::spec::{self, BoxPlaintext};
use super::RecordedFile;
use mailspec_sim::crypto::{
    seal_message, BoxRole, DeviceKeys, Envelope, EnvelopeSender, Generation, MessageDraft, Puk, Recipient,
    SealedMessage, Secret32, Sender,
};
use rand_core::RngCore;

const SERVICE_ID: &str = "mail.example";

/// The reader of a box: role code, id, and the PUK seed and generation of its key.
#[derive(Clone, Copy)]
struct Reader<'a> {
    role: u8,
    id: &'a str,
    seed: [u8; 32],
    generation: u32,
}

/// The sender a reader expects, as the inputs name it.
#[derive(Clone, Copy)]
enum ExpectedSender<'a> {
    Device { user_id: &'a str, device_id: &'a str, public_keys: [u8; 64] },
    Service,
}

fn inputs(envelope: &[u8], pieces: &[Vec<u8>], reader: &Reader, sender: &ExpectedSender) -> Fields {
    let mut fields = Fields::new()
        .hex("envelope", envelope)
        .hex("role", [reader.role])
        .text("reader_id_text", reader.id)
        .hex("reader_puk_seed", reader.seed)
        .hex("reader_generation", reader.generation.to_be_bytes());
    for (index, piece) in pieces.iter().enumerate() {
        fields = fields.hex(&format!("piece_{index}"), piece);
    }
    match sender {
        ExpectedSender::Device { user_id, device_id, public_keys } => fields
            .text("sender_user_id_text", user_id)
            .text("sender_device_id_text", device_id)
            .hex("sender_device_public_keys", public_keys),
        ExpectedSender::Service => fields.text("sender_service_id_text", SERVICE_ID),
    }
}

fn role_code(role: BoxRole) -> u8 {
    match role {
        BoxRole::Recipient => 1,
        BoxRole::Service => 2,
    }
}

fn box_index(envelope: &Envelope, reader: &Reader) -> usize {
    envelope
        .boxes
        .iter()
        .position(|b| role_code(b.role) == reader.role && b.recipient_id == reader.id)
        .expect("the reader has a box")
}

/// Computes the outputs of a valid case with `spec`: the box opened with the reader's key,
/// and the plaintexts the message was sealed from.
fn outputs(sealed: &SealedMessage, reader: &Reader, plaintexts: &[&[u8]]) -> Fields {
    let envelope = &sealed.envelope;
    let (contents, digest) =
        spec::open_box(envelope, box_index(envelope, reader), &spec::puk_mail_private(&reader.seed));
    let not_e2ee = envelope.boxes.iter().any(|b| b.role == BoxRole::Service);
    let mut fields = Fields::new()
        .hex("shared_key", contents.shared_key)
        .hex("digest", digest)
        .hex("not_e2ee", [u8::from(not_e2ee)]);
    if let Some((key, addresses)) = &contents.bcc_opening {
        assert_eq!(key, sealed.bcc_opening.key().expose_secret());
        assert_eq!(addresses.as_slice(), sealed.bcc_opening.addresses());
        fields = fields.hex("bcc_key", key).hex("bcc_list", spec::bcc_list_encoding(addresses));
    }
    for (index, plaintext) in plaintexts.iter().enumerate() {
        fields = fields.hex(&format!("plaintext_{index}"), plaintext);
    }
    fields
}

/// Returns `envelope` with box `index` replaced by one a dishonest sender sealed, after
/// `edit` changed its plaintext; `edit` also receives the box digest.
fn forge(
    envelope: &Envelope,
    reader: &Reader,
    trailing: &[u8],
    edit: impl FnOnce(&mut BoxPlaintext, &[u8; 32]),
) -> Vec<u8> {
    let mut envelope = envelope.clone();
    let index = box_index(&envelope, reader);
    let private = spec::puk_mail_private(&reader.seed);
    let (mut plaintext, digest) = spec::open_box(&envelope, index, &private);
    edit(&mut plaintext, &digest);
    spec::reseal_box(&mut envelope, index, &private, &plaintext, trailing);
    envelope.to_bytes()
}

fn modified(envelope: &Envelope, edit: impl FnOnce(&mut Envelope)) -> Vec<u8> {
    let mut envelope = envelope.clone();
    edit(&mut envelope);
    envelope.to_bytes()
}

fn puk(generation: u32, seed: &[u8; 32]) -> Puk {
    Puk::from_seed(Generation::new(generation).expect("generations start at 1"), Secret32::from_bytes(*seed))
}

pub(crate) fn message_open() -> RecordedFile {
    let mut rng = rng_for("message_open");
    let mut recorder = Recorder::new("message_open", "docs/crypto.md section 8, Messages");

    let alice =
        DeviceKeys::from_secrets(&Secret32::from_bytes(random32(&mut rng)), &Secret32::from_bytes(random32(&mut rng)));
    let mallory =
        DeviceKeys::from_secrets(&Secret32::from_bytes(random32(&mut rng)), &Secret32::from_bytes(random32(&mut rng)));
    let [alice_seed, bob_first_seed, bob_second_seed, carol_seed, dave_seed, service_seed] =
        std::array::from_fn(|_| random32(&mut rng));
    let alice_puk = puk(1, &alice_seed);
    let bob_first = puk(1, &bob_first_seed);
    let bob_second = puk(2, &bob_second_seed);
    let carol_puk = puk(1, &carol_seed);
    let service_puk = puk(3, &service_seed);

    let alice_reader = Reader { role: 1, id: "alice", seed: alice_seed, generation: 1 };
    let bob = Reader { role: 1, id: "bob", seed: bob_first_seed, generation: 1 };
    let bob_later = Reader { seed: bob_second_seed, generation: 2, ..bob };
    let carol = Reader { role: 1, id: "carol", seed: carol_seed, generation: 1 };
    let service = Reader { role: 2, id: SERVICE_ID, seed: service_seed, generation: 3 };
    let from_alice =
        ExpectedSender::Device { user_id: "alice", device_id: "laptop", public_keys: alice.public_keys().to_bytes() };
    let alice_sender = Sender::Device { user_id: "alice", device_id: "laptop", keys: &alice };

    // Message 1: Alice to Bob, Carol in Bcc, and Alice's own copy, which reveals the Bcc list.
    let body: &[u8] = b"Subject: Lunch\r\n\r\nShall we meet at noon on Friday?\r\n";
    let mut attachment = vec![0u8; 64];
    rng.fill_bytes(&mut attachment);
    let pieces: [&[u8]; 3] = [body, &attachment, b""];
    let bcc = vec!["carol@mail.example".to_string()];
    let recipients = [
        Recipient { id: "bob", key: bob_first.public_key(), reveal_bcc: false },
        Recipient { id: "carol", key: carol_puk.public_key(), reveal_bcc: false },
        Recipient { id: "alice", key: alice_puk.public_key(), reveal_bcc: true },
    ];
    let draft = MessageDraft { pieces: &pieces, bcc: &bcc, recipients: &recipients, service: None };
    let first = seal_message(&alice_sender, &draft, &mut rng).unwrap();
    let first_bytes = first.envelope.to_bytes();

    // Message 2: Alice to Bob's second generation, not end-to-end encrypted: the service gets
    // a box, which reveals the empty Bcc list.
    let second_body: &[u8] = b"Subject: Invoice\r\n\r\nPlease find the invoice in the portal.\r\n";
    let recipients = [
        Recipient { id: "bob", key: bob_second.public_key(), reveal_bcc: false },
        Recipient { id: "alice", key: alice_puk.public_key(), reveal_bcc: true },
    ];
    let service_box = Recipient { id: SERVICE_ID, key: service_puk.public_key(), reveal_bcc: true };
    let draft = MessageDraft { pieces: &[second_body], bcc: &[], recipients: &recipients, service: Some(service_box) };
    let second = seal_message(&alice_sender, &draft, &mut rng).unwrap();
    let second_bytes = second.envelope.to_bytes();

    // Message 3: mail from outside, sealed by the service for Bob, without signatures.
    let third_body: &[u8] = b"From: news@outside.example\r\nSubject: Weekly digest\r\n\r\nNothing new this week.\r\n";
    let recipients = [Recipient { id: "bob", key: bob_first.public_key(), reveal_bcc: false }];
    let draft = MessageDraft { pieces: &[third_body], bcc: &[], recipients: &recipients, service: None };
    let third = seal_message(&Sender::Service { service_id: SERVICE_ID }, &draft, &mut rng).unwrap();
    let third_bytes = third.envelope.to_bytes();

    recorder.group("Messages sealed by the reference, opened by each reader");
    let valid_cases = [
        (
            "Bob opens a message from Alice's laptop",
            &["Normal"][..],
            &first,
            &first_bytes,
            bob,
            from_alice,
            &pieces[..],
        ),
        (
            "Carol, in Bcc, opens her box, which does not reveal the Bcc list",
            &["Normal"][..],
            &first,
            &first_bytes,
            carol,
            from_alice,
            &pieces[..],
        ),
        (
            "Alice opens her own copy, which reveals the Bcc list",
            &["BccRevealed"][..],
            &first,
            &first_bytes,
            alice_reader,
            from_alice,
            &pieces[..],
        ),
        (
            "Bob opens a not end-to-end encrypted message with his generation 2 key",
            &["NotE2ee"][..],
            &second,
            &second_bytes,
            bob_later,
            from_alice,
            &[second_body][..],
        ),
        (
            "the service opens its box, which reveals the empty Bcc list",
            &["ServiceBox", "BccRevealed"][..],
            &second,
            &second_bytes,
            service,
            from_alice,
            &[second_body][..],
        ),
        (
            "Bob opens unsigned mail sealed by the service",
            &["ServiceSender"][..],
            &third,
            &third_bytes,
            bob,
            ExpectedSender::Service,
            &[third_body][..],
        ),
    ];
    for (comment, flags, sealed, bytes, reader, sender, plaintexts) in valid_cases {
        recorder.valid(
            comment,
            flags,
            inputs(bytes, &sealed.pieces, &reader, &sender),
            outputs(sealed, &reader, plaintexts),
        );
    }

    recorder.group("Modified pieces");
    let first_case = |envelope: &[u8], pieces: &[Vec<u8>]| inputs(envelope, pieces, &bob, &from_alice);
    let mut tampered = first.pieces.clone();
    tampered[1][60] ^= 1;
    recorder.invalid(
        "bit flipped in piece 1",
        "TamperedPiece",
        "PieceHashMismatch",
        first_case(&first_bytes, &tampered),
    );
    let mut truncated = first.pieces.clone();
    truncated[2].pop();
    recorder.invalid(
        "last byte of the empty piece 2 removed",
        "TamperedPiece",
        "PieceHashMismatch",
        first_case(&first_bytes, &truncated),
    );
    let mut swapped = first.pieces.clone();
    swapped.swap(0, 1);
    recorder.invalid(
        "pieces 0 and 1 swapped",
        "SwappedPieces",
        "PieceHashMismatch",
        first_case(&first_bytes, &swapped),
    );

    recorder.group("Readers without a box, or with another key");
    let dave = Reader { role: 1, id: "dave", seed: dave_seed, generation: 1 };
    recorder.invalid(
        "Dave, who has no box, with his own key",
        "WrongRecipient",
        "NoBoxForRecipient",
        inputs(&first_bytes, &first.pieces, &dave, &from_alice),
    );
    let bob_with_dave_key = Reader { seed: dave_seed, ..bob };
    recorder.invalid(
        "Bob's box opened with Dave's key",
        "WrongRecipientKey",
        "DecryptionFailed",
        inputs(&first_bytes, &first.pieces, &bob_with_dave_key, &from_alice),
    );
    let bob_as_service = Reader { role: 2, ..bob };
    recorder.invalid(
        "Bob looks for a service box",
        "WrongRole",
        "NoBoxForRecipient",
        inputs(&first_bytes, &first.pieces, &bob_as_service, &from_alice),
    );
    recorder.invalid(
        "box of generation 1 read with Bob's generation 2 key",
        "StaleGeneration",
        "StaleGeneration",
        inputs(&first_bytes, &first.pieces, &bob_later, &from_alice),
    );
    recorder.invalid(
        "box of generation 2 read with Bob's generation 1 key",
        "StaleGeneration",
        "StaleGeneration",
        inputs(&second_bytes, &second.pieces, &bob, &from_alice),
    );

    recorder.group("Sender other than expected");
    let from_phone =
        ExpectedSender::Device { user_id: "alice", device_id: "phone", public_keys: alice.public_keys().to_bytes() };
    recorder.invalid(
        "expected Alice's phone",
        "UnexpectedSender",
        "SenderMismatch",
        inputs(&first_bytes, &first.pieces, &bob, &from_phone),
    );
    let from_mallory =
        ExpectedSender::Device { user_id: "alice", device_id: "laptop", public_keys: mallory.public_keys().to_bytes() };
    recorder.invalid(
        "expected another signing key for Alice's laptop",
        "UnexpectedSender",
        "SenderMismatch",
        inputs(&first_bytes, &first.pieces, &bob, &from_mallory),
    );
    recorder.invalid(
        "mail from the service where Alice's laptop was expected",
        "UnexpectedSender",
        "SenderMismatch",
        inputs(&third_bytes, &third.pieces, &bob, &from_alice),
    );

    recorder.group("Modified envelope fields");
    let renamed = modified(&first.envelope, |e| {
        if let EnvelopeSender::Device { device_id, .. } = &mut e.sender {
            *device_id = "phone".to_string();
        }
    });
    recorder.invalid(
        "sender device id changed to phone, and phone expected",
        "ModifiedSender",
        "DecryptionFailed",
        inputs(&renamed, &first.pieces, &bob, &from_phone),
    );
    let ephemeral = modified(&first.envelope, |e| e.ephemeral_public[0] ^= 1);
    recorder.invalid(
        "bit flipped in the ephemeral public key",
        "ModifiedEnvelope",
        "DecryptionFailed",
        first_case(&ephemeral, &first.pieces),
    );
    let manifest = modified(&first.envelope, |e| e.sealed_manifest[60] ^= 1);
    recorder.invalid(
        "bit flipped in the sealed manifest",
        "ModifiedEnvelope",
        "DecryptionFailed",
        first_case(&manifest, &first.pieces),
    );
    let bob_box = box_index(&first.envelope, &bob);
    let box_bytes = modified(&first.envelope, |e| e.boxes[bob_box].ciphertext[0] ^= 1);
    recorder.invalid(
        "bit flipped in Bob's box",
        "ModifiedEnvelope",
        "DecryptionFailed",
        first_case(&box_bytes, &first.pieces),
    );
    let regenerated = modified(&first.envelope, |e| e.boxes[bob_box].generation = Generation::new(2).unwrap());
    recorder.invalid(
        "Bob's box relabelled as generation 2, read with his generation 2 key",
        "ModifiedEnvelope",
        "DecryptionFailed",
        inputs(&regenerated, &first.pieces, &bob_later, &from_alice),
    );
    let commitment = modified(&first.envelope, |e| e.bcc_commitment.0[0] ^= 1);
    recorder.invalid(
        "bit flipped in the Bcc commitment",
        "ModifiedBccCommitment",
        "DecryptionFailed",
        first_case(&commitment, &first.pieces),
    );
    let without_service = modified(&second.envelope, |e| e.boxes.retain(|b| b.role != BoxRole::Service));
    recorder.invalid(
        "service box removed and the not-E2EE flag cleared",
        "ServiceBoxRemoved",
        "DecryptionFailed",
        inputs(&without_service, &second.pieces, &bob_later, &from_alice),
    );
    let zero_ephemeral = modified(&first.envelope, |e| e.ephemeral_public = [0u8; 32]);
    recorder.invalid(
        "ephemeral public key replaced by the all-zero low-order point",
        "LowOrderEphemeralKey",
        "InvalidPublicKey",
        first_case(&zero_ephemeral, &first.pieces),
    );

    recorder.group("Envelopes that do not decode");
    let mut flagged = first_bytes.clone();
    flagged[1] = 1;
    recorder.invalid(
        "not-E2EE flag set without a service box",
        "FlagWithoutServiceBox",
        "Malformed",
        first_case(&flagged, &first.pieces),
    );
    recorder.invalid(
        "last byte removed",
        "TruncatedEnvelope",
        "Truncated",
        first_case(&first_bytes[..first_bytes.len() - 1], &first.pieces),
    );
    let mut version = first_bytes.clone();
    version[0] = 2;
    recorder.invalid("version byte 2", "UnsupportedVersion", "UnsupportedVersion", first_case(&version, &first.pieces));

    recorder.group("Boxes sealed by a dishonest sender");
    let by_mallory = forge(&first.envelope, &bob, b"", |plaintext, digest| {
        plaintext.signature = (1, Some(mallory.sign(&spec::signature_input(digest))));
    });
    recorder.invalid(
        "signature by another device",
        "SignatureByOtherDevice",
        "InvalidSignature",
        first_case(&by_mallory, &first.pieces),
    );
    let bit_flipped = forge(&first.envelope, &bob, b"", |plaintext, _| {
        let signature = plaintext.signature.1.as_mut().unwrap();
        signature[0] ^= 1;
    });
    recorder.invalid(
        "bit flipped in the signature",
        "ModifiedSignature",
        "InvalidSignature",
        first_case(&bit_flipped, &first.pieces),
    );
    let unsigned = forge(&first.envelope, &bob, b"", |plaintext, _| plaintext.signature = (0, None));
    recorder.invalid(
        "device sender without a signature",
        "MissingSignature",
        "InvalidSignature",
        first_case(&unsigned, &first.pieces),
    );
    let other_list = forge(&first.envelope, &bob, b"", |plaintext, _| {
        plaintext.bcc_opening = Some((*first.bcc_opening.key().expose_secret(), vec!["dave@mail.example".to_string()]));
    });
    recorder.invalid(
        "Bcc opening with another list under the committed key",
        "BccOpeningMismatch",
        "BccCommitmentMismatch",
        first_case(&other_list, &first.pieces),
    );
    let other_key = random32(&mut rng);
    let wrong_key = forge(&first.envelope, &bob, b"", |plaintext, _| {
        plaintext.bcc_opening = Some((other_key, first.bcc_opening.addresses().to_vec()));
    });
    recorder.invalid(
        "Bcc opening with the committed list under another key",
        "BccOpeningMismatch",
        "BccCommitmentMismatch",
        first_case(&wrong_key, &first.pieces),
    );
    let presence = forge(&first.envelope, &bob, b"", |plaintext, _| plaintext.signature = (2, None));
    recorder.invalid("signature presence byte 2", "MalformedBox", "Malformed", first_case(&presence, &first.pieces));
    let trailing = forge(&first.envelope, &bob, &[0], |_, _| {});
    recorder.invalid(
        "one byte after the last field of the box",
        "BoxTrailingBytes",
        "TrailingBytes",
        first_case(&trailing, &first.pieces),
    );
    let signed_by_service = forge(&third.envelope, &bob, b"", |plaintext, digest| {
        plaintext.signature = (1, Some(alice.sign(&spec::signature_input(digest))));
    });
    recorder.invalid(
        "mail sealed by the service carrying a signature",
        "SignatureFromService",
        "Malformed",
        inputs(&signed_by_service, &third.pieces, &bob, &ExpectedSender::Service),
    );
    recorder.finish()
}
