"""Filing a report from the browser, signed on the delegate's side.

A session says who is asking; it cannot sign (docs/api.md). The form's script reads the
delegation's key file in the browser, where it stays (Web Crypto, Ed25519), and:

1. posts the form's fields and the key's *public* half to ``/reports/new/check``. The server checks
   the report as the API would and answers with every problem by field, shown next to the field.
   If there is no problem, it answers with the statement to sign: canonical bytes, with the
   reader's delegation, the key's id and the time. For a restricted report, the statement holds a
   commitment, and the salt and payload are returned beside it.
2. signs ``trucewatch/statement/v1\\n`` + those bytes, and posts the statement and signature to
   ``/reports/new/file``. This is the body of ``POST /api/v1/reports``, filed by the same writer and
   checked again by the log's checker.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from trucewatch.api.client import report_statements
from trucewatch.api.deps import Db, Writer, now
from trucewatch.api.reports import file_signed_body
from trucewatch.api.schemas import SignedIn
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.ledger.keyring import KeyringError
from trucewatch.ledger.kinds import Tier
from trucewatch.ledger.service import load_keyring
from trucewatch.ledger.signing import key_id
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.models import Report
from trucewatch.reports.schemas import CASUALTY_FIELDS
from trucewatch.reports.taxonomy import GeoPrecision, TimePrecision, ViolationType
from trucewatch.web.render import page
from trucewatch.web.security import CSRF_HEADER, check_csrf
from trucewatch.web.session import may

router = APIRouter(include_in_schema=False)
Filer = Annotated[Viewer, Depends(may(Action.FILE_REPORTS))]
RECORD = "report"
TEXT_FIELDS = (
    "ref", "time_precision", "place", "geo_precision", "violation_type", "perpetrator", "target",
    "narrative", "language", "tier", "supersedes",
)  # fmt: skip
"""The form's fields that a report takes as typed."""
LANGUAGES = ("en", "ar", "ru", "tr", "fa", "ku", "fr")


@dataclass(frozen=True)
class Author:
    delegation: str
    key_id: str


class FormIn(BaseModel):
    """The form's fields as typed (strings), and the public half of the key that will sign."""

    fields: dict[str, str] = Field(max_length=40)
    public_key: str = Field(max_length=100)


@router.get("/reports/new")
def report_form(request: Request, who: Filer) -> HTMLResponse:
    suggested = f"{who.delegation}-{now():%Y%m%d-%H%M%S}"
    context = {
        "ref": suggested,
        "types": list(ViolationType),
        "time_precisions": list(TimePrecision),
        "geo_precisions": list(GeoPrecision),
        "tiers": list(Tier),
        "languages": LANGUAGES,
        "casualties": CASUALTY_FIELDS,
    }
    return page(request, "report_form.html", who, context)


@router.post("/reports/new/check")
def check_report(request: Request, db: Db, who: Filer, form: FormIn) -> JSONResponse:
    check_csrf(request, request.headers.get(CSRF_HEADER))
    at = now()
    author = Author(str(who.delegation), _key_id(form.public_key))
    report = {**report_of(form.fields), "delegation": who.delegation}
    problems: list[FieldProblem] = []
    try:
        statements, restricted = report_statements(author, [report], at=at, record=RECORD)
    except InvalidInput as refused:
        problems += refused.problems
    with db.begin() as session:
        try:
            load_keyring(session).signer(author.key_id, author.delegation, at)
        except KeyringError as refused:
            problems.append(FieldProblem(RECORD, "key", str(refused)))
    if problems:
        raise InvalidInput(problems)
    return JSONResponse({"statement": statements[0].decode(), "restricted": restricted.get(0)})


@router.post("/reports/new/file")
async def file_report(request: Request, db: Db, writer: Writer, who: Filer, body: SignedIn) -> JSONResponse:
    check_csrf(request, request.headers.get(CSRF_HEADER))
    receipt = await file_signed_body(writer, who, body)
    with db.begin() as session:
        found = session.execute(
            select(Report.id, Report.ref, Report.incident_id).where(Report.entry_idx.in_(receipt.entries))
        ).first()
    filed = {"id": found.id, "ref": found.ref, "incident": found.incident_id} if found else None
    return JSONResponse({"entries": receipt.entries, "unchanged": receipt.unchanged, "report": filed}, status_code=201)


def report_of(fields: dict[str, str]) -> dict[str, Any]:
    """The report in its JSON form, from the form's text fields: numbers parsed where they can be (a
    field that is not a number is passed on as typed, for the check to name), lists split, blanks left out."""
    typed = {k: v.strip() for k, v in fields.items() if v.strip()}
    report: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in typed:
            report[name] = typed[name]
    if "occurred_at" in typed:
        when = typed["occurred_at"]
        report["occurred_at"] = when + ":00Z" if len(when) == 16 else when
    for name in ("latitude", "longitude"):
        if name in typed:
            report[name] = _number(typed[name], float)
    counts = {name: typed.get(f"casualties.{name}") for name in CASUALTY_FIELDS}
    casualties = {name: _number(text, int) for name, text in counts.items() if text is not None}
    if casualties:
        report["casualties"] = casualties
    if "weapons" in typed:
        report["weapons"] = [w.strip() for w in typed["weapons"].replace("\n", ",").split(",") if w.strip()]
    if "sources" in typed:
        report["sources"] = [s.strip() for s in typed["sources"].splitlines() if s.strip()]
    return report


def _number(text: str, kind: type[float] | type[int]) -> Any:
    try:
        return kind(text.replace(",", ".") if kind is float else text)
    except ValueError:
        return text


def _key_id(public_key: str) -> str:
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput([FieldProblem(RECORD, "key", "choose your delegation's key file (an Ed25519 key)")])
    return key_id(raw)
