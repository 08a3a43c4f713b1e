"""No catalog file reaches outside the catalog's folder through GDAL or OGR: VRT sources, /vsi paths, subdatasets,
connection strings and formats that fetch URLs are refused when the catalog is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from ee_assets.local.catalog.catalog import Catalog, CatalogError
from ee_assets_tests.support.local_backend import write_catalog

TRANSFORM = Affine(1, 0, 0, 0, -1, 4)


@pytest.fixture()
def folders(tmp_path) -> tuple[Path, Path]:
    """(catalog folder, a folder beside it holding a 'secret' raster and table)."""
    inside, outside = tmp_path / "catalog", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    for folder in (inside, outside):
        with rasterio.open(folder / "r.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                           crs="EPSG:4326", transform=TRANSFORM) as ds:
            ds.write(np.full((1, 4, 4), 42, np.uint8))
        (folder / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"s": "x"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}))
    return inside, outside


def raster_vrt(source: str, relative: bool = True, extra: str = "") -> str:
    return (f'<VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:4326</SRS><GeoTransform>0,1,0,4,0,-1'
            f'</GeoTransform><VRTRasterBand dataType="Byte" band="1">{extra}<SimpleSource><SourceFilename '
            f'relativeToVRT="{int(relative)}">{source}</SourceFilename><SourceBand>1</SourceBand></SimpleSource>'
            f'</VRTRasterBand></VRTDataset>')


def table_vrt(source: str, extra: str = "") -> str:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource relativeToVRT="1">{source}</SrcDataSource>'
            f'{extra}</OGRVRTLayer></OGRVRTDataSource>')


def load(folder: Path, name: str, kind: str = "IMAGE") -> Catalog:
    return Catalog.from_file(write_catalog(folder, {"X/a": {"type": kind, "path": name}}))


@pytest.mark.parametrize("source, words", [
    ("../outside/r.tif", "outside the catalog folder"),
    ("/vsicurl/http://example.com/r.tif", "not a plain file path"),
    ("/vsizip/r.zip/r.tif", "not a plain file path"),
    ('NETCDF:"r.nc":var', "not a plain file path"),
    ("r.tif", None),  # inside: fine
], ids=["outside", "vsicurl", "vsizip", "subdataset", "inside"])
def test_a_raster_vrt_may_read_only_files_in_the_folder(folders, source, words):
    inside, _ = folders
    (inside / "v.vrt").write_text(raster_vrt(source))
    if words is None:
        assert load(inside, "v.vrt").assets["X/a"].path == inside / "v.vrt"
        return
    with pytest.raises(CatalogError, match=words) as caught:
        load(inside, "v.vrt")
    assert "catalog entry 'X/a'" in str(caught.value)


def test_a_vrt_of_a_vrt_that_leaves_the_folder_is_refused(folders):
    inside, _ = folders
    (inside / "inner.vrt").write_text(raster_vrt("../outside/r.tif"))
    (inside / "outer.vrt").write_text(raster_vrt("inner.vrt"))
    with pytest.raises(CatalogError, match="outside the catalog folder"):
        load(inside, "outer.vrt")


def test_an_absolute_or_working_directory_source_is_refused(folders):
    inside, outside = folders
    (inside / "a.vrt").write_text(raster_vrt(str(outside / "r.tif"), relative=False))
    with pytest.raises(CatalogError, match="outside the catalog folder"):
        load(inside, "a.vrt")
    (inside / "w.vrt").write_text(raster_vrt("r.tif", relative=False))
    with pytest.raises(CatalogError, match="working directory"):
        load(inside, "w.vrt")


def test_python_pixel_functions_are_refused(folders):
    inside, _ = folders
    code = "<PixelFunctionLanguage>Python</PixelFunctionLanguage><PixelFunctionCode>import os</PixelFunctionCode>"
    (inside / "p.vrt").write_text(raster_vrt("r.tif", extra=code))
    with pytest.raises(CatalogError, match="not allowed in a catalog VRT"):
        load(inside, "p.vrt")


def test_formats_that_fetch_urls_are_not_opened(folders):
    """A GDAL WMS description renamed .tif is not a GeoTIFF: refused from its first bytes, never opened."""
    inside, _ = folders
    (inside / "wms.tif").write_text("<GDAL_WMS><Service name=\"TMS\"><ServerUrl>http://example.com/${z}/${x}/${y}"
                                    "</ServerUrl></Service></GDAL_WMS>")
    with pytest.raises(CatalogError, match="not a raster in a supported local format"):
        load(inside, "wms.tif")


@pytest.mark.parametrize("source, extra, words", [
    ("../outside/t.geojson", "", "outside the catalog folder"),
    ("/vsicurl/http://example.com/t.geojson", "", "not a plain file path"),
    ("t.geojson", "<SrcSQL>SELECT * FROM t</SrcSQL>", "not allowed in a catalog VRT"),
    ("t.geojson", "", None),
], ids=["outside", "vsicurl", "SrcSQL", "inside"])
def test_an_ogr_vrt_may_read_only_files_in_the_folder(folders, source, extra, words):
    inside, _ = folders
    (inside / "t.vrt").write_text(table_vrt(source, extra))
    if words is None:
        catalog = load(inside, "t.vrt", "TABLE")
        assert len(catalog.load_table("X/a").elements) == 1
        return
    with pytest.raises(CatalogError, match=words):
        load(inside, "t.vrt", "TABLE")


def test_tables_must_be_plain_local_formats(folders):
    inside, _ = folders
    (inside / "t.kml").write_text("<kml/>")
    with pytest.raises(CatalogError, match="plain local format"):
        load(inside, "t.kml", "TABLE")
    (inside / "x.geojson").write_text(table_vrt("../outside/t.geojson"))  # a VRT in disguise
    with pytest.raises(CatalogError, match="only an OGR VRT"):
        load(inside, "x.geojson", "TABLE")


def test_a_vrt_inside_the_folder_serves_its_sources_pixels(folders):
    inside, _ = folders
    (inside / "v.vrt").write_text(raster_vrt("r.tif"))
    image = load(inside, "v.vrt").load_image("X/a")
    values, mask = image.bands[0].recipe.compute(image.native_grid())
    assert values.tolist() == [[42.0] * 4] * 4 and mask.all()
