"""Canonical bytes of a JSON value (pure): RFC 8785, the JSON Canonicalization Scheme.

Every entry and report is hashed and signed over these bytes, and the reference implementation, the
pure-Python ``rfc8785`` package, is about ten times slower than a fast path through ``orjson``. The fast
path is taken only when a walk over the value rules out every way ``orjson`` departs from RFC 8785 (types
other than exact JSON ones, integers beyond ±(2**53 - 1), NaN, infinities, keys above U+FFFF, which sort
differently in UTF-16) and ``orjson`` writes each float as a plain decimal that ECMAScript writes the same;
anything else goes to ``rfc8785``, and the tests hold both paths to the RFC's vectors and to ``rfc8785``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from typing import Any, Final

import orjson
import rfc8785

from trucewatch.errors import FieldProblem, InvalidInput

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer RFC 8785 (through I-JSON, RFC 7493) serialises; its negation is the smallest."""

_MAX_FAST_DEPTH: Final = 64  # deeper values take the slow path (orjson stops at 254 levels)

# Code points above U+FFFF: in a key they make UTF-16 order (RFC 8785) differ from orjson's code-point order.
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")

# orjson writes a float with the shortest digits that round-trip, as ECMAScript does, but not always in
# the same layout (1e+16, 1e-6, 56.0, -0.0). The layouts are the same when orjson writes plain decimals
# with a fraction not ending in 0, at least 1e-6 and below 1e16; for anything else, the slow path.
_PLAIN_FLOAT: Final = rb"-?(?:0\.(?!000000)\d*|[1-9]\d{0,15}\.\d*)[1-9]"
_PLAIN_FLOATS: Final = re.compile(rb"\[%s(?:,%s)*\]" % (_PLAIN_FLOAT, _PLAIN_FLOAT))

_LONE_SURROGATE: Final = "holds a lone surrogate (U+D800..U+DFFF alone), which is not Unicode text"
_LEAVE: Final = object()  # marks, on the stack of _problems, the end of a container


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical JSON of ``value`` (dict, list, tuple, str, int, float, bool or None).

    Raises :class:`InvalidInput` for a value with no canonical form: NaN, infinities, integers
    beyond ±(2**53 - 1), strings with lone surrogates, keys that are not strings, other types.
    """
    floats: list[float] = []
    if _scan(value, floats, 0) and (not floats or _PLAIN_FLOATS.fullmatch(orjson.dumps(floats))):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a lone surrogate: let the reference refuse it
            pass
    return _reference(value)


def is_canonical(data: bytes) -> bool:
    """Whether ``data`` is the canonical JSON of the value it parses to.

    As in RFC 8785, a number is an IEEE 754 double: ``9007199254740992`` (2**53, as a float
    writes it) is canonical, ``9007199254740993`` is not (it reads as the same double).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    try:
        return canonical_json(value) == data
    except InvalidInput:
        pass
    try:  # orjson reads big integers as int: read them as the doubles they are in RFC 8785
        return canonical_json(_as_doubles(value)) == data
    except InvalidInput:
        return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _scan(value: object, floats: list[float], depth: int) -> bool:
    """Whether ``value`` is made of exact JSON types that orjson serialises as RFC 8785 does.

    Its floats are added to ``floats``, for :data:`_PLAIN_FLOATS` to check how orjson writes them.
    Subclasses (str enums, ...) take the slow path, where ``rfc8785`` writes them by their base type.
    """
    items: Iterable[Any]
    if type(value) is dict:
        if depth > _MAX_FAST_DEPTH:
            return False
        for key in value:
            if type(key) is not str or (not key.isascii() and _ASTRAL.search(key)):
                return False
        items = value.values()
    elif type(value) is list or type(value) is tuple:
        if depth > _MAX_FAST_DEPTH:
            return False
        items = value
    else:
        items = (value,)
    for item in items:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        elif kind is float:
            if not -math.inf < item < math.inf:  # NaN and infinities: orjson would write null
                return False
            floats.append(item)
        elif kind is dict or kind is list or kind is tuple:
            if not _scan(item, floats, depth + 1):
                return False
        else:
            return False
    return True


def _as_doubles(value: object) -> object:
    """``value`` (parsed JSON) with each integer beyond ±(2**53 - 1) turned into the nearest float."""
    if isinstance(value, dict):
        return {k: _as_doubles(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_doubles(v) for v in value]
    if type(value) is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return float(value)
    return value


def _reference(value: object) -> bytes:
    """``rfc8785``'s serialisation of ``value``, its refusals turned into :class:`InvalidInput`."""
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except (ValueError, RecursionError) as exc:  # rfc8785.CanonicalizationError is a ValueError
        found = "the value is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        problems = _problems(value) or [FieldProblem("", "", f"no canonical JSON form: {found}")]
        raise InvalidInput(problems) from None


def _problems(value: object) -> list[FieldProblem]:
    """Every part of ``value`` that has no canonical form, each named by its JSON path (slow; errors only)."""
    found: list[FieldProblem] = []
    stack: list[tuple[object, tuple[str | int, ...]]] = [(value, ())]
    open_ids: set[int] = set()  # the containers around the item being looked at, to find cycles
    while stack:
        item, path = stack.pop()
        if item is _LEAVE:
            open_ids.discard(int(path[0]))
        elif not isinstance(item, dict | list | tuple):
            if problem := _scalar_problem(item):
                found.append(_problem(path, problem))
        elif id(item) in open_ids:
            found.append(_problem(path, "the value contains itself"))
        else:
            open_ids.add(id(item))
            stack.append((_LEAVE, (id(item),)))
            children: list[tuple[object, tuple[str | int, ...]]] = []
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        found.append(_problem(path, f"object key {key!r} is not a string"))
                    elif not _encodable(key):
                        found.append(_problem((*path, key), f"the key {_LONE_SURROGATE}"))
                    else:
                        children.append((child, (*path, key)))
            else:
                children.extend((child, (*path, i)) for i, child in enumerate(item))
            stack.extend(reversed(children))
    return found


def _scalar_problem(item: object) -> str:
    if item is None or isinstance(item, bool):
        return ""
    if isinstance(item, int):
        if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
            return ""
        return f"the integer {int(item)} is outside ±(2**53 - 1), the range RFC 8785 numbers keep exactly"
    if isinstance(item, float):
        if math.isnan(item):
            return "NaN is not a JSON number"
        if math.isinf(item):
            return f"{'-' if item < 0 else ''}Infinity is not a JSON number"
        return ""
    if isinstance(item, str):
        return "" if _encodable(item) else f"the string {_LONE_SURROGATE}"
    return f"a {type(item).__name__} is not a JSON value (dict, list, str, int, float, bool or None)"


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _problem(path: tuple[str | int, ...], problem: str) -> FieldProblem:
    return FieldProblem("", _json_path(path), problem)


def _json_path(path: tuple[str | int, ...]) -> str:
    """``$.casualties.killed``, ``$[3]``, ``$["a key"]``."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part.isidentifier():
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=not _encodable(part))}]")
    return "".join(parts)
