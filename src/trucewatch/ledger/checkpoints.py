"""Checkpoints, witnesses and proofs, served from the database.

The mechanism signs a checkpoint (origin, tree size, root hash) as a C2SP
signed note with its own key; observer delegations check it against the log
and cosign it (C2SP tlog-cosignature) only if it is consistent with the last
checkpoint they cosigned. The published checkpoint is the note with every
signature line. Inclusion and consistency proofs are read from the stored
tree nodes in one query each.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound, ProofError
from trucewatch.ledger import merkle, notes
from trucewatch.ledger.entries import parse_line
from trucewatch.ledger.keyring import WITNESS, Keyring
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.models import Checkpoint, Cosignature, Entry
from trucewatch.ledger.service import entry_at, entry_by_hash, load_checker, load_keyring, next_index, nodes
from trucewatch.ledger.signing import DelegationKey


@dataclass(frozen=True, slots=True)
class Published:
    """A checkpoint as the mechanism publishes it: the note with its cosignatures."""

    size: int
    root: bytes
    note: str
    witnesses: tuple[str, ...]


def origin(session: Session) -> str:
    """The log's origin, as its genesis entry names it."""
    line = session.scalar(select(Entry.line).where(Entry.idx == 0))
    if line is None:
        raise NotFound("the log is empty: it has no genesis entry (run `trucewatch init --origin ... --key ...`)")
    payload = parse_line(line).envelope.payload or {}
    return str(payload["origin"])


def sign_checkpoint(session: Session, *, signer: DelegationKey, at: datetime) -> Checkpoint:
    """Sign the current tree head with the mechanism's key (the same head twice gives the stored one)."""
    if signer.delegation != MECHANISM:
        raise InvalidInput(
            [FieldProblem("checkpoint", "key", f"signed by the mechanism's key, not {signer.delegation}'s")]
        )
    checker = load_checker(session)
    if checker.size == 0:
        raise NotFound("the log is empty: there is nothing to checkpoint")
    existing = session.get(Checkpoint, checker.size)
    if existing is not None:
        return existing
    verifiers = [v for v in checker.keyring.log_verifiers() if v.public_key == signer.public_key]
    if not verifiers:
        raise InvalidInput([FieldProblem("checkpoint", "key", "this is not an unrevoked key of the mechanism")])
    verifier = verifiers[0]
    body = notes.Checkpoint(verifier.name, checker.size, checker.frontier.root()).body()
    note = notes.Note(body, (notes.sign_note(body, verifier.name, signer.pair),)).encode().decode()
    checkpoint = Checkpoint(size=checker.size, root=checker.frontier.root(), signed_at=at, note=note)
    session.add(checkpoint)
    session.flush()
    return checkpoint


def cosign_checkpoint(
    session: Session, *, witness: DelegationKey, at: datetime, size: int | None = None
) -> Cosignature:
    """Check the checkpoint as a witness would, then cosign it with ``witness``'s key."""
    ring = load_keyring(session)
    checkpoint, parsed = _to_cosign(session, ring, witness.delegation, size)
    ring.signer(witness.key_id, witness.delegation, at)
    stamp = int(at.timestamp())
    sig = notes.cosign(
        notes.Checkpoint(parsed.origin, parsed.size, parsed.root_hash).body(), witness.delegation, witness.pair, stamp
    )
    return _store_cosignature(session, checkpoint, witness.delegation, witness.key_id, stamp, sig)


def add_cosignature(session: Session, *, witness: str, signature: str, size: int | None = None) -> Cosignature:
    """Store a cosignature an observer made elsewhere with its own key (``base64(key id || timestamp
    || signature)``, as in a note's signature line), after the checks :func:`cosign_checkpoint` makes
    and the signature's own: it must verify with one of the observer's unrevoked keys."""
    ring = load_keyring(session)
    checkpoint, parsed = _to_cosign(session, ring, witness, size)
    try:
        raw = base64.b64decode(signature, validate=True)
    except binascii.Error:
        raise InvalidInput([FieldProblem("cosignature", "signature", "is not base64")]) from None
    line = notes.NoteSignature(witness, raw[:4], raw[4:])
    body = notes.Checkpoint(parsed.origin, parsed.size, parsed.root_hash).body()
    for verifier in (v for v in ring.witness_verifiers() if v.name == witness and v.key_id == line.key_id):
        try:
            stamp = notes.verify_cosignature(body, line, verifier)
        except ProofError as exc:
            raise InvalidInput([FieldProblem("cosignature", "signature", str(exc))]) from None
        key = next(k for k in ring.keys.values() if k.delegation == witness and k.public_key == verifier.public_key)
        ring.signer(key.key_id, witness, datetime.fromtimestamp(stamp, UTC))
        return _store_cosignature(session, checkpoint, witness, key.key_id, stamp, line)
    problem = f"made by no unrevoked key of {witness} (cosignature/v1 of the checkpoint of size {parsed.size})"
    raise InvalidInput([FieldProblem("cosignature", "signature", problem)])


def _to_cosign(session: Session, ring: Keyring, witness: str, size: int | None) -> tuple[Checkpoint, notes.Checkpoint]:
    """The checkpoint ``witness`` may cosign, checked against the log and the witness's last one."""
    if ring.roles.get(witness) != WITNESS:
        raise InvalidInput([FieldProblem("cosignature", "delegation", f"{witness} is not an observer")])
    checkpoint = _checkpoint(session, size)
    parsed = _open(checkpoint, ring)
    last = _last_cosigned(session, witness)
    if last is not None and last.size == checkpoint.size:
        raise Conflict(f"{witness} already cosigned the checkpoint of size {checkpoint.size}")
    _check_against_log(session, parsed, last)
    return checkpoint, parsed


def _store_cosignature(
    session: Session, checkpoint: Checkpoint, witness: str, key_id: str, stamp: int, sig: notes.NoteSignature
) -> Cosignature:
    row = Cosignature(checkpoint_size=checkpoint.size, witness=witness, key_id=key_id, timestamp=stamp, line=sig.line())
    session.add(row)
    session.flush()
    return row


def _checkpoint(session: Session, size: int | None) -> Checkpoint:
    query = select(Checkpoint).order_by(Checkpoint.size.desc()).limit(1)
    found = session.get(Checkpoint, size) if size is not None else session.scalar(query)
    if found is None:
        raise NotFound("no checkpoint" + (f" of size {size}" if size is not None else " yet: sign one first"))
    return found


def _open(checkpoint: Checkpoint, ring: Keyring) -> notes.Checkpoint:
    opened = notes.open_note(checkpoint.note.encode(), ring.log_verifiers())
    return notes.Checkpoint.parse(opened.text)


def _last_cosigned(session: Session, witness: str) -> Checkpoint | None:
    query = (
        select(Checkpoint)
        .join(Cosignature, Cosignature.checkpoint_size == Checkpoint.size)
        .where(Cosignature.witness == witness)
        .order_by(Checkpoint.size.desc())
        .limit(1)
    )
    return session.scalar(query)


def _check_against_log(session: Session, parsed: notes.Checkpoint, last: Checkpoint | None) -> None:
    """The root is the log's at that size, and the log grew from the witness's last checkpoint."""
    if root_at(session, parsed.size) != parsed.root_hash:
        raise ProofError(f"the checkpoint of size {parsed.size} does not match the log's tree at that size")
    if last is None:
        return
    if last.size > parsed.size:
        raise ProofError(f"the checkpoint of size {parsed.size} is older than the last one cosigned ({last.size})")
    proof = consistency_proof(session, last.size, parsed.size)
    merkle.verify_consistency(last.size, parsed.size, proof, last.root, parsed.root_hash)


def published(session: Session) -> list[Published]:
    """Every signed checkpoint with its cosignatures, oldest first."""
    query = select(Checkpoint).order_by(Checkpoint.size)
    rows = session.scalars(query).all()
    cosigs: dict[int, list[Cosignature]] = {}
    for c in session.scalars(select(Cosignature).order_by(Cosignature.witness)):
        cosigs.setdefault(c.checkpoint_size, []).append(c)
    return [
        Published(
            c.size,
            c.root,
            c.note + "".join(s.line for s in cosigs.get(c.size, [])),
            tuple(s.witness for s in cosigs.get(c.size, [])),
        )
        for c in rows
    ]


def tree_size(session: Session) -> int:
    return next_index(session)


def root_at(session: Session, size: int) -> bytes:
    """The root of the log's first ``size`` entries."""
    current = tree_size(session)
    if not 0 <= size <= current:
        raise NotFound(f"the log has {current} entries, not {size}")
    keys = merkle.subtrees(0, size)
    return merkle.range_hash(0, size, nodes(session, keys)) if size else merkle.EMPTY_ROOT


def inclusion_proof(session: Session, index: int, size: int | None = None) -> list[bytes]:
    """The audit path of entry ``index`` in the tree of ``size`` entries (the current tree by default)."""
    size = tree_size(session) if size is None else size
    if not 0 <= index < size:
        raise NotFound(f"no entry {index} in a tree of {size} entries")
    return merkle.inclusion_proof(index, size, lambda keys: nodes(session, keys))


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    """The proof that the tree of ``size2`` entries extends the tree of ``size1``."""
    current = tree_size(session)
    if not 0 < size1 <= size2 <= current:
        problem = f"needs 0 < size1 <= size2 <= {current} (the log's size); got {size1} and {size2}"
        raise InvalidInput([FieldProblem("query", "size2" if size1 <= size2 else "size1", problem)])
    return merkle.consistency_proof(size1, size2, lambda keys: nodes(session, keys))


@dataclass(frozen=True, slots=True)
class Inclusion:
    """An entry's inclusion proof, checked against a checkpoint's root (or, for an entry the latest
    checkpoint does not yet cover, against the current tree's root, with ``checkpoint`` None)."""

    index: int
    leaf_hash: bytes
    tree_size: int
    root: bytes
    hashes: list[bytes]
    checkpoint: Published | None


def proven_inclusion(session: Session, *, index: int | None = None, digest: bytes | None = None) -> Inclusion:
    """The inclusion proof of an entry (by index or by its leaf hash) in the latest checkpoint that
    covers it, verified here as a reader would (RFC 9162 section 2.1.3.2); NotFound for no such entry."""
    found = entry_by_hash(session, digest) if digest is not None else entry_at(session, index)
    latest = published(session)
    checkpoint = latest[-1] if latest and latest[-1].size > found.idx else None
    size = checkpoint.size if checkpoint else tree_size(session)
    root = checkpoint.root if checkpoint else root_at(session, size)
    proof = inclusion_proof(session, found.idx, size)
    merkle.verify_inclusion(found.idx, size, found.hash, proof, root)
    return Inclusion(found.idx, found.hash, size, root, proof, checkpoint)
