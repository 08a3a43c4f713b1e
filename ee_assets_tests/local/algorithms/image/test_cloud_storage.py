"""Image.loadGeoTIFF through the official client: gs://BUCKET/PATH read from <bucket_root>/BUCKET/PATH (where the
backend's exports write), bands B0, B1, … of the file's types in its projection, nodata as the mask; and what it
refuses: other URIs, '..', links out of the bucket root, files that are not GeoTIFFs, missing objects."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local import LocalServer
from ee_assets.transport.ee_client import initialize_ee
from ee_assets_tests.support.export_tasks import finish
from ee_assets_tests.support.image_fixtures import GRID, TRANSFORM, VALID, A, B, ab_catalog, write_raster
from ee_assets_tests.support.local_backend import PROJECT, TOKEN, credentials, write_catalog
from ee_assets_tests.support.serving import error, post

BUCKET = "test-bucket"
# A 7 x 5 UTM 33N raster with 30 m pixels.
UTM = "EPSG:32633"
UTM_TRANSFORM = Affine(30, 0, 500_000, 0, -30, 4_000_020)
UTM_GRID = {"crsCode": UTM, "dimensions": {"width": 7, "height": 5},
            "affineTransform": {"scaleX": 30, "shearX": 0, "translateX": 500_000, "shearY": 0, "scaleY": -30,
                                "translateY": 4_000_020}}


@pytest.fixture()
def bucket(tmp_path):
    """(ee, server, bucket folder): the client on a server whose bucket root is the test's own."""
    import ee

    server = LocalServer(write_catalog(tmp_path, ab_catalog(tmp_path)), token=TOKEN,
                         bucket_root=tmp_path / "buckets").start()
    initialize_ee(credentials(), url=server.url, project=PROJECT, offline=True)
    folder = tmp_path / "buckets" / BUCKET
    folder.mkdir(parents=True)
    yield ee, server, folder
    ee.Reset()
    server.stop()


def values_and_masks(ee, image, grid: dict) -> tuple[np.ndarray, np.ndarray]:
    values = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    masks = ee.data.computePixels({"expression": image.mask(), "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    return values, masks


def test_a_geotiff_loads_with_its_bands_types_projection_and_nodata_mask(bucket):
    ee, _, folder = bucket
    rng = np.random.default_rng(7)
    bands = [rng.integers(-500, 500, (5, 7)).astype(np.int16) for _ in range(3)]
    bands[0][2, 3] = bands[2][0, 0] = bands[2][4, 6] = -1  # nodata
    (folder / "scenes").mkdir()
    write_raster(folder / "scenes" / "utm.tif", bands, UTM_TRANSFORM, UTM, nodata=-1)

    image = ee.Image.loadGeoTIFF(f"gs://{BUCKET}/scenes/utm.tif")
    info = image.getInfo()
    assert [b["id"] for b in info["bands"]] == ["B0", "B1", "B2"]
    for b in info["bands"]:
        assert b["data_type"] == {"type": "PixelType", "precision": "int", "min": -32768, "max": 32767}
        assert b["crs"] == UTM and b["crs_transform"] == [30, 0, 500_000, 0, -30, 4_000_020]
        assert b["dimensions"] == [7, 5]
    values, masks = values_and_masks(ee, image, UTM_GRID)
    for i, written in enumerate(bands):
        np.testing.assert_array_equal(masks[f"B{i}"], written != -1)
        np.testing.assert_array_equal(values[f"B{i}"][written != -1], written[written != -1])


def test_a_float_geotiff_without_nodata_is_unmasked(bucket):
    ee, _, folder = bucket
    data = np.linspace(-1, 1, 35, dtype=np.float32).reshape(5, 7)
    write_raster(folder / "f.tif", [data], UTM_TRANSFORM, UTM, nodata=None)
    image = ee.Image.loadGeoTIFF(f"gs://{BUCKET}/f.tif")
    assert image.bandTypes().getInfo() == {"B0": {"type": "PixelType", "precision": "float"}}
    values, masks = values_and_masks(ee, image, UTM_GRID)
    assert masks["B0"].all()
    np.testing.assert_array_equal(values["B0"], data)


def test_an_exported_image_loads_back(bucket):
    ee, _, folder = bucket
    task = ee.batch.Export.image.toCloudStorage(ee.Image("I/ab").toFloat(), description="ab", bucket=BUCKET,
                                                fileNamePrefix="exports/ab", crs="EPSG:3857",
                                                crsTransform=list(TRANSFORM)[:6], dimensions="6x5")
    task.start()
    assert finish(task)["state"] == "COMPLETED"
    assert (folder / "exports" / "ab.tif").is_file()

    image = ee.Image.loadGeoTIFF(f"gs://{BUCKET}/exports/ab.tif")
    assert image.bandNames().getInfo() == ["B0", "B1"]
    assert image.projection().getInfo()["transform"] == list(TRANSFORM)[:6]
    values, masks = values_and_masks(ee, image, GRID)
    for name, written in (("B0", A), ("B1", B)):
        np.testing.assert_array_equal(masks[name], VALID)  # the nodata pixel of I/ab stays masked
        np.testing.assert_array_equal(values[name][VALID], written[VALID].astype(np.float32))


def _outside_geotiff(tmp_path) -> str:
    path = tmp_path / "outside" / "secret.tif"
    path.parent.mkdir(exist_ok=True)
    write_raster(path, [np.ones((5, 6), np.uint8)], nodata=None)
    return str(path)


def _link_to_outside_file(folder, tmp_path):
    os.symlink(_outside_geotiff(tmp_path), folder / "link.tif")


def _link_to_outside_folder(folder, tmp_path):
    os.symlink(os.path.dirname(_outside_geotiff(tmp_path)), folder / "dir")


def _sidecar_outside(folder, tmp_path):
    write_raster(folder / "masked.tif", [np.ones((5, 6), np.uint8)], nodata=None)
    outside_mask = tmp_path / "outside" / "mask.tif"
    outside_mask.parent.mkdir(exist_ok=True)
    write_raster(outside_mask, [np.full((5, 6), 255, np.uint8)], nodata=None)
    os.symlink(outside_mask, folder / "masked.tif.msk")  # GDAL reads x.tif.msk as x.tif's mask


def _png_named_tif(folder, tmp_path):
    with rasterio.open(folder / "picture.tif", "w", driver="PNG", width=4, height=4, count=1, dtype="uint8") as ds:
        ds.write(np.zeros((4, 4), np.uint8), 1)


def _text_named_tif(folder, tmp_path):
    (folder / "notes.tif").write_text("not a raster\n")


def _no_crs(folder, tmp_path):
    with rasterio.open(folder / "plain.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8") as ds:
        ds.write(np.zeros((4, 4), np.uint8), 1)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")  # the PNG and the CRS-less file
@pytest.mark.parametrize("uri,prepare,message", [
    ("https://storage.googleapis.com/test-bucket/x.tif", None, "is not a Cloud Storage URI"),
    ("/etc/hostname", None, "is not a Cloud Storage URI"),
    (f"gs://{BUCKET}/../outside/secret.tif", None, "invalid Cloud Storage URI"),
    ("gs://Bad_Bucket/x.tif", None, "invalid bucket name"),
    (f"gs://{BUCKET}/link.tif", _link_to_outside_file, "links to a file outside the bucket root"),
    (f"gs://{BUCKET}/dir/secret.tif", _link_to_outside_folder, "links to a file outside the bucket root"),
    (f"gs://{BUCKET}/masked.tif", _sidecar_outside, "uses a file outside the bucket root (masked.tif.msk)"),
    (f"gs://{BUCKET}/picture.tif", _png_named_tif, "is not a GeoTIFF"),
    (f"gs://{BUCKET}/notes.tif", _text_named_tif, "is not a GeoTIFF"),
    (f"gs://{BUCKET}/plain.tif", _no_crs, "has no coordinate reference system"),
    (f"gs://{BUCKET}/missing.tif", None, f'Object not found: "gs://{BUCKET}/missing.tif"'),
    (f"gs://{BUCKET}", None, f'Object not found: "gs://{BUCKET}"'),  # the bucket itself is not an object
], ids=["https", "local-path", "dot-dot", "bucket-name", "file-link", "folder-link", "sidecar-link", "png",
        "text", "no-crs", "missing", "bucket"])
def test_refusals_name_the_uri_and_what_is_wrong(bucket, tmp_path, uri, prepare, message):
    ee, server, folder = bucket
    if prepare is not None:
        prepare(folder, tmp_path)
    with pytest.raises(ee.EEException) as raised:
        ee.Image.loadGeoTIFF(uri).bandNames().getInfo()
    assert raised.value.args[0].startswith("Image.loadGeoTIFF: ") and message in str(raised.value)
    assert str(tmp_path) not in str(raised.value)  # the server's own paths are not told
    # An invalid argument (400), which clients do not retry.
    expression = ee.serializer.encode(ee.Image.loadGeoTIFF(uri).bandNames())
    status, text = error(post(server.url, "value:compute", {"expression": expression}, TOKEN))
    assert status == 400 and message in text


def test_a_backend_without_a_bucket_root_says_how_to_give_it_one(bucket):
    ee, server, _ = bucket
    server.backend.bucket_root = None
    with pytest.raises(ee.EEException, match="no bucket root.*--bucket-root"):
        ee.Image.loadGeoTIFF(f"gs://{BUCKET}/x.tif").getInfo()
