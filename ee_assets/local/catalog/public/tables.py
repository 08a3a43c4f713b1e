"""Features of a synthetic public table, for a region: geometries plus the documented property schema.

Polygons tile the dataset's bbox as irregular quadrilaterals on a lattice whose cell size follows the dataset's
level (countries 10°, states/provinces 4°, counties/districts 1°, watersheds by HUC level, blocks/buildings
0.01°): corners are jittered and edges bent the same way for both neighbours, so polygons meet without gaps or
overlaps, like administrative units. Point tables hold 0-2 points per 0.5° cell, line tables bent lattice edges.
Everything derives from lattice indices (a feature is the same whichever region asks for it), and one call returns
at most `MAX_FEATURES` features (the lattice is walked north to south, west to east).

Properties follow the schema: areas and lengths are computed from the geometry (Shape_Area in square degrees,
ALAND/AWATER in m², *sqkm/REP_AREA/GIS_AREA in km²), INTPTLAT/latitude-like columns from the centroid, names are
pronounceable made-up words, codes digits or letters, and a parent unit's columns (ADM0_* in a level-2 table,
STATEFP in counties) name the unit of the coarser lattice that contains the feature, so a level-2 unit's ADM0_NAME
is the name of the level-0 polygon around it. Every feature has `synthetic: True`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import shapely
from pyproj import Geod

from ee_assets.local.catalog.public.facts import DatasetFacts, PropertyFacts
from ee_assets.local.catalog.public.properties import unit_hash

MAX_FEATURES = 5000
GEOD = Geod(ellps="WGS84")
_JITTER, _BEND = 0.3, 0.08
_SYLLABLES = ("ka", "lo", "ma", "ri", "ne", "ta", "vo", "sa", "mi", "ku", "ze", "po", "la", "dri", "en", "or",
              "bel", "tan", "mon", "sar", "vel", "qua", "nor", "is", "ul", "ra", "to", "gu", "fe", "lin")

_LEVELS = (  # title/id words -> lattice cell in degrees
    (re.compile(r"level0|countr|lsib|international|nation|boundar(y|ies) polygons", re.I), 10.0),
    (re.compile(r"huc0?2\b", re.I), 6.0), (re.compile(r"huc0?4\b", re.I), 3.0), (re.compile(r"huc0?6\b", re.I), 2.0),
    (re.compile(r"huc0?8\b", re.I), 1.0), (re.compile(r"huc10\b", re.I), 0.5), (re.compile(r"huc12\b", re.I), 0.25),
    (re.compile(r"level1|states|province|ecoregion|biome|region", re.I), 4.0),
    (re.compile(r"level2|count(y|ies)|district|municipal", re.I), 1.0),
    (re.compile(r"block|tract|building|parcel|field|footprint", re.I), 0.01),
)
_PARENTS = (  # column prefixes -> the lattice of the unit they describe
    (re.compile(r"^(adm0|country|iso|parent_iso|wld_rgn|disp_area)", re.I), 10.0),
    (re.compile(r"^(adm1|state|region|division)", re.I), 4.0),
    (re.compile(r"^(adm2|county)", re.I), 1.0),
)


@dataclass(frozen=True)
class SyntheticFeature:
    id: str  # system:index
    geometry: shapely.Geometry  # lon/lat
    properties: dict


def cell_size(ds: DatasetFacts) -> float:
    """The lattice cell (degrees) of a table: its administrative level, 0.5° for points and lines, else 1°."""
    words = f"{ds.id} {ds.title}"
    for pattern, size in _LEVELS:
        if pattern.search(words):
            return size
    return 0.5 if ds.geometry in ("Point", "LineString") else 1.0


# -- the lattice ---------------------------------------------------------------------------------------
def _corner(i: int, j: int, size: float) -> tuple[float, float]:
    """The jittered lattice vertex (i, j) (lon index, lat index); vertices on the world's edges stay on them."""
    x, y = i * size, j * size
    if -180.0 < x < 180.0:
        x = min(180.0, max(-180.0, x + (unit_hash("vx", size, i, j) - 0.5) * 2 * _JITTER * size))
    if -90.0 < y < 90.0:
        y = min(90.0, max(-90.0, y + (unit_hash("vy", size, i, j) - 0.5) * 2 * _JITTER * size))
    return x, y


def _edge(a: tuple[int, int], b: tuple[int, int], size: float) -> list[tuple[float, float]]:
    """Points of the bent edge from vertex a towards vertex b, without b: both cells sharing the edge get the same
    points (computed from the lower vertex, then reversed when walking the other way)."""
    lo, hi = min(a, b), max(a, b)
    pa, pb = _corner(*lo, size), _corner(*hi, size)
    nx, ny = -(pb[1] - pa[1]), pb[0] - pa[0]
    norm = math.hypot(nx, ny) or 1.0
    inner = []
    for k, t in enumerate((1 / 3, 2 / 3)):
        bend = (unit_hash("bend", size, *lo, *hi, k) - 0.5) * 2 * _BEND * size
        x, y = pa[0] + (pb[0] - pa[0]) * t + bend * nx / norm, pa[1] + (pb[1] - pa[1]) * t + bend * ny / norm
        inner.append((min(180.0, max(-180.0, x)), min(90.0, max(-90.0, y))))
    if a != lo:
        inner.reverse()
    return [_corner(*a, size), *inner]


@lru_cache(maxsize=16384)  # about 10 MB of small polygons
def cell_polygon(i: int, j: int, size: float) -> shapely.Polygon:
    """The polygon of lattice cell (i, j): corners (i, j), (i+1, j), (i+1, j+1), (i, j+1)."""
    ring = (_edge((i, j), (i + 1, j), size) + _edge((i + 1, j), (i + 1, j + 1), size)
            + _edge((i + 1, j + 1), (i, j + 1), size) + _edge((i, j + 1), (i, j), size))
    return shapely.Polygon(ring)


def cell_containing(lon: float, lat: float, size: float) -> tuple[int, int]:
    """The lattice cell whose polygon contains the point (checking the 3 × 3 neighbourhood)."""
    i0, j0 = math.floor(lon / size), math.floor(lat / size)
    point = shapely.Point(lon, lat)
    for di in (0, -1, 1):
        for dj in (0, -1, 1):
            if cell_polygon(i0 + di, j0 + dj, size).covers(point):
                return i0 + di, j0 + dj
    return i0, j0


def _cells(bbox: tuple[float, float, float, float], size: float):
    west, south, east, north = bbox
    for j in range(math.ceil(north / size) - 1, math.floor(south / size) - 1, -1):
        for i in range(math.floor(west / size), math.ceil(east / size)):
            yield i, j


# -- values -----------------------------------------------------------------------------------------------
def pseudo_name(*key: object) -> str:
    n = 2 + int(unit_hash("len", *key) * 2)
    word = "".join(_SYLLABLES[int(unit_hash("syl", k, *key) * len(_SYLLABLES))] for k in range(n))
    return word.capitalize()


def _code(name: str, kind: str, *key: object) -> str:
    lower = name.lower()
    if any(w in lower for w in ("iso", "abbrev", "usps", "country_co", "stusps")) or lower.endswith("_co"):
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        n = 3 if "iso3" in lower or "iso" == lower or "parent_iso" in lower else 2
        return "".join(letters[int(unit_hash("code", k, name, *key) * 26)] for k in range(n))
    digits = 5 if lower in ("geoid", "gnis_id") else 2 if lower.endswith("fp") or lower.endswith("fp10") else 6
    return str(int(unit_hash("code", name, *key) * 10 ** digits)).zfill(digits)


_CODE_WORDS = re.compile(r"(code|fp$|fp10$|geoid|id\d*$|iso|abbrev|usps|_co$|huc|idnr|mtfcc|ns$|(block|tract)ce(10)?$|"
                         r"linearid)", re.I)
_NAME_WORDS = re.compile(r"(name|_na$|^country$|^fullname$|^desig|^owner$)", re.I)


def _geometry_measures(geom: shapely.Geometry) -> dict[str, float]:
    area, perimeter = GEOD.geometry_area_perimeter(geom)
    if geom.geom_type in ("LineString", "MultiLineString"):
        perimeter = GEOD.geometry_length(geom)
    return {"m2": abs(area), "m": perimeter, "deg2": geom.area, "deg": geom.length}


def _value(p: PropertyFacts, ds: DatasetFacts, key: tuple, geom: shapely.Geometry, measures: dict, size: float,
           centroid: tuple[float, float]):
    name, lower, kind = p.name, p.name.lower(), p.type.removesuffix("_LIST")
    if kind in ("GEOMETRY", "RECORD"):
        return None
    # The unit this column describes: a coarser parent, or the feature itself.
    unit_key: tuple = key
    for pattern, parent_size in _PARENTS:
        if pattern.match(lower) and parent_size > size:
            unit_key = (parent_size, *cell_containing(centroid[0], centroid[1], parent_size))
            break
    numeric = kind in ("INT", "DOUBLE")
    if lower in ("aland",) or lower.startswith("aland"):
        value = measures["m2"] * 0.97
    elif lower.startswith("awater"):
        value = measures["m2"] * 0.03
    elif lower in ("shape_area", "shape_ar"):
        value = measures["deg2"]
    elif lower in ("shape_leng", "shape_len", "shape_length"):
        value = measures["deg"]
    elif "sqkm" in lower or lower in ("gis_area", "rep_area", "area_km2", "areakm2"):
        value = measures["m2"] / 1e6
    elif "acre" in lower:
        value = measures["m2"] / 4046.8564224
    elif lower in ("area", "area_in_meters", "area_m2", "shape__area"):
        value = measures["m2"]
    elif lower in ("length", "length_m", "len"):
        value = measures["m"]
    elif lower in ("intptlat", "latitude", "lat", "y") or lower.startswith("intptlat"):
        value = f"{centroid[1]:+.7f}" if kind == "STRING" else centroid[1]
        return value
    elif lower in ("intptlon", "longitude", "lon", "long", "x") or lower.startswith("intptlon"):
        value = f"{centroid[0]:+.7f}" if kind == "STRING" else centroid[0]
        return value
    elif kind == "STRING" and _NAME_WORDS.search(lower) and not _CODE_WORDS.search(lower):
        return pseudo_name(lower, *unit_key)
    elif kind == "STRING" and _CODE_WORDS.search(lower):
        return _code(name, kind, *unit_key)
    elif numeric and re.search(r"(code|id\d*)$", lower):
        value = float(hash_int(lower, *unit_key) % 100_000)
    elif re.search(r"year|_yr$|yr$", lower):
        value = float(int(1950 + 70 * unit_hash(ds.id, name, *key)))
        if not numeric:
            return str(int(value))
    elif kind == "STRING":
        return pseudo_name(ds.id, name, *key) if "type" not in lower else "synthetic"
    else:
        m = re.search(r"\(\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)\s*\)", p.description or "")
        lo, hi = (float(m.group(1)), float(m.group(2))) if m else (0.0, 100.0)
        value = lo + (hi - lo) * unit_hash(ds.id, name, *key)
    if not numeric:
        return f"{value:.6g}"
    return int(round(value)) if kind == "INT" else float(value)


def hash_int(*parts: object) -> int:
    return int(unit_hash("int", *parts) * 2**52)


def _feature(ds: DatasetFacts, geom: shapely.Geometry, key: tuple, size: float) -> SyntheticFeature:
    c = geom.centroid if geom.geom_type != "Point" else geom
    centroid = (c.x, c.y)
    measures = _geometry_measures(geom)
    props: dict = {}
    for p in ds.properties:
        v = _value(p, ds, key, geom, measures, size, centroid)
        if v is not None:
            props[p.name] = [v] if p.type.endswith("_LIST") else v
    props["synthetic"] = True
    index = f"{hash_int(ds.id, *key) & 0xFFFFFFFFFFFFFFFFFFFF:020x}"
    return SyntheticFeature(index, geom, props)


def table_features(ds: DatasetFacts, region: shapely.Geometry | tuple | None = None,
                   limit: int = MAX_FEATURES) -> list[SyntheticFeature]:
    """The features of a table that meet `region` (lon/lat geometry or bbox; None: the whole dataset bbox), at most
    `limit` of them, north to south, west to east."""
    size = cell_size(ds)
    west, south, east, north = ds.bbox
    geom_region = shapely.box(*region) if isinstance(region, tuple | list) else region
    if geom_region is not None:
        rw, rs, re_, rn = geom_region.bounds
        west, south, east, north = max(west, rw - size), max(south, rs - size), min(east, re_ + size), min(north,
                                                                                                            rn + size)
    if west > east or south > north:
        return []
    bbox_poly = shapely.box(*ds.bbox)
    out: list[SyntheticFeature] = []
    for i, j in _cells((west, south, east, north), size):
        for key, geom in _geometries(ds, i, j, size):
            if not bbox_poly.covers(geom.centroid if geom.geom_type != "Point" else geom):
                continue
            if geom_region is not None and not geom.intersects(geom_region):
                continue
            out.append(_feature(ds, geom, key, size))
            if len(out) >= limit:
                return out
    return out


def _geometries(ds: DatasetFacts, i: int, j: int, size: float):
    if ds.geometry == "Point":
        n = int(unit_hash("points", ds.id, i, j) * 3)
        for k in range(n):
            x = (i + unit_hash("px", ds.id, i, j, k)) * size
            y = (j + unit_hash("py", ds.id, i, j, k)) * size
            yield (size, i, j, k), shapely.Point(x, y)
    elif ds.geometry == "LineString":
        yield (size, i, j, 0), shapely.LineString(_edge((i, j), (i + 1, j), size) + [_corner(i + 1, j, size)])
        if unit_hash("vertical", ds.id, i, j) < 0.5:
            yield (size, i, j, 1), shapely.LineString(_edge((i, j), (i, j + 1), size) + [_corner(i, j + 1, size)])
    else:
        yield (size, i, j), cell_polygon(i, j, size)
