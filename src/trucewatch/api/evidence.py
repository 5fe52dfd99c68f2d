"""Evidence uploads: the request body is the file, streamed to disk under its own size limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from trucewatch.api.deps import allow
from trucewatch.api.schemas import EvidenceOut
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.evidence import store_evidence

router = APIRouter(prefix="/evidence", tags=["reports"])
Filer = Annotated[Viewer, Depends(allow(Action.FILE_REPORTS))]


@router.post(
    "",
    status_code=201,
    response_model=EvidenceOut,
    summary="Upload an evidence file (the raw body); name it in a report by the SHA-256 returned",
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {}}}}},
    responses={200: {"model": EvidenceOut, "description": "The same file was uploaded before"}},
)
async def upload(request: Request, _: Filer) -> EvidenceOut | JSONResponse:
    settings = request.app.state.settings
    stored = await store_evidence(settings.evidence_path, request.stream(), limit=settings.max_evidence_bytes)
    out = EvidenceOut(sha256=stored.sha256, size=stored.size)
    return out if stored.new else JSONResponse(out.model_dump(), status_code=200)
