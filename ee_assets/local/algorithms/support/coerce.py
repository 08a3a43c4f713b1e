"""Coercions from graph values to the types algorithms work on, with EE-style errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, Collection, Date, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image, constant_band
from ee_assets.local.values.projection import Projection


def as_image(value: Any, name: str = "image") -> Image:
    if isinstance(value, Image):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Image([constant_band(value)])
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return Image([constant_band(v, "constant" if i == 0 else f"constant_{i}") for i, v in enumerate(value)])
    raise InvalidArgument(f"Invalid argument for '{name}': expected an Image, got {_kind(value)}.")


def as_collection(value: Any, name: str = "collection") -> Collection:
    if isinstance(value, Collection):
        return value
    raise InvalidArgument(f"Invalid argument for '{name}': expected a collection, got {_kind(value)}.")


def as_geometry(value: Any, name: str = "geometry") -> Geometry:
    if isinstance(value, Geometry):
        return value
    if isinstance(value, Feature):
        if value.geometry is None:
            raise InvalidArgument(f"Invalid argument for '{name}': the feature has no geometry.")
        return value.geometry
    if isinstance(value, Collection):
        from ee_assets.local.algorithms.collection import collection_geometry

        return collection_geometry(value)
    if isinstance(value, Image):
        fp = value.footprint()
        if fp is None:
            raise InvalidArgument(f"Invalid argument for '{name}': the image is unbounded.")
        return fp
    if isinstance(value, dict) and "type" in value and "coordinates" in value:
        return Geometry.from_geojson(value, geodesic=bool(value.get("geodesic", False)))
    raise InvalidArgument(f"Invalid argument for '{name}': expected a Geometry, got {_kind(value)}.")


def as_projection(value: Any, name: str = "crs") -> Projection:
    if isinstance(value, Projection):
        return value
    if isinstance(value, str):
        return Projection(value)
    if isinstance(value, Image):
        return value.projection()
    raise InvalidArgument(f"Invalid argument for '{name}': expected a Projection, got {_kind(value)}.")


def as_millis(value: Any, name: str = "date", time_zone: str | None = None) -> float:
    """Milliseconds since the epoch from a Date, a number or an ISO string (UTC unless `time_zone`)."""
    if isinstance(value, Date):
        return value.millis
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            d = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as e:
            raise InvalidArgument(f"Unable to parse date '{value}' ({name}); use ISO 8601 like 2020-04-01.") from e
        if d.tzinfo is None:
            d = d.replace(tzinfo=_zone(time_zone))
        return (d - EPOCH).total_seconds() * 1000.0
    raise InvalidArgument(f"Invalid argument for '{name}': expected a Date, got {_kind(value)}.")


def _zone(name: str | None) -> dt.tzinfo:
    if not name or name.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception as e:  # zoneinfo raises several types
        raise InvalidArgument(f"Unknown time zone '{name}'.") from e


def as_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(f"Invalid argument for '{name}': expected a number, got {_kind(value)}.")
    return value


def as_string_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidArgument(f"Invalid argument for '{name}': expected a list of strings, got {_kind(value)}.")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Collection):
        return value.kind
    return type(value).__name__
