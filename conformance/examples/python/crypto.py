"""Known-answer checks of two constructions of docs/crypto.md: `puk_derivation` and `cake_aead`.

The runner sends one case of a file in vectors/crypto/ per `crypto` request. This
module computes the verdict from the case's `inputs` alone: `valid` with the
outputs as lowercase hex, or `invalid` when the construction rejects the inputs.
Every other construction gets the verdict `unsupported`, which makes the runner
skip its file.

It needs the `cryptography` package (tested with version 48.0.0). Without it,
AVAILABLE is False and the adapter does not claim the crypto capability.
"""

import hmac
import logging
import struct

from world import BadRequest, require, show

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    AVAILABLE = True
except ImportError:
    AVAILABLE = False

log = logging.getLogger("mailspec-adapter")


class InvalidInputs(Exception):
    """The construction rejects the inputs, so the verdict is `invalid`."""


def hkdf_sha256(ikm, info, length=32):
    """Derive with HKDF-SHA256 and no salt, which RFC 5869 treats as 32 zero bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def hex_input(inputs, name):
    value = require(inputs, name, "case.inputs")
    if not isinstance(value, str):
        raise BadRequest(f"case.inputs.{name} must be a hex string, got {show(value)}")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise BadRequest(f"case.inputs.{name} is not valid hex: {show(value)}") from None


# Per-user keys, docs/crypto.md section 3.

PUK_SEED_BYTES = 32


def puk_derivation(inputs):
    """Derive the keys of one PUK generation from its seed."""
    seed = hex_input(inputs, "seed")
    generation_bytes = hex_input(inputs, "generation")
    if len(seed) != PUK_SEED_BYTES:
        raise InvalidInputs(f"a PUK seed is {PUK_SEED_BYTES} bytes, got {len(seed)}")
    if len(generation_bytes) != 4:
        raise InvalidInputs(f"a generation is a 4-byte u32, got {len(generation_bytes)} bytes")
    (generation,) = struct.unpack(">I", generation_bytes)
    if generation == 0:
        raise InvalidInputs("generations count from 1")

    mail_private = hkdf_sha256(seed, b"mailspec v1 puk mail x25519")
    # from_private_bytes clamps the scalar, as X25519 (RFC 7748) requires.
    mail_public = X25519PrivateKey.from_private_bytes(mail_private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    symmetric = hkdf_sha256(seed, b"mailspec v1 puk symmetric")
    return {
        "mail_public_key": mail_public.hex(),
        "public_key": (generation_bytes + mail_public).hex(),
        "symmetric_key": symmetric.hex(),
    }


# Cake-AES, docs/crypto.md section 7.

CAKE_KEY_BYTES = 32
CAKE_NONCE_BYTES = 24
CAKE_COMMITMENT_BYTES = 32
CAKE_HEADER_BYTES = CAKE_NONCE_BYTES + CAKE_COMMITMENT_BYTES
CHUNK_BYTES = 16384
TAG_BYTES = 16
MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024


def chunk_nonce(index, final):
    """Return the 12-byte little-endian counter 2 * index + final of chunk `index`."""
    return (2 * index + (1 if final else 0)).to_bytes(12, "little")


def cake_open(key, ciphertext):
    """Open a Cake-AES ciphertext, following the four steps of docs/crypto.md section 7."""
    if len(key) != CAKE_KEY_BYTES:
        raise InvalidInputs(f"a Cake-AES key is {CAKE_KEY_BYTES} bytes, got {len(key)}")
    if len(ciphertext) < CAKE_HEADER_BYTES + TAG_BYTES:
        raise InvalidInputs("truncated: shorter than the header and one tag")

    nonce = ciphertext[:CAKE_NONCE_BYTES]
    commitment = ciphertext[CAKE_NONCE_BYTES:CAKE_HEADER_BYTES]
    digest = hashes.Hash(hashes.SHA512())
    digest.update(key + nonce)
    derived = digest.finalize()
    one_time_key, expected_commitment = derived[:32], derived[32:]
    if not hmac.compare_digest(commitment, expected_commitment):
        raise InvalidInputs("key commitment mismatch")

    body = ciphertext[CAKE_HEADER_BYTES:]
    full_chunks = (len(body) - TAG_BYTES) // (CHUNK_BYTES + TAG_BYTES)
    final_part = body[full_chunks * (CHUNK_BYTES + TAG_BYTES):]
    # A final part as long as a full chunk means that the real final chunk was removed.
    if len(final_part) - TAG_BYTES >= CHUNK_BYTES:
        raise InvalidInputs("malformed: the final chunk is missing")
    if len(body) - TAG_BYTES * (full_chunks + 1) > MAX_PLAINTEXT_BYTES:
        raise InvalidInputs("oversized: Cake-AES plaintexts are limited to 64 MiB")

    cipher = AESGCM(one_time_key)
    plaintext = bytearray()
    try:
        for index in range(full_chunks):
            start = index * (CHUNK_BYTES + TAG_BYTES)
            chunk = body[start:start + CHUNK_BYTES + TAG_BYTES]
            plaintext += cipher.decrypt(chunk_nonce(index, final=False), chunk, None)
        plaintext += cipher.decrypt(chunk_nonce(full_chunks, final=True), final_part, None)
    except InvalidTag:
        raise InvalidInputs("decryption failed: a chunk tag does not verify") from None
    return bytes(plaintext)


def cake_aead(inputs):
    key = hex_input(inputs, "key")
    ciphertext = hex_input(inputs, "ciphertext")
    return {"plaintext": cake_open(key, ciphertext).hex()}


CONSTRUCTIONS = {
    "puk_derivation": puk_derivation,
    "cake_aead": cake_aead,
}


def check_case(construction, case):
    """Return the verdict for one case. Raises BadRequest for a case of the wrong shape."""
    if not isinstance(construction, str):
        raise BadRequest(f"construction must be a string, got {show(construction)}")
    compute = CONSTRUCTIONS.get(construction)
    if compute is None or not AVAILABLE:
        return {"result": "unsupported", "outputs": {}}
    inputs = require(case, "inputs", "case")
    if not isinstance(inputs, dict):
        raise BadRequest(f"case.inputs must be a JSON object, got {show(inputs)}")
    try:
        return {"result": "valid", "outputs": compute(inputs)}
    except InvalidInputs as rejection:
        log.debug("%s case rejected: %s", construction, rejection)
        return {"result": "invalid", "outputs": {}}
