"""Canonical JSON against the RFC 8785 vectors of cyberphone/json-canonicalization and the ``rfc8785`` package."""

from __future__ import annotations

import datetime as dt
import enum
import json
import struct
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import shared_data
from trucewatch.errors import InvalidInput
from trucewatch.ledger import canonical
from trucewatch.ledger.canonical import MAX_SAFE_INTEGER, canonical_json, is_canonical, sha256_hex

VECTORS = ("arrays", "french", "structures", "unicode", "values", "weird")
PROPERTY = settings(max_examples=300, deadline=None)

REPORT: dict[str, Any] = {
    "ref": "UN-2026-0417",
    "delegation": "UNMO",
    "tier": "verified",
    "observed_at": "2026-11-23T06:40:00Z",
    "place": {"name": "تل رفعت", "lat": 36.2021, "lon": 37.0963, "precision_m": 250},
    "casualties": {"killed_civilian": 2, "injured_civilian": 5},
    "kinds": ["shelling", "small_arms"],
    "narrative": "قصف مدفعي على الأطراف الشمالية للبلدة صباحاً؛ لا وفيات بين المقاتلين.",
    "sources": [{"kind": "witness", "count": 3}, {"kind": "photo", "count": 1}],
    "confidence": 0.85,
}


class Plain(enum.Enum):
    A = 1


def jcs_dir() -> Path:
    return shared_data() / "vectors" / "jcs"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in a vector: {keys}"
    return dict(pairs)


# --- the RFC 8785 vectors -------------------------------------------------------------------------


def test_the_vector_folder_holds_exactly_the_known_vectors() -> None:
    for folder, suffix in (("input", ".json"), ("output", ".json"), ("outhex", ".txt")):
        assert sorted(p.name for p in (jcs_dir() / folder).iterdir()) == sorted(n + suffix for n in VECTORS)


@pytest.mark.parametrize("name", VECTORS)
def test_each_rfc8785_input_canonicalises_to_its_expected_bytes(name: str) -> None:
    source = (jcs_dir() / "input" / f"{name}.json").read_text(encoding="utf-8")
    expected = (jcs_dir() / "output" / f"{name}.json").read_bytes()
    value = json.loads(source, object_pairs_hook=_no_duplicates)
    assert canonical_json(value) == expected
    assert rfc8785.dumps(value) == expected
    assert is_canonical(expected)


@pytest.mark.parametrize("name", VECTORS)
def test_each_hex_vector_spells_the_expected_bytes(name: str) -> None:
    hexed = (jcs_dir() / "outhex" / f"{name}.txt").read_text(encoding="ascii")
    assert bytes.fromhex(hexed) == (jcs_dir() / "output" / f"{name}.json").read_bytes()


def test_the_es6_number_samples_serialise_as_ecmascript_does() -> None:
    cases = json.loads((jcs_dir() / "es6_number_samples.json").read_text())["cases"]
    assert len(cases) == 7
    got = {}
    for case in cases:
        x = struct.unpack(">d", bytes.fromhex(case["ieee754_hex"].rjust(16, "0")))[0]
        got[case["ieee754_hex"]] = canonical_json([x]).decode()
    assert got == {case["ieee754_hex"]: f"[{case['expected']}]" for case in cases}


# --- numbers, strings and keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (56.0, b"56"),
        (-0.0, b"0"),
        (0.0, b"0"),
        (4.5, b"4.5"),
        (36.2021, b"36.2021"),
        (0.1 + 0.2, b"0.30000000000000004"),
        (1e16, b"10000000000000000"),
        (1e20, b"100000000000000000000"),
        (1e21, b"1e+21"),
        (1e-6, b"0.000001"),
        (1e-7, b"1e-7"),
        (-1.5e-7, b"-1.5e-7"),
        (5e-324, b"5e-324"),
        (1.7976931348623157e308, b"1.7976931348623157e+308"),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
        (-MAX_SAFE_INTEGER, b"-9007199254740991"),
        (True, b"true"),
        (None, b"null"),
    ],
)
def test_numbers_are_written_as_ecmascript_writes_them(number: float, text: bytes) -> None:
    assert canonical_json(number) == text
    assert canonical_json({"n": [number]}) == b'{"n":[' + text + b"]}"


def test_strings_escape_only_quote_backslash_and_control_characters() -> None:
    text = '"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029\ue000\U0001f600ع'
    expected = '"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028\u2029\ue000\U0001f600ع"'
    assert canonical_json(text) == expected.encode()


def test_every_code_point_is_written_as_rfc8785_writes_it() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert canonical_json({"t": text}) == rfc8785.dumps({"t": text})


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "z": 3, "": 4}
    assert canonical_json(value) == '{"":4,"z":3,"\U0001f600":2,"\ue000":1}'.encode()


def test_tuples_are_arrays_and_subclasses_are_written_by_their_base_type() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    value: Any = {"t": (1, "a"), "c": Colour.RED, "l": Level.HIGH}
    assert canonical_json(value) == b'{"c":"red","l":3,"t":[1,"a"]}' == rfc8785.dumps(value)


def test_a_value_nested_deeper_than_the_fast_path_goes_matches_rfc8785() -> None:
    value: Any = 1.5
    for i in range(200):
        value = [value] if i % 2 else {"k": value}
    assert canonical_json(value) == rfc8785.dumps(value)


def test_a_plain_report_payload_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = rfc8785.dumps(REPORT)
    monkeypatch.setattr(canonical, "_reference", _must_not_run)
    assert canonical_json(REPORT) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"lat": 36.0},
        {"x": 1e-7},
        {"x": 1e16},
        {"\U0001f600": 1, "\ue000": 2},
        {"s": "\ud800"},
        {"c": Plain.A},
    ],
    ids=["integral-float", "exponent", "big-float", "astral-key", "lone-surrogate", "enum"],
)
def test_doubtful_values_go_to_the_reference(monkeypatch: pytest.MonkeyPatch, value: Any) -> None:
    calls: list[object] = []

    def counting(v: object) -> bytes:
        calls.append(v)
        return b"reference"

    monkeypatch.setattr(canonical, "_reference", counting)
    assert canonical_json(value) == b"reference"
    assert calls == [value]


def _must_not_run(value: object) -> bytes:
    raise AssertionError(f"the slow path ran for {value!r}")


def test_the_hash_is_sha256_of_the_bytes() -> None:
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        (float("nan"), "$", "NaN"),
        ({"casualties": {"killed": float("inf")}}, "$.casualties.killed", "Infinity"),
        ({"x": [float("-inf")]}, "$.x[0]", "-Infinity"),
        ([0, 1, 2, 2**60], "$[3]", "outside"),
        ({"n": MAX_SAFE_INTEGER + 1}, "$.n", "outside"),
        ({"n": -MAX_SAFE_INTEGER - 1}, "$.n", "outside"),
        ({"a key": {"b": "\udc00"}}, '$["a key"].b', "lone surrogate"),
        ({"\ud83d": 1}, '$["\\ud83d"]', "lone surrogate"),
        ({1: "one"}, "$", "not a string"),
        ({"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, "$.at", "datetime is not a JSON value"),
        ({"id": uuid.UUID(int=7)}, "$.id", "UUID is not a JSON value"),
        ([b"raw"], "$[0]", "bytes is not a JSON value"),
        ({"s": {1, 2}}, "$.s", "set is not a JSON value"),
    ],
)
def test_values_with_no_canonical_form_are_refused_naming_the_path(value: object, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        canonical_json(value)
    assert [p.field for p in caught.value.problems] == [field]
    assert words in caught.value.problems[0].problem
    assert caught.value.problems[0].record == ""


def test_every_refused_part_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        canonical_json({"a": float("nan"), "b": [1, 2**60], "c": {"d": float("inf")}})
    assert [p.field for p in caught.value.problems] == ["$.a", "$.b[1]", "$.c.d"]


def test_a_value_that_contains_itself_is_refused() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    with pytest.raises(InvalidInput) as caught:
        canonical_json({"loop": loop})
    assert [(p.field, p.problem) for p in caught.value.problems] == [("$.loop[1]", "the value contains itself")]


def test_a_value_nested_too_deeply_for_the_reference_is_refused() -> None:
    value: Any = 1
    for _ in range(5000):
        value = [value]
    with pytest.raises(InvalidInput, match="nested too deeply"):
        canonical_json(value)


# --- is_canonical -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"nul",
        b" 1",
        b"1 ",
        b"1\n",
        b"1.0",
        b"-0",
        b"1E3",
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',
        b'{"a": 1}',
        b'"\\u00e9"',
        b'"\\/"',
        b'"\\ud800"',
        b"9007199254740993",
        b"100000000000000000000000",
        b"1e400",
        b"NaN",
        b"\xef\xbb\xbf1",
    ],
)
def test_non_canonical_or_unreadable_bytes_are_not_canonical(data: bytes) -> None:
    assert not is_canonical(data)


@pytest.mark.parametrize(
    "data",
    [b"1", b"0", b"-1.5", b"1e+21", b"null", b'"\xc3\xa9"', b'{"a":[1,{"b":null}]}', b"[9007199254740992]"],
)
def test_canonical_bytes_are_canonical(data: bytes) -> None:
    assert is_canonical(data)


def test_numbers_are_doubles_so_big_integers_are_canonical_only_as_a_double_writes_them() -> None:
    assert canonical_json(2.0**53) == b"9007199254740992"
    assert is_canonical(b'{"n":100000000000000000000}')  # 1e20
    assert not is_canonical(b'{"n":9007199254740993}')  # reads as 2**53


# --- properties against the rfc8785 package ------------------------------------------------------

SPECIAL = "\x00\x08\x1f\x7f\x80\u00e9\u2028\u2029\ud7ff\ue000\uf8ff\ufb33\ufffd\uffff\U0001f600\U0001f469\U0010ffff"
CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # every code point but the surrogates
    st.sampled_from(SPECIAL + '"\\/ abc'),
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # Arabic
)
KEYS = st.text(CHARACTERS, max_size=6)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True),
    st.builds(lambda n, k: n / 10**k, st.integers(-(10**9), 10**9), st.integers(0, 8)),  # 36.2021, 4.5, ...
    st.text(CHARACTERS, max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)


@PROPERTY
@given(VALUES)
def test_canonical_json_equals_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@PROPERTY
@given(VALUES)
def test_canonical_json_is_canonical(value: Any) -> None:
    assert is_canonical(canonical_json(value))


def _write(value: Any, *, order: Callable[[list[str]], list[str]], comma: bytes, colon: bytes) -> bytes:
    """JSON with rfc8785's scalars but the given key order and separators."""
    if isinstance(value, list):
        return b"[" + comma.join(_write(v, order=order, comma=comma, colon=colon) for v in value) + b"]"
    if isinstance(value, dict):
        keys = order(sorted(value, key=lambda k: k.encode("utf-16-be")))
        items = (rfc8785.dumps(k) + colon + _write(value[k], order=order, comma=comma, colon=colon) for k in keys)
        return b"{" + comma.join(items) + b"}"
    return rfc8785.dumps(value)


@PROPERTY
@given(VALUES)
def test_respaced_json_is_not_canonical(value: Any) -> None:
    for comma, colon in ((b", ", b":"), (b",", b": "), (b" ,", b" :")):
        variant = _write(value, order=list, comma=comma, colon=colon)
        assert is_canonical(variant) is (variant == canonical_json(value))
    assert not is_canonical(b" " + canonical_json(value))


@PROPERTY
@given(VALUES)
def test_json_with_keys_out_of_order_is_not_canonical(value: Any) -> None:
    variant = _write(value, order=lambda keys: keys[::-1], comma=b",", colon=b":")
    assert is_canonical(variant) is (variant == canonical_json(value))
    if variant != canonical_json(value):
        assert orjson.loads(variant) == orjson.loads(canonical_json(value))
