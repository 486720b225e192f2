use mailspec_sim::crypto::link::create_link;
use mailspec_sim::crypto::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[test]
fn dump() {
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    let mut j = serde_json::Map::new();
    let mut put = |k: &str, v: String| { j.insert(k.to_owned(), serde_json::Value::String(v)); };

    // PUK
    let seed = Secret32::from_bytes(core::array::from_fn(|i| i as u8));
    let puk = Puk::from_seed(Generation::FIRST, seed);
    put("puk_mail_public", hex::encode(puk.public_key().mail_key_bytes()));
    put("puk_symmetric", hex::encode(puk.symmetric_key().expose_secret()));

    // Cake
    let key = Secret32::from_bytes([0x11; 32]);
    let pt: Vec<u8> = (0..40000u32).map(|i| (i * 7 % 256) as u8).collect();
    let ct = cake::seal(&key, &pt, &mut rng).unwrap();
    put("cake_ct", hex::encode(&ct));
    let ct_empty = cake::seal(&key, &[], &mut rng).unwrap();
    put("cake_ct_empty", hex::encode(&ct_empty));
    let ct_exact = cake::seal(&key, &vec![9u8; 16384], &mut rng).unwrap();
    put("cake_ct_exact", hex::encode(&ct_exact));

    // HPKE sealed seed
    let dev_enc = Secret32::from_bytes([0x22; 32]);
    let device = DeviceKeys::from_secrets(&Secret32::from_bytes([0x33; 32]), &dev_enc);
    let puk2 = Puk::generate(Generation::new(3).unwrap(), &mut rng);
    let sealed = seal_puk_seed(&puk2, "alice@x", "dev-1", device.public_keys(), &mut rng).unwrap();
    put("sealed_seed", hex::encode(sealed.to_bytes()));
    put("sealed_seed_expected", hex::encode(puk2.seed().expose_secret()));

    // Backup
    let backup = BackupKey::generate(&mut rng);
    put("backup_text", backup.to_text().to_string());
    let bdev = backup.derive_device_keys("alice@x").unwrap();
    put("backup_device_public", hex::encode(bdev.public_keys().to_bytes()));

    // Message
    let alice_dev = DeviceKeys::generate(&mut rng);
    let alice = Puk::generate(Generation::FIRST, &mut rng);
    let bob = Puk::generate(Generation::new(2).unwrap(), &mut rng);
    let service = Puk::generate(Generation::new(7).unwrap(), &mut rng);
    let bcc = vec!["carol@mail.example".to_owned(), "dave@mail.example".to_owned()];
    let big: Vec<u8> = (0..50000u32).map(|i| (i % 253) as u8).collect();
    let recipients = [
        Recipient { id: "alice", key: alice.public_key(), reveal_bcc: true },
        Recipient { id: "bob", key: bob.public_key(), reveal_bcc: false },
    ];
    let draft = MessageDraft {
        pieces: &[b"Subject: hi\r\n\r\nbody", &big, b""],
        bcc: &bcc,
        recipients: &recipients,
        service: Some(Recipient { id: "svc-us", key: service.public_key(), reveal_bcc: true }),
    };
    let sender = Sender::Device { user_id: "alice", device_id: "laptop", keys: &alice_dev };
    let msg = seal_message(&sender, &draft, &mut rng).unwrap();
    put("envelope", hex::encode(msg.envelope.to_bytes()));
    for (i, p) in msg.pieces.iter().enumerate() { put(&format!("piece_{i}"), hex::encode(p)); }
    put("alice_puk_seed", hex::encode(alice.seed().expose_secret()));
    put("bob_puk_seed", hex::encode(bob.seed().expose_secret()));
    put("service_puk_seed", hex::encode(service.seed().expose_secret()));
    put("alice_device_public", hex::encode(alice_dev.public_keys().to_bytes()));
    put("big_piece", hex::encode(&big));

    // Link
    let (record, secret) = create_link(b"link payload", 1234, &mut rng).unwrap();
    put("link_url", secret.url(&record.link_id).to_string());
    put("link_record", hex::encode(record.to_bytes()));

    // At rest
    let root = RegionRootKey::from_secret(Region::Eu, Secret32::from_bytes([0x44; 32]));
    let dk = AccountDataKey::generate(&mut rng);
    let wrapped = root.wrap("acme", &dk, &mut rng).unwrap();
    put("wrapped", hex::encode(wrapped.to_bytes()));
    let blob = dk.encrypt("acme", "mail-1", b"standard mail body", &mut rng).unwrap();
    put("at_rest_blob", hex::encode(blob));

    std::fs::write("/tmp/mailspec_dump.json", serde_json::to_string_pretty(&j).unwrap()).unwrap();
}
