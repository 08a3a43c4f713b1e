"""AggregateFeatureCollection algorithms through the real client, against Python's statistics on the same rows."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from ee_assets_tests.support.rows import ROWS, VALUES, rows_collection


def test_aggregates_match_statistics(ee_local):
    """Nulls and missing values are skipped. Readings: aggregate_first gives the first non-null value;
    aggregate_stats has the keys EE prints (max, mean, min, sample_sd, sample_var, sum, sum_sq, total_count,
    total_sd, total_var, valid_count, weight_sum, weighted_sum, with unit weights); histogram keys are the values
    as text."""
    ee = ee_local
    fc = rows_collection(ee)
    got = ee.Dictionary({
        "count": fc.aggregate_count("v"), "count_distinct": fc.aggregate_count_distinct("v"),
        "first": fc.aggregate_first("name"), "min": fc.aggregate_min("v"), "max": fc.aggregate_max("v"),
        "min_name": fc.aggregate_min("name"), "sum": fc.aggregate_sum("v"), "product": fc.aggregate_product("v"),
        "mean": fc.aggregate_mean("v"), "sample_var": fc.aggregate_sample_var("v"),
        "sample_sd": fc.aggregate_sample_sd("v"), "total_var": fc.aggregate_total_var("v"),
        "total_sd": fc.aggregate_total_sd("v"), "histogram": fc.aggregate_histogram("group"),
        "stats": fc.aggregate_stats("v"),
    }).getInfo()
    assert got["count"] == len(VALUES) and got["count_distinct"] == len(set(VALUES))
    assert got["first"] == "alpha" and got["min"] == min(VALUES) and got["max"] == max(VALUES)
    assert got["min_name"] == min(r[0] for r in ROWS)
    assert got["sum"] == sum(VALUES) and got["product"] == float(np.prod(VALUES))
    assert got["mean"] == pytest.approx(statistics.mean(VALUES))
    assert got["sample_var"] == pytest.approx(statistics.variance(VALUES))
    assert got["sample_sd"] == pytest.approx(statistics.stdev(VALUES))
    assert got["total_var"] == pytest.approx(statistics.pvariance(VALUES))
    assert got["total_sd"] == pytest.approx(statistics.pstdev(VALUES))
    assert got["histogram"] == {"x": 2, "y": 2, "z": 1}
    stats = got["stats"]
    assert stats["valid_count"] == len(VALUES) and stats["total_count"] == len(ROWS)
    assert stats["sum_sq"] == sum(v * v for v in VALUES)
    assert stats["mean"] == pytest.approx(statistics.mean(VALUES))
    assert stats["sample_sd"] == pytest.approx(statistics.stdev(VALUES))
    assert stats["total_var"] == pytest.approx(statistics.pvariance(VALUES))
    assert (stats["min"], stats["max"], stats["sum"]) == (min(VALUES), max(VALUES), sum(VALUES))
    with pytest.raises(ee.EEException, match="must be numeric"):
        fc.aggregate_mean("name").getInfo()
