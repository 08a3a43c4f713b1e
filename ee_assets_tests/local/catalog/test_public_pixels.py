"""Pixels of synthetic public datasets: for the popular ids, bands, types and ranges match the facts; class bands
hold only class values; the same request gives the same bytes, however the window is tiled; values are smooth;
and datasets agree with each other and with their own properties where real data would."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from affine import Affine

from ee_assets.local.catalog.public import facts, pixels, synthetic
from ee_assets_tests.local.catalog.popular_datasets import IMAGE_COLLECTIONS, IMAGES, native_window, sample_image
from ee_assets_tests.support.no_network import subprocess_pythonpath

UTC = dt.UTC
MAX_BANDS = 16


def bands_to_check(ds):
    """The first MAX_BANDS bands plus every class and bitmask band (some datasets have hundreds of bands)."""
    chosen = list(ds.bands[:MAX_BANDS])
    chosen += [b for b in ds.bands[MAX_BANDS:] if b.classes or b.bits]
    return chosen


def neighbour_agreement(v: np.ndarray) -> float:
    """Share of horizontally adjacent pixel pairs that are equal (class bands)."""
    return float(np.mean(v[:, 1:] == v[:, :-1]))


def neighbour_correlation(v: np.ndarray) -> float:
    a, b = v[:, 1:].ravel().astype(float), v[:, :-1].ravel().astype(float)
    if a.std() == 0 or b.std() == 0:
        return 1.0
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("dataset_id", IMAGE_COLLECTIONS + IMAGES)
def test_popular_dataset_bands_match_the_facts(dataset_id):
    ds = synthetic.dataset(dataset_id)
    img = sample_image(dataset_id)
    assert img.band_names == [b.name for b in ds.bands] and img.band_names
    assert img.properties["synthetic"] is True
    correlations = []
    for b in bands_to_check(ds):
        crs, transform, w, h = native_window(img, b.name, 48)
        values, valid = synthetic.band_pixels(img, b.name, crs, transform, w, h)
        assert values.dtype == np.dtype(b.type) and values.shape == (48, 48), b.name
        assert valid.mean() > 0.5, f"{b.name}: window mostly outside the image"
        v = values[valid]
        lo, hi = b.value_range
        assert lo <= v.min() and v.max() <= hi, (b.name, v.min(), v.max(), lo, hi)
        if b.classes:
            assert set(np.unique(v).tolist()) <= {c[0] for c in b.classes}, b.name
            assert neighbour_agreement(values) > 0.6, b.name
        elif b.bits:
            assert v.max() < 2 ** b.bits
        else:
            correlations.append(neighbour_correlation(values))
        again, valid_again = synthetic.band_pixels(img, b.name, crs, transform, w, h)
        assert again.tobytes() == values.tobytes() and (valid_again == valid).all()
    if correlations:
        assert np.median(correlations) > 0.8, correlations


@pytest.mark.parametrize("dataset_id", ["LANDSAT/LC09/C02/T1_L2", "COPERNICUS/S2_SR_HARMONIZED", "USGS/SRTMGL1_003",
                                        "ESA/WorldCover/v200", "MODIS/061/MOD13A2", "ECMWF/ERA5_LAND/DAILY_AGGR",
                                        "UCSB-CHG/CHIRPS/DAILY", "JRC/GSW1_4/GlobalSurfaceWater"])
@pytest.mark.parametrize("grid", ["native", "finer", "lonlat"])
def test_a_window_equals_its_four_quarters(dataset_id, grid):
    img = sample_image(dataset_id)
    bands = [b for b in img.ds.bands if b.classes][:1] + [b for b in img.ds.bands if not b.classes][:2]
    for b in bands:
        crs, transform, w, h = native_window(img, b.name, 64, step={"finer": 0.5}.get(grid, 1.0))
        if grid == "lonlat":  # another CRS than the native one, pixel edges on round numbers
            g = img.grid(b.name)
            deg = g.scale / 111_319.49 * 0.7
            p = img.footprint.representative_point()
            crs, transform = "EPSG:4326", Affine(deg, 0, round(p.x, 2), 0, -deg, round(p.y, 2))
        whole, valid = synthetic.band_pixels(img, b.name, crs, transform, w, h)
        quarters = np.zeros_like(whole)
        quarters_valid = np.zeros_like(valid)
        for r0, c0, hh, ww in ((0, 0, 30, 27), (0, 27, 30, 37), (30, 0, 34, 27), (30, 27, 34, 37)):
            part, part_valid = synthetic.band_pixels(img, b.name, crs, transform @ Affine.translation(c0, r0), ww, hh)
            quarters[r0:r0 + hh, c0:c0 + ww] = part
            quarters_valid[r0:r0 + hh, c0:c0 + ww] = part_valid
        assert quarters.tobytes() == whole.tobytes() and (quarters_valid == valid).all(), (b.name, grid)


def test_finer_requests_repeat_native_pixels():
    """Nearest neighbour, as EE resamples: a grid at half the native pixel size shows each native value 2 × 2."""
    img = sample_image("USGS/SRTMGL1_003")
    crs, transform, w, h = native_window(img, "elevation", 32)
    native, _ = synthetic.band_pixels(img, "elevation", crs, transform, w, h)
    crs, transform2, _, _ = native_window(img, "elevation", 32, step=0.5)
    fine, _ = synthetic.band_pixels(img, "elevation", crs, Affine(*transform2[:2], transform[2], *transform2[3:5],
                                                                  transform[5]), 64, 64)
    assert (fine == np.repeat(np.repeat(native, 2, 0), 2, 1)).all()


def test_dates_differ_and_scenes_outside_the_footprint_are_masked():
    imgs = list(synthetic.list_images("COPERNICUS/S2_SR_HARMONIZED", dt.datetime(2020, 6, 1, tzinfo=UTC),
                                      dt.datetime(2020, 6, 20, tzinfo=UTC), (-122.3, 37.7, -122.29, 37.71)))
    a, b = imgs[0], imgs[1]
    crs, transform, w, h = native_window(a, "B8", 64, anchor=(-122.3, 37.7))
    va, _ = synthetic.band_pixels(a, "B8", crs, transform, w, h)
    vb, _ = synthetic.band_pixels(b, "B8", crs, transform, w, h)
    assert not np.array_equal(va, vb)
    # A window straddling the tile's western edge: valid only inside the tile.
    g = a.grid("B8")
    t = Affine(10, 0, g.transform[2] - 320, 0, -10, g.transform[5] - 1000)
    _, valid = synthetic.band_pixels(a, "B8", g.crs, t, 64, 64)
    assert not valid[:, :32].any() and valid[:, 32:].all()


def test_landsat_qa_clouds_match_cloud_cover():
    """CLOUD_COVER is the share of the scene whose QA_PIXEL cloud bit (3) is set (USGS's definition)."""
    errors = []
    imgs = synthetic.list_images("LANDSAT/LC08/C02/T1_L2", dt.datetime(2019, 1, 1, tzinfo=UTC),
                                 dt.datetime(2019, 4, 1, tzinfo=UTC), (10.0, 45.0, 10.01, 45.01))
    for img in imgs:
        g = img.grid("QA_PIXEL")
        step = 30
        w, h = g.width // step, g.height // step
        t = Affine(g.transform[0] * step, 0, g.transform[2], 0, g.transform[4] * step, g.transform[5])
        qa, valid = synthetic.band_pixels(img, "QA_PIXEL", g.crs, t, w, h)
        cloud = (qa[valid] >> 3) & 1
        clear = (qa[valid] >> 6) & 1
        assert not (cloud & clear).any()
        errors.append(abs(cloud.mean() * 100 - img.properties["CLOUD_COVER"]))
    assert len(errors) >= 4 and np.mean(errors) < 12, errors


def test_sentinel2_scl_and_qa60_agree_on_clouds():
    img = max(synthetic.list_images("COPERNICUS/S2_SR_HARMONIZED", dt.datetime(2020, 6, 1, tzinfo=UTC),
                                    dt.datetime(2020, 8, 1, tzinfo=UTC), (-122.3, 37.7, -122.29, 37.71)),
              key=lambda i: i.cloud_cover)
    g = img.grid("SCL")
    t = Affine(g.transform[0] * 20, 0, g.transform[2], 0, g.transform[4] * 20, g.transform[5])
    w, h = g.width // 20, g.height // 20
    scl, _ = synthetic.band_pixels(img, "SCL", g.crs, t, w, h)
    qa60, _ = synthetic.band_pixels(img, "QA60", g.crs, t, w, h)
    cloudy_scl = np.isin(scl, [8, 9, 10])
    cloudy_qa = (qa60 & (1 << 10 | 1 << 11)) > 0
    assert cloudy_scl.mean() > 0.05 and (cloudy_scl == cloudy_qa).mean() > 0.99
    assert abs(cloudy_scl.mean() * 100 - img.properties["CLOUDY_PIXEL_PERCENTAGE"]) < 20


def test_landsat_reflectance_and_ndvi_are_plausible():
    """Clear land pixels: physical reflectance (DN × 2.75e-05 − 0.2, the USGS scaling) in [0, 0.6] and an NDVI that
    is higher where WorldCover says tree cover than where it says bare ground (the datasets share one world)."""
    img = min(synthetic.list_images("LANDSAT/LC09/C02/T1_L2", dt.datetime(2022, 6, 1, tzinfo=UTC),
                                    dt.datetime(2022, 9, 1, tzinfo=UTC), (-90.3, 38.6, -90.29, 38.61)),
              key=lambda i: i.cloud_cover)
    g = img.grid("SR_B4")
    t = Affine(300, 0, g.transform[2] + 30_000, 0, -300, g.transform[5] - 30_000)
    red, valid = synthetic.band_pixels(img, "SR_B4", g.crs, t, 300, 300)
    nir, _ = synthetic.band_pixels(img, "SR_B5", g.crs, t, 300, 300)
    qa, _ = synthetic.band_pixels(img, "QA_PIXEL", g.crs, t, 300, 300)
    clear = valid & ((qa >> 6) & 1 == 1) & ((qa >> 7) & 1 == 0) & ((qa >> 5) & 1 == 0)  # clear, no water or snow
    r = red[clear] * 2.75e-05 - 0.2
    n = nir[clear] * 2.75e-05 - 0.2
    assert clear.mean() > 0.3 and r.min() >= 0 and n.max() <= 0.6
    ndvi = (n - r) / (n + r)
    wc = synthetic.load_image("ESA/WorldCover/v200/2021")
    cover, _ = synthetic.band_pixels(wc, "Map", g.crs, t, 300, 300)
    cover = cover[clear]
    assert (cover == 10).sum() > 100 and (cover == 60).sum() > 100
    assert ndvi[cover == 10].mean() > ndvi[cover == 60].mean() + 0.2


def test_cache_is_bounded(monkeypatch):
    cache = pixels.FieldCache(max_bytes=2_000_000)
    monkeypatch.setattr(pixels, "CACHE", cache)
    img = sample_image("USGS/SRTMGL1_003")
    for k in range(12):
        crs, transform, w, h = native_window(img, "elevation", 128, anchor=(-90.3 + 0.05 * k, 38.6))
        synthetic.band_pixels(img, "elevation", crs, transform, w, h)
        assert cache.nbytes <= 2_000_000 + 128 * 128 * 8 * 16  # the bound, or one entry over it


def test_unknown_band_is_a_clear_error():
    img = sample_image("USGS/SRTMGL1_003")
    with pytest.raises(KeyError, match="no band 'B4'.*elevation"):
        synthetic.band_pixels(img, "B4", "EPSG:4326", (0.001, 0, 0, 0, -0.001, 0), 4, 4)


def test_footprints_of_global_datasets_are_their_bbox():
    img = sample_image("USGS/SRTMGL1_003")
    assert img.footprint.equals(shapely.box(-180, -56, 180, 60))


def test_every_public_dataset_resolves():
    """All 1,438 ids of the facts (current and removed): an image near the dataset's centre with valid pixels of
    its first band and of its first class or bitmask band, in range; a table gives features."""
    for dataset_id in facts.dataset_ids():
        ds = synthetic.dataset(dataset_id)
        if ds.type not in ("IMAGE", "IMAGE_COLLECTION"):
            west, south, east, north = ds.bbox
            cx, cy = (west + east) / 2, (south + north) / 2
            assert synthetic.load_table(dataset_id, (cx - 2, cy - 2, cx + 2, cy + 2), limit=5), dataset_id
            continue
        img = sample_image(dataset_id)
        assert img.properties["synthetic"] is True
        for b in [*ds.bands[:1], *[b for b in ds.bands if b.classes or b.bits][:1]]:
            crs, transform, w, h = native_window(img, b.name, 4)
            values, valid = synthetic.band_pixels(img, b.name, crs, transform, w, h)
            lo, hi = b.value_range
            assert valid.any() and lo <= values[valid].min() and values[valid].max() <= hi, (dataset_id, b.name)


SAME_BYTES_SCRIPT = """
import hashlib
from ee_assets.local.catalog.public import synthetic
from ee_assets_tests.local.catalog.popular_datasets import native_window, sample_image
digest = hashlib.sha256()
for dataset_id, band in (("COPERNICUS/S2_SR_HARMONIZED", "SCL"), ("LANDSAT/LC09/C02/T1_L2", "SR_B4"),
                         ("ECMWF/ERA5_LAND/DAILY_AGGR", "temperature_2m"), ("ESA/WorldCover/v200", "Map")):
    img = sample_image(dataset_id)
    values, valid = synthetic.band_pixels(img, band, *native_window(img, band, 64))
    digest.update(img.id.encode() + repr(sorted(img.properties.items())).encode() + values.tobytes() + valid.tobytes())
print(digest.hexdigest())
"""


def test_same_bytes_in_another_process(tmp_path):
    """No state of the process (hash seeds, caches, import order) changes the data: a fresh interpreter with another
    PYTHONHASHSEED computes the same images, properties and pixels."""
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join([subprocess_pythonpath(tmp_path / "guard"), root])}
    out = subprocess.run([sys.executable, "-c", SAME_BYTES_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout.strip()
    here = {}
    exec(SAME_BYTES_SCRIPT.replace("print(digest.hexdigest())", "result = digest.hexdigest()"), here)
    assert out == here["result"]
