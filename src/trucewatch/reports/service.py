"""Services of reports: submit (validate, then record), and the applier that stores them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Integer, Table, bindparam, delete, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from trucewatch.errors import Conflict, FieldProblem, InvalidInput
from trucewatch.geo.admin import syria_admin_areas
from trucewatch.ledger.canonical import canonical_json, sha256_hex
from trucewatch.ledger.entries import Signer, Submission
from trucewatch.ledger.intake import open_submission
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Known, Recorded, Sealed, applies, erases, file_submissions, record
from trucewatch.registry.models import Delegation
from trucewatch.registry.schemas import REPORTING_ROLES, Role
from trucewatch.registry.service import ActorIndex
from trucewatch.reports.models import Report
from trucewatch.reports.places import Located, locate_reports
from trucewatch.reports.schemas import CASUALTY_FIELDS, ReportIn
from trucewatch.validation import problems_of

Incoming = tuple[str, Mapping[str, Any]]
"""A report as read: a label naming it for error messages (``file.csv row 3``) and its fields."""


@dataclass(frozen=True)
class Rejected:
    record: str
    data: Mapping[str, Any]
    problems: tuple[FieldProblem, ...]


@dataclass
class Submitted:
    """What a submission did."""

    stored: int = 0
    unchanged: int = 0
    """Reports already stored with the same ref and content: nothing added."""
    rejected: list[Rejected] = field(default_factory=list)
    unresolved: dict[str, int] = field(default_factory=dict)
    """Perpetrator and target names that no registry actor carries, with counts."""
    entries: list[int] = field(default_factory=list)
    """The log index of each report stored, in the order given."""


@dataclass
class _Candidate:
    record: str
    data: Mapping[str, Any]
    report: ReportIn
    payload: dict[str, Any]
    encoded: bytes
    digest: str
    problems: list[FieldProblem] = field(default_factory=list)


def submit_reports(
    session: Session,
    incoming: Sequence[Incoming],
    *,
    signers: Mapping[str, Signer],
    now: datetime,
    skip_invalid: bool = False,
) -> Submitted:
    """Validate reports and record the new ones, all or nothing unless ``skip_invalid``.

    Every problem of every report is collected before anything is written; with
    ``skip_invalid`` the valid reports are stored and the others returned as rejected.
    ``signers`` holds the keys at hand by delegation: each report is signed by its
    delegation's key, so a delegation files only its own reports.
    """
    outcome = Submitted()
    good = _checked(session, _parse_all(incoming, now, outcome), signers.keys(), outcome)
    if outcome.rejected and not skip_invalid:
        raise InvalidInput([p for r in outcome.rejected for p in r.problems])
    outcome.entries = [r.idx for r in _record_by_author(session, good, signers, now)]
    outcome.stored += len(good)
    _count_unresolved(session, good, outcome)
    return outcome


@dataclass(frozen=True)
class SignedReports:
    """Reports a delegation signed elsewhere (the HTTP API), opened and validated without the
    database (:func:`open_signed_reports`): what :func:`file_signed_reports` stores."""

    author: str
    submission: Submission
    sealed: dict[int, Sealed]
    """Restricted payloads and their salts, by statement position."""
    candidates: list[_Candidate]


def open_signed_reports(
    submission: Submission,
    restricted: Mapping[int, tuple[bytes, bytes]],
    *,
    author: str,
    now: datetime,
) -> SignedReports:
    """Check a signed submission (:func:`open_submission`) and every report it carries, as
    :func:`submit_reports` does; InvalidInput names each problem. Reads nothing from the database."""
    opened = open_submission(submission, restricted, kind=EntryKind.REPORT, author=author, now=now)
    outcome = Submitted()
    labelled = [(f"statements[{i}].payload", p) for i, p in enumerate(opened.payloads)]
    candidates = _parse_all(labelled, now, outcome, signed=opened.datas)
    if outcome.rejected:
        raise InvalidInput([p for r in outcome.rejected for p in r.problems])
    return SignedReports(author, submission, _sealed(restricted), candidates)


def file_signed_reports(session: Session, submissions: Sequence[SignedReports]) -> list[Submitted]:
    """Store opened submissions as signed, in the log's order given, all or nothing.

    The checks that need the database are :func:`submit_reports`'s. A submission stored
    before, byte for byte, is stored once: sending it again changes nothing and says so
    (``unchanged``). Several submissions (of several delegations) filed together share
    one lock, one read of the registry and one commit: the API's writer groups them so.
    """
    outcomes = [Submitted() for _ in submissions]
    delegations = {d.code: d for d in session.scalars(select(Delegation))}
    stored = _stored_refs(session, [c for s in submissions for c in s.candidates], delegations)
    filing: list[tuple[SignedReports, Submitted]] = []
    for submission, outcome in zip(submissions, outcomes, strict=True):
        _screen(session, submission.candidates, {submission.author}, outcome, delegations, stored)
        if outcome.unchanged == len(submission.candidates):
            continue
        if outcome.unchanged:
            problem = "filed before, alone or in another batch: a signed batch is stored whole or not at all"
            raise InvalidInput(
                [FieldProblem("submission", "statements", f"{outcome.unchanged} of them were {problem}")]
            )
        if outcome.rejected:
            raise InvalidInput([p for r in outcome.rejected for p in r.problems])
        filing.append((submission, outcome))
    if not filing:
        return outcomes
    sealed: dict[int, Sealed] = {}
    offset = 0
    for submission, _ in filing:
        sealed |= {offset + position: s for position, s in submission.sealed.items()}
        offset += len(submission.candidates)
    good = [c for submission, _ in filing for c in submission.candidates]
    known = Known([c.encoded for c in good], [c.report for c in good])
    recorded = iter(file_submissions(session, EntryKind.REPORT, [s.submission for s, _ in filing], sealed, known=known))
    for submission, outcome in filing:
        outcome.entries = [next(recorded).idx for _ in submission.candidates]
        outcome.stored += len(submission.candidates)
        _count_unresolved(session, submission.candidates, outcome)
    return outcomes


def _sealed(restricted: Mapping[int, tuple[bytes, bytes]]) -> dict[int, Sealed]:
    return {position: Sealed(salt, data) for position, (salt, data) in restricted.items()}


def _checked(
    session: Session, candidates: list[_Candidate], authors: Collection[str], outcome: Submitted
) -> list[_Candidate]:
    """Run every check on parsed reports; the good ones are returned, the others added to ``outcome``."""
    delegations = {d.code: d for d in session.scalars(select(Delegation))}
    stored = _stored_refs(session, candidates, delegations)
    return _screen(session, candidates, authors, outcome, delegations, stored)


def _screen(
    session: Session,
    candidates: list[_Candidate],
    authors: Collection[str],
    outcome: Submitted,
    delegations: Mapping[str, Delegation],
    stored: Mapping[tuple[str, str], tuple[str, int]],
) -> list[_Candidate]:
    for c in candidates:
        _check_delegation(c, delegations, authors)
    fresh = _drop_known(candidates, stored, outcome)
    _check_supersedes(session, fresh, stored)
    outcome.rejected.extend(Rejected(c.record, c.data, tuple(c.problems)) for c in fresh if c.problems)
    return [c for c in fresh if not c.problems]


def _parse_all(
    incoming: Sequence[Incoming], now: datetime, outcome: Submitted, *, signed: Sequence[bytes] | None = None
) -> list[_Candidate]:
    """Validate each report; its payload is its normal form, or, when ``signed``, the bytes its author signed."""
    context = {"now": now}
    parsed: list[_Candidate] = []
    for i, (label, data) in enumerate(incoming):
        try:
            report = ReportIn.model_validate(data, context=context)
        except ValidationError as exc:
            outcome.rejected.append(Rejected(label, data, tuple(problems_of(exc, label))))
            continue
        if signed is not None:
            payload, encoded = dict(data), signed[i]
        else:
            payload = report_payload(report)
            encoded = canonical_json(payload)
        parsed.append(_Candidate(label, data, report, payload, encoded, sha256_hex(encoded)))
    return parsed


def report_payload(report: ReportIn) -> dict[str, Any]:
    """A report's normal form, as it is signed: defaults left out, ref, delegation and tier always in."""
    payload = report.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return payload | {"ref": report.ref, "delegation": report.delegation, "tier": str(report.tier)}


def _check_delegation(c: _Candidate, delegations: Mapping[str, Delegation], signers: Collection[str]) -> None:
    found = delegations.get(c.report.delegation)
    if found is None:
        c.problems.append(FieldProblem(c.record, "delegation", f"no delegation with code {c.report.delegation!r}"))
    elif c.report.delegation not in signers:
        keys = ", ".join(sorted(signers)) or "none"
        problem = f"needs {c.report.delegation}'s signature, but the key(s) at hand are {keys}'s"
        c.problems.append(FieldProblem(c.record, "delegation", problem))
    elif Role(found.role) not in REPORTING_ROLES:
        c.problems.append(
            FieldProblem(c.record, "delegation", f"delegation {found.code} is an {found.role} and may not file reports")
        )


def _drop_known(
    candidates: list[_Candidate],
    stored: Mapping[tuple[str, str], tuple[str, int]],
    outcome: Submitted,
) -> list[_Candidate]:
    """Skip reports stored before with the same content; refuse a ref reused for other content."""
    seen: dict[tuple[str, str], str] = {}
    fresh: list[_Candidate] = []
    for c in candidates:
        key = (c.report.delegation, c.report.ref)
        previous = stored[key][0] if key in stored else seen.get(key)
        if previous == c.digest:
            outcome.unchanged += 1
            continue
        if previous is not None:
            c.problems.append(
                FieldProblem(
                    c.record,
                    "ref",
                    (
                        f"{c.report.delegation} already filed a different report as {c.report.ref!r}; "
                        "to correct it, file a new report with a new ref and 'supersedes'"
                    ),
                )
            )
        seen.setdefault(key, c.digest)
        fresh.append(c)
    return fresh


def _stored_refs(
    session: Session,
    candidates: Sequence[_Candidate],
    delegations: Mapping[str, Delegation],
) -> dict[tuple[str, str], tuple[str, int]]:
    """(content hash, id) of the stored reports the candidates name, by ref or by supersedes."""
    wanted: dict[str, set[str]] = {}
    for c in candidates:
        refs = wanted.setdefault(c.report.delegation, set())
        refs.add(c.report.ref)
        if c.report.supersedes:
            refs.add(c.report.supersedes)
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for code, refs in wanted.items():
        if code not in delegations:
            continue
        query = select(Report.ref, Report.content_hash, Report.id).where(
            Report.delegation_id == delegations[code].id, Report.ref.in_(refs)
        )
        found.update(((code, ref), (digest, rid)) for ref, digest, rid in session.execute(query))
    return found


def _check_supersedes(
    session: Session, fresh: Sequence[_Candidate], stored_refs: Mapping[tuple[str, str], tuple[str, int]]
) -> None:
    wanted = [c for c in fresh if c.report.supersedes is not None]
    if not wanted:
        return
    stored = _supersession_state(session, wanted, stored_refs)
    earlier: set[tuple[str, str]] = set()
    claimed: set[tuple[str, str]] = set()
    for c in fresh:
        key = (c.report.delegation, c.report.supersedes or "")
        if c.report.supersedes is not None:
            problem = _supersession_problem(key, stored, earlier, claimed)
            if problem:
                c.problems.append(FieldProblem(c.record, "supersedes", problem))
            claimed.add(key)
        if not c.problems:
            earlier.add((c.report.delegation, c.report.ref))


def _supersession_problem(
    key: tuple[str, str],
    stored: Mapping[tuple[str, str], bool],
    earlier: set[tuple[str, str]],
    claimed: set[tuple[str, str]],
) -> str | None:
    code, ref = key
    if key not in stored and key not in earlier:
        return f"{code} has no report {ref!r} to supersede (a delegation corrects only its own reports)"
    if stored.get(key) or key in claimed:
        return f"report {ref!r} of {code} is already superseded: supersede its latest correction instead"
    return None


def _supersession_state(
    session: Session,
    wanted: Sequence[_Candidate],
    stored_refs: Mapping[tuple[str, str], tuple[str, int]],
) -> dict[tuple[str, str], bool]:
    """For each superseded ref that exists: whether it is already superseded."""
    found = {
        key: stored_refs[key][1]
        for key in {(c.report.delegation, c.report.supersedes or "") for c in wanted}
        if key in stored_refs
    }
    taken = set(session.scalars(select(Report.supersedes_id).where(Report.supersedes_id.in_(found.values()))))
    return {key: rid in taken for key, rid in found.items()}


def _record_by_author(
    session: Session, good: Sequence[_Candidate], signers: Mapping[str, Signer], now: datetime
) -> list[Recorded]:
    """One entry per report, in input order, each signed by the report's delegation."""
    return record(
        session,
        EntryKind.REPORT,
        [signers[c.report.delegation] for c in good],
        [c.payload for c in good],
        at=now,
        encoded=[c.encoded for c in good],
        parsed=[c.report for c in good],
    )


def _count_unresolved(session: Session, good: Sequence[_Candidate], outcome: Submitted) -> None:
    index = ActorIndex.load(session)
    for c in good:
        for name in (c.report.perpetrator, c.report.target):
            if name and index.resolve(name).actor_id is None:
                outcome.unresolved[name] = outcome.unresolved.get(name, 0) + 1


@applies(EntryKind.REPORT)
def _apply_reports(session: Session, entries: Sequence[Recorded]) -> None:
    """Store reports: resolve actors by name, place them in their district, link corrections."""
    reports = [e.parsed if isinstance(e.parsed, ReportIn) else ReportIn.model_validate(e.payload) for e in entries]
    strangers = [
        FieldProblem(f"entry {e.idx}", "delegation", f"filed by {r.delegation}, signed by {e.author}")
        for r, e in zip(reports, entries, strict=True)
        if r.delegation != e.author
    ]
    if strangers:
        raise InvalidInput(strangers)
    delegation_ids = dict(session.execute(select(Delegation.code, Delegation.id)).all())
    index = ActorIndex.load(session)
    first_id = (session.scalar(select(func.max(Report.id))) or 0) + 1
    ids = {(r.delegation, r.ref): first_id + i for i, r in enumerate(reports)}
    superseded = _superseded_ids(session, reports, delegation_ids, ids)
    points = locate_reports(session, reports)
    rows = [
        _row(r, e, first_id + i, delegation_ids[r.delegation], index, superseded, point)
        for i, (r, e, point) in enumerate(zip(reports, entries, points, strict=True))
    ]
    session.execute(insert(cast(Table, Report.__table__)), rows)


def _superseded_ids(
    session: Session,
    reports: Sequence[ReportIn],
    delegation_ids: Mapping[str, int],
    batch_ids: Mapping[tuple[str, str], int],
) -> dict[tuple[str, str], int]:
    wanted = {(r.delegation, r.supersedes) for r in reports if r.supersedes is not None}
    found = {key: batch_ids[key] for key in wanted if key in batch_ids}
    by_code: dict[str, set[str]] = {}
    for code, ref in wanted - found.keys():
        by_code.setdefault(code, set()).add(ref)
    for code, refs in by_code.items():
        query = select(Report.ref, Report.id).where(Report.delegation_id == delegation_ids[code], Report.ref.in_(refs))
        found.update(((code, ref), rid) for ref, rid in session.execute(query))
    missing = sorted(wanted - found.keys())
    if missing:
        code, ref = missing[0]
        raise InvalidInput([FieldProblem(f"report {ref}", "supersedes", f"{code} has no report {ref!r}")])
    return found


def _row(
    r: ReportIn,
    entry: Recorded,
    report_id: int,
    delegation_id: int,
    index: ActorIndex,
    superseded: Mapping[tuple[str, str], int],
    point: Located,
) -> dict[str, Any]:
    casualties = {name: getattr(r.casualties, name) for name in CASUALTY_FIELDS}
    return {
        "id": report_id,
        "delegation_id": delegation_id,
        "ref": r.ref,
        "occurred_at": r.occurred_at,
        "time_precision": str(r.time_precision),
        "latitude": point.latitude,
        "longitude": point.longitude,
        "geo_precision": point.precision,
        "place": r.place,
        "location": point.location,
        "governorate": point.governorate,
        "district": point.district,
        "violation_type": str(r.violation_type),
        "perpetrator": r.perpetrator,
        "perpetrator_actor_id": index.resolve(r.perpetrator).actor_id,
        "target": r.target,
        "target_actor_id": index.resolve(r.target).actor_id,
        **casualties,
        "weapons": list(r.weapons),
        "narrative": r.narrative,
        "language": r.language,
        "sources": list(r.sources),
        "evidence": [e.model_dump(exclude_none=True) for e in r.evidence],
        "tier": str(r.tier),
        "supersedes_id": superseded.get((r.delegation, r.supersedes)) if r.supersedes else None,
        "incident_id": None,
        "content_hash": sha256_hex(entry.data),
        "entry_idx": entry.idx,
        "recorded_at": entry.recorded_at,
    }


@cache
def current_reports() -> Any:
    """SQL condition: the report has not been superseded by a correction (built once: it never changes)."""
    newer = aliased(Report)
    return ~select(newer.id).where(newer.supersedes_id == Report.id).correlate(Report).exists()


def current_before(idx: int | None = None) -> Any:
    """SQL condition: the report was stored before entry ``idx`` and no correction stored before it
    supersedes it (the current reports as they stood at that point of the log: what a replay sees).
    Without ``idx``, the statement takes it as the parameter ``before`` when executed (cheaper)."""
    return _bound() if idx is None else _current_before(literal(idx, Integer))


@cache
def _bound() -> Any:
    return _current_before(bindparam("before", type_=Integer))


def _current_before(before: Any) -> Any:
    newer = aliased(Report)
    corrected = select(newer.id).where(newer.supersedes_id == Report.id, newer.entry_idx < before).correlate(Report)
    return (Report.entry_idx < before) & ~corrected.exists()


def describe_report(report: Report, delegation: str) -> dict[str, Any]:
    """A stored report in the JSON form of a report, with what the store derived from it."""
    areas = syria_admin_areas()
    casualties = {name: getattr(report, name) for name in CASUALTY_FIELDS if getattr(report, name) is not None}
    return {
        "id": report.id,
        "ref": report.ref,
        "delegation": delegation,
        "occurred_at": report.occurred_at.isoformat().replace("+00:00", "Z"),
        "time_precision": report.time_precision,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "geo_precision": report.geo_precision,
        "place": report.place,
        "location": report.location,
        "governorate": areas.governorate_name(report.governorate) if report.governorate else None,
        "governorate_pcode": report.governorate,
        "district_pcode": report.district,
        "violation_type": report.violation_type,
        "perpetrator": report.perpetrator,
        "perpetrator_resolved": report.perpetrator_actor_id is not None,
        "target": report.target,
        "target_resolved": report.target_actor_id is not None,
        "casualties": casualties,
        "weapons": report.weapons,
        "narrative": report.narrative,
        "language": report.language,
        "sources": report.sources,
        "evidence": report.evidence,
        "tier": report.tier,
        "supersedes_id": report.supersedes_id,
        "incident_id": report.incident_id,
        "entry": report.entry_idx,
    }


@erases(EntryKind.REPORT)
def _erase_reports(session: Session, entries: Sequence[int]) -> None:
    """An erased report leaves the tables; a correction that supersedes it must be erased first."""
    ids = list(session.scalars(select(Report.id).where(Report.entry_idx.in_(entries))))
    later = session.scalars(select(Report.ref).where(Report.supersedes_id.in_(ids))).first()
    if later is not None:
        raise Conflict(f"report {later!r} supersedes the report to erase: erase that correction first")
    session.execute(delete(Report).where(Report.id.in_(ids)))
