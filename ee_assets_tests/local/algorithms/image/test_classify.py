"""Image.classify through the real ee client: train on pixels sampled from the image, classify the image, and check
the classes against a nearest-centroid computation in numpy and against a perfectly separable label."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, B, band_types, pixels


def _training(ee):
    img = ee.Image("I/ab")
    return img, img.addBands(img.select("b").gt(3).rename("cls")).sample(scale=10)


def test_minimum_distance_classes_match_nearest_centroids(ee):
    img, training = _training(ee)
    trained = ee.Classifier.minimumDistance().train(training, "cls", ["a", "b"])
    classified = img.classify(trained)
    assert classified.bandNames().getInfo() == ["classification"]
    assert band_types(ee, classified)["classification"]["precision"] == "int"
    values, mask = pixels(ee, classified)["classification"]
    label = B > 3
    features = np.stack([A[VALID], B[VALID]], axis=1)
    centroids = np.array([features[~label[VALID]].mean(axis=0), features[label[VALID]].mean(axis=0)])
    nearest = np.argmin(((features[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(values[VALID], nearest)
    np.testing.assert_array_equal(mask, VALID)  # the pixel with a masked input stays masked


def test_cart_separates_a_threshold_and_agrees_with_table_classification(ee):
    img, training = _training(ee)
    trained = ee.Classifier.smileCart().train(training, "cls", ["b"])
    values, _ = pixels(ee, img.classify(trained, "label"))["label"]
    np.testing.assert_array_equal(values, B > 3)
    table = training.classify(trained, "label").aggregate_array("label").getInfo()
    np.testing.assert_array_equal(table, (B[VALID] > 3).astype(int))  # sample() keeps valid pixels, row-major
    with pytest.raises(ee.EEException, match="lacks the classifier's input band"):
        img.select("a").classify(trained).getInfo()
    with pytest.raises(ee.EEException, match="not been trained"):
        img.classify(ee.Classifier.smileCart()).getInfo()
