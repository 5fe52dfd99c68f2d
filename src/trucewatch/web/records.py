"""The mechanism's records as pages: actors and their designation history, zones, meetings and
their commitments, and the ledger (latest checkpoint, an entry's inclusion proof verified)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from trucewatch.api.deps import Db
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.service import controller_keys, list_zones
from trucewatch.ledger.checkpoints import proven_inclusion, published, tree_size
from trucewatch.mechanism.service import describe_commitments, describe_meetings
from trucewatch.registry.access import Action, Viewer, allowed, authorize
from trucewatch.registry.service import list_actors
from trucewatch.web.render import page
from trucewatch.web.session import Reader, may
from trucewatch.web.views import actor_names

router = APIRouter(include_in_schema=False)


@router.get("/actors")
def actors(request: Request, db: Db, who: Annotated[Viewer, Depends(may(Action.READ_ACTORS))]) -> HTMLResponse:
    with db.begin() as session:
        return page(request, "actors.html", who, {"actors": list_actors(session)})


@router.get("/zones")
def zones(
    request: Request,
    db: Db,
    who: Annotated[Viewer, Depends(may(Action.READ_ZONES))],
    on: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    with db.begin() as session:
        found = list_zones(session, on=on)
        names = actor_names(list_actors(session), request.state.locale)
        context = {"zones": found, "keys": controller_keys(session, found), "on": on, "actor_names": names}
        return page(request, "zones.html", who, context)


@router.get("/meetings")
def meetings(request: Request, db: Db, who: Annotated[Viewer, Depends(may(Action.READ_MEETINGS))]) -> HTMLResponse:
    with db.begin() as session:
        context = {"meetings": describe_meetings(session), "commitments": describe_commitments(session)}
    return page(request, "meetings.html", who, context)


@router.get("/ledger")
def ledger(
    request: Request,
    db: Db,
    who: Reader,
    index: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    entry: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    authorize(who, Action.READ_CHECKPOINTS)
    with db.begin() as session:
        latest = published(session)
        proof = None
        if index is not None or entry.strip():
            proof = proven_inclusion(session, index=index, digest=_digest(entry) if entry.strip() else None)
        context: dict[str, Any] = {"checkpoint": latest[-1] if latest else None, "size": tree_size(session)}
    context |= {"proof": proof, "entry": entry, "entries_readable": allowed(who, Action.READ_ENTRIES)}
    return page(request, "ledger.html", who, context)


def _digest(text: str) -> bytes:
    cleaned = text.strip().lower()
    try:
        digest = bytes.fromhex(cleaned)
    except ValueError:
        digest = b""
    if len(digest) != 32:
        problem = f"an entry hash is 64 hexadecimal characters (got {cleaned[:80]!r})"
        raise InvalidInput([FieldProblem("inclusion proof", "entry", problem)])
    return digest
