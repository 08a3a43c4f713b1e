"""ISO 8601 date strings as EE reads them (Joda-Time's lenient ISO parser): '2020', '2020-06', '2017-6-24',
'1996-001' (day of year), '2020-W23-2' (week date), each optionally followed by 'T' and a time of 1 to 3 fields
('T08', 'T08:00', '2017-6-24T00:14:46', fractions '.5' or ',5' on the last field) and an offset ('Z', '+02',
'-07:30'). Fields take one or two digits (three for day of year); a date without an offset is read in the time
zone given (UTC by default). A space in place of the 'T' is also accepted."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(
    r"(?P<year>[+-]?\d{1,9})"
    r"(?:-(?:(?P<doy>\d{3})|W(?P<week>\d{1,2})(?:-(?P<wday>\d))?|(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?))?")
_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{1,2})(?::(?P<second>\d{1,2}))?)?(?:[.,](?P<fraction>\d+))?")
_OFFSET = re.compile(r"Z|(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?")


def parse_iso_date(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """The instant `text` names (aware), or None when it is not an ISO date EE would read."""
    s = text.strip()
    m = _DATE.match(s)
    if m is None:
        return None
    try:
        day = _date_part(m)
    except ValueError:
        return None
    rest = s[m.end():]
    seconds = 0.0
    if rest[:1] in ("T", " ") and len(rest) > 1:
        t = _TIME.match(rest, 1)
        if t is None:
            return None
        seconds = _seconds(t)
        if seconds is None:
            return None
        rest = rest[t.end():]
    offset = _OFFSET.fullmatch(rest) if rest else None
    if rest and offset is None:
        return None
    if offset is not None:
        if offset.group(0) == "Z":
            tz = dt.UTC
        else:
            minutes = int(offset["oh"]) * 60 + int(offset["om"] or 0)
            tz = dt.timezone(dt.timedelta(minutes=-minutes if offset["sign"] == "-" else minutes))
    wall = dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds)
    return wall.replace(tzinfo=tz)  # zoneinfo resolves DST gaps and folds to the earlier offset


def _date_part(m: re.Match) -> dt.date:
    year = int(m["year"])
    if m["doy"] is not None:
        day = dt.date(year, 1, 1) + dt.timedelta(days=int(m["doy"]) - 1)
        if int(m["doy"]) < 1 or day.year != year:
            raise ValueError(m["doy"])
        return day
    if m["week"] is not None:
        return dt.date.fromisocalendar(year, int(m["week"]), int(m["wday"] or 1))
    return dt.date(year, int(m["month"] or 1), int(m["day"] or 1))


def _seconds(t: re.Match) -> float | None:
    hour, minute, second = int(t["hour"]), int(t["minute"] or 0), int(t["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = float("0." + t["fraction"]) if t["fraction"] else 0.0
    unit = 1.0 if t["second"] is not None else 60.0 if t["minute"] is not None else 3600.0  # on the last field
    return hour * 3600 + minute * 60 + second + fraction * unit
