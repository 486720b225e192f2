//! Recorders of the `cake_aead`, `link` and `at_rest` vector files.

use super::fields::Fields;
use super::record::{appended, flipped, random32, random_bytes, replaced, rng_for, Recorder};
use super::spec;
use super::RecordedFile;
use base64ct::{Base64UrlUnpadded, Encoding};
use mailspec_sim::crypto::link::LinkRecord;
use mailspec_sim::crypto::{cake, create_link, AccountDataKey, LinkSecret, Region, RegionRootKey, Secret32};
use rand_core::RngCore;

pub(crate) fn cake_aead() -> RecordedFile {
    let mut rng = rng_for("cake_aead");
    let mut recorder = Recorder::new("cake_aead", "docs/crypto.md section 7, Cake-AES");
    let inputs = |key: &[u8; 32], ciphertext: &[u8]| Fields::new().hex("key", key).hex("ciphertext", ciphertext);
    let key = random32(&mut rng);

    recorder.group("Single-chunk ciphertexts sealed by the reference");
    for (len, flags) in [
        (0, &["EmptyPlaintext"][..]),
        (1, &["Normal"]),
        (15, &["Normal"]),
        (16, &["Normal"]),
        (17, &["Normal"]),
        (64, &["Normal"]),
        (1000, &["Normal"]),
        (4096, &["Normal"]),
    ] {
        let plaintext = random_bytes(&mut rng, len);
        let ciphertext = cake::seal(&Secret32::from_bytes(key), &plaintext, &mut rng).unwrap();
        recorder.valid(
            &format!("{len}-byte plaintext"),
            flags,
            inputs(&key, &ciphertext),
            Fields::new().hex("plaintext", &plaintext),
        );
    }
    let zero_key = [0u8; 32];
    let plaintext = b"all-zero key".to_vec();
    let ciphertext = cake::seal(&Secret32::from_bytes(zero_key), &plaintext, &mut rng).unwrap();
    recorder.valid(
        "all-zero key",
        &["ConstantKey"],
        inputs(&zero_key, &ciphertext),
        Fields::new().hex("plaintext", &plaintext),
    );

    recorder.group("Chunk nonces computed from section 7");
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let plaintext = random_bytes(&mut rng, 40);
    let final_chunk = spec::cake_single_chunk(&key, &nonce, &plaintext, 1);
    recorder.valid(
        "final chunk 0 under counter 1",
        &["Normal"],
        inputs(&key, &final_chunk),
        Fields::new().hex("plaintext", &plaintext),
    );
    let non_final = spec::cake_single_chunk(&key, &nonce, &plaintext, 0);
    recorder.invalid(
        "only chunk sealed as non-final, counter 0",
        "NonFinalChunk",
        "DecryptionFailed",
        inputs(&key, &non_final),
    );
    let empty_non_final = spec::cake_single_chunk(&key, &nonce, b"", 0);
    recorder.invalid(
        "empty only chunk sealed as non-final, counter 0",
        "NonFinalChunk",
        "DecryptionFailed",
        inputs(&key, &empty_non_final),
    );
    let wrong_index = spec::cake_single_chunk(&key, &nonce, &plaintext, 3);
    recorder.invalid(
        "final chunk sealed as chunk 1, counter 3",
        "WrongChunkIndex",
        "DecryptionFailed",
        inputs(&key, &wrong_index),
    );

    recorder.group("Wrong key and modified header");
    let plaintext = random_bytes(&mut rng, 33);
    let ciphertext = cake::seal(&Secret32::from_bytes(key), &plaintext, &mut rng).unwrap();
    recorder.invalid("another key", "WrongKey", "KeyCommitmentMismatch", inputs(&random32(&mut rng), &ciphertext));
    recorder.invalid(
        "bit flipped in the nonce",
        "ModifiedNonce",
        "KeyCommitmentMismatch",
        inputs(&key, &flipped(&ciphertext, 0)),
    );
    recorder.invalid(
        "bit flipped in the commitment",
        "ModifiedCommitment",
        "KeyCommitmentMismatch",
        inputs(&key, &flipped(&ciphertext, 24)),
    );
    let mut swapped_commitment = ciphertext.clone();
    swapped_commitment[24..56].copy_from_slice(&ciphertext[..32]);
    recorder.invalid(
        "commitment replaced by other bytes",
        "ModifiedCommitment",
        "KeyCommitmentMismatch",
        inputs(&key, &swapped_commitment),
    );

    recorder.group("Modified or truncated chunk");
    recorder.invalid(
        "bit flipped in the chunk ciphertext",
        "ModifiedChunk",
        "DecryptionFailed",
        inputs(&key, &flipped(&ciphertext, 56)),
    );
    let last = ciphertext.len() - 1;
    recorder.invalid(
        "bit flipped in the tag",
        "ModifiedChunk",
        "DecryptionFailed",
        inputs(&key, &flipped(&ciphertext, last)),
    );
    recorder.invalid(
        "last byte of the tag removed",
        "TruncatedChunk",
        "DecryptionFailed",
        inputs(&key, &ciphertext[..last]),
    );
    recorder.invalid(
        "one byte appended",
        "AppendedBytes",
        "DecryptionFailed",
        inputs(&key, &appended(&ciphertext, &[0])),
    );
    recorder.invalid(
        "71 bytes, one short of the minimum",
        "ShortCiphertext",
        "Truncated",
        inputs(&key, &ciphertext[..71]),
    );
    recorder.invalid("header only, 56 bytes", "ShortCiphertext", "Truncated", inputs(&key, &ciphertext[..56]));
    recorder.invalid("empty ciphertext", "ShortCiphertext", "Truncated", inputs(&key, b""));

    recorder.group("Ciphertexts of two chunks");
    let plaintext = random_bytes(&mut rng, cake::CHUNK_LEN + 1);
    let ciphertext = cake::seal(&Secret32::from_bytes(key), &plaintext, &mut rng).unwrap();
    recorder.valid(
        "a full chunk and a 1-byte final chunk",
        &["MultiChunk"],
        inputs(&key, &ciphertext),
        Fields::new().hex("plaintext", &plaintext),
    );
    let one_sealed_chunk = cake::HEADER_LEN + cake::CHUNK_LEN + cake::TAG_LEN;
    recorder.invalid(
        "final chunk removed, so a full chunk comes last",
        "DroppedFinalChunk",
        "Malformed",
        inputs(&key, &ciphertext[..one_sealed_chunk]),
    );
    recorder.finish()
}

/// 2026-01-01T00:00:00Z in Unix seconds.
const LINK_EXPIRY: u64 = 1_767_225_600;

pub(crate) fn link() -> RecordedFile {
    let mut rng = rng_for("link");
    let mut recorder = Recorder::new("link", "docs/crypto.md section 9, Password-expiring links");
    let inputs = |record: &[u8], url: &str, now: u64| {
        Fields::new().hex("record", record).text("url_text", url).hex("now", now.to_be_bytes())
    };
    let secret_of = |url: &str| -> [u8; 32] {
        let fragment = url.split_once('#').unwrap().1;
        Base64UrlUnpadded::decode_vec(fragment).unwrap().try_into().unwrap()
    };
    let outputs = |link_id: &[u8; 16], url: &str, payload: &[u8]| {
        Fields::new().hex("content_key", spec::link_content_key(link_id, &secret_of(url))).hex("payload", payload)
    };

    recorder.group("Links created by the reference, opened before they expire");
    let shared_key = random32(&mut rng);
    let (record, secret) = create_link(&shared_key, LINK_EXPIRY, &mut rng).unwrap();
    let url = secret.url(&record.link_id).to_string();
    let record_bytes = record.to_bytes();
    let link_outputs = outputs(&record.link_id.0, &url, &shared_key);
    recorder.valid(
        "32-byte payload one second before expiry",
        &["Normal"],
        inputs(&record_bytes, &url, LINK_EXPIRY - 1),
        link_outputs.clone(),
    );
    recorder.valid("32-byte payload at time 0", &["Normal"], inputs(&record_bytes, &url, 0), link_outputs.clone());
    let (empty_record, empty_secret) = create_link(b"", LINK_EXPIRY, &mut rng).unwrap();
    let empty_url = empty_secret.url(&empty_record.link_id).to_string();
    recorder.valid(
        "empty payload",
        &["EmptyPayload"],
        inputs(&empty_record.to_bytes(), &empty_url, 1),
        outputs(&empty_record.link_id.0, &empty_url, b""),
    );
    let text: Vec<u8> = "A message for a reader outside the service. ".repeat(24).into_bytes();
    let (text_record, text_secret) = create_link(&text, LINK_EXPIRY, &mut rng).unwrap();
    let text_url = text_secret.url(&text_record.link_id).to_string();
    recorder.valid(
        "1056-byte payload",
        &["Normal"],
        inputs(&text_record.to_bytes(), &text_url, LINK_EXPIRY - 3600),
        outputs(&text_record.link_id.0, &text_url, &text),
    );
    let extended = LinkRecord { expires_at: LINK_EXPIRY + 86_400, ..record.clone() };
    recorder.valid(
        "expiry moved one day later by the service: the ciphertext does not bind the expiry",
        &["ExpiryNotBound"],
        inputs(&extended.to_bytes(), &url, LINK_EXPIRY + 10),
        link_outputs,
    );

    recorder.group("Expired links");
    recorder.invalid("opened at the expiry time", "Expired", "LinkExpired", inputs(&record_bytes, &url, LINK_EXPIRY));
    recorder.invalid(
        "opened one day after expiry",
        "Expired",
        "LinkExpired",
        inputs(&record_bytes, &url, LINK_EXPIRY + 86_400),
    );

    recorder.group("Wrong secret and modified records");
    let wrong_url = LinkSecret::from_secret(Secret32::from_bytes(random32(&mut rng))).url(&record.link_id).to_string();
    recorder.invalid(
        "URL with another secret",
        "WrongSecret",
        "KeyCommitmentMismatch",
        inputs(&record_bytes, &wrong_url, 1),
    );
    let ciphertext_start = 1 + 16 + 8 + 4;
    let last = record_bytes.len() - 1;
    recorder.invalid(
        "bit flipped in the last byte of the ciphertext",
        "ModifiedCiphertext",
        "DecryptionFailed",
        inputs(&flipped(&record_bytes, last), &url, 1),
    );
    recorder.invalid(
        "bit flipped in the Cake commitment",
        "ModifiedCommitment",
        "KeyCommitmentMismatch",
        inputs(&flipped(&record_bytes, ciphertext_start + 24), &url, 1),
    );
    let mut moved = record.clone();
    moved.link_id.0[0] ^= 1;
    let moved_url = secret.url(&moved.link_id).to_string();
    recorder.invalid(
        "ciphertext served under another link id, which the URL also names",
        "MovedLinkId",
        "KeyCommitmentMismatch",
        inputs(&moved.to_bytes(), &moved_url, 1),
    );
    recorder.invalid(
        "record version 2",
        "UnsupportedVersion",
        "UnsupportedVersion",
        inputs(&replaced(&record_bytes, 0, 2), &url, 1),
    );
    recorder.invalid(
        "record cut inside the ciphertext",
        "TruncatedRecord",
        "Truncated",
        inputs(&record_bytes[..last], &url, 1),
    );
    recorder.invalid(
        "one byte appended to the record",
        "TrailingBytes",
        "TrailingBytes",
        inputs(&appended(&record_bytes, &[0]), &url, 1),
    );

    recorder.group("URLs that do not parse");
    let (id_hex, fragment) = url.strip_prefix("https://mail.example/l/").unwrap().split_once('#').unwrap();
    let with = |id: &str, fragment: &str| format!("https://mail.example/l/{id}#{fragment}");
    recorder.invalid(
        "http instead of https",
        "WrongPrefix",
        "WrongPrefix",
        inputs(&record_bytes, &url.replacen("https", "http", 1), 1),
    );
    recorder.invalid(
        "no fragment",
        "MissingSecret",
        "MissingSecret",
        inputs(&record_bytes, url.split('#').next().unwrap(), 1),
    );
    recorder.invalid(
        "link id in upper case",
        "BadLinkId",
        "BadLinkId",
        inputs(&record_bytes, &with(&id_hex.to_uppercase(), fragment), 1),
    );
    recorder.invalid(
        "link id of 31 characters",
        "BadLinkId",
        "BadLinkId",
        inputs(&record_bytes, &with(&id_hex[1..], fragment), 1),
    );
    recorder.invalid(
        "secret of 42 characters",
        "BadSecretLength",
        "BadSecretLength",
        inputs(&record_bytes, &with(id_hex, &fragment[1..]), 1),
    );
    recorder.invalid(
        "secret with = padding, 44 characters",
        "BadSecretLength",
        "BadSecretLength",
        inputs(&record_bytes, &with(id_hex, &format!("{fragment}=")), 1),
    );
    recorder.invalid(
        "secret with a character outside base64url",
        "BadSecretEncoding",
        "BadSecretEncoding",
        inputs(&record_bytes, &with(id_hex, &format!("{}+", &fragment[..42])), 1),
    );
    // The last of 43 characters carries 4 bits of the secret and 2 unused bits, which must be 0.
    let last_char = fragment.as_bytes()[42];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let position = alphabet.iter().position(|&c| c == last_char).unwrap();
    let non_canonical = char::from(alphabet[position | 1]);
    recorder.invalid(
        "last secret character with a nonzero unused bit",
        "BadSecretEncoding",
        "BadSecretEncoding",
        inputs(&record_bytes, &with(id_hex, &format!("{}{non_canonical}", &fragment[..42])), 1),
    );
    recorder.finish()
}

pub(crate) fn at_rest() -> RecordedFile {
    let mut rng = rng_for("at_rest");
    let mut recorder =
        Recorder::new("at_rest", "docs/crypto.md section 10, Service-managed keys for standard mail at rest");
    let (eu_key, us_key, other_eu_key) = (random32(&mut rng), random32(&mut rng), random32(&mut rng));
    let eu_root = RegionRootKey::from_secret(Region::Eu, Secret32::from_bytes(eu_key));
    let us_root = RegionRootKey::from_secret(Region::Us, Secret32::from_bytes(us_key));
    let acme_key = AccountDataKey::generate(&mut rng);
    let globex_key = AccountDataKey::generate(&mut rng);
    let acme_wrapped = eu_root.wrap("acme", &acme_key, &mut rng).unwrap().to_bytes();
    let globex_wrapped = us_root.wrap("globex", &globex_key, &mut rng).unwrap().to_bytes();

    let mail: Vec<u8> =
        b"From: carol@outside.example\r\nSubject: Quarterly report\r\n\r\nThe figures are attached.\r\n".to_vec();
    let mail_object = acme_key.encrypt("acme", "mail-1", &mail, &mut rng).unwrap();
    let empty_object = acme_key.encrypt("acme", "folders", b"", &mut rng).unwrap();
    let draft: Vec<u8> = "Entwurf für die Besprechung am Montag".as_bytes().to_vec();
    let draft_object = globex_key.encrypt("globex", "Entwürfe/1", &draft, &mut rng).unwrap();
    let globex_mail = globex_key.encrypt("globex", "mail-1", &mail, &mut rng).unwrap();

    let inputs = |root_key: &[u8; 32], region: u8, wrapped: &[u8], account: &str, object_id: &str, object: &[u8]| {
        Fields::new()
            .hex("root_key", root_key)
            .hex("root_region", [region])
            .hex("wrapped_data_key", wrapped)
            .text("account_id_text", account)
            .text("object_id_text", object_id)
            .hex("stored_object", object)
    };
    let acme = |wrapped: &[u8], object: &[u8]| inputs(&eu_key, 2, wrapped, "acme", "mail-1", object);
    let plaintext = |bytes: &[u8]| Fields::new().hex("plaintext", bytes);

    recorder.group("Objects of accounts in both regions");
    recorder.valid("EU account, mail object", &["Normal"], acme(&acme_wrapped, &mail_object), plaintext(&mail));
    recorder.valid(
        "EU account, empty object",
        &["EmptyObject"],
        inputs(&eu_key, 2, &acme_wrapped, "acme", "folders", &empty_object),
        plaintext(b""),
    );
    recorder.valid(
        "US account, object id with non-ASCII UTF-8",
        &["NonAsciiId"],
        inputs(&us_key, 1, &globex_wrapped, "globex", "Entwürfe/1", &draft_object),
        plaintext(&draft),
    );

    recorder.group("Wrapped data key for another account or region");
    recorder.invalid(
        "account id globex for the key wrapped for acme",
        "WrongAccount",
        "DecryptionFailed",
        acme(&acme_wrapped, &mail_object).text("account_id_text", "globex"),
    );
    recorder.invalid(
        "US root key for a key wrapped in the EU",
        "WrongRegionKey",
        "RegionMismatch",
        acme(&acme_wrapped, &mail_object).hex("root_key", us_key).hex("root_region", [1]),
    );
    recorder.invalid(
        "another EU root key",
        "WrongRootKey",
        "DecryptionFailed",
        acme(&acme_wrapped, &mail_object).hex("root_key", other_eu_key),
    );
    recorder.invalid(
        "region byte changed to US, and the EU root key presented as US",
        "ModifiedWrappedKey",
        "DecryptionFailed",
        acme(&replaced(&acme_wrapped, 1, 1), &mail_object).hex("root_region", [1]),
    );
    recorder.invalid(
        "bit flipped in the wrapped key ciphertext",
        "ModifiedWrappedKey",
        "DecryptionFailed",
        acme(&flipped(&acme_wrapped, 20), &mail_object),
    );
    recorder.invalid(
        "bit flipped in the wrap nonce",
        "ModifiedWrappedKey",
        "DecryptionFailed",
        acme(&flipped(&acme_wrapped, 2), &mail_object),
    );
    recorder.invalid("region code 3", "UnknownRegion", "Malformed", acme(&replaced(&acme_wrapped, 1, 3), &mail_object));
    recorder.invalid("61 of 62 bytes", "TruncatedWrappedKey", "Truncated", acme(&acme_wrapped[..61], &mail_object));

    recorder.group("Stored objects moved or modified");
    let last = mail_object.len() - 1;
    recorder.invalid(
        "bit flipped in the object ciphertext",
        "ModifiedObject",
        "DecryptionFailed",
        acme(&acme_wrapped, &flipped(&mail_object, last)),
    );
    recorder.invalid(
        "object read under another object id",
        "WrongObjectId",
        "KeyCommitmentMismatch",
        acme(&acme_wrapped, &mail_object).text("object_id_text", "mail-2"),
    );
    recorder.invalid(
        "object of another account under the same object id",
        "MovedObject",
        "KeyCommitmentMismatch",
        acme(&acme_wrapped, &globex_mail),
    );
    recorder.invalid("object cut to 40 bytes", "TruncatedObject", "Truncated", acme(&acme_wrapped, &mail_object[..40]));
    recorder.finish()
}
