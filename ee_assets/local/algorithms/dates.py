"""Date and DateRange algorithms: construction, advance, calendar fields, differences, formatting and parsing.

Calendar fields follow Joda-Time's ISO chronology, as EE does: weeks start on Monday, months and days of the
month are 1-based in `get` and 0-based in `getRelative`. Average unit lengths (Date.difference, Date.unitRatio)
are Joda's: a year is 365.2425 days and a month a twelfth of it."""

from __future__ import annotations

import datetime as dt
import math
import re

from dateutil.relativedelta import relativedelta

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_date, as_millis, to_datetime, tzinfo_of
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.elements import EPOCH, Date, DateRange


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
    d = to_datetime(date, timeZone)
    if key in ("years", "months") and float(delta).is_integer():
        out = d + relativedelta(**{key: int(delta)})
    elif key == "years":
        out = d + relativedelta(months=int(round(delta * 12)))
    else:
        out = d + relativedelta(**{key: delta}) if key != "weeks" else d + relativedelta(days=7 * delta)
    return Date((out - EPOCH).total_seconds() * 1000.0)


@algorithm("Date.millis", returns="Long", date="Date")
def millis(date: Date) -> float:
    return as_date(date).millis


@algorithm("Date.format", returns="String", date="Date", format="String", timeZone="String")
def format_(date: Date, format: str | None = None, timeZone: str | None = None) -> str:
    d = to_datetime(date, timeZone)
    if not format:
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    return joda_format(d, format)


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


UNITS = ("year", "month", "week", "day", "hour", "minute", "second")


_DAY_MS = 86_400_000.0


AVERAGE_MS = {"year": 365.2425 * _DAY_MS, "month": 365.2425 * _DAY_MS / 12, "week": 7 * _DAY_MS, "day": _DAY_MS,
              "hour": 3_600_000.0, "minute": 60_000.0, "second": 1000.0}


def _unit(op: str, unit: str) -> str:
    u = str(unit).lower()
    u = u[:-1] if u.endswith("s") else u
    if u not in UNITS:
        raise InvalidArgument(f"{op}: unknown unit '{unit}'; use one of {', '.join(UNITS)}.")
    return u


def _millis(d: dt.datetime) -> float:
    return (d - EPOCH).total_seconds() * 1000.0


def _unit_start(d: dt.datetime, unit: str) -> dt.datetime:
    """The start of the calendar `unit` containing `d` (weeks start on Monday)."""
    if unit == "year":
        return d.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        return (d - dt.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return d.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hour":
        return d.replace(minute=0, second=0, microsecond=0)
    if unit == "minute":
        return d.replace(second=0, microsecond=0)
    return d.replace(microsecond=0)


def _next(start: dt.datetime, unit: str) -> dt.datetime:
    return start + relativedelta(**{f"{unit}s": 1})


def _wall_to_millis(d: dt.datetime) -> float:
    """Milliseconds of a wall-clock time in its zone (normalizing across DST changes)."""
    return _millis(d.astimezone(dt.UTC))


@algorithm("Date.get", returns="Long", date="Date", unit="String", timeZone="String")
def get(date, unit: str, timeZone: str | None = None) -> int:
    """The calendar field: year, month (1-12), week (ISO week of the year), day (of the month), hour, minute,
    second."""
    d = to_datetime(date, timeZone)
    u = _unit("Date.get", unit)
    return {"year": d.year, "month": d.month, "week": d.isocalendar()[1], "day": d.day, "hour": d.hour,
            "minute": d.minute, "second": d.second}[u]


@algorithm("Date.getRelative", returns="Long", date="Date", unit="String", inUnit="String", timeZone="String")
def get_relative(date, unit: str, inUnit: str, timeZone: str | None = None) -> int:
    """The 0-based number of whole `unit`s since the start of the enclosing `inUnit` (e.g. day-of-year - 1)."""
    d = to_datetime(date, timeZone)
    u, outer = _unit("Date.getRelative", unit), _unit("Date.getRelative", inUnit)
    if UNITS.index(u) <= UNITS.index(outer):
        raise InvalidArgument(f"Date.getRelative: '{unit}' must be a smaller unit than '{inUnit}'.")
    start = _unit_start(d, outer)
    if u == "month":
        return (d.year - start.year) * 12 + d.month - start.month
    return int((_wall_to_millis(d) - _wall_to_millis(start)) // AVERAGE_MS[u])


@algorithm("Date.getFraction", returns="Float", date="Date", unit="String", timeZone="String")
def get_fraction(date, unit: str, timeZone: str | None = None) -> float:
    """How far through its calendar `unit` the date is, in [0, 1)."""
    d = to_datetime(date, timeZone)
    u = _unit("Date.getFraction", unit)
    start = _unit_start(d, u)
    end = _next(start, u)
    return (_wall_to_millis(d) - _wall_to_millis(start)) / (_wall_to_millis(end) - _wall_to_millis(start))


@algorithm("Date.getRange", returns="DateRange", date="Date", unit="String", timeZone="String")
def get_range(date, unit: str, timeZone: str | None = None) -> DateRange:
    """The calendar `unit` containing the date, as [start, end)."""
    d = to_datetime(date, timeZone)
    u = _unit("Date.getRange", unit)
    start = _unit_start(d, u)
    return DateRange(_wall_to_millis(start), _wall_to_millis(_next(start, u)))


@algorithm("Date.difference", returns="Float", date="Date", start="Date", unit="String")
def difference(date, start, unit: str) -> float:
    """(date - start) in units of the average length of `unit` (EE: "based on the average length of the unit")."""
    return (as_date(date).millis - as_date(start).millis) / AVERAGE_MS[_unit("Date.difference", unit)]


@algorithm("Date.unitRatio", returns="Float", numerator="String", denominator="String")
def unit_ratio(numerator: str, denominator: str) -> float:
    return AVERAGE_MS[_unit("Date.unitRatio", numerator)] / AVERAGE_MS[_unit("Date.unitRatio", denominator)]


@algorithm("Date.fromYMD", returns="Date", year="Integer", month="Integer", day="Integer", timeZone="String")
def from_ymd(year, month, day, timeZone: str | None = None) -> Date:
    try:
        d = dt.datetime(int(year), int(month), int(day), tzinfo=tzinfo_of(timeZone))
    except ValueError as e:
        raise InvalidArgument(f"Date.fromYMD: {e} ({year}-{month}-{day}).") from e
    return Date(_wall_to_millis(d))


@algorithm("Date.update", returns="Date", date="Date", year="Integer", month="Integer", day="Integer",
           hour="Integer", minute="Integer", second="Number", timeZone="String")
def update(date, year=None, month=None, day=None, hour=None, minute=None, second=None,
           timeZone: str | None = None) -> Date:
    d = to_datetime(date, timeZone)
    fields = {k: int(v) for k, v in (("year", year), ("month", month), ("day", day), ("hour", hour),
                                     ("minute", minute)) if v is not None}
    if second is not None:
        fields["second"] = int(math.floor(second))
        fields["microsecond"] = int(round((second - math.floor(second)) * 1e6))
    try:
        return Date(_wall_to_millis(d.replace(**fields)))
    except ValueError as e:
        raise InvalidArgument(f"Date.update: {e}.") from e


_JODA_TO_STRPTIME = [("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%m"),
                     ("DDD", "%j"), ("dd", "%d"), ("d", "%d"), ("HH", "%H"), ("H", "%H"), ("mm", "%M"),
                     ("m", "%M"), ("ss", "%S"), ("s", "%S"), ("SSS", "%f"), ("Z", "%z")]


_JODA_TOKEN = re.compile(r"'([^']*)'|" + "|".join(re.escape(j) for j, _ in _JODA_TO_STRPTIME))


@algorithm("Date.parse", returns="Date", format="String", date="String", timeZone="String")
def parse(format: str, date: str, timeZone: str | None = None) -> Date:
    """Parse `date` with a Joda-Time pattern (yyyy, yy, MM, MMM, dd, DDD, HH, mm, ss, SSS, Z and 'quoted text')."""
    mapping = dict(_JODA_TO_STRPTIME)
    out, pos = [], 0
    for m in _JODA_TOKEN.finditer(format):
        out.append(format[pos:m.start()].replace("%", "%%"))
        out.append(m.group(1).replace("%", "%%") if m.group(1) is not None else mapping[m.group(0)])
        pos = m.end()
    out.append(format[pos:].replace("%", "%%"))
    try:
        d = dt.datetime.strptime(date, "".join(out))
    except ValueError as e:
        raise InvalidArgument(f"Date.parse: '{date}' does not match the pattern '{format}' ({e}).") from e
    if d.tzinfo is None:
        d = d.replace(tzinfo=tzinfo_of(timeZone))
    return Date(_wall_to_millis(d))


def _range(value, name: str = "dateRange") -> DateRange:
    if isinstance(value, DateRange):
        return value
    raise InvalidArgument(f"Invalid argument for '{name}': expected a DateRange, got {type(value).__name__}.")


@algorithm("DateRange.start", returns="Date", dateRange="DateRange")
def range_start(dateRange) -> Date:
    return Date(_range(dateRange).start)


@algorithm("DateRange.end", returns="Date", dateRange="DateRange")
def range_end(dateRange) -> Date:
    return Date(_range(dateRange).end)


@algorithm("DateRange.contains", returns="Boolean", dateRange="DateRange", other="Object")
def range_contains(dateRange, other) -> bool:
    """A date inside [start, end), or a whole range inside this one."""
    r = _range(dateRange)
    if isinstance(other, DateRange):
        return r.start <= other.start and other.end <= r.end
    t = as_millis(other, "other")
    return r.start <= t < r.end


@algorithm("DateRange.intersects", returns="Boolean", dateRange="DateRange", other="DateRange")
def range_intersects(dateRange, other) -> bool:
    a, b = _range(dateRange), _range(other, "other")
    return a.start < b.end and b.start < a.end


@algorithm("DateRange.intersection", returns="DateRange", dateRange="DateRange", other="DateRange")
def range_intersection(dateRange, other) -> DateRange:
    a, b = _range(dateRange), _range(other, "other")
    start = max(a.start, b.start)
    return DateRange(start, max(start, min(a.end, b.end)))


@algorithm("DateRange.union", returns="DateRange", dateRange="DateRange", other="DateRange")
def range_union(dateRange, other) -> DateRange:
    """The smallest range containing both."""
    a, b = _range(dateRange), _range(other, "other")
    return DateRange(min(a.start, b.start), max(a.end, b.end))


@algorithm("DateRange.isEmpty", returns="Boolean", dateRange="DateRange")
def range_is_empty(dateRange) -> bool:
    r = _range(dateRange)
    return r.end <= r.start


@algorithm("DateRange.isUnbounded", returns="Boolean", dateRange="DateRange")
def range_is_unbounded(dateRange) -> bool:
    r = _range(dateRange)
    return math.isinf(r.start) or math.isinf(r.end)


@algorithm("DateRange.unbounded", returns="DateRange")
def unbounded() -> DateRange:
    return DateRange(-math.inf, math.inf)
