"""Input schema of a zone of control."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import shapely
from pydantic import Field, StringConstraints, field_validator, model_validator
from shapely.errors import GEOSException

from trucewatch.registry.schemas import Key
from trucewatch.validation import Strict


class ZoneIn(Strict):
    """An area held by one or more actors over a period."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    geometry: dict[str, Any]
    """A GeoJSON Polygon or MultiPolygon (lon, lat)."""
    controllers: list[Key] = Field(min_length=1)
    """Keys of the actors holding it."""
    valid_from: date
    valid_to: date | None = None

    @field_validator("geometry")
    @classmethod
    def _polygon(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"must be a GeoJSON Polygon or MultiPolygon, not {value.get('type')!r}")
        try:
            shape = shapely.geometry.shape(value)
        except (GEOSException, ValueError, TypeError, IndexError, KeyError) as exc:
            raise ValueError(f"is not valid GeoJSON: {exc}") from None
        if not shape.is_valid:
            raise ValueError(f"is not a valid polygon: {shapely.is_valid_reason(shape)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ZoneIn:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to: is before valid_from")
        return self
