"""Image.sample and Image.sampleRegions through the real ee client: which pixels are sampled is checked with shapely
(pixel centres inside the polygon), their values against the arrays written to the test raster."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ee_assets_tests.support.image_fixtures import HEIGHT, TO_LONLAT, VALID, WIDTH, A, B

POLYGON_3857 = [(1002.3, 1998.1), (1048.7, 1996.2), (1031.4, 1953.3), (1004.6, 1962.8)]


def _lonlat(points):
    lon, lat = TO_LONLAT.transform(*zip(*points, strict=True))
    return [list(p) for p in zip(lon, lat, strict=True)]


def _inside() -> list[tuple[int, int]]:
    poly = shapely.Polygon(POLYGON_3857)
    return [(r, c) for r in range(HEIGHT) for c in range(WIDTH)
            if poly.contains(shapely.Point(1005 + 10 * c, 1995 - 10 * r))]


def test_sample_takes_pixel_centres_inside_the_region(ee):
    region = ee.Geometry.Polygon([_lonlat(POLYGON_3857)], None, False)
    img = ee.Image("I/ab")
    cells = _inside()
    assert 8 < len(cells) < 30
    got = img.sample(region=region, geometries=True).getInfo()["features"]
    valid_cells = [(r, c) for r, c in cells if VALID[r, c]]  # dropNulls drops the masked pixel
    assert [(f["properties"]["a"], f["properties"]["b"]) for f in got] == [(A[r, c], B[r, c]) for r, c in valid_cells]
    lon, lat = TO_LONLAT.transform(1005 + 10 * valid_cells[0][1], 1995 - 10 * valid_cells[0][0])
    np.testing.assert_allclose(got[0]["geometry"]["coordinates"], [lon, lat], rtol=0, atol=1e-12)
    kept = img.sample(region=region, dropNulls=False).getInfo()["features"]
    assert len(kept) == len(cells)
    assert any(f["properties"]["a"] is None for f in kept) == (not all(VALID[r, c] for r, c in cells))
    assert all(f["geometry"] is None for f in kept)


def test_sample_scale_factor_and_errors(ee):
    img = ee.Image("I/ab").select("b")
    (lon0, lon1), (lat0, lat1) = TO_LONLAT.transform([1000, 1060], [1955, 2000])
    box = ee.Geometry.Rectangle([lon0, lat0, lon1, lat1], None, False)
    coarse = img.sample(region=box, scale=20).getInfo()["features"]  # 20 m pixels aligned with the image's grid
    assert len(coarse) == 6  # centres at x 1010, 1030, 1050 and y 1990, 1970 (1950 lies outside the box)
    half = img.sample(factor=0.5, seed=3).aggregate_array("b").getInfo()
    again = img.sample(factor=0.5, seed=3).aggregate_array("b").getInfo()
    assert half == again and 5 <= len(half) <= 25 and set(half) <= set(B.ravel())
    assert img.sample(numPixels=1000).size().getInfo() == HEIGHT * WIDTH
    with pytest.raises(ee.EEException, match="mutually exclusive"):
        img.sample(factor=0.5, numPixels=3).getInfo()
    with pytest.raises(ee.EEException, match="give 'scale' or 'projection'"):
        ee.Image.constant(1).sample(region=ee.Geometry.Point([0, 0])).getInfo()


def test_sample_regions_copies_properties_and_samples_points(ee):
    img = ee.Image("I/ab")
    polygon = ee.Feature(ee.Geometry.Polygon([_lonlat(POLYGON_3857)], None, False), {"name": "poly", "k": 1})
    points = [ee.Feature(ee.Geometry.Point(_lonlat([(x, y)])[0]), {"name": f"pt{i}", "k": 2})
              for i, (x, y) in enumerate([(1011.0, 1987.0), (1057.0, 1951.0), (1500.0, 1500.0)])]
    fc = ee.FeatureCollection([polygon, *points])
    got = img.sampleRegions(collection=fc, properties=["name"]).getInfo()["features"]
    cells = [(r, c) for r, c in _inside() if VALID[r, c]]
    expected = [("poly", A[r, c], B[r, c]) for r, c in cells]
    expected += [("pt0", A[1, 1], B[1, 1]), ("pt1", A[4, 5], B[4, 5])]  # the third point is off the image
    assert [(f["properties"]["name"], f["properties"]["a"], f["properties"]["b"]) for f in got] == expected
    assert all("k" not in f["properties"] for f in got)
    everything = img.select("b").sampleRegions(collection=fc, scale=10).getInfo()["features"]
    assert {f["properties"]["k"] for f in everything} == {1, 2}


def test_stratified_sample_per_class_counts(ee):
    img = ee.Image("I/ab").select(["b", "a"])
    classes, counts = np.unique(B, return_counts=True)
    got = img.stratifiedSample(numPoints=2, seed=1, dropNulls=False).getInfo()["features"]
    per_class = {}
    for f in got:
        per_class.setdefault(f["properties"]["b"], []).append(f["properties"]["a"])
    assert sorted(per_class) == classes.tolist()  # ordered by class
    assert all(len(v) == min(2, n) for v, n in zip(per_class.values(), counts, strict=True))
    for value, sampled in per_class.items():  # every sampled pixel really has that class
        assert set(sampled) <= {None if not VALID[r, c] else A[r, c] for r, c in zip(*np.nonzero(B == value),
                                                                                        strict=True)}
    chosen = img.stratifiedSample(numPoints=0, classBand="b", classValues=[3, 5], classPoints=[1, 100],
                                  seed=2).aggregate_array("b").getInfo()
    assert chosen.count(3) == 1 and chosen.count(5) == int(((B == 5) & VALID).sum())
    with pytest.raises(ee.EEException, match="classValues and classPoints"):
        img.stratifiedSample(numPoints=1, classValues=[1]).getInfo()
