"""What keeps the web UI's pages safe: headers, the CSRF token, the session and language cookies.

* Every page is served with a strict Content-Security-Policy: scripts, styles, images and
  connections from the server itself only, no inline script or style, no framing, forms posted
  only to the server. A map tile server, when one is configured, is the one exception (images).
* Every form and every ``fetch`` that changes something carries the CSRF token, which must equal
  the ``tw_csrf`` cookie (a random value per browser, HttpOnly, SameSite=Strict); a request from
  another site can neither read the cookie nor send it, and its ``Origin`` is refused as well.
* Cookies are Secure, HttpOnly and SameSite. Browsers keep Secure cookies over plain HTTP on
  ``localhost`` and ``127.0.0.1`` (the demo's address); anywhere else, serve over HTTPS.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trucewatch.errors import Forbidden

SESSION_COOKIE = "tw_session"
CSRF_COOKIE = "tw_csrf"
LANG_COOKIE = "tw_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(tile_origin: str | None = None) -> str:
    images = "'self' data:" + (f" {tile_origin}" if tile_origin else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


class SecurityHeaders:
    """Adds the page headers to every answer outside ``/api`` (the API's docs page has its own inline script)."""

    def __init__(self, app: ASGIApp, tile_origin: str | None = None) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_origin).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: its cookie's, or a new one that the answer will set."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf = token
    return str(token)


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        set_cookie(response, CSRF_COOKIE, token, strict=True)


def check_csrf(request: Request, supplied: str | None) -> None:
    """Refuse a change that did not come from one of this server's own pages."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise Forbidden(f"a form of another site ({origin}) may not change anything here")
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not supplied or not secrets.compare_digest(expected, supplied):
        raise Forbidden("this form has expired or did not come from this site: reload the page and try again")


def set_cookie(response: Response, name: str, value: str, *, strict: bool, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict" if strict else "lax"
    )
