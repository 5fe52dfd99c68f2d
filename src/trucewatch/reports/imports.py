"""Importing many reports: read in a stream, validate and store a chunk at a time.

The CLI's ``import reports``, ``report add`` and the bulk benchmark all go
through :func:`import_reports`; memory stays flat whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import IO

import orjson
from sqlalchemy.orm import Session

from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.ledger.entries import Signer
from trucewatch.reports.files import Read, Unreadable
from trucewatch.reports.service import Rejected, Submitted, submit_reports

Progress = Callable[[int], None]
"""Called with the number of records just handled."""


def import_reports(
    session: Session,
    records: Iterable[Read],
    *,
    signers: Mapping[str, Signer],
    now: datetime,
    skip_invalid: bool = False,
    rejects: IO[bytes] | None = None,
    chunk: int = 2000,
    progress: Progress | None = None,
) -> Submitted:
    """Store every valid report; all or nothing unless ``skip_invalid``.

    Without ``skip_invalid`` every chunk is still checked, so the error lists every
    bad record of the file; the caller's transaction then rolls back. With it, the
    rejected records and their reasons are written to ``rejects`` as JSON lines.
    """
    total = Submitted()
    problems: list[FieldProblem] = []
    for batch in _chunks(iter(records), chunk):
        readable = [r for r in batch if not isinstance(r, Unreadable)]
        unreadable = [r for r in batch if isinstance(r, Unreadable)]
        part = submit_reports(session, readable, signers=signers, now=now, skip_invalid=True)
        part.rejected.extend(Rejected(u.record, {"text": u.text}, (u.problem,)) for u in unreadable)
        _merge(total, part)
        if skip_invalid and rejects is not None:
            _write_rejects(rejects, part.rejected)
        problems.extend(p for r in part.rejected for p in r.problems)
        if progress is not None:
            progress(len(batch))
    if problems and not skip_invalid:
        raise InvalidInput(problems)
    return total


def _chunks(records: Iterator[Read], size: int) -> Iterator[list[Read]]:
    while batch := list(islice(records, size)):
        yield batch


def _merge(total: Submitted, part: Submitted) -> None:
    total.stored += part.stored
    total.unchanged += part.unchanged
    total.rejected.extend(part.rejected)
    for name, n in part.unresolved.items():
        total.unresolved[name] = total.unresolved.get(name, 0) + n


def _write_rejects(out: IO[bytes], rejected: Iterable[Rejected]) -> None:
    for r in rejected:
        line = {
            "record": r.record,
            "problems": [{"field": p.field, "problem": p.problem} for p in r.problems],
            "input": r.data,
        }
        out.write(orjson.dumps(line, default=str) + b"\n")
