"""Ed25519 signing against the RFC 8032 vectors and the Wycheproof suite, and the private key files."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from tests.conftest import shared_data
from trucewatch.errors import KeyFileError
from trucewatch.ledger.signing import KeyPair, generate, key_file, key_id, read_key_file, verify

RFC8032_NAMES = ("TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)")
SEED = bytes(range(32))


def vectors(name: str) -> Any:
    return json.loads((shared_data() / "vectors" / "ed25519" / name).read_text())


def rfc8032_case(name: str) -> dict[str, bytes]:
    (case,) = [c for c in vectors("rfc8032_ed25519.json")["cases"] if c["name"] == name]
    return {k.removesuffix("_hex"): bytes.fromhex(v) for k, v in case.items() if k.endswith("_hex")}


def flip(data: bytes, bit: int) -> bytes:
    """``data`` with one bit flipped (bit 0 is the low bit of the first byte)."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- RFC 8032 -----------------------------------------------------------------------------------


def test_the_rfc8032_file_holds_the_five_known_vectors() -> None:
    assert tuple(c["name"] for c in vectors("rfc8032_ed25519.json")["cases"]) == RFC8032_NAMES


@pytest.mark.parametrize("name", RFC8032_NAMES)
def test_the_seed_gives_the_rfc8032_public_key(name: str) -> None:
    case = rfc8032_case(name)
    assert KeyPair.from_seed(case["secret_key"]).public_key == case["public_key"]


@pytest.mark.parametrize("name", RFC8032_NAMES)
def test_signing_reproduces_the_rfc8032_signature_exactly(name: str) -> None:
    case = rfc8032_case(name)
    assert KeyPair.from_seed(case["secret_key"]).sign(case["message"]) == case["signature"]
    assert verify(case["public_key"], case["message"], case["signature"])


@pytest.mark.parametrize("name", RFC8032_NAMES)
def test_one_flipped_bit_anywhere_makes_verification_fail(name: str) -> None:
    case = rfc8032_case(name)
    key, message, signature = case["public_key"], case["message"], case["signature"]
    for bit in range(len(signature) * 8):
        assert not verify(key, message, flip(signature, bit)), f"signature bit {bit}"
    for bit in range(len(key) * 8):
        assert not verify(flip(key, bit), message, signature), f"key bit {bit}"
    for bit in range(0, len(message) * 8, max(1, len(message))):  # about 8 bits spread over the message
        assert not verify(key, flip(message, bit), signature), f"message bit {bit}"
    assert not verify(key, message + b"\x00", signature)


def test_signatures_and_keys_of_the_wrong_length_do_not_verify() -> None:
    case = rfc8032_case("TEST 2")
    key, message, signature = case["public_key"], case["message"], case["signature"]
    assert not verify(key, message, signature[:-1])
    assert not verify(key, message, signature + b"\x00")
    assert not verify(key[:-1], message, signature)
    assert not verify(b"", message, b"")


def test_a_seed_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(KeyFileError, match="32 bytes"):
        KeyPair.from_seed(bytes(31))


def test_the_key_id_is_the_start_of_sha256_of_the_public_key() -> None:
    case = rfc8032_case("TEST 1")
    pair = KeyPair.from_seed(case["secret_key"])
    assert pair.key_id == key_id(case["public_key"]) == "21fe31dfa154a261"


# --- Wycheproof -----------------------------------------------------------------------------------


def test_every_wycheproof_vector_gets_its_expected_verdict() -> None:
    suite = vectors("wycheproof_ed25519_test.json")
    verdicts: dict[str, int] = {}
    wrong = []
    for group in suite["testGroups"]:
        key = bytes.fromhex(group["publicKey"]["pk"])
        for test in group["tests"]:
            verdicts[test["result"]] = verdicts.get(test["result"], 0) + 1
            got = verify(key, bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"]))
            if got != (test["result"] == "valid"):
                wrong.append((test["tcId"], test["comment"], test["flags"], test["result"], got))
    # No vector is "acceptable" (a verdict left to the implementation) in this snapshot: each must match.
    assert verdicts == {"valid": 88, "invalid": 63} == {"valid": 88, "invalid": suite["numberOfTests"] - 88}
    assert wrong == []


# --- key files ------------------------------------------------------------------------------------


def test_a_key_file_round_trips_without_passphrase() -> None:
    pair = KeyPair.from_seed(SEED)
    data = key_file(pair, "UNMO")
    assert data.startswith(b"trucewatch signing key\ndelegation: UNMO\nkey id: " + pair.key_id.encode())
    assert b"-----BEGIN PRIVATE KEY-----" in data
    delegation, read = read_key_file(data)
    assert (delegation, read.seed, read.public_key) == ("UNMO", SEED, pair.public_key)
    assert read.sign(b"m") == pair.sign(b"m")


def test_a_key_file_round_trips_with_passphrase() -> None:
    pair = generate()
    data = key_file(pair, "RU", b"correct horse")
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data
    assert pair.seed not in data
    delegation, read = read_key_file(data, b"correct horse")
    assert (delegation, read.seed, read.public_key) == ("RU", pair.seed, pair.public_key)


def test_a_wrong_passphrase_is_refused() -> None:
    data = key_file(KeyPair.from_seed(SEED), "RU", b"correct horse")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        read_key_file(data, b"battery staple")


def test_an_encrypted_key_file_without_passphrase_is_refused() -> None:
    data = key_file(KeyPair.from_seed(SEED), "RU", b"correct horse")
    with pytest.raises(KeyFileError, match="needs"):
        read_key_file(data)


def test_a_passphrase_for_a_plain_key_file_is_refused() -> None:
    with pytest.raises(KeyFileError, match="takes no"):
        read_key_file(key_file(KeyPair.from_seed(SEED), "RU"), b"correct horse")


def _file(pem: bytes) -> bytes:
    return b"trucewatch signing key\ndelegation: RU\n\n" + pem


def _pem(key: ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(
    "pem",
    [
        pytest.param(_pem(ec.generate_private_key(ec.SECP256R1())), id="ec-p256"),
        pytest.param(_pem(ed448.Ed448PrivateKey.generate()), id="ed448"),
        pytest.param(
            ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            id="ed25519-public-key",
        ),
        pytest.param(b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", id="damaged"),
    ],
)
def test_a_pem_block_without_an_ed25519_private_key_is_refused(pem: bytes) -> None:
    with pytest.raises(KeyFileError):
        read_key_file(_file(pem))


def test_a_private_key_of_an_unknown_algorithm_is_refused() -> None:
    der = ed25519.Ed25519PrivateKey.from_private_bytes(SEED).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ed25519_oid, unknown_oid = bytes.fromhex("06032b6570"), bytes.fromhex("06032b6564")  # 1.3.101.112 -> .100
    assert der.count(ed25519_oid) == 1
    der = der.replace(ed25519_oid, unknown_oid)
    pem = b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END PRIVATE KEY-----\n"
    with pytest.raises(KeyFileError, match="Ed25519"):
        read_key_file(_file(pem))


def test_a_file_with_no_pem_block_is_refused() -> None:
    with pytest.raises(KeyFileError, match="no PEM block"):
        read_key_file(b"trucewatch signing key\ndelegation: RU\n\nnothing here\n")


@pytest.mark.parametrize(
    "head",
    [b"", b"trucewatch signing key\n\n", b"trucewatch signing key\ndelegation: \n\n", b"delegation:RU\n"],
    ids=["no-header", "no-delegation-line", "empty-delegation", "no-space-after-colon"],
)
def test_a_file_with_no_delegation_line_is_refused(head: bytes) -> None:
    pem = key_file(KeyPair.from_seed(SEED), "RU").partition(b"\n\n")[2]
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(KeyFileError, match="delegation"):
        read_key_file(head + pem)


def test_the_repr_of_a_key_pair_never_shows_the_seed() -> None:
    pair = KeyPair.from_seed(SEED)
    for shown in (repr(pair), str(pair), f"{pair}", repr([pair]), repr({"k": pair})):
        assert shown.count("KeyPair(key_id=") >= 1
        for secret in (SEED, pair._secret):
            assert secret.hex() not in shown
            assert repr(secret)[2:-1] not in shown
