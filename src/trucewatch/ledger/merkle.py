"""RFC 6962 / RFC 9162 Merkle trees over SHA-256: hashes, proofs and their verification.

Pure: bytes and integers in, bytes out; no database, no I/O. A tree is stored as
the hashes of its complete, aligned subtrees, keyed ``(level, index)``: the node
over leaves ``[index * 2**level, (index + 1) * 2**level)``. Every proof element is
the hash of a leaf range whose start is aligned to the range's length rounded up
to a power of two, so it folds from one stored node per set bit of that length.
Proof generation asks its node source for all the keys it needs in one call
(no call when a proof is empty).

Every failed verification and every invalid argument raises ``ProofError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TypeAlias

from trucewatch.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

NodeKey: TypeAlias = tuple[int, int]
NodeSource: TypeAlias = Callable[[Collection[NodeKey]], Mapping[NodeKey, bytes]]

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over the given leaf hashes, level by level; ``EMPTY_ROOT`` for none."""
    for i, h in enumerate(leaf_hashes):
        _check_hash(h, f"leaf hash {i}")
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # an odd last node rises unchanged: RFC 6962 split rule
        level = paired
    return level[0]


def subtrees(start: int, end: int) -> list[NodeKey]:
    """The maximal complete aligned subtrees covering leaves ``[start, end)``, left to right."""
    if start < 0 or end < start:
        raise ProofError(f"invalid leaf range [{start}, {end})")
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) folded right to left from the stored hashes of ``subtrees(start, end)``.

    The range must be one a Merkle tree can have as a node: ``start`` a multiple of
    ``end - start`` rounded up to a power of two. ``EMPTY_ROOT`` for an empty range.
    """
    keys = subtrees(start, end)
    if not keys:
        return EMPTY_ROOT
    span = 1 << (end - start - 1).bit_length()
    if start % span:
        raise ProofError(f"leaf range [{start}, {end}) is not aligned; its hash is not a Merkle tree node")
    result = _stored(keys[-1], nodes)
    for key in reversed(keys[:-1]):
        result = node_hash(_stored(key, nodes), result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTH form the audit path of leaf ``index``, leaf level first (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + (1 << ((hi - lo - 1).bit_length() - 1))
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTH form the consistency proof from ``size1`` to ``size2`` (RFC 9162 2.1.4.1)."""
    _check_consistency_sizes(size1, size2)
    ranges: list[tuple[int, int]] = []
    if size1 == size2:
        return ranges
    lo, hi, whole = 0, size2, True
    while size1 != hi:
        mid = lo + (1 << ((hi - lo - 1).bit_length() - 1))
        if size1 <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo, whole = mid, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, nodes: NodeSource) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, from one call to ``nodes``."""
    return _proof(inclusion_ranges(index, size), nodes)


def consistency_proof(size1: int, size2: int, nodes: NodeSource) -> list[bytes]:
    """The consistency proof from ``size1`` to ``size2`` leaves, from one call to ``nodes``."""
    return _proof(consistency_ranges(size1, size2), nodes)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes] | None, root: bytes) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root`` (RFC 9162 2.1.3.2).

    ``None`` is an empty proof. Raises ``ProofError`` with the reason when it does not verify.
    """
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root")
    path = _check_proof(proof, size.bit_length())
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError(f"inclusion proof is too long for leaf {index} of {size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"inclusion proof is too short for leaf {index} of {size}")
    if r != root:
        raise ProofError(f"inclusion proof for leaf {index} of {size} does not lead to the given root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes] | None, root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the one of ``size1`` with ``root1`` (RFC 9162 2.1.4.2).

    ``None`` is an empty proof. Raises ``ProofError`` with the reason when it does not verify.
    """
    _check_consistency_sizes(size1, size2)
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    path = _check_proof(proof, size2.bit_length() + 1)
    if size1 == size2:
        if path:
            raise ProofError(f"a consistency proof between equal sizes ({size1}) must be empty")
        if root1 != root2:
            raise ProofError(f"the two roots of a tree of size {size1} differ")
        return
    if not path:
        raise ProofError(f"consistency proof from {size1} to {size2} is empty")
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    fr, sr = _chain_consistency(size1, size2, path)
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the root of size {size1}")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the root of size {size2}")


class Frontier:
    """The right edge of a tree being built leaf by leaf (a compact range from 0).

    One hash per set bit of ``size``, largest subtree first; ``keys()`` names them.
    """

    __slots__ = ("_stack", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ProofError(f"a frontier cannot have negative size {size}")
        if len(hashes) != size.bit_count():
            raise ProofError(f"a frontier of size {size} holds {size.bit_count()} hashes, not {len(hashes)}")
        for i, h in enumerate(hashes):
            _check_hash(h, f"frontier hash {i}")
        self.size = size
        self._stack = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[NodeKey, bytes]]:
        """Add one leaf hash; return the nodes it completes at levels >= 1, lowest level first."""
        if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
            _check_hash(leaf, "leaf hash")
        stack, n, h = self._stack, self.size, leaf
        done: list[tuple[NodeKey, bytes]] = []
        level = 0
        while n & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            n >>= 1
            level += 1
            done.append(((level, n), h))
        stack.append(h)
        self.size += 1
        return done

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[NodeKey, bytes]]:
        """Append every leaf hash in order; return all the nodes completed, in the order completed."""
        done: list[tuple[NodeKey, bytes]] = []
        for leaf in leaves:
            done += self.append(leaf)
        return done

    def root(self) -> bytes:
        """MTH of the tree so far (``EMPTY_ROOT`` when empty)."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        h = stack[-1]
        for left in reversed(stack[:-1]):
            h = node_hash(left, h)
        return h

    def keys(self) -> list[NodeKey]:
        """The keys of the frontier hashes, largest subtree first: ``subtrees(0, size)``."""
        return subtrees(0, self.size)

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier hashes, largest subtree first."""
        return tuple(self._stack)


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes):
        raise ProofError(f"{what} is missing or not bytes")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes] | None, limit: int) -> list[bytes]:
    path = list(proof) if proof is not None else []
    if len(path) > limit:
        raise ProofError(f"proof has {len(path)} hashes, more than the {limit} possible")
    for i, h in enumerate(path):
        _check_hash(h, f"proof[{i}]")
    return path


def _check_consistency_sizes(size1: int, size2: int) -> None:
    if size1 == 0:
        raise ProofError("consistency proof from an empty tree is meaningless")
    if size1 < 0 or size1 > size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")


def _chain_consistency(size1: int, size2: int, path: list[bytes]) -> tuple[bytes, bytes]:
    """The roots at ``size1`` and ``size2`` computed from a consistency path (RFC 9162 2.1.4.2 steps 3-6)."""
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof from {size1} to {size2} is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"consistency proof from {size1} to {size2} is too short")
    return fr, sr


def _stored(key: NodeKey, nodes: Mapping[NodeKey, bytes]) -> bytes:
    value = nodes.get(key)
    if value is None:
        level, index = key
        raise ProofError(f"node {key} over leaves [{index << level}, {(index + 1) << level}) is missing")
    _check_hash(value, f"stored node {key}")
    return value


def _proof(ranges: list[tuple[int, int]], nodes: NodeSource) -> list[bytes]:
    needed = list(dict.fromkeys(key for start, end in ranges for key in subtrees(start, end)))
    found = nodes(needed) if needed else {}
    return [range_hash(start, end, found) for start, end in ranges]
