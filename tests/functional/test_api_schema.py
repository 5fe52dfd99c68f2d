"""The live OpenAPI document, fuzzed with Schemathesis: no server error, and every answer as documented.

The schema is read from ``/api/v1/openapi.json`` of the app itself, served over a database seeded like the
``api`` fixture's, with the demo's meetings and commitments and a zone besides, so that every list has rows
to check. Each operation gets a bounded, derandomized run (Schemathesis's examples and coverage phases, then
``MAX_EXAMPLES`` generated cases), once as a guarantor (RU) and once, more cheaply, as the public.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.conftest import NOW, fresh_database
from tests.factories import KEYS, SIGNERS, report, seed_registry
from tests.functional.conftest import API_MEMBERS, MARKER, SEEDED, Api
from trucewatch.app import create_app
from trucewatch.config import Settings
from trucewatch.demo.facts import demo_facts
from trucewatch.geo.schemas import ZoneIn
from trucewatch.geo.service import add_zones
from trucewatch.ledger.checkpoints import sign_checkpoint
from trucewatch.mechanism.service import add_commitments, add_meetings
from trucewatch.registry.tokens import new_token
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import open_database

OPENAPI = "/api/v1/openapi.json"
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
"""No 5xx; status, content type, headers and body as the document says."""
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI fails for a reason, never by chance
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
SQUARE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]]}


def _seed(url: str) -> tuple[dict[str, str], dict[str, int]]:
    """The ``api`` fixture's data, the demo's meetings and commitments, and a zone: tokens and report ids."""
    facts = demo_facts()
    db = open_database(url)
    with db.begin() as session:
        seed_registry(session, NOW)
        for name, (code, tier) in SEEDED.items():
            narrative = f"{name}: {MARKER if tier == 'restricted' else 'x'}"
            submit_reports(
                session,
                [(name, report(name, delegation=code, tier=tier, narrative=narrative))],
                signers=SIGNERS,
                now=NOW,
            )
        add_meetings(session, facts.meetings, signer=SIGNERS["KZ"], at=NOW)
        add_commitments(session, facts.commitments, signer=SIGNERS["KZ"], at=NOW)
        zone = {"name": "Pocket", "geometry": SQUARE, "controllers": [facts.actors[0].key], "valid_from": "2017-01-01"}
        add_zones(session, [ZoneIn.model_validate(zone)], signer=SIGNERS["RU"], at=NOW)
        sign_checkpoint(session, signer=KEYS.mechanism, at=NOW)
        tokens = {code: new_token(session, code, "tester", now=NOW).token for code in API_MEMBERS}
        ids = dict(session.execute(select(Report.ref, Report.id)).all())
    db.dispose()
    return tokens, {name: ids[name] for name in SEEDED}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API over a seeded database of each backend, once for the whole module (the fuzzing only reads)."""
    folder = tmp_path_factory.mktemp("schema")
    url = fresh_database(request, request.param, folder)
    tokens, reports = _seed(url)
    settings = Settings(db=url, evidence_dir=str(folder / "evidence"))
    with TestClient(create_app(settings)) as client:
        yield Api(client, tokens, reports, settings)


@pytest.fixture(scope="module")
def member_schema(served: Api) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi(OPENAPI, served.client.app)


@pytest.fixture(scope="module")
def public_schema(served: Api) -> schemathesis.BaseSchema:
    """The same document, but no made-up bearer token: the public sends none."""
    loaded = schemathesis.openapi.from_asgi(OPENAPI, served.client.app)
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


@pytest.fixture(autouse=True)
def _node_id(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's lazy schemas use ``node._nodeid``, which pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


member = schemathesis.pytest.from_fixture("member_schema")
public = schemathesis.pytest.from_fixture("public_schema")


@member.parametrize()
@BOUNDED
def test_a_guarantor_gets_only_documented_answers(case: Case, served: Api) -> None:
    case.call_and_validate(headers=served.as_("RU"), checks=CHECKS)


@public.parametrize()
@settings(BOUNDED, max_examples=MAX_EXAMPLES // 2)
def test_the_public_gets_only_documented_answers(case: Case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_every_problem_is_documented_as_problem_details(served: Api) -> None:
    document = served.client.get(OPENAPI).json()
    operations = [(p, o) for p, item in document["paths"].items() if p.startswith("/api/v1/") for o in item.values()]
    assert len(operations) > 10
    for path, operation in operations:
        for status in ("401", "403", "404", "413", "422"):
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, path
    assert "HTTPValidationError" not in document["components"]["schemas"]
