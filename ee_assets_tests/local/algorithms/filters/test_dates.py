"""Date filters through the real client: date ranges and calendar fields of system:time_start."""

from __future__ import annotations

import pytest

from ee_assets_tests.support.rows import ROWS, row_names, rows_collection


def test_filter_date_start_inclusive_end_exclusive(ee):
    ic = ee.ImageCollection("C/s")
    assert ic.filterDate("2020-01-01", "2020-01-15").aggregate_array("k").getInfo() == [0]
    assert ic.filterDate("2020-01-15", "2020-02-02").aggregate_array("k").getInfo() == [1, 2]
    assert ic.filterDate("2019-12-31", "2020-01-01").size().getInfo() == 0
    assert ic.filterDate(ee.Date("2020-01-01").advance(-1, "day"), "2020-03-01").size().getInfo() == 3


def test_calendar_filters(ee_local):
    """calendarRange/dayOfYear read system:time_start; both ends inclusive and end < start wraps (EE's docs)."""
    ee = ee_local
    fc = rows_collection(ee)
    F = ee.Filter

    def expect(pred) -> list:
        return [r[0] for r in ROWS if pred(r[3])]

    assert row_names(fc.filter(F.calendarRange(3, 6, "month"))) == expect(lambda d: 3 <= d.month <= 6)
    assert row_names(fc.filter(F.calendarRange(11, 2, "month"))) == expect(lambda d: d.month >= 11 or d.month <= 2)
    assert row_names(fc.filter(F.calendarRange(2020, 2020, "year"))) == expect(lambda d: d.year == 2020)
    assert row_names(fc.filter(F.calendarRange(2021, None, "year"))) == expect(lambda d: d.year == 2021)
    assert row_names(fc.filter(F.calendarRange(1, 100))) == expect(lambda d: d.timetuple().tm_yday <= 100)
    assert row_names(fc.filter(F.calendarRange(1, 2, "day_of_week"))) == expect(lambda d: d.isoweekday() <= 2)
    assert row_names(fc.filter(F.calendarRange(15, 31, "day_of_month"))) == expect(lambda d: d.day >= 15)
    assert row_names(fc.filter(F.calendarRange(23, 23, "hour"))) == expect(lambda d: d.hour == 23)
    assert row_names(fc.filter(F.dayOfYear(300, 20))) == expect(
        lambda d: d.timetuple().tm_yday >= 300 or d.timetuple().tm_yday <= 20)
    with pytest.raises(ee.EEException, match="unknown calendar field 'fortnight'"):
        fc.filter(F.calendarRange(1, 2, "fortnight")).getInfo()
