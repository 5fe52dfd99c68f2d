"""The ledger export: a directory anyone can verify offline.

::

    DIR/entries.jsonl      one entry per line, in log order, each line the exact signed bytes
    DIR/checkpoints/       one file per signed checkpoint (named by its tree size, 12 digits),
                           the C2SP signed note with the mechanism's and the witnesses' signatures
    DIR/keys.json          every public key the log registered, with delegation, role and validity
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.errors import ConfigError, FieldProblem, InvalidInput
from trucewatch.ledger.audit import Verdict, keyring_json, verify_log
from trucewatch.ledger.checkpoints import published
from trucewatch.ledger.models import Entry
from trucewatch.ledger.service import load_keyring

ENTRIES = "entries.jsonl"
CHECKPOINTS = "checkpoints"
KEYS = "keys.json"


@dataclass(frozen=True, slots=True)
class Exported:
    entries: int
    checkpoints: int


def export_log(session: Session, directory: Path) -> Exported:
    """Write the export into ``directory`` (created if missing; an older export there is replaced)."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    with (directory / ENTRIES).open("wb") as sink:
        for line in session.scalars(select(Entry.line).order_by(Entry.idx).execution_options(yield_per=10_000)):
            sink.write(line + b"\n")
            count += 1
    folder = directory / CHECKPOINTS
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    notes = published(session)
    for p in notes:
        (folder / f"{p.size:012d}").write_bytes(p.note.encode())
    (directory / KEYS).write_bytes(orjson.dumps(keyring_json(load_keyring(session)), option=orjson.OPT_INDENT_2))
    return Exported(count, len(notes))


def verify_export(directory: Path, *, log_key: str | None = None, kept: Sequence[bytes] = ()) -> Verdict:
    """Verify an export offline: no database, no network.

    ``kept`` are checkpoints the observer kept from earlier: a log rolled back behind one of them
    fails even if the export leaves that checkpoint out.
    """
    entries = directory / ENTRIES
    if not entries.is_file():
        raise ConfigError(f"{directory} is not a trucewatch ledger export: it has no {ENTRIES}")
    folder = directory / CHECKPOINTS
    notes = [p.read_bytes() for p in sorted(folder.iterdir())] if folder.is_dir() else []
    notes += [k for k in kept if k not in notes]
    keys = _keys(directory / KEYS)
    with entries.open("rb") as source:
        return verify_log(_lines(source), notes, keys=keys, log_key=log_key)


def _lines(source: Any) -> Iterator[bytes]:
    for number, line in enumerate(source, start=1):
        if not line.endswith(b"\n"):
            raise InvalidInput([FieldProblem(f"{ENTRIES} line {number}", "", "the last line has no newline")])
        yield line[:-1]


def _keys(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"the export has no {KEYS}")
    try:
        found = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput([FieldProblem(KEYS, "", f"not JSON: {exc}")]) from exc
    if not isinstance(found, dict):
        raise InvalidInput([FieldProblem(KEYS, "", "not a JSON object")])
    return found
