"""Five rows with names, values (one missing), groups and dates, as a feature collection, for the collection and
filter tests; expectations come from Python's statistics/datetime on the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

ROWS = [  # name, value (None = missing), group, date
    ("alpha", 4.0, "x", datetime(2020, 1, 15, tzinfo=UTC)),
    ("beta", 1.0, "y", datetime(2020, 3, 2, tzinfo=UTC)),
    ("gamma", None, "x", datetime(2020, 6, 30, tzinfo=UTC)),
    ("delta", 7.5, "z", datetime(2020, 11, 20, tzinfo=UTC)),
    ("epsilon", 4.0, "y", datetime(2021, 12, 31, 23, tzinfo=UTC)),
]
VALUES = [r[1] for r in ROWS if r[1] is not None]


def row_millis(d: datetime) -> int:
    return int(d.timestamp() * 1000)


def rows_collection(ee):
    feats = []
    for i, (name, value, group, when) in enumerate(ROWS):
        props = {"name": name, "group": group, "system:time_start": row_millis(when), "i": i}
        if value is not None:
            props["v"] = value
        feats.append(ee.Feature(ee.Geometry.Point([i, 0]), props))
    return ee.FeatureCollection(feats)


def row_names(fc) -> list:
    return fc.aggregate_array("name").getInfo()
