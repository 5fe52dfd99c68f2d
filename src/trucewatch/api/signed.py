"""Writes other than reports: statements of one kind, signed by their author's key, placed in the log.

Every write route of the registry, the map and the mechanism is this one function with its
kind and its access rule; the checks are the core service's (:func:`file_signed`).
"""

from __future__ import annotations

from trucewatch.api.deps import now
from trucewatch.api.schemas import Receipt, SignedBatchIn, SignedIn
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import file_signed
from trucewatch.registry.access import Viewer
from trucewatch.store.engine import Database

Signed = SignedIn | SignedBatchIn
"""One statement with its signature, or up to 1,000 sealed by one signature."""


def file_statements(db: Database, who: Viewer, kind: EntryKind, body: Signed) -> Receipt:
    submission, restricted = body.submission()
    if restricted:
        raise InvalidInput([FieldProblem("restricted", "position", f"only reports may be restricted, not a {kind}")])
    with db.begin() as session:
        recorded = file_signed(session, kind, submission, author=str(who.delegation), now=now())
    return Receipt(stored=len(recorded), unchanged=0, entries=[r.idx for r in recorded], unresolved={})
