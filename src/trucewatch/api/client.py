"""The client's side of the API: sign reports locally, send them, read pages of reports.

Used by the CLI in remote mode (``--server URL --token T --key FILE``), by the load
benchmark and by tests; any other client does the same in its own language
(docs/api.md). The private key never leaves the client.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import httpx2
import orjson
from pydantic import ValidationError

from trucewatch.errors import FieldProblem, InvalidInput, StorageError, TrucewatchError
from trucewatch.ledger import notes
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import Author, Signer, make_statement, sign_statements
from trucewatch.ledger.kinds import EntryKind, Tier
from trucewatch.ledger.signing import DelegationKey
from trucewatch.reports.schemas import ReportIn
from trucewatch.reports.service import report_payload
from trucewatch.validation import problems_of

BATCH = 1000


def signed_reports(signer: Signer, reports: Sequence[Mapping[str, Any]], *, at: datetime) -> dict[str, Any]:
    """The body of ``POST /reports`` (one report) or ``/reports/batch`` (several): each report checked
    here first, in its normal form, signed by ``signer``; a restricted one as a commitment, its payload beside it."""
    statements, restricted = report_statements(signer, reports, at=at)
    return _body(signer, str(EntryKind.REPORT), statements, restricted, at)


def report_statements(
    author: Author, reports: Sequence[Mapping[str, Any]], *, at: datetime, record: str = "report"
) -> tuple[list[bytes], dict[int, dict[str, Any]]]:
    """The statements of reports, not yet signed: each checked here first, in its normal form; a restricted
    one as a commitment, with its salt and payload (by position) for the request's ``restricted``.
    :class:`InvalidInput` lists every problem of every report (``record`` 1, 2...)."""
    statements: list[bytes] = []
    restricted: dict[int, dict[str, Any]] = {}
    problems: list[FieldProblem] = []
    for i, data in enumerate(reports):
        try:
            report = ReportIn.model_validate(data, context={"now": at})
        except ValidationError as exc:
            problems.extend(problems_of(exc, f"{record} {i + 1}"))
            continue
        payload = canonical_json(report_payload(report))
        statement, salt = make_statement(author, "report", payload, at, restricted=report.tier == Tier.RESTRICTED)
        statements.append(statement)
        if salt is not None:
            restricted[i] = {"salt": base64.b64encode(salt).decode(), "payload": orjson.loads(payload)}
    if problems:
        raise InvalidInput(problems)
    return statements, restricted


def signed_statements(
    signer: Signer, kind: str, payloads: Sequence[Mapping[str, Any]], *, at: datetime
) -> dict[str, Any]:
    """The body of a write of any other kind (``POST /zones``, ``/actors``, ``/meetings``...): each
    payload signed by ``signer`` as it is given; the server checks it as its service would."""
    statements = [make_statement(signer, kind, canonical_json(dict(p)), at, restricted=False)[0] for p in payloads]
    return _body(signer, kind, statements, {}, at)


def _body(
    signer: Signer, kind: str, statements: Sequence[bytes], restricted: Mapping[int, dict[str, Any]], at: datetime
) -> dict[str, Any]:
    (submission,) = sign_statements(signer, kind, statements, at)
    sig = base64.b64encode(submission.signature).decode()
    if submission.seal is None:
        body: dict[str, Any] = {"statement": orjson.loads(statements[0]), "sig": sig}
        if restricted:
            body["restricted"] = restricted[0]
        return body
    return {
        "statements": [orjson.loads(s) for s in statements],
        "seal": orjson.loads(submission.seal),
        "sig": sig,
        "restricted": {str(i): r for i, r in restricted.items()},
    }


def cosignature(witness: DelegationKey, note: str, *, at: datetime) -> str:
    """An observer's cosignature/v1 of a published checkpoint note, as ``POST .../cosignatures`` takes it.

    Cosign only what you checked: the mechanism's signature on the note, and that the log grew
    from the last checkpoint you cosigned (``GET /ledger/proofs/consistency``, see docs/ledger.md).
    """
    body = note.split("\n\n", 1)[0] + "\n"
    signed = notes.cosign(body, witness.delegation, witness.pair, int(at.timestamp()))
    return base64.b64encode(signed.key_id + signed.signature).decode()


class RemoteError(TrucewatchError):
    """The server refused the request: its problem details, one line per field at fault."""


class Remote:
    """A trucewatch server, spoken to with a member's token."""

    def __init__(self, server: str, token: str, *, transport: httpx2.BaseTransport | None = None) -> None:
        self.http = httpx2.Client(
            base_url=server.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            transport=transport,
        )

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def file_reports(
        self, signer: Signer, reports: Iterable[Mapping[str, Any]], *, at: datetime | None = None
    ) -> dict[str, Any]:
        """Sign and send reports in batches of up to 1,000, read from ``reports`` as they come; each batch
        is signed at ``at`` or, by default, when it is sent. Returns the summed receipts."""
        total: dict[str, Any] = {"stored": 0, "unchanged": 0, "entries": [], "unresolved": {}}
        stream = iter(reports)
        while chunk := list(islice(stream, BATCH)):
            path = "/reports" if len(chunk) == 1 else "/reports/batch"
            body = signed_reports(signer, chunk, at=at or datetime.now(UTC))
            receipt = self._call("POST", path, json=body)
            total["stored"] += receipt["stored"]
            total["unchanged"] += receipt["unchanged"]
            total["entries"] += receipt["entries"]
            for name, n in receipt["unresolved"].items():
                total["unresolved"][name] = total["unresolved"].get(name, 0) + n
        return total

    def reports(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every report matching ``params``, following the cursors page by page."""
        query = {k: v for k, v in params.items() if v is not None}
        while True:
            page = self._call("GET", "/reports", params=query)
            yield from page["items"]
            if not page["next_cursor"]:
                return
            query["cursor"] = page["next_cursor"]

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx2.HTTPError as exc:
            raise StorageError(f"cannot reach the server: {exc}") from exc
        if response.status_code >= 400:
            raise RemoteError(_problem_text(response))
        return response.json()


def _problem_text(response: httpx2.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"the server answered {response.status_code}: {response.text[:200]}"
    lines = [f"the server refused ({problem.get('status')} {problem.get('title')}): {problem.get('detail')}"]
    lines += [f"{e['record']}: {e['field']}: {e['problem']}" for e in problem.get("errors") or ()]
    return "\n".join(lines)
