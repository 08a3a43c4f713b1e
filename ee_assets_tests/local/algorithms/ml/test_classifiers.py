"""Classifiers through the real client. The models are scikit-learn's (EE's are SMILE's), so the checks are what
any correct model of the family must do: separate well-separated clusters, reproduce a step function, give
probabilities in [0, 1], report a resubstitution matrix; minimum distance is worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

CENTRES = {0: (0.0, 0.0), 1: (10.0, 10.0), 2: (0.0, 10.0)}


def _training(ee, n: int = 20):
    rng = np.random.default_rng(3)
    feats = []
    for cls, (x, y) in CENTRES.items():
        for dx, dy in rng.uniform(-1.5, 1.5, size=(n, 2)):
            feats.append(ee.Feature(None, {"x": x + dx, "y": y + dy, "class": cls}))
    return ee.FeatureCollection(feats)


def _probe(ee):
    return ee.FeatureCollection([ee.Feature(None, {"x": x, "y": y, "truth": c}) for c, (x, y) in CENTRES.items()])


@pytest.mark.parametrize("make", [
    lambda ee: ee.Classifier.smileCart(),
    lambda ee: ee.Classifier.smileRandomForest(10),
    lambda ee: ee.Classifier.smileGradientTreeBoost(20, 0.1),
    lambda ee: ee.Classifier.smileKNN(3),
    lambda ee: ee.Classifier.libsvm(),
    lambda ee: ee.Classifier.minimumDistance("mahalanobis"),
], ids=["cart", "random_forest", "gradient_boost", "knn", "svm", "minimum_distance"])
def test_families_separate_separable_clusters(ee_local, make):
    ee = ee_local
    trained = make(ee).train(_training(ee), "class", ["x", "y"])
    out = _probe(ee).classify(trained).getInfo()["features"]
    assert [f["properties"]["classification"] for f in out] == [f["properties"]["truth"] for f in out]


def test_resubstitution_matrix_explain_schema_mode(ee_local):
    ee = ee_local
    training = _training(ee)
    cart = ee.Classifier.smileCart().train(training, "class", ["x", "y"])
    cm = cart.confusionMatrix()
    assert cm.getInfo() == [[20, 0, 0], [0, 20, 0], [0, 0, 20]]  # pure leaves on separable data
    assert cm.accuracy().getInfo() == 1
    assert cart.schema().getInfo() == ["x", "y"] and cart.mode().getInfo() == "CLASSIFICATION"
    info = ee.Classifier.smileRandomForest(7).train(training, "class", ["x", "y"]).explain().getInfo()
    assert info["numberOfTrees"] == 7 and set(info["importance"]) == {"x", "y"}
    assert sum(info["importance"].values()) == pytest.approx(1.0)
    half = ee.Classifier.smileCart().train(training, "class", ["x", "y"], 0.5, 1).confusionMatrix().getInfo()
    assert 15 < np.sum(half) < 45  # about half of the 60 rows, seeded


def test_output_modes(ee_local):
    """REGRESSION fits y = 0 below x = 5 and 10 above exactly; PROBABILITY is the chosen class's probability
    (EE: "the probability that the classification is correct"), MULTIPROBABILITY one per class."""
    ee = ee_local
    step = ee.FeatureCollection([ee.Feature(None, {"x": float(x), "y": 0.0 if x < 5 else 10.0}) for x in range(10)])
    reg = ee.Classifier.smileCart().setOutputMode("REGRESSION").train(step, "y", ["x"])
    probe = ee.FeatureCollection([ee.Feature(None, {"x": 2.2}), ee.Feature(None, {"x": 7.7})])
    assert probe.classify(reg, "fit").aggregate_array("fit").getInfo() == [0.0, 10.0]
    assert reg.mode().getInfo() == "REGRESSION"
    forest = ee.Classifier.smileRandomForest(15).train(_training(ee), "class", ["x", "y"])
    prob = _probe(ee).classify(forest.setOutputMode("PROBABILITY")).aggregate_array("classification").getInfo()
    assert all(0.5 < p <= 1 for p in prob)
    multi = _probe(ee).classify(forest.setOutputMode("MULTIPROBABILITY")).aggregate_array("classification")
    rows = np.array(multi.getInfo())
    assert rows.shape == (3, 3) and np.allclose(rows.sum(axis=1), 1) and list(rows.argmax(axis=1)) == [0, 1, 2]


def test_minimum_distance_by_hand(ee_local):
    """Class means (1, 0) and (11, 0): x = 5.9 is 4.9 from the first and 5.1 from the second, x = 6.1 the
    reverse, under both euclidean and manhattan distance."""
    ee = ee_local
    training = ee.FeatureCollection([ee.Feature(None, {"x": x, "y": 0, "c": c})
                                     for x, c in ((0, 0), (2, 0), (10, 1), (12, 1))])
    probe = ee.FeatureCollection([ee.Feature(None, {"x": 5.9, "y": 0}), ee.Feature(None, {"x": 6.1, "y": 0})])
    for metric in ("euclidean", "manhattan"):
        trained = ee.Classifier.minimumDistance(metric).train(training, "c", ["x", "y"])
        assert probe.classify(trained).aggregate_array("classification").getInfo() == [0, 1]


def test_errors_say_what_to_do(ee_local):
    ee = ee_local
    with pytest.raises(ee.EEException, match="has not been trained"):
        _probe(ee).classify(ee.Classifier.smileCart()).getInfo()
    fractional = ee.FeatureCollection([ee.Feature(None, {"x": 1, "c": 0.5}), ee.Feature(None, {"x": 2, "c": 1})])
    with pytest.raises(ee.EEException, match="must be integers"):
        ee.Classifier.smileCart().train(fractional, "c", ["x"]).schema().getInfo()
    with pytest.raises(ee.EEException, match="give inputProperties"):
        ee.Classifier.smileCart().train(fractional, "c").schema().getInfo()
    with pytest.raises(ee.EEException, match="unknown mode"):
        ee.Classifier.smileCart().setOutputMode("FUZZY").mode().getInfo()
