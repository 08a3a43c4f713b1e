"""Filter.expression through the real client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ee_assets_tests.support.rows import ROWS, row_millis, row_names, rows_collection


def test_filter_expression(ee_local):
    """EE's documented operators (>, >=, <, <=, ==, !=, (), !, &&, ||) over properties; rows missing a property
    used by the expression do not pass."""
    ee = ee_local
    fc = rows_collection(ee)
    expr = ee.Filter.expression
    assert row_names(fc.filter(expr("v >= 4"))) == [r[0] for r in ROWS if r[1] is not None and r[1] >= 4]
    assert row_names(fc.filter(expr("v > 2 && group == 'y'"))) == ["epsilon"]
    assert row_names(fc.filter(expr("!(v < 5) || name == 'beta'"))) == ["beta", "delta"]
    assert row_names(fc.filter(expr("i * 2 + 1 != 5"))) == [r[0] for i, r in enumerate(ROWS) if i * 2 + 1 != 5]
    cutoff = row_millis(datetime(2020, 6, 1, tzinfo=UTC))
    assert row_names(fc.filter(expr(f"system:time_start < {cutoff}?1:0"))) == ["alpha", "beta"]
    with pytest.raises(ee.EEException, match="unexpected end of the expression"):
        fc.filter(expr("v >")).size().getInfo()
