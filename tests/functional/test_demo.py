import json
import re
from pathlib import Path

from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import seed_registry
from tests.functional.conftest import Run, stats
from trucewatch.demo.build import demo_reports
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.registry.passwords import check_password
from trucewatch.store.engine import open_database


def test_demo_builds_a_realistic_mechanism_from_real_events(cli: Run, tmp_path: Path, db_url: str) -> None:
    built = cli("demo", "--no-serve", "--seed", "2017", "--keys-dir", str(tmp_path / "keys"))
    assert built.exit_code == 0, built.output
    assert "cosigned by UN, US, JO" in built.stdout
    accounts = re.findall(r"│ (\w+) +│ ([A-Z-]+) +│ demo +│ (\S+) +│", built.stdout)
    assert {code for _, code, _ in accounts} == {"RU", "TR", "IR", "SY-GOV", "SY-OPP", "UN", "US", "JO", "KZ"}
    assert {role for role, _, _ in accounts} == {"guarantor", "party", "observer", "secretariat"}
    db = open_database(db_url)
    with db.begin() as session:
        assert all(check_password(session, code, "demo", password) for _, code, password in accounts)
    db.dispose()
    key_files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert key_files[:3] == ["IR.key", "JO.key", "KZ.key"]
    assert "mechanism.key" in key_files
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in (tmp_path / "keys").iterdir())
    assert cli("ledger", "export", "--out", str(tmp_path / "export")).exit_code == 0
    verified = cli("verify", str(tmp_path / "export"), db=False)
    assert verified.exit_code == 0, verified.output
    assert "1 checkpoint(s) match the tree with 3 cosignature(s)" in verified.stdout
    figures = stats(cli)
    assert figures["reports"] + figures["reports_superseded"] >= 5000
    assert figures["reports_superseded"] > 0
    assert (figures["delegations"], figures["meetings"]) >= (9, 4)
    assert figures["actors"] >= 20
    assert set(figures["reports_by_month"]) == {"2017-01", "2017-02", "2017-03"}
    by_place = {k: v for k, v in figures["reports_by_governorate"].items() if k != "(unknown)"}
    ranked = sorted(by_place, key=lambda k: -by_place[k])
    assert set(ranked[:5]) == {"Aleppo", "Ar-Raqqa", "Rural Damascus", "Dar'a", "Homs"}
    assert set(ranked[-3:]) == {"Quneitra", "As-Sweida", "Tartous"}
    assert set(figures["reports_by_type"]) >= {"shelling", "air_strike", "armed_clash", "attack_on_civilians"}


def test_demo_refuses_a_database_that_is_not_empty(cli: Run, key_files: dict[str, Path], tmp_path: Path) -> None:
    assert cli("init", "--origin", "test.trucewatch.invalid/log", "--key", str(key_files[MECHANISM])).exit_code == 0
    again = cli("demo", "--no-serve", "--keys-dir", str(tmp_path / "keys"))
    assert again.exit_code == 1
    assert "not empty" in again.stderr


def test_demo_reports_are_deterministic_for_a_seed(session: Session) -> None:
    seed_registry(session, NOW)
    first = list(demo_reports(session, 7))
    assert first == list(demo_reports(session, 7))
    assert first != list(demo_reports(session, 8))
    delegations = {r[1]["delegation"] for r in first if isinstance(r, tuple)}
    assert delegations == {"RU", "TR", "IR", "SY-GOV", "SY-OPP"}
    assert json.dumps(first, ensure_ascii=False)
