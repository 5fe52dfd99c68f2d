from trucewatch.reports.taxonomy import (
    GEO_TO_ACLED,
    GEO_TO_UCDP,
    TIME_TO_ACLED,
    TIME_TO_UCDP,
    UCDP_TO_GEO,
    UCDP_TO_TIME,
    VIOLATIONS,
    GeoPrecision,
    TimePrecision,
    ViolationType,
    violation_from_acled,
    violation_from_ucdp,
)

GEO_ORDER = list(GeoPrecision)
TIME_ORDER = list(TimePrecision)


def test_every_violation_type_has_a_meaning_and_an_acled_pair() -> None:
    assert set(VIOLATIONS) == set(ViolationType)
    assert all(meaning.acled for meaning in VIOLATIONS.values())


def test_acled_pairs_map_back_to_their_type() -> None:
    for vtype, meaning in VIOLATIONS.items():
        if vtype in (ViolationType.HUMANITARIAN_OBSTRUCTION, ViolationType.TROOP_MOVEMENT):
            continue  # ACLED has no own sub-event type for these: "Strategic developments / Other"
        assert violation_from_acled(*meaning.acled[0]) is vtype
    assert violation_from_acled("Protests", "Peaceful protest") is ViolationType.OTHER


def test_ucdp_types_of_violence_map_to_a_violation_type() -> None:
    assert violation_from_ucdp(3) is ViolationType.ATTACK_ON_CIVILIANS
    assert {violation_from_ucdp(1), violation_from_ucdp(2)} == {ViolationType.ARMED_CLASH}


def test_every_precision_maps_to_ucdp_and_acled() -> None:
    assert set(TIME_TO_UCDP) == set(TimePrecision) == set(TIME_TO_ACLED)
    assert set(GEO_TO_UCDP) == set(GeoPrecision) == set(GEO_TO_ACLED)
    assert set(UCDP_TO_TIME) == {1, 2, 3, 4, 5}
    assert set(UCDP_TO_GEO) == {1, 2, 3, 4, 5, 6, 7}


def test_a_round_trip_through_ucdp_never_claims_more_precision() -> None:
    for precision in GeoPrecision:
        back = UCDP_TO_GEO[GEO_TO_UCDP[precision]]
        assert GEO_ORDER.index(back) >= GEO_ORDER.index(precision) or back is GeoPrecision.TOWN
    for precision in TimePrecision:
        assert TIME_ORDER.index(UCDP_TO_TIME[TIME_TO_UCDP[precision]]) >= TIME_ORDER.index(precision) or (
            precision in (TimePrecision.EXACT, TimePrecision.HOUR)
        )
