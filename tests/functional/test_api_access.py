"""The authorisation matrix of the HTTP API: every role, every endpoint, every tier, allowed or refused.

The expectations are written here, from DESIGN.md ("Who uses it") and the rules as decided, and
never read from :mod:`trucewatch.registry.access`: a change to the policy fails this file.

- The public (no token) reads only the delegations (without their members), the log's tree,
  checkpoints and proofs, health and the API's documentation; any other ``/api/v1`` endpoint
  answers 401 with problem details and ``WWW-Authenticate``.
- Every member role reads everything else that can be read; guarantors and parties alone file
  reports and evidence (observers and the secretariat get 403).
- A record's tier says who may know it exists: ``restricted`` its submitter's delegation and the
  guarantors, ``shared`` every member, ``public`` everyone. A record a viewer may not read is
  missing for it: 404 like an id that never existed, left out of lists, searches, counts, and
  its content appears in no response at all.

The data is built once per backend (module scope) and only grows: every report a write cell
files is recorded in :class:`World`, so the read cells expect it whatever order they run in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from tests.conftest import NOW, fresh_database
from tests.factories import KEYS, SIGNERS, report, seed_registry
from tests.functional.conftest import API_PATHS, MARKER, app_routes
from trucewatch.api.client import cosignature, signed_reports, signed_statements
from trucewatch.app import create_app
from trucewatch.config import Settings
from trucewatch.demo.facts import demo_facts
from trucewatch.geo.schemas import ZoneIn
from trucewatch.geo.service import add_zones
from trucewatch.incidents.models import Incident
from trucewatch.ledger.checkpoints import sign_checkpoint
from trucewatch.mechanism.service import add_commitments, add_meetings
from trucewatch.registry.tokens import new_token
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import open_database

# --- Who is asking -------------------------------------------------------------------------------

ROLES: dict[str, str | None] = {
    "public": None,
    "guarantor": "RU",
    "other-guarantor": "TR",
    "party-owner": "SY-OPP",
    "other-party": "SY-GOV",
    "observer": "UN",
    "secretariat": "KZ",
}
"""Each role of the matrix and the delegation whose member plays it (None: no token at all)."""

EVERYONE = frozenset(ROLES)
MEMBERS = EVERYONE - {"public"}
GUARANTORS = frozenset({"guarantor", "other-guarantor"})
FILERS = GUARANTORS | {"party-owner", "other-party"}
"""DESIGN.md: guarantors and parties file reports; observers, the secretariat and the public do not."""


def readers(tier: str, owner: str) -> frozenset[str]:
    """Who may read a record of ``tier`` filed by a member of role ``owner`` (DESIGN.md's tiers)."""
    return {"restricted": GUARANTORS | {owner}, "shared": MEMBERS, "public": EVERYONE}[tier]


# --- What each endpoint allows -------------------------------------------------------------------

ACCESS: dict[str, frozenset[str]] = {
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,
    "GET /api/docs": EVERYONE,
    "GET /api/docs/static/{path}": EVERYONE,
    "GET /api/v1/openapi.json": EVERYONE,
    "GET /api/v1/delegations": EVERYONE,
    "GET /api/v1/actors": MEMBERS,
    "GET /api/v1/zones": MEMBERS,
    "GET /api/v1/zones/at": MEMBERS,
    "GET /api/v1/places": MEMBERS,
    "GET /api/v1/attribution-changes": MEMBERS,
    "GET /api/v1/reports": MEMBERS,
    "GET /api/v1/reports/{report_id}": MEMBERS,
    "POST /api/v1/reports": FILERS,
    "POST /api/v1/reports/batch": FILERS,
    "POST /api/v1/evidence": FILERS,
    "POST /api/v1/delegations": frozenset({"secretariat"}),
    "POST /api/v1/actors": GUARANTORS | {"secretariat"},
    "POST /api/v1/designations": GUARANTORS | {"secretariat"},
    "POST /api/v1/zones": GUARANTORS,
    "POST /api/v1/meetings": frozenset({"secretariat"}),
    "POST /api/v1/commitments": frozenset({"secretariat"}),
    "POST /api/v1/commitment-updates": frozenset({"secretariat"}),
    "POST /api/v1/ledger/checkpoints/{size}/cosignatures": frozenset({"observer"}),
    "GET /api/v1/incidents": MEMBERS,
    "GET /api/v1/incidents/{incident_id}": MEMBERS,
    "POST /api/v1/incidents/decisions": FILERS | {"secretariat"},
    "GET /api/v1/meetings": MEMBERS,
    "GET /api/v1/commitments": MEMBERS,
    "GET /api/v1/stats": MEMBERS,
    "GET /api/v1/stats/incidents": MEMBERS,
    "GET /api/v1/ledger": EVERYONE,
    "GET /api/v1/ledger/entries": MEMBERS,
    "GET /api/v1/ledger/entries/{index}": MEMBERS,
    "GET /api/v1/ledger/checkpoints": EVERYONE,
    "GET /api/v1/ledger/proofs/inclusion": EVERYONE,
    "GET /api/v1/ledger/proofs/consistency": EVERYONE,
}
"""One row per route of the app: the roles it answers (the others: 401 for the public, 403 for a member)."""

UNTIERED: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /healthz": ("/healthz", {}),
    "GET /readyz": ("/readyz", {}),
    "GET /api/docs": ("/api/docs", {}),
    "GET /api/docs/static/{path}": ("/api/docs/static/swagger-ui.css", {}),
    "GET /api/v1/openapi.json": ("/api/v1/openapi.json", {}),
    "GET /api/v1/delegations": ("/api/v1/delegations", {}),
    "GET /api/v1/actors": ("/api/v1/actors", {}),
    "GET /api/v1/zones": ("/api/v1/zones", {}),
    "GET /api/v1/zones/at": ("/api/v1/zones/at", {"latitude": 36.2, "longitude": 37.1, "on": "2017-02-02"}),
    "GET /api/v1/places": ("/api/v1/places", {"name": "Idleb"}),
    "GET /api/v1/meetings": ("/api/v1/meetings", {}),
    "GET /api/v1/commitments": ("/api/v1/commitments", {}),
    "GET /api/v1/ledger": ("/api/v1/ledger", {}),
    "GET /api/v1/ledger/entries": ("/api/v1/ledger/entries", {"limit": 1000}),
    "GET /api/v1/ledger/checkpoints": ("/api/v1/ledger/checkpoints", {}),
    "GET /api/v1/ledger/proofs/consistency": ("/api/v1/ledger/proofs/consistency", {"size1": 1, "size2": 2}),
}
"""Endpoints whose answer holds no tiered record: one cell per role, and the request each cell sends."""

REPORT = "GET /api/v1/reports/{report_id}"
REPORTS = "GET /api/v1/reports"
INCIDENT = "GET /api/v1/incidents/{incident_id}"
INCIDENTS = "GET /api/v1/incidents"
STATS = "GET /api/v1/stats"
INCIDENT_STATS = "GET /api/v1/stats/incidents"
ENTRY = "GET /api/v1/ledger/entries/{index}"
INCLUSION = "GET /api/v1/ledger/proofs/inclusion"
CHANGES = "GET /api/v1/attribution-changes"
TIERED = (REPORT, REPORTS, INCIDENT, INCIDENTS, STATS, INCIDENT_STATS, ENTRY, INCLUSION, CHANGES)
"""Endpoints that show, count or prove records: one cell per role and per seeded record."""

FILE_ONE = "POST /api/v1/reports"
FILE_BATCH = "POST /api/v1/reports/batch"
EVIDENCE = "POST /api/v1/evidence"
WRITES = (FILE_ONE, FILE_BATCH, EVIDENCE)


# --- The records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A report the world holds, with what the API should say about it."""

    name: str
    owner: str
    """The role of the member of the submitting delegation."""
    tier: str
    day: str
    violation_type: str
    governorate: str
    perpetrator: str
    word: str
    """A word only this report's narrative holds."""
    marker: str | None = None
    """For a restricted seed: its own marker, planted in narrative, perpetrator, target and sources."""

    @property
    def readers(self) -> frozenset[str]:
        return readers(self.tier, self.owner)


def _marker(code: str) -> str:
    return f"{MARKER}-{code}"


SEEDS: dict[str, Record] = {
    "restricted-by-party": Record(
        "SY-OPP-restricted", "party-owner", "restricted", "2017-02-03", "armed_clash", "Homs",
        f"{_marker('SYOPP')} brigade", "quokka", _marker("SYOPP"),
    ),
    "restricted-by-guarantor": Record(
        "RU-restricted", "guarantor", "restricted", "2017-02-02", "air_strike", "Idleb",
        f"{_marker('RU')} brigade", "wombat", _marker("RU"),
    ),
    "shared": Record(
        "RU-shared", "guarantor", "shared", "2017-02-01", "shelling", "Aleppo", "Shared Brigade", "narwhal",
    ),
    "public": Record(
        "SY-OPP-public", "party-owner", "public", "2017-02-04", "troop_movement", "Damascus", "Public Brigade",
        "axolotl",
    ),
}  # fmt: skip
"""The seeded reports by the tier each stands for, in the matrix's test ids."""

PLACES = {
    "Aleppo": (36.2021, 37.1343),
    "Idleb": (35.9306, 36.6339),
    "Homs": (34.7324, 36.7137),
    "Damascus": (33.5138, 36.2765),
    "Hama": (35.1318, 36.7578),
}


WEST = [[[36.0, 33.3], [37.5, 33.3], [37.5, 36.5], [36.0, 36.5], [36.0, 33.3]]]
"""A zone holding every place of PLACES."""


def _code(role: str) -> str:
    code = ROLES[role]
    assert code is not None
    return code


def _report_data(record: Record, ref: str | None = None) -> dict[str, Any]:
    latitude, longitude = PLACES[record.governorate]
    secret = record.marker or "x"
    return report(
        ref or record.name,
        delegation=_code(record.owner),
        tier=record.tier,
        occurred_at=f"{record.day}T10:15:00Z",
        latitude=latitude,
        longitude=longitude,
        place=record.governorate,
        violation_type=record.violation_type,
        perpetrator=record.perpetrator,
        target=f"{secret} target",
        narrative=f"{record.name}: {record.word} {secret}",
        sources=[f"{secret} source"],
    )


@dataclass
class World:
    """The served mechanism of one backend, and every report it holds."""

    client: TestClient
    tokens: dict[str, str]
    """Token by role."""
    ids: dict[str, int]
    """Report id by record name."""
    incidents: dict[str, int]
    """The incident of each seeded report (one each), by record name."""
    entries: dict[str, int]
    """The log index of each seeded report, by record name."""
    filed: list[Record] = field(default_factory=list)
    """Reports the write cells stored."""

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role != "public" else {}

    def get(self, role: str, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.get(url, params=params, headers=self.as_(role))

    @property
    def records(self) -> list[Record]:
        return [*SEEDS.values(), *self.filed]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Like the ``api`` fixture, built once per backend: the registry, the seeded reports (each in an
    incident of its own), a checkpoint and a token per role."""
    folder = tmp_path_factory.mktemp("access")
    url = fresh_database(request, request.param, folder)
    db = open_database(url)
    with db.begin() as session:
        seed_registry(session, NOW)
        for record in SEEDS.values():
            submit_reports(session, [(record.name, _report_data(record))], signers=SIGNERS, now=NOW)
        add_meetings(session, demo_facts().meetings[:1], signer=KEYS.delegations["KZ"], at=NOW)
        add_commitments(session, demo_facts().commitments[:1], signer=KEYS.delegations["KZ"], at=NOW)
        sign_checkpoint(session, signer=KEYS.mechanism, at=NOW)
        tokens = {role: new_token(session, code, "tester", now=NOW).token for role, code in ROLES.items() if code}
        rows = {
            ref: (rid, entry) for ref, rid, entry in session.execute(select(Report.ref, Report.id, Report.entry_idx))
        }
        incidents = {}
        for record in SEEDS.values():
            at = datetime.fromisoformat(f"{record.day}T10:15:00+00:00")
            latitude, longitude = PLACES[record.governorate]
            incident = Incident(
                occurred_from=at, occurred_to=at + timedelta(hours=1), latitude=latitude, longitude=longitude,
                governorate=None, violation_type=record.violation_type,
            )  # fmt: skip
            session.add(incident)
            session.flush()
            session.execute(update(Report).where(Report.id == rows[record.name][0]).values(incident_id=incident.id))
            incidents[record.name] = incident.id
        for actor, day in (("syrian-government", "2017-01-01"), ("hts", "2017-02-01")):  # every seed changes status
            zone = {"name": "West", "geometry": {"type": "Polygon", "coordinates": WEST}, "controllers": [actor],
                    "valid_from": day}  # fmt: skip
            add_zones(session, [ZoneIn.model_validate(zone)], signer=KEYS.delegations["RU"], at=NOW)
    db.dispose()
    settings = Settings(db=url, evidence_dir=str(folder / "evidence"))
    with TestClient(create_app(settings)) as client:
        yield World(
            client,
            tokens,
            ids={name: rows[name][0] for name in (r.name for r in SEEDS.values())},
            incidents=incidents,
            entries={name: rows[name][1] for name in (r.name for r in SEEDS.values())},
        )


# --- How answers are judged ----------------------------------------------------------------------


def assert_refused(response: httpx.Response, role: str) -> None:
    """The public is asked to sign in (401 with a challenge); a member is refused (403); both as problems."""
    if role == "public":
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
    else:
        assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


def forbidden_strings(world: World, role: str) -> list[str]:
    """What must appear in no answer to ``role``: the marker of each restricted record it may not read."""
    hidden = [r.marker for r in world.records if r.marker and role not in r.readers]
    if all(role not in r.readers for r in world.records if r.marker):
        hidden.append(MARKER)
    return hidden


def assert_no_leak(world: World, role: str, response: httpx.Response) -> None:
    for secret in forbidden_strings(world, role):
        assert secret not in response.text, f"{secret!r} shown to {role}: {response.request.url}"


def _masked(problem: dict[str, Any], number: int) -> dict[str, Any]:
    """A problem with the id it names replaced, to compare the answers about two ids."""
    return {k: re.sub(rf"\b{number}\b", "{id}", v) if isinstance(v, str) else v for k, v in problem.items()}


def assert_missing(world: World, role: str, template: str, hidden: int) -> None:
    """The record ``hidden`` is answered exactly as an id that never existed."""
    shown = world.get(role, template.format(hidden))
    absent = world.get(role, template.format(999999))
    assert (shown.status_code, absent.status_code) == (404, 404), shown.text
    assert shown.headers["content-type"] == absent.headers["content-type"] == "application/problem+json"
    assert _masked(shown.json(), hidden) == _masked(absent.json(), 999999)
    assert_no_leak(world, role, shown)


def _label(endpoint: str) -> str:
    return endpoint.replace(" ", "_")


def cells(endpoint: str, tiers: list[str]) -> list[Any]:
    return [pytest.param(role, tier, id=f"{role}-{_label(endpoint)}-{tier}") for role in ROLES for tier in tiers]


def role_cells(endpoint: str) -> list[Any]:
    return [pytest.param(role, id=f"{role}-{_label(endpoint)}-any") for role in ROLES]


# --- The matrix is complete ----------------------------------------------------------------------


def _routes(world: World) -> set[str]:
    return {r for r in app_routes(world.client.app) if r.split()[1].startswith(API_PATHS)}


def test_every_route_of_the_app_has_a_row_and_cells_in_the_matrix(world: World) -> None:
    routes = _routes(world)
    assert {r for r in routes if r.split()[1].startswith("/api/v1")}, "no /api/v1 route found"
    assert routes - ACCESS.keys() == set(), "a route without a row in ACCESS"
    assert ACCESS.keys() - routes == set(), "a row in ACCESS for a route that no longer exists"
    document = world.get("public", "/api/v1/openapi.json").json()
    documented = {f"{m.upper()} {path}" for path, ops in document["paths"].items() for m in ops}
    assert documented - ACCESS.keys() == set(), "a documented operation without a row in ACCESS"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            endpoint = f"{method.upper()} {path}"
            if path.startswith("/api/v1"):
                optional = {} in operation.get("security", [])
                assert optional == ("public" in ACCESS[endpoint]), f"{endpoint}: the document says otherwise"
    exercised = {*UNTIERED, *TIERED, *WRITES, *SIGNED_WRITES, COSIGN, DECISIONS}
    assert exercised == ACCESS.keys(), "a row of ACCESS that no cell exercises"


# --- Endpoints without tiered records ----------------------------------------------------------


@pytest.mark.parametrize(("role", "endpoint"), [
    pytest.param(role, endpoint, id=f"{role}-{_label(endpoint)}-any") for endpoint in UNTIERED for role in ROLES
])  # fmt: skip
def test_an_endpoint_answers_a_role_only_as_the_matrix_allows(world: World, role: str, endpoint: str) -> None:
    url, params = UNTIERED[endpoint]
    answer = world.get(role, url, params)
    if role not in ACCESS[endpoint]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    assert_no_leak(world, role, answer)
    if endpoint == "GET /api/v1/delegations":
        members = [d["members"] for d in answer.json()]
        if role == "public":
            assert members == [None] * len(members), "members shown to the public"
        else:
            assert all(isinstance(m, list) for m in members)
            assert any(m for m in members), "members hidden from a member"


# --- One report, one incident -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "tier"), cells(REPORT, list(SEEDS)))
def test_one_report_is_shown_to_its_readers_and_missing_for_everyone_else(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    rid = world.ids[record.name]
    answer = world.get(role, f"/api/v1/reports/{rid}")
    if role not in ACCESS[REPORT]:
        assert_refused(answer, role)
        return
    if role in record.readers:
        assert answer.status_code == 200, answer.text
        assert (answer.json()["id"], answer.json()["tier"]) == (rid, record.tier)
        assert record.word in answer.json()["narrative"]
        assert_no_leak(world, role, answer)
    else:
        assert_missing(world, role, "/api/v1/reports/{}", rid)


@pytest.mark.parametrize(("role", "tier"), cells(INCIDENT, list(SEEDS)))
def test_one_incident_is_shown_to_its_readers_and_missing_for_everyone_else(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    iid = world.incidents[record.name]
    answer = world.get(role, f"/api/v1/incidents/{iid}")
    if role not in ACCESS[INCIDENT]:
        assert_refused(answer, role)
        return
    if role in record.readers:
        assert answer.status_code == 200, answer.text
        assert [m["id"] for m in answer.json()["members"]] == [world.ids[record.name]]
        assert_no_leak(world, role, answer)
    else:
        assert_missing(world, role, "/api/v1/incidents/{}", iid)


# --- Lists, searches and counts -----------------------------------------------------------------


@pytest.mark.parametrize(("role", "tier"), cells(REPORTS, list(SEEDS)))
def test_report_lists_and_searches_show_a_report_only_to_its_readers(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    rid = world.ids[record.name]
    queries: list[dict[str, Any]] = [
        {},
        {"limit": 1000},
        {"tier": record.tier},
        {"q": record.word},
        {"q": MARKER},
        {"delegation": _code(record.owner)},
        {"superseded": "true"},
        {"since": f"{record.day}T00:00:00Z", "until": f"{record.day}T23:59:59Z"},
    ]
    for params in queries:
        answer = world.get(role, "/api/v1/reports", params)
        if role not in ACCESS[REPORTS]:
            assert_refused(answer, role)
            continue
        assert answer.status_code == 200, (params, answer.text)
        listed = [r["id"] for r in answer.json()["items"]]
        if params.get("q") == MARKER:  # a word split by the search: only its absence is certain
            assert role in record.readers or rid not in listed, params
        else:
            assert (rid in listed) == (role in record.readers), params
        assert_no_leak(world, role, answer)


@pytest.mark.parametrize(("role", "tier"), cells(INCIDENTS, list(SEEDS)))
def test_incident_lists_show_an_incident_only_to_the_readers_of_its_reports(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    answer = world.get(role, "/api/v1/incidents", {"limit": 1000})
    if role not in ACCESS[INCIDENTS]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    listed = {i["id"]: i["reports"] for i in answer.json()}
    iid = world.incidents[record.name]
    if role in record.readers:
        assert listed.get(iid) == [world.ids[record.name]]
    else:
        assert iid not in listed
    assert_no_leak(world, role, answer)


@pytest.mark.parametrize(("role", "tier"), cells(CHANGES, list(SEEDS)))
def test_attribution_changes_show_a_report_or_incident_only_to_its_readers(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    answer = world.get(role, "/api/v1/attribution-changes", {"limit": 1000})
    if role not in ACCESS[CHANGES]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    reports = {c["report_id"] for c in answer.json()}
    incidents = {c["incident_id"] for c in answer.json()}
    assert (world.ids[record.name] in reports) == (role in record.readers)
    assert (world.incidents[record.name] in incidents) == (role in record.readers)
    assert_no_leak(world, role, answer)


def expected_stats(world: World, role: str) -> dict[str, Any]:
    seen = [r for r in world.records if role in r.readers]
    return {
        "reports": len(seen),
        "by_type": dict(Counter(r.violation_type for r in seen)),
        "by_governorate": dict(Counter(r.governorate for r in seen)),
        "by_perpetrator": dict(Counter(r.perpetrator for r in seen)),
        "by_day": dict(Counter(r.day for r in seen)),
    }


@pytest.mark.parametrize(("role", "tier"), cells(STATS, list(SEEDS)))
def test_stats_count_a_report_only_for_its_readers(world: World, role: str, tier: str) -> None:
    record = SEEDS[tier]
    answer = world.get(role, "/api/v1/stats")
    if role not in ACCESS[STATS]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert (record.day in figures["by_day"]) == (role in record.readers)
    assert (record.perpetrator in figures["by_perpetrator"]) == (role in record.readers)
    assert figures == expected_stats(world, role)
    assert_no_leak(world, role, answer)


@pytest.mark.parametrize(("role", "tier"), cells(INCIDENT_STATS, list(SEEDS)))
def test_incident_stats_count_an_incident_only_for_the_readers_of_its_reports(
    world: World, role: str, tier: str
) -> None:
    record = SEEDS[tier]
    answer = world.get(role, "/api/v1/stats/incidents")
    if role not in ACCESS[INCIDENT_STATS]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    seen = [r for r in world.records if role in r.readers]  # each seed is an incident of its own
    assert (record.violation_type in figures["by_day"].get(record.day, {})) == (role in record.readers)
    assert figures["incidents"] == len(seen)
    assert figures["by_type"] == dict(Counter(r.violation_type for r in seen))
    assert figures["by_governorate"] == dict(Counter(r.governorate for r in seen))
    assert_no_leak(world, role, answer)


# --- The log: public hashes, restricted payloads as commitments --------------------------------


@pytest.mark.parametrize(("role", "tier"), cells(ENTRY, list(SEEDS)))
def test_ledger_entries_of_every_tier_are_shown_to_members_without_restricted_content(
    world: World, role: str, tier: str
) -> None:
    record = SEEDS[tier]
    answer = world.get(role, f"/api/v1/ledger/entries/{world.entries[record.name]}")
    if role not in ACCESS[ENTRY]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["author"] == _code(record.owner)
    assert_no_leak(world, role, answer)


@pytest.mark.parametrize(("role", "tier"), cells(INCLUSION, list(SEEDS)))
def test_inclusion_proofs_of_entries_of_every_tier_are_given_to_anyone(world: World, role: str, tier: str) -> None:
    index = world.entries[SEEDS[tier].name]
    answer = world.get(role, "/api/v1/ledger/proofs/inclusion", {"index": index})
    if role not in ACCESS[INCLUSION]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["index"] == index
    assert_no_leak(world, role, answer)


# --- Writes ------------------------------------------------------------------------------------------

TIERS = ["restricted", "shared", "public"]


def _filed(role: str, endpoint: str, tier: str, count: int) -> list[Record]:
    """What ``role`` files in a write cell: reports of its own delegation (RU's for the public)."""
    owner = role if role != "public" else "guarantor"
    kind = "batch" if endpoint == FILE_BATCH else "one"
    return [
        Record(f"{role}-{kind}-{tier}-{i}", owner, tier, "2017-03-01", "shelling", "Hama", "Filed Brigade", "filed")
        for i in range(count)
    ]


def _file(world: World, role: str, endpoint: str, tier: str, count: int) -> None:
    records = _filed(role, endpoint, tier, count)
    body = signed_reports(SIGNERS[_code(records[0].owner)], [_report_data(r) for r in records], at=datetime.now(UTC))
    answer = world.client.post(endpoint.split()[1], json=body, headers=world.as_(role))
    if answer.status_code == 201:
        world.filed.extend(records)  # whatever the expectation: the read cells must know it is stored
    if role not in ACCESS[endpoint]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 201, answer.text
    assert answer.json()["stored"] == count


@pytest.mark.parametrize(("role", "tier"), cells(FILE_ONE, TIERS))
def test_filing_one_report_is_for_guarantors_and_parties_only(world: World, role: str, tier: str) -> None:
    _file(world, role, FILE_ONE, tier, 1)


@pytest.mark.parametrize(("role", "tier"), cells(FILE_BATCH, TIERS))
def test_filing_a_batch_is_for_guarantors_and_parties_only(world: World, role: str, tier: str) -> None:
    _file(world, role, FILE_BATCH, tier, 2)


@pytest.mark.parametrize("role", role_cells(EVIDENCE))
def test_uploading_evidence_is_for_guarantors_and_parties_only(world: World, role: str) -> None:
    content = f"evidence uploaded by a member of {role}".encode()
    headers = {**world.as_(role), "Content-Type": "application/octet-stream"}
    answer = world.client.post("/api/v1/evidence", content=content, headers=headers)
    if role not in ACCESS[EVIDENCE]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 201, answer.text


# --- Signed writes of the registry, the map and the mechanism ----------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[36.6, 35.9], [36.7, 35.9], [36.7, 36.0], [36.6, 36.0], [36.6, 35.9]]]}


def _payload(endpoint: str, role: str) -> tuple[str, dict[str, Any]]:
    """The kind and a valid, new payload that ``role`` would write through ``endpoint``."""
    facts = demo_facts()
    tag = role.replace("-", "")
    meeting = facts.meetings[0].model_dump(mode="json")
    commitment = facts.commitments[0].model_dump(mode="json")
    return {
        "POST /api/v1/delegations": ("delegation", {"code": f"XM-{tag[:8].upper()}", "name": {"en": f"{role} guests"},
                                                    "role": "observer"}),
        "POST /api/v1/actors": ("actor", {"key": f"matrix-{tag}", "kind": "armed_opposition",
                                          "names": {"en": f"Matrix Brigade {tag}"}}),
        "POST /api/v1/designations": ("designation", {"actor": facts.actors[0].key, "authority": f"Matrix {tag}",
                                                      "reference": "S/RES/0000", "from": "2017-02-01"}),
        "POST /api/v1/zones": ("zone", {"name": f"Matrix zone {tag}", "geometry": SQUARE,
                                        "controllers": [facts.actors[0].key], "valid_from": "2017-02-01"}),
        "POST /api/v1/meetings": ("meeting", meeting | {"key": f"matrix-{tag}"}),
        "POST /api/v1/commitments": ("commitment", commitment | {"key": f"matrix-{tag}"}),
        "POST /api/v1/commitment-updates": ("commitment_status", {"commitment": commitment["key"],
                                                                  "status": "fulfilled", "on": "2017-03-01"}),
    }[endpoint]  # fmt: skip


SIGNED_WRITES = (
    "POST /api/v1/delegations",
    "POST /api/v1/actors",
    "POST /api/v1/designations",
    "POST /api/v1/zones",
    "POST /api/v1/meetings",
    "POST /api/v1/commitments",
    "POST /api/v1/commitment-updates",
)


@pytest.mark.parametrize(("role", "endpoint"), [
    pytest.param(role, endpoint, id=f"{role}-{_label(endpoint)}-any") for endpoint in SIGNED_WRITES for role in ROLES
])  # fmt: skip
def test_a_signed_write_is_taken_only_from_the_roles_the_matrix_allows(world: World, role: str, endpoint: str) -> None:
    kind, payload = _payload(endpoint, role)
    signer = SIGNERS[ROLES[role] or "RU"]
    body = signed_statements(signer, kind, [payload], at=datetime.now(UTC))
    answer = world.client.post(endpoint.split()[1], json=body, headers=world.as_(role))
    if role not in ACCESS[endpoint]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 201, answer.text
    (index,) = answer.json()["entries"]
    entry = world.get(role, f"/api/v1/ledger/entries/{index}").json()
    statement = json.loads(entry["line"])["entry"]["statement"]
    assert (entry["kind"], entry["author"], statement["payload"]) == (kind, ROLES[role], payload)
    again = world.client.post(endpoint.split()[1], json=body, headers=world.as_(role))
    assert again.status_code == 409, again.text  # a signed statement enters the log once


COSIGN = "POST /api/v1/ledger/checkpoints/{size}/cosignatures"
DECISIONS = "POST /api/v1/incidents/decisions"


@pytest.mark.parametrize("role", role_cells(DECISIONS))
def test_guarantors_parties_and_the_secretariat_may_dispute_a_fusion(world: World, role: str) -> None:
    """Who may: the others are refused before anything is read; those who may are answered on the
    substance (here: a report that does not exist, named in the problem)."""
    payload = {"action": "split", "reports": [{"delegation": "RU", "ref": f"no-such-{role}"}], "reason": "matrix"}
    body = signed_statements(SIGNERS[ROLES[role] or "RU"], "fusion_decision", [payload], at=datetime.now(UTC))
    answer = world.client.post("/api/v1/incidents/decisions", json=body, headers=world.as_(role))
    if role not in ACCESS[DECISIONS]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 422, answer.text
    assert f"no current report 'no-such-{role}'" in answer.text


@pytest.mark.parametrize("role", role_cells(COSIGN))
def test_only_an_observer_cosigns_a_checkpoint_and_only_once(world: World, role: str) -> None:
    published = world.get("public", "/api/v1/ledger/checkpoints").json()[0]
    signature = cosignature(SIGNERS[ROLES[role] or "UN"], published["note"], at=datetime.now(UTC))
    url = f"/api/v1/ledger/checkpoints/{published['size']}/cosignatures"
    answer = world.client.post(url, json={"signature": signature}, headers=world.as_(role))
    if role not in ACCESS[COSIGN]:
        assert_refused(answer, role)
        return
    assert answer.status_code == 201, answer.text
    assert ROLES[role] in answer.json()["witnesses"]
    assert f"\u2014 {ROLES[role]} " in answer.json()["note"]
    again = world.client.post(url, json={"signature": signature}, headers=world.as_(role))
    assert again.status_code == 409, again.text
