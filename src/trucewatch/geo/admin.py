"""Syria's governorates and districts, shipped with the package (see data/CREDITS.md)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from trucewatch.geo.shapes import AdminAreas


@cache
def syria_admin_areas() -> AdminAreas:
    """The 14 governorates and 61 districts of OCHA's COD-AB, simplified."""
    data = files("trucewatch") / "data"
    governorates = json.loads((data / "admin1.geojson").read_text(encoding="utf-8"))
    districts = json.loads((data / "admin2.geojson").read_text(encoding="utf-8"))
    return AdminAreas(governorates, districts)
