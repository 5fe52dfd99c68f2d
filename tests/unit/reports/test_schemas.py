from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tests.conftest import NOW
from tests.factories import report
from trucewatch.errors import InvalidInput
from trucewatch.reports.schemas import ReportIn
from trucewatch.validation import parse, problems_of


def problems(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_with_now(data)
    return {p.field: p.problem for p in caught.value.problems}


def parse_with_now(data: dict[str, object]) -> ReportIn:
    try:
        return ReportIn.model_validate(data, context={"now": NOW})
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc, "test")) from None


def test_every_invalid_field_is_reported_at_once_by_name() -> None:
    bad = report(
        latitude=95, casualties={"killed_civilian": -1}, violation_type="bombing", occurred_at="2030-01-01T00:00:00Z"
    )
    found = problems(bad)
    assert set(found) == {"latitude", "casualties.killed_civilian", "violation_type", "occurred_at"}
    assert "less than or equal to 90" in found["latitude"]
    assert "greater than or equal to 0" in found["casualties.killed_civilian"]
    assert "'shelling'" in found["violation_type"]
    assert "in the future" in found["occurred_at"]


def test_unknown_field_is_refused_not_dropped() -> None:
    assert problems(report(casualtys={"killed_civilian": 1})) == {"casualtys": "unknown field"}


def test_time_without_offset_is_refused() -> None:
    assert "UTC offset" in problems(report(occurred_at="2017-02-03T10:15:00"))["occurred_at"]


def test_time_with_offset_is_stored_as_utc() -> None:
    parsed = parse_with_now(report(occurred_at="2017-02-03T10:15:00+03:00"))
    assert parsed.occurred_at == datetime(2017, 2, 3, 7, 15, tzinfo=UTC)


def test_precisions_default_from_what_was_given() -> None:
    data = report()
    for name in ("time_precision", "geo_precision", "latitude", "longitude"):
        data.pop(name)
    parsed = parse_with_now(data | {"occurred_at": "2017-02-03"})
    assert (parsed.time_precision, parsed.geo_precision) == ("day", "town")
    parsed = parse_with_now(report() | {"occurred_at": "2017-02-03T10:00:00Z"})
    assert parsed.time_precision == "exact"


def test_a_report_needs_a_place() -> None:
    data = report()
    for name in ("latitude", "longitude", "place"):
        data.pop(name)
    assert "needs a place" in problems(data)["place"]


def test_latitude_without_longitude_is_refused() -> None:
    data = report()
    data.pop("longitude")
    assert "go together" in problems(data)["longitude"]


def test_a_report_cannot_supersede_itself() -> None:
    assert "itself" in problems(report(supersedes="r-1"))["supersedes"]


def test_parse_names_the_record() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(ReportIn, {"ref": "x"}, "reports.json item 4")
    assert all(p.record == "reports.json item 4" for p in caught.value.problems)
    assert {"delegation", "occurred_at", "violation_type"} <= {p.field for p in caught.value.problems}
