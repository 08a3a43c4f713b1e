"""Composite assets end to end: `dagster.materialize` against the real embedded local server, asserting on files.

Pixel values are checked against a median computed here from the sample Sentinel-2 GeoTIFFs (QA60 masked,
nearest neighbour at each output pixel's centre).
"""

from __future__ import annotations

import io

import dagster as dg
import numpy as np
import pytest
import rasterio
from affine import Affine
from PIL import Image
from pyproj import Transformer

from ee_assets import ee_image_assets
from ee_assets_tests.support.defs import REPO, asset, catalog_images, check, clear_ee_env, failures, metadata, resources

MONTH, NEXT = "2020-06-01", "2020-07-01"
s2_composite_expression, s2_composite = asset("s2_composite_expression"), asset("s2_composite")
s2_composite_not_masked, s2_composite_grid_matches_request = (
    check(n) for n in ("s2_composite_not_masked", "s2_composite_grid_matches_request"))
COMPOSITE_ASSETS = [s2_composite_expression, s2_composite, s2_composite_not_masked,
                    s2_composite_grid_matches_request]
SEED_X, SEED_Y = -121.58626826832939, 38.059141484827485
SEED_STEP = 8.983152841195215e-05  # ee.Projection('EPSG:4326').atScale(10) (the tutorial's value)
SEED_GRID = {"dimensions": {"width": 640, "height": 640}, "crsCode": "EPSG:4326",
             "affineTransform": {"scaleX": SEED_STEP, "shearX": 0, "translateX": SEED_X,
                                 "shearY": 0, "scaleY": -SEED_STEP, "translateY": SEED_Y}}


@pytest.fixture(scope="module")
def composite_run(sample_catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        result = dg.materialize(COMPOSITE_ASSETS, partition_key=MONTH, resources=resources(sample_catalog, out))
    assert result.success
    return result, out


def test_visual_png_is_the_seed_picture_size(composite_run):
    _, out = composite_run
    picture = Image.open(out / "s2_composite" / "delta" / f"{MONTH}.png")
    assert picture.format == "PNG" and picture.size == (640, 640)


def test_geotiff_has_the_requested_grid_and_bands(composite_run):
    _, out = composite_run
    with rasterio.open(out / "s2_composite" / "delta" / f"{MONTH}.tif") as ds:
        assert ds.crs.to_epsg() == 4326
        assert (ds.width, ds.height, ds.count) == (640, 640, 4)
        assert ds.descriptions == ("B2", "B3", "B4", "B8")
        assert ds.transform == Affine(SEED_STEP, 0, SEED_X, 0, -SEED_STEP, SEED_Y)


def reference_median(sample_catalog, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(4, n) median of B2, B3, B4, B8 over the month's images where QA60 is clear; NaN where none is."""
    lon = SEED_X + (cols + 0.5) * SEED_STEP
    lat = SEED_Y - (rows + 0.5) * SEED_STEP
    stacks = []
    for _, tif in catalog_images(sample_catalog, "COPERNICUS/S2_HARMONIZED", MONTH, NEXT):
        with rasterio.open(tif) as ds:
            x, y = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True).transform(lon, lat)
            r, c = rasterio.transform.rowcol(ds.transform, x, y, op=np.floor)
            data = ds.read()[:, np.asarray(r, dtype=int), np.asarray(c, dtype=int)].astype(float)
            names = list(ds.descriptions)
        clear = (data[names.index("QA60")].astype(int) & (1024 | 2048)) == 0
        bands = data[[names.index(b) for b in ("B2", "B3", "B4", "B8")]]
        stacks.append(np.where(clear, bands, np.nan))
    return np.nanmedian(np.stack(stacks), axis=0)


def test_composite_pixels_match_an_independent_median(composite_run, sample_catalog):
    _, out = composite_run
    rng = np.random.default_rng(5)
    rows, cols = rng.integers(0, 640, 300), rng.integers(0, 640, 300)
    expected = reference_median(sample_catalog, rows, cols)
    with rasterio.open(out / "s2_composite" / "delta" / f"{MONTH}.tif") as ds:
        ours = ds.read()[:, rows, cols]
        valid = ds.dataset_mask()[rows, cols] > 0
    np.testing.assert_array_equal(valid, ~np.isnan(expected).any(axis=0))
    np.testing.assert_allclose(ours[:, valid], expected[:, valid], rtol=1e-12)

    png = np.asarray(Image.open(out / "s2_composite" / "delta" / f"{MONTH}.png").convert("RGBA"))[rows, cols]
    b2, b3, b4 = expected[0], expected[1], expected[2]
    visual = np.rint(np.clip(np.stack([b4, b3, b2], axis=1) / 3000.0, 0, 1) * 255)
    assert np.abs(png[valid, :3] - visual[valid]).max() <= 1


def test_metadata_preview_and_checks(composite_run, sample_catalog):
    result, _ = composite_run
    md = metadata(result, "s2_composite")
    assert md["image_count"] == len(catalog_images(sample_catalog, "COPERNICUS/S2_HARMONIZED", MONTH, NEXT)) == 6
    assert md["requested_grids"] == {"delta": SEED_GRID}
    assert 0 < md["valid_fraction"] <= 1
    assert "data:image/png;base64," in md["preview"]
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"s2_composite_not_masked": True, "s2_composite_grid_matches_request": True}
    assert metadata(result, "s2_composite_expression")["expression_sha256"]["delta"] == \
        md["grids"]["delta"]["expression_sha256"]


def test_preview_is_small(composite_run):
    import base64

    result, _ = composite_run
    encoded = metadata(result, "s2_composite")["preview"].split("base64,", 1)[1].rstrip(")")
    assert max(Image.open(io.BytesIO(base64.b64decode(encoded))).size) <= 256


def test_month_without_imagery_fails_clearly_and_writes_nothing(sample_catalog, tmp_path, monkeypatch):
    clear_ee_env(monkeypatch)
    result = dg.materialize(COMPOSITE_ASSETS, partition_key="2021-06-01", resources=resources(sample_catalog, tmp_path),
                            raise_on_error=False)
    assert not result.success
    message = failures(result)["s2_composite"]
    assert "image_count = 0 in [2021-06-01, 2021-07-01) over grid 'delta'" in message
    assert not (tmp_path / "s2_composite").exists()


def test_grids_come_from_the_config(sample_catalog, tmp_path, monkeypatch):
    """A grid in UTM with its own size: no code change, only options (here the factory's, as in a defs.yaml)."""
    clear_ee_env(monkeypatch)
    utm = ee_image_assets(
        asset_key="s2_composite", graph="graph.py:composite", counts="graph.py:counts",
        params={"collection": "COPERNICUS/S2_HARMONIZED"}, partitions={"monthly": {"start": "2020-01-01"}},
        grids={"farms-utm": {"crs": "EPSG:32610", "upper_left": [628000, 4212000], "scale": 20, "width": 200,
                             "height": 100}},
        bands=["B2", "B3", "B4", "B8"], visualization={"bands": ["B4", "B3", "B2"], "min": 0, "max": 3000},
        base_dir=REPO / "ee_assets" / "defs" / "s2_composite")
    result = dg.materialize([*utm.assets, *utm.asset_checks], partition_key=MONTH,
                            resources=resources(sample_catalog, tmp_path))
    assert result.success
    with rasterio.open(tmp_path / "s2_composite" / "farms-utm" / f"{MONTH}.tif") as ds:
        assert ds.crs.to_epsg() == 32610 and (ds.width, ds.height) == (200, 100)
        assert ds.transform == Affine(20, 0, 628000, 0, -20, 4212000)
    assert not (tmp_path / "s2_composite" / "delta").exists()
    assert all(e.passed for e in result.get_asset_check_evaluations())
