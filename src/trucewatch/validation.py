"""Parsing at the edge: Pydantic errors become :class:`InvalidInput` naming record and field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from trucewatch.errors import FieldProblem, InvalidInput

M = TypeVar("M", bound=BaseModel)
_NAMED = re.compile(r"^[a-z_][a-z0-9_.]*: ")


class Strict(BaseModel):
    """Base of every input schema: frozen, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def problems_of(exc: ValidationError, record: str) -> list[FieldProblem]:
    """Every problem Pydantic found, one per field, in a reader's words."""
    found: list[FieldProblem] = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(part) for part in err["loc"])
        message = _message(err)
        if not field:  # a check across fields names its field first: "place: ..."
            field, _, message = message.partition(": ") if _NAMED.match(message) else ("(record)", "", message)
        found.append(FieldProblem(record, field, message))
    return found


def parse(model: type[M], data: Mapping[str, Any], record: str) -> M:
    """Validate ``data`` as ``model`` or raise InvalidInput listing every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc, record)) from None


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if "input" in err and kind not in ("model_type", "dict_type") and _short(err["input"]):
        return f"{msg} (got {err['input']!r})"
    return msg


def _short(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 60
