"""Statements signed elsewhere, checked before the log places them (pure).

A remote client (another capital's system, the CLI in remote mode) signs its statements
with its own key and sends them; the server never holds that key. Before anything is
stored, :func:`open_submission` checks what the log's checker cannot: that the statements
are of the kind the caller asked to file, that their author is the caller's delegation, and
that their time agrees with the server's clock within :data:`TIME_TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from trucewatch.errors import FieldProblem, Forbidden, InvalidInput
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import (
    TIME_TOLERANCE,
    EntryError,
    Envelope,
    Submission,
    commitment,
    parse_statement,
    seal_payload,
)
from trucewatch.ledger.kinds import EntryKind


@dataclass(frozen=True, slots=True)
class Opened:
    """A submission's statements, parsed, each with its payload (for a restricted one, the payload
    sent beside it, which matches its commitment) as canonical bytes and as JSON."""

    envelopes: list[Envelope]
    datas: list[bytes]
    payloads: list[dict[str, Any]]


def open_submission(
    submission: Submission,
    restricted: Mapping[int, tuple[bytes, bytes]],
    *,
    kind: EntryKind,
    author: str,
    now: datetime,
) -> Opened:
    """Parse and check a signed submission; ``restricted`` maps a statement's position to (salt, payload).

    Raises InvalidInput naming ``statements[i].<field>`` for every problem found, or Forbidden
    when the statements are signed in another delegation's name than the caller's.
    """
    problems: list[FieldProblem] = []
    opened = Opened([], [], [])
    for position, statement in enumerate(submission.statements):
        label = f"statements[{position}]"
        try:
            env = parse_statement(statement)
        except EntryError as exc:
            problems.append(FieldProblem(label, "statement", str(exc)))
            continue
        if env.author != author:
            raise Forbidden(f"{label} is signed in the name of {env.author}; a member of {author} files as {author}")
        problems.extend(_problems(label, env, kind, now))
        data = _payload(label, env, restricted.get(position), problems)
        if data is not None:
            opened.envelopes.append(env)
            opened.datas.append(data)
            opened.payloads.append(orjson.loads(data))
    problems.extend(_seal_problems(submission, author, now))
    extra = sorted(set(restricted) - set(range(len(submission.statements))))
    problems.extend(FieldProblem(f"restricted[{i}]", "position", "no statement at this position") for i in extra)
    if problems:
        raise InvalidInput(problems)
    return opened


def _problems(label: str, env: Envelope, kind: EntryKind, now: datetime) -> list[FieldProblem]:
    found = []
    if env.kind != kind:
        found.append(FieldProblem(label, "kind", f"is {env.kind!r}; this takes statements of kind {str(kind)!r}"))
    if abs(env.time - now) > TIME_TOLERANCE:
        limit = int(TIME_TOLERANCE.total_seconds())
        problem = f"{env.time.isoformat()} is more than {limit} s from the server's clock ({now.isoformat()})"
        found.append(FieldProblem(label, "time", problem))
    return found


def _payload(label: str, env: Envelope, sent: tuple[bytes, bytes] | None, problems: list[FieldProblem]) -> bytes | None:
    if env.payload is not None:
        if sent is not None:
            problems.append(FieldProblem(label, "restricted", "the statement shows its payload: send none beside it"))
        return canonical_json(env.payload)
    if sent is None:
        problems.append(FieldProblem(label, "restricted", "commits to a payload that was not sent beside it"))
        return None
    salt, data = sent
    if env.commitment != commitment(salt, data):
        problems.append(FieldProblem(label, "commitment", "does not match the salt and payload sent beside it"))
        return None
    return data


def _seal_problems(submission: Submission, author: str, now: datetime) -> list[FieldProblem]:
    if submission.seal is None:
        if len(submission.statements) != 1:
            return [FieldProblem("submission", "seal", "several statements are signed through a seal")]
        return []
    try:
        seal = parse_statement(submission.seal)
    except EntryError as exc:
        return [FieldProblem("seal", "statement", str(exc))]
    found = _problems("seal", seal, EntryKind.SEAL, now)
    if seal.author != author:
        found.append(FieldProblem("seal", "author", f"is {seal.author}, not the statements' author {author}"))
    expected = seal_payload(submission.statements)
    if seal.payload != expected:
        found.append(FieldProblem("seal", "payload", f"does not match the statements (expected {expected})"))
    return found
