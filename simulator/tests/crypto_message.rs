//! Message sealing and opening: round trips, tampering with every field, wrong keys and stale generations.

use mailspec_sim::crypto::{
    ensure_current_generation, open_envelope, open_service_box, seal_message, BccOpening, BoxRole,
    CryptoError, DeviceKeys, Envelope, EnvelopeSender, ExpectedSender, Generation, MessageDraft,
    Puk, Recipient, SealedMessage, Sender,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const BODY: &[u8] = b"Subject: plans\r\n\r\nLunch on Friday?";

struct World {
    rng: ChaCha20Rng,
    alice_device: DeviceKeys,
    alice: Puk,
    bob: Puk,
    carol: Puk,
    service: Puk,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let alice_device = DeviceKeys::generate(&mut rng);
        let alice = Puk::generate(Generation::FIRST, &mut rng);
        let bob = Puk::generate(Generation::FIRST, &mut rng);
        let carol = Puk::generate(Generation::FIRST, &mut rng);
        let service = Puk::generate(Generation::FIRST, &mut rng);
        Self {
            rng,
            alice_device,
            alice,
            bob,
            carol,
            service,
        }
    }

    fn sender(&self) -> Sender<'_> {
        Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: &self.alice_device,
        }
    }

    fn expected(&self) -> ExpectedSender<'_> {
        ExpectedSender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: self.alice_device.public_keys(),
        }
    }

    /// Alice writes to Bob, with Carol in Bcc, and keeps a copy for herself.
    fn seal(&mut self, pieces: &[&[u8]], with_service: bool) -> SealedMessage {
        let bcc = vec!["carol@mail.example".to_owned()];
        let recipients = [
            Recipient {
                id: "alice",
                key: self.alice.public_key(),
                reveal_bcc: true,
            },
            Recipient {
                id: "bob",
                key: self.bob.public_key(),
                reveal_bcc: false,
            },
            Recipient {
                id: "carol",
                key: self.carol.public_key(),
                reveal_bcc: false,
            },
        ];
        let service = with_service.then(|| Recipient {
            id: "mail-service-us",
            key: self.service.public_key(),
            reveal_bcc: true,
        });
        let draft = MessageDraft {
            pieces,
            bcc: &bcc,
            recipients: &recipients,
            service,
        };
        let sender = Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: &self.alice_device,
        };
        seal_message(&sender, &draft, &mut self.rng).unwrap()
    }

    /// Alice writes to Bob alone, so that every envelope byte belongs to Bob's box or its context.
    fn seal_to_bob_only(&mut self) -> SealedMessage {
        let recipients = [Recipient {
            id: "bob",
            key: self.bob.public_key(),
            reveal_bcc: false,
        }];
        let draft = MessageDraft {
            pieces: &[BODY],
            bcc: &[],
            recipients: &recipients,
            service: None,
        };
        let sender = Sender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: &self.alice_device,
        };
        seal_message(&sender, &draft, &mut self.rng).unwrap()
    }
}

fn decryption_failed() -> CryptoError {
    CryptoError::DecryptionFailed {
        object: "recipient box",
    }
}

#[test]
fn every_recipient_opens_every_piece() {
    let mut world = World::new(1);
    let attachment = vec![0x5A; 70_000];
    let sealed = world.seal(&[BODY, &attachment], false);
    let envelope = Envelope::from_bytes(&sealed.envelope.to_bytes()).unwrap();
    assert_eq!(envelope, sealed.envelope);

    for (id, puk) in [
        ("alice", &world.alice),
        ("bob", &world.bob),
        ("carol", &world.carol),
    ] {
        let opened = open_envelope(&envelope, id, puk, &world.expected()).unwrap();
        assert_eq!(opened.piece_count(), 2, "{id}");
        assert_eq!(
            opened.open_piece(0, &sealed.pieces[0]).unwrap(),
            BODY,
            "{id}"
        );
        assert_eq!(
            opened.open_piece(1, &sealed.pieces[1]).unwrap(),
            attachment,
            "{id}"
        );
        assert!(!opened.not_e2ee(), "{id}");
    }
}

#[test]
fn bcc_opening_goes_only_to_revealed_boxes() {
    let mut world = World::new(2);
    let sealed = world.seal(&[BODY], false);
    let own_copy =
        open_envelope(&sealed.envelope, "alice", &world.alice, &world.expected()).unwrap();
    let opening = own_copy
        .bcc_opening()
        .expect("the sender's own box reveals the Bcc list");
    assert_eq!(opening.addresses(), ["carol@mail.example".to_owned()]);
    assert_eq!(opening, &sealed.bcc_opening);
    opening.verify(&sealed.envelope.bcc_commitment).unwrap();

    let bob_copy = open_envelope(&sealed.envelope, "bob", &world.bob, &world.expected()).unwrap();
    assert!(bob_copy.bcc_opening().is_none());
}

#[test]
fn wrong_bcc_list_fails_commitment() {
    let mut world = World::new(3);
    let sealed = world.seal(&[BODY], false);
    let wrong_list = BccOpening::from_parts(
        sealed.bcc_opening.key().clone(),
        vec!["dave@mail.example".to_owned()],
    )
    .unwrap();
    assert_eq!(
        wrong_list.verify(&sealed.envelope.bcc_commitment),
        Err(CryptoError::BccCommitmentMismatch)
    );
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let wrong_key = BccOpening::new(sealed.bcc_opening.addresses(), &mut rng).unwrap();
    assert_eq!(
        wrong_key.verify(&sealed.envelope.bcc_commitment),
        Err(CryptoError::BccCommitmentMismatch)
    );
}

#[test]
fn replaced_bcc_commitment_fails_box() {
    let mut world = World::new(4);
    let mut sealed = world.seal(&[BODY], false);
    let mut rng = ChaCha20Rng::seed_from_u64(98);
    let other = BccOpening::new(&["dave@mail.example".to_owned()], &mut rng).unwrap();
    sealed.envelope.bcc_commitment = other.commitment();
    for (id, puk) in [("alice", &world.alice), ("bob", &world.bob)] {
        assert_eq!(
            open_envelope(&sealed.envelope, id, puk, &world.expected()).unwrap_err(),
            decryption_failed(),
            "{id}"
        );
    }
}

#[test]
fn wrong_recipient_cannot_open() {
    let mut world = World::new(5);
    let sealed = world.seal(&[BODY], false);
    // Carol presents her own PUK for Bob's box.
    assert_eq!(
        open_envelope(&sealed.envelope, "bob", &world.carol, &world.expected()).unwrap_err(),
        decryption_failed()
    );
    assert_eq!(
        open_envelope(&sealed.envelope, "dave", &world.carol, &world.expected()).unwrap_err(),
        CryptoError::NoBoxForRecipient {
            role: "recipient",
            recipient: "dave".to_owned()
        }
    );
}

#[test]
fn stale_generation_is_reported() {
    let mut world = World::new(6);
    let sealed = world.seal(&[BODY], false);
    let bob_second = world.bob.rotate(&mut world.rng).unwrap();
    assert_eq!(
        sealed.envelope.box_generation("bob"),
        Some(Generation::FIRST)
    );
    assert_eq!(
        open_envelope(&sealed.envelope, "bob", &bob_second, &world.expected()).unwrap_err(),
        CryptoError::StaleGeneration {
            sealed: Generation::FIRST,
            supplied: bob_second.generation()
        }
    );
    // The sender-side helper flags a PUK public key that is older than the published one.
    assert_eq!(
        ensure_current_generation(world.bob.generation(), bob_second.generation()),
        Err(CryptoError::StaleGeneration {
            sealed: Generation::FIRST,
            supplied: bob_second.generation()
        })
    );
}

#[test]
fn old_generation_key_still_opens_old_mail() {
    let mut world = World::new(7);
    let sealed = world.seal(&[BODY], false);
    let _bob_second = world.bob.rotate(&mut world.rng).unwrap();
    let opened = open_envelope(&sealed.envelope, "bob", &world.bob, &world.expected()).unwrap();
    assert_eq!(opened.open_piece(0, &sealed.pieces[0]).unwrap(), BODY);
}

#[test]
fn unexpected_sender_is_rejected() {
    let mut world = World::new(8);
    let sealed = world.seal(&[BODY], false);
    let other_device = DeviceKeys::generate(&mut world.rng);
    let cases = [
        ExpectedSender::Device {
            user_id: "mallory",
            device_id: "laptop",
            keys: world.alice_device.public_keys(),
        },
        ExpectedSender::Device {
            user_id: "alice",
            device_id: "phone",
            keys: world.alice_device.public_keys(),
        },
        ExpectedSender::Device {
            user_id: "alice",
            device_id: "laptop",
            keys: other_device.public_keys(),
        },
        ExpectedSender::Service {
            service_id: "mail-service-us",
        },
    ];
    for expected in cases {
        assert_eq!(
            open_envelope(&sealed.envelope, "bob", &world.bob, &expected).unwrap_err(),
            CryptoError::SenderMismatch,
            "{expected:?}"
        );
    }
}

#[test]
fn tampered_sender_fields_fail_box() {
    let mut world = World::new(9);
    let sealed = world.seal(&[BODY], false);
    let other_device = DeviceKeys::generate(&mut world.rng);
    let other_key = other_device.public_keys().signing_key_bytes();
    let cases: [(&str, &str, [u8; 32], &DeviceKeys); 3] = [
        (
            "mallory",
            "laptop",
            world.alice_device.public_keys().signing_key_bytes(),
            &world.alice_device,
        ),
        (
            "alice",
            "phone",
            world.alice_device.public_keys().signing_key_bytes(),
            &world.alice_device,
        ),
        ("alice", "laptop", other_key, &other_device),
    ];
    for (user_id, device_id, signing_key, keys) in cases {
        let mut envelope = sealed.envelope.clone();
        envelope.sender = EnvelopeSender::Device {
            user_id: user_id.to_owned(),
            device_id: device_id.to_owned(),
            signing_key,
        };
        // The reader expects exactly the altered sender, so only the digest can catch it.
        let expected = ExpectedSender::Device {
            user_id,
            device_id,
            keys: keys.public_keys(),
        };
        assert_eq!(
            open_envelope(&envelope, "bob", &world.bob, &expected).unwrap_err(),
            decryption_failed(),
            "sender {user_id}/{device_id}"
        );
    }
}

#[test]
fn tampered_envelope_fields_fail_box() {
    let mut world = World::new(10);
    let sealed = world.seal(&[BODY], false);
    type Mutation = fn(&mut Envelope);
    let mutations: [(&str, Mutation); 5] = [
        ("ephemeral key", |e| e.ephemeral_public[0] ^= 0x40),
        ("Bcc commitment", |e| e.bcc_commitment.0[31] ^= 1),
        ("sealed manifest", |e| {
            let last = e.sealed_manifest.len() - 1;
            e.sealed_manifest[last] ^= 1;
        }),
        ("box ciphertext", |e| e.boxes[1].ciphertext[0] ^= 1),
        ("box tag", |e| {
            let last = e.boxes[1].ciphertext.len() - 1;
            e.boxes[1].ciphertext[last] ^= 1;
        }),
    ];
    for (name, mutate) in mutations {
        let mut envelope = sealed.envelope.clone();
        mutate(&mut envelope);
        assert_eq!(
            open_envelope(&envelope, "bob", &world.bob, &world.expected()).unwrap_err(),
            decryption_failed(),
            "{name}"
        );
    }
}

#[test]
fn moved_box_fails() {
    let mut world = World::new(11);
    let sealed = world.seal(&[BODY], false);
    // Carol's box relabelled as Bob's, and Bob's box relabelled as a service box.
    let mut relabelled = sealed.envelope.clone();
    relabelled.boxes.retain(|b| b.recipient_id == "carol");
    relabelled.boxes[0].recipient_id = "bob".to_owned();
    assert_eq!(
        open_envelope(&relabelled, "bob", &world.bob, &world.expected()).unwrap_err(),
        decryption_failed()
    );

    let mut as_service = sealed.envelope.clone();
    as_service.boxes.retain(|b| b.recipient_id == "bob");
    as_service.boxes[0].role = BoxRole::Service;
    assert_eq!(
        open_service_box(&as_service, "bob", &world.bob, &world.expected()).unwrap_err(),
        decryption_failed()
    );
}

#[test]
fn tampered_generation_is_caught() {
    let mut world = World::new(12);
    let sealed = world.seal(&[BODY], false);
    let mut envelope = sealed.envelope.clone();
    let second = Generation::new(2).unwrap();
    envelope.boxes[1].generation = second;
    assert!(matches!(
        open_envelope(&envelope, "bob", &world.bob, &world.expected()),
        Err(CryptoError::StaleGeneration { .. })
    ));
    // A PUK that claims generation 2 with the same seed still fails, because the digest binds the generation.
    let relabelled = Puk::from_seed(second, world.bob.seed().clone());
    assert_eq!(
        open_envelope(&envelope, "bob", &relabelled, &world.expected()).unwrap_err(),
        decryption_failed()
    );
}

#[test]
fn tampered_piece_fails_hash() {
    let mut world = World::new(13);
    let sealed = world.seal(&[BODY, b"attachment"], false);
    let opened = open_envelope(&sealed.envelope, "bob", &world.bob, &world.expected()).unwrap();
    let mut piece = sealed.pieces[0].clone();
    piece[60] ^= 1;
    assert_eq!(
        opened.open_piece(0, &piece),
        Err(CryptoError::PieceHashMismatch { index: 0 })
    );
    assert_eq!(
        opened.open_piece(1, &sealed.pieces[0]),
        Err(CryptoError::PieceHashMismatch { index: 1 })
    );
    assert_eq!(
        opened.open_piece(2, &sealed.pieces[0]),
        Err(CryptoError::PieceIndexOutOfRange { index: 2, count: 2 })
    );
}

#[test]
fn every_envelope_byte_is_protected() {
    let mut world = World::new(14);
    let sealed = world.seal_to_bob_only();
    let encoded = sealed.envelope.to_bytes();
    for position in 0..encoded.len() {
        for bit in [0x01u8, 0x80] {
            let mut altered = encoded.clone();
            altered[position] ^= bit;
            let Ok(envelope) = Envelope::from_bytes(&altered) else {
                continue;
            };
            assert!(
                open_envelope(&envelope, "bob", &world.bob, &world.expected()).is_err(),
                "flipping bit {bit:#04x} of byte {position} went unnoticed"
            );
        }
    }
}

#[test]
fn truncated_envelope_fails_to_decode() {
    let mut world = World::new(15);
    let encoded = world.seal_to_bob_only().envelope.to_bytes();
    for len in 0..encoded.len() {
        assert!(
            Envelope::from_bytes(&encoded[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    let mut extended = encoded.clone();
    extended.push(0);
    assert!(matches!(
        Envelope::from_bytes(&extended),
        Err(CryptoError::TrailingBytes { extra: 1, .. })
    ));
}

#[test]
fn service_box_makes_message_not_e2ee() {
    let mut world = World::new(16);
    let sealed = world.seal(&[BODY], true);
    assert!(sealed.envelope.not_e2ee());
    let envelope = Envelope::from_bytes(&sealed.envelope.to_bytes()).unwrap();

    let service_view = open_service_box(
        &envelope,
        "mail-service-us",
        &world.service,
        &world.expected(),
    )
    .unwrap();
    assert_eq!(service_view.open_piece(0, &sealed.pieces[0]).unwrap(), BODY);
    assert_eq!(
        service_view.bcc_opening().unwrap().addresses(),
        ["carol@mail.example".to_owned()]
    );

    let bob_view = open_envelope(&envelope, "bob", &world.bob, &world.expected()).unwrap();
    assert!(bob_view.not_e2ee());

    // Dropping the service box to pass the message off as end-to-end encrypted breaks every digest.
    let mut stripped = envelope.clone();
    stripped.boxes.retain(|b| b.role != BoxRole::Service);
    assert_eq!(
        open_envelope(&stripped, "bob", &world.bob, &world.expected()).unwrap_err(),
        decryption_failed()
    );
}

#[test]
fn e2ee_message_has_no_service_box() {
    let mut world = World::new(17);
    let sealed = world.seal(&[BODY], false);
    assert_eq!(
        open_service_box(
            &sealed.envelope,
            "mail-service-us",
            &world.service,
            &world.expected()
        )
        .unwrap_err(),
        CryptoError::NoBoxForRecipient {
            role: "service",
            recipient: "mail-service-us".to_owned()
        }
    );
}

#[test]
fn service_sender_seals_unsigned_boxes() {
    let mut world = World::new(18);
    let recipients = [Recipient {
        id: "bob",
        key: world.bob.public_key(),
        reveal_bcc: false,
    }];
    let draft = MessageDraft {
        pieces: &[b"From: someone@outside.example\r\n\r\nhello"],
        bcc: &[],
        recipients: &recipients,
        service: None,
    };
    let sender = Sender::Service {
        service_id: "mail-service-us",
    };
    let sealed = seal_message(&sender, &draft, &mut world.rng).unwrap();
    let envelope = Envelope::from_bytes(&sealed.envelope.to_bytes()).unwrap();
    let expected = ExpectedSender::Service {
        service_id: "mail-service-us",
    };
    let opened = open_envelope(&envelope, "bob", &world.bob, &expected).unwrap();
    assert_eq!(opened.piece_count(), 1);
    assert_eq!(
        open_envelope(&envelope, "bob", &world.bob, &world.expected()).unwrap_err(),
        CryptoError::SenderMismatch
    );
}

#[test]
fn duplicate_recipient_is_rejected() {
    let world = World::new(19);
    let recipients = [
        Recipient {
            id: "bob",
            key: world.bob.public_key(),
            reveal_bcc: false,
        },
        Recipient {
            id: "bob",
            key: world.bob.public_key(),
            reveal_bcc: true,
        },
    ];
    let draft = MessageDraft {
        pieces: &[BODY],
        bcc: &[],
        recipients: &recipients,
        service: None,
    };
    let sender = world.sender();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    assert_eq!(
        seal_message(&sender, &draft, &mut rng).unwrap_err(),
        CryptoError::DuplicateRecipient {
            recipient: "bob".to_owned()
        }
    );
}

#[test]
fn empty_recipient_list_is_rejected() {
    let world = World::new(20);
    let draft = MessageDraft {
        pieces: &[BODY],
        bcc: &[],
        recipients: &[],
        service: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    assert!(matches!(
        seal_message(&world.sender(), &draft, &mut rng),
        Err(CryptoError::Malformed { .. })
    ));
}

#[test]
fn low_order_recipient_key_is_rejected() {
    let world = World::new(21);
    let zero_key = mailspec_sim::crypto::PukPublicKey::new(Generation::FIRST, [0u8; 32]);
    let recipients = [Recipient {
        id: "bob",
        key: &zero_key,
        reveal_bcc: false,
    }];
    let draft = MessageDraft {
        pieces: &[BODY],
        bcc: &[],
        recipients: &recipients,
        service: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    assert_eq!(
        seal_message(&world.sender(), &draft, &mut rng).unwrap_err(),
        CryptoError::InvalidPublicKey {
            object: "recipient PUK mail key"
        }
    );
}

#[test]
fn sealing_is_deterministic_for_a_seed() {
    let first = World::new(22).seal(&[BODY], true);
    let second = World::new(22).seal(&[BODY], true);
    assert_eq!(first.envelope.to_bytes(), second.envelope.to_bytes());
    assert_eq!(first.pieces, second.pieces);
}
