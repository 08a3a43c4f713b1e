"""The catalog format: paths stay inside the catalog folder, globs with time patterns, nodata as the mask."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local.catalog.catalog import Catalog, CatalogError
from ee_assets.local.errors import NotFound
from ee_assets.local.values.grid import Grid
from ee_assets_tests.support.local_backend import write_catalog


def _tif(path, value=1, nodata=0):
    data = np.full((4, 5), value, "int16")
    data[0, 0] = nodata
    with rasterio.open(path, "w", driver="GTiff", width=5, height=4, count=1, dtype="int16", crs="EPSG:4326",
                       transform=Affine(1, 0, 0, 0, -1, 4), nodata=nodata) as ds:
        ds.write(data, 1)


def test_paths_cannot_escape_the_catalog_folder(tmp_path):
    inner = tmp_path / "cat"
    inner.mkdir()
    _tif(tmp_path / "outside.tif")
    with pytest.raises(CatalogError, match="leaves the catalog folder"):
        Catalog.from_file(write_catalog(inner, {"X/y": {"type": "IMAGE", "path": "../outside.tif"}}))


def test_bad_entries_name_what_to_fix(tmp_path):
    with pytest.raises(CatalogError, match="type must be one of"):
        Catalog.from_file(write_catalog(tmp_path, {"X/y": {"type": "RASTER", "path": "a.tif"}}))
    with pytest.raises(CatalogError, match="does not exist"):
        Catalog.from_file(write_catalog(tmp_path, {"X/y": {"type": "IMAGE", "path": "missing.tif"}}))
    with pytest.raises(CatalogError, match="needs 'images' or 'glob'"):
        Catalog.from_file(write_catalog(tmp_path, {"X/y": {"type": "IMAGE_COLLECTION"}}))


def test_glob_with_time_pattern_and_nodata_mask(tmp_path):
    (tmp_path / "c").mkdir()
    for day in ("2020_01_01", "2020_01_17"):
        _tif(tmp_path / "c" / f"{day}.tif", value=7)
    cat = Catalog.from_file(write_catalog(tmp_path, {"M/c": {"type": "IMAGE_COLLECTION", "glob": "c/*.tif",
                                                             "time_pattern": "%Y_%m_%d", "bands": ["v"]}}))
    coll = cat.load_collection("M/c")
    assert [i.properties["system:index"] for i in coll.elements] == ["2020_01_01", "2020_01_17"]
    assert coll.elements[1].properties["system:time_start"] == 1579219200000.0  # 2020-01-17T00:00Z
    assert coll.elements[0].band_names == ["v"]
    band = coll.elements[0].bands[0]
    values, mask = band.recipe.evaluate(Grid("EPSG:4326", Affine(1, 0, 0, 0, -1, 4), 5, 4))
    assert mask[0, 0] == 0 and mask.sum() == 19
    assert values[1, 1] == 7


def test_requests_can_name_only_catalog_ids(tmp_path):
    _tif(tmp_path / "a.tif")
    cat = Catalog.from_file(write_catalog(tmp_path, {"X/a": {"type": "IMAGE", "path": "a.tif"}}))
    with pytest.raises(NotFound):
        cat.load_image(str(tmp_path / "a.tif"))
    assert cat.load_image("projects/earthengine-public/assets/X/a").band_names == ["b1"]
