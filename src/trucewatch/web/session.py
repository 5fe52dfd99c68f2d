"""Who is reading a page: sign-in (a password or a member's token), sign-out, the language.

A sign-in makes a web session (:func:`~trucewatch.registry.tokens.new_session`): a token of
purpose ``web`` held in the ``tw_session`` cookie, checked on every page as the API checks a
Bearer token. A session that expired or was revoked reads as the public's, which is asked to sign in.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trucewatch.api.deps import Db, TokenCache, now, token_viewer
from trucewatch.errors import Unauthenticated
from trucewatch.registry.access import ANONYMOUS, Action, Viewer, authorize
from trucewatch.registry.passwords import check_password
from trucewatch.registry.service import list_delegations
from trucewatch.registry.tokens import SESSION_HOURS, authenticate, end_session, new_session
from trucewatch.store.engine import Database
from trucewatch.web.i18n import LOCALES, choose
from trucewatch.web.render import page
from trucewatch.web.security import LANG_COOKIE, SESSION_COOKIE, check_csrf, set_cookie

router = APIRouter(include_in_schema=False)


async def reader(request: Request) -> Viewer:
    """The member of the session cookie, or the public; also fixes the page's language."""
    asked = request.query_params.get("lang")
    request.state.locale = choose(asked or request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    request.state.set_lang = asked if asked in LOCALES else None
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    try:
        return await token_viewer(request, token)
    except Unauthenticated:
        return ANONYMOUS


Reader = Annotated[Viewer, Depends(reader)]


def may(action: Action):  # type: ignore[no-untyped-def]
    """A page's dependency: the reader, if its role may ``action``; the public is sent to sign in."""

    async def check(request: Request, who: Reader) -> Viewer:
        if who.anonymous:
            raise SignInFirst(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        authorize(who, action)
        return who

    return check


class SignInFirst(Exception):  # noqa: N818 - a redirect, not an error
    """The page needs a member: the reader is sent to the sign-in page, and back to ``then`` after."""

    def __init__(self, then: str) -> None:
        super().__init__(then)
        self.then = then


def to_sign_in(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)  # noqa: S101 - registered for this class only
    return RedirectResponse(f"/sign-in?then={quote(exc.then, safe='')}", status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, db: Db, who: Reader, then: str = "/") -> HTMLResponse:
    return page(request, "sign_in.html", who, {"delegations": _delegations(db), "then": _local(then), "error": None})


@router.post("/sign-in")
async def sign_in(
    request: Request,
    db: Db,
    who: Reader,
    csrf: Annotated[str, Form()] = "",
    delegation: Annotated[str, Form(max_length=16)] = "",
    member: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    then: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    check_csrf(request, csrf)
    try:
        issued = await run_in_threadpool(_open_session, db, delegation, member, password, token.strip())
    except Unauthenticated as refused:
        context = {
            "delegations": _delegations(db),
            "then": _local(then),
            "error": str(refused),
            "delegation": delegation,
        }
        return page(request, "sign_in.html", who, {**context, "member": member}, status=401)
    response = RedirectResponse(_local(then), status_code=303)
    set_cookie(response, SESSION_COOKIE, issued, strict=False, max_age=SESSION_HOURS * 3600)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, db: Db, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        cache: TokenCache = request.app.state.tokens
        cache.forget(token)
        await run_in_threadpool(_end, db, token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


def _open_session(db: Database, delegation: str, member: str, password: str, token: str) -> str:
    with db.begin() as session:
        if token:
            member_id = authenticate(session, token, now=now()).member_id
        elif password:
            member_id = check_password(session, delegation, member, password)
        else:
            raise Unauthenticated("give your delegation, login and password, or a member's token")
        return new_session(session, member_id, now=now()).token


def _delegations(db: Database) -> list[tuple[str, str]]:
    """The sign-in form's choice of delegations: (code, name)."""
    with db.begin() as session:
        return [(d.code, d.name) for d in list_delegations(session)]


def _end(db: Database, token: str) -> None:
    with db.begin() as session:
        end_session(session, token, now=now())


def _local(then: str) -> str:
    """Only a path of this server: a sign-in link must not send the reader elsewhere."""
    return then if then.startswith("/") and not then.startswith(("//", "/\\")) else "/"
