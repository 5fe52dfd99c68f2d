"""Signed notes, checkpoints and cosignatures against the C2SP vectors in shared/vectors/c2sp."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

import pytest

from tests.conftest import shared_data
from trucewatch.errors import ProofError
from trucewatch.ledger.notes import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    Note,
    NoteSignature,
    Verifier,
    cosign,
    cosignature_message,
    cosignature_timestamp,
    make_verifier,
    note_key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
    verify_cosignature,
)
from trucewatch.ledger.signing import KeyPair

Case = dict[str, Any]

# Stricter than transparency-dev/formats, as c2sp.org/tlog-checkpoint allows: extension lines MUST be non-empty.
EMPTY_EXTENSION_LINES = "valid with trailing newlines"


@cache
def vectors(name: str) -> Any:
    return json.loads((shared_data() / "vectors" / "c2sp" / name).read_text(encoding="utf-8"))


def cases(name: str, key: str, *, where: tuple[str, str] | None = None) -> list[Any]:
    """The cases of ``name[key]`` (optionally only those whose field equals a value), with ids.

    Reads the shared folder at collection time; when it is missing, no cases are collected.
    """
    try:
        found = vectors(name)
    except (pytest.skip.Exception, pytest.fail.Exception, OSError):
        return []
    for part in key.split("."):
        found = found[part]
    if where is not None:
        found = [case for case in found if case.get(where[0]) == where[1]]
    return [
        pytest.param(case, id=case.get("id") or case.get("desc") or case.get("vkey") or case.get("skey"))
        for case in found
    ]


def message_of(case: Case) -> bytes:
    return bytes.fromhex(case["message_hex"]) if "message_hex" in case else case["message"].encode("utf-8")


def as_dicts(signatures: tuple[NoteSignature, ...]) -> list[dict[str, str]]:
    return [
        {
            "name": s.name,
            "key_id_hex": s.key_id.hex(),
            "signature_b64": base64.b64encode(s.key_id + s.signature).decode(),
        }
        for s in signatures
    ]


# keys.json


@pytest.mark.parametrize("case", cases("keys.json", "vkeys", where=("expect", "valid")))
def test_a_valid_vkey_gives_its_name_key_id_and_type_and_round_trips(case: Case) -> None:
    verifier = parse_vkey(case["vkey"])
    assert verifier.name == case["name"]
    assert verifier.key_id.hex() == case["key_id_hex"]
    assert verifier.type == int(case["type_byte_hex"], 16)
    assert len(verifier.public_key) == 32
    assert verifier.vkey() == case["vkey"]
    assert make_verifier(verifier.name, verifier.public_key, verifier.type) == verifier


@pytest.mark.parametrize("case", cases("keys.json", "vkeys", where=("expect", "reject")))
def test_an_invalid_vkey_is_refused(case: Case) -> None:
    with pytest.raises(ProofError):
        parse_vkey(case["vkey"])


@pytest.mark.parametrize("case", cases("keys.json", "signer_keys"))
def test_a_signer_key_derives_its_matching_vkey(case: Case) -> None:
    name, pair = parse_skey(case["skey"])
    assert make_verifier(name, pair.public_key).vkey() == case["matching_vkey"]


def test_a_vkey_whose_key_id_does_not_match_is_refused() -> None:
    with pytest.raises(ProofError, match="invalid verifier hash"):
        parse_vkey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # key id off by one
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  # algorithm 0x02
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXH",  # seed too short
        "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
    ],
    ids=["wrong-key-id", "wrong-algorithm", "short-seed", "not-private", "no-key"],
)
def test_a_bad_signer_key_is_refused(skey: str) -> None:
    with pytest.raises(ProofError):
        parse_skey(skey)


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there", "nbsp\u00a0here", "\ud800"])
def test_a_key_name_with_a_space_or_plus_is_refused(name: str) -> None:
    with pytest.raises(ProofError, match="invalid key name"):
        make_verifier(name, bytes(32))


def test_make_verifier_refuses_an_unknown_type_or_a_short_key() -> None:
    with pytest.raises(ProofError, match="unknown verifier algorithm"):
        make_verifier("log", bytes(32), 0x02)
    with pytest.raises(ProofError, match="32 bytes"):
        make_verifier("log", bytes(31))


# signed_notes.json


@pytest.mark.parametrize("case", cases("signed_notes.json", "cases", where=("kind", "sign")))
def test_signing_reproduces_the_published_note_byte_for_byte(case: Case) -> None:
    name, pair = parse_skey(case["skey"])
    signature = sign_note(case["text"], name, pair)
    assert Note(case["text"], (signature,)).encode() == case["expected_message"].encode("utf-8")


@pytest.mark.parametrize("case", cases("signed_notes.json", "cases", where=("expect", "verified")))
def test_a_note_signed_by_a_trusted_key_opens_with_its_exact_signature_lists(case: Case) -> None:
    verifiers = [parse_vkey(vkey) for vkey in case["verifiers"]]
    opened = open_note(message_of(case), verifiers)
    assert opened.text == case["text"]
    if "verified_signatures" in case:
        assert as_dicts(opened.verified) == case["verified_signatures"]
        assert as_dicts(opened.unverified) == case["unverified_signatures"]
    else:  # every line of these notes is distinct: trusted keys verify, the others are reported unverified
        trusted = {(v.name, v.key_id) for v in verifiers}
        every = parse_note(message_of(case)).signatures
        assert opened.verified == tuple(s for s in every if (s.name, s.key_id) in trusted)
        assert opened.unverified == tuple(s for s in every if (s.name, s.key_id) not in trusted)


@pytest.mark.parametrize("case", cases("signed_notes.json", "cases", where=("expect", "error")))
def test_a_bad_note_is_refused_with_the_go_error_text(case: Case) -> None:
    verifiers = [parse_vkey(vkey) for vkey in case["verifiers"]]
    with pytest.raises(ProofError) as refused:
        open_note(message_of(case), verifiers)
    assert str(refused.value).startswith(case["error"])


@pytest.mark.parametrize("case", cases("signed_notes.json", "cases", where=("expect", "parse-only")))
def test_a_note_without_a_published_key_parses_but_does_not_open(case: Case) -> None:
    note = parse_note(message_of(case))
    assert note.text == case["text"]
    assert as_dicts(note.signatures) == case["signatures"]
    assert note.encode() == message_of(case)
    with pytest.raises(ProofError, match=r"^note has no verifiable signatures$"):
        open_note(message_of(case), [])


@pytest.mark.parametrize("case", cases("signed_notes.json", "cases", where=("expect", "error")))
def test_parse_note_refuses_exactly_the_malformed_notes(case: Case) -> None:
    if case["error"] == "malformed note":
        with pytest.raises(ProofError, match=r"^malformed note"):
            parse_note(message_of(case))
    else:
        assert parse_note(message_of(case)).signatures


def test_a_note_with_a_hundred_signature_lines_is_accepted() -> None:
    case = next(c for c in vectors("signed_notes.json")["cases"] if c["id"] == "gomod-open-peter")
    text, line = case["message"].split("\n\n")
    opened = open_note(f"{text}\n\n{line * 100}".encode(), [parse_vkey(case["verifiers"][0])])
    assert len(opened.verified) == 1


@pytest.mark.parametrize(
    "line",
    [
        "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM",
        "— PeterNeumann x08gow==",
        "— PeterNeumann",
        "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
    ],
    ids=["space-in-name", "unpadded-base64", "no-signature-after-key-id", "no-signature", "hyphen-not-em-dash"],
)
def test_a_malformed_signature_line_makes_the_note_malformed(line: str) -> None:
    with pytest.raises(ProofError, match=r"^malformed note$"):
        parse_note(f"text\n\n{line}\n".encode())


def test_sign_note_refuses_text_without_a_final_newline_or_with_control_characters() -> None:
    pair = KeyPair.from_seed(bytes(32))
    with pytest.raises(ProofError, match="malformed note"):
        sign_note("no newline", "k", pair)
    with pytest.raises(ProofError, match="malformed note"):
        sign_note("bell\a\n", "k", pair)
    with pytest.raises(ProofError, match="invalid key name"):
        sign_note("text\n", "bad name", pair)


# checkpoints.json


@pytest.mark.parametrize("case", cases("checkpoints.json", "marshal"))
def test_a_checkpoint_serialises_to_the_expected_body(case: Case) -> None:
    checkpoint = Checkpoint(case["origin"], case["size"], case["root_hash_ascii"].encode("ascii"))
    assert checkpoint.body() == case["expected_body"]


def check_parsed(checkpoint: Checkpoint, case: Case) -> None:
    assert checkpoint.origin == case["origin"]
    assert checkpoint.size == case["size"]
    assert checkpoint.root_hash.hex() == case["root_hash_hex"]
    assert base64.b64encode(checkpoint.root_hash).decode() == case["root_hash_b64"]
    assert "".join(line + "\n" for line in checkpoint.extensions) == case["rest"]
    assert checkpoint.body() == case["body"]


@pytest.mark.parametrize("case", cases("checkpoints.json", "parse"))
def test_a_checkpoint_body_parses_or_is_refused_with_any_hash_size(case: Case) -> None:
    if case["expect"] == "reject" or case["desc"] == EMPTY_EXTENSION_LINES:
        with pytest.raises(ProofError, match="malformed checkpoint"):
            Checkpoint.parse(case["body"], hash_size=None)
    else:
        check_parsed(Checkpoint.parse(case["body"], hash_size=None), case)


@pytest.mark.parametrize("case", cases("checkpoints.json", "parse"))
def test_the_default_parser_requires_a_32_byte_root(case: Case) -> None:
    if case["expect"] == "valid" and case["hash_is_32_bytes"]:
        check_parsed(Checkpoint.parse(case["body"]), case)
    else:
        with pytest.raises(ProofError, match="malformed checkpoint"):
            Checkpoint.parse(case["body"])


def parse_go_tree(body: str) -> Checkpoint:
    """golang.org/x/mod/sumdb/tlog ParseTree: a checkpoint whose origin is the Go checksum database's."""
    checkpoint = Checkpoint.parse(body)
    if checkpoint.origin != "go.sum database tree":
        raise ProofError(f"not a go.sum tree: origin {checkpoint.origin!r}")
    return checkpoint


def test_the_go_sumdb_tree_note_holds_the_leaf_hash_of_hello_world() -> None:
    case = vectors("checkpoints.json")["go_sumdb_tree_format"]
    checkpoint = parse_go_tree(case["body"])
    assert checkpoint.size == case["size"]
    leaf = case["root_is_rfc6962_leaf_hash_of_ascii"].encode("ascii")
    assert checkpoint.root_hash == hashlib.sha256(b"\x00" + leaf).digest()
    assert checkpoint.root_hash.hex() == case["root_hash_hex"]
    assert checkpoint.body() == case["body"]


@pytest.mark.parametrize("index", range(3))
def test_a_bad_go_sumdb_tree_note_is_refused(index: int) -> None:
    with pytest.raises(ProofError):
        parse_go_tree(vectors("checkpoints.json")["go_sumdb_tree_format"]["bad_bodies"][index])


def test_the_spec_signed_checkpoint_parses_but_does_not_open() -> None:
    message = vectors("checkpoints.json")["signed_example"]["message"].encode("utf-8")
    note = parse_note(message)
    checkpoint = Checkpoint.parse(note.text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert [s.name for s in note.signatures] == ["example.com/behind-the-sofa"]
    with pytest.raises(ProofError, match="no verifiable signatures"):
        open_note(message, [])


@pytest.mark.parametrize(
    "body",
    ["Log\n0123\nYmFuYW5hcw==\n", "Log\n+5\nYmFuYW5hcw==\n", "Log\n18446744073709551616\nYmFuYW5hcw==\n", "Log\n1\n\n"],
    ids=["leading-zero", "plus-sign", "above-uint64", "empty-root"],
)
def test_a_checkpoint_size_or_root_outside_the_spec_is_refused(body: str) -> None:
    with pytest.raises(ProofError, match="malformed checkpoint"):
        Checkpoint.parse(body, hash_size=None)


def test_the_largest_tree_size_and_an_empty_tree_parse() -> None:
    assert Checkpoint.parse("Log\n18446744073709551615\nYmFuYW5hcw==\n", hash_size=None).size == 2**64 - 1
    assert Checkpoint.parse("Log\n0\nYmFuYW5hcw==\n", hash_size=None).size == 0


def test_a_checkpoint_refuses_fields_that_would_not_serialise() -> None:
    with pytest.raises(ProofError):
        Checkpoint("two\nlines", 1, b"x")
    with pytest.raises(ProofError):
        Checkpoint("log", -1, b"x")
    with pytest.raises(ProofError):
        Checkpoint("log", 1, b"x", ("",))


# cosignatures.json


def test_the_spec_cosignature_decodes_into_key_id_timestamp_and_signature() -> None:
    example = vectors("cosignatures.json")["spec_example"]
    note = parse_note(example["message"].encode("utf-8"))
    witness = next(s for s in note.signatures if s.name == example["cosignature"]["name"])
    assert witness.key_id.hex() == example["decoded_key_id_hex"]
    assert int.from_bytes(witness.signature[:8], "big") == example["decoded_timestamp"]
    assert witness.signature[8:].hex() == example["decoded_ed25519_signature_hex"]
    assert cosignature_timestamp(example["cosignature"]["signature_b64"]) == example["decoded_timestamp"]
    assert cosignature_message(note.text, example["decoded_timestamp"]) == example["signed_message_example"].encode()
    with pytest.raises(ProofError, match="no verifiable signatures"):
        open_note(example["message"].encode("utf-8"), [])


@pytest.mark.parametrize("case", cases("cosignatures.json", "timestamp_extraction"))
def test_a_cosignature_timestamp_is_extracted_or_refused(case: Case) -> None:
    if case["expect"] == "valid":
        assert cosignature_timestamp(case["signature_b64"]) == case["timestamp"]
    else:
        with pytest.raises(ProofError):
            cosignature_timestamp(case["signature_b64"])


@pytest.mark.parametrize("case", cases("cosignatures.json", "vkeys"))
def test_a_cosignature_vkey_parses_and_a_note_key_gives_the_cosignature_key_id(case: Case) -> None:
    verifier = parse_vkey(case["vkey"])
    assert verifier.type == int(case["type_byte_hex"], 16)
    witness = make_verifier(verifier.name, verifier.public_key, COSIGNATURE_V1)
    assert witness.key_id == note_key_id(verifier.name, COSIGNATURE_V1, verifier.public_key)
    if "derived_cosignature_key_id_hex" in case:
        assert witness.key_id.hex() == case["derived_cosignature_key_id_hex"]
    else:
        assert witness == verifier


# derived_examples.json


def open_checkpoint(case: Case) -> Checkpoint:
    """As transparency-dev/formats ParseCheckpoint: the note opens, the log signed, the origin is the expected one."""
    log = parse_vkey(case["log_vkey"])
    opened = open_note(case["message"].encode("utf-8"), [log, *map(parse_vkey, case["other_vkeys"])])
    if (log.name, log.key_id) not in {(s.name, s.key_id) for s in opened.verified}:
        raise ProofError("the log did not sign the checkpoint")
    checkpoint = Checkpoint.parse(opened.text, hash_size=None)
    if checkpoint.origin != case["expected_origin"]:
        raise ProofError(f"the checkpoint is of {checkpoint.origin!r}, not {case['expected_origin']!r}")
    return checkpoint


@pytest.mark.parametrize("case", cases("derived_examples.json", "checkpoint_parse_scenarios.cases"))
def test_a_checkpoint_opens_only_when_the_log_signed_its_origin(case: Case) -> None:
    verifiers = [parse_vkey(case["log_vkey"]), *map(parse_vkey, case["other_vkeys"])]
    try:
        count = len(open_note(case["message"].encode("utf-8"), verifiers).verified)
    except ProofError:
        count = 0
    assert count == case["want_verified_sig_count"]
    if case["want_err"]:
        with pytest.raises(ProofError):
            open_checkpoint(case)
    else:
        checkpoint = open_checkpoint(case)
        assert checkpoint.origin == case["expected_origin"]
        assert (checkpoint.size, checkpoint.root_hash) == (42, b"abcdef")


def cosigner() -> tuple[dict[str, Any], KeyPair, Verifier]:
    example = vectors("derived_examples.json")["cosignature_v1"]
    pair = KeyPair.from_seed(bytes.fromhex(example["cosigner_secret_key_hex"]))
    return example, pair, parse_vkey(example["cosigner_vkey"])


def test_a_cosignature_is_reproduced_exactly_from_the_key_and_timestamp() -> None:
    example, pair, witness = cosigner()
    assert pair.public_key.hex() == example["cosigner_public_key_hex"]
    assert make_verifier(example["cosigner_name"], pair.public_key, COSIGNATURE_V1) == witness
    assert cosignature_message(example["checkpoint_text"], example["timestamp"]) == example["signed_message"].encode()
    signature = cosign(example["checkpoint_text"], example["cosigner_name"], pair, example["timestamp"])
    assert signature.line() == example["signature_line"]
    assert signature.key_id.hex() == example["key_id_hex"]
    assert signature.signature[8:].hex() == example["ed25519_signature_hex"]


def test_a_cosignature_verifies_and_gives_its_timestamp() -> None:
    example, _, witness = cosigner()
    message = (example["checkpoint_text"] + "\n" + example["signature_line"]).encode()
    (signature,) = parse_note(message).signatures
    assert verify_cosignature(example["checkpoint_text"], signature, witness) == example["timestamp"]
    opened = open_note(message, [witness])
    assert opened.verified == (signature,)


def test_a_cosignature_over_another_checkpoint_or_time_is_refused() -> None:
    example, _, witness = cosigner()
    (signature,) = parse_note((example["checkpoint_text"] + "\n" + example["signature_line"]).encode()).signatures
    other = example["checkpoint_text"].replace("20852163", "20852164")
    with pytest.raises(ProofError, match=r"^invalid signature for key example\.com/test-witness"):
        verify_cosignature(other, signature, witness)
    shifted = NoteSignature(signature.name, signature.key_id, (1).to_bytes(8, "big") + signature.signature[8:])
    with pytest.raises(ProofError, match="invalid signature"):
        verify_cosignature(example["checkpoint_text"], shifted, witness)
    with pytest.raises(ProofError, match=r"^invalid signature for key"):
        open_note((other + "\n" + example["signature_line"]).encode(), [witness])


def test_a_cosignature_needs_a_type_4_verifier_of_the_same_key() -> None:
    example, pair, witness = cosigner()
    signature = cosign(example["checkpoint_text"], example["cosigner_name"], pair, example["timestamp"])
    note_verifier = make_verifier(example["cosigner_name"], pair.public_key, ED25519)
    with pytest.raises(ProofError, match="not a cosignature/v1"):
        verify_cosignature(example["checkpoint_text"], signature, note_verifier)
    renamed = make_verifier("other.example/witness", pair.public_key, COSIGNATURE_V1)
    with pytest.raises(ProofError, match=r"not other\.example/witness"):
        verify_cosignature(example["checkpoint_text"], signature, renamed)
    note_signature = sign_note(example["checkpoint_text"], example["cosigner_name"], pair)
    assert note_signature.key_id == note_verifier.key_id != witness.key_id


def test_a_plain_signature_under_a_cosigner_key_id_does_not_verify_as_a_cosignature() -> None:
    example, pair, witness = cosigner()
    plain = NoteSignature(witness.name, witness.key_id, pair.sign(example["checkpoint_text"].encode()))
    with pytest.raises(ProofError, match=r"^invalid signature for key"):
        open_note(Note(example["checkpoint_text"], (plain,)).encode(), [witness])
    with pytest.raises(ProofError, match="not a cosignature/v1"):
        verify_cosignature(example["checkpoint_text"], plain, witness)
    with pytest.raises(ProofError, match="too short"):
        cosignature_timestamp("AAAA")


def test_cosign_refuses_a_timestamp_out_of_range_or_a_body_that_is_not_a_checkpoint() -> None:
    example, pair, _ = cosigner()
    with pytest.raises(ProofError, match="out of range"):
        cosign(example["checkpoint_text"], example["cosigner_name"], pair, 2**63)
    with pytest.raises(ProofError, match="malformed checkpoint"):
        cosign("just text\n", example["cosigner_name"], pair, 1)
