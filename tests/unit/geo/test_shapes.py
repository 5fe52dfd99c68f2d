from trucewatch.geo.admin import syria_admin_areas


def test_ships_fourteen_governorates_and_sixty_one_districts() -> None:
    areas = syria_admin_areas()
    assert len(areas.governorates) == 14
    assert len(areas.districts) == 61


def test_locates_real_towns_in_their_governorate_and_district() -> None:
    towns = {  # (lon, lat): (governorate, district) from OCHA's populated places
        (37.140868, 36.2031147): ("SY02", "SY0200"),  # Aleppo
        (36.399142, 33.5698594): ("SY03", "SY0302"),  # Duma (Rural Damascus)
        (37.0012473, 35.3409605): ("SY05", "SY0501"),  # Duma (Hama)
        (36.6349095, 35.9319912): ("SY07", "SY0700"),  # Idleb
        (38.9962876, 35.9644702): ("SY11", "SY1101"),  # Ar-Raqqa
    }
    governorates, districts = syria_admin_areas().locate([p[0] for p in towns], [p[1] for p in towns])
    assert list(zip(governorates, districts, strict=True)) == list(towns.values())


def test_a_point_outside_syria_has_no_area() -> None:
    governorates, districts = syria_admin_areas().locate([2.35], [48.85])
    assert governorates[0] is None
    assert districts[0] is None


def test_locating_nothing_gives_nothing() -> None:
    governorates, districts = syria_admin_areas().locate([], [])
    assert len(governorates) == len(districts) == 0
