"""Ed25519 keys and signatures (pure: bytes in, bytes out, no files).

Signing and verification go through PyNaCl (libsodium), which verifies about
twice as fast as ``cryptography`` and releases the GIL, so a verifier can use
every core with threads. ``cryptography`` reads and writes the private key files
(PKCS #8 PEM, optionally encrypted with a passphrase), a format every tool knows.
No primitive is written here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trucewatch.errors import KeyFileError

SEED_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
KEY_FILE_HEADER = "trucewatch signing key"


def key_id(public_key: bytes) -> str:
    """The key's id: the first 8 bytes of SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s Ed25519 signature of ``message``."""
    if len(signature) != SIGNATURE_SIZE or len(public_key) != PUBLIC_KEY_SIZE:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
        return False
    return True


def usable_public_key(public_key: bytes) -> bool:
    """A point of the curve's main subgroup: small-order keys, which some verifiers accept forged
    signatures under, are refused at registration."""
    return len(public_key) == PUBLIC_KEY_SIZE and bool(nacl.bindings.crypto_core_ed25519_is_valid_point(public_key))


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An Ed25519 key pair, held as its 32-byte seed (the RFC 8032 secret key)."""

    seed: bytes
    public_key: bytes
    _secret: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        if len(seed) != SEED_SIZE:
            raise KeyFileError(f"an Ed25519 seed is {SEED_SIZE} bytes, not {len(seed)}")
        public, secret = nacl.bindings.crypto_sign_seed_keypair(seed)
        return cls(seed, public, secret)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return nacl.bindings.crypto_sign(message, self._secret)[:SIGNATURE_SIZE]

    def __repr__(self) -> str:  # never print the seed
        return f"KeyPair(key_id={self.key_id!r})"


def generate() -> KeyPair:
    return KeyPair.from_seed(Ed25519PrivateKey.generate().private_bytes_raw())


def key_file(pair: KeyPair, delegation: str, passphrase: bytes | None = None) -> bytes:
    """A private key file: a short text header naming the delegation, then PKCS #8 PEM."""
    if passphrase is not None and not passphrase:
        raise KeyFileError("an empty passphrase protects nothing: give one, or none")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = Ed25519PrivateKey.from_private_bytes(pair.seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    header = f"{KEY_FILE_HEADER}\ndelegation: {delegation}\nkey id: {pair.key_id}\n\n"
    return header.encode() + pem


def read_key_file(data: bytes, passphrase: bytes | None = None) -> tuple[str, KeyPair]:
    """The delegation and key pair held in a key file made by :func:`key_file`."""
    head, sep, _ = data.partition(b"-----BEGIN")
    if not sep:
        raise KeyFileError("not a trucewatch key file: no PEM block")
    fields = dict(line.split(": ", 1) for line in head.decode(errors="replace").splitlines() if ": " in line)
    delegation = fields.get("delegation", "").strip()
    if not delegation:
        raise KeyFileError("not a trucewatch key file: no 'delegation:' line before the PEM block")
    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except TypeError as exc:  # a passphrase is missing, or given for an unencrypted key
        raise KeyFileError(f"the key file {'needs' if passphrase is None else 'takes no'} passphrase") from exc
    except ValueError as exc:
        raise KeyFileError(f"the key file cannot be read (wrong passphrase or damaged): {exc}") from exc
    except UnsupportedAlgorithm as exc:  # a PKCS #8 key of an algorithm cryptography does not know
        raise KeyFileError(f"the key file does not hold an Ed25519 key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError("the key file does not hold an Ed25519 key")
    return delegation, KeyPair.from_seed(key.private_bytes_raw())


@dataclass(frozen=True, slots=True)
class DelegationKey:
    """A delegation's key pair as a signer of entries (see :class:`trucewatch.ledger.entries.Signer`)."""

    delegation: str
    pair: KeyPair

    @property
    def key_id(self) -> str:
        return self.pair.key_id

    @property
    def public_key(self) -> bytes:
        return self.pair.public_key

    def sign(self, message: bytes) -> bytes:
        return self.pair.sign(message)
