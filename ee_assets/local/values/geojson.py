"""GeoJSON geometry objects of many shapely geometries at once, from their coordinate arrays.

The answer of a reduceRegions over detailed polygons is mostly coordinates (50 regions of 2,000 vertices are
100,000 positions). Building them with `shapely.geometry.mapping` and converting its tuples to lists walks every
position in Python; here the coordinates of all geometries come out of shapely as one array, are checked to be finite
once, become Python floats in one `tolist()` call, and are sliced into rings, lines and parts by their offsets.

The result is the JSON of `mapping(g)` (same keys in the same order, same floats), which is what the per-geometry
path gave before. Rings, lines and parts are lists; a position is a tuple, as `mapping` has it: JSON writes it
as the same array, and the garbage collector stops tracking a tuple of floats, where 100,000 two-element lists
would each stay tracked and make the collector walk the whole heap again and again (it cost more than the
encoding itself in a server process). Geometries with Z or M values, geometry collections and multi-geometries with
empty parts keep that per-geometry path (shapely writes them in ways of their own, e.g. an empty polygon inside a
multipolygon as `[[]]`); they are rare, and the answer stays the same either way.

For a response body (`coordinates_as_json`), even the positions are skipped: orjson writes each ring or line
straight from its slice of the coordinate array, and the response encoder embeds that text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import mapping

from ee_assets.local.errors import InvalidArgument

_T = shapely.GeometryType
_SINGLE = (_T.POINT, _T.LINESTRING, _T.LINEARRING, _T.POLYGON)
_MULTI = (_T.MULTIPOINT, _T.MULTILINESTRING, _T.MULTIPOLYGON)
_NAMES = {_T.POINT: "Point", _T.LINESTRING: "LineString", _T.LINEARRING: "LinearRing", _T.POLYGON: "Polygon",
          _T.MULTIPOINT: "MultiPoint", _T.MULTILINESTRING: "MultiLineString", _T.MULTIPOLYGON: "MultiPolygon"}
_POLYGONAL = (_T.POLYGON, _T.MULTIPOLYGON)

NON_FINITE = ("a geometry has a non-finite coordinate (NaN or infinity), which GeoJSON cannot hold; this happens "
              "when a geometry is reprojected outside the area its projection covers. Drop or clip such geometries "
              "(e.g. Feature.intersection with the projection's area) before asking for them.")


_AS_JSON: ContextVar[bool] = ContextVar("geojson_coordinates_as_json", default=False)


class CoordinatesJSON:
    """The "coordinates" of a GeoJSON geometry already written as JSON text, for the response encoder
    (encoding/json_body.py embeds it as it is); made only inside `coordinates_as_json()`."""

    __slots__ = ("text",)

    def __init__(self, text: bytes):
        self.text = text

    def value(self) -> Any:
        return json.loads(self.text)


@contextmanager
def coordinates_as_json() -> Iterator[None]:
    """While the block runs, geometries give their coordinates as CoordinatesJSON rather than lists: for a value
    that goes straight into a response body (the protocol's answers), not for one that is computed with."""
    token = _AS_JSON.set(True)
    try:
        yield
    finally:
        _AS_JSON.reset(token)


def geojson_geometries(geoms: Sequence[shapely.Geometry]) -> list[dict[str, Any]]:
    """The GeoJSON geometry object of each geometry (as `mapping`, with lists): {"type", "coordinates"}, or
    {"type", "geometries"} for a collection. Raises InvalidArgument for a non-finite coordinate."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    out: list[dict[str, Any] | None] = [None] * len(arr)
    if not len(arr):
        return []
    kind = shapely.get_type_id(arr)
    simple = np.isin(kind, _SINGLE + _MULTI) & ~shapely.has_z(arr) & ~_has_m(arr)
    empty = shapely.is_empty(arr)
    for i in np.flatnonzero(simple & empty):
        out[i] = {"type": _NAMES[kind[i]], "coordinates": []}
    fast = simple & ~empty
    multi = fast & np.isin(kind, _MULTI)
    if multi.any():  # a multi-geometry with an empty part is written shapely's own way (see the module doc)
        parts, owner = shapely.get_parts(arr[multi], return_index=True)
        fast[np.flatnonzero(multi)[np.unique(owner[shapely.is_empty(parts)])]] = False
    if fast.any():
        for i, gj in zip(np.flatnonzero(fast), _coordinates_of(arr[fast], kind[fast]), strict=True):
            out[i] = gj
    for i in np.flatnonzero(~(fast | (simple & empty))):
        out[i] = _one_by_one(arr[i])
    return out  # type: ignore[return-value]


def geojson_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """The GeoJSON geometry object of one geometry (see geojson_geometries)."""
    return geojson_geometries([geom])[0]


def _has_m(arr: np.ndarray) -> np.ndarray:
    has_m = getattr(shapely, "has_m", None)  # shapely >= 2.1; M values come out of `mapping` as a third number
    return has_m(arr) if has_m is not None else np.zeros(len(arr), bool)


def _coordinates_of(geoms: np.ndarray, kind: np.ndarray) -> list[dict[str, Any]]:
    """GeoJSON of non-empty 2-D (multi-)points, lines, rings and polygons without empty parts."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)  # a single geometry is its own part
    polygonal_part = np.isin(kind, _POLYGONAL)[part_owner]
    # The coordinate sequences in order: a polygon's rings (exterior first), or the part itself.
    leaves = np.empty(0, dtype=object)
    leaf_part = np.empty(0, np.int64)
    if polygonal_part.all():
        leaves, leaf_part = shapely.get_rings(parts, return_index=True)
    elif not polygonal_part.any():
        leaves, leaf_part = parts, np.arange(len(parts))
    else:
        rings, ring_part = shapely.get_rings(parts[polygonal_part], return_index=True)
        ring_part = np.flatnonzero(polygonal_part)[ring_part]
        others = np.flatnonzero(~polygonal_part)
        order = np.argsort(np.concatenate([ring_part, others]), kind="stable")
        leaves = np.concatenate([rings, parts[others]])[order]
        leaf_part = np.concatenate([ring_part, others])[order]
    xy = shapely.get_coordinates(leaves)
    if not np.isfinite(xy).all():
        raise InvalidArgument(f"Cannot write GeoJSON: {NON_FINITE}")
    ends = np.cumsum(shapely.get_num_coordinates(leaves)).tolist()
    spans = zip([0, *ends[:-1]], ends, strict=True)
    if _AS_JSON.get():  # each coordinate sequence written by orjson straight from the array
        leaf_items = [orjson.dumps(xy[a:b], option=orjson.OPT_SERIALIZE_NUMPY) for a, b in spans]

        def array(items):
            return b"[" + b",".join(items) + b"]"

        def position(leaf):  # the one position of a point's sequence
            return leaf[1:-1]

        wrap = CoordinatesJSON
    else:
        positions = list(zip(*xy.T.tolist(), strict=True))  # tuples: see the module doc
        leaf_items = [positions[a:b] for a, b in spans]
        array, wrap = list, None

        def position(leaf):
            return leaf[0]
    # Group sequences into parts, parts into geometries.
    part_leaves: list[list] = [[] for _ in range(len(parts))]
    for part, item in zip(leaf_part.tolist(), leaf_items, strict=True):
        part_leaves[part].append(item)
    geom_parts: list[list] = [[] for _ in range(len(geoms))]
    for owner, coords in zip(part_owner.tolist(), part_leaves, strict=True):
        geom_parts[owner].append(coords)
    out = []
    for k, found in zip(kind.tolist(), geom_parts, strict=True):
        if k == _T.POINT:
            coordinates = position(found[0][0])
        elif k in (_T.LINESTRING, _T.LINEARRING):
            coordinates = found[0][0]
        elif k == _T.POLYGON:
            coordinates = array(found[0])
        elif k == _T.MULTIPOINT:
            coordinates = array([position(p[0]) for p in found])
        elif k == _T.MULTILINESTRING:
            coordinates = array([p[0] for p in found])
        else:  # MultiPolygon
            coordinates = array([array(p) for p in found])
        out.append({"type": _NAMES[k], "coordinates": coordinates if wrap is None else wrap(coordinates)})
    return out


def _one_by_one(geom: shapely.Geometry) -> dict[str, Any]:
    """`mapping` with lists, for the geometries the array path leaves out; checked to be finite."""
    gj = plain_lists(mapping(geom))
    if not _finite(gj.get("coordinates", gj.get("geometries"))):
        raise InvalidArgument(f"Cannot write GeoJSON: {NON_FINITE}")
    return gj


def plain_lists(obj: Any) -> Any:
    """GeoJSON-like data with lists for tuples (as JSON has them)."""
    if isinstance(obj, dict):
        return {k: plain_lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_lists(v) for v in obj]
    return obj


def _finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    return True
