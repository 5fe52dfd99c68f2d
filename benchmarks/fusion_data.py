"""Noisy reports of known incidents, for benchmarking incident fusion: seeded, labelled, vectorised.

    python benchmarks/fusion_data.py --reports N [--seed S] [--per-day P] [--out DIR]

``generate(N)`` draws true incidents across Syria, each reported 1 to 6 times
(:data:`REPORTS_PER_INCIDENT`: 25, 21, 18, 15, 12, 9 %; mean 2.95), and returns exactly N
reports with the true incident of each (``truth``). Incidents are spread from 2016-01-01 over as many days as
give ``per_day`` (40) incidents a day: 100,000 reports span about 2.4 years, 1,000,000
about 23 years (to 2039). ``ReportIn`` accepts future times unless given a ``now``;
filing the reports through the service (which passes ``now``) needs fewer of them or a
higher ``per_day``. Jitter can date a report a little before 2016-01-01.

Besides ``frame`` and ``truth``, :class:`FusionData` holds the true ``incidents`` and the kind of
``noise`` each report received (what the command's summary counts). 16 % of reports have no
coordinates (a town or governorate name only). 100,000 reports take about 1 s and 280 MB,
1,000,000 about 8 s and 1.2 GB on two cores; writing them as JSONL 1.2 and 13 s.

The truth. A town is drawn weighted by the UCDP GED events of January-March 2017 within
:data:`TOWN_RADIUS_KM` of it plus :data:`TOWN_FLOOR`; the event point is the town's point
moved by up to :data:`TRUE_JITTER_KM`. The hour follows :data:`HOUR_WEIGHTS`, the type
:data:`TYPE_WEIGHTS`, the perpetrator :data:`CAMP_WEIGHTS` (air strikes only by
:data:`AIR_FORCES`), the target an enemy camp's actor or civilians
(:data:`CIVILIAN_TARGET`), the dead a Lomax (Pareto II, shape 1.5) draw scaled by type
(:data:`KILLED_SCALE`), one weapon of the type (``trucewatch.demo.accounts.WEAPONS``).
:data:`NEAR_MISS_SHARE` (8 %) of incidents get a *sibling*: another incident in the same
town on the same day, of another type, at least three hours apart.

The noise, drawn independently for each report (shares of reports):

* delegation :data:`DELEGATION_WEIGHTS` (RU, TR, IR, SY-GOV, SY-OPP); language as the
  delegation writes (``trucewatch.demo.accounts.REPORTERS``);
* location :data:`LOCATION_NOISE`: ``point`` 62 % (0.3-3 km off; ``exact`` under 1.5 km,
  else ``near``), ``far`` 10 % (10-20 km off, ``near``), ``town_point`` 12 % (the town's
  point, ``town``), ``town_name`` 11 % (no coordinates, the town's name, ``town``),
  ``governorate`` 5 % (no coordinates, the governorate's name, ``governorate``);
* time :data:`TIME_NOISE`: ``hours`` 60 % (normal, sd 1.5 h, within 6 h; ``exact`` to the
  minute for :data:`EXACT_SHARE` of them, else ``hour``), ``day_off`` 8 % (a day before or
  after, ``hour``), ``date_only`` 27 % (00:00 UTC, ``day``), ``month_only`` 5 % (first of
  the month, ``month``);
* place name :data:`PLACE_NAME`: the gazetteer's English name (46 % of reports), one of its
  GeoNames alternates (2 %: few villages have any), a respelling by :data:`RESPELLINGS` (21 %:
  ``Al-Bab``, ``El-Bab``, ``Bab``; ``Douma``, ``Duma``) or its Arabic name (26 %); Arabic reports
  mostly the Arabic name;
* actors: any name or alias in any script, the delegation's language for
  :data:`NAME_IN_LANGUAGE`; :data:`PERPETRATOR_UNKNOWN` (7 %) give none or "unknown";
  a delegation of the perpetrator's camp blames the other side :data:`BLAME_OTHER` (60 %)
  of the time (the target becomes the perpetrator; civilians are hit by an enemy): 22 % of reports;
* casualties :data:`CASUALTY_NOISE`: ``exact`` 45 %, ``scaled`` 30 % (x 0.7-1.3),
  ``zero`` 7 %, ``missing`` 18 %; injured given by :data:`INJURED_REPORTED` of the others;
* type :data:`TYPE_CONFUSION` (shelling taken for an air strike and back, a clash for an
  attack on civilians...): 15.5 % of reports; weapons: the true one for
  :data:`WEAPON_REPORTED`, another of the reported type for :data:`SECOND_WEAPON`;
* narrative: :data:`TEMPLATES` (four English, two Arabic, two Russian, one Turkish) naming the
  place as written, the weapon and the toll.

Data: the gazetteer is derived from OCHA's Syria COD (CC BY 3.0 IGO) and GeoNames (CC BY 4.0);
the event density from the UCDP Georeferenced Event Dataset (CC BY 4.0); see data/CREDITS.md.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from numpy.typing import NDArray

from trucewatch.demo.accounts import REPORTERS, TOLL, WEAPONS, WHAT
from trucewatch.demo.facts import demo_facts, ucdp_events
from trucewatch.geo.admin import syria_places
from trucewatch.geo.gazetteer import Precision
from trucewatch.geo.shapes import SYRIA_BOX
from trucewatch.reports.schemas import CASUALTY_FIELDS, ReportIn
from trucewatch.reports.taxonomy import ViolationType

START = np.datetime64("2016-01-01T00:00:00", "s")
TOWN_RADIUS_KM, TOWN_FLOOR, TRUE_JITTER_KM = 10.0, 0.25, 2.0
REPORTS_PER_INCIDENT = (0.25, 0.21, 0.18, 0.15, 0.12, 0.09)
"""P(1 report), ..., P(6 reports); mean 2.95."""
NEAR_MISS_SHARE = 0.08
HOUR_WEIGHTS = (2, 2, 2, 3, 5, 7, 8, 7, 6, 5, 5, 5, 5, 5, 5, 6, 6, 6, 5, 5, 4, 3, 3, 2)
TYPES = tuple(str(t) for t in ViolationType)
TYPE_WEIGHTS = dict(zip(TYPES, (0.24, 0.21, 0.33, 0.09, 0.04, 0.03, 0.04, 0.02), strict=True))
TYPE_CONFUSION = {  # true type -> {reported type: probability}
    "shelling": {"shelling": 0.85, "air_strike": 0.10, "armed_clash": 0.05},
    "air_strike": {"air_strike": 0.85, "shelling": 0.12, "attack_on_civilians": 0.03},
    "armed_clash": {"armed_clash": 0.85, "attack_on_civilians": 0.06, "shelling": 0.07, "troop_movement": 0.02},
    "attack_on_civilians": {"attack_on_civilians": 0.8, "armed_clash": 0.1, "shelling": 0.05}
    | {"abduction_detention": 0.05},
    "abduction_detention": {"abduction_detention": 0.85, "attack_on_civilians": 0.1, "other": 0.05},
    "humanitarian_obstruction": {"humanitarian_obstruction": 0.85, "other": 0.1, "troop_movement": 0.05},
    "troop_movement": {"troop_movement": 0.85, "armed_clash": 0.1, "other": 0.05},
    "other": {"other": 0.8, "troop_movement": 0.1, "humanitarian_obstruction": 0.1},
}
KILLED_SCALE = dict(zip(TYPES, (1.5, 2.5, 2.0, 1.5, 0.3, 0.1, 0.1, 0.5), strict=True))
CIVILIAN_SHARE = dict(zip(TYPES, (0.6, 0.65, 0.1, 1.0, 0.9, 1.0, 0.0, 0.5), strict=True))
CIVILIAN_TARGET = dict(zip(TYPES, (0.35, 0.35, 0.0, 1.0, 0.9, 1.0, 0.0, 0.3), strict=True))
CAMP_WEIGHTS = {"government": 0.4, "opposition": 0.3, "jihadist": 0.2, "kurdish": 0.07, "other": 0.03}
ENEMIES = {
    "government": ("opposition", "jihadist"),
    "opposition": ("government", "jihadist", "kurdish"),
    "jihadist": ("government", "opposition", "kurdish"),
    "kurdish": ("jihadist", "opposition"),
    "other": ("jihadist",),
}
FOREIGN_CAMP = {"russian-forces": "government", "iran-irgc": "government", "turkish-forces": "opposition"}
KIND_CAMP = {"government_force": "government", "militia": "government", "jihadist_group": "jihadist"}
KIND_CAMP |= {"armed_opposition": "opposition", "kurdish_force": "kurdish", "foreign_force": "other"}
MAIN_ACTORS = {"syrian-government": 4.0, "isil": 2.0, "hts": 2.0, "syrian-insurgents": 2.0}
AIR_FORCES = {"syrian-government": 0.45, "russian-forces": 0.3, "us-led-coalition": 0.15, "turkish-forces": 0.05}
AIR_FORCES |= {"israel-forces": 0.03, "iraq-forces": 0.02}
CIVILIANS = {"en": "civilians", "ar": "المدنيين", "ru": "мирные жители", "tr": "siviller"}
CIVILIAN_ALIASES = ("civilian population", "residents", "الأهالي", "местные жители")
UNKNOWN_NAMES = np.array([None, None, "unknown", "unidentified armed men", "مسلحون مجهولون", "неизвестные"])

DELEGATION_WEIGHTS = {"RU": 0.25, "TR": 0.2, "IR": 0.1, "SY-GOV": 0.25, "SY-OPP": 0.2}
LOCATION_NOISE = {"point": 0.62, "far": 0.10, "town_point": 0.12, "town_name": 0.11, "governorate": 0.05}
EXACT_UNDER_KM = 1.5
TIME_NOISE = {"hours": 0.60, "day_off": 0.08, "date_only": 0.27, "month_only": 0.05}
EXACT_SHARE = 0.35
PLACE_NAME = {
    "ar": {"english": 0.1, "alternate": 0.05, "respelt": 0.05, "arabic": 0.8},
    "other": {"english": 0.55, "alternate": 0.2, "respelt": 0.15, "arabic": 0.1},
}
"""The form of a town's name by report language: the gazetteer's English name, one of its alternates
(GeoNames'), a respelling (:data:`RESPELLINGS`), its Arabic name. An alternate falls back to a
respelling for the 94 % of towns that have none, a respelling to the English name for the 25 %
that have none; a governorate report (``governorate``) names the governorate."""
RESPELLINGS = (
    (r"^(A[lrnsdtz])-", r"\1 "),
    (r"^A([lrnsdtz])[- ]", r"E\1-"),
    (r"^[AE][lrnsdtz][- ]", ""),
    (r"\bEl(?=[a-z])", "Al-"),
    *((r"ou", "u"), (r"(?<![aeo])u", "ou"), (r"ee", "i"), (r"sh", "ch"), (r"j", "dj"), (r"q", "k"), (r"\bQ", "K")),
    *((r"a$", "ah"), (r"[ae]h$", "a"), (r"iyeh$", "iye"), (r"ei", "ay"), (r"\s*-\s*", " ")),
    *((r"^Deir\b", "Dayr"), (r"^Kafr\b", "Kfar"), (r"^Tal\b", "Tell"), (r"^Um\b", "Umm")),
)
"""(pattern, replacement): the article written otherwise or dropped, French ou and ch, dj, k for q,
the final ta marbuta, common first words as other sources spell them."""
NAME_IN_LANGUAGE, PERPETRATOR_UNKNOWN, BLAME_OTHER, TARGET_MISSING = 0.55, 0.07, 0.6, 0.04
CASUALTY_NOISE = {"exact": 0.45, "scaled": 0.30, "zero": 0.07, "missing": 0.18}
INJURED_REPORTED, WEAPON_REPORTED, SECOND_WEAPON = 0.5, 0.75, 0.2
SOURCES = np.array(["", "", "local council", "hospital records", "video on social media", "eyewitnesses", "medics"])

WHAT_MORE = {
    "en": {"humanitarian_obstruction": "Obstruction of aid", "troop_movement": "Troop build-up", "other": "Violation"},
    "ar": {"humanitarian_obstruction": "منع دخول المساعدات", "troop_movement": "حشود عسكرية", "other": "خرق"},
    "ru": {"humanitarian_obstruction": "Препятствование гуманитарной помощи", "troop_movement": "Переброска войск"}
    | {"other": "Нарушение"},
    "tr": {"humanitarian_obstruction": "yardım engellemesi", "troop_movement": "asker yığınağı", "other": "ihlal"},
}
WORDS = {lang: {**WHAT[lang], **WHAT_MORE[lang]} for lang in WHAT_MORE}
WEAPON_WORDS = {  # weapon -> (ar, ru, tr)
    "artillery": ("المدفعية", "артиллерия", "topçu"),
    "mortars": ("قذائف الهاون", "миномёты", "havan"),
    "multiple rocket launchers": ("راجمات الصواريخ", "РСЗО", "çok namlulu roketatar"),
    "tank fire": ("نيران الدبابات", "танки", "tank atışı"),
    "fixed-wing aircraft": ("الطائرات الحربية", "самолёты", "savaş uçakları"),
    "helicopter": ("المروحيات", "вертолёты", "helikopter"),
    "barrel bombs": ("البراميل المتفجرة", "бочковые бомбы", "varil bombaları"),
    "drone": ("طائرة مسيرة", "беспилотник", "İHA"),
    "small arms": ("الأسلحة الخفيفة", "стрелковое оружие", "hafif silahlar"),
    "heavy machine guns": ("الرشاشات الثقيلة", "крупнокалиберные пулемёты", "ağır makineli tüfekler"),
    "anti-tank guided missiles": ("الصواريخ المضادة للدروع", "ПТУР", "tanksavar füzeleri"),
    "improvised explosive device": ("عبوة ناسفة", "СВУ", "el yapımı patlayıcı"),
    "sniper fire": ("القناصة", "снайперский огонь", "keskin nişancı ateşi"),
}
TEMPLATES = {
    "en": (
        "{what} reported in {place}. {perp} used {weapon} against {target}. {toll}",
        "{place}: {perp} carried out {what_l} with {weapon}, targeting {target}. {toll}",
        "Our observers report {what_l} near {place} by {perp}; weapons: {weapon}. {toll}",
        "Violation of the cessation of hostilities in {place}: {what_l} ({weapon}) by {perp} against {target}. {toll}",
    ),
    "ar": (
        "{what} في {place} نفذه {perp} ضد {target} باستخدام {weapon}. {toll}",
        "{place}: {what} ({weapon}). {toll}",
    ),
    "ru": (
        "{what} в районе {place}: {perp} применили {weapon} против {target}. {toll}",
        "{place}: {what}, {weapon}. {toll}",
    ),
    "tr": ("{place} bölgesinde {what}: {perp}, {weapon} ile {target} hedef aldı. {toll}",),
}
NOBODY = {"en": "unidentified forces", "ar": "جهة مجهولة", "ru": "неустановленные силы", "tr": "belirsiz güçler"}
NO_DEATHS = {"en": "No one was killed.", "ar": "لا قتلى.", "ru": "Погибших нет.", "tr": "Ölen yok."}
NO_WEAPON = {"en": "unspecified weapons", "ar": "أسلحة مختلفة", "ru": "различное оружие", "tr": "çeşitli silahlar"}
FIELDS: tuple[str, ...] = tuple(f for f in ReportIn.model_fields if f not in ("evidence", "supersedes"))
"""The fields of a report the generator writes, in ``ReportIn``'s order."""

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Objects = NDArray[np.object_]
Flat = tuple[Objects, Ints, Ints]


@dataclass(frozen=True)
class FusionData:
    frame: pd.DataFrame
    """One row per report, the report JSON fields with casualties flattened."""
    truth: Ints
    """The true incident of each row of ``frame``."""
    incidents: pd.DataFrame
    """One row per true incident (its number is its row): time, town (gazetteer id and English name),
    type, perpetrator and target (demo actor keys or ``civilians``), point, ``sibling_of`` (the incident
    it is a near miss of, or -1), casualties."""
    noise: pd.DataFrame
    """Which kind of noise each row of ``frame`` received, one column per aspect."""

    def records(self) -> Iterator[dict[str, Any]]:
        """Each row in the JSON form ``ReportIn`` accepts: casualties nested (the reported ones), lists
        for weapons and sources, no point when there is none, no key for a missing value."""
        for start in range(0, len(self.frame), 50_000):  # a slice at a time: memory stays flat
            yield from _records(self.frame.iloc[start : start + 50_000])


def _records(f: pd.DataFrame) -> Iterator[dict[str, Any]]:
    at = np.datetime_as_string(f["occurred_at"].dt.tz_convert(None).to_numpy("datetime64[s]"), unit="s")
    columns = {c: f[c].to_numpy(object, na_value=None).tolist() for c in FIELDS if c in f}
    columns["occurred_at"] = [t + "Z" for t in at.tolist()]
    columns["weapons"] = [w.split(";") if w else None for w in columns["weapons"]]
    columns["sources"] = [s.split(";") for s in columns["sources"]]
    head, tail = FIELDS[: FIELDS.index("casualties")], FIELDS[FIELDS.index("casualties") + 1 :]
    counts = {c: f[c].to_numpy("int64", na_value=-1).tolist() for c in CASUALTY_FIELDS}
    for i in range(len(f)):
        rec = {k: columns[k][i] for k in head}
        rec["casualties"] = {c: counts[c][i] for c in CASUALTY_FIELDS if counts[c][i] >= 0} or None
        rec |= {k: columns[k][i] for k in tail}
        yield {k: v for k, v in rec.items() if v is not None and v == v}  # v != v: NaN


@dataclass(frozen=True)
class World:
    """The gazetteer's towns and governorates and the demo's actors, as arrays."""

    town_ids: Objects
    town_lat: Floats
    town_lon: Floats
    town_p: Floats
    town_gov: Ints
    town_names: tuple[Objects, Objects, Flat, Flat]
    """English, Arabic, the gazetteer's alternates and the respellings of each town."""
    gov_names: tuple[Objects, Objects]
    """Latin and Arabic forms, one row per governorate, three of each."""
    actor_keys: tuple[str, ...]
    actor_camp: NDArray[np.str_]
    actor_names: tuple[Flat, dict[str, Objects]]
    """All names of each actor, and its name in each language (English when none)."""


@cache
def world() -> World:
    towns = [p for p in syria_places() if p.precision == Precision.TOWN]
    govs = [p for p in syria_places() if p.precision == Precision.GOVERNORATE]
    lat, lon = np.array([t.latitude for t in towns]), np.array([t.longitude for t in towns])
    alternates = [[n for n in t.names if n.strip()] for t in towns]
    gov_index = {g.id: i for i, g in enumerate(govs)}
    actors = demo_facts().actors
    names = [[*dict.fromkeys([*a.names.values(), *a.aliases])] for a in actors]
    names.append([*dict.fromkeys([*CIVILIANS.values(), *CIVILIAN_ALIASES])])
    return World(
        town_ids=np.array([t.id for t in towns], dtype=object),
        town_lat=lat,
        town_lon=lon,
        town_p=_density(lat, lon),
        town_gov=np.array([gov_index[t.governorate or ""] for t in towns]),
        town_names=(
            np.array([t.name for t in towns], dtype=object),
            np.array([t.name_ar or t.name for t in towns], dtype=object),
            _flat(alternates),
            _flat([_respellings(t.name) for t in towns]),
        ),
        gov_names=(
            np.array([(g.name, f"{g.name} Governorate", f"{g.name} province") for g in govs], dtype=object),
            np.array([(g.name_ar, f"محافظة {g.name_ar}", f"ريف {g.name_ar}") for g in govs], dtype=object),
        ),
        actor_keys=tuple(a.key for a in actors),
        actor_camp=np.array([FOREIGN_CAMP.get(a.key, KIND_CAMP[a.kind]) for a in actors]),
        actor_names=(
            _flat(names),
            {
                lang: np.array([*(a.names.get(lang, a.names["en"]) for a in actors), CIVILIANS[lang]], dtype=object)
                for lang in CIVILIANS
            },
        ),
    )


def _density(lat: Floats, lon: Floats) -> Floats:
    """Each town's share: UCDP events within TOWN_RADIUS_KM (located to 25 km or better), plus a floor."""
    events = np.array([(e.latitude, e.longitude) for e in ucdp_events() if e.where_prec <= 2], dtype=np.float32)
    dy = (lat[:, None].astype(np.float32) - events[None, :, 0]) * 110.57
    dx = (lon[:, None].astype(np.float32) - events[None, :, 1]) * (111.32 * np.cos(np.radians(lat)))[:, None]
    weight = ((dx * dx + dy * dy) <= TOWN_RADIUS_KM**2).sum(axis=1) + TOWN_FLOOR
    return np.asarray(weight / weight.sum(), dtype=np.float64)


def _respellings(name: str) -> list[str]:
    """``name`` as other transliterations would write it (:data:`RESPELLINGS`, one rule at a time)."""
    found = [re.sub(pattern, new, name, count=1) for pattern, new in RESPELLINGS]
    return [*dict.fromkeys(v for v in found if v != name and len(v) > 2)]


def _flat(lists: list[list[str]]) -> Flat:
    """Lists of names as one array, with each list's offset and length."""
    counts = np.array([len(x) for x in lists])
    flat = np.array([n for x in lists for n in x] or [""], dtype=object)
    return flat, np.concatenate(([0], np.cumsum(counts)[:-1])), counts


def _draw(rng: np.random.Generator, table: Flat, index: Ints) -> Objects:
    """One name of the list ``index`` of ``table`` for each index (``table``'s first name for an empty list)."""
    flat, offset, count = table
    at = offset[index] + (rng.random(len(index)) * count[index]).astype(np.int64)
    return np.asarray(flat[np.minimum(at, len(flat) - 1)])


def _pick(rng: np.random.Generator, table: dict[str, float], n: int) -> Ints:
    """``n`` indices into ``table``'s keys, each drawn with its value as weight."""
    p = np.array(list(table.values()))
    return rng.choice(len(p), size=n, p=p / p.sum())


def _labels(table: dict[str, float], index: Ints) -> pd.Categorical:
    return pd.Categorical.from_codes(index, categories=list(table))


def generate(reports: int, *, seed: int = 2017, per_day: float = 40.0) -> FusionData:
    """Exactly ``reports`` noisy reports of about ``reports / 2.9`` true incidents, ``per_day`` a day
    from 2016-01-01 (a million reports reach 2039), with the truth; the same arguments, the same data."""
    rng, w = np.random.default_rng(seed), world()
    counts, sibling_of = _incident_counts(rng, reports)
    inc = _incidents(rng, w, sibling_of, per_day)
    order = np.argsort(inc["t"], kind="stable")  # incident numbers in true time order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inc = {k: v[order] for k, v in inc.items()}
    inc["sibling_of"] = np.where(inc["sibling_of"] >= 0, rank[np.maximum(inc["sibling_of"], 0)], -1)
    truth = np.repeat(np.arange(len(order)), counts[order])
    cols, noise = _report_rows(rng, w, inc, truth)
    rows = np.lexsort((rng.random(len(truth)), cols["occurred_at"]))  # in reported time order
    frame = _frame({k: v[rows] for k, v in cols.items()}, seed)
    noise_frame = pd.DataFrame({k: v[rows] for k, v in noise.items()})
    return FusionData(frame, truth[rows].astype(np.int64), _incident_frame(w, inc), noise_frame)


def _incident_frame(w: World, inc: dict[str, Any]) -> pd.DataFrame:
    actors = np.array([*w.actor_keys, "civilians"], dtype=object)
    named = {
        "occurred_at": pd.to_datetime(inc["t"], unit="s", utc=True),
        "town": w.town_ids[inc["town_i"]],
        "place": w.town_names[0][inc["town_i"]],
        "violation_type": np.array(TYPES, dtype=object)[inc["violation_type"]],
        "perpetrator": actors[inc["perpetrator"]],
        "target": actors[inc["target"]],
    }
    rest = {k: v for k, v in inc.items() if k not in (*named, "t", "hour", "town_i")}
    return pd.DataFrame(named | rest)


def _incident_counts(rng: np.random.Generator, reports: int) -> tuple[Ints, Ints]:
    """Reports per incident summing to ``reports``, and the incident each sibling is a near miss of."""
    p = np.array(REPORTS_PER_INCIDENT)
    base = int(reports / (p @ np.arange(1, 7)) / (1 + NEAR_MISS_SHARE) * 1.1) + 10
    parent = rng.random(base) < NEAR_MISS_SHARE
    first = np.repeat(np.arange(base), 1 + parent)  # a sibling follows its incident
    position = np.arange(len(first))
    sibling_of = np.where(np.r_[False, first[1:] == first[:-1]], position - 1, -1)
    counts = rng.choice(6, size=len(first), p=p) + 1
    total = np.cumsum(counts)
    last = int(np.searchsorted(total, reports))
    counts = counts[: last + 1]
    counts[-1] -= int(total[last]) - reports
    return counts, sibling_of[: last + 1]


def _incidents(rng: np.random.Generator, w: World, sibling_of: Ints, per_day: float) -> dict[str, Any]:
    n, sib = len(sibling_of), sibling_of >= 0
    parent = np.maximum(sibling_of, 0)
    town = rng.choice(len(w.town_p), size=n, p=w.town_p)
    day = rng.integers(0, max(1, int(np.ceil(n / per_day))), size=n)
    hour = rng.choice(24, size=n, p=np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS))
    town, day = np.where(sib, town[parent], town), np.where(sib, day[parent], day)
    hour = np.where(sib, (hour[parent] + rng.integers(3, 22, size=n)) % 24, hour)
    vtype = _pick(rng, TYPE_WEIGHTS, n)
    vtype = np.where(sib & (vtype == vtype[parent]), (vtype + rng.integers(1, len(TYPES), size=n)) % len(TYPES), vtype)
    r, bearing = TRUE_JITTER_KM * np.sqrt(rng.random(n)), rng.random(n) * 2 * np.pi
    lat, lon = _move(w.town_lat[town], w.town_lon[town], r, bearing)
    perp, target = _actors(rng, w, vtype)
    t = (START + (day * 86400 + hour * 3600 + rng.integers(0, 60, size=n) * 60)).astype(np.int64)
    truth = {"t": t, "hour": hour, "town_i": town, "latitude": lat, "longitude": lon, "violation_type": vtype}
    return truth | {"perpetrator": perp, "target": target, "sibling_of": sibling_of} | _true_toll(rng, vtype)


def _move(lat: Floats, lon: Floats, km: Floats, bearing: Floats) -> tuple[Floats, Floats]:
    west, south, east, north = SYRIA_BOX
    lat2 = np.clip(lat + km * np.cos(bearing) / 110.57, south, north)
    lon2 = np.clip(lon + km * np.sin(bearing) / (111.32 * np.cos(np.radians(lat))), west, east)
    return np.round(lat2, 5), np.round(lon2, 5)


def _actors(rng: np.random.Generator, w: World, vtype: Ints) -> tuple[Ints, Ints]:
    """True perpetrator and target (an actor index, or ``len(actors)`` for civilians)."""
    keys, camp, n = w.actor_keys, w.actor_camp, len(vtype)
    boost = np.array([MAIN_ACTORS.get(k, 1.0) for k in keys])
    ground = np.array([CAMP_WEIGHTS[c] / (camp == c).sum() for c in camp]) * boost
    air = np.array([AIR_FORCES.get(k, 0.0) for k in keys])
    is_air = vtype == TYPES.index(ViolationType.AIR_STRIKE)
    perp = np.where(is_air, rng.choice(len(keys), size=n, p=air / air.sum()), 0)
    perp[~is_air] = rng.choice(len(keys), size=int((~is_air).sum()), p=ground / ground.sum())
    target = np.full(n, len(keys))
    for c in CAMP_WEIGHTS:
        mask = camp[perp] == c
        p = np.isin(camp, ENEMIES[c]) * boost
        target[mask] = rng.choice(len(keys), size=int(mask.sum()), p=p / p.sum())
    civilian = rng.random(n) < np.array(list(CIVILIAN_TARGET.values()))[vtype]
    return perp, np.where(civilian, len(keys), target)


def _true_toll(rng: np.random.Generator, vtype: Ints) -> dict[str, Ints]:
    n = len(vtype)
    killed = np.minimum(np.floor(rng.pareto(1.5, n) * np.array(list(KILLED_SCALE.values()))[vtype]), 400)
    injured = rng.poisson(killed * 1.8 + 0.3)
    share = np.array(list(CIVILIAN_SHARE.values()))[vtype]
    toll: dict[str, Ints] = {}
    for kind, total in (("killed", killed.astype(np.int64)), ("injured", injured)):
        civ = rng.binomial(total, share)
        unknown = rng.binomial(total - civ, 0.15)
        toll |= {f"{kind}_civilian": civ, f"{kind}_combatant": total - civ - unknown, f"{kind}_unknown": unknown}
    return toll


def _report_rows(
    rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints
) -> tuple[dict[str, Any], dict[str, pd.Categorical]]:
    """The report columns (one row per report, grouped by incident) and the noise each received."""
    n = len(truth)
    deleg = _pick(rng, DELEGATION_WEIGHTS, n)
    codes = list(DELEGATION_WEIGHTS)
    reporters = [next(r for r in REPORTERS if r.code == c) for c in codes]
    language = np.empty(n, dtype=object)
    for i, r in enumerate(reporters):
        mask = deleg == i
        langs = [lang for lang, _ in r.languages]
        language[mask] = np.array(langs, dtype=object)[_pick(rng, dict(r.languages), int(mask.sum()))]
    cols: dict[str, Any] = {"delegation": np.array(codes, dtype=object)[deleg], "language": language}
    noise: dict[str, pd.Categorical] = {}
    for part in (_where, _when, _who, _what, _toll):
        more, kinds = part(rng, w, inc, truth, cols)
        cols |= more
        noise |= kinds
    cols["sources"] = _sources(rng, cols["delegation"])
    cols["narrative"] = np.array(_narratives(rng, cols), dtype=object)
    return cols, noise


Part = tuple[dict[str, Any], dict[str, pd.Categorical]]


def _where(rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints, cols: dict[str, Any]) -> Part:
    n, town = len(truth), inc["town_i"][truth]
    kind = _pick(rng, LOCATION_NOISE, n)
    km = np.where(kind == 1, rng.uniform(10, 20, n), rng.uniform(0.3, 3, n))
    lat, lon = _move(inc["latitude"][truth], inc["longitude"][truth], km, rng.random(n) * 2 * np.pi)
    lat, lon = np.where(kind == 2, w.town_lat[town], lat), np.where(kind == 2, w.town_lon[town], lon)
    lat, lon = np.where(kind >= 3, np.nan, lat), np.where(kind >= 3, np.nan, lon)
    geo = np.array(["exact", "near", "near", "town", "town", "governorate"], dtype=object)
    precision = geo[np.where(kind == 0, (km >= EXACT_UNDER_KM).astype(np.int64), kind + 1)]
    english, arabic, alternates, respelt = w.town_names
    is_ar = cols["language"] == "ar"
    form = np.where(is_ar, _pick(rng, PLACE_NAME["ar"], n), _pick(rng, PLACE_NAME["other"], n))
    form = np.where((form == 1) & (alternates[2][town] == 0), 2, form)
    form = np.where((form == 2) & (respelt[2][town] == 0), 0, form)
    written = np.where(form == 1, _draw(rng, alternates, town), _draw(rng, respelt, town))
    place = np.where(form == 0, english[town], np.where(form == 3, arabic[town], written))
    gov = np.where(is_ar[:, None], w.gov_names[1][w.town_gov[town]], w.gov_names[0][w.town_gov[town]])
    place = np.where(kind == 4, gov[np.arange(n), rng.integers(0, 3, n)], place)
    forms = {**PLACE_NAME["other"], "governorate": 0.0}
    where = {"latitude": lat, "longitude": lon, "geo_precision": precision, "place": place}
    kinds = {"location": _labels(LOCATION_NOISE, kind), "place_name": _labels(forms, np.where(kind == 4, 4, form))}
    return where, kinds


def _when(rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints, cols: dict[str, Any]) -> Part:
    n, t = len(truth), inc["t"][truth]
    kind = _pick(rng, TIME_NOISE, n)
    shift = np.clip(rng.normal(0, 5400, n), -21600, 21600).astype(np.int64)
    at = t + np.where(kind == 1, rng.choice([-86400, 86400], n) + shift // 4, shift)
    exact = (kind == 0) & (rng.random(n) < EXACT_SHARE)
    at = np.where(exact, at - at % 60, at - at % 3600)
    month = t.astype("datetime64[s]").astype("datetime64[M]").astype("datetime64[s]").astype(np.int64)
    at = np.select([kind <= 1, kind == 2], [at, t - t % 86400], month)
    precision = np.where(kind <= 1, np.where(exact, "exact", "hour"), np.where(kind == 2, "day", "month"))
    return {"occurred_at": at, "time_precision": precision.astype(object)}, {"time": _labels(TIME_NOISE, kind)}


def _who(rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints, cols: dict[str, Any]) -> Part:
    n, civilians = len(truth), len(w.actor_keys)
    perp, target = inc["perpetrator"][truth], inc["target"][truth]
    reporter_camp = np.full(n, "opposition")
    for r in REPORTERS:
        reporter_camp[cols["delegation"] == r.code] = r.camp
    camp = w.actor_camp
    enemy = np.where(
        reporter_camp == "government",
        rng.choice(np.flatnonzero(np.isin(camp, ENEMIES["government"])), n),
        rng.choice(np.flatnonzero(camp == "government"), n),
    )
    blame = (camp[perp] == reporter_camp) & (rng.random(n) < BLAME_OTHER)
    perp, target = (
        np.where(blame, np.where(target == civilians, enemy, target), perp),
        np.where(blame & (target != civilians), perp, target),
    )
    unknown = rng.random(n) < PERPETRATOR_UNKNOWN
    named = {
        "perpetrator": np.where(unknown, rng.choice(UNKNOWN_NAMES, n), _name(rng, w, perp, cols)),
        "target": _name(rng, w, target, cols),
    }
    named["target"][rng.random(n) < TARGET_MISSING] = None
    kinds = {"as_true": 1.0, "blamed_other": 1.0, "unknown": 1.0}
    return named, {"perpetrator": _labels(kinds, np.where(unknown, 2, blame.astype(np.int64)))}


def _name(rng: np.random.Generator, w: World, actor: Ints, cols: dict[str, Any]) -> Objects:
    """An actor's name: in the report's language for NAME_IN_LANGUAGE, else any of its names."""
    every, by_language = w.actor_names
    name = _draw(rng, every, actor)
    own = rng.random(len(actor)) < NAME_IN_LANGUAGE
    for language, names in by_language.items():
        mask = own & (cols["language"] == language)
        name[mask] = names[actor[mask]]
    return name


def _what(rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints, cols: dict[str, Any]) -> Part:
    n, true = len(truth), inc["violation_type"][truth]
    cumulative = np.array([[TYPE_CONFUSION[a].get(b, 0.0) for b in TYPES] for a in TYPES]).cumsum(axis=1)
    said = np.minimum((rng.random(n)[:, None] > cumulative[true]).sum(axis=1), len(TYPES) - 1)
    lists = [list(WEAPONS.get(t, ())) for t in TYPES]
    flat, offset, count = _flat(lists)
    kind = inc["violation_type"]
    main = offset[kind] + (rng.random(len(kind)) * count[kind]).astype(np.int64)  # each incident's weapon
    main = np.where(count[kind] > 0, main, -1)[truth]
    other = offset[said] + (rng.random(n) * count[said]).astype(np.int64)
    first = np.where((main >= 0) & (rng.random(n) < WEAPON_REPORTED), flat[np.maximum(main, 0)], "")
    has_second = (count[said] > 0) & (other != main) & (rng.random(n) < SECOND_WEAPON)
    second = np.where(has_second, flat[other % len(flat)], "")
    weapons = np.where(second == "", first, np.where(first == "", second, first + ";" + second))
    types = np.array(TYPES, dtype=object)
    kinds = {"as_true": 1.0, "confused": 1.0}
    what = {"violation_type": types[said], "weapons": weapons.astype(object)}
    return what, {"violation_type": _labels(kinds, (said != true).astype(np.int64))}


def _toll(rng: np.random.Generator, w: World, inc: dict[str, Any], truth: Ints, cols: dict[str, Any]) -> Part:
    n = len(truth)
    kind = _pick(rng, CASUALTY_NOISE, n)
    factor = np.select([kind == 1, kind == 2], [rng.uniform(0.7, 1.3, n), np.zeros(n)], 1.0)
    no_injured = rng.random(n) >= INJURED_REPORTED
    counts = {}
    for field in CASUALTY_FIELDS:
        missing = (kind == 3) | (no_injured & field.startswith("injured"))
        counts[field] = pd.arrays.IntegerArray(np.rint(inc[field][truth] * factor).astype(np.int64), missing)
    return counts, {"casualties": _labels(CASUALTY_NOISE, kind)}


def _sources(rng: np.random.Generator, delegation: Objects) -> Objects:
    second = SOURCES.astype(object)[rng.integers(0, len(SOURCES), len(delegation))]
    first = delegation + " field report"
    sources: Objects = np.where(second == "", first, first + ";" + second)
    return sources


def _narratives(rng: np.random.Generator, cols: dict[str, Any]) -> list[str]:
    """One sentence or two in the report's language, naming the place as written, weapon and toll."""
    killed = [cols[f].to_numpy("int64", na_value=-1) for f in CASUALTY_FIELDS[:3]]
    total = np.where(killed[0] >= 0, killed[0] + killed[1] + killed[2], -1)
    pick = rng.random(len(total))
    weapon_words = {
        lang: {wp: forms[i] for wp, forms in WEAPON_WORDS.items()} for i, lang in enumerate(("ar", "ru", "tr"))
    }
    weapon_words["en"] = {wp: wp for wp in WEAPON_WORDS}
    out = []
    rows = zip(
        cols["language"],
        pick,
        cols["violation_type"],
        cols["place"],
        cols["perpetrator"],
        cols["target"],
        cols["weapons"],
        total.tolist(),
        killed[0].tolist(),
        strict=True,
    )
    for lang, u, vtype, place, perp, target, weapons, k, c in rows:
        what, templates = WORDS[lang][vtype], TEMPLATES[lang]
        toll = TOLL[lang].format(k=k, c=c) if k > 0 else NO_DEATHS[lang] if k == 0 else ""
        text = templates[int(u * len(templates))].format(
            what=what,
            what_l=what.lower(),
            place=place,
            perp=perp or NOBODY[lang],
            target=target or NOBODY[lang],
            weapon=weapon_words[lang][weapons.split(";")[0]] if weapons else NO_WEAPON[lang],
            toll=toll,
        )
        out.append(text.strip())
    return out


def _frame(cols: dict[str, Any], seed: int) -> pd.DataFrame:
    n = len(cols["occurred_at"])
    frame = pd.DataFrame(
        {
            "ref": [f"F{seed}-{i:07d}" for i in range(n)],
            "delegation": cols["delegation"],
            "occurred_at": pd.to_datetime(cols["occurred_at"], unit="s", utc=True),
            **{c: cols[c] for c in ("time_precision", "latitude", "longitude", "geo_precision", "place")},
            **{c: cols[c] for c in ("violation_type", "perpetrator", "target", *CASUALTY_FIELDS, "weapons")},
            **{c: cols[c] for c in ("narrative", "language", "sources")},
            "tier": "shared",
        }
    )
    return frame


def summary(data: FusionData, seconds: float) -> dict[str, Any]:
    """The counts the command prints: reports, incidents, near-miss pairs, the share of each noise kind."""
    shares = {
        f"{aspect}.{kind}": round(float(share), 4)
        for aspect in data.noise.columns
        for kind, share in data.noise[aspect].value_counts(normalize=True, sort=False).items()
    }
    return {
        "reports": len(data.frame),
        "incidents": len(data.incidents),
        "near_miss_pairs": int((data.incidents["sibling_of"] >= 0).sum()),
        "no_coordinates": round(float(data.frame["latitude"].isna().mean()), 4),
        "span_days": int((data.incidents["occurred_at"].max() - data.incidents["occurred_at"].min()).days) + 1,
        "noise": shares,
        "seconds": round(seconds, 3),
    }


def write(data: FusionData, out: Path) -> None:
    """``out/reports.jsonl`` (one record a line) and ``out/truth.csv`` (ref, incident)."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "reports.jsonl").open("wb") as fh:
        fh.writelines(orjson.dumps(record) + b"\n" for record in data.records())
    pd.DataFrame({"ref": data.frame["ref"], "incident": data.truth}).to_csv(out / "truth.csv", index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, required=True, help="how many reports")
    parser.add_argument("--seed", type=int, default=2017, help="the same seed gives the same reports")
    parser.add_argument("--per-day", type=float, default=40.0, help="true incidents a day")
    parser.add_argument("--out", type=Path, help="write reports.jsonl and truth.csv here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    data = generate(args.reports, seed=args.seed, per_day=args.per_day)
    result = summary(data, time.perf_counter() - started)
    if args.out:
        started = time.perf_counter()
        write(data, args.out)
        result["write_seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
