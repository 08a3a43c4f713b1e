"""Facts the public catalog does not state, inferred from those it does: pixel types, native CRS, table geometry.

The catalog has no field for a band's pixel type. The rule (applied in this order):

1. class values: the smallest integer type that holds them all;
2. a bitmask: the smallest unsigned type with `total_bit_count` bits;
3. an integral range wider than 1 (min..max): the smallest integer type that covers it (an unsigned one when
   min >= 0), e.g. Landsat SR 1..65455 -> uint16, MODIS NDVI -2000..10000 -> int16, SRTM -10..6500 -> int16;
   except an *estimated* range (a statistic of the data, `gee:estimated_range`) of an unscaled band in dB or of a
   dataset whose other estimated ranges are fractional (ERA5 surface pressure 65639..102595 -> float32);
4. a scale or offset with no range (values are stored as integers and scaled): uint16, or int16 when the display
   range goes below zero (Sentinel-2 reflectance, scale 1e-4, display 0..3000 -> uint16);
5. no range, no scale, a display range of exactly 0..255 (8-bit imagery such as NAIP): uint8;
6. anything else: float32.
"""

from __future__ import annotations

import datetime as dt
import math
import re

INT_TYPES = (  # smallest first; an unsigned type before the signed one of the same size
    ("uint8", 0, 255), ("int8", -128, 127), ("uint16", 0, 65535), ("int16", -32768, 32767),
    ("uint32", 0, 4294967295), ("int32", -2147483648, 2147483647),
)


def smallest_int_type(lo: float, hi: float) -> str:
    """The smallest integer type holding [lo, hi]; float64 beyond 32 bits."""
    for name, tmin, tmax in INT_TYPES:
        if tmin <= lo and hi <= tmax:
            return name
    return "float64"


def _integral(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer()


def pixel_type(classes: list | None, bitmask: dict | None, minimum, maximum, scale, offset,
               display: tuple[float, float] | None, estimated: bool = False, units: str | None = None,
               float_dataset: bool = False) -> str:
    """The inferred pixel type of one band (see the module docstring for the rule).

    `float_dataset`: some other band of the dataset has a fractional estimated range."""
    if classes:
        values = [c[0] for c in classes]
        if all(_integral(v) for v in values):
            lo, hi = min(values), max(values)
            if _integral(minimum) and _integral(maximum):
                lo, hi = min(lo, minimum), max(hi, maximum)
            return smallest_int_type(lo, hi)
    if bitmask:
        bits = bitmask["bits"]
        return "uint8" if bits <= 8 else "uint16" if bits <= 16 else "uint32" if bits <= 32 else "float64"
    scaled = (scale not in (None, 1)) or (offset not in (None, 0))
    if _integral(minimum) and _integral(maximum) and maximum - minimum > 1:
        measured_float = estimated and not scaled and (float_dataset or (units or "").lower() == "db")
        if not measured_float:
            return smallest_int_type(minimum, maximum)
    if scaled and minimum is None and maximum is None:
        return "int16" if display and display[0] < 0 else "uint16"
    if not scaled and minimum is None and maximum is None and display and tuple(display) == (0, 255):
        return "uint8"
    return "float32"


def has_fractional_estimate(summaries: dict, band_names: list[str]) -> bool:
    """True when some band's estimated range has a fractional bound (the dataset's values are real numbers)."""
    for name in band_names:
        rng = summaries.get(name)
        if isinstance(rng, dict) and rng.get("gee:estimated_range"):
            if any(isinstance(rng.get(k), float) and not float(rng[k]).is_integer() for k in ("minimum", "maximum")):
                return True
    return False


# -- scenes and native projection ------------------------------------------------------------------------
_WRS2 = re.compile(r"^LANDSAT/(L[CMTEO]0\d/C0[12]/T[12](_RT)?(_L2|_TOA|_SR)?|L[CMTEO]\d(_L1T)?(_TOA)?)$")
_MGRS = re.compile(r"^(COPERNICUS/S2(_SR)?(_HARMONIZED)?|COPERNICUS/S2_CLOUD_PROBABILITY"
                   r"|GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED|GOOGLE/DYNAMICWORLD/V1)$")
MODIS_SINUSOIDAL = "SR-ORG:6974"


def scene_grid(dataset_id: str) -> str | None:
    """'WRS2' for Landsat scene collections, 'MGRS' for Sentinel-2 tile collections (and those sharing their
    images: S2 cloud probability, Cloud Score+, Dynamic World), else None (images cover the dataset's bbox)."""
    if _WRS2.match(dataset_id):
        return "WRS2"
    if _MGRS.match(dataset_id):
        return "MGRS"
    return None


def native_crs(dataset_id: str, gsd: float | None) -> str:
    """'UTM' for scene collections (each scene in its own zone), MODIS's sinusoidal grid for MODIS products at 1 km
    or finer, else EPSG:4326. The catalog does not state the CRS; these are EE's well-known ones."""
    if scene_grid(dataset_id):
        return "UTM"
    if dataset_id.startswith("MODIS/") and gsd is not None and gsd <= 1000:
        return MODIS_SINUSOIDAL
    return "EPSG:4326"


# -- table geometry ---------------------------------------------------------------------------------------
_POINT_WORDS = re.compile(r"\b(points?|plants?|stations?|sites?|plots?|wells?|occurrences?|gauges?|fires? "
                          r"hotspots?|samples?|locations?|ports?|dams?|earthquakes?|reservoirs? points?)\b", re.I)
_LINE_WORDS = re.compile(r"\b(roads?|rivers?|streams?|lines?|flowlines?|railways?|rails?|tracks?|transmission)\b",
                         re.I)


def table_geometry(title: str, keywords: list[str], visualizations: list[dict], columns: list[str]) -> str:
    """'Point', 'LineString' or 'Polygon', in this order of evidence: latitude/longitude columns, line words in the
    title (roads, rivers), point words (points, plants, stations), else polygons."""
    lower = {c.lower() for c in columns}
    if lower & {"latitude", "lat"} and lower & {"longitude", "lon", "long"}:
        return "Point"
    if _LINE_WORDS.search(title):
        return "LineString"
    if _POINT_WORDS.search(" ".join([title, *keywords])) and not any(
            "polygon_visualization" in v for v in visualizations):
        return "Point"
    if _POINT_WORDS.search(title):
        return "Point"
    return "Polygon"


# -- cadence ----------------------------------------------------------------------------------------------
_ID_CADENCE = (
    (re.compile(r"(?:^|[/_-])(\d+)[_-]?DA(?:Y|ILY)(?:S)?(?:$|[/_-])"), "day", None),
    (re.compile(r"(?:^|[/_-])(?:DAILY|DAY)(?:$|[/_-])"), "day", 1),
    (re.compile(r"(?:^|[/_-])(?:HOURLY|1HR|TAVG1HR|INST1HR)(?:$|[/_-])"), "hour", 1),
    (re.compile(r"(?:^|[/_-])(?:WEEKLY)(?:$|[/_-])"), "day", 7),
    (re.compile(r"(?:^|[/_-])(?:MONTHLY|MONTH)(?:$|[/_-])"), "month", 1),
    (re.compile(r"(?:^|[/_-])(?:YEARLY|ANNUAL|YEAR)(?:$|[/_-])"), "year", 1),
)
YEARLY_AFTER_DAYS = 2 * 366


def cadence(dataset_id: str, catalog: dict | None, start: str | None, end: str | None) -> dict | None:
    """The time step of a collection's images: {kind, unit, interval, source}.

    A cadence word in the id wins (ERA5_LAND/DAILY_AGGR is daily although its catalog interval says month), then the
    catalog's `gee:interval`; a collection with neither is one image over its extent when that is at most two years
    long, else yearly images (source "extent")."""
    upper = dataset_id.upper()
    for pattern, unit, n in _ID_CADENCE:
        m = pattern.search(upper)
        if m:
            kind = (catalog or {}).get("kind", "cadence")
            return {"kind": kind, "unit": unit, "interval": int(m.group(1)) if n is None else n, "source": "id"}
    if catalog and catalog.get("unit") in ("minute", "hour", "day", "week", "month", "year"):
        unit, n = catalog["unit"], catalog["interval"]
        if unit == "week":
            unit, n = "day", 7 * n
        return {**catalog, "unit": unit, "interval": n, "source": "catalog"}
    if start is None:
        return None
    t0 = dt.date.fromisoformat(start[:10])
    t1 = dt.date.fromisoformat(end[:10]) if end else None
    if t1 is not None and (t1 - t0).days <= YEARLY_AFTER_DAYS:
        return {"kind": "single", "unit": "extent", "interval": 1, "source": "extent"}
    return {"kind": "cadence", "unit": "year", "interval": 1, "source": "extent"}
