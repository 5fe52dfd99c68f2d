import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.errors import InvalidInput
from trucewatch.ledger.models import Entry
from trucewatch.reports.models import Report
from trucewatch.reports.queries import ReportFilter, list_reports
from trucewatch.reports.service import describe_report, submit_reports


@pytest.fixture
def registry(session: Session) -> Session:
    seed_registry(session, NOW)
    return session


def submit(session: Session, *reports: dict[str, object], skip_invalid: bool = False):  # type: ignore[no-untyped-def]
    return submit_reports(
        session, [(f"test {r['ref']}", r) for r in reports], signers=SIGNERS, now=NOW, skip_invalid=skip_invalid
    )


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0


def test_stores_a_report_with_its_governorate_district_and_actors(registry: Session) -> None:
    done = submit(registry, report())
    assert done.stored == 1
    row, code = list_reports(registry, ReportFilter())[0]
    view = describe_report(row, code)
    assert (view["governorate"], view["governorate_pcode"], view["district_pcode"]) == ("Aleppo", "SY02", "SY0200")
    assert view["perpetrator_resolved"]
    assert view["target_resolved"]
    assert view["casualties"] == {"killed_civilian": 2, "injured_civilian": 5}


def test_resolves_names_through_aliases_in_any_script(registry: Session) -> None:
    submit(registry, report(perpetrator="داعش", target="Syrian Arab Army"))
    row = registry.scalars(select(Report)).one()
    assert row.perpetrator_actor_id is not None
    assert row.target_actor_id is not None
    assert row.perpetrator == "داعش"  # kept as written


def test_keeps_and_flags_a_name_no_actor_carries(registry: Session) -> None:
    done = submit(registry, report(perpetrator="Brigade of the Unknown"))
    assert done.stored == 1
    assert done.unresolved == {"Brigade of the Unknown": 1}
    row, code = list_reports(registry, ReportFilter())[0]
    assert describe_report(row, code)["perpetrator"] == "Brigade of the Unknown"
    assert describe_report(row, code)["perpetrator_resolved"] is False


def test_reimporting_the_same_report_adds_nothing(registry: Session) -> None:
    submit(registry, report())
    again = submit(registry, report())
    assert (again.stored, again.unchanged) == (0, 1)
    assert stored(registry) == 1


def test_a_ref_reused_for_other_content_is_refused(registry: Session) -> None:
    submit(registry, report())
    with pytest.raises(InvalidInput, match="already filed a different report"):
        submit(registry, report(casualties={"killed_civilian": 3}))
    assert stored(registry) == 1


def test_the_same_ref_of_another_delegation_is_another_report(registry: Session) -> None:
    submit(registry, report(), report(delegation="TR"))
    assert stored(registry) == 2


def test_a_correction_supersedes_its_delegations_report(registry: Session) -> None:
    submit(registry, report())
    submit(registry, report("r-2", supersedes="r-1", casualties={"killed_civilian": 4}))
    current = [describe_report(r, c) for r, c in list_reports(registry, ReportFilter())]
    assert [r["ref"] for r in current] == ["r-2"]
    everything = list_reports(registry, ReportFilter(include_superseded=True))
    assert sorted(r.ref for r, _ in everything) == ["r-1", "r-2"]


def test_a_delegation_cannot_supersede_another_delegations_report(registry: Session) -> None:
    submit(registry, report())
    with pytest.raises(InvalidInput, match="has no report 'r-1' to supersede"):
        submit(registry, report("r-2", delegation="TR", supersedes="r-1"))


def test_a_report_is_superseded_at_most_once(registry: Session) -> None:
    submit(registry, report(), report("r-2", supersedes="r-1"))
    with pytest.raises(InvalidInput, match="already superseded"):
        submit(registry, report("r-3", supersedes="r-1"))


def test_an_observer_may_not_file_reports(registry: Session) -> None:
    with pytest.raises(InvalidInput, match="observer and may not file reports"):
        submit(registry, report(delegation="UN"))
    assert stored(registry) == 0


def test_an_unknown_delegation_is_refused_and_nothing_is_stored(registry: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        submit(registry, report(), report("r-2", delegation="XX"))
    assert [(p.record, p.field) for p in caught.value.problems] == [("test r-2", "delegation")]
    assert stored(registry) == 0
    assert registry.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "report")) == 0


def test_skip_invalid_stores_the_valid_and_returns_the_rejected(registry: Session) -> None:
    done = submit(registry, report(), report("r-2", latitude=95), skip_invalid=True)
    assert done.stored == 1
    assert [(r.record, r.problems[0].field) for r in done.rejected] == [("test r-2", "latitude")]


def test_every_report_is_an_entry_authored_by_its_delegation(registry: Session) -> None:
    submit(registry, report(), report(delegation="TR"), report("r-2"))
    entries = registry.execute(select(Entry.idx, Entry.author).where(Entry.kind == "report").order_by(Entry.idx))
    authors = [author for _, author in entries]
    assert sorted(authors) == ["RU", "RU", "TR"]
    links = registry.execute(select(Report.ref, Report.entry_idx, Entry.author).join(Entry)).all()
    assert all(author in ("RU", "TR") for _, _, author in links)


def test_filters_by_type_delegation_and_governorate(registry: Session) -> None:
    submit(
        registry,
        report(),
        report("r-2", delegation="TR", violation_type="air_strike"),
        report("r-3", latitude=33.5698594, longitude=36.399142),
    )

    def refs(**where: object) -> list[str]:
        return sorted(r.ref for r, _ in list_reports(registry, ReportFilter(**where)))  # type: ignore[arg-type]

    assert refs(violation_type="air_strike") == ["r-2"]
    assert refs(delegation="TR") == ["r-2"]
    assert refs(governorate="SY03") == ["r-3"]
