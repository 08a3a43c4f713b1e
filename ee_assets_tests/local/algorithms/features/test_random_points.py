"""FeatureCollection.randomPoints through the real client."""

from __future__ import annotations

import math

import numpy as np


def test_random_points(ee_local):
    """Uniform on the sphere: in a 0–60°N band, the share of points below 30°N is sin 30° / sin 60° ≈ 0.577
    (2,000 points: the share's sd is 0.011, the bound 0.05 is 4.5 sigma). Deterministic for a seed."""
    ee = ee_local
    band = ee.Geometry.Rectangle([0, 0, 10, 60], None, False)
    pts = ee.FeatureCollection.randomPoints(band, 2000, 7)
    coords = np.array([f["geometry"]["coordinates"] for f in pts.getInfo()["features"]])
    assert coords.shape == (2000, 2)
    assert ((coords[:, 0] >= 0) & (coords[:, 0] <= 10) & (coords[:, 1] >= 0) & (coords[:, 1] <= 60)).all()
    assert abs((coords[:, 1] < 30).mean() - math.sin(math.radians(30)) / math.sin(math.radians(60))) < 0.05
    again = np.array([f["geometry"]["coordinates"] for f in pts.getInfo()["features"]])
    assert np.array_equal(coords, again)
    on_line = ee.FeatureCollection.randomPoints(ee.Geometry.LineString([[0, 0], [1, 0]]), 50, 1).getInfo()
    assert all(f["geometry"]["coordinates"][1] == 0 for f in on_line["features"])
    picks = ee.FeatureCollection.randomPoints(ee.Geometry.MultiPoint([[0, 0], [5, 5]]), 20, 2).getInfo()
    assert {tuple(f["geometry"]["coordinates"]) for f in picks["features"]} <= {(0, 0), (5, 5)}
