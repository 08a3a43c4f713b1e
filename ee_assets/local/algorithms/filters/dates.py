"""Date filters: dateRangeContains and the calendar fields of `system:time_start` (calendarRange, dayOfYear)."""

from __future__ import annotations

import datetime as dt

from ee_assets.local.algorithms.filters.core import register_comparison
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_millis, as_number
from ee_assets.local.algorithms.support.predicates import MISSING, field_value
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, DateRange
from ee_assets.local.values.filter import Filter

F = "Filter"


def _date_range_contains(rng, value) -> bool:
    if isinstance(rng, DateRange):
        t = as_millis(value)
        return rng.start <= t < rng.end
    return False


register_comparison("dateRangeContains", _date_range_contains)


def _calendar_value(millis: float, field: str) -> int:
    d = EPOCH + dt.timedelta(milliseconds=millis)
    return {
        "year": d.year, "month": d.month, "hour": d.hour, "minute": d.minute,
        "day_of_year": d.timetuple().tm_yday, "day_of_month": d.day,
        "day_of_week": d.isoweekday(), "week_of_year": d.isocalendar()[1],
    }[field]


CALENDAR_FIELDS = ("year", "month", "hour", "minute", "day_of_year", "day_of_month", "day_of_week", "week_of_year")


def _calendar_filter(op: str, start, end, field: str) -> Filter:
    if field not in CALENDAR_FIELDS:
        raise InvalidArgument(f"{op}: unknown calendar field '{field}'; use one of {', '.join(CALENDAR_FIELDS)}.")
    lo = int(as_number(start, "start"))
    hi = lo if end is None else int(as_number(end, "end"))

    def test(e) -> bool:
        t = field_value(e, "system:time_start")
        if t in (MISSING, None):
            return False
        v = _calendar_value(float(t), field)
        return lo <= v <= hi if lo <= hi else (v >= lo or v <= hi)  # end < start wraps around (Nov..Feb)

    return Filter(test, f"{op}({lo}, {hi}, {field})")


@algorithm("Filter.calendarRange", returns=F, start="Integer", end="Integer", field="String")
def calendar_range(start, end=None, field: str = "day_of_year") -> Filter:
    """Passes elements whose `system:time_start` has `field` in [start, end] (inclusive; wraps when end < start).
    Days of the week run 1 (Monday) to 7 (Sunday), ISO/Joda numbering."""
    return _calendar_filter("Filter.calendarRange", start, end, field)


@algorithm("Filter.dayOfYear", returns=F, start="Integer", end="Integer")
def day_of_year(start, end) -> Filter:
    """Passes elements whose day of year (1-366) is in [start, end], wrapping when end < start."""
    return _calendar_filter("Filter.dayOfYear", start, end, "day_of_year")
