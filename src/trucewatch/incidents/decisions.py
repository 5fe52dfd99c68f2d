"""A delegation disputes a fusion: a signed ``fusion_decision`` entry splits reports out of their
incident or merges incidents, at once, and binds every later re-fusion.

A split names reports of one incident: they leave it together and are never again joined with the
reports they left. A merge names reports of two or more incidents: those incidents become one, and
the reports named stay together. When two decisions disagree about two reports, the later wins.
Guarantors, parties and the secretariat may decide, on reports they may read; observers may not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.incidents.fusing import new_incident, refresh_incidents
from trucewatch.incidents.models import FusionDecision, FusionDecisionReport
from trucewatch.incidents.schemas import DecisionAction, FusionDecisionIn
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import MECHANISM, EntryKind
from trucewatch.ledger.service import Recorded, applies, intake, record
from trucewatch.registry.access import OPERATOR, Viewer, can_read
from trucewatch.registry.models import Delegation
from trucewatch.registry.schemas import Role
from trucewatch.registry.service import get_delegation, require_author
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_before, current_reports

DECIDERS = (Role.GUARANTOR, Role.PARTY, Role.SECRETARIAT)


def decide(session: Session, item: FusionDecisionIn, *, signer: Signer, at: datetime) -> Recorded:
    """Record and apply a delegation's split or merge."""
    _check_decisions(session, signer.delegation, [item])
    (entry,) = record(session, EntryKind.FUSION_DECISION, signer, [item.model_dump(mode="json")], at=at)
    return entry


@intake(EntryKind.FUSION_DECISION, FusionDecisionIn)
def _check_decisions(session: Session, author: str, items: Sequence[FusionDecisionIn]) -> None:
    for k, item in enumerate(items):
        require_author(session, author, DECIDERS, what=f"decision {k}")
        found = _named(session, item)
        viewer = _viewer(session, author)
        problems = [
            FieldProblem(f"decision {k}", f"reports[{n}]", f"no current report {r.ref!r} of delegation {r.delegation}")
            for n, r in enumerate(item.reports)
            if (r.delegation, r.ref) not in found or not can_read(viewer, found[(r.delegation, r.ref)][1], r.delegation)
        ]
        if problems:
            raise InvalidInput(problems)
        incidents = {found[(r.delegation, r.ref)][3] for r in item.reports}
        wrong = _shape(session, item, incidents)
        if wrong:
            raise InvalidInput([FieldProblem(f"decision {k}", "reports", w) for w in wrong])


def _shape(session: Session, item: FusionDecisionIn, incidents: set[int | None]) -> list[str]:
    if item.action == DecisionAction.MERGE:
        return [] if len(incidents) > 1 else ["the reports named are already in one incident: nothing to merge"]
    if len(incidents) != 1 or None in incidents:
        return ["a split names reports of one incident"]
    (incident,) = incidents
    size = len(session.scalars(select(Report.id).where(Report.incident_id == incident, current_reports())).all())
    return [] if size > len(item.reports) else ["a split must leave some of the incident's reports behind"]


def _named(
    session: Session, item: FusionDecisionIn, before: int | None = None
) -> dict[tuple[str, str], tuple[int, str, int, int | None]]:
    """Each current report named (current before entry ``before`` when given): (id, tier, delegation
    id, incident id), by (delegation code, ref)."""
    refs = [r.ref for r in item.reports]
    rows = session.execute(
        select(Delegation.code, Report.ref, Report.id, Report.tier, Report.delegation_id, Report.incident_id)
        .join(Delegation, Report.delegation_id == Delegation.id)
        .where(Report.ref.in_(refs), current_reports() if before is None else current_before(before))
    ).all()
    return {(code, ref): (rid, tier, did, inc) for code, ref, rid, tier, did, inc in rows}


def _viewer(session: Session, author: str) -> Viewer:
    if author == MECHANISM:
        return OPERATOR
    delegation = get_delegation(session, author)
    return Viewer(delegation.role, delegation.code, delegation.id)


@applies(EntryKind.FUSION_DECISION)
def _apply_decisions(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        item = (
            entry.parsed
            if isinstance(entry.parsed, FusionDecisionIn)
            else FusionDecisionIn.model_validate(entry.payload)
        )
        found = _named(session, item, entry.idx)
        named = [found[(r.delegation, r.ref)] for r in item.reports]
        ids = [n[0] for n in named]
        incidents = sorted({n[3] for n in named if n[3] is not None})
        others = []
        if item.action == DecisionAction.SPLIT:
            others = [
                r for r in session.scalars(select(Report.id).where(Report.incident_id.in_(incidents))) if r not in ids
            ]
            target = new_incident(session)
            session.execute(update(Report).where(Report.id.in_(ids)).values(incident_id=target))
        else:
            target = incidents[0]
            session.execute(update(Report).where(Report.incident_id.in_(incidents[1:])).values(incident_id=target))
        delegation_id = session.scalar(select(Delegation.id).where(Delegation.code == entry.author))
        decision = FusionDecision(entry_idx=entry.idx, delegation_id=delegation_id or 0, action=str(item.action),
                                  reason=item.reason)  # fmt: skip
        session.add(decision)
        session.flush()
        sides = [{"decision_id": decision.id, "report_id": r, "side": "a"} for r in ids]
        sides += [{"decision_id": decision.id, "report_id": r, "side": "b"} for r in others]
        session.execute(insert(FusionDecisionReport), sides)
        refresh_incidents(session, {target, *incidents}, entry_idx=entry.idx)


def constraints(session: Session, ids: NDArray[np.int64]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The decisions as positions among ``ids``: pairs to join and pairs to keep apart (the later decision wins)."""
    position = {int(r): p for p, r in enumerate(ids.tolist())}
    rows = session.execute(
        select(FusionDecision.id, FusionDecision.action, FusionDecisionReport.report_id, FusionDecisionReport.side)
        .join(FusionDecisionReport, FusionDecisionReport.decision_id == FusionDecision.id)
        .order_by(FusionDecision.entry_idx)
    ).all()
    decided: dict[tuple[int, int], bool] = {}
    for decision_id in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == decision_id]
        a = [position[r[2]] for r in mine if r[3] == "a" and r[2] in position]
        b = [position[r[2]] for r in mine if r[3] == "b" and r[2] in position]
        for x, y in combinations(a, 2):
            decided[(min(x, y), max(x, y))] = True
        for x in a:
            for y in b:
                decided[(min(x, y), max(x, y))] = False
    return [p for p, join in decided.items() if join], [p for p, join in decided.items() if not join]
