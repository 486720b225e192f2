//! Recorders of the `puk_derivation`, `puk_seed_seal` and `backup_key` vector files.

use super::fields::Fields;
use super::record::{appended, flipped, generation, random32, replaced, rng_for, Recorder};
use super::spec;
use super::RecordedFile;
use mailspec_sim::crypto::{seal_puk_history, seal_puk_seed, DeviceKeys, Puk, Secret32};
use rand_core::RngCore;

pub(crate) fn puk_derivation() -> RecordedFile {
    let mut rng = rng_for("puk_derivation");
    let mut recorder = Recorder::new("puk_derivation", "docs/crypto.md section 3, Per-user keys");
    let inputs =
        |seed: &[u8; 32], generation: u32| Fields::new().hex("seed", seed).hex("generation", generation.to_be_bytes());

    recorder.group("Keys of one PUK generation derived from its seed");
    let first_seed = random32(&mut rng);
    let cases: [(&str, &[&str], [u8; 32], u32); 6] = [
        ("random seed, generation 1", &["Normal"], first_seed, 1),
        ("the same seed at generation 2 derives the same keys", &["Normal"], first_seed, 2),
        ("random seed, generation 7", &["Normal"], random32(&mut rng), 7),
        ("all-zero seed", &["ConstantSeed"], [0u8; 32], 1),
        ("all-0xff seed", &["ConstantSeed"], [0xffu8; 32], 1),
        ("last generation, 2^32 - 1", &["MaximumGeneration"], random32(&mut rng), u32::MAX),
    ];
    for (comment, flags, seed, generation) in cases {
        let mail_public = spec::x25519_public(&spec::puk_mail_private(&seed));
        let outputs = Fields::new()
            .hex("mail_public_key", mail_public)
            .hex("symmetric_key", spec::puk_symmetric(&seed))
            .hex("public_key", spec::puk_public_encoding(generation, &mail_public));
        recorder.valid(comment, flags, inputs(&seed, generation), outputs);
    }

    recorder.group("Generation 0 does not exist");
    recorder.invalid("generation 0", "GenerationZero", "Malformed", inputs(&first_seed, 0));
    recorder.finish()
}

pub(crate) fn puk_seed_seal() -> RecordedFile {
    let mut rng = rng_for("puk_seed_seal");
    let mut recorder = Recorder::new("puk_seed_seal", "docs/crypto.md section 5, Sealing a PUK seed to a device");

    let device_secrets = (random32(&mut rng), random32(&mut rng));
    let other_device_secrets = (random32(&mut rng), random32(&mut rng));
    let device =
        DeviceKeys::from_secrets(&Secret32::from_bytes(device_secrets.0), &Secret32::from_bytes(device_secrets.1));
    let seeds = [random32(&mut rng), random32(&mut rng)];
    let first = Puk::from_seed(generation(1), Secret32::from_bytes(seeds[0]));
    let second = Puk::from_seed(generation(2), Secret32::from_bytes(seeds[1]));
    let published = |generation: u32, seed: &[u8; 32]| {
        spec::puk_public_encoding(generation, &spec::x25519_public(&spec::puk_mail_private(seed)))
    };
    let inputs = |sealed: &[u8], user: &str, device_id: &str, secrets: &([u8; 32], [u8; 32]), expected: &[u8]| {
        Fields::new()
            .hex("sealed_seed", sealed)
            .text("user_id_text", user)
            .text("device_id_text", device_id)
            .hex("device_ed25519_seed", secrets.0)
            .hex("device_x25519_private", secrets.1)
            .hex("expected_public_key", expected)
    };

    recorder.group("Seeds sealed by the reference and opened by the device");
    let sealed = seal_puk_seed(&first, "alice", "tablet", device.public_keys(), &mut rng).unwrap().to_bytes();
    let first_public = published(1, &seeds[0]);
    let seed_output = |seed: &[u8; 32]| Fields::new().hex("seed", seed);
    recorder.valid(
        "generation 1 sealed to the tablet",
        &["Normal"],
        inputs(&sealed, "alice", "tablet", &device_secrets, &first_public),
        seed_output(&seeds[0]),
    );
    let history = seal_puk_history([&first, &second], "alice", "tablet", device.public_keys(), &mut rng).unwrap();
    for (index, (sealed_seed, seed)) in history.iter().zip(&seeds).enumerate() {
        let generation = index as u32 + 1;
        recorder.valid(
            &format!("generation {generation} of the history sealed to a new device"),
            &["History"],
            inputs(&sealed_seed.to_bytes(), "alice", "tablet", &device_secrets, &published(generation, seed)),
            seed_output(seed),
        );
    }
    let unicode = seal_puk_seed(&first, "zoë", "téléphone", device.public_keys(), &mut rng).unwrap().to_bytes();
    recorder.valid(
        "user and device ids with non-ASCII UTF-8",
        &["NonAsciiId"],
        inputs(&unicode, "zoë", "téléphone", &device_secrets, &first_public),
        seed_output(&seeds[0]),
    );
    let (long_user, long_device) = ("u".repeat(255), "d".repeat(255));
    let long = seal_puk_seed(&first, &long_user, &long_device, device.public_keys(), &mut rng).unwrap().to_bytes();
    recorder.valid(
        "user and device ids of 255 bytes, the maximum",
        &["MaximumLengthId"],
        inputs(&long, &long_user, &long_device, &device_secrets, &first_public),
        seed_output(&seeds[0]),
    );

    recorder.group("Boxes bound to another device, user, device id or generation");
    let base = |sealed: &[u8]| inputs(sealed, "alice", "tablet", &device_secrets, &first_public);
    recorder.invalid(
        "opened with the keys of another device",
        "WrongDevice",
        "DecryptionFailed",
        inputs(&sealed, "alice", "tablet", &other_device_secrets, &first_public),
    );
    recorder.invalid(
        "opened for another user id",
        "WrongUserId",
        "DecryptionFailed",
        base(&sealed).text("user_id_text", "mallory"),
    );
    recorder.invalid(
        "opened for another device id",
        "WrongDeviceId",
        "DecryptionFailed",
        base(&sealed).text("device_id_text", "phone"),
    );
    let second_with_first_key = published(2, &seeds[0]);
    recorder.invalid(
        "generation field changed from 1 to 2, expected key of generation 2 with the same mail key",
        "ModifiedGeneration",
        "DecryptionFailed",
        base(&replaced(&sealed, 4, 2)).hex("expected_public_key", &second_with_first_key),
    );
    recorder.invalid(
        "box of generation 1, expected public key of generation 2",
        "StaleGeneration",
        "StaleGeneration",
        base(&sealed).hex("expected_public_key", published(2, &seeds[1])),
    );
    recorder.invalid("empty user id", "EmptyUserId", "InvalidId", base(&sealed).text("user_id_text", ""));

    recorder.group("Modified boxes");
    recorder.invalid("bit flipped in enc", "ModifiedEnc", "DecryptionFailed", base(&flipped(&sealed, 5)));
    let mut zero_enc = sealed.clone();
    zero_enc[5..37].fill(0);
    recorder.invalid(
        "enc replaced by the all-zero low-order point",
        "ModifiedEnc",
        "DecryptionFailed",
        base(&zero_enc),
    );
    recorder.invalid(
        "bit flipped in the ciphertext",
        "ModifiedCiphertext",
        "DecryptionFailed",
        base(&flipped(&sealed, 37)),
    );
    recorder.invalid("bit flipped in the tag", "ModifiedCiphertext", "DecryptionFailed", base(&flipped(&sealed, 84)));
    let impostor = Puk::from_seed(generation(1), Secret32::from_bytes(random32(&mut rng)));
    let planted = seal_puk_seed(&impostor, "alice", "tablet", device.public_keys(), &mut rng).unwrap().to_bytes();
    recorder.invalid(
        "a correctly sealed seed that does not derive the published public key",
        "PlantedSeed",
        "PukMismatch",
        base(&planted),
    );

    recorder.group("Encodings that do not decode");
    recorder.invalid("version byte 2", "UnsupportedVersion", "UnsupportedVersion", base(&replaced(&sealed, 0, 2)));
    recorder.invalid("84 of 85 bytes", "Truncated", "Truncated", base(&sealed[..84]));
    recorder.invalid("one byte appended", "TrailingBytes", "TrailingBytes", base(&appended(&sealed, &[0])));
    let mut zero_generation = sealed.clone();
    zero_generation[1..5].fill(0);
    recorder.invalid("generation field 0", "GenerationZero", "Malformed", base(&zero_generation));
    recorder.finish()
}

/// Returns the expected outputs of a backup key for one user, from `spec`.
fn backup_outputs(key_id: u32, secret: &[u8; 20], user_id: &str) -> Fields {
    let seed = spec::backup_seed(key_id, secret, user_id);
    let (signing_seed, encryption_secret) = spec::backup_device_secrets(&seed);
    let device =
        DeviceKeys::from_secrets(&Secret32::from_bytes(signing_seed), &Secret32::from_bytes(encryption_secret));
    Fields::new()
        .text("canonical_text", &spec::backup_key_text(key_id, secret))
        .hex("seed", seed)
        .hex("device_public_keys", device.public_keys().to_bytes())
}

/// Returns `text` with the character at `index` replaced.
fn replace_char(text: &str, index: usize, replacement: &str) -> String {
    let mut characters: Vec<String> = text.chars().map(String::from).collect();
    characters[index] = replacement.to_string();
    characters.concat()
}

pub(crate) fn backup_key() -> RecordedFile {
    let mut rng = rng_for("backup_key");
    let mut recorder = Recorder::new("backup_key", "docs/crypto.md section 6, Backup keys");
    let inputs = |text: &str, user: &str| Fields::new().text("key_text", text).text("user_id_text", user);

    let key_id = rng.next_u32() & 0xF_FFFF;
    let mut secret = [0u8; 20];
    rng.fill_bytes(&mut secret);
    let text = spec::backup_key_text(key_id, &secret);
    let outputs = backup_outputs(key_id, &secret, "alice");

    recorder.group("Spellings that parse to the same key");
    let padded_to_256 = format!("{text}{}", " ".repeat(256 - text.len()));
    let spellings = [
        ("canonical text", &["Normal"][..], text.clone()),
        ("lower case", &["LowerCase"], text.to_lowercase()),
        (
            "mixed case",
            &["LowerCase"],
            text.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_lowercase() } else { c }).collect(),
        ),
        ("spaces instead of dashes", &["OtherSeparators"], text.replace('-', " ")),
        ("no separators", &["OtherSeparators"], text.replace('-', "")),
        ("tabs, newlines and doubled dashes", &["OtherSeparators"], format!("\t{}\n", text.replace('-', "--"))),
        ("padded with spaces to 256 bytes, the maximum", &["MaximumTextLength"], padded_to_256.clone()),
    ];
    for (comment, flags, spelling) in spellings {
        recorder.valid(comment, flags, inputs(&spelling, "alice"), outputs.clone());
    }

    // Key id 33 spells "0011", so the first group can use every Crockford alias.
    let alias_id = 33;
    let mut alias_secret = [0u8; 20];
    rng.fill_bytes(&mut alias_secret);
    let alias_text = spec::backup_key_text(alias_id, &alias_secret);
    assert!(alias_text.starts_with("0011-"));
    let alias_outputs = backup_outputs(alias_id, &alias_secret, "zoë");
    recorder.valid(
        "key id 0011, non-ASCII user id",
        &["NonAsciiUserId"],
        inputs(&alias_text, "zoë"),
        alias_outputs.clone(),
    );
    let aliased = format!("oOIl{}", &alias_text[4..]);
    recorder.valid(
        "key id spelled oOIl: o and O read as 0, I and l as 1",
        &["CrockfordAliases"],
        inputs(&aliased, "zoë"),
        alias_outputs,
    );

    recorder.group("Typing errors");
    let substituted = if text.as_bytes()[12] == b'A' { "B" } else { "A" };
    recorder.invalid(
        "one character of the secret substituted",
        "BadChecksum",
        "ChecksumMismatch",
        inputs(&replace_char(&text, 12, substituted), "alice"),
    );
    let swap_at = (5..text.len() - 1)
        .find(|&i| {
            text.as_bytes()[i] != text.as_bytes()[i + 1] && text.as_bytes()[i + 1] != b'-' && text.as_bytes()[i] != b'-'
        })
        .unwrap();
    let mut swapped = text.clone().into_bytes();
    swapped.swap(swap_at, swap_at + 1);
    let swapped = String::from_utf8(swapped).unwrap();
    recorder.invalid("two adjacent characters swapped", "BadChecksum", "ChecksumMismatch", inputs(&swapped, "alice"));
    let checksum_start = text.len() - 4;
    let checksum_replacement = if text.as_bytes()[checksum_start] == b'Z' { "Y" } else { "Z" };
    recorder.invalid(
        "first checksum character changed",
        "BadChecksum",
        "ChecksumMismatch",
        inputs(&replace_char(&text, checksum_start, checksum_replacement), "alice"),
    );
    recorder.invalid(
        "U at position 5, excluded from Crockford base32",
        "BadCharacter",
        "BadCharacter",
        inputs(&replace_char(&text, 5, "U"), "alice"),
    );
    recorder.invalid(
        "underscore at position 10",
        "BadCharacter",
        "BadCharacter",
        inputs(&replace_char(&text, 10, "_"), "alice"),
    );
    recorder.invalid(
        "non-ASCII letter at position 20",
        "BadCharacter",
        "BadCharacter",
        inputs(&replace_char(&text, 20, "é"), "alice"),
    );
    recorder.invalid(
        "last character missing: 39 characters",
        "BadLength",
        "BadLength",
        inputs(&text[..text.len() - 1], "alice"),
    );
    recorder.invalid(
        "one character too many: 41 characters",
        "BadLength",
        "BadLength",
        inputs(&format!("{text}A"), "alice"),
    );
    recorder.invalid("empty text", "BadLength", "BadLength", inputs("", "alice"));
    recorder.invalid(
        "valid key padded with spaces to 257 bytes",
        "TextTooLong",
        "BadLength",
        inputs(&format!("{padded_to_256} "), "alice"),
    );

    recorder.group("Valid key for an invalid user id");
    recorder.invalid("empty user id", "EmptyUserId", "InvalidId", inputs(&text, ""));
    recorder.finish()
}
