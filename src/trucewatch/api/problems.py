"""Errors as RFC 9457 problem details.

The exception tree of :mod:`trucewatch.errors` is translated here, once: each
class has one status, and an :class:`~trucewatch.errors.InvalidInput` lists every
field at fault in ``errors``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trucewatch.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    StorageError,
    TrucewatchError,
    Unauthenticated,
)
from trucewatch.reports.evidence import TooLarge

PROBLEM = "application/problem+json"
FALLBACK = (400, "The request cannot be carried out")
STATUS: dict[type[TrucewatchError], tuple[int, str]] = {
    TooLarge: (413, "Request body too large"),
    InvalidInput: (422, "The input is not valid"),
    Unauthenticated: (401, "Not signed in"),
    Forbidden: (403, "Not allowed"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflicts with what is stored"),
    StorageError: (503, "The database is not available"),
}


class FieldError(BaseModel):
    """One problem with one field of one record."""

    record: str
    field: str
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title} for status, title in sorted({FALLBACK, *STATUS.values()})
}
"""Every problem a route of the API may answer with, for its OpenAPI document (``include_router(responses=...)``)."""
PROBLEMS[401]["headers"] = {"WWW-Authenticate": {"description": "The scheme to use", "schema": {"type": "string"}}}


def problem_response(status: int, title: str, detail: str, errors: list[FieldProblem] | None = None) -> JSONResponse:
    body = Problem(
        title=title,
        status=status,
        detail=detail,
        errors=[FieldError(record=p.record, field=p.field, problem=p.problem) for p in errors] if errors else None,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="trucewatch"'} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Translate every error trucewatch raises, and FastAPI's own, into problem details."""

    @app.exception_handler(TrucewatchError)
    def _domain(_: Request, exc: Exception) -> JSONResponse:
        status, title = status_of(exc)
        errors = field_problems(exc) or None
        return problem_response(status, title, str(exc) if not errors else f"{len(errors)} problem(s)", errors)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: Exception) -> JSONResponse:
        errors = field_problems(exc)
        return problem_response(*status_of(exc), f"{len(errors)} problem(s)", errors)

    @app.exception_handler(HTTPException)
    def _http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)  # noqa: S101 - registered for this class only
        return problem_response(*status_of(exc), str(exc.detail))

    _document_media_type(app)


def _document_media_type(app: FastAPI) -> None:
    """Say in the OpenAPI document that problems come as ``application/problem+json``.

    FastAPI files a response's ``model`` under the route's own media type, ``application/json``.
    """
    generate = app.openapi
    problem = {"$ref": "#/components/schemas/Problem"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # which FastAPI keeps as app.openapi_schema: edited in place, once
        for operation in (o for path in document["paths"].values() for o in path.values()):
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema") == problem:
                    content[PROBLEM] = content.pop("application/json")
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def status_of(exc: Exception) -> tuple[int, str]:
    """The status and title an error is answered with, by the API and by the web UI's error pages."""
    if isinstance(exc, HTTPException):
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
        return exc.status_code, titles.get(exc.status_code, "Request refused")
    if isinstance(exc, RequestValidationError):
        return 422, STATUS[InvalidInput][1]
    return next((v for k, v in STATUS.items() if isinstance(exc, k)), FALLBACK)


def field_problems(exc: Exception) -> list[FieldProblem]:
    """Every field at fault in an invalid input or request; none for any other error."""
    if isinstance(exc, InvalidInput):
        return list(exc.problems)
    if isinstance(exc, RequestValidationError):
        return [_field_problem(e) for e in exc.errors()]
    return []


def _field_problem(error: Any) -> FieldProblem:
    where = [str(part) for part in error.get("loc", ())]
    record = where[0] if where else "request"
    field = ".".join(where[1:]) or record
    return FieldProblem(record, field, str(error.get("msg", "invalid")))


class BodyLimit:
    """Refuse a request whose body exceeds ``limit`` bytes with a 413 problem, before any route reads it.

    Paths starting with one of ``exempt`` (evidence uploads, streamed under their own limit) pass.
    """

    def __init__(self, app: ASGIApp, limit: int, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen, over = 0, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:  # cut the body short; the route's answer is replaced below
                over = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if not over:
                started = True
                await send(message)

        await self.app(scope, counted, watched)
        if over and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body exceeds the limit of {self.limit:,} bytes"
        await problem_response(413, "Request body too large", detail)(scope, receive, send)
