"""Filters, dates and date ranges.

A Filter is a predicate over elements. Fields are element properties; the
special field '.all' (and '.geo') is the element's geometry (an image's footprint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import shapely
from dateutil.relativedelta import relativedelta

from ee_assets.local.algorithms.coerce import _zone, as_geometry, as_millis
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, Collection, Date, DateRange, Feature
from ee_assets.local.values.image import Image

MISSING = object()


@dataclass(frozen=True)
class Filter:
    test: Any
    description: str
    # For join conditions: pair(primary, secondary) -> bool, reading left fields from the primary element and
    # right fields from the secondary one (None when the filter cannot compare two elements).
    pair: Any = None
    # For joins that record a measure (maxDifference, withinDistance): measure(primary, secondary) -> float.
    measure: Any = None

    def __call__(self, element) -> bool:
        return bool(self.test(element))

    def to_json(self) -> dict:
        return {"type": "Filter", "description": self.description}


def _field(element, name: str):
    if name in (".all", ".geo"):
        if isinstance(element, Feature):
            return element.geometry
        if isinstance(element, Image):
            return element.footprint()
        return None
    if not isinstance(element, (Feature, Image, Collection)):
        return element if name == "item" else MISSING  # List.filter: a plain value is the property 'item'
    return element.properties.get(name, MISSING)


def _binary(op: str, compare, leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
    if (leftField is None) == (leftValue is None) or (rightField is None and rightValue is None):
        raise InvalidArgument(f"Filter.{op}: specify exactly one of leftField/leftValue and one of "
                              "rightField/rightValue.")

    def pair(primary, secondary):
        left = _field(primary, leftField) if leftField is not None else leftValue
        right = _field(secondary, rightField) if rightField is not None else rightValue
        if left is MISSING or right is MISSING:
            return False
        try:
            return compare(left, right)
        except TypeError:
            return False

    return Filter(lambda e: pair(e, e), f"{op}({leftField or leftValue!r}, {rightField or rightValue!r})", pair)


def _register(op: str, compare) -> None:
    def impl(leftField=None, rightValue=None, rightField=None, leftValue=None) -> Filter:
        return _binary(op, compare, leftField, rightValue, rightField, leftValue)

    algorithm(f"Filter.{op}", returns="Filter", leftField="String", rightValue="Object", rightField="String",
              leftValue="Object")(impl)


def _contains(container, item) -> bool:
    return isinstance(container, (list, tuple)) and item in container


def _date_range_contains(rng, value) -> bool:
    if isinstance(rng, DateRange):
        t = as_millis(value)
        return rng.start <= t < rng.end
    return False


_register("equals", lambda a, b: a == b)
_register("notEquals", lambda a, b: a != b)
_register("lessThan", lambda a, b: a is not None and b is not None and a < b)
_register("greaterThan", lambda a, b: a is not None and b is not None and a > b)
_register("listContains", _contains)
_register("inList", lambda a, b: _contains(b, a))
_register("dateRangeContains", _date_range_contains)


@algorithm("Filter.intersects", returns="Filter", leftField="String", rightValue="Object")
def intersects(leftField=None, rightValue=None, rightField=None, leftValue=None, maxError=None) -> Filter:
    def overlap(a, b) -> bool:
        if a is None or b is None:
            return False
        return bool(shapely.intersects(as_geometry(a).to_wgs84(), as_geometry(b).to_wgs84()))

    return _binary("intersects", overlap, leftField, rightValue, rightField, leftValue)


@algorithm("Filter.not", returns="Filter", filter="Filter")
def not_(filter: Filter) -> Filter:
    pair = (lambda p, s: not filter.pair(p, s)) if filter.pair else None
    return Filter(lambda e: not filter(e), f"not({filter.description})", pair)


@algorithm("Filter.and", returns="Filter", filters="List<Filter>")
def and_(filters: list) -> Filter:
    pair = (lambda p, s: all(f.pair(p, s) for f in filters)) if all(f.pair for f in filters) else None
    return Filter(lambda e: all(f(e) for f in filters), "and(...)", pair)


@algorithm("Filter.or", returns="Filter", filters="List<Filter>")
def or_(filters: list) -> Filter:
    pair = (lambda p, s: any(f.pair(p, s) for f in filters)) if all(f.pair for f in filters) else None
    return Filter(lambda e: any(f(e) for f in filters), "or(...)", pair)


# -- dates ---------------------------------------------------------------------------------------------------
@algorithm("Date", returns="Date", value="Object", timeZone="String")
def date(value, timeZone: str | None = None) -> Date:
    return Date(as_millis(value, "value", timeZone))


@algorithm("DateRange", returns="DateRange", start="Object", end="Object", timeZone="String")
def date_range(start, end=None, timeZone: str | None = None) -> DateRange:
    s = as_millis(start, "start", timeZone)
    e = as_millis(end, "end", timeZone) if end is not None else s + 1
    return DateRange(s, e)


_UNITS = {"year": "years", "month": "months", "week": "weeks", "day": "days", "hour": "hours",
          "minute": "minutes", "second": "seconds"}


@algorithm("Date.advance", returns="Date", date="Date", delta="Float", unit="String", timeZone="String")
def advance(date: Date, delta: float, unit: str, timeZone: str | None = None) -> Date:
    key = _UNITS.get(str(unit).lower().rstrip("s"))
    if key is None:
        raise InvalidArgument(f"Date.advance: Unknown unit '{unit}'; use one of {', '.join(_UNITS)}.")
    d = _to_datetime(date, timeZone)
    if key in ("years", "months") and float(delta).is_integer():
        out = d + relativedelta(**{key: int(delta)})
    elif key == "years":
        out = d + relativedelta(months=int(round(delta * 12)))
    else:
        out = d + relativedelta(**{key: delta}) if key != "weeks" else d + relativedelta(days=7 * delta)
    return Date((out - EPOCH).total_seconds() * 1000.0)


@algorithm("Date.millis", returns="Long", date="Date")
def millis(date: Date) -> float:
    return _date(date).millis


@algorithm("Date.format", returns="String", date="Date", format="String", timeZone="String")
def format_(date: Date, format: str | None = None, timeZone: str | None = None) -> str:
    d = _to_datetime(date, timeZone)
    if not format:
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    return joda_format(d, format)


def _date(value) -> Date:
    return value if isinstance(value, Date) else Date(as_millis(value))


def _to_datetime(value, tz: str | None):
    return _date(value).datetime.astimezone(_zone(tz))


_JODA = re.compile(r"'([^']*)'|(y+|Y+|M+|d+|D+|H+|h+|m+|s+|S+|E+|a|Z+|z+)")


def joda_format(d, pattern: str) -> str:
    """Format a datetime with the subset of Joda-Time patterns EE scripts use (yyyy-MM-dd, DDD, HH:mm:ss…)."""
    def token(m: re.Match) -> str:
        if m.group(1) is not None:
            return m.group(1) or "'"
        t = m.group(2)
        c, n = t[0], len(t)
        if c in "yY":
            return str(d.year)[-2:] if n == 2 else str(d.year).zfill(n)
        if c == "M":
            return d.strftime("%B") if n >= 4 else d.strftime("%b") if n == 3 else str(d.month).zfill(n)
        if c == "d":
            return str(d.day).zfill(n)
        if c == "D":
            return str(d.timetuple().tm_yday).zfill(n)
        if c == "H":
            return str(d.hour).zfill(n)
        if c == "h":
            return str((d.hour % 12) or 12).zfill(n)
        if c == "m":
            return str(d.minute).zfill(n)
        if c == "s":
            return str(d.second).zfill(n)
        if c == "S":
            return str(d.microsecond // 1000).zfill(3)[:n]
        if c == "E":
            return d.strftime("%A") if n >= 4 else d.strftime("%a")
        if c == "a":
            return d.strftime("%p")
        return d.strftime("%z") if c == "Z" else d.strftime("%Z")

    return _JODA.sub(token, pattern)
