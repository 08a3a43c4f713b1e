"""Reading and writing element properties, element geometries, and the order EE sorts property values in."""

from __future__ import annotations

from typing import Any

import shapely

from ee_assets.local.algorithms.support.geometry_repair import snap_size, union_all
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Feature
from ee_assets.local.values.geometry import WGS84, Geometry
from ee_assets.local.values.image import Image


def element_properties(obj: Any, name: str = "object") -> dict:
    if isinstance(obj, (Feature, Image, Collection)):
        return obj.properties
    raise InvalidArgument(f"Invalid argument for '{name}': expected an Element, got {type(obj).__name__}.")


def with_properties(obj: Any, props: dict) -> Any:
    if isinstance(obj, Feature):
        return obj.copy(**props)
    if isinstance(obj, Image):
        return obj.with_bands(obj.bands, **props)
    return Collection(obj.elements, {**obj.properties, **props}, obj.kind)


def element_geometry(element) -> Geometry | None:
    if isinstance(element, Feature):
        return element.geometry
    if isinstance(element, Image):
        return element.footprint()
    if isinstance(element, Collection):
        return collection_geometry(element)
    return None


def collection_geometry(collection: Collection) -> Geometry:
    """The union of the elements' geometries in EPSG:4326 (an empty collection when none has one)."""
    geoms = [g.to_wgs84() for g in (element_geometry(e) for e in collection.elements) if g]
    return Geometry(union_all(geoms, snap_size(WGS84, None)) if geoms else shapely.GeometryCollection(),
                    WGS84)


def required_property(op: str, obj, property: str):
    props = getattr(obj, "properties", None)
    if not isinstance(props, dict):
        raise InvalidArgument(f"{op}: expected an Element, got {type(obj).__name__}.")
    if props.get(property) is None:
        raise InvalidArgument(f"{op}: Property '{property}' is missing or null.")
    return props[property]


def sort_key(value) -> tuple:
    """Numbers before strings, each in natural order (EE sorts comparable values); shared by the collection sorts."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return (0, float(value), "")
    if isinstance(value, str):
        return (1, 0.0, value)
    raise InvalidArgument(f"List.sort: cannot sort values of type {type(value).__name__}.")


def sorted_by_property(elements: list, key: str, ascending: bool = True) -> list:
    """The elements with a non-null `key` sorted by it (numbers before strings), then those without it."""
    present = [e for e in elements if e.properties.get(key) is not None]
    missing = [e for e in elements if e.properties.get(key) is None]
    present.sort(key=lambda e: sort_key(e.properties[key]), reverse=not ascending)
    return present + missing
