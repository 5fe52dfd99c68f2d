"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from trucewatch.api.deps import Db
from trucewatch.api.problems import Problem, problem_response
from trucewatch.api.schemas import Health
from trucewatch.store.migrate import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and its schema is current",
    response_model=Health,
    responses={503: {"model": Problem, "description": "Not ready"}},
)
def readyz(db: Db) -> Health | JSONResponse:
    problem = readiness(db)
    return problem_response(503, "Not ready", problem) if problem else Health(status="ready")
