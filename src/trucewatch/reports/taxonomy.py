"""The violation taxonomy and the precision codes, written down once (pure).

Each violation type maps to ACLED's ``event_type``/``sub_event_type`` and, where
one exists, to UCDP GED's ``type_of_violence`` (1 state-based, 2 non-state,
3 one-sided violence against civilians). Time and place precision map to and
from UCDP GED's ``date_prec`` and ``where_prec`` codes (GED codebook 19.1) and
ACLED's ``time_precision`` and ``geo_precision``. docs/data-model.md is
rendered from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray


class ViolationType(StrEnum):
    SHELLING = "shelling"
    AIR_STRIKE = "air_strike"
    ARMED_CLASH = "armed_clash"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    ABDUCTION_DETENTION = "abduction_detention"
    HUMANITARIAN_OBSTRUCTION = "humanitarian_obstruction"
    TROOP_MOVEMENT = "troop_movement"
    OTHER = "other"


@dataclass(frozen=True)
class ViolationMeaning:
    label: str
    acled: tuple[tuple[str, str], ...]
    """ACLED (event_type, sub_event_type) pairs; the first is used for export."""
    ucdp: tuple[int, ...]
    """UCDP GED type_of_violence codes it can fall under; empty when UCDP has none
    (GED records only events with at least one death)."""


VIOLATIONS: dict[ViolationType, ViolationMeaning] = {
    ViolationType.SHELLING: ViolationMeaning(
        "Shelling, artillery or missile attack",
        (("Explosions/Remote violence", "Shelling/artillery/missile attack"),),
        (1, 2),
    ),
    ViolationType.AIR_STRIKE: ViolationMeaning(
        "Air or drone strike", (("Explosions/Remote violence", "Air/drone strike"),), (1,)
    ),
    ViolationType.ARMED_CLASH: ViolationMeaning("Armed clash", (("Battles", "Armed clash"),), (1, 2)),
    ViolationType.ATTACK_ON_CIVILIANS: ViolationMeaning(
        "Attack on civilians", (("Violence against civilians", "Attack"),), (3,)
    ),
    ViolationType.ABDUCTION_DETENTION: ViolationMeaning(
        "Abduction or detention",
        (("Violence against civilians", "Abduction/forced disappearance"), ("Strategic developments", "Arrests")),
        (),
    ),
    ViolationType.HUMANITARIAN_OBSTRUCTION: ViolationMeaning(
        "Obstruction of humanitarian access", (("Strategic developments", "Other"),), ()
    ),
    ViolationType.TROOP_MOVEMENT: ViolationMeaning(
        "Troop movement or build-up", (("Strategic developments", "Other"),), ()
    ),
    ViolationType.OTHER: ViolationMeaning("Other", (("Strategic developments", "Other"),), ()),
}


def violation_from_acled(event_type: str, sub_event_type: str) -> ViolationType:
    """The violation type an ACLED event falls under (``other`` when none or several fit)."""
    pair = (event_type.strip(), sub_event_type.strip())
    matches = [vtype for vtype, meaning in VIOLATIONS.items() if pair in meaning.acled]
    return matches[0] if len(matches) == 1 else ViolationType.OTHER


def violation_from_ucdp(type_of_violence: int) -> ViolationType:
    """The coarse violation type of a UCDP event when nothing more is known."""
    if type_of_violence == 3:
        return ViolationType.ATTACK_ON_CIVILIANS
    if type_of_violence in (1, 2):
        return ViolationType.ARMED_CLASH
    raise ValueError(f"UCDP type_of_violence must be 1, 2 or 3, not {type_of_violence}")


class TimePrecision(StrEnum):
    EXACT = "exact"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GeoPrecision(StrEnum):
    EXACT = "exact"
    NEAR = "near"
    """Within 5 km of the point given."""
    TOWN = "town"
    DISTRICT = "district"
    GOVERNORATE = "governorate"
    COUNTRY = "country"


TIME_TO_UCDP: dict[TimePrecision, int] = {
    TimePrecision.EXACT: 1,
    TimePrecision.HOUR: 1,
    TimePrecision.DAY: 1,
    TimePrecision.WEEK: 3,
    TimePrecision.MONTH: 4,
}
"""UCDP date_prec: 1 exact day, 2 within 2-6 days, 3 week, 4 within 8-30 days or month, 5 more than a month."""

UCDP_TO_TIME: dict[int, TimePrecision] = {
    1: TimePrecision.DAY,
    2: TimePrecision.WEEK,
    3: TimePrecision.WEEK,
    4: TimePrecision.MONTH,
    5: TimePrecision.MONTH,
}
"""UCDP's 5 (known to more than a month) has no finer match than ``month``, the coarsest we keep."""

GEO_TO_UCDP: dict[GeoPrecision, int] = {
    GeoPrecision.EXACT: 1,
    GeoPrecision.NEAR: 2,
    GeoPrecision.TOWN: 1,
    GeoPrecision.DISTRICT: 3,
    GeoPrecision.GOVERNORATE: 4,
    GeoPrecision.COUNTRY: 6,
}
"""UCDP where_prec: 1 exact place, 2 within 25 km of a known place, 3 second-order
administrative division, 4 first-order division, 5 a linear feature (road, river)
or an area bigger than a district, 6 country, 7 international waters or airspace."""

UCDP_TO_GEO: dict[int, GeoPrecision] = {
    1: GeoPrecision.TOWN,
    2: GeoPrecision.DISTRICT,
    3: GeoPrecision.DISTRICT,
    4: GeoPrecision.GOVERNORATE,
    5: GeoPrecision.GOVERNORATE,
    6: GeoPrecision.COUNTRY,
    7: GeoPrecision.COUNTRY,
}
"""UCDP's 1 is the coordinates of a named place (a town or village), hence ``town``;
its 2 (within 25 km) is wider than our ``near`` (5 km): a district is the honest match.
Mapping to UCDP and back is therefore not always the identity: it never claims more
precision than the source gave."""

TIME_TO_ACLED: dict[TimePrecision, int] = {
    TimePrecision.EXACT: 1,
    TimePrecision.HOUR: 1,
    TimePrecision.DAY: 1,
    TimePrecision.WEEK: 2,
    TimePrecision.MONTH: 3,
}
GEO_TO_ACLED: dict[GeoPrecision, int] = {
    GeoPrecision.EXACT: 1,
    GeoPrecision.TOWN: 1,
    GeoPrecision.NEAR: 2,
    GeoPrecision.DISTRICT: 3,
    GeoPrecision.GOVERNORATE: 3,
    GeoPrecision.COUNTRY: 3,
}


CONFUSABLE: frozenset[frozenset[ViolationType]] = frozenset(
    frozenset(pair)
    for pair in (
        (ViolationType.SHELLING, ViolationType.AIR_STRIKE),  # a blast heard, its source not seen
        (ViolationType.SHELLING, ViolationType.ARMED_CLASH),  # artillery in support of fighting
        (ViolationType.SHELLING, ViolationType.ATTACK_ON_CIVILIANS),  # shelling of a residential quarter
        (ViolationType.AIR_STRIKE, ViolationType.ATTACK_ON_CIVILIANS),  # a strike on a market
        (ViolationType.ARMED_CLASH, ViolationType.ATTACK_ON_CIVILIANS),  # fighting in a village
        (ViolationType.ARMED_CLASH, ViolationType.TROOP_MOVEMENT),  # an advance met with fire
        (ViolationType.ATTACK_ON_CIVILIANS, ViolationType.ABDUCTION_DETENTION),  # a raid with arrests
        (ViolationType.TROOP_MOVEMENT, ViolationType.HUMANITARIAN_OBSTRUCTION),  # a road closed by troops
        (ViolationType.OTHER, ViolationType.TROOP_MOVEMENT),
        (ViolationType.OTHER, ViolationType.HUMANITARIAN_OBSTRUCTION),
        (ViolationType.OTHER, ViolationType.ABDUCTION_DETENTION),
    )
)
"""Pairs of types that two accounts of one event may give: fusion joins reports of the same or
of confusable types, never an incident whose types are not all pairwise confusable."""


def confusable_matrix(types: tuple[str, ...]) -> NDArray[np.bool_]:
    """``out[a, b]``: types ``types[a]`` and ``types[b]`` may describe one event."""
    out = np.eye(len(types), dtype=bool)
    for a, first in enumerate(types):
        for b, second in enumerate(types):
            out[a, b] |= frozenset({ViolationType(first), ViolationType(second)}) in CONFUSABLE
    return out
