"""Coercions from graph values to the types algorithms work on, with EE-style errors."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ee_assets.local.algorithms.support.date_strings import parse_iso_date
from ee_assets.local.algorithms.support.elements import collection_geometry
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, Collection, Date, DateRange, Feature
from ee_assets.local.values.filter import Filter
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.image import Image, constant_band
from ee_assets.local.values.pixel_type import CAST_NAMES, PixelType
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
        d = parse_iso_date(value, tzinfo_of(time_zone))
        if d is None:
            raise InvalidArgument(f"Unable to parse date '{value}' ({name}); use ISO 8601 like 2020-04-01, "
                                  "2020-4-1, 2020 or 2020-04-01T08:00:00.")
        return (d - EPOCH).total_seconds() * 1000.0
    raise InvalidArgument(f"Invalid argument for '{name}': expected a Date, got {_kind(value)}.")


def tzinfo_of(name: str | None) -> dt.tzinfo:
    if not name or name.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
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


def as_array(value, name: str = "array") -> np.ndarray:
    """An ndarray from an Array, a (nested) list of numbers or a number."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, bool) or value is None:
        raise InvalidArgument(f"Invalid argument for '{name}': expected an Array, got {type(value).__name__}.")
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise InvalidArgument(f"Invalid argument for '{name}': array rows must all have the same length.") from e
    if arr.dtype.kind not in "iuf" or arr.dtype == object:
        raise InvalidArgument(f"Invalid argument for '{name}': an Array holds numbers only.")
    return arr


def stack_arrays(values: list, axis: int, op: str) -> np.ndarray:
    """The values as arrays stacked along `axis` (a 1-element zero array when there are none)."""
    arrays = [as_array(v, op) for v in values]
    try:
        return np.stack(arrays, axis=int(axis)) if arrays else np.zeros((0,))
    except ValueError as e:
        raise InvalidArgument(f"{op}: the values must all have the same shape ({e}).") from e


def as_date(value) -> Date:
    return value if isinstance(value, Date) else Date(as_millis(value))


def to_datetime(value, tz: str | None):
    return as_date(value).datetime.astimezone(tzinfo_of(tz))


def as_pixel_type(value, name: str) -> PixelType:
    if isinstance(value, PixelType):
        return value
    if isinstance(value, str) and value in CAST_NAMES:
        return PixelType.of(CAST_NAMES[value])
    valid = ", ".join(sorted(n for n in CAST_NAMES if not n.startswith("to")))
    raise InvalidArgument(f"Invalid argument for '{name}': expected a PixelType or one of {valid}; got {value!r}.")


def object_type(value) -> str:
    """EE's type name for a value (what ee.Algorithms.ObjectType reports)."""
    if value is None:
        return "Null"  # reading: EE's name for null is not documented
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, (list, tuple)):
        return "List"
    if isinstance(value, dict):
        return "Dictionary"
    if isinstance(value, np.ndarray):
        return "Array"
    if isinstance(value, Collection):
        return value.kind
    names = {Image: "Image", Feature: "Feature", Geometry: "Geometry", Date: "Date", DateRange: "DateRange",
             Filter: "Filter", Projection: "Projection"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    return type(value).__name__


def as_matrix(value, op: str, square: bool = False) -> np.ndarray:
    """A 2-D float64 array (square if asked), else an error naming `op`."""
    arr = as_array(value).astype("float64")
    if arr.ndim != 2 or (square and arr.shape[0] != arr.shape[1]):
        raise InvalidArgument(f"{op}: expected a {'square ' if square else ''}2-D array, got shape "
                              f"{list(arr.shape)}.")
    return arr
