"""SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class year_month(FunctionElement[str]):  # noqa: N801 - reads as an SQL function
    """``YYYY-MM`` of a UTC timestamp column."""

    type = String()
    inherit_cache = True


@compiles(year_month, "sqlite")
def _year_month_sqlite(element: year_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element: year_month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM')"


class year_month_day(FunctionElement[str]):  # noqa: N801
    """``YYYY-MM-DD`` of a UTC timestamp column."""

    type = String()
    inherit_cache = True


@compiles(year_month_day, "sqlite")
def _year_month_day_sqlite(element: year_month_day, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(year_month_day, "postgresql")
def _year_month_day_postgresql(element: year_month_day, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
