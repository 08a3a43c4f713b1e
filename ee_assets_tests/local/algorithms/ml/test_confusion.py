"""Collection.errorMatrix and ConfusionMatrix measures through the real client, on a hand-worked matrix:

    actual \\ predicted   0  1  2      row sums 6, 5, 3; column sums 7, 4, 3; n = 14
          0             5  1  0
          1             1  3  1
          2             1  0  2

accuracy 10/14; producer's accuracy (per row) 5/6, 3/5, 2/3; consumer's (per column) 5/7, 3/4, 2/3;
kappa: expected agreement (6·7 + 5·4 + 3·3)/14² = 71/196, so (140/196 - 71/196) / (1 - 71/196) = 69/125;
F1 of class 0: 2·(5/7)(5/6) / (5/7 + 5/6) = 10/13.
"""

from __future__ import annotations

import pytest

PAIRS = [(0, 0)] * 5 + [(0, 1)] + [(1, 0)] + [(1, 1)] * 3 + [(1, 2)] + [(2, 0)] + [(2, 2)] * 2
MATRIX = [[5, 1, 0], [1, 3, 1], [1, 0, 2]]


def test_error_matrix_and_measures(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"a": a, "p": p}) for a, p in PAIRS])
    cm = fc.errorMatrix("a", "p")
    got = ee.Dictionary({
        "matrix": cm, "array": cm.array(), "order": cm.order(), "accuracy": cm.accuracy(), "kappa": cm.kappa(),
        "producers": cm.producersAccuracy(), "consumers": cm.consumersAccuracy(), "f1": cm.fscore(),
        "f2": cm.fscore(2),
    }).getInfo()
    assert got["matrix"] == MATRIX and got["array"] == MATRIX and got["order"] == [0, 1, 2]
    assert got["accuracy"] == pytest.approx(10 / 14)
    assert got["kappa"] == pytest.approx(69 / 125)
    assert got["producers"] == [[pytest.approx(5 / 6)], [pytest.approx(3 / 5)], [pytest.approx(2 / 3)]]
    assert got["consumers"] == [[pytest.approx(5 / 7), pytest.approx(3 / 4), pytest.approx(2 / 3)]]
    assert got["f1"][0] == pytest.approx(10 / 13)
    p, r = 5 / 7, 5 / 6
    assert got["f2"][0] == pytest.approx(5 * p * r / (4 * p + r))


def test_order_and_constructor(ee_local):
    ee = ee_local
    fc = ee.FeatureCollection([ee.Feature(None, {"a": a, "p": p}) for a, p in PAIRS])
    subset = fc.errorMatrix("a", "p", [2, 0]).getInfo()
    assert subset == [[2, 1], [0, 5]]  # rows/columns in the order given; class 1 left out
    built = ee.ConfusionMatrix(ee.Array(MATRIX))
    assert built.accuracy().getInfo() == pytest.approx(10 / 14)
    empty_class = ee.ConfusionMatrix(ee.Array([[2, 0], [0, 0]])).producersAccuracy().getInfo()
    assert empty_class == [[1.0], [None]]  # 0/0 for a class that never occurs: NaN, sent as null
    with pytest.raises(ee.EEException, match="must be non-negative integers"):
        ee.FeatureCollection([ee.Feature(None, {"a": 1.5, "p": 1})]).errorMatrix("a", "p").getInfo()
