"""Clusterers through the real client, on three well-separated blobs whose grouping is known by construction:
every k-means relative must recover it (cluster numbers are arbitrary, so partitions are compared), the methods
that choose k must choose 3, and the schema and band_order rules follow EE's signatures."""

from __future__ import annotations

import numpy as np
import pytest

CENTRES = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]


def _points() -> list[tuple[float, float, int]]:
    rng = np.random.default_rng(7)
    return [(cx + dx, cy + dy, g) for g, (cx, cy) in enumerate(CENTRES) for dx, dy in rng.normal(0, 0.8, (12, 2))]


def _features(ee):
    return ee.FeatureCollection([ee.Feature(None, {"x": x, "y": y, "g": g}) for x, y, g in _points()])


def _same_partition(a: list, b: list) -> bool:
    pairs = set(zip(a, b, strict=True))
    return len(pairs) == len(set(a)) == len(set(b))


def test_kmeans_family_recovers_the_blobs(ee_local):
    ee = ee_local
    fc = _features(ee)
    truth = [g for _, _, g in _points()]
    clusterers = {
        "kmeans": ee.Clusterer.wekaKMeans(3),
        "kmeans++": ee.Clusterer.wekaKMeans(nClusters=3, init=1, seed=3),
        "farthest": ee.Clusterer.wekaKMeans(nClusters=3, init=3),
        "manhattan": ee.Clusterer.wekaKMeans(nClusters=3, distanceFunction="Manhattan"),
        "cascade": ee.Clusterer.wekaCascadeKMeans(2, 5),
        "xmeans": ee.Clusterer.wekaXMeans(2, 5),
        "lvq": ee.Clusterer.wekaLVQ(3, epochs=20),
    }
    got = ee.Dictionary({name: fc.cluster(c.train(fc, ["x", "y"]), "c").aggregate_array("c")
                         for name, c in clusterers.items()}).getInfo()
    for name, labels in got.items():
        assert _same_partition(labels, truth), name
        assert sorted(set(labels)) == [0, 1, 2], name
    trained = ee.Clusterer.wekaKMeans(3).train(fc, ["x", "y"])
    assert trained.schema().getInfo() == ["x", "y"]
    assert ee.Clusterer.wekaKMeans(3).schema().getInfo() is None
    with pytest.raises(ee.EEException, match="give inputProperties"):
        ee.Clusterer.wekaKMeans(3).train(fc).schema().getInfo()
    with pytest.raises(ee.EEException, match="not been trained"):
        fc.cluster(ee.Clusterer.wekaKMeans(3)).size().getInfo()
