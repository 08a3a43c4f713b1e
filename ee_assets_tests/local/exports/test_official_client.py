"""The official client's export and task calls, unchanged, against the local backend: start, status transitions,
cancel, list, requestId idempotence, the bounded queue, failed tasks; and an export's files equal a computePixels /
computeFeatures of the same expression, pixel for pixel and feature for feature."""

from __future__ import annotations

import csv
import io
import json
import time

import numpy as np
import pytest
import rasterio
import requests
from rasterio.io import MemoryFile

from ee_assets.local import FaultConfig
from ee_assets_tests.support.export_tasks import finish
from ee_assets_tests.support.image_fixtures import TRANSFORM, shapes_collection
from ee_assets_tests.support.local_backend import PROJECT, TOKEN

CRS = "EPSG:3857"
# A 37 x 29 grid of 2 m pixels over (and past) the 60 m x 50 m test raster: with 16-pixel files, 3 x 2 shards
# whose last row and column are partial.
GRID_TRANSFORM = [2, 0, TRANSFORM.c - 6, 0, -2, TRANSFORM.f + 4]
WIDTH, HEIGHT = 37, 29
PIXEL_GRID = {"crsCode": CRS, "dimensions": {"width": WIDTH, "height": HEIGHT},
              "affineTransform": dict(zip(["scaleX", "shearX", "translateX", "shearY", "scaleY", "translateY"],
                                          GRID_TRANSFORM, strict=True))}


def sample_image(ee):
    """Values of both signs and fractions, a masked pixel, and masked pixels outside the raster."""
    a = ee.Image("I/ab").select("a")
    return a.add(ee.Image.pixelLonLat().select("longitude").multiply(1000)).rename("v").toFloat()


def export_image(ee, image, **extra):
    return ee.batch.Export.image.toCloudStorage(image, description="grid", bucket="test-bucket",
                                                fileNamePrefix="tiles/v", crs=CRS, crsTransform=GRID_TRANSFORM,
                                                dimensions=f"{WIDTH}x{HEIGHT}", **extra)


def mosaic(paths) -> tuple[np.ndarray, np.ndarray]:
    """The shards (named -yMin-xMin) put together: values and mask."""
    values, mask = np.zeros((HEIGHT, WIDTH), np.float32), np.zeros((HEIGHT, WIDTH), bool)
    for path in paths:
        row, col = (int(p) for p in path.stem.split("-")[-2:])
        with rasterio.open(path) as ds:
            values[row:row + ds.height, col:col + ds.width] = ds.read(1)
            mask[row:row + ds.height, col:col + ds.width] = ds.read_masks(1) > 0
            assert ds.transform.c == GRID_TRANSFORM[2] + 2 * col and ds.transform.f == GRID_TRANSFORM[5] - 2 * row
    return values, mask


def test_sharded_geotiff_export_equals_compute_pixels(exporting):
    server, ee, buckets = exporting()
    task = export_image(ee, sample_image(ee), fileDimensions=16, shardSize=16)
    task.start()
    assert task.status()["state"] in ("READY", "RUNNING", "COMPLETED")
    status = finish(task)
    assert status["state"] == "COMPLETED", status
    assert status["destination_uris"] == ["https://console.developers.google.com/storage/browser/test-bucket/tiles/"]
    files = sorted((buckets / "test-bucket" / "tiles").glob("*.tif"))
    assert [f.name for f in files] == [f"v-{r:010d}-{c:010d}.tif" for r in (0, 16) for c in (0, 16, 32)]
    values, mask = mosaic(files)
    reference = ee.data.computePixels({"expression": sample_image(ee), "fileFormat": "GEO_TIFF", "grid": PIXEL_GRID})
    with MemoryFile(reference) as mf, mf.open() as ds:
        want_values, want_mask = ds.read(1), ds.read_masks(1) > 0
    assert mask.any() and not mask.all()  # the raster's nodata pixel and the area outside it are masked
    np.testing.assert_array_equal(mask, want_mask)
    np.testing.assert_array_equal(values[mask], want_values[want_mask])


def test_cloud_optimized_single_file(exporting):
    server, ee, buckets = exporting()
    task = export_image(ee, sample_image(ee), formatOptions={"cloudOptimized": True})
    task.start()
    assert finish(task)["state"] == "COMPLETED"
    path = buckets / "test-bucket" / "tiles" / "v.tif"
    with rasterio.open(path) as ds:
        assert (ds.width, ds.height) == (WIDTH, HEIGHT) and ds.profile.get("tiled")
    assert [p.name for p in path.parent.iterdir()] == ["v.tif"]  # nothing staged is left


def test_export_to_an_asset_is_loadable_afterwards(exporting):
    server, ee, _ = exporting()
    task = ee.batch.Export.image.toAsset(sample_image(ee), description="to_asset",
                                         assetId="projects/test-project/assets/exported", crs=CRS,
                                         crsTransform=GRID_TRANSFORM, dimensions=f"{WIDTH}x{HEIGHT}")
    task.start()
    assert finish(task)["state"] == "COMPLETED"
    got = ee.data.computePixels({"expression": ee.Image("projects/test-project/assets/exported"),
                                 "fileFormat": "NUMPY_NDARRAY", "grid": PIXEL_GRID})
    want = ee.data.computePixels({"expression": sample_image(ee), "fileFormat": "NUMPY_NDARRAY", "grid": PIXEL_GRID})
    np.testing.assert_array_equal(got["v"], want["v"])


def collection(ee):
    shapes = shapes_collection(ee)
    return shapes.map(lambda f: f.set({"area": f.geometry().area(1), "name": ee.String("k").cat(
        ee.Number(f.get("k")).format("%d"))}))


@pytest.mark.parametrize("file_format", ["GeoJSON", "CSV"])
def test_table_export_equals_compute_features(exporting, file_format):
    server, ee, buckets = exporting()
    task = ee.batch.Export.table.toCloudStorage(collection(ee), description="shapes", bucket="test-bucket",
                                                fileNamePrefix="tables/shapes", fileFormat=file_format)
    task.start()
    assert finish(task)["state"] == "COMPLETED"
    want = ee.data.computeFeatures({"expression": collection(ee)})["features"]
    folder = buckets / "test-bucket" / "tables"
    if file_format == "GeoJSON":
        got = json.loads((folder / "shapes.geojson").read_text())["features"]
        assert got == want
        return
    rows = list(csv.DictReader(io.StringIO((folder / "shapes.csv").read_text())))
    assert list(rows[0]) == ["system:index", "area", "k", "name", ".geo"]
    assert [r["system:index"] for r in rows] == [f["id"] for f in want]
    assert [json.loads(r[".geo"]) for r in rows] == [f["geometry"] for f in want]
    assert [(float(r["area"]), int(r["k"]), r["name"]) for r in rows] == [
        (f["properties"]["area"], f["properties"]["k"], f["properties"]["name"]) for f in want]


def test_status_goes_ready_running_completed_and_list_shows_every_task(exporting):
    server, ee, _ = exporting(faults=FaultConfig(task_delay_s=0.6), export_workers=1)
    first, second = (export_image(ee, sample_image(ee)) for _ in range(2))
    first.start()
    second.start()
    seen_second = set()
    while first.active() or second.active():
        seen_second.add(second.status()["state"])
        time.sleep(0.02)
    assert {"READY", "RUNNING", "COMPLETED"} <= seen_second | {second.status()["state"]}
    assert first.status()["state"] == second.status()["state"] == "COMPLETED"
    names = {op["name"] for op in ee.data.listOperations()}
    assert {f"projects/test-project/operations/{t.id}" for t in (first, second)} == names
    assert {t.id for t in ee.batch.Task.list()} == {first.id, second.id}
    done = ee.data.getOperation(f"projects/test-project/operations/{first.id}")
    assert done["done"] is True and done["metadata"]["progress"] == 1


def test_cancel_a_running_task(exporting):
    server, ee, buckets = exporting(faults=FaultConfig(task_delay_s=30))
    task = export_image(ee, sample_image(ee))
    task.start()
    while task.status()["state"] != "RUNNING":
        time.sleep(0.02)
    task.cancel()
    status = finish(task, timeout_s=10)
    assert status["state"] == "CANCELLED"
    op = ee.data.getOperation(f"projects/test-project/operations/{task.id}")
    assert op["done"] and op["error"]["code"] == 1
    assert not (buckets / "test-bucket").exists()


def test_a_repeated_request_id_starts_one_task(exporting):
    server, ee, _ = exporting()
    params = export_image(ee, sample_image(ee)).config
    first = ee.data.exportImage("same-request-id-1", dict(params))
    again = ee.data.exportImage("same-request-id-1", dict(params))
    other = ee.data.exportImage("another-request-id", dict(params))
    assert first["name"] == again["name"] != other["name"]
    assert len(ee.data.listOperations()) == 2


def test_a_full_queue_refuses_with_ee_error(exporting):
    server, ee, _ = exporting(faults=FaultConfig(task_delay_s=30), export_workers=1, max_queued_exports=1)
    tasks = [export_image(ee, sample_image(ee)) for _ in range(3)]
    tasks[0].start()
    while tasks[0].status()["state"] != "RUNNING":
        time.sleep(0.02)
    tasks[1].start()
    # Without a requestId the client does not retry (with one, it retries the 429 up to 5 times).
    with pytest.raises(ee.EEException, match=r"Too many tasks already in the queue \(1\)"):
        ee.data.exportImage(None, tasks[2].config)
    for task in tasks[:2]:
        task.cancel()


def test_failed_tasks_report_ee_errors(exporting):
    server, ee, buckets = exporting(faults=FaultConfig(task_failure_rate=1.0, task_failure_message="Boom."))
    task = export_image(ee, sample_image(ee))
    task.start()
    status = finish(task)
    assert (status["state"], status["error_message"]) == ("FAILED", "Boom.")
    server.faults.task_failure_rate = 0.0
    too_big = export_image(ee, sample_image(ee), maxPixels=100)
    too_big.start()
    status = finish(too_big)
    assert status["state"] == "FAILED"
    assert status["error_message"].startswith(f"Export too large: specified {WIDTH * HEIGHT} pixels (max: 100).")
    assert not (buckets / "test-bucket").exists()


def test_operations_wait_and_list_pages(exporting):
    """operations.wait (not called by the client) blocks until the task ends; list pages with pageSize."""
    server, ee, _ = exporting(faults=FaultConfig(task_delay_s=0.3))
    tasks = [export_image(ee, sample_image(ee)) for _ in range(3)]
    for task in tasks:
        task.start()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = f"{server.url}/v1/projects/{PROJECT}/operations"
    waited = requests.post(f"{base}/{tasks[-1].id}:wait", json={"timeout": "30s"}, headers=headers, timeout=60).json()
    assert waited["done"] is True and waited["metadata"]["state"] == "SUCCEEDED"
    first = requests.get(base, params={"pageSize": 2}, headers=headers, timeout=10).json()
    rest = requests.get(base, params={"pageSize": 2, "pageToken": first["nextPageToken"]}, headers=headers,
                        timeout=10).json()
    names = [op["name"] for op in first["operations"] + rest["operations"]]
    assert len(first["operations"]) == 2 and "nextPageToken" not in rest
    assert names == [f"projects/{PROJECT}/operations/{t.id}" for t in reversed(tasks)]  # newest first
