"""Input schemas of zones of control and of the mechanism's own places."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import numpy as np
import shapely
from pydantic import Field, StringConstraints, field_validator, model_validator
from shapely.errors import GEOSException

from trucewatch.geo.gazetteer import Precision
from trucewatch.geo.shapes import SYRIA_BOX, outside_box_problem
from trucewatch.registry.schemas import Key
from trucewatch.validation import Strict

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ZoneIn(Strict):
    """A version of an area held by one or more actors, from ``valid_from``.

    Zones are known by name: a version replaces the zone's version before it, which ends the day
    this one starts. A version with no geometry (and no controllers) ends the zone.
    """

    name: Name
    geometry: dict[str, Any] | None
    """A GeoJSON Polygon or MultiPolygon (lon, lat); ``null`` ends the zone."""
    controllers: list[Key] = Field(default_factory=list)
    """Keys of the actors holding it."""
    valid_from: date
    valid_to: date | None = None

    @field_validator("geometry")
    @classmethod
    def _polygon(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return value
        if value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"must be a GeoJSON Polygon or MultiPolygon, not {value.get('type')!r}")
        try:
            shape = shapely.geometry.shape(value)
        except (GEOSException, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise ValueError(f"is not valid GeoJSON: {exc}") from None
        if shape.is_empty:
            raise ValueError("is empty")
        coords = shapely.get_coordinates(shape)
        if not np.isfinite(coords).all():
            raise ValueError("has coordinates that are not finite numbers")
        problem = outside_box_problem(coords, hint=" (GeoJSON writes [longitude, latitude])")
        if problem:
            raise ValueError(problem)
        if not shape.is_valid:
            raise ValueError(f"is not a valid polygon: {shapely.is_valid_reason(shape)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ZoneIn:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to: must be after valid_from")
        if self.geometry is not None and not self.controllers:
            raise ValueError("controllers: a zone needs at least one controlling actor")
        if self.geometry is None and (self.controllers or self.valid_to is not None):
            raise ValueError("geometry: a version that ends the zone has no geometry, controllers nor valid_to")
        return self


class PlaceIn(Strict):
    """A place the mechanism adds to the gazetteer: a hamlet, a checkpoint, a camp, a front-line hill."""

    key: Key
    name: Name
    """Name in English (Latin script)."""
    name_ar: Name | None = None
    names: list[Name] = Field(default_factory=list)
    """Other names and spellings, any script."""
    latitude: float
    longitude: float
    precision: Precision = Precision.TOWN
    source: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None

    @model_validator(mode="after")
    def _inside(self) -> PlaceIn:
        problem = outside_box_problem(np.array([[self.longitude, self.latitude]]))
        if problem:
            raise ValueError(f"latitude: {problem}")
        return self


__all__ = ["SYRIA_BOX", "PlaceIn", "ZoneIn"]
