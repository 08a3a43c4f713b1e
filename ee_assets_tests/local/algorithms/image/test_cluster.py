"""Image.cluster through the real client: k-means with two clusters on band b (integers 0..7) splits it where the
two-means optimum does, found here by trying every threshold; the training set comes from Image.sample, whose
'band_order' lets Clusterer.train go without inputProperties, as EE documents."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.image_fixtures import GRID, B, pixels


def test_image_cluster_splits_band_b_at_the_two_means_optimum(ee):
    b = ee.Image("I/ab").select("b")
    training = b.sample(b.geometry(), scale=10, projection="EPSG:3857")
    clusterer = ee.Clusterer.wekaKMeans(2).train(training)
    px = pixels(ee, b.cluster(clusterer), GRID)["cluster"]
    labels = px[0]
    values = B.ravel()
    spreads = {t: sum(((part - part.mean()) ** 2).sum() for part in (values[values <= t], values[values > t]))
               for t in range(7)}
    split = min(spreads, key=spreads.get)
    low, high = labels[B <= split], labels[B > split]
    assert len(set(low)) == 1 and len(set(high)) == 1 and set(low) != set(high)
    np.testing.assert_array_equal(px[1], 1)
    assert b.cluster(clusterer, "group").bandNames().getInfo() == ["group"]
