"""SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _utc_text(FunctionElement[str]):  # noqa: N801 - reads as an SQL function
    """A UTC timestamp column written as text, in each dialect's own format syntax."""

    type = String()
    inherit_cache = True
    sqlite_format: ClassVar[str]
    postgresql_format: ClassVar[str]


class year_month(_utc_text):  # noqa: N801
    """``YYYY-MM`` of a UTC timestamp column."""

    inherit_cache = True
    sqlite_format = "%Y-%m"
    postgresql_format = "YYYY-MM"


class year_month_day(_utc_text):  # noqa: N801
    """``YYYY-MM-DD`` of a UTC timestamp column."""

    inherit_cache = True
    sqlite_format = "%Y-%m-%d"
    postgresql_format = "YYYY-MM-DD"


def _sqlite(element: _utc_text, compiler: Any, **kw: Any) -> str:
    return f"strftime('{element.sqlite_format}', {compiler.process(element.clauses, **kw)})"


def _postgresql(element: _utc_text, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', '{element.postgresql_format}')"


for _function in (year_month, year_month_day):
    compiles(_function, "sqlite")(_sqlite)
    compiles(_function, "postgresql")(_postgresql)
