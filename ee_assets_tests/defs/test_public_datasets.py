"""The tutorials' computations on public collections the sample catalog does not have: the NDVI-by-state and
composite graphs (ee_assets/defs/*/graph.py) with their params pointing at Landsat 9 Collection 2 Level 2 and
Sentinel-2 SR Harmonized, materialized through the factories against the embedded local server, offline.

The local backend generates those collections (synthetic); values are checked against NDVI and medians computed
here with numpy from the generator's pixels (`synthetic.band_pixels`) on the grids EE would use, and the results'
metadata must say they were computed from synthetic data.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import rasterio
import shapely
import shapely.geometry
from affine import Affine
from pyproj import Transformer

from ee_assets import ee_image_assets, ee_table_assets
from ee_assets.local.catalog.public import synthetic
from ee_assets_tests.support.defs import REPO, clear_ee_env, failures, metadata, resources

MONTH, NEXT = "2022-06-01", "2022-07-01"
LANDSAT, S2_SR = "LANDSAT/LC09/C02/T1_L2", "COPERNICUS/S2_SR_HARMONIZED"
STATE = "Delaware"
LANDSAT_NDVI = {"nir": "SR_B5", "red": "SR_B4", "scale": 2.75e-05, "offset": -0.2}
LANDSAT_CLOUDS = {"band": "QA_PIXEL", "bits": [3, 4]}
S2_NDVI = {"nir": "B8", "red": "B4", "scale": 0.0001, "offset": 0.0}
S2_CLOUDS = {"band": "QA60", "bits": [10, 11]}
NDVI_SCALE_M = 300  # a state at Landsat's 30 m is ~10 M pixels per scene: coarser keeps the test short
SEED_X, SEED_Y = -121.58626826832939, 38.059141484827485
SEED_STEP = 8.983152841195215e-05  # the tutorial's grid: 10 m in EPSG:4326


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def ndvi_definitions(name: str, collection: str, ndvi: dict, cloud_mask: dict) -> dg.Definitions:
    params = {"regions": "TIGER/2018/States", "collection": collection,
              "region_filter": {"field": "NAME", "values": [STATE]}, "ndvi": ndvi, "cloud_mask": cloud_mask,
              "over_regions": True, "scale": NDVI_SCALE_M}
    return ee_table_assets(asset_key=name, graph="graph.py:ndvi_by_state", counts="graph.py:counts",
                           base_dir=REPO / "ee_assets" / "defs" / "ndvi_by_state", params=params,
                           partitions={"monthly": {"start": "2020-01-01"}}, checks={"ranges": {"NDVI": [-1, 1]}},
                           preview={"column": "NDVI"})


def composite_definitions(name: str, collection: str, bands: list[str], cloud_mask: dict, grid: dict
                          ) -> dg.Definitions:
    return ee_image_assets(asset_key=name, graph="graph.py:composite", counts="graph.py:counts",
                           base_dir=REPO / "ee_assets" / "defs" / "s2_composite",
                           params={"collection": collection, "bands": bands, "cloud_mask": cloud_mask},
                           partitions={"monthly": {"start": "2020-01-01"}}, grids={"delta": grid}, bands=bands,
                           visualization={"bands": bands[2::-1], "min": 0, "max": 3000 if "B2" in bands else 20000})


def materialize(definitions: dg.Definitions, sample_catalog, out: Path) -> dg.ExecuteInProcessResult:
    with pytest.MonkeyPatch.context() as mp:
        clear_ee_env(mp)
        result = dg.materialize([*definitions.assets, *definitions.asset_checks], partition_key=MONTH,
                                resources=resources(sample_catalog, out), raise_on_error=False)
    assert result.success, failures(result)
    return result


def state_polygon(sample_catalog) -> shapely.Geometry:
    features = json.loads((sample_catalog.parent / "states.geojson").read_text())["features"]
    [state] = [f for f in features if f["properties"]["NAME"] == STATE]
    return shapely.geometry.shape(state["geometry"])


def reference_ndvi(img: synthetic.SyntheticImage, polygon: shapely.Geometry, ndvi: dict, cloud_mask: dict) -> float:
    """Mean NDVI over the pixels whose centre is in `polygon`, on the grid EE's reduceRegions uses: the image's
    projection (its first band's UTM grid) at NDVI_SCALE_M, cloud bits and non-positive reflectance masked."""
    grid = img.grid(ndvi["nir"])
    a, _, c, _, e, f = grid.transform
    factor = NDVI_SCALE_M / a
    xs, ys = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(
        *np.asarray(polygon.exterior.coords).T)
    col0, col1 = int(np.floor((min(xs) - c) / NDVI_SCALE_M)), int(np.ceil((max(xs) - c) / NDVI_SCALE_M))
    row0, row1 = int(np.floor((f - max(ys)) / NDVI_SCALE_M)), int(np.ceil((f - min(ys)) / NDVI_SCALE_M))
    transform = Affine(a * factor, 0, c + col0 * NDVI_SCALE_M, 0, e * factor, f - row0 * NDVI_SCALE_M)
    width, height = col1 - col0, row1 - row0

    def band(name: str) -> tuple[np.ndarray, np.ndarray]:
        return synthetic.band_pixels(img, name, grid.crs, transform, width, height)

    (nir, valid), (red, _), (qa, _) = band(ndvi["nir"]), band(ndvi["red"]), band(cloud_mask["band"])
    nir = nir * ndvi["scale"] + ndvi["offset"]
    red = red * ndvi["scale"] + ndvi["offset"]
    clear = np.ones(qa.shape, bool)
    for bit in cloud_mask["bits"]:
        clear &= (qa.astype(np.int64) & (1 << bit)) == 0
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x, y = transform @ (cols, rows)
    inside = shapely.contains_xy(shapely.Polygon(np.column_stack([xs, ys])), x, y)
    use = valid & clear & inside & (nir > 0) & (red > 0)
    return float(np.mean(((nir - red) / (nir + red))[use])) if use.any() else float("nan")


@pytest.mark.parametrize("collection, ndvi, cloud_mask", [(LANDSAT, LANDSAT_NDVI, LANDSAT_CLOUDS),
                                                          (S2_SR, S2_NDVI, S2_CLOUDS)], ids=["landsat9", "s2_sr"])
def test_ndvi_by_state_on_a_public_collection(sample_catalog, tmp_path, collection, ndvi, cloud_mask):
    name = "ndvi_" + collection.split("/")[0].lower()
    result = materialize(ndvi_definitions(name, collection, ndvi, cloud_mask), sample_catalog, tmp_path)
    md = metadata(result, name)
    polygon = state_polygon(sample_catalog)
    scenes = list(synthetic.list_images(collection, day(MONTH), day(NEXT), polygon))
    # One row per scene meeting the state (the images the graph filtered to), as the row-count check verified.
    assert scenes and (md["region_count"], md["image_count"], md["dagster/row_count"]) == (1, len(scenes), len(scenes))
    assert "Computed from SYNTHETIC data" in md["synthetic_data"]
    assert collection in md["synthetic_data"] and "TIGER/2018/States" in md["synthetic_data"]

    rows = json.loads((tmp_path / name / f"{MONTH}.geojson").read_text())["features"]
    by_scene = {r["properties"]["image_id"]: r["properties"].get("NDVI") for r in rows}
    assert set(by_scene) == {s.index for s in scenes}
    values = [v for v in by_scene.values() if v is not None]
    assert values and all(-1 <= v <= 1 for v in values)
    # The clearest scene that covers the state, against numpy on the generator's pixels.
    covering = [s for s in scenes if s.footprint.contains(polygon)] or scenes
    scene = min(covering, key=lambda s: s.cloud_cover)
    expected = reference_ndvi(scene, polygon, ndvi, cloud_mask)
    assert by_scene[scene.index] == pytest.approx(expected, abs=0.01)
    assert 0.1 < expected < 0.9  # vegetation in June, not noise around zero


def reference_median(collection: str, bands: list[str], cloud_mask: dict, crs: str, transform: Affine,
                     width: int, height: int) -> np.ndarray:
    """(bands, height, width) median of the clear pixels of the month's images over the grid (NaN: none clear)."""
    x0, y1 = transform @ (0, 0)
    x1, y0 = transform @ (width, height)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform([x0, x1], [y0, y1])
    region = shapely.box(min(lon), min(lat), max(lon), max(lat))
    stacks = []
    for img in synthetic.list_images(collection, day(MONTH), day(NEXT), region):
        qa, valid = synthetic.band_pixels(img, cloud_mask["band"], crs, transform, width, height)
        clear = valid.copy()
        for bit in cloud_mask["bits"]:
            clear &= (qa.astype(np.int64) & (1 << bit)) == 0
        values = [synthetic.band_pixels(img, b, crs, transform, width, height)[0].astype(float) for b in bands]
        stacks.append(np.where(clear, np.stack(values), np.nan))
    return np.nanmedian(np.stack(stacks), axis=0)


@pytest.mark.parametrize("collection, bands, cloud_mask, grid", [
    (S2_SR, ["B2", "B3", "B4", "B8"], S2_CLOUDS,
     {"crs": "EPSG:4326", "upper_left": [SEED_X, SEED_Y], "scale_m": 10, "width": 640, "height": 640}),
    (LANDSAT, ["SR_B2", "SR_B3", "SR_B4", "SR_B5"], LANDSAT_CLOUDS,
     {"crs": "EPSG:32610", "upper_left": [624030, 4213320], "scale": 30, "width": 256, "height": 256}),
], ids=["s2_sr", "landsat9"])
@pytest.mark.filterwarnings("ignore:All-NaN slice")
def test_composite_on_a_public_collection(sample_catalog, tmp_path, collection, bands, cloud_mask, grid):
    name = "composite_" + collection.split("/")[0].lower()
    result = materialize(composite_definitions(name, collection, bands, cloud_mask, grid), sample_catalog, tmp_path)
    md = metadata(result, name)
    assert md["image_count"] > 0 and 0 < md["valid_fraction"] <= 1
    assert collection in md["synthetic_data"]
    with rasterio.open(tmp_path / name / "delta" / f"{MONTH}.tif") as ds:
        assert ds.descriptions == tuple(bands) and (ds.width, ds.height) == (grid["width"], grid["height"])
        # A window of the grid (pixels depend only on where they are, so any window of the grid will do).
        window = rasterio.windows.Window(96, 64, 48, 40)
        ours = ds.read(window=window).astype(float)
        valid = ds.read_masks(1, window=window) > 0
        transform = ds.window_transform(window)
        crs = ds.crs.to_string()
    expected = reference_median(collection, bands, cloud_mask, crs, transform, 48, 40)
    np.testing.assert_array_equal(valid, ~np.isnan(expected).any(axis=0))
    np.testing.assert_allclose(ours[:, valid], expected[:, valid], rtol=1e-12)
    assert (tmp_path / name / "delta" / f"{MONTH}.png").stat().st_size > 0
