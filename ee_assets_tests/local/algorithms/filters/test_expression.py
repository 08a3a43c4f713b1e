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


def test_collection_filter_with_a_string(ee_local):
    """`collection.filter('…')` sends the string itself as Collection.filter's 'filter' (ee/collection.py), and the
    client's algorithms.json documents that argument as "Either a Filter object or a string to be parsed into a
    Filter object (e.g., "property > value"). Supported operators include: >, >=, <, <=, ==, !=, (), !, &&, ||, as
    well as 'and', 'or', 'not', and 'in' for inList." The apidocs classifier samples use it
    (ee_classifier_smilecart.py: sample.filter('random <= 0.8')). Expected rows come from Python over ROWS."""
    ee = ee_local
    fc = rows_collection(ee)
    by_value = {r[0]: r[1] for r in ROWS}
    assert row_names(fc.filter("v <= 4")) == [n for n, v in by_value.items() if v is not None and v <= 4]
    assert row_names(fc.filter("v > 2 and group == 'y'")) == ["epsilon"]
    assert row_names(fc.filter("not (v < 5) or name == 'beta'")) == ["beta", "delta"]
    assert row_names(fc.filter("group in ('x', 'z')")) == [r[0] for r in ROWS if r[2] in ("x", "z")]
    assert row_names(fc.filter("i in [0, 3] && !(name == 'delta')")) == ["alpha"]
    with pytest.raises(ee.EEException, match="Collection.filter: unexpected end of the expression"):
        fc.filter("v >").size().getInfo()
