"""The SVG charts: well-formed, self-contained, reproducible, escaped, described."""

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from trucewatch.analytics.plots import TYPE_COLOURS, hot_spots, violations_by_day

SVG = "{http://www.w3.org/2000/svg}"
COUNTS = {
    date(2017, 1, 2): {"shelling": 3, "air_strike": 1},
    date(2017, 1, 5): {"armed_clash": 2, "shelling": 1},
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in parse(svg).iter(f"{SVG}text")]


def by_day(**changes: object) -> str:
    arguments: dict[str, object] = {"start": date(2017, 1, 1), "end": date(2017, 1, 10), "title": "Violations"}
    return violations_by_day(COUNTS, **(arguments | changes))  # type: ignore[arg-type]


def test_violations_by_day_are_stacked_by_type_and_described() -> None:
    svg = by_day(type_names={"shelling": "قصف"})
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Violations"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == "7 violations from 2017-01-01 to 2017-01-10: قصف 4, air strike 1, armed clash 2"
    labels = texts(svg)
    assert {"قصف", "air strike", "armed clash"} <= set(labels)  # the legend, as text a browser shapes
    assert "2017-01-01" in labels  # days without violations are on the axis
    for kind in ("shelling", "air_strike", "armed_clash"):
        assert TYPE_COLOURS[kind].lower() in svg.lower()
    assert TYPE_COLOURS["troop_movement"].lower() not in svg.lower()  # no legend for a type not seen


def test_a_chart_fetches_nothing_runs_nothing_and_escapes_its_words() -> None:
    svg = by_day(title='Violations <script>alert("x")</script>', type_names={"shelling": "<b>shelling</b>"})
    root = parse(svg)
    assert root.find(f"{SVG}title").text == 'Violations <script>alert("x")</script>'  # type: ignore[union-attr]
    assert "<script" not in svg
    assert "<b>" not in svg
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}a", f"{SVG}foreignObject")]
    assert not [v for e in root.iter() for k, v in e.attrib.items() if k.endswith("href") and not v.startswith("#")]
    assert "<metadata" not in svg
    assert not svg.startswith("<?xml")


def test_the_same_figures_give_the_same_bytes_even_drawn_at_once() -> None:
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: by_day(), range(8)))
    assert len(set(drawn)) == 1
    assert by_day(end=date(2017, 1, 11)) != drawn[0]


def test_a_period_without_violations_says_so() -> None:
    svg = violations_by_day({}, start=date(2017, 2, 1), end=date(2017, 2, 3), title="T", empty="Rien")
    assert "Rien" in texts(svg)
    assert parse(svg).find(f"{SVG}desc").text == "0 violations from 2017-02-01 to 2017-02-03"  # type: ignore[union-attr]


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end 2017-01-01 is before start 2017-01-05"):
        violations_by_day(COUNTS, start=date(2017, 1, 5), end=date(2017, 1, 1), title="T")


def test_hot_spots_rank_places_most_first_and_leave_out_those_without() -> None:
    svg = hot_spots({"Aleppo": 12, "Idlib": 30, "حلب": 2, "Homs": 0}, title="Hot spots", top=2)
    desc = parse(svg).find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == "Idlib 30; Aleppo 12"
    assert {"Idlib", "Aleppo", " 30", " 12"} <= set(texts(svg))
    assert "Homs" not in svg
    assert "حلب" not in svg
    assert "Nothing" in texts(hot_spots({}, title="Hot spots", empty="Nothing"))
