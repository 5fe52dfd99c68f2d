"""Docs that cannot drift: the generated data model, and every setting, command and code documented.

The README is written separately; until it exists, the checks that read it are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main

from trucewatch.cli.main import app
from trucewatch.config import Settings
from trucewatch.docgen import data_model_markdown, main, ordered_tables
from trucewatch.ledger.kinds import EntryKind
from trucewatch.migrations.tables import metadata
from trucewatch.registry.schemas import ActorKind, Role
from trucewatch.reports.taxonomy import GeoPrecision, TimePrecision, ViolationType

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
README = REPO_ROOT / "README.md"
DATA_MODEL = DOCS / "data-model.md"
CODES: list[Enum] = [*ViolationType, *TimePrecision, *GeoPrecision, *EntryKind, *Role, *ActorKind]


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command and command group under ``command``, as typed after ``trucewatch``.

    Typer ships its own copy of Click, so groups are known by their ``commands``, not by class.
    """
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if getattr(sub, "hidden", False):
            continue
        path = (*prefix, name)
        yield " ".join(path)
        yield from command_paths(sub, path)


COMMANDS = list(command_paths(typer.main.get_command(app)))


@pytest.fixture(scope="module")
def data_model() -> str:
    return DATA_MODEL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def documentation() -> str:
    """README.md and every page under docs/, as one text."""
    if not README.is_file():
        pytest.skip("README.md does not exist yet (it is being written separately); nothing to check against")
    pages = [README, *sorted(DOCS.rglob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_data_model_page_is_what_docgen_renders(data_model: str) -> None:
    assert data_model == data_model_markdown(), "docs/data-model.md is stale: run python -m trucewatch.docgen"


def test_data_model_page_says_it_is_generated(data_model: str) -> None:
    assert "python -m trucewatch.docgen" in data_model.splitlines()[0]


@pytest.mark.parametrize("value", CODES, ids=lambda v: f"{type(v).__name__}.{v.value}")
def test_every_code_is_in_the_data_model(data_model: str, value: Enum) -> None:
    assert f"`{value.value}`" in data_model


def test_every_table_has_a_section_in_schema_order_then_new_ones() -> None:
    names = [t.name for t in ordered_tables()]
    assert sorted(names) == sorted(metadata.tables)
    assert names[:2] == ["entries", "delegations"]
    page = data_model_markdown()
    assert all(f"\n### {name}\n" in page for name in names)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(documentation: str, name: str) -> None:
    spellings = (f"TRUCEWATCH_{name.upper()}", f"`{name}`", f"--{name.replace('_', '-')}")
    assert any(s in documentation for s in spellings), f"setting {name!r} is not in README.md or docs/"


def test_commands_are_found_in_the_typer_app() -> None:
    assert {"init", "report add", "import reports"} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_is_documented(documentation: str, path: str) -> None:
    spellings = (f"trucewatch {path}", f"`{path}`", f"`{path} ")
    assert any(s in documentation for s in spellings), f"command 'trucewatch {path}' is not in README.md or docs/"


def test_check_fails_on_a_stale_page_and_writing_fixes_it(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "data-model.md"
    with pytest.raises(SystemExit) as exited:
        main(["--check", "--output", str(page)])
    assert exited.value.code == 1
    main(["--output", str(page)])
    assert page.read_text(encoding="utf-8") == data_model_markdown()
    main(["--check", "--output", str(page)])
