"""When a synthetic collection has images: time steps at the dataset's cadence across its temporal extent.

Minute, hour and day steps count from the extent's start; monthly and yearly steps fall on calendar month and year
boundaries; 8-, 16- and 32-day steps restart on 1 January each year (days 1, 17, 33, … as MODIS composites do); a
monthly climatology has 12 steps; a collection without a cadence is one image over its extent. A step ends where the
next begins (or at the extent's end), the first one begins with the extent. Ongoing datasets end at OPEN_END.
Each step has an index in the style of the dataset family (MODIS `2020_06_01`, daily `20200601`, hourly
`20200601T06`, monthly `202006`, yearly `2020`), and an index parses back to its step, so
`ee.Image('ECMWF/ERA5_LAND/DAILY_AGGR/20200601')` resolves.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from ee_assets.local.catalog.public.facts import DatasetFacts

UTC = dt.UTC
OPEN_END = dt.datetime(2026, 1, 1, tzinfo=UTC)
"""Ongoing datasets (no end date in the catalog) have images up to here, exclusive."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def millis(t: dt.datetime) -> int:
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def from_millis(ms: float) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)


def extent(ds: DatasetFacts) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the dataset's images; a missing start is the epoch, a missing end OPEN_END."""
    start = parse_time(ds.start) or EPOCH
    end = parse_time(ds.end) or OPEN_END
    if ds.end and len(ds.end) == 10 and end <= start:
        end = start + dt.timedelta(days=1)  # a one-day extent written as [d, d]
    return start, max(end, start + dt.timedelta(milliseconds=1))


@dataclass(frozen=True)
class Step:
    k: int
    start: dt.datetime
    end: dt.datetime


ANNUAL_RESET_DAYS = (8, 16, 32)
"""Day cadences that restart on 1 January each year, as MODIS's and Landsat's 8/16/32-day composites do."""


def _add_months(t: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(t.month - 1 + months, 12)
    return t.replace(year=t.year + y, month=m + 1, day=1)


def _scheme(ds: DatasetFacts) -> tuple[str, int]:
    """(unit, interval): minute | hour | day | annual-day | month | year | climatological-month | single."""
    c = ds.cadence or {}
    unit, n = str(c.get("unit")), max(1, int(c.get("interval") or 1))
    if c.get("kind") == "climatological":
        return ("climatological-month", 1) if unit == "month" else ("single", 1)
    if unit == "day" and n in ANNUAL_RESET_DAYS:
        return "annual-day", n
    if unit in ("minute", "hour", "day", "month", "year"):
        return unit, n
    return "single", 1


def _anchor(ds: DatasetFacts) -> dt.datetime:
    start, _ = extent(ds)
    unit, _ = _scheme(ds)
    if unit in ("month", "climatological-month"):
        return start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit in ("year", "annual-day"):
        return start.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return start


def step_start(ds: DatasetFacts, k: int) -> dt.datetime:
    """Start of step k (k counts from the anchor: the extent's start, or its month or year)."""
    unit, n = _scheme(ds)
    anchor = _anchor(ds)
    if unit == "minute":
        return anchor + dt.timedelta(minutes=k * n)
    if unit == "hour":
        return anchor + dt.timedelta(hours=k * n)
    if unit == "day":
        return anchor + dt.timedelta(days=k * n)
    if unit == "annual-day":
        per_year = math.ceil(365 / n)
        year, j = divmod(k, per_year)
        return anchor.replace(year=anchor.year + year) + dt.timedelta(days=j * n)
    if unit in ("month", "climatological-month"):
        return _add_months(anchor, k * n)
    if unit == "year":
        return anchor.replace(year=anchor.year + k * n)
    return anchor if k <= 0 else extent(ds)[1]


def _step_end(ds: DatasetFacts, k: int) -> dt.datetime:
    unit, _ = _scheme(ds)
    nxt = step_start(ds, k + 1)
    if unit == "annual-day" and nxt.year != step_start(ds, k).year:
        nxt = nxt.replace(month=1, day=1)  # the year's last composite ends on 1 January
    return nxt


def _first_k(ds: DatasetFacts, t: dt.datetime, lo: int, hi: int) -> int:
    """The smallest k in [lo, hi] with step_start(k) >= t (hi when none), by bisection."""
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            before = step_start(ds, mid) < t
        except (OverflowError, ValueError):
            before = False
        if before:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _k_range(ds: DatasetFacts) -> tuple[int, int]:
    """[k_lo, k_hi): from the step containing the extent's start to the last step starting before its end."""
    start, end = extent(ds)
    unit, _ = _scheme(ds)
    if unit == "single":
        return 0, 1
    if unit == "climatological-month":
        return 0, 12
    big = 1
    while step_start(ds, big) < end:
        big *= 2
    k_hi = _first_k(ds, end, 0, big)
    k_lo = max(0, _first_k(ds, start, 0, k_hi) - (0 if step_start(ds, _first_k(ds, start, 0, k_hi)) == start else 1))
    return k_lo, max(k_lo + 1, k_hi)


def step_count(ds: DatasetFacts) -> int:
    k_lo, k_hi = _k_range(ds)
    return k_hi - k_lo


def step(ds: DatasetFacts, k: int) -> Step:
    """Step k (counted from the anchor); single-image datasets have one step spanning the extent."""
    unit, _ = _scheme(ds)
    start, end = extent(ds)
    if unit == "single":
        return Step(0, start, end)
    s = step_start(ds, k)
    e = _step_end(ds, k)
    if unit == "climatological-month":
        return Step(k, s, e)
    s = max(s, start)  # the first step starts with the extent, not on the month or year boundary before it
    return Step(k, s, min(e, max(end, s + dt.timedelta(milliseconds=1))))


def steps(ds: DatasetFacts, t0: dt.datetime | None = None, t1: dt.datetime | None = None) -> Iterator[Step]:
    """The steps whose start lies in [t0, t1) (EE's filterDate tests system:time_start), in time order."""
    k_lo, k_hi = _k_range(ds)
    k = k_lo if t0 is None else max(k_lo, _first_k(ds, t0, k_lo, k_hi) - 1)  # the step before may start later
    for kk in range(k, k_hi):
        s = step(ds, kk)
        if t1 is not None and s.start >= t1:
            return
        if t0 is None or s.start >= t0:
            yield s


def index_format(ds: DatasetFacts) -> str:
    unit, _ = _scheme(ds)
    if unit == "climatological-month":
        return "%m"
    if ds.id.startswith("MODIS/") and unit in ("day", "annual-day", "month", "year"):
        return "%Y_%m_%d"
    return {"minute": "%Y%m%dT%H%M", "hour": "%Y%m%dT%H", "day": "%Y%m%d", "annual-day": "%Y%m%d", "month": "%Y%m",
            "year": "%Y"}.get(unit, "%Y")


def index_of(ds: DatasetFacts, s: Step) -> str:
    return s.start.strftime(index_format(ds))


def parse_index(ds: DatasetFacts, index: str) -> Step | None:
    """The step whose index is `index`, or None (not an index of this dataset, or not on its cadence)."""
    fmt = index_format(ds)
    try:
        t = dt.datetime.strptime(index, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None
    k_lo, k_hi = _k_range(ds)
    if fmt == "%m":
        k = t.month - 1
        return step(ds, k) if k_lo <= k < k_hi else None
    k = _first_k(ds, t, k_lo, k_hi)
    for cand in (k - 1, k, k + 1):
        if k_lo <= cand < k_hi:
            s = step(ds, cand)
            if index_of(ds, s) == index:
                return s
    return None
