"""What every route needs: the database, a unit of work, the clock, and who is asking."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trucewatch.api.writer import ReportWriter
from trucewatch.errors import Unauthenticated
from trucewatch.registry.access import ANONYMOUS, Action, Viewer, authorize
from trucewatch.registry.tokens import Account, authenticate
from trucewatch.store.engine import Database

bearer = HTTPBearer(auto_error=False, description="A member's API token (`trucewatch token new`).")


async def database(request: Request) -> Database:
    found: Database = request.app.state.database
    return found


async def report_writer(request: Request) -> ReportWriter:
    found: ReportWriter = request.app.state.writer
    return found


def now() -> datetime:
    return datetime.now(UTC)


class TokenCache:
    """Tokens found valid in the last ``seconds``, so that a request need not read its token again.

    A token is trusted from the cache until ``seconds`` have passed or it expires, whichever
    comes first: a revocation takes effect at most ``seconds`` after it is made.
    """

    LIMIT = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._found: dict[str, tuple[float, Viewer]] = {}

    def get(self, token: str) -> Viewer | None:
        found = self._found.get(token)
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    def forget(self, token: str) -> None:
        """Stop trusting ``token`` at once (its holder signed out)."""
        self._found.pop(token, None)

    def put(self, token: str, account: Account) -> None:
        if self.seconds <= 0:
            return
        trusted = self.seconds
        if account.expires_at is not None:
            trusted = min(trusted, (account.expires_at - now()).total_seconds())
        if len(self._found) >= self.LIMIT:
            self._found.clear()
        self._found[token] = (time.monotonic() + trusted, account.viewer)


async def viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer:
    """The member a Bearer token speaks for, or the public when there is none."""
    if credentials is None:
        if "authorization" in request.headers:
            raise Unauthenticated("the Authorization header is not 'Bearer <token>'")
        return ANONYMOUS
    return await token_viewer(request, credentials.credentials)


async def token_viewer(request: Request, token: str) -> Viewer:
    """The member ``token`` speaks for (from the cache when it was found valid lately); Unauthenticated if none."""
    cache: TokenCache = request.app.state.tokens
    found = cache.get(token)
    if found is None:
        account = await run_in_threadpool(_authenticate, request.app.state.database, token)
        cache.put(token, account)
        found = account.viewer
    return found


def _authenticate(db: Database, token: str) -> Account:
    with db.begin() as session:
        return authenticate(session, token, now=now())


def allow(action: Action) -> Callable[[Viewer], Awaitable[Viewer]]:
    """A dependency that lets the request through only if the viewer's role may do ``action``."""

    async def check(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        authorize(who, action)
        return who

    check.__name__ = f"allow_{action.value}"
    check.action = action  # type: ignore[attr-defined]  # read by the OpenAPI document (app._mark_public)
    return check


Db = Annotated[Database, Depends(database)]
Writer = Annotated[ReportWriter, Depends(report_writer)]
