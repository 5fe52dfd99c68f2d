"""An incident as its member reports tell it: the merged view and where the accounts disagree (pure).

The view is computed when read, from the members the reader may read (a restricted account never
shapes what a reader without access to it sees):

* time: the span of the members' times, and the *best* time, the median of the members given
  most precisely;
* place: the mean point of the members placed most precisely, with that precision;
* casualties as UCDP GED gives them: ``low`` the least total any account gives, ``high`` the
  most, ``best`` the median of the accounts that give one;
* every violation type, perpetrator and target alleged, each with the delegations alleging it;
* disagreements: each field on which the accounts differ, with what each delegation says
  (``killed``: RU says 3, TR says 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median
from typing import Any

from trucewatch.reports.taxonomy import GeoPrecision, TimePrecision

TIME_ORDER = tuple(str(p) for p in TimePrecision)
"""Time precisions, finest first (the taxonomy's order)."""
PLACE_ORDER = tuple(str(p) for p in GeoPrecision)
"""Place precisions, finest first (the taxonomy's order)."""
KILLED = ("killed_civilian", "killed_combatant", "killed_unknown")
INJURED = ("injured_civilian", "injured_combatant", "injured_unknown")
COMPARED = ("violation_type", "perpetrator", "target", "killed", "injured", "day", "place")


def merged_view(members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The merged view of reports described as ``reports.service.describe_report`` does."""
    if not members:
        return {"reports": 0}
    return {
        "reports": len(members),
        "delegations": sorted({m["delegation"] for m in members}),
        "time": _time(members),
        "location": merged_location(members),
        "killed": _range([_total(m, KILLED) for m in members]),
        "injured": _range([_total(m, INJURED) for m in members]),
        "violation_types": _alleged(members, "violation_type"),
        "perpetrators": _alleged(members, "perpetrator"),
        "targets": _alleged(members, "target"),
        "disagreements": disagreements(members),
    }


def disagreements(members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each compared field on which the accounts that give it differ, and what each delegation says."""
    out = []
    for field in COMPARED:
        says: dict[str, list[Any]] = defaultdict(list)
        for m in members:
            value = compared_value(m, field)
            if value is not None and value not in says[m["delegation"]]:
                says[m["delegation"]].append(value)
        distinct = {repr(v) for values in says.values() for v in values}
        if len(distinct) > 1:
            out.append({"field": field, "says": {d: v[0] if len(v) == 1 else v for d, v in sorted(says.items())}})
    return out


def compared_value(member: Mapping[str, Any], field: str) -> Any:
    """What a described report says of a compared field (its killed or injured total, its day, a folded name)."""
    if field == "killed":
        return _total(member, KILLED)
    if field == "injured":
        return _total(member, INJURED)
    if field == "day":
        return str(member["occurred_at"])[:10] if member["time_precision"] in TIME_ORDER[:3] else None
    value = member.get(field)
    return value.strip().casefold() if isinstance(value, str) and field in ("perpetrator", "target", "place") else value


def _total(member: Mapping[str, Any], fields: Sequence[str]) -> int | None:
    given = [member["casualties"][f] for f in fields if f in member["casualties"]]
    return sum(given) if given else None


def _range(totals: Sequence[int | None]) -> dict[str, Any]:
    given = [t for t in totals if t is not None]
    if not given:
        return {"low": None, "best": None, "high": None, "accounts": 0}
    return {"low": min(given), "best": round(median(given)), "high": max(given), "accounts": len(given)}


def _time(members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    finest = min(TIME_ORDER.index(m["time_precision"]) for m in members)
    best = sorted(
        datetime.fromisoformat(m["occurred_at"]) for m in members if TIME_ORDER.index(m["time_precision"]) == finest
    )
    times = sorted(m["occurred_at"] for m in members)
    return {
        "from": times[0],
        "to": times[-1],
        "best": _iso(best[(len(best) - 1) // 2]),
        "precision": TIME_ORDER[finest],
    }


def merged_location(members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    placed = [m for m in members if m.get("latitude") is not None]
    if not placed:
        return {"latitude": None, "longitude": None, "geo_precision": None, "governorates": []}
    finest = min(PLACE_ORDER.index(m["geo_precision"]) for m in placed)
    best = [m for m in placed if PLACE_ORDER.index(m["geo_precision"]) == finest]
    return {
        "latitude": round(sum(m["latitude"] for m in best) / len(best), 5),
        "longitude": round(sum(m["longitude"] for m in best) / len(best), 5),
        "geo_precision": PLACE_ORDER[finest],
        "governorates": sorted({m["governorate_pcode"] for m in members if m.get("governorate_pcode")}),
    }


def _alleged(members: Sequence[Mapping[str, Any]], field: str) -> list[dict[str, Any]]:
    """Each value given (as first written), with the delegations that give it, most given first."""
    by: dict[str, tuple[str, set[str]]] = {}
    for m in members:
        value = m.get(field)
        if value:
            key = str(value).strip().casefold()
            by.setdefault(key, (str(value), set()))[1].add(m["delegation"])
    ranked = sorted(by.values(), key=lambda v: (-len(v[1]), v[0]))
    return [{"value": value, "delegations": sorted(who)} for value, who in ranked]


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
