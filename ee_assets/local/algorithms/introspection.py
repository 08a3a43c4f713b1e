"""Small algorithms over any value: IsEqual, ObjectType, Describe; DateRange.unbounded; Collection.cache;
Element.replaceProperties; Filter.hasType / area; Projection.scale / translate / wkt;
FeatureCollection.makeArray; Dictionary.toImage."""

from __future__ import annotations

import math

import numpy as np
from affine import Affine

from ee_assets.local.algorithms.arrays import feature_to_array
from ee_assets.local.algorithms.coerce import as_collection, as_number, as_projection, as_string_list
from ee_assets.local.algorithms.filter import Filter, _binary, _field
from ee_assets.local.algorithms.geometry import area as geometry_area
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import Collection, Date, DateRange, Feature
from ee_assets.local.values.geometry import Geometry
from ee_assets.local.values.grid import parse_crs
from ee_assets.local.values.image import Image, constant_band
from ee_assets.local.values.jsonify import to_json
from ee_assets.local.values.projection import Projection


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


@algorithm("ObjectType", returns="String", value="Object")
def object_type_(value=None) -> str:
    return object_type(value)


@algorithm("IsEqual", returns="Boolean", left="Object", right="Object")
def is_equal(left=None, right=None) -> bool:
    """Deep equality of the two values as EE would print them."""
    return to_json(left) == to_json(right)


@algorithm("Describe", returns="Object", input="Object")
def describe(input):
    """The value itself: its description is its getInfo() form."""
    return input


@algorithm("DateRange.unbounded", returns="DateRange")
def unbounded() -> DateRange:
    return DateRange(-math.inf, math.inf)


@algorithm("Collection.cache", returns="FeatureCollection", collection="FeatureCollection")
def cache(collection) -> Collection:
    """The collection unchanged (every request evaluates its graph once here anyway)."""
    return as_collection(collection)


@algorithm("Element.replaceProperties", returns="Element", destination="Element", source="Element")
def replace_properties(destination, source=None):
    """The destination with the source's properties instead of its own (its id and geometry kept)."""
    if not isinstance(destination, (Feature, Image)):
        raise InvalidArgument("Element.replaceProperties: 'destination' must be a Feature or an Image.")
    new = {k: v for k, v in (getattr(source, "properties", None) or {}).items() if not k.startswith("system:")}
    keep = {k: v for k, v in destination.properties.items() if k.startswith("system:")}
    if isinstance(destination, Feature):
        return Feature(destination.geometry, {**keep, **new})
    return Image(destination.bands, {**keep, **new})


@algorithm("Filter.hasType", returns="Filter", leftField="String", rightValue="Object", rightField="String",
           leftValue="Object")
def has_type(leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
    """The left value's type (as ObjectType names it) is the right value."""
    return _binary("hasType", lambda a, b: object_type(a) == b, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.area", returns="Filter", min="Float", max="Float", maxError="ErrorMargin",
           geometrySelector="String")
def area_filter(min, max, maxError=None, geometrySelector=None) -> Filter:
    """Elements whose geometry's area (m², geodesic as Geometry.area) lies in [min, max]."""
    lo, hi = as_number(min, "min"), as_number(max, "max")

    def test(e) -> bool:
        geom = _field(e, geometrySelector or ".geo")
        if not isinstance(geom, Geometry):
            return False
        return lo <= geometry_area(geom) <= hi

    return Filter(test, f"area({lo}, {hi})")


@algorithm("Projection.scale", returns="Projection", projection="Projection", x="Float", y="Float")
def scale(projection, x, y) -> Projection:
    """Pixels `x` and `y` times as large along each axis."""
    p = as_projection(projection, "projection")
    return p.with_transform((p.affine @ Affine.scale(float(x), float(y)))[:6])


@algorithm("Projection.translate", returns="Projection", projection="Projection", x="Float", y="Float")
def translate(projection, x, y) -> Projection:
    """The grid shifted by (x, y) in the CRS's units (a reading: EE does not say which units)."""
    p = as_projection(projection, "projection")
    return p.with_transform((Affine.translation(float(x), float(y)) @ p.affine)[:6])


@algorithm("Projection.wkt", returns="String", projection="Projection")
def wkt(projection) -> str:
    return parse_crs(as_projection(projection, "projection").crs).to_wkt("WKT1_GDAL")


@algorithm("FeatureCollection.makeArray", returns="FeatureCollection", collection="FeatureCollection",
           properties="List<String>")  # (an arg type for `name` would clash with algorithm()'s own)
def make_array(collection, properties, name: str = "array") -> Collection:
    """Each feature with a 1-D array of the given properties in `name` (its other properties kept)."""
    names = as_string_list(properties, "properties")
    coll = as_collection(collection)
    return coll.derive([e.copy(**{name: feature_to_array(e, names)}) for e in coll.elements])


@algorithm("Dictionary.toImage", returns="Image<unknown bands>", dictionary="Dictionary<Object>",
           names="List<String>")
def dictionary_to_image(dictionary: dict, names=None) -> Image:
    """A constant image with one band per (numeric) value, named by its key (sorted keys by default)."""
    keys = as_string_list(names, "names") if names is not None else sorted(dictionary)
    bands = []
    for k in keys:
        if k not in dictionary:
            raise InvalidArgument(f"Dictionary.toImage: Dictionary does not contain key: '{k}'.")
        bands.append(constant_band(as_number(dictionary[k], k), k))
    return Image(bands, {})
