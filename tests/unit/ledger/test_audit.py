"""Tampering with the log is caught by ``trucewatch verify``, with the right index and reason."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import KEYS, SIGNERS, report, seed_registry
from trucewatch.demo.build import ORIGIN
from trucewatch.errors import Conflict, InvalidInput, ProofError
from trucewatch.ledger import notes
from trucewatch.ledger.checker import Checker
from trucewatch.ledger.checkpoints import cosign_checkpoint, sign_checkpoint
from trucewatch.ledger.entries import Envelope, signed_line
from trucewatch.ledger.exports import export_log, verify_export
from trucewatch.ledger.keyring import Keyring
from trucewatch.ledger.models import Entry, SealedPayload
from trucewatch.ledger.service import append, erase, load_checker
from trucewatch.ledger.signing import DelegationKey, KeyPair
from trucewatch.registry.schemas import KeyIn, KeyRevocationIn
from trucewatch.registry.service import add_key, revoke_key
from trucewatch.replay import verify_database
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import Database

LATER = NOW + timedelta(hours=1)


def file_reports(session: Session, *refs: str, at: datetime = NOW) -> None:
    """One call: a lone report is signed alone, several form a sealed batch."""
    submit_reports(session, [(ref, report(ref)) for ref in refs], signers=SIGNERS, now=at)


@pytest.fixture
def log(session: Session) -> Session:
    """A small log: registry, reports signed alone and in a batch, two checkpoints cosigned by UN."""
    seed_registry(session, NOW, actors=False)
    file_reports(session, "alone-1")
    file_reports(session, "alone-2")
    file_reports(session, "batch-1", "batch-2", "batch-3")
    sign_checkpoint(session, signer=KEYS.mechanism, at=NOW)
    cosign_checkpoint(session, witness=SIGNERS["UN"], at=NOW)
    file_reports(session, "late-1")
    file_reports(session, "late-2", "late-3")
    sign_checkpoint(session, signer=KEYS.mechanism, at=LATER)
    cosign_checkpoint(session, witness=SIGNERS["UN"], at=LATER)
    return session


@pytest.fixture
def export(log: Session, tmp_path: Path) -> Path:
    export_log(log, tmp_path / "export")
    return tmp_path / "export"


def lines_of(session: Session) -> list[bytes]:
    return list(session.scalars(select(Entry.line).order_by(Entry.idx)))


def lines(export: Path) -> list[bytes]:
    return (export / "entries.jsonl").read_bytes().splitlines()


def write(export: Path, new: list[bytes]) -> None:
    (export / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in new))


def index_of(export: Path, needle: bytes) -> int:
    return next(i for i, line in enumerate(lines(export)) if needle in line)


def problem(export: Path) -> tuple[int | None, str]:
    verdict = verify_export(export)
    assert not verdict.ok
    assert verdict.problem is not None
    assert verdict.summary().startswith("FAILED")
    return verdict.problem.index, verdict.problem.reason


def test_a_clean_export_verifies_with_its_checkpoints_and_cosignatures(export: Path) -> None:
    verdict = verify_export(export)
    assert verdict.ok, verdict.summary()
    assert (verdict.entries, verdict.checkpoints, verdict.cosignatures) == (len(lines(export)), 2, 2)
    assert verdict.summary().startswith("OK: ")


def test_altering_one_byte_of_a_signed_entry_names_that_entry(export: Path) -> None:
    at = index_of(export, b'"ref":"alone-2"')
    altered = lines(export)
    altered[at] = altered[at].replace(b"Mortar shells", b"Mortar shellz")
    write(export, altered)
    assert problem(export) == (at, "sig: the signature does not verify: the entry was altered or not signed by its key")


def test_altering_a_member_of_a_sealed_batch_names_that_member(export: Path) -> None:
    at = index_of(export, b'"ref":"batch-2"')
    altered = lines(export)
    altered[at] = altered[at].replace(b'"killed_civilian":2', b'"killed_civilian":3')
    write(export, altered)
    index, reason = problem(export)
    assert index == at
    assert "altered" in reason


def test_a_dropped_entry_is_named_by_its_index(export: Path) -> None:
    at = index_of(export, b'"ref":"alone-2"')
    write(export, [line for i, line in enumerate(lines(export)) if i != at])
    index, reason = problem(export)
    assert index == at
    assert reason.startswith(f"index: says {at + 1}")


def test_two_swapped_entries_are_caught_at_the_first(export: Path) -> None:
    at = index_of(export, b'"ref":"alone-1"')
    swapped = lines(export)
    swapped[at], swapped[at + 1] = swapped[at + 1], swapped[at]
    write(export, swapped)
    assert problem(export)[0] == at


def test_a_replaced_signature_is_caught(export: Path) -> None:
    first, second = index_of(export, b'"ref":"alone-1"'), index_of(export, b'"ref":"alone-2"')
    replaced = lines(export)
    other_sig = replaced[second].rsplit(b',"sig":', 1)[1]
    replaced[first] = replaced[first].rsplit(b',"sig":', 1)[0] + b',"sig":' + other_sig
    write(export, replaced)
    index, reason = problem(export)
    assert (index, reason.split(":")[0]) == (first, "sig")


def test_rolling_back_to_an_older_tree_is_caught_by_the_later_checkpoint(export: Path) -> None:
    older = lines(export)[:-3]
    write(export, older)
    index, reason = problem(export)
    assert index == len(older)
    assert "rolled back" in reason


def test_rewriting_the_log_after_a_checkpoint_is_caught_by_its_root(export: Path) -> None:
    """The operator holds the mechanism's key: it can sign new entries, not make old checkpoints match them."""
    kept = lines(export)[:-3]
    checker = Checker(Keyring())
    checker.check(kept)
    forged = [_signed(checker, KEYS.mechanism, {"origin": f"rewritten {i}"}, "actor", LATER) for i in range(4)]
    write(export, kept + forged)
    index, reason = problem(export)
    assert index is None
    assert "root does not match" in reason


def test_a_log_signed_by_another_key_than_the_trusted_one_is_refused(export: Path) -> None:
    verdict = verify_export(export, log_key="example.org/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert verdict.problem is not None
    assert "not by the trusted key" in verdict.problem.reason


def _signed(checker: Checker, signer: DelegationKey, payload: dict[str, object], kind: str, at: datetime) -> bytes:
    env = Envelope(checker.size, kind, signer.delegation, signer.key_id, at, checker.last_hash, payload)
    line = signed_line(env, signer)
    checker.check([line])
    return line


def _forge(session: Session, signer: DelegationKey, at: datetime) -> bytes:
    """An entry the store would refuse, signed the way a client signs."""
    checker = load_checker(session)
    env = Envelope(checker.size, "report", signer.delegation, signer.key_id, at, checker.last_hash, report("forged"))
    return signed_line(env, signer)


def _rotate(session: Session) -> DelegationKey:
    """RU registers a new key, then revokes its first one."""
    new = DelegationKey("RU", KeyPair.from_seed(bytes(range(32))))
    key = KeyIn(public_key=base64.b64encode(new.public_key).decode(), valid_from=datetime(2017, 1, 1, tzinfo=UTC))
    add_key(session, "RU", key, signer=SIGNERS["RU"], at=LATER)
    revoke_key(session, KeyRevocationIn(key=SIGNERS["RU"].key_id, reason="laptop lost"), signer=new, at=LATER)
    return new


def test_the_store_and_the_verifier_refuse_an_entry_signed_with_a_revoked_key(log: Session, tmp_path: Path) -> None:
    new = _rotate(log)
    forged = _forge(log, SIGNERS["RU"], LATER)
    with pytest.raises(InvalidInput, match=r"entry \d+: key: key [0-9a-f]{16} of RU was revoked by entry \d+"):
        append(log, [forged])
    file_reports_with(log, new)
    export_log(log, tmp_path / "export")
    good = lines(tmp_path / "export")
    write(tmp_path / "export", [*good, _after(good, SIGNERS["RU"])])
    index, reason = problem(tmp_path / "export")
    assert index == len(good)
    assert "was revoked by entry" in reason


def file_reports_with(session: Session, signer: DelegationKey) -> None:
    submit_reports(session, [("new key", report("new-key"))], signers={"RU": signer}, now=LATER)


def _after(good: list[bytes], signer: DelegationKey) -> bytes:
    checker = Checker(Keyring())
    checker.check(good)
    env = Envelope(checker.size, "report", "RU", signer.key_id, LATER, checker.last_hash, report("forged"))
    return signed_line(env, signer)


def test_an_entry_signed_with_an_expired_key_is_refused(log: Session) -> None:
    short = DelegationKey("RU", KeyPair.from_seed(bytes(32)))
    until = datetime(2017, 6, 1, tzinfo=UTC)
    key = KeyIn(
        public_key=base64.b64encode(short.public_key).decode(), valid_from=until - timedelta(days=90), valid_to=until
    )
    add_key(log, "RU", key, signer=SIGNERS["RU"], at=LATER)
    with pytest.raises(InvalidInput, match=r"key: key [0-9a-f]{16} of RU expired at 2017-06-01"):
        append(log, [_forge(log, short, LATER)])


def test_the_store_refuses_a_bad_signature_and_stores_nothing(log: Session) -> None:
    line = _forge(log, SIGNERS["RU"], LATER)
    head, sig = line.rsplit(b'"sig":"', 1)
    bad = head + b'"sig":"' + (b"B" if sig[:1] == b"A" else b"A") + sig[1:]
    before = load_checker(log).size
    with pytest.raises(InvalidInput, match=r"entry \d+: sig"):
        append(log, [bad])
    assert load_checker(log).size == before


def test_a_table_edited_directly_is_caught_by_verify_db(log: Session) -> None:
    assert verify_database(log).ok
    log.execute(text("UPDATE reports SET narrative = 'nothing happened' WHERE ref = 'alone-1'"))
    verdict = verify_database(log)
    assert verdict.problem is not None
    assert verdict.problem.reason.startswith("table reports, row ")
    assert "narrative is 'nothing happened' in the table" in verdict.problem.reason


def test_a_witness_refuses_a_checkpoint_not_signed_by_the_log(log: Session) -> None:
    file_reports(log, "more-1", at=LATER)
    checkpoint = sign_checkpoint(log, signer=KEYS.mechanism, at=LATER)
    body = checkpoint.note.split("\n\n")[0] + "\n"
    forged = notes.Note(body, (notes.sign_note(body, ORIGIN, SIGNERS["RU"].pair),)).encode().decode()
    log.execute(text("UPDATE checkpoints SET note = :n WHERE size = :s"), {"n": forged, "s": checkpoint.size})
    log.expire_all()
    with pytest.raises(ProofError, match="no verifiable signatures"):
        cosign_checkpoint(log, witness=SIGNERS["JO"], at=LATER)


def test_a_restricted_report_enters_the_log_as_a_salted_commitment(log: Session, tmp_path: Path) -> None:
    restricted = report("secret", tier="restricted", narrative="Witness Q. named here")
    submit_reports(log, [("r", restricted)], signers=SIGNERS, now=LATER)
    line = lines_of(log)[-1]
    assert b'"commitment":"' in line
    assert b'"payload"' not in line
    export_log(log, tmp_path / "export")
    assert b"Witness Q." not in (tmp_path / "export" / "entries.jsonl").read_bytes()


def test_an_erased_payload_leaves_a_log_that_still_verifies(log: Session, tmp_path: Path) -> None:
    restricted = report("secret", tier="restricted", narrative="Witness Q. named here")
    submit_reports(log, [("r", restricted)], signers=SIGNERS, now=LATER)
    index = load_checker(log).size - 1
    with pytest.raises(InvalidInput, match="only its submitter, RU, may erase"):
        erase(log, index, "not mine", signer=SIGNERS["TR"], at=LATER)
    erase(log, index, "the witness asked", signer=SIGNERS["RU"], at=LATER)
    assert log.scalar(select(func.count()).select_from(SealedPayload)) == 0
    assert log.scalar(select(func.count()).select_from(Report).where(Report.ref == "secret")) == 0
    with pytest.raises(Conflict, match="no restricted payload"):
        erase(log, index, "again", signer=SIGNERS["RU"], at=LATER)
    export_log(log, tmp_path / "export")
    assert b"Witness Q." not in (tmp_path / "export" / "entries.jsonl").read_bytes()
    assert verify_export(tmp_path / "export").ok
    assert verify_database(log).ok


def test_concurrent_writers_keep_one_gap_free_verified_log(database: Database) -> None:
    """Appends are serialised on both databases: two writers at once still make one valid chain."""
    with database.begin() as first:
        seed_registry(first, NOW, actors=False)

    def writer(code: str) -> None:
        for n in range(8):
            with database.begin() as s:
                submit_reports(s, [(code, report(f"{code}-{n}", delegation=code))], signers=SIGNERS, now=LATER)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(writer, ["RU", "TR"]))
    with database.begin() as s:
        verdict = verify_database(s)
        assert verdict.ok, verdict.summary()
        assert s.scalar(select(func.count()).select_from(Report)) == 16


def test_a_checkpoint_the_observer_kept_catches_a_rollback_the_export_hides(export: Path, tmp_path: Path) -> None:
    latest = sorted((export / "checkpoints").iterdir())[-1]
    kept = latest.read_bytes()
    latest.unlink()
    write(export, lines(export)[:-3])
    assert verify_export(export).ok
    verdict = verify_export(export, kept=[kept])
    assert verdict.problem is not None
    assert "rolled back" in verdict.problem.reason


def test_keys_json_must_say_what_the_log_says(export: Path) -> None:
    keys = (export / "keys.json").read_text()
    (export / "keys.json").write_text(keys.replace('"log_key": "', '"log_key": "evil.example+'))
    assert "keys.json: log_key" in problem(export)[1]


def test_a_deleted_restricted_report_is_not_taken_for_an_erasure(log: Session) -> None:
    submit_reports(log, [("r", report("secret", tier="restricted"))], signers=SIGNERS, now=LATER)
    index = load_checker(log).size - 1
    log.execute(text("DELETE FROM sealed_payloads WHERE entry_idx = :i"), {"i": index})
    log.execute(text("DELETE FROM reports WHERE entry_idx = :i"), {"i": index})
    verdict = verify_database(log)
    assert verdict.problem is not None
    assert f"entry {index}" in str(verdict.problem)


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("bogus", {}, "kind: 'bogus' is not a kind of entry"),
        ("seal", {"anything": True}, "seal: there is no batch before it to seal"),
        ("delegation", {"code": "RU", "role": "observer", "keys": []}, "delegation RU is already registered"),
    ],
)
def test_the_checker_refuses_what_no_honest_writer_makes(
    log: Session, kind: str, payload: dict[str, object], reason: str
) -> None:
    checker = load_checker(log)
    env = Envelope(checker.size, kind, "mechanism", KEYS.mechanism.key_id, LATER, checker.last_hash, payload)
    with pytest.raises(InvalidInput, match=reason):
        append(log, [signed_line(env, KEYS.mechanism)])


def test_a_small_order_public_key_is_refused_at_registration(log: Session) -> None:
    weak = base64.b64encode(bytes([1] + [0] * 31)).decode()  # the identity point
    with pytest.raises(ValueError, match="small-order"):
        KeyIn(public_key=weak, valid_from=NOW)
