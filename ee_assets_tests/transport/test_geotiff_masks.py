"""Masks of GeoTIFFs as Earth Engine writes them (fill values + nodata tag) or as an internal GDAL mask: the tiled
fetch, `valid_fraction` and the "not entirely masked" check read both the same way.

The test image has a different mask per band, known by hand from the grid: band a is valid west of a meridian,
band b north of a parallel; a pixel is valid where both are.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import dagster as dg
import numpy as np
import pytest
import rasterio
import yaml
from rasterio.enums import MaskFlags

from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.storage import OutputStore
from ee_assets.local import FaultConfig, LocalServer
from ee_assets.local.protocol.oauth import generate_service_account_key
from ee_assets.transport.expression import serialize
from ee_assets.transport.masks import valid_fraction, valid_mask
from ee_assets.transport.tiled_geotiff import fetch_geotiff
from ee_assets_tests.support.defs import asset, catalog_images, check, clear_ee_env, metadata
from ee_assets_tests.support.grids import client_for
from ee_assets_tests.support.local_backend import TOKEN, write_catalog

WIDTH, HEIGHT, STEP, X0, Y0 = 600, 400, 0.01, -100.0, 40.0
GRID = {"dimensions": {"width": WIDTH, "height": HEIGHT}, "crsCode": "EPSG:4326",
        "affineTransform": {"scaleX": STEP, "shearX": 0, "translateX": X0, "shearY": 0, "scaleY": -STEP,
                            "translateY": Y0}}
WEST_OF, NORTH_OF = -97.502, 38.997  # between pixel centres: columns < 250 and rows < 100
FILL = {"float32": -np.inf, "uint16": 0, "int16": -32768}
MODES = ("internal", "nodata")


def expected_masks() -> tuple[np.ndarray, np.ndarray]:
    """Band a's and band b's valid pixels, from the pixel centres of the grid."""
    lon = X0 + (np.arange(WIDTH) + 0.5) * STEP
    lat = Y0 - (np.arange(HEIGHT) + 0.5) * STEP
    a = np.broadcast_to(lon < WEST_OF, (HEIGHT, WIDTH))
    b = np.broadcast_to((lat > NORTH_OF)[:, None], (HEIGHT, WIDTH))
    assert a.sum() == 250 * HEIGHT and b.sum() == 100 * WIDTH
    return a, b


def two_masked_bands(ee, dtype: str):
    cast = {"float32": "toFloat", "uint16": "toUint16", "int16": "toInt16"}[dtype]
    lonlat = ee.Image.pixelLonLat()
    a = getattr(ee.Image.constant(7), cast)().rename("a").updateMask(lonlat.select("longitude").lt(WEST_OF))
    b = getattr(ee.Image.constant(-3 if dtype != "uint16" else 3), cast)().rename("b") \
        .updateMask(lonlat.select("latitude").gt(NORTH_OF))
    return serialize(a.addBands(b))


@pytest.fixture(scope="module")
def servers(sample_catalog):
    with LocalServer(sample_catalog, token=TOKEN, geotiff_mask="internal") as internal, \
            LocalServer(sample_catalog, token=TOKEN, geotiff_mask="nodata") as nodata:
        yield {"internal": internal, "nodata": nodata}


@pytest.mark.parametrize("dtype", sorted(FILL))
def test_the_local_server_marks_masks_with_an_internal_mask_or_ees_fill_values(servers, ee_local, dtype):
    a, b = expected_masks()
    expression = two_masked_bands(ee_local, dtype)
    internal = client_for(servers["internal"]).compute_pixels(expression, GRID, "GEO_TIFF")
    nodata = client_for(servers["nodata"]).compute_pixels(expression, GRID, "GEO_TIFF")
    with rasterio.MemoryFile(internal) as mem, mem.open() as ds:
        assert ds.nodatavals == (None, None) and ds.dtypes == (dtype, dtype)
        assert all(MaskFlags.per_dataset in flags for flags in ds.mask_flag_enums)
        np.testing.assert_array_equal(ds.dataset_mask() > 0, a & b)
    with rasterio.MemoryFile(nodata) as mem, mem.open() as ds:
        assert ds.nodatavals == (FILL[dtype], FILL[dtype]) and ds.dtypes == (dtype, dtype)
        assert not any(MaskFlags.per_dataset in flags for flags in ds.mask_flag_enums)
        data = ds.read()
        np.testing.assert_array_equal(data[0] == FILL[dtype], ~a)  # each band's own mask, as fill values
        np.testing.assert_array_equal(data[1] == FILL[dtype], ~b)
        np.testing.assert_array_equal(valid_mask(ds), a & b)


@pytest.mark.parametrize("dtype", sorted(FILL))
def test_the_tiled_fetch_reads_either_mask_and_writes_the_same_file(servers, sample_catalog, ee_local, tmp_path,
                                                                    dtype):
    a, b = expected_masks()
    expression = two_masked_bands(ee_local, dtype)
    itemsize = np.dtype(dtype).itemsize
    digests = {}
    for mode in ("nodata", "internal"):
        out = tmp_path / f"{mode}.tif"
        result = fetch_geotiff(client_for(servers[mode]), expression, GRID, out,
                               max_tile_bytes=256 * 256 * 2 * (itemsize + 1))
        assert result.tiles == 6
        with rasterio.open(out) as ds:
            np.testing.assert_array_equal(ds.dataset_mask() > 0, a & b)  # valid where every band is
            data = ds.read()
            both = a & b
            assert (data[0][both] == 7).all() and (data[1][both] == (3 if dtype == "uint16" else -3)).all()
            assert (data[:, ~both] == 0).all()  # nothing of a fill value is left under the mask
        assert valid_fraction(out) == pytest.approx(both.mean()) == pytest.approx(250 * 100 / (WIDTH * HEIGHT))
        digests[mode] = hashlib.sha256(out.read_bytes()).hexdigest()
    # Tiles EE cannot compute whole are split and joined: the pieces' fill values are read the same way.
    with LocalServer(sample_catalog, token=TOKEN, geotiff_mask="nodata",
                     faults=FaultConfig(memory_limit_pixels=20_000)) as starved:
        split = fetch_geotiff(client_for(starved), expression, GRID, tmp_path / "split.tif",
                              max_tile_bytes=256 * 256 * 2 * (itemsize + 1))
    assert split.tiles == 6 and hashlib.sha256((tmp_path / "split.tif").read_bytes()).hexdigest() == \
        digests["internal"] == digests["nodata"]


def test_valid_fraction_of_ees_own_files_counts_pixels_valid_in_every_band(servers, ee_local, tmp_path):
    a, b = expected_masks()
    for mode, server in servers.items():
        path = tmp_path / f"{mode}.tif"
        path.write_bytes(client_for(server).compute_pixels(two_masked_bands(ee_local, "float32"), GRID, "GEO_TIFF"))
        assert valid_fraction(path) == pytest.approx((a & b).mean()), mode


def test_float_fill_values_without_a_nodata_tag_are_masked(tmp_path):
    """EE has written -inf fills in float GeoTIFFs without the tag: they are not data."""
    data = np.full((2, 4, 4), 5.0, np.float32)
    data[0, 0, :] = -np.inf
    data[1, :, 0] = np.nan
    with rasterio.open(tmp_path / "untagged.tif", "w", driver="GTiff", width=4, height=4, count=2,
                       dtype="float32", crs="EPSG:4326", transform=rasterio.Affine(1, 0, 10, 0, -1, 50)) as dst:
        dst.write(data)
    with rasterio.open(tmp_path / "untagged.tif") as ds:
        expected = np.ones((4, 4), bool)
        expected[0, :] = expected[:, 0] = False
        np.testing.assert_array_equal(valid_mask(ds), expected)
        np.testing.assert_array_equal(valid_mask(ds, rasterio.windows.Window(1, 1, 3, 2)), expected[1:3, 1:4])


# -- the composite and its check, against each kind of server ------------------------------------------------------
@pytest.fixture(scope="module")
def cloudy_catalog(sample_catalog, tmp_path_factory):
    """The sample catalog's June 2020 Sentinel-2 scenes with QA60 flagging opaque cloud everywhere."""
    folder = tmp_path_factory.mktemp("cloudy")
    images = []
    doc = yaml.safe_load(sample_catalog.read_text())
    entry = doc["assets"]["COPERNICUS/S2_HARMONIZED"]
    for day, path in catalog_images(sample_catalog, "COPERNICUS/S2_HARMONIZED", "2020-06-01", "2020-07-01"):
        copy = folder / path.name
        shutil.copy(path, copy)
        with rasterio.open(copy, "r+") as ds:
            qa = list(ds.descriptions).index("QA60") + 1
            ds.write(np.full((ds.height, ds.width), 1024, ds.dtypes[qa - 1]), qa)
        images.append({"path": copy.name, "time_start": f"{day.isoformat()}T18:57:59Z"})
    return write_catalog(folder, {"COPERNICUS/S2_HARMONIZED": {"type": "IMAGE_COLLECTION", "bands": entry["bands"],
                                                                 "images": images}})


@pytest.mark.parametrize("mode", MODES)
def test_a_fully_cloud_masked_month_fails_the_not_masked_check(cloudy_catalog, tmp_path, monkeypatch, mode):
    clear_ee_env(monkeypatch)
    with LocalServer(cloudy_catalog, token="unused-static-token", geotiff_mask=mode) as server:
        key = generate_service_account_key("runner@masks.iam.gserviceaccount.com", server.token_uri, "masks")
        server.auth.register(key)
        resource = EarthEngineResource(backend="earthengine", api_url=server.url, service_account_key=json.dumps(key),
                                       max_tile_bytes=256 * 256 * 36)
        result = dg.materialize([asset("s2_composite_expression"), asset("s2_composite"),
                                 check("s2_composite_not_masked"), check("s2_composite_grid_matches_request")],
                                partition_key="2020-06-01",
                                resources={"earth_engine": resource, "output_store": OutputStore(root=str(tmp_path))})
    assert result.success  # the asset is written; its check reports the problem
    md = metadata(result, "s2_composite")
    assert md["image_count"] == 6 and md["valid_fraction"] == 0 and md["ee_tiles"] == 9
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["s2_composite_not_masked"].passed
    assert "Entirely masked" in checks["s2_composite_not_masked"].description
    assert checks["s2_composite_grid_matches_request"].passed
