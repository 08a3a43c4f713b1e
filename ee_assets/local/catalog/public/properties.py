"""Plausible values for the properties of a synthetic image, from the dataset's property schema.

Properties users filter and sort on get values consistent with the image (cloud cover matches the clouds drawn
in its pixels, WRS_PATH/WRS_ROW and MGRS_TILE its scene, SUN_ELEVATION its place and time, DATE_ACQUIRED its
date); the rest get a deterministic value of the schema's type (within a range the description states, such as
"(0-100)", when it states one). Every image also gets `synthetic: True`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from ee_assets.local.catalog.public.facts import DatasetFacts, PropertyFacts
from ee_assets.local.catalog.public.noise import seed_of

_RANGE = re.compile(r"\(\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)\s*\)")
_MS_DAY = 86_400_000


@dataclass(frozen=True)
class ImageContext:
    """What the property values are derived from."""

    ds: DatasetFacts
    index: str
    start: dt.datetime
    end: dt.datetime
    lon: float  # footprint centre
    lat: float
    cloud_cover: float  # percent, the share of the image the pixel generator draws as cloud
    known: dict = field(default_factory=dict)  # scene values (WRS_PATH, MGRS_TILE, …), used if in the schema


def unit_hash(*parts: object) -> float:
    """A deterministic number in [0, 1) from any parts."""
    return (seed_of(*parts) >> 10) / float(1 << 53)


def sun_position(lon: float, lat: float, when: dt.datetime) -> tuple[float, float]:
    """(elevation, azimuth) of the sun in degrees (NOAA's simple formulas, good to about a degree)."""
    doy = when.timetuple().tm_yday
    hours = when.hour + when.minute / 60 + when.second / 3600
    g = 2 * math.pi / 365 * (doy - 1 + (hours - 12) / 24)
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                       - 0.040849 * math.sin(2 * g))
    solar_minutes = hours * 60 + eqtime + 4 * lon
    ha = math.radians(solar_minutes / 4 - 180)
    phi = math.radians(lat)
    cos_zen = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(ha)
    zen = math.acos(max(-1.0, min(1.0, cos_zen)))
    denom = math.cos(phi) * math.sin(zen)
    if abs(denom) < 1e-9:
        az = 180.0
    else:
        cos_az = (math.sin(phi) * math.cos(zen) - math.sin(decl)) / denom
        az = math.degrees(math.acos(max(-1.0, min(1.0, cos_az))))
        az = (az + 180.0) % 360.0 if ha > 0 else (540.0 - az) % 360.0
    return 90.0 - math.degrees(zen), az


def _typed(value, kind: str):
    if value is None:
        return None
    base = kind.removesuffix("_LIST")
    if base == "INT":
        value = int(round(float(value)))
    elif base == "DOUBLE":
        value = float(value)
    elif base == "STRING":
        value = str(value)
    return [value] if kind.endswith("_LIST") and not isinstance(value, list) else value


def _cover_shares(ctx: ImageContext) -> dict[str, float]:
    """Percentages of scene classes (Sentinel-2's *_PERCENTAGE properties) adding up to 100 with the clouds."""
    names = ("VEGETATION", "NOT_VEGETATED", "WATER", "DARK_FEATURES", "SNOW_ICE", "UNCLASSIFIED",
             "CLOUD_SHADOW", "THIN_CIRRUS")
    weights = [0.45, 0.3, 0.08, 0.04, 0.01, 0.03, 0.05, 0.04]
    raw = [w * (0.5 + unit_hash(ctx.index, n)) for w, n in zip(weights, names, strict=True)]
    clear = 100.0 - ctx.cloud_cover
    total = sum(raw)
    return {n: round(clear * r / total, 6) for n, r in zip(names, raw, strict=True)}


def _value(p: PropertyFacts, ctx: ImageContext, sun: tuple[float, float], shares: dict):
    name, upper = p.name, p.name.upper()
    when = ctx.start
    if name in ctx.known:
        return ctx.known[name]
    if ("CLOUD" in upper and any(w in upper for w in ("COVER", "PERCENT", "ASSESS"))) or upper == "CLOUDCOVER":
        if "SHADOW" not in upper and "PROBA" not in upper and "CIRRUS" not in upper:
            return round(ctx.cloud_cover, 4)
    if upper.endswith("_PERCENTAGE"):
        for key, share in shares.items():
            if upper.startswith(key):
                return share
        if "HIGH_PROBA_CLOUDS" in upper:
            return round(ctx.cloud_cover * 0.6, 6)
        if "MEDIUM_PROBA_CLOUDS" in upper:
            return round(ctx.cloud_cover * 0.4, 6)
        return round(2.0 * unit_hash(ctx.index, name), 6)
    if upper in ("SUN_ELEVATION", "SOLAR_ELEVATION"):
        return round(sun[0], 6)
    if upper in ("SUN_AZIMUTH", "SOLAR_AZIMUTH", "MEAN_SOLAR_AZIMUTH_ANGLE"):
        return round(sun[1], 6)
    if upper in ("MEAN_SOLAR_ZENITH_ANGLE", "SOLAR_ZENITH", "SUN_ZENITH"):
        return round(90.0 - sun[0], 6)
    if upper == "EARTH_SUN_DISTANCE":
        return round(1.0 - 0.01672 * math.cos(2 * math.pi * (when.timetuple().tm_yday - 4) / 365.25), 7)
    if upper == "DATE_ACQUIRED":
        return when.strftime("%Y-%m-%d")
    if upper == "SCENE_CENTER_TIME":
        return when.strftime("%H:%M:%S.") + f"{when.microsecond:06d}0Z"
    if p.type in ("INT", "DOUBLE") and upper in ("YEAR", "MONTH", "DAY", "DOY", "DAY_OF_YEAR"):
        return {"YEAR": when.year, "MONTH": when.month, "DAY": when.day}.get(upper, when.timetuple().tm_yday)
    if "IMAGE_QUALITY" in upper:
        return 9
    if p.type == "DATETIME" or any(w in upper for w in ("DATE_PRODUCT_GENERATED", "FILE_DATE", "GENERATION_TIME",
                                                         "_START", "_STOP", "PROCESSING_TIME")):
        if p.type in ("DOUBLE", "INT", "DATETIME"):
            base = int((when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1000)
            return base + int((1 + 3 * unit_hash(ctx.index, name)) * _MS_DAY)
    if "ZENITH" in upper:
        return round(5.0 + 10.0 * unit_hash(ctx.index, name), 6)
    if "AZIMUTH" in upper or "HEADING" in upper:
        return round(360.0 * unit_hash(ctx.index, name), 6)
    if upper in ("ORBITPROPERTIES_PASS", "SENSING_ORBIT_DIRECTION", "PASS_DIRECTION"):
        return "DESCENDING" if unit_hash(ctx.index, "pass") < 0.5 or "SENSING" in upper else "ASCENDING"
    if upper == "INSTRUMENTMODE":
        return "IW"
    if upper == "TRANSMITTERRECEIVERPOLARISATION":
        return ["VV", "VH"]
    if upper == "RESOLUTION_METERS":
        return 10
    if upper == "FAMILYNAME":
        return "SENTINEL-1"
    return _generic(p, ctx)


def _generic(p: PropertyFacts, ctx: ImageContext):
    u = unit_hash(ctx.ds.id, ctx.index, p.name)
    base = p.type.removesuffix("_LIST")
    m = _RANGE.search(p.description or "")
    lo, hi = (float(m.group(1)), float(m.group(2))) if m else (0.0, 100.0)
    if base == "INT":
        return int(lo + math.floor(u * (hi - lo + 1)))
    if base == "DOUBLE":
        return round(lo + u * (hi - lo), 6)
    if base == "STRING":
        return "synthetic"
    return None  # GEOMETRY, RECORD: nothing plausible to say


def image_properties(ctx: ImageContext) -> dict:
    """Every schema property with a value (GEOMETRY/RECORD ones left out), plus `synthetic: True`."""
    sun = sun_position(ctx.lon, ctx.lat, ctx.start)
    shares = _cover_shares(ctx)
    out: dict = {}
    for p in ctx.ds.properties:
        try:
            value = _typed(_value(p, ctx, sun, shares), p.type)
        except (TypeError, ValueError):  # a scene value of another type than this dataset's schema says
            value = _typed(_generic(p, ctx), p.type)
        if value is not None:
            out[p.name] = value
    out["synthetic"] = True
    return out
