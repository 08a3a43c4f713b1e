"""reduceRegion(s) and composites agree with independent computations (exactextract, numpy)."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract
from shapely.geometry import mapping

from ee_assets_tests.support.image_fixtures import VALID, A, B, pixels

NODATA = -9999.0


def _write_raster(path, data, transform, crs, nodata=NODATA):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as ds:
        ds.write(data, 1)


def _polygons_4326():
    square_with_hole = shapely.Polygon(
        [(10.13, 49.93), (11.37, 49.93), (11.37, 48.71), (10.13, 48.71)],
        [[(10.52, 49.5), (10.93, 49.5), (10.93, 49.11), (10.52, 49.11)]],
    )
    multipolygon = shapely.MultiPolygon([
        shapely.Polygon([(11.61, 49.87), (12.33, 49.62), (11.98, 49.12)]),
        shapely.box(12.41, 48.2, 12.88, 48.77),
    ])
    partly_outside = shapely.Polygon([(9.5, 48.5), (10.61, 48.43), (10.38, 47.71), (9.7, 47.9)])
    sliver = shapely.Polygon([(11.0, 48.4), (11.9, 48.41), (11.9, 48.418), (11.0, 48.408)])
    return {"hole": square_with_hole, "multi": multipolygon, "outside": partly_outside, "sliver": sliver}


def _geojson(polygons: dict) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": k}, "geometry": mapping(g)} for k, g in polygons.items()]}


def test_reduce_regions_mean_matches_exactextract_weighted_mean(tmp_path, ee_on):
    rng = np.random.default_rng(7)
    data = rng.normal(100, 25, (60, 80))
    data[rng.random(data.shape) < 0.15] = NODATA  # nodata inside the polygons
    transform = Affine(0.05, 0, 10.0, 0, -0.05, 50.0)
    _write_raster(tmp_path / "r.tif", data, transform, "EPSG:4326")
    polygons = _polygons_4326()
    (tmp_path / "p.geojson").write_text(json.dumps(_geojson(polygons)))
    ee = ee_on({"T/polys": {"type": "TABLE", "path": "p.geojson"}, "I/r": {"type": "IMAGE", "path": "r.tif"}})

    image = ee.Image("I/r")
    result = image.reduceRegions(ee.FeatureCollection("T/polys"), ee.Reducer.mean(),
                                 scale=image.projection().nominalScale()).getInfo()
    ours = {f["properties"]["name"]: f["properties"]["mean"] for f in result["features"]}

    theirs = exact_extract(str(tmp_path / "r.tif"), _geojson(polygons)["features"], "mean(min_coverage_frac=0.005)",
                           include_cols=["name"])
    for feature in theirs:
        name, expected = feature["properties"]["name"], feature["properties"]["mean"]
        assert ours[name] == pytest.approx(expected, rel=1e-6), name


def test_reduce_region_on_utm_raster_with_wgs84_polygons(tmp_path, ee_on):
    """Polygons in EPSG:4326 over a UTM raster: edges are densified when reprojected (planar in 4326)."""
    rng = np.random.default_rng(11)
    data = rng.normal(2000, 400, (300, 300)).astype("float32")
    data[rng.random(data.shape) < 0.05] = NODATA
    transform = Affine(30, 0, 600000, 0, -30, 4220000)
    _write_raster(tmp_path / "utm.tif", data, transform, "EPSG:32610")
    polygons = {
        "a": shapely.Polygon([(-121.8, 38.1), (-121.74, 38.09), (-121.75, 38.04), (-121.81, 38.05)]),
        "b": shapely.box(-121.78, 38.0, -121.72, 38.06).difference(shapely.box(-121.76, 38.02, -121.74, 38.04)),
    }
    (tmp_path / "p.geojson").write_text(json.dumps(_geojson(polygons)))
    ee = ee_on({"T/p": {"type": "TABLE", "path": "p.geojson"}, "I/u": {"type": "IMAGE", "path": "utm.tif"}})

    image = ee.Image("I/u")
    result = image.reduceRegions(ee.FeatureCollection("T/p"), ee.Reducer.mean(), scale=30).getInfo()
    ours = {f["properties"]["name"]: f["properties"]["mean"] for f in result["features"]}

    gdf = gpd.GeoDataFrame({"name": list(polygons)}, geometry=[shapely.segmentize(g, 0.001) for g in polygons.values()],
                           crs="EPSG:4326").to_crs("EPSG:32610")
    theirs = exact_extract(str(tmp_path / "utm.tif"), gdf, "mean(min_coverage_frac=0.005)", include_cols=["name"],
                           output="pandas")
    for name, expected in zip(theirs["name"], theirs["mean"], strict=True):
        assert ours[name] == pytest.approx(expected, rel=1e-4), name


def test_reduce_region_names_and_unweighted_centre_rule(tmp_path, ee_on):
    """reduceRegion keys by band name; count uses pixel centres (hand-worked on a 4x4 grid)."""
    data = np.arange(16, dtype="float64").reshape(4, 4)
    _write_raster(tmp_path / "g.tif", data, Affine(1, 0, 0, 0, -1, 4), "EPSG:3857")
    ee = ee_on({"I/g": {"type": "IMAGE", "path": "g.tif"}})
    image = ee.Image("I/g")
    # The box spans x 0..1.6 and y 2..4: column 0 fully, column 1 (x 1..2) at 0.6, rows 0 and 1.
    # Centre rule: centres x=0.5 and x=1.5 are inside, so 4 pixels count.
    box = ee.Geometry.Rectangle([0, 2, 1.6, 4], "EPSG:3857", False)
    count = image.reduceRegion(ee.Reducer.count(), box, scale=1).getInfo()
    assert count == {"b1": 4}
    stats = image.reduceRegion(ee.Reducer.mean().combine(ee.Reducer.max(), None, True), box, scale=1).getInfo()
    # Weighted mean by hand: (0*1 + 1*0.6 + 4*1 + 5*0.6) / 3.2 = 2.375.
    assert stats["b1_mean"] == pytest.approx(2.375, rel=1e-12)
    assert stats["b1_max"] == 5


def _write_stack(tmp_path, rng, n=7):
    stack = rng.integers(0, 1000, (n, 12, 15)).astype("int16")
    valid = rng.random(stack.shape) > 0.3
    valid[:, 0, 0] = False  # a pixel masked in every image
    transform = Affine(10, 0, 500000, 0, -10, 4000000)
    images = []
    for i in range(n):
        band = np.where(valid[i], stack[i], -1).astype("int16")
        name = f"img{i}.tif"
        _write_raster(tmp_path / name, band, transform, "EPSG:32610", nodata=-1)
        images.append({"path": name, "time_start": f"2020-01-{i + 1:02d}"})
    return stack.astype(float), valid, transform, images


@pytest.mark.parametrize("method,numpy_fn", [
    ("median", np.nanmedian), ("mean", np.nanmean), ("min", np.nanmin), ("max", np.nanmax),
    ("sum", np.nansum), ("count", None), ("mosaic", None),
])
def test_composites_equal_numpy_under_masks(tmp_path, ee_on, method, numpy_fn):
    rng = np.random.default_rng(5)
    stack, valid, transform, images = _write_stack(tmp_path, rng)
    ee = ee_on({"C/s": {"type": "IMAGE_COLLECTION", "images": images}})
    coll = ee.ImageCollection("C/s")
    image = coll.mosaic() if method == "mosaic" else getattr(coll, method)()
    grid = {"dimensions": {"width": 15, "height": 12}, "crsCode": "EPSG:32610",
            "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 500000, "shearY": 0, "scaleY": -10,
                                "translateY": 4000000}}
    arr = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": grid})["b1"]
    masked = np.where(valid, stack, np.nan)
    any_valid = valid.any(axis=0)
    if method == "count":
        expected = valid.sum(axis=0)
    elif method == "mosaic":
        expected = np.zeros(stack.shape[1:])
        for i in range(stack.shape[0]):  # last image on top
            expected = np.where(valid[i], stack[i], expected)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels
            expected = numpy_fn(masked, axis=0)
        expected = np.where(any_valid, expected, 0)  # masked pixels come back as 0 in NPY
    np.testing.assert_array_equal(arr.astype(float), expected.astype(arr.dtype).astype(float))


def _box(ee, x0, y0, x1, y1):
    return ee.Geometry.Rectangle([x0, y0, x1, y1], "EPSG:3857", False)


def test_percentile_names(ee):
    out = ee.Image("I/m").select("B1").reduceRegion(ee.Reducer.percentile([10, 90]), _box(ee, 0, 0, 4, 4),
                                                    scale=1).getInfo()
    assert set(out) == {"B1_p10", "B1_p90"}
    # Interpolation convention is not documented; only bounds and order are checked.
    assert 0 <= out["B1_p10"] < out["B1_p90"] <= 15


def test_std_dev_and_unweighted_use_centre_rule(ee):
    img = ee.Image("I/m").select("B1")
    box = _box(ee, 0, 2, 1.6, 4)  # centres inside: values 0, 1, 4, 5
    inside = np.array([0, 1, 4, 5], float)
    sd = img.reduceRegion(ee.Reducer.stdDev(), box, scale=1).getInfo()
    assert sd == {"B1": pytest.approx(float(np.std(inside)), rel=1e-12)}
    mean = img.reduceRegion(ee.Reducer.mean().unweighted(), box, scale=1).getInfo()
    assert mean == {"B1": pytest.approx(float(inside.mean()), rel=1e-12)}
    renamed = img.reduceRegion(ee.Reducer.mean().setOutputs(["avg"]), box, scale=1).getInfo()
    assert list(renamed) == ["B1"]  # single output: the band name is used as-is
    two = ee.Image("I/m").select(["B1"]).reduceRegion(
        ee.Reducer.min().combine(ee.Reducer.max(), None, True).setOutputs(["lo", "hi"]), box, scale=1).getInfo()
    assert two == {"B1_lo": 0, "B1_hi": 5}


def test_reduce_region_errors(ee):
    img = ee.Image("I/m").select("B1")
    with pytest.raises(ee.EEException, match="Too many pixels"):
        img.reduceRegion(ee.Reducer.mean(), _box(ee, 0, 0, 4, 4), scale=1, maxPixels=10).getInfo()
    composite = ee.ImageCollection("C/s").mean()
    with pytest.raises(ee.EEException, match="The default WGS84 projection is invalid for aggregations"):
        composite.reduceRegion(ee.Reducer.mean(), ee.Geometry.Rectangle([10, 49.8, 10.2, 50])).getInfo()


def test_reduce_across_bands_skips_masked_bands(ee):
    img = ee.Image("I/ab")
    px = pixels(ee, img.reduce(ee.Reducer.mean()))
    np.testing.assert_allclose(px["mean"][0], np.where(VALID, (A + B) / 2, B))
    px = pixels(ee, img.reduce(ee.Reducer.max()))
    np.testing.assert_allclose(px["max"][0], np.where(VALID, np.maximum(A, B), B))
    px = pixels(ee, img.reduce(ee.Reducer.count()))
    np.testing.assert_array_equal(px["count"][0], np.where(VALID, 2, 1))
