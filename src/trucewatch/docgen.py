"""Render docs/data-model.md from the code's own tables, so the page cannot drift.

``python -m trucewatch.docgen`` writes the page; ``--check`` exits 1 when it is stale.
Descriptions come from the code: class docstrings, the attribute docstrings written
under each column, field and enum member (read with :mod:`ast`), column comments,
Pydantic's field metadata and the taxonomy's tables. Nothing in the core imports
this module.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import ModuleType, NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo
from sqlalchemy import Column, Table, UniqueConstraint

from trucewatch.ledger.kinds import EntryKind, Tier
from trucewatch.mechanism.schemas import Capacity, CommitmentKind, CommitmentStatus, MeetingKind
from trucewatch.migrations.tables import metadata
from trucewatch.registry.schemas import ActorKind, CeasefireCoverage, Relation, Role
from trucewatch.reports import taxonomy
from trucewatch.reports.files import LIST_FIELDS
from trucewatch.reports.schemas import CASUALTY_FIELDS, Casualties, Evidence, ReportIn
from trucewatch.reports.taxonomy import VIOLATIONS, GeoPrecision, TimePrecision, ViolationMeaning, ViolationType
from trucewatch.store.base import Base

PAGE = Path("docs") / "data-model.md"
TABLE_ORDER: tuple[str, ...] = (
    *("entries", "delegations", "members", "signing_keys", "actors", "actor_names", "actor_affiliations"),
    *("designations", "ceasefire_statuses", "zones", "zone_control", "reports", "incidents", "meetings"),
    *("meeting_attendance", "commitments", "commitment_parties", "commitment_updates"),
)
"""Tables in reading order; a table not named here is appended, so a new one still appears."""
ENUMS: tuple[type[Enum], ...] = (
    *(Role, ActorKind, CeasefireCoverage, Relation),
    *(Tier, EntryKind, MeetingKind, Capacity, CommitmentKind, CommitmentStatus),
)
JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
JSON_TYPES |= {datetime: "date-time", date: "date", NoneType: "null"}
_BOUNDS = ((Ge, "ge", "≥"), (Gt, "gt", ">"), (Le, "le", "≤"), (Lt, "lt", "<"))
_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|obj|exc):`~?([^`]+)`")

# -- reading docstrings -------------------------------------------------------


def markdown(text: str) -> str:
    """A docstring's reST inline markup as Markdown: ``x`` and :class:`x` become `x`."""
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def one_line(text: str | None) -> str:
    return " ".join(markdown(text or "").split())


def paragraphs(text: str | None) -> list[str]:
    """A docstring as Markdown paragraphs, each on one line."""
    blocks = inspect.cleandoc(text or "").split("\n\n")
    return [one_line(block) for block in blocks if block.strip()]


def prose(text: str | None, *, skip: int = 0) -> list[str]:
    """Page lines of a docstring: each paragraph followed by a blank line; nothing for no text."""
    return [line for block in paragraphs(text)[skip:] for line in (block, "")]


@cache
def _tree(owner: type | ModuleType) -> ast.Module:
    return ast.parse(textwrap.dedent(inspect.getsource(owner)))


def _class_node(cls: type) -> ast.ClassDef:
    node = _tree(cls).body[0]
    if not isinstance(node, ast.ClassDef):  # pragma: no cover - getsource of a class starts with it
        raise TypeError(f"no class definition found for {cls.__qualname__}")
    return node


def class_doc(cls: type) -> str | None:
    """The docstring written in ``cls`` itself (not one inherited from ``StrEnum`` or ``Base``)."""
    return ast.get_docstring(_class_node(cls))


def attribute_docs(owner: type | ModuleType) -> dict[str, str]:
    """Docstrings written right under the attributes of a class or the names of a module."""
    body = _class_node(owner).body if isinstance(owner, type) else _tree(owner).body
    docs: dict[str, str] = {}
    for stmt, after in pairwise(body):
        name = _assigned_name(stmt)
        if name and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            text = after.value.value
            if isinstance(text, str):
                docs[name] = inspect.cleandoc(text)
    return docs


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


# -- Markdown building blocks -------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def code(value: object) -> str:
    return f"`{value}`"


def _qualname(obj: type) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


# -- (a) the tables -----------------------------------------------------------


def ordered_tables() -> list[Table]:
    """Every table of the schema: the known ones in reading order, any new one after them."""
    known = [metadata.tables[name] for name in TABLE_ORDER if name in metadata.tables]
    rest = sorted((t for name, t in metadata.tables.items() if name not in TABLE_ORDER), key=lambda t: t.name)
    return known + rest


def _mapped_classes() -> dict[str, type]:
    mappers = Base.registry.mappers
    return {m.local_table.name: m.class_ for m in mappers if isinstance(m.local_table, Table)}


def tables_section() -> list[str]:
    intro = """The tables are a view of the ledger: domain rows are written only by the applier
    registered for an entry kind, in the transaction that appends the entry to ``entries``, so
    replaying the entries rebuilds them. Types are SQLAlchemy's: ``String(n)`` holds at most *n*
    characters, ``JSON`` a JSON document."""
    lines = ["## Tables", "", *prose(intro), *_own_types()]
    classes = _mapped_classes()
    for found in ordered_tables():
        lines += table_section(found, classes.get(found.name))
    return lines


def table_section(found: Table, cls: type | None) -> list[str]:
    lines = [f"### {found.name}", ""]
    if cls is not None:
        lines += [*prose(class_doc(cls)), f"Mapped by {code(_qualname(cls))}.", ""]
    docs = _column_docs(found, cls)
    rows = [
        [code(c.name), _column_type(c), "yes" if c.nullable else "no", _column_description(found, c, docs)]
        for c in found.columns
    ]
    lines += table(["column", "type", "null", "description"], rows)
    together = [
        ", ".join(code(c.name) for c in u.columns)
        for u in found.constraints
        if isinstance(u, UniqueConstraint) and len(u.columns) > 1
    ]
    if together:
        lines += ["Unique together: " + "; ".join(f"({names})" for names in sorted(together)) + ".", ""]
    return lines


def _own_types() -> list[str]:
    """A line for each column type trucewatch defines itself, from the type's docstring."""
    own = {type(c.type) for t in metadata.tables.values() for c in t.columns}
    own = {kind for kind in own if kind.__module__.startswith("trucewatch.")}
    said = [f"- {code(kind.__name__)}: {one_line(paragraphs(class_doc(kind))[0])}" for kind in own if class_doc(kind)]
    return [*sorted(said), ""] if said else []


def _column_docs(found: Table, cls: type | None) -> dict[str, str]:
    """Column name to docstring, through the mapped attribute that holds the column."""
    if cls is None:
        return {}
    by_attribute = attribute_docs(cls)
    attrs = next(m for m in Base.registry.mappers if m.class_ is cls).column_attrs
    return {col.name: by_attribute[a.key] for a in attrs for col in a.columns if a.key in by_attribute}


def _column_type(column: Column[Any]) -> str:
    name = type(column.type).__name__
    length = getattr(column.type, "length", None)
    return f"{name}({length})" if length else name


def _column_description(found: Table, column: Column[Any], docs: Mapping[str, str]) -> str:
    notes = []
    if column.primary_key:
        notes.append("primary key")
    notes += [f"→ {code(fk.target_fullname)}" for fk in sorted(column.foreign_keys, key=lambda f: f.target_fullname)]
    single = [u for u in found.constraints if isinstance(u, UniqueConstraint) and list(u.columns) == [column]]
    if column.unique or single:
        notes.append("unique")
    if any(column in index.columns.values() for index in found.indexes):
        notes.append("indexed")
    text = one_line(docs.get(column.name) or column.comment)
    keys = "*" + ", ".join(notes) + "*" if notes else ""
    return ". ".join(part for part in (keys, text) if part)


# -- (b) the report's JSON form ----------------------------------------------


def json_type(annotation: Any) -> str:
    """A field's type in JSON's words, linking the enums and objects documented below."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return json_type(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return " or ".join(json_type(arg) for arg in get_args(annotation))
    if origin is list:
        return "array of " + json_type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, Enum | BaseModel):
        kind = "string, one of" if issubclass(annotation, Enum) else "object"
        return f"{kind} [{annotation.__name__}](#{annotation.__name__.lower()})"
    return JSON_TYPES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def constraints(annotation: Any, found: Iterable[Any] = ()) -> list[str]:
    """Pydantic constraints of a field, in words, including those inside ``Annotated`` and lists."""
    said = [text for item in found for text in _constraint(item)]
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return said + constraints(base, extra)
    if origin in (Union, UnionType):
        return said + [c for arg in get_args(annotation) for c in constraints(arg)]
    if origin is list:
        return said + [f"each item {c}" for c in constraints(get_args(annotation)[0])]
    return said


def _constraint(item: Any) -> list[str]:
    if isinstance(item, StringConstraints):
        said = [_length(item.min_length, item.max_length)] if item.min_length or item.max_length else []
        return said + ([f"matches {code(item.pattern)}"] if item.pattern else [])
    for kind, attribute, sign in _BOUNDS:
        if isinstance(item, kind):
            return [f"{sign} {getattr(item, attribute)}"]
    if isinstance(item, MinLen):
        return [f"at least {item.min_length} long"]
    if isinstance(item, MaxLen):
        return [f"at most {item.max_length} long"]
    return []


def _length(low: int | None, high: int | None) -> str:
    if low and high:
        return f"{low}–{high} characters"
    return f"at least {low} characters" if low else f"at most {high} characters"


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    elif isinstance(value, Enum):
        value = value.value
    return code(json.dumps(value, ensure_ascii=False))


def model_section(model: type[BaseModel]) -> list[str]:
    """One input schema: its docstring and a row per field."""
    docs = attribute_docs(model)
    rows = []
    for name, field in model.model_fields.items():
        said = [one_line(docs.get(name) or field.description), *constraints(field.annotation, field.metadata)]
        key = code(field.alias or name)
        required = "yes" if field.is_required() else "no"
        rows.append([key, json_type(field.annotation), required, _default(field), "; ".join(s for s in said if s)])
    lines = [f"### {model.__name__}", "", *prose(class_doc(model))]
    return lines + table(["field", "type", "required", "default", "description"], rows)


def report_section() -> list[str]:
    config = ReportIn.model_config
    rules = ["Unknown fields are refused."] if config.get("extra") == "forbid" else []
    if config.get("str_strip_whitespace"):
        rules.append("Whitespace around every string is stripped.")
    intro = """A report arrives as one JSON object: a ``.json`` file holds one report or an array of
    them, a ``.jsonl`` (or ``.ndjson``) file one report a line. The same form, normalised, is the
    payload of the report's ledger entry."""
    lines = ["## The report's JSON form", "", *prose(intro), " ".join(rules), ""]
    lines += model_section(ReportIn) + _report_rules() + model_section(Casualties) + model_section(Evidence)
    return lines


def _report_rules() -> list[str]:
    notes = [
        "**Defaults of the precisions.** `time_precision` and `geo_precision` are required by the schema,"
        " but filled in before validation when absent: `time_precision` is `day` when `occurred_at` is a"
        " date alone (`2017-02-03`) and `exact` when it has a time; `geo_precision` is `exact` when the"
        " report gives coordinates, and `town` when it gives only a `place`.",
        "**Times.** An `occurred_at` with a time needs a UTC offset (`2017-02-03T14:00:00Z` or `+03:00`);"
        " it is stored in UTC. A date alone means midnight UTC of that day. A time after the moment of"
        " submission is refused.",
        "**Places.** `latitude` and `longitude` go together; a report needs either both or a `place`.",
        "**Corrections.** `supersedes` names the `ref` of an earlier report of the same delegation; a"
        " report cannot supersede itself, and a report is superseded at most once.",
    ]
    return [line for note in notes for line in (note, "")]


# -- (f) the CSV form ---------------------------------------------------------


def csv_section() -> list[str]:
    casualties = ", ".join(code(name) for name in CASUALTY_FIELDS)
    lists = ", ".join(code(name) for name in LIST_FIELDS)
    text = f"""A ``.csv`` file (UTF-8, a byte-order mark allowed) has a header row of the same field names as
    the JSON form, and one report a row. Casualty counts are columns of their own ({casualties}) rather
    than a ``casualties`` object. A list cell ({lists}) holds a JSON array, or values separated by ``;``;
    in ``evidence`` each ``;``-separated value is the SHA-256 of a file. An empty cell is an absent field,
    and a row of empty cells is skipped. A row with more or fewer cells than the header is reported as
    unreadable."""
    return ["## The CSV form", "", *prose(text)]


# -- (c) the taxonomy and (d) the precisions ---------------------------------


def taxonomy_section() -> list[str]:
    lines = ["## Violation taxonomy", "", *prose(taxonomy.__doc__, skip=1), "### ViolationType", ""]
    lines += prose(class_doc(ViolationType))
    rows = [
        [
            code(vtype.value),
            meaning.label,
            "<br>".join(event for event, _ in meaning.acled),
            "<br>".join(sub for _, sub in meaning.acled),
            ", ".join(str(n) for n in meaning.ucdp) or "—",
        ]
        for vtype, meaning in VIOLATIONS.items()
    ]
    header = ["code", "label", "ACLED event_type", "ACLED sub_event_type", "UCDP type_of_violence"]
    lines += table(header, rows)
    missing = [code(v.value) for v in ViolationType if v not in VIOLATIONS]
    if missing:
        lines += ["Not in the taxonomy yet: " + ", ".join(missing) + ".", ""]
    docs = attribute_docs(ViolationMeaning)
    said = [f"- `{name}`: {one_line(docs[name])}" for name in ("acled", "ucdp") if name in docs]
    return lines + ([f"In {code(_qualname(ViolationMeaning))}:", "", *said, ""] if said else [])


def _mapping_doc(name: str) -> list[str]:
    doc = attribute_docs(taxonomy).get(name)
    return [f"{code(name)}: " + " ".join(paragraphs(doc)), ""] if doc else []


def precision_section(enum: type[Enum], to: Sequence[tuple[str, str]], back: tuple[str, str]) -> list[str]:
    """One precision: its codes and where they go (``to``), then where the source's codes land (``back``)."""
    maps: dict[str, Mapping[Any, Any]] = {name: getattr(taxonomy, name) for name, _ in [*to, back]}
    docs = attribute_docs(enum)
    lines = [f"### {enum.__name__}", "", *prose(class_doc(enum))]
    header = ["code", "meaning", *(f"{label} ({code(name)})" for name, label in to)]
    rows = [[code(m.value), one_line(docs.get(m.name)), *(str(maps[name].get(m, "—")) for name, _ in to)] for m in enum]
    lines += table(header, rows)
    lines += [line for name, _ in to for line in _mapping_doc(name)]
    name, label = back
    lines += [f"From {label} ({code(name)}):", ""]
    lines += table([label, enum.__name__], [[str(k), code(v.value)] for k, v in sorted(maps[name].items())])
    return lines + _mapping_doc(name)


def precisions_section() -> list[str]:
    intro = """Every report carries a time precision and a place precision. They map to UCDP GED's
    ``date_prec`` and ``where_prec`` and to ACLED's ``time_precision`` and ``geo_precision``
    (the tables of ``trucewatch.reports.taxonomy``)."""
    lines = ["## Precision codes", "", *prose(intro)]
    lines += precision_section(
        TimePrecision,
        [("TIME_TO_UCDP", "UCDP date_prec"), ("TIME_TO_ACLED", "ACLED time_precision")],
        ("UCDP_TO_TIME", "UCDP date_prec"),
    )
    return lines + precision_section(
        GeoPrecision,
        [("GEO_TO_UCDP", "UCDP where_prec"), ("GEO_TO_ACLED", "ACLED geo_precision")],
        ("UCDP_TO_GEO", "UCDP where_prec"),
    )


# -- (e) the enums ------------------------------------------------------------


def enum_section(enum: type[Enum]) -> list[str]:
    docs = attribute_docs(enum)
    lines = [f"### {enum.__name__}", "", *prose(class_doc(enum)), f"Defined in {code(_qualname(enum))}.", ""]
    if not any(m.name in docs for m in enum):
        return [*lines, "Values: " + ", ".join(code(m.value) for m in enum) + ".", ""]
    return lines + table(["value", "meaning"], [[code(m.value), one_line(docs.get(m.name))] for m in enum])


def enums_section() -> list[str]:
    return ["## Enumerations", "", *(line for enum in ENUMS for line in enum_section(enum))]


# -- the page -----------------------------------------------------------------


def data_model_markdown() -> str:
    """The whole of docs/data-model.md."""
    body = [
        *tables_section(),
        *report_section(),
        *csv_section(),
        *taxonomy_section(),
        *precisions_section(),
        *enums_section(),
    ]
    contents = [f"- [{line[3:]}](#{_anchor(line[3:])})" for line in body if line.startswith("## ")]
    head = [
        "<!-- Generated by `python -m trucewatch.docgen` from the code's own tables. Do not edit by hand. -->",
        "",
        "# Data model",
        "",
        "This page is generated by `python -m trucewatch.docgen` (`make docs`) and must not be edited by hand:"
        " change the docstrings and tables in the code, then regenerate it. `tests/unit/test_docs.py` fails"
        " when it is stale.",
        "",
    ]
    return "\n".join([*head, *contents, "", *body]).rstrip("\n") + "\n"


def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _repo_root() -> Path:
    """The source tree holding this module, or the working directory for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def main(argv: Sequence[str] | None = None) -> None:
    """Write docs/data-model.md, or with ``--check`` exit 1 when it differs from the code."""
    parser = argparse.ArgumentParser(prog="python -m trucewatch.docgen", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale; write nothing")
    parser.add_argument("--output", type=Path, default=None, help=f"where the page goes [default: {PAGE}]")
    args = parser.parse_args(argv)
    path: Path = args.output or _repo_root() / PAGE
    wanted = data_model_markdown()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current != wanted:
            sys.stderr.write(f"{path} is stale: run python -m trucewatch.docgen\n")
            raise SystemExit(1)
        sys.stdout.write(f"{path} is up to date\n")
        return
    if current != wanted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted, encoding="utf-8", newline="\n")
    sys.stdout.write(f"{path} {'written' if current != wanted else 'unchanged'}\n")


if __name__ == "__main__":
    main()
