"""How each delegation reports a real event: the disagreement a real mechanism sees (pure).

Every UCDP event is reported by one to five delegations. Each tells it its own
way: the other camp is blamed, civilian tolls rise or fall with the blame, the
time is given to the hour or shifted a day, the place is a point, a point
nearby or only the town, the words are in the delegation's language.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from trucewatch.demo.facts import UcdpEvent
from trucewatch.reports.taxonomy import UCDP_TO_GEO, UCDP_TO_TIME, GeoPrecision, TimePrecision

GOVERNMENT = frozenset({"Government of Syria", "Hezbollah"})
JIHADIST = frozenset({"IS", "HTS", "Jabhat Fateh al-Sham", "al-Qaida", "Liwa al-Aqsa"})
OTHERS = frozenset(
    {
        "SDF",
        "Government of Turkey",
        "Government of Iraq",
        "Government of Israel",
        "Government of United States of America",
        "Civilians",
    }
)


@dataclass(frozen=True)
class Reporter:
    code: str
    camp: str
    """``government`` or ``opposition``: whom it defends and whom it blames."""
    languages: tuple[tuple[str, float], ...]
    weight_involved: float
    weight_other: float


REPORTERS = (
    Reporter("RU", "government", (("ru", 0.6), ("en", 0.4)), 0.85, 0.6),
    Reporter("TR", "opposition", (("tr", 0.5), ("en", 0.5)), 0.85, 0.55),
    Reporter("IR", "government", (("en", 1.0),), 0.6, 0.4),
    Reporter("SY-GOV", "government", (("ar", 0.6), ("en", 0.4)), 0.9, 0.45),
    Reporter("SY-OPP", "opposition", (("ar", 0.5), ("en", 0.5)), 0.9, 0.4),
)

WEAPONS = {
    "shelling": ("artillery", "mortars", "multiple rocket launchers", "tank fire"),
    "air_strike": ("fixed-wing aircraft", "helicopter", "barrel bombs", "drone"),
    "armed_clash": ("small arms", "heavy machine guns", "anti-tank guided missiles"),
    "attack_on_civilians": ("small arms", "improvised explosive device", "sniper fire"),
    "abduction_detention": (),
}

WEAPON_NAMED, OTHER_WEAPON = 0.7, 0.2
"""How often an account names its event's weapon, and another one of the type."""

Namer = Callable[[str, random.Random], str]
"""Gives a name (an alias) for a UCDP side name, as some delegation would write it."""


def camp_of(side: str) -> str:
    names = {n.strip() for n in side.split(",")}
    if names & GOVERNMENT:
        return "government"
    if names <= JIHADIST:
        return "jihadist"
    if names & OTHERS:
        return "other"
    return "opposition"


def reporters_for(event: UcdpEvent, rng: random.Random) -> list[Reporter]:
    camps = {camp_of(event.side_a), camp_of(event.side_b)}
    chosen = [
        r
        for r in REPORTERS
        if rng.random() < (r.weight_involved if r.camp in camps or "jihadist" in camps else r.weight_other)
    ]
    return chosen or [REPORTERS[0]]


def account(event: UcdpEvent, reporter: Reporter, rng: random.Random, namer: Namer, ref: str) -> dict[str, Any]:
    """One delegation's report of ``event``, in the JSON form of a report."""
    perpetrator, target, blames_enemy = _blame(event, reporter)
    language = _pick(rng, reporter.languages)
    report: dict[str, Any] = {
        "ref": ref,
        "delegation": reporter.code,
        **_when(event, rng),
        **_where(event, rng),
        "violation_type": _violation(event, rng),
        "perpetrator": _name(perpetrator, rng, namer),
        "target": _name(target, rng, namer),
        "casualties": _casualties(event, rng, blames_enemy=blames_enemy),
        "weapons": _weapons(event, rng),
        "language": language,
        "sources": [f"UCDP GED event {event.ucdp_id}", f"{reporter.code} field report (demo)"],
        "tier": _pick(rng, (("shared", 0.85), ("restricted", 0.1), ("public", 0.05))),
    }
    report["narrative"] = narrative(report, language)
    return {k: v for k, v in report.items() if v not in (None, [], {})}


def correction(original: dict[str, Any], rng: random.Random, ref: str) -> dict[str, Any]:
    """A later correction: the toll revised after the first count."""
    casualties = dict(original.get("casualties") or {})
    casualties["killed_civilian"] = casualties.get("killed_civilian", 0) + rng.randint(1, 4)
    fixed = {**original, "ref": ref, "supersedes": original["ref"], "casualties": casualties}
    fixed["narrative"] = "Correction of " + original["ref"] + ": " + narrative(fixed, fixed.get("language", "en"))
    return fixed


def _blame(event: UcdpEvent, reporter: Reporter) -> tuple[str, str, bool]:
    """(perpetrator, target, whether the reporter blames its enemy) as UCDP side names."""
    if event.type_of_violence == 3:
        return event.side_a, "Civilians", camp_of(event.side_a) != reporter.camp
    a, b = camp_of(event.side_a), camp_of(event.side_b)
    if reporter.camp == a and b != a:
        return event.side_b, event.side_a, True
    if reporter.camp == b and a != b:
        return event.side_a, event.side_b, True
    return event.side_a, event.side_b, False


def _name(side: str, rng: random.Random, namer: Namer) -> str | None:
    if side == "Civilians":
        return "civilians"
    first = side.split(",")[0].strip()
    if rng.random() < 0.04:
        return rng.choice(("unidentified armed men", "unknown gunmen", "مسلحون مجهولون"))
    return namer(first, rng)


def _when(event: UcdpEvent, rng: random.Random) -> dict[str, Any]:
    precision = UCDP_TO_TIME[event.date_prec]
    day = event.day
    if precision is not TimePrecision.DAY:
        return {"occurred_at": day.isoformat(), "time_precision": str(precision)}
    if rng.random() < 0.07:
        shifted = day + timedelta(days=rng.choice((-1, 1)))
        day = shifted if shifted.month == day.month else day
    roll = rng.random()
    if roll < 0.6:
        return {"occurred_at": day.isoformat(), "time_precision": "day"}
    precision = TimePrecision.HOUR if roll < 0.9 else TimePrecision.EXACT
    at = datetime.combine(
        day, time(rng.randrange(24), 0 if precision is TimePrecision.HOUR else rng.randrange(60)), tzinfo=UTC
    )
    return {"occurred_at": at.isoformat().replace("+00:00", "Z"), "time_precision": str(precision)}


def _where(event: UcdpEvent, rng: random.Random) -> dict[str, Any]:
    precision = UCDP_TO_GEO[event.where_prec]
    place = event.place.removesuffix(" town").removesuffix(" village").strip() or None
    where: dict[str, Any] = {
        "latitude": event.latitude,
        "longitude": event.longitude,
        "geo_precision": str(precision),
        "place": place,
    }
    if precision is GeoPrecision.TOWN:
        roll = rng.random()
        if roll < 0.04:
            return {"geo_precision": "town", "place": place}
        if roll < 0.25:
            where |= _jitter(event, rng, km=3.0) | {"geo_precision": "near"}
    return where


def _jitter(event: UcdpEvent, rng: random.Random, *, km: float) -> dict[str, float]:
    distance, bearing = rng.uniform(0.3, km), rng.uniform(0, 2 * math.pi)
    dlat = distance / 111.32 * math.cos(bearing)
    dlon = distance / (111.32 * math.cos(math.radians(event.latitude))) * math.sin(bearing)
    return {"latitude": round(event.latitude + dlat, 5), "longitude": round(event.longitude + dlon, 5)}


def _violation(event: UcdpEvent, rng: random.Random) -> str:
    swap = {"shelling": "air_strike", "air_strike": "shelling"}
    if event.violation_type in swap and rng.random() < 0.1:
        return swap[event.violation_type]
    return event.violation_type


def _casualties(event: UcdpEvent, rng: random.Random, *, blames_enemy: bool) -> dict[str, int]:
    if rng.random() < 0.08:
        return {}
    low, high = (1.0, 1.6) if blames_enemy else (0.0, 0.6) if rng.random() < 0.5 else (0.8, 1.2)
    killed = {
        "killed_civilian": round(event.deaths_civilians * rng.uniform(low, high)),
        "killed_combatant": event.deaths_a + event.deaths_b,
        "killed_unknown": event.deaths_unknown,
    }
    if rng.random() < 0.4:
        killed["injured_civilian"] = round(killed["killed_civilian"] * rng.uniform(0.5, 2.5))
    return killed


def _weapons(event: UcdpEvent, rng: random.Random) -> list[str]:
    """The event's weapon (UCDP does not say: the demo gives each event one of its type's, by its id),
    named by most accounts; now and then another of the type besides."""
    options = WEAPONS.get(event.violation_type, ())
    if not options:
        return []
    named = {options[event.ucdp_id % len(options)]} if rng.random() < WEAPON_NAMED else set()
    if rng.random() < OTHER_WEAPON:
        named.add(rng.choice(options))
    return sorted(named)


def _pick(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


NARRATIVES = {
    "en": "{what} reported in {place}: {perpetrator} against {target}. {toll}",
    "ru": "{what}, {place}: {perpetrator} против {target}. {toll}",
    "ar": "{what} في {place}: {perpetrator} ضد {target}. {toll}",
    "tr": "{place} bölgesinde {what}: {perpetrator}, {target} hedef aldı. {toll}",
}
WHAT = {
    "en": {
        "shelling": "Shelling",
        "air_strike": "Air strike",
        "armed_clash": "Armed clash",
        "attack_on_civilians": "Attack on civilians",
        "abduction_detention": "Abduction",
    },
    "ru": {
        "shelling": "Обстрел",
        "air_strike": "Авиаудар",
        "armed_clash": "Боестолкновение",
        "attack_on_civilians": "Нападение на мирных жителей",
        "abduction_detention": "Похищение",
    },
    "ar": {
        "shelling": "قصف مدفعي",
        "air_strike": "غارة جوية",
        "armed_clash": "اشتباكات مسلحة",
        "attack_on_civilians": "هجوم على المدنيين",
        "abduction_detention": "اختطاف",
    },
    "tr": {
        "shelling": "topçu saldırısı",
        "air_strike": "hava saldırısı",
        "armed_clash": "silahlı çatışma",
        "attack_on_civilians": "sivillere saldırı",
        "abduction_detention": "kaçırma",
    },
}
TOLL = {
    "en": "{k} killed, {c} of them civilians.",
    "ru": "Погибли {k} человек, из них {c} мирных жителей.",
    "ar": "مقتل {k} أشخاص بينهم {c} مدنيين.",
    "tr": "{k} kişi öldü, {c} sivil.",
}


def narrative(report: dict[str, Any], language: str) -> str:
    casualties = report.get("casualties") or {}
    killed = sum(v for k, v in casualties.items() if k.startswith("killed"))
    toll = TOLL[language].format(k=killed, c=casualties.get("killed_civilian", 0)) if casualties else ""
    return (
        NARRATIVES[language]
        .format(
            what=WHAT[language][report["violation_type"]],
            place=report.get("place") or "?",
            perpetrator=report.get("perpetrator") or "?",
            target=report.get("target") or "?",
            toll=toll,
        )
        .strip()
    )
