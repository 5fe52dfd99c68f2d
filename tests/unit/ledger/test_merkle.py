"""The RFC 6962 / RFC 9162 Merkle tree against the public transparency-dev/merkle vectors and a plain RFC model."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import shared_data
from trucewatch.errors import ProofError
from trucewatch.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    NodeKey,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    range_hash,
    root_of,
    subtrees,
    verify_consistency,
    verify_inclusion,
)

FAST = settings(max_examples=60, deadline=None)

# Probes where trucewatch's verdict differs from upstream's, on purpose. Upstream treats the roots of an
# equal-size consistency check as opaque bytes and accepts two equal 12-byte "roots"; trucewatch rejects
# any root that is not a 32-byte SHA-256 hash before looking further.
POLICY_DIFFERENCES = {
    "upstream/transparency-dev-merkle/testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
}


def vectors(name: str) -> Any:
    return json.loads((shared_data() / "vectors" / "rfc6962" / name).read_text(encoding="utf-8"))


def unhex(values: Sequence[str] | None) -> list[bytes] | None:
    return None if values is None else [bytes.fromhex(v) for v in values]


class NodeStore:
    """An in-memory node store built with Frontier; records every request for nodes."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.nodes: dict[NodeKey, bytes] = {(0, i): h for i, h in enumerate(leaves)}
        frontier = Frontier()
        self.nodes.update(frontier.extend(leaves))
        self.requests: list[list[NodeKey]] = []

    def __call__(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        self.requests.append(list(keys))
        return {key: self.nodes[key] for key in keys if key in self.nodes}


class Reference:
    """MTH, PATH and PROOF exactly as RFC 9162 section 2.1 defines them, recursively, over leaf hashes."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self.memo: dict[tuple[int, int], bytes] = {}

    @staticmethod
    def split(n: int) -> int:
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, lo: int, hi: int) -> bytes:
        if (lo, hi) not in self.memo:
            if hi - lo == 0:
                self.memo[lo, hi] = hashlib.sha256(b"").digest()
            elif hi - lo == 1:
                self.memo[lo, hi] = self.leaves[lo]
            else:
                k = lo + self.split(hi - lo)
                self.memo[lo, hi] = node_hash(self.mth(lo, k), self.mth(k, hi))
        return self.memo[lo, hi]

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = lo + self.split(hi - lo)
        if m < k:
            return [*self.path(m, lo, k), self.mth(k, hi)]
        return [*self.path(m, k, hi), self.mth(lo, k)]

    def subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        if m == hi:
            return [] if whole else [self.mth(lo, hi)]
        k = lo + self.split(hi - lo)
        if m <= k:
            return [*self.subproof(m, lo, k, whole), self.mth(k, hi)]
        return [*self.subproof(m, k, hi, False), self.mth(lo, k)]


def inclusion_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_length(size1: int, size2: int) -> int:
    if size1 == size2:
        return 0
    shift = (size1 & -size1).bit_length() - 1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> inner).bit_count()
    return inner - shift + border + (0 if size1 == 1 << shift else 1)


def flips(value: bytes) -> list[bytes]:
    return [
        bytes(b ^ (1 << bit) if i == pos else b for i, b in enumerate(value))
        for pos in range(len(value))
        for bit in range(8)
    ]


def random_leaves(size: int, salt: bytes) -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(size)]


def reference_tree() -> tuple[list[bytes], dict[int, bytes]]:
    tree = vectors("reference_tree.json")
    leaves = [leaf_hash(bytes.fromhex(h)) for h in tree["leaves_hex"]]
    roots = {r["tree_size"]: bytes.fromhex(r["root_hex"]) for r in tree["root_hashes_by_tree_size"]}
    return leaves, roots


# --- public vectors ----------------------------------------------------------------------------------


def test_hasher_matches_the_known_answers() -> None:
    cases = vectors("hasher.json")["cases"]
    for case in cases:
        expected = bytes.fromhex(case["expected_hex"])
        if case["operation"] == "empty_root":
            assert expected == EMPTY_ROOT == root_of([])
        elif case["operation"] == "hash_leaf":
            assert leaf_hash(bytes.fromhex(case["leaf_hex"])) == expected
        else:
            assert node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"])) == expected
    assert len(cases) == 4


def test_roots_of_every_prefix_match_the_reference_tree() -> None:
    leaves, roots = reference_tree()
    store = NodeStore(leaves)
    frontier = Frontier()
    assert sorted(roots) == list(range(9))
    for size, root in roots.items():
        assert root_of(leaves[:size]) == root
        assert range_hash(0, size, store.nodes) == root
        assert frontier.root() == root
        if size < len(leaves):
            frontier.append(leaves[size])


def test_every_reference_node_hash_comes_from_the_frontier_and_range_hash() -> None:
    tree = vectors("reference_tree.json")
    leaves = [leaf_hash(bytes.fromhex(h)) for h in tree["leaves_hex"]]
    store = NodeStore(leaves)
    checked = 0
    for level, hashes in enumerate(tree["node_hashes_by_level"]):
        for index, expected_hex in enumerate(hashes):
            expected = bytes.fromhex(expected_hex)
            assert store.nodes[level, index] == expected
            assert range_hash(index << level, (index + 1) << level, store.nodes) == expected
            checked += 1
    assert checked == 15
    assert len(store.nodes) == 15


def test_inclusion_proofs_match_the_reference_tree() -> None:
    leaves, _ = reference_tree()
    store = NodeStore(leaves)
    cases = vectors("inclusion_proofs.json")["cases"]
    for case in cases:
        index, size = case["leaf_index"], case["tree_size"]
        expected = unhex(case["proof_hex"])
        assert leaf_hash(bytes.fromhex(case["leaf_input_hex"])) == bytes.fromhex(case["leaf_hash_hex"])
        assert inclusion_proof(index, size, store) == expected
        verify_inclusion(index, size, bytes.fromhex(case["leaf_hash_hex"]), expected, bytes.fromhex(case["root_hex"]))
    assert len(cases) == 5


def test_consistency_proofs_match_the_reference_tree() -> None:
    leaves, _ = reference_tree()
    store = NodeStore(leaves)
    cases = vectors("consistency_proofs.json")["cases"]
    for case in cases:
        size1, size2 = case["size1"], case["size2"]
        expected = unhex(case["proof_hex"])
        assert consistency_proof(size1, size2, store) == expected
        verify_consistency(size1, size2, expected, bytes.fromhex(case["root1_hex"]), bytes.fromhex(case["root2_hex"]))
    assert len(cases) == 5


def test_every_inclusion_probe_gets_the_upstream_verdict() -> None:
    probes = vectors("inclusion_probes.json")["probes"]
    wrong = []
    for p in probes:
        args = (p["leaf_index"], p["tree_size"], bytes.fromhex(p["leaf_hash_hex"]), unhex(p["proof_hex"]))
        try:
            verify_inclusion(*args, bytes.fromhex(p["root_hex"]))
        except ProofError:
            rejected = True
        else:
            rejected = False
        if rejected != p["want_err"]:
            wrong.append(p["source_file"])
    assert wrong == []
    assert len(probes) == 98
    assert sum(not p["want_err"] for p in probes) == 6


def test_every_consistency_probe_gets_the_upstream_verdict_except_documented_policy() -> None:
    probes = vectors("consistency_probes.json")["probes"]
    wrong = []
    for p in probes:
        roots = bytes.fromhex(p["root1_hex"]), bytes.fromhex(p["root2_hex"])
        try:
            verify_consistency(p["size1"], p["size2"], unhex(p["proof_hex"]), *roots)
        except ProofError:
            rejected = True
        else:
            rejected = False
        want_err = p["want_err"] or p["source_file"] in POLICY_DIFFERENCES
        if rejected != want_err:
            wrong.append(p["source_file"])
    assert wrong == []
    assert len(probes) == 98
    assert {p["source_file"] for p in probes} >= POLICY_DIFFERENCES
    # Upstream itself rejects every consistency proof from size 0: those probes all want an error.
    assert all(p["want_err"] for p in probes if p["size1"] == 0)


# --- policy and invalid arguments --------------------------------------------------------------------


def test_a_consistency_proof_from_an_empty_tree_is_rejected() -> None:
    with pytest.raises(ProofError, match="empty tree is meaningless"):
        consistency_ranges(0, 5)
    with pytest.raises(ProofError, match="empty tree is meaningless"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(ProofError, match="empty tree is meaningless"):
        verify_consistency(0, 1, None, EMPTY_ROOT, leaf_hash(b"a"))


def test_equal_sizes_verify_only_with_an_empty_proof_and_equal_roots() -> None:
    root, other = leaf_hash(b"a"), leaf_hash(b"b")
    assert consistency_ranges(3, 3) == []
    verify_consistency(3, 3, [], root, root)
    verify_consistency(3, 3, None, root, root)
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(3, 3, [root], root, root)
    with pytest.raises(ProofError, match="differ"):
        verify_consistency(3, 3, [], root, other)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (4, 3), (-1, 3), (0, -1)])
def test_a_leaf_index_outside_the_tree_is_rejected(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="outside"):
        inclusion_ranges(index, size)
    with pytest.raises(ProofError, match="outside"):
        verify_inclusion(index, size, leaf_hash(b""), [], EMPTY_ROOT)


@pytest.mark.parametrize(("size1", "size2"), [(2, 1), (-1, 3), (5, 0)])
def test_a_consistency_proof_needs_the_old_size_within_the_new(size1: int, size2: int) -> None:
    with pytest.raises(ProofError, match="no consistency proof"):
        consistency_ranges(size1, size2)
    with pytest.raises(ProofError, match="no consistency proof"):
        verify_consistency(size1, size2, [], EMPTY_ROOT, EMPTY_ROOT)


@pytest.mark.parametrize("bad", [b"", b"short", bytes(33), None, "0" * 32])
def test_a_hash_of_the_wrong_length_or_type_is_rejected_not_crashed_on(bad: Any) -> None:
    leaves = random_leaves(5, b"x")
    root, leaf = root_of(leaves), leaves[1]
    proof = inclusion_proof(1, 5, NodeStore(leaves))
    for args in [(leaf, [*proof[:1], bad, *proof[2:]], root), (bad, proof, root), (leaf, proof, bad)]:
        with pytest.raises(ProofError):
            verify_inclusion(1, 5, *args)
    old = root_of(leaves[:3])
    cproof = consistency_proof(3, 5, NodeStore(leaves))
    cases = [(5, [bad, *cproof[1:]], old, root), (5, cproof, bad, root), (5, cproof, old, bad), (3, [], bad, bad)]
    for size2, *cargs in cases:
        with pytest.raises(ProofError):
            verify_consistency(3, size2, *cargs)
    with pytest.raises(ProofError):
        root_of([leaf, bad])
    with pytest.raises(ProofError):
        Frontier().append(bad)


def test_a_proof_with_a_trailing_or_missing_element_is_rejected() -> None:
    leaves = random_leaves(7, b"t")
    store = NodeStore(leaves)
    proof, root = inclusion_proof(2, 7, store), root_of(leaves)
    for wrong in ([*proof, proof[0]], proof[:-1], [], [proof[0]] * 64):
        with pytest.raises(ProofError):
            verify_inclusion(2, 7, leaves[2], wrong, root)
    cproof = consistency_proof(3, 7, store)
    wrongs: list[list[bytes] | None] = [[*cproof, cproof[0]], cproof[:-1], [], None]
    for cwrong in wrongs:
        with pytest.raises(ProofError):
            verify_consistency(3, 7, cwrong, root_of(leaves[:3]), root)


# --- subtrees, range_hash and the node source --------------------------------------------------------


def test_subtrees_are_the_maximal_aligned_blocks_left_to_right() -> None:
    assert subtrees(0, 0) == []
    assert subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert subtrees(0, 8) == [(3, 0)]
    assert subtrees(3, 13) == [(0, 3), (2, 1), (2, 2), (0, 12)]
    assert subtrees(5, 6) == [(0, 5)]
    with pytest.raises(ProofError):
        subtrees(4, 3)
    with pytest.raises(ProofError):
        subtrees(-1, 3)


@given(st.integers(0, 600), st.integers(0, 600))
@FAST
def test_subtrees_cover_the_range_exactly_with_blocks_that_cannot_merge(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    keys = subtrees(start, end)
    spans = [(index << level, (index + 1) << level) for level, index in keys]
    assert [lo for lo, _ in spans] == [start, *[hi for _, hi in spans]][: len(spans)]
    assert (spans[-1][1] if spans else start) == end
    assert len(keys) <= 2 * max(end - start, 1).bit_length()
    for (level1, index1), (level2, index2) in itertools.pairwise(keys):
        assert not (level1 == level2 and index1 % 2 == 0 and index2 == index1 + 1)


def test_range_hash_names_a_missing_node() -> None:
    store = NodeStore(random_leaves(6, b"m"))
    del store.nodes[1, 2]
    with pytest.raises(ProofError, match=r"node \(1, 2\) over leaves \[4, 6\) is missing"):
        range_hash(0, 6, store.nodes)
    with pytest.raises(ProofError, match="missing"):
        inclusion_proof(0, 6, store)


def test_range_hash_refuses_a_range_that_is_no_tree_node() -> None:
    store = NodeStore(random_leaves(6, b"u"))
    with pytest.raises(ProofError, match="not aligned"):
        range_hash(1, 4, store.nodes)
    assert range_hash(4, 6, store.nodes) == node_hash(store.nodes[0, 4], store.nodes[0, 5])
    assert range_hash(3, 3, store.nodes) == EMPTY_ROOT


def test_proofs_ask_the_node_source_once_for_nodes_inside_the_tree() -> None:
    store = NodeStore(random_leaves(300, b"q"))
    inclusion_proof(77, 213, store)
    consistency_proof(77, 213, store)
    assert len(store.requests) == 2
    for keys in store.requests:
        assert len(keys) == len(set(keys))
        assert all((index + 1) << level <= 213 for level, index in keys)
    assert inclusion_proof(0, 1, store) == []
    assert len(store.requests) == 2  # nothing needed, nothing asked


# --- Frontier ----------------------------------------------------------------------------------------


def test_frontier_reports_each_completed_node_with_its_key_lowest_first() -> None:
    leaves = random_leaves(8, b"f")
    frontier = Frontier()
    assert frontier.extend(leaves[:3]) == [((1, 0), node_hash(leaves[0], leaves[1]))]
    done = frontier.append(leaves[3])
    assert [key for key, _ in done] == [(1, 1), (2, 0)]
    assert done[1][1] == root_of(leaves[:4])
    assert frontier.size == 4
    assert frontier.keys() == [(2, 0)]
    assert frontier.hashes == (root_of(leaves[:4]),)


def test_a_frontier_resumes_from_its_keys_and_hashes() -> None:
    leaves = random_leaves(23, b"r")
    first = Frontier()
    first.extend(leaves[:13])
    assert first.keys() == subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
    resumed = Frontier(first.size, first.hashes)
    store = NodeStore(leaves)
    keys = first.keys()
    assert first.hashes == tuple(store.nodes[key] for key in keys)
    assert resumed.extend(leaves[13:]) == first.extend(leaves[13:])
    assert resumed.root() == first.root() == root_of(leaves)


def test_a_frontier_refuses_hashes_that_do_not_fit_its_size() -> None:
    with pytest.raises(ProofError, match="holds 2 hashes, not 1"):
        Frontier(5, [leaf_hash(b"a")])
    with pytest.raises(ProofError, match="negative"):
        Frontier(-1)
    with pytest.raises(ProofError, match="not 32"):
        Frontier(1, [b"short"])
    assert Frontier().root() == EMPTY_ROOT


# --- properties over random trees --------------------------------------------------------------------


@given(size=st.integers(1, 300), salt=st.binary(max_size=8))
@FAST
def test_every_inclusion_proof_verifies_and_matches_the_rfc_definition(size: int, salt: bytes) -> None:
    leaves = random_leaves(size, salt)
    store, ref = NodeStore(leaves), Reference(leaves)
    root = root_of(leaves)
    assert root == ref.mth(0, size)
    for index in range(size):
        proof = inclusion_proof(index, size, store)
        assert len(proof) == inclusion_length(index, size)
        assert proof == ref.path(index, 0, size)
        verify_inclusion(index, size, leaves[index], proof, root)
    assert len(store.requests) == size - (size == 1)


@given(size=st.integers(1, 300), salt=st.binary(max_size=8), data=st.data())
@FAST
def test_flipping_any_bit_of_an_inclusion_proof_root_or_leaf_fails(size: int, salt: bytes, data: st.DataObject) -> None:
    leaves = random_leaves(size, salt)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof, root, leaf = inclusion_proof(index, size, NodeStore(leaves)), root_of(leaves), leaves[index]
    tampered = [(leaf, [*proof[:i], bad, *proof[i + 1 :]], root) for i in range(len(proof)) for bad in flips(proof[i])]
    tampered += [(bad, proof, root) for bad in flips(leaf)] + [(leaf, proof, bad) for bad in flips(root)]
    for args in tampered:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, *args)


@given(size2=st.integers(1, 300), salt=st.binary(max_size=8))
@FAST
def test_every_consistency_proof_verifies_and_matches_the_rfc_definition(size2: int, salt: bytes) -> None:
    leaves = random_leaves(size2, salt)
    store, ref = NodeStore(leaves), Reference(leaves)
    root2 = root_of(leaves)
    for size1 in range(1, size2 + 1):
        proof = consistency_proof(size1, size2, store)
        assert len(proof) == consistency_length(size1, size2)
        assert proof == ref.subproof(size1, 0, size2, True)
        verify_consistency(size1, size2, proof, ref.mth(0, size1), root2)


@given(size2=st.integers(1, 300), salt=st.binary(max_size=8), data=st.data())
@FAST
def test_flipping_any_bit_of_a_consistency_proof_or_root_fails(size2: int, salt: bytes, data: st.DataObject) -> None:
    leaves = random_leaves(size2, salt)
    size1 = data.draw(st.integers(1, size2), label="size1")
    proof, root1, root2 = consistency_proof(size1, size2, NodeStore(leaves)), root_of(leaves[:size1]), root_of(leaves)
    tampered = [
        ([*proof[:i], bad, *proof[i + 1 :]], root1, root2) for i in range(len(proof)) for bad in flips(proof[i])
    ]
    tampered += [(proof, bad, root2) for bad in flips(root1)] + [(proof, root1, bad) for bad in flips(root2)]
    for args in tampered:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, *args)


@given(st.lists(st.binary(max_size=12), max_size=70))
@FAST
def test_the_frontier_root_equals_root_of_for_every_prefix(data: list[bytes]) -> None:
    leaves = [leaf_hash(d) for d in data]
    frontier = Frontier()
    assert frontier.root() == root_of([]) == EMPTY_ROOT
    for size, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == root_of(leaves[:size]) == Reference(leaves).mth(0, size)
        assert len(frontier.hashes) == size.bit_count()
        assert frontier.keys() == subtrees(0, size)
        assert all(len(h) == HASH_SIZE for h in frontier.hashes)


@given(size=st.integers(1, 300), salt=st.binary(max_size=8))
@FAST
def test_the_frontier_root_equals_root_of_on_large_trees(size: int, salt: bytes) -> None:
    leaves = random_leaves(size, salt)
    frontier = Frontier()
    frontier.extend(leaves)
    assert frontier.root() == root_of(leaves) == Reference(leaves).mth(0, size)
