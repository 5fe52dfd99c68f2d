"""Reading reports from files, streamed: JSON (one report or an array), JSONL and CSV.

Each record comes with a label naming it for error messages (``file.csv row 12``).
A record that cannot even be read (malformed JSON, a CSV row with missing
columns) comes as a :class:`Unreadable` holding its problem, so an import can
report it beside the others.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.reports.schemas import CASUALTY_FIELDS

LIST_FIELDS = ("weapons", "sources", "evidence")


@dataclass(frozen=True)
class Unreadable:
    record: str
    problem: FieldProblem
    text: str


Read = tuple[str, dict[str, Any]] | Unreadable


def read_reports(path: Path) -> Iterator[Read]:
    """Every report in ``path``, by its suffix: ``.json``, ``.jsonl`` (or ``.ndjson``) or ``.csv``."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInput([FieldProblem(str(path), "", "no such file")])
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise InvalidInput([FieldProblem(str(path), "", f"unknown file type {suffix!r}: use .json, .jsonl or .csv")])


def _read_json(path: Path) -> Iterator[Read]:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput([FieldProblem(path.name, "", f"not valid JSON: {exc}")]) from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, start=1):
        label = f"{path.name} item {i}" if isinstance(data, list) else path.name
        if isinstance(item, dict):
            yield label, item
        else:
            yield Unreadable(label, FieldProblem(label, "", "a report must be a JSON object"), repr(item)[:200])


def _read_jsonl(path: Path) -> Iterator[Read]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            label = f"{path.name} line {number}"
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Unreadable(
                    label, FieldProblem(label, "", f"not valid JSON: {exc}"), line.decode(errors="replace")
                )
                continue
            if isinstance(item, dict):
                yield label, item
            else:
                yield Unreadable(label, FieldProblem(label, "", "a report must be a JSON object"), line.decode())


def _read_csv(path: Path) -> Iterator[Read]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None:
            raise InvalidInput([FieldProblem(path.name, "", "the CSV file is empty: it needs a header row")])
        header = [h.strip() for h in header]
        for number, values in enumerate(rows, start=2):
            label = f"{path.name} row {number}"
            if len(values) != len(header):
                problem = f"has {len(values)} values but the header has {len(header)} columns"
                yield Unreadable(label, FieldProblem(label, "", problem), ",".join(values))
                continue
            if any(v.strip() for v in values):
                yield label, csv_record(dict(zip(header, values, strict=True)))


def csv_record(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the JSON form: empty cells absent, casualty columns gathered, lists split.

    A list cell (weapons, sources, evidence) is a JSON array, or values separated by ``;``.
    """
    record: dict[str, Any] = {k: v for k, v in row.items() if v.strip() != ""}
    casualties = {name: record.pop(name) for name in CASUALTY_FIELDS if name in record}
    if casualties:
        record["casualties"] = casualties
    for name in LIST_FIELDS:
        if name in record:
            record[name] = _split(record[name], evidence=name == "evidence")
    return record


def _split(cell: str, *, evidence: bool) -> Any:
    cell = cell.strip()
    if cell.startswith("["):
        try:
            return orjson.loads(cell)
        except orjson.JSONDecodeError:
            return cell  # left as text: validation names the field and says it is not a list
    parts = [p.strip() for p in cell.split(";") if p.strip()]
    return [{"sha256": p} for p in parts] if evidence else parts
