"""What every route needs: the database, a unit of work, the clock, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trucewatch.errors import Unauthenticated
from trucewatch.registry.access import ANONYMOUS, Action, Viewer, authorize
from trucewatch.registry.tokens import authenticate
from trucewatch.store.engine import Database

bearer = HTTPBearer(auto_error=False, description="A member's API token (`trucewatch token new`).")


def database(request: Request) -> Database:
    found: Database = request.app.state.database
    return found


def now() -> datetime:
    return datetime.now(UTC)


def viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer:
    """The member a Bearer token speaks for, or the public when there is none."""
    if credentials is None:
        if "authorization" in request.headers:
            raise Unauthenticated("the Authorization header is not 'Bearer <token>'")
        return ANONYMOUS
    with database(request).begin() as session:
        return authenticate(session, credentials.credentials, now=now()).viewer


def allow(action: Action) -> Callable[[Viewer], Viewer]:
    """A dependency that lets the request through only if the viewer's role may do ``action``."""

    def check(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        authorize(who, action)
        return who

    check.__name__ = f"allow_{action.value}"
    return check


Db = Annotated[Database, Depends(database)]
