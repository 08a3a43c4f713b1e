"""Date and DateRange algorithms through the real client; expectations from Python's datetime (Joda-Time's ISO
calendar, which EE uses, agrees with it: weeks start on Monday, ISO week numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ee_assets_tests.support.scene import utc_millis

AVG_YEAR_MS = 365.2425 * 86_400_000  # Joda's average year (ISO chronology), which EE's "average length" means


def _ms(d: datetime) -> int:
    return int(d.timestamp() * 1000)


def test_calendar_fields(ee_local):
    ee = ee_local
    d = datetime(2020, 3, 15, 13, 45, 30, tzinfo=UTC)
    date = ee.Date(_ms(d))
    got = ee.Dictionary({u: date.get(u) for u in ("year", "month", "week", "day", "hour", "minute", "second")})
    assert got.getInfo() == {"year": 2020, "month": 3, "week": d.isocalendar()[1], "day": 15, "hour": 13,
                             "minute": 45, "second": 30}
    # In another zone the wall-clock fields move: 13:45 UTC is 09:45 in New York (EDT) on 2020-03-15.
    assert date.get("hour", "America/New_York").getInfo() == d.astimezone(ZoneInfo("America/New_York")).hour


def test_relative_fields_are_zero_based(ee_local):
    """Reading: getRelative counts whole units since the start of the enclosing unit (EE: 0-based), so
    day-of-year minus one, month minus one, and for weeks the whole 7-day spans since 1 January."""
    ee = ee_local
    d = datetime(2020, 3, 15, 13, 45, tzinfo=UTC)
    date = ee.Date(_ms(d))
    got = ee.Dictionary({
        "day_in_year": date.getRelative("day", "year"), "month_in_year": date.getRelative("month", "year"),
        "hour_in_day": date.getRelative("hour", "day"), "day_in_month": date.getRelative("day", "month"),
        "week_in_year": date.getRelative("week", "year"), "minute_in_hour": date.getRelative("minute", "hour"),
    }).getInfo()
    day_of_year = d.timetuple().tm_yday
    assert got == {"day_in_year": day_of_year - 1, "month_in_year": 2, "hour_in_day": 13, "day_in_month": 14,
                   "week_in_year": (day_of_year - 1) // 7, "minute_in_hour": 45}
    with pytest.raises(ee.EEException, match="smaller unit"):
        date.getRelative("year", "day").getInfo()


def test_fraction_and_range(ee_local):
    ee = ee_local
    d = datetime(2020, 7, 2, 12, tzinfo=UTC)
    date = ee.Date(_ms(d))
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    assert date.getFraction("year").getInfo() == pytest.approx((d - start) / (end - start), rel=1e-12)
    assert date.getFraction("day").getInfo() == pytest.approx(0.5)
    rng = date.getRange("month").getInfo()
    assert rng["dates"] == [_ms(datetime(2020, 7, 1, tzinfo=UTC)), _ms(datetime(2020, 8, 1, tzinfo=UTC))]
    week = date.getRange("week").getInfo()["dates"]  # 2020-07-02 is a Thursday: Monday 29 June .. Monday 6 July
    assert week == [_ms(datetime(2020, 6, 29, tzinfo=UTC)), _ms(datetime(2020, 7, 6, tzinfo=UTC))]


def test_difference_and_unit_ratio(ee_local):
    """EE: difference is "based on the average length of the unit"; the average lengths are Joda's."""
    ee = ee_local
    a, b = datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 3, 1, tzinfo=UTC)
    assert ee.Date(_ms(b)).difference(ee.Date(_ms(a)), "day").getInfo() == (b - a).days
    assert ee.Date(_ms(a)).difference(ee.Date(_ms(b)), "week").getInfo() == pytest.approx(-(b - a).days / 7)
    assert ee.Date(_ms(b)).difference(ee.Date(_ms(a)), "year").getInfo() == pytest.approx(
        (_ms(b) - _ms(a)) / AVG_YEAR_MS)
    assert ee.Date.unitRatio("day", "minute").getInfo() == 1440  # EE's documented example
    assert ee.Date.unitRatio("week", "hour").getInfo() == 168
    assert ee.Date.unitRatio("month", "year").getInfo() == pytest.approx(1 / 12)
    assert ee.Date.unitRatio("year", "second").getInfo() == pytest.approx(AVG_YEAR_MS / 1000)


def test_construction_parse_update(ee_local):
    ee = ee_local
    assert ee.Date.fromYMD(2020, 2, 29).millis().getInfo() == _ms(datetime(2020, 2, 29, tzinfo=UTC))
    tz = ZoneInfo("Europe/Berlin")
    assert ee.Date.fromYMD(2020, 6, 1, "Europe/Berlin").millis().getInfo() == _ms(datetime(2020, 6, 1, tzinfo=tz))
    with pytest.raises(ee.EEException, match="day is out of range"):
        ee.Date.fromYMD(2021, 2, 29).getInfo()
    assert ee.Date.parse("yyyy-MM-dd HH:mm", "2020-04-05 06:07").millis().getInfo() == _ms(
        datetime(2020, 4, 5, 6, 7, tzinfo=UTC))
    assert ee.Date.parse("dd/MM/yyyy", "05/04/2020").millis().getInfo() == _ms(datetime(2020, 4, 5, tzinfo=UTC))
    assert ee.Date.parse("yyyyDDD", "2020100").millis().getInfo() == _ms(
        datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=99))
    with pytest.raises(ee.EEException, match="does not match the pattern"):
        ee.Date.parse("yyyy-MM-dd", "April 5").getInfo()
    updated = ee.Date(_ms(datetime(2020, 4, 5, 6, 7, tzinfo=UTC))).update(year=2021, day=1, second=2.5)
    assert updated.millis().getInfo() == _ms(datetime(2021, 4, 1, 6, 7, 2, 500_000, tzinfo=UTC))


def test_date_ranges(ee_local):
    ee = ee_local
    jan = ee.DateRange("2020-01-01", "2020-02-01")
    mid = ee.DateRange("2020-01-15", "2020-03-01")
    ms = {k: _ms(datetime(2020, m, d, tzinfo=UTC)) for k, (m, d) in
          {"jan1": (1, 1), "jan15": (1, 15), "feb1": (2, 1), "mar1": (3, 1)}.items()}
    got = ee.Dictionary({
        "start": jan.start().millis(), "end": jan.end().millis(), "contains_start": jan.contains("2020-01-01"),
        "contains_end": jan.contains("2020-02-01"), "contains_range": jan.contains(ee.DateRange("2020-01-02",
                                                                                               "2020-01-03")),
        "intersects": jan.intersects(mid), "intersection": jan.intersection(mid), "union": jan.union(mid),
        "empty": ee.DateRange("2020-01-01", "2020-01-01").isEmpty(), "not_empty": jan.isEmpty(),
        "unbounded": jan.isUnbounded(),
    }).getInfo()
    assert got["start"] == ms["jan1"] and got["end"] == ms["feb1"]
    assert got["contains_start"] is True and got["contains_end"] is False and got["contains_range"] is True
    assert got["intersects"] is True
    assert got["intersection"]["dates"] == [ms["jan15"], ms["feb1"]]
    assert got["union"]["dates"] == [ms["jan1"], ms["mar1"]]
    assert got["empty"] is True and got["not_empty"] is False and got["unbounded"] is False


def test_dates(ee):
    d = ee.Date("2020-01-31").advance(1, "month")
    assert d.format("YYYY-MM-dd").getInfo() == "2020-02-29"
    assert d.millis().getInfo() == utc_millis(2020, 2, 29)
    assert d.getInfo() == {"type": "Date", "value": utc_millis(2020, 2, 29)}
    assert d.format("DDD").getInfo() == f"{datetime(2020, 2, 29).timetuple().tm_yday:03d}"
    assert ee.Date("2020-03-01").advance(-1, "day").format("YYYY-MM-dd").getInfo() == "2020-02-29"
    assert ee.Date("2019-12-31").advance(36, "hour").millis().getInfo() == utc_millis(2020, 1, 1, 12)
    assert ee.Date(utc_millis(2021, 7, 4)).format("YYYY-MM-dd").getInfo() == "2021-07-04"
    first = ee.ImageCollection("C/s").sort("system:time_start", False).first()
    assert first.date().millis().getInfo() == utc_millis(2020, 2, 1)
    assert ee.Image("C/s/img1").date().format("YYYY-MM-dd").getInfo() == "2020-01-15"


def test_date_range(ee):
    info = ee.DateRange("2020-01-01", "2020-02-01").getInfo()
    assert info == {"type": "DateRange", "dates": [utc_millis(2020, 1, 1), utc_millis(2020, 2, 1)]}
    # Without an end: a 1-millisecond range (algorithms.json description of DateRange).
    assert ee.DateRange("2020-01-01").getInfo()["dates"] == [utc_millis(2020, 1, 1), utc_millis(2020, 1, 1) + 1]


def test_iso_date_strings_ee_reads(ee_local):
    """The ISO strings EE's Date constructor reads. Expected values are EE's own documented outputs: the apidocs
    sample for ee.Date (google/earthengine-community samples/python/apidocs/ee_date.py: '2020' → 2020-01-01T00:00:00,
    '2017-6-24' and '2017-6-24T00:14:46' with one-digit fields, ('2020', 'US/Mountain') → 2020-01-01T07:00:00) and
    the Date signature in the client's algorithms.json ("a string such as '1996-01-01' or '1996-001' or
    '1996-01-01T08:00'": day-of-year and minute-precision forms)."""
    ee = ee_local
    documented = {
        "2020": "2020-01-01T00:00:00", "2017-6-24": "2017-06-24T00:00:00", "2017-06-24": "2017-06-24T00:00:00",
        "2017-6-24T00:14:46": "2017-06-24T00:14:46", "2017-06-24T23:59:59": "2017-06-24T23:59:59",
        "1996-01-01": "1996-01-01T00:00:00", "1996-001": "1996-01-01T00:00:00", "1996-01-01T08:00":
        "1996-01-01T08:00:00", "2020-1-1": "2020-01-01T00:00:00",
    }
    got = ee.Dictionary({s: ee.Date(s).format() for s in documented}).getInfo()
    assert got == documented
    assert ee.Date("2020", "US/Mountain").format().getInfo() == "2020-01-01T07:00:00"
    # ISO 8601 forms beyond the examples, checked against Python's calendar: month only, day of year 100 of a
    # leap year, week date (2020-W23-2 is Tuesday 2 June 2020), an explicit offset, a fraction of a second.
    others = {"2020-06": datetime(2020, 6, 1, tzinfo=UTC), "2020-100": datetime(2020, 4, 9, tzinfo=UTC),
              "2020-W23-2": datetime.fromisocalendar(2020, 23, 2).replace(tzinfo=UTC),
              "2020-06-01T10:00+02:00": datetime(2020, 6, 1, 8, tzinfo=UTC),
              "2020-06-01T10:00:00.250Z": datetime(2020, 6, 1, 10, 0, 0, 250_000, tzinfo=UTC)}
    millis = ee.Dictionary({s: ee.Date(s).millis() for s in others}).getInfo()
    assert millis == {s: _ms(d) for s, d in others.items()}
    # Dates are read the same way wherever a date is expected, e.g. filterDate's bounds.
    assert ee.DateRange("2017-6-24T00:14:46", "2018").getInfo()["dates"] == [
        _ms(datetime(2017, 6, 24, 0, 14, 46, tzinfo=UTC)), _ms(datetime(2018, 1, 1, tzinfo=UTC))]
    for bad in ("2020-13-01", "2019-366", "June 2020", "2020-06-01T25:00"):
        with pytest.raises(ee.EEException, match="Unable to parse date"):
            ee.Date(bad).millis().getInfo()
