//! Known-answer tests: published vectors run through the primitives and the suites this crate uses.

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use mailspec_sim::crypto::kdf::hkdf_sha256;
use mailspec_sim::crypto::seal::{hpke_open, hpke_seal};
use mailspec_sim::crypto::{cake, DeviceKeys, Secret32};
use rand_core::{CryptoRng, RngCore};
use x25519_dalek::{x25519, PublicKey, StaticSecret};

fn bytes(text: &str) -> Vec<u8> {
    hex::decode(text).expect("test vectors are valid hex")
}

fn array32(text: &str) -> [u8; 32] {
    bytes(text).try_into().expect("test vector is 32 bytes")
}

/// Replays fixed bytes as randomness, so an HPKE encapsulation uses a vector's ikmE.
struct FixedBytes {
    bytes: Vec<u8>,
    position: usize,
}

impl FixedBytes {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, position: 0 }
    }
}

impl RngCore for FixedBytes {
    fn next_u32(&mut self) -> u32 {
        let mut word = [0u8; 4];
        self.fill_bytes(&mut word);
        u32::from_le_bytes(word)
    }

    fn next_u64(&mut self) -> u64 {
        let mut word = [0u8; 8];
        self.fill_bytes(&mut word);
        u64::from_le_bytes(word)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let end = self.position + dest.len();
        assert!(
            end <= self.bytes.len(),
            "the test requested more bytes than the vector holds"
        );
        dest.copy_from_slice(&self.bytes[self.position..end]);
        self.position = end;
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for FixedBytes {}

// RFC 7748 section 5.2: the two X25519 scalar multiplication vectors.
#[test]
fn x25519_rfc7748_section_5_2() {
    let cases = [
        (
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
        ),
        (
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
        ),
    ];
    for (scalar, u_coordinate, expected) in cases {
        assert_eq!(
            x25519(array32(scalar), array32(u_coordinate)),
            array32(expected),
            "scalar {scalar}"
        );
    }
}

// RFC 7748 section 6.1: Alice's and Bob's key pairs and their shared secret.
#[test]
fn x25519_rfc7748_section_6_1() {
    let alice = StaticSecret::from(array32(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    ));
    let bob = StaticSecret::from(array32(
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
    ));
    let alice_public = PublicKey::from(&alice);
    let bob_public = PublicKey::from(&bob);
    let shared = array32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    assert_eq!(
        alice_public.to_bytes(),
        array32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    );
    assert_eq!(
        bob_public.to_bytes(),
        array32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    );
    assert_eq!(alice.diffie_hellman(&bob_public).to_bytes(), shared);
    assert_eq!(bob.diffie_hellman(&alice_public).to_bytes(), shared);
}

// RFC 7748 section 6.1 keys used as device encryption keys: DeviceKeys publishes X25519(k, 9).
#[test]
fn device_encryption_key_matches_rfc7748() {
    let device = DeviceKeys::from_secrets(
        &Secret32::from_bytes([1; 32]),
        &Secret32::from_bytes(array32(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        )),
    );
    assert_eq!(
        device.public_keys().encryption_key_bytes(),
        array32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    );
}

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72), signed with DeviceKeys.
#[test]
fn ed25519_rfc8032_tests_1_and_2() {
    let cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ];
    for (secret, public, message, signature) in cases {
        let device = DeviceKeys::from_secrets(
            &Secret32::from_bytes(array32(secret)),
            &Secret32::from_bytes([1; 32]),
        );
        let message = bytes(message);
        let expected: [u8; 64] = bytes(signature).try_into().unwrap();

        assert_eq!(
            device.public_keys().signing_key_bytes(),
            array32(public),
            "public key of {secret}"
        );
        assert_eq!(device.sign(&message), expected, "signature of {secret}");
        assert!(device
            .public_keys()
            .verify("RFC 8032 vector", &message, &expected)
            .is_ok());
    }
}

// RFC 5869 appendix A.1 (test case 1): HKDF-SHA256 with salt, info and L = 42.
#[test]
fn hkdf_sha256_rfc5869_a1() {
    let ikm = bytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    let salt = bytes("000102030405060708090a0b0c");
    let info = bytes("f0f1f2f3f4f5f6f7f8f9");
    let mut okm = [0u8; 42];
    assert!(hkdf_sha256(Some(&salt), &ikm, &[&info], &mut okm));
    assert_eq!(
        okm.to_vec(),
        bytes(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        )
    );
    // The info string may arrive in parts; the parts are concatenated.
    let mut split = [0u8; 42];
    assert!(hkdf_sha256(
        Some(&salt),
        &ikm,
        &[&info[..3], &info[3..]],
        &mut split
    ));
    assert_eq!(split, okm);
}

#[test]
fn hkdf_sha256_rejects_oversized_output() {
    let mut too_long = vec![0u8; 255 * 32 + 1];
    assert!(!hkdf_sha256(None, b"ikm", &[], &mut too_long));
}

// McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B, test cases
// 13 to 16 (the AES-256 cases), also used by NIST SP 800-38D implementations.
#[test]
fn aes256_gcm_test_cases_13_to_16() {
    let key_15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    let plaintext_15 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    let ciphertext_15 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
    // (name, key, iv, plaintext, aad, ciphertext, tag)
    let cases = [
        (
            "13",
            "00".repeat(32),
            "000000000000000000000000",
            String::new(),
            "",
            String::new(),
            "530f8afbc74536b9a963b4f1c4cb738b",
        ),
        (
            "14",
            "00".repeat(32),
            "000000000000000000000000",
            "00".repeat(16),
            "",
            "cea7403d4d606b6e074ec5d3baf39d18".to_owned(),
            "d0d1c8a799996bf0265b98b5d48ab919",
        ),
        (
            "15",
            key_15.to_owned(),
            "cafebabefacedbaddecaf888",
            plaintext_15.to_owned(),
            "",
            ciphertext_15.to_owned(),
            "b094dac5d93471bdec1a502270e3cc6c",
        ),
        (
            "16",
            key_15.to_owned(),
            "cafebabefacedbaddecaf888",
            plaintext_15[..120].to_owned(),
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext_15[..120].to_owned(),
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    for (name, key, iv, plaintext, aad, ciphertext, tag) in cases {
        let cipher = Aes256Gcm::new(GenericArray::from_slice(&bytes(&key)));
        let iv = bytes(iv);
        let aad = bytes(aad);
        let mut buffer = bytes(&plaintext);
        let computed_tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(&iv), &aad, &mut buffer)
            .unwrap();
        assert_eq!(buffer, bytes(&ciphertext), "ciphertext of test case {name}");
        assert_eq!(computed_tag.to_vec(), bytes(tag), "tag of test case {name}");

        cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(&iv),
                &aad,
                &mut buffer,
                Tag::from_slice(&bytes(tag)),
            )
            .unwrap();
        assert_eq!(buffer, bytes(&plaintext), "decryption of test case {name}");
    }
}

const HPKE_INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const HPKE_PLAINTEXT: &str = "4265617574792069732074727574682c20747275746820626561757479";
const HPKE_AAD_SEQUENCE_0: &str = "436f756e742d30";

// RFC 9180 appendix A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode),
// first encryption. It checks the KEM and KDF that the AES-256-GCM suite shares.
#[test]
fn hpke_rfc9180_a1_base_mode() {
    let ikm_e = bytes("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234");
    let pk_rm = bytes("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
    let sk_rm = bytes("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8");
    let enc = bytes("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
    let ciphertext = bytes("f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a");
    let info = bytes(HPKE_INFO);
    let aad = bytes(HPKE_AAD_SEQUENCE_0);
    let plaintext = bytes(HPKE_PLAINTEXT);

    let recipient = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(&pk_rm).unwrap();
    let (computed_enc, computed_ciphertext) =
        hpke::single_shot_seal::<AesGcm128, HkdfSha256, X25519HkdfSha256, _>(
            &OpModeS::Base,
            &recipient,
            &info,
            &plaintext,
            &aad,
            &mut FixedBytes::new(ikm_e),
        )
        .unwrap();
    assert_eq!(computed_enc.to_bytes().to_vec(), enc);
    assert_eq!(computed_ciphertext, ciphertext);

    let private = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&sk_rm).unwrap();
    let opened = hpke::single_shot_open::<AesGcm128, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &private,
        &computed_enc,
        &info,
        &ciphertext,
        &aad,
    )
    .unwrap();
    assert_eq!(opened, plaintext);
}

// The suite used for PUK seeds, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, base
// mode, first encryption. RFC 9180 appendix A prints no vector for this suite. The figures come
// from the CFRG test-vectors.json at commit 5f503c5 of the HPKE draft repository, shipped in
// the hpke 0.12.0 crate as test-vectors-5f503c5.json (entry mode 0, kem_id 32, kdf_id 1, aead_id 2).
#[test]
fn hpke_aes256_gcm_cfrg_vector_through_seal_module() {
    let ikm_e = bytes("2cd7c601cefb3d42a62b04b7a9041494c06c7843818e0ce28a8f704ae7ab20f9");
    let pk_rm = array32("430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c");
    let sk_rm = array32("497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d");
    let enc = array32("6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256");
    let ciphertext = bytes("e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a");
    let info = bytes(HPKE_INFO);
    let aad = bytes(HPKE_AAD_SEQUENCE_0);
    let plaintext = bytes(HPKE_PLAINTEXT);

    let (computed_enc, computed_ciphertext) =
        hpke_seal(&pk_rm, &info, &aad, &plaintext, &mut FixedBytes::new(ikm_e)).unwrap();
    assert_eq!(computed_enc, enc);
    assert_eq!(computed_ciphertext, ciphertext);

    let opened = hpke_open(&Secret32::from_bytes(sk_rm), &enc, &info, &aad, &ciphertext).unwrap();
    assert_eq!(opened, plaintext);

    let mut altered = ciphertext.clone();
    altered[0] ^= 1;
    assert!(hpke_open(&Secret32::from_bytes(sk_rm), &enc, &info, &aad, &altered).is_err());
}

// BLAKE3 test vectors (test_vectors/test_vectors.json in the BLAKE3 reference repository,
// BLAKE3-team/BLAKE3): the first 32 bytes of the "hash" output for input lengths 0, 1, 1024
// and 1025, where the input repeats the bytes 0, 1, ..., 250. The manifest records this hash
// of each piece ciphertext.
#[test]
fn blake3_reference_test_vectors() {
    let cases = [
        (0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
        (1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"),
        (1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"),
        (1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"),
    ];
    for (len, expected) in cases {
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        assert_eq!(cake::ciphertext_hash(&input), array32(expected), "input length {len}");
    }
}

// The vectors below are not published. This implementation produced them, and an independent
// Python implementation written from docs/crypto.md with the `cryptography` package 48.0.0
// reproduced every byte. They pin the formats so that a change to any label or layout fails.

#[test]
fn puk_derivation_cross_implementation_vector() {
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let puk = mailspec_sim::crypto::Puk::from_seed(
        mailspec_sim::crypto::Generation::FIRST,
        Secret32::from_bytes(seed),
    );
    assert_eq!(
        puk.public_key().mail_key_bytes(),
        array32("80ac203e6cf083a604f388d1760fa2ad1fc21bf985662efe61691c364af74712")
    );
    assert_eq!(
        puk.symmetric_key().expose_secret(),
        &array32("69abb24037fe54f3e829b95b1d4ccfe92772ed0cdba7c324e833137692e65370")
    );
}

#[test]
fn cake_cross_implementation_vectors() {
    use mailspec_sim::crypto::cake;
    use sha2::{Digest, Sha256};

    let key = Secret32::from_bytes([0x11; 32]);
    let nonce: Vec<u8> = (0u8..24).collect();
    let short = cake::seal(
        &key,
        b"Cake-AES test vector",
        &mut FixedBytes::new(nonce.clone()),
    )
    .unwrap();
    assert_eq!(
        hex::encode(&short),
        "000102030405060708090a0b0c0d0e0f1011121314151617851aa68fc1d63c0f4226fbdbd825b5d33017c9da9e943510cfdafb77286d12c52abce9941ec4c46cdbe3837e6ef2ad0889413929555f8d5057db3f09ec210747ebe778ae"
    );

    // 20480 bytes: one full chunk and a final chunk of 4096 bytes.
    let plaintext: Vec<u8> = (0..80).flat_map(|_| 0u8..=255).collect();
    let long = cake::seal(&key, &plaintext, &mut FixedBytes::new(nonce)).unwrap();
    assert_eq!(long.len(), 20568);
    assert_eq!(
        hex::encode(Sha256::digest(&long)),
        "851b8c7a6660d304f96491577e0a6a3269dee7a8004c32cb740771420b5e302f"
    );
    assert_eq!(cake::open(&key, &long, "vector").unwrap(), plaintext);
}

#[test]
fn backup_device_cross_implementation_vector() {
    let key =
        mailspec_sim::crypto::BackupKey::parse("9AEC-VG23-6G8D-B3NS-H91J-3WC6-XNMP-JC48-PCPW-HQ05")
            .unwrap();
    assert_eq!(key.id().to_string(), "9AEC");
    let device = key.derive_device_keys("alice@x").unwrap();
    assert_eq!(
        hex::encode(device.public_keys().to_bytes()),
        "f6a9c1d613141f0a0a9df1e0e7fdd4165f803fb513089f4c4f2fe5bf119f90f20c3592dc9303ebf2c8a28170819f7b7c11c0b4b19817c9a5e2439f6505984129"
    );
}
