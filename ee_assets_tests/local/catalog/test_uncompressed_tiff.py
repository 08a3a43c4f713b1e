"""Windows of uncompressed GeoTIFFs read without GDAL (catalog/uncompressed_tiff.py) equal GDAL's reads of the same
windows, for every layout GDAL writes; files it cannot read exactly go back to GDAL."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.windows import Window

from ee_assets.local.catalog import rasters, uncompressed_tiff
from ee_assets.local.values.grid import Grid

HEIGHT, WIDTH = 203, 157  # not multiples of any block size: partial tiles and a short last strip

LAYOUTS = {
    "tiles 64x32": dict(tiled=True, blockxsize=64, blockysize=32),
    "tiles 16, band planes": dict(tiled=True, blockxsize=16, blockysize=16, interleave="band"),
    "tiles 16, pixel interleaved": dict(tiled=True, blockxsize=16, blockysize=16, interleave="pixel"),
    "strips, GDAL's default": dict(tiled=False),
    "strips of 7 rows": dict(tiled=False, blockysize=7),
    "strips, pixel interleaved": dict(tiled=False, interleave="pixel"),
    "big-endian tiles": dict(tiled=True, blockxsize=16, blockysize=16, ENDIANNESS="BIG"),
}


@pytest.fixture(autouse=True)
def no_layouts_kept():
    uncompressed_tiff._layouts.clear()
    yield
    uncompressed_tiff._layouts.clear()


@pytest.fixture(params=["mapped", "preadv"])
def reading(request, monkeypatch):
    """Files memory-mapped, and files too large to map (read with preadv)."""
    if request.param == "preadv":
        monkeypatch.setattr(uncompressed_tiff, "MAPPED_BYTES", 0)
    return request.param


TRANSFORM = Affine(0.01, 0, 10.0, 0, -0.01, 50.0)


def write(path, data: np.ndarray, **options) -> str:
    options = {"crs": "EPSG:4326", "transform": TRANSFORM, **options}
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, **options) as ds:
        ds.write(data)
    return str(path)


def gdal_read(path: str, band: int, row: int, col: int, height: int, width: int) -> np.ndarray:
    with rasterio.open(path) as ds:
        return ds.read(band, window=Window(col, row, width, height))


@pytest.mark.parametrize("dtype", ["float32", "uint16", "int8", "float64"])
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_windows_equal_gdal_reads(tmp_path, name, dtype, reading):
    rng = np.random.default_rng(7)
    data = (rng.random((3, HEIGHT, WIDTH)) * 100).astype(dtype)
    path = write(tmp_path / "x.tif", data, **LAYOUTS[name])
    found = uncompressed_tiff.layout(path)
    assert found is not None, f"{name} {dtype}: expected a direct layout"
    assert (found.mapped is not None) == (reading == "mapped")
    windows = [(0, 0, HEIGHT, WIDTH), (HEIGHT - 1, WIDTH - 1, 1, 1), (31, 15, 34, 66)]  # all; a corner; across blocks
    windows += [tuple(int(v) for v in (r, c, rng.integers(1, HEIGHT - r + 1), rng.integers(1, WIDTH - c + 1)))
                for r, c in zip(rng.integers(0, HEIGHT, 12), rng.integers(0, WIDTH, 12), strict=True)]
    for row, col, height, width in windows:
        band = int(rng.integers(1, 4))
        out = np.empty((height, width), np.dtype(dtype))
        found.read(band, row, col, out)
        np.testing.assert_array_equal(out, gdal_read(path, band, row, col, height, width),
                                      err_msg=f"{name} {dtype} band {band} window {row},{col} {height}x{width}")


def test_a_window_outside_the_image_is_refused(tmp_path):
    path = write(tmp_path / "x.tif", np.zeros((1, 20, 20), np.float32), tiled=True, blockxsize=16, blockysize=16)
    with pytest.raises(ValueError, match="outside"):
        uncompressed_tiff.layout(path).read(1, 10, 10, np.empty((11, 5), np.float32))


@pytest.mark.parametrize("options", [
    dict(compress="deflate"),
    dict(compress="lzw", predictor=2),
    dict(tiled=True, blockxsize=16, blockysize=16, SPARSE_OK=True),  # blocks never written: GDAL fills them
    dict(nbits=12),
], ids=["deflate", "lzw with predictor", "sparse tiles", "12 bits"])
def test_files_gdal_must_read_go_to_gdal(tmp_path, options):
    data = np.ones((1, 64, 64), np.uint16)
    path = tmp_path / "x.tif"
    if options.get("SPARSE_OK"):
        with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint16", crs="EPSG:4326",
                           transform=TRANSFORM, **options) as ds:
            ds.write(data[0, :16, :16], 1, window=Window(0, 0, 16, 16))
    else:
        write(path, data, **options)
    assert uncompressed_tiff.layout(str(path)) is None


def test_a_rewritten_file_is_inspected_again(tmp_path):
    path = write(tmp_path / "x.tif", np.full((1, 40, 40), 1, np.float32), tiled=True, blockxsize=16, blockysize=16)
    out = np.empty((40, 40), np.float32)
    uncompressed_tiff.layout(path).read(1, 0, 0, out)
    assert np.all(out == 1)
    replacement = write(tmp_path / "y.tif", np.full((1, 40, 40), 2, np.float32), tiled=False)
    os.replace(replacement, path)
    uncompressed_tiff.layout(path).read(1, 0, 0, out)
    assert np.all(out == 2)


def test_a_truncated_file_is_an_error_not_garbage(tmp_path, monkeypatch):
    """Read with preadv (a mapped file truncated under a reader is a bus error, as the module says)."""
    monkeypatch.setattr(uncompressed_tiff, "MAPPED_BYTES", 0)
    path = write(tmp_path / "x.tif", np.ones((1, 64, 64), np.float32), tiled=False)
    found = uncompressed_tiff.layout(path)
    with open(path, "r+b") as f:
        f.truncate(int(found.offsets[0, -1, 0]) + 10)
    with pytest.raises(OSError, match="truncated"):
        found.read(1, 0, 0, np.empty((64, 64), np.float32))


def grid_of(transform: Affine, width: int, height: int) -> Grid:
    return Grid("EPSG:4326", transform, width, height)


@pytest.mark.parametrize("nodata", [float("nan"), -9999.0, None])
def test_native_tiles_equal_the_gdal_path(tmp_path, monkeypatch, nodata, reading):
    """read_native gives the same (values, mask) either way, for tiles inside the raster and hanging off its edge."""
    rng = np.random.default_rng(3)
    data = rng.normal(100, 5, (1, HEIGHT, WIDTH)).astype(np.float32)
    if nodata is not None:
        data[rng.random(data.shape) < 0.3] = nodata
    transform = TRANSFORM
    path = write(tmp_path / "x.tif", data, tiled=True, blockxsize=32, blockysize=32, nodata=nodata)
    source = grid_of(transform, WIDTH, HEIGHT)
    tiles = [grid_of(transform @ Affine.translation(c, r), w, h)
             for r, c, h, w in [(0, 0, HEIGHT, WIDTH), (40, 33, 50, 60), (-10, -7, 40, 40), (190, 150, 30, 30)]]
    direct = [rasters.read_native(path, 1, source, tile, nodata) for tile in tiles]
    monkeypatch.setattr(uncompressed_tiff, "layout", lambda p: None)
    through_gdal = [rasters.read_native(path, 1, source, tile, nodata) for tile in tiles]
    for ours, theirs in zip(direct, through_gdal, strict=True):
        assert ours is not None and theirs is not None
        np.testing.assert_array_equal(ours[1], theirs[1])
        valid = theirs[1] > 0
        np.testing.assert_array_equal(ours[0][valid], theirs[0][valid])


def _whole(blocks: np.ndarray) -> np.ndarray:
    """The image the blocks (block rows, block columns, rows, columns) make up, padding included."""
    down, across, bh, bw = blocks.shape
    return blocks.transpose(0, 2, 1, 3).reshape(down * bh, across * bw)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_band_blocks_are_the_bands_where_they_lie(tmp_path, name):
    """band_blocks: a view of the mapping (no copy) holding the band as GDAL reads it, for the layouts whose blocks
    follow each other; None for pixel-interleaved (GDAL's default for several bands) and big-endian files (then
    `read` copies)."""
    data = (np.random.default_rng(11).random((3, HEIGHT, WIDTH)) * 100).astype(np.float32)
    path = write(tmp_path / "x.tif", data, **LAYOUTS[name])
    found = uncompressed_tiff.layout(path)
    for band in (1, 2, 3):
        blocks = found.band_blocks(band)
        if found.samples > 1 or "big-endian" in name:
            assert blocks is None, name
            continue
        assert blocks is not None and np.shares_memory(blocks, found.mapped), name
        np.testing.assert_array_equal(_whole(blocks)[:HEIGHT, :WIDTH], gdal_read(path, band, 0, 0, HEIGHT, WIDTH))


def test_band_blocks_need_a_mapping_and_blocks_in_order(tmp_path, monkeypatch):
    path = write(tmp_path / "x.tif", np.ones((1, 64, 64), np.float32), tiled=True, blockxsize=16, blockysize=16)
    found = uncompressed_tiff.layout(path)
    assert found.band_blocks(1) is not None
    assert dataclasses.replace(found, offsets=found.offsets[:, ::-1].copy()).band_blocks(1) is None
    uncompressed_tiff._layouts.clear()
    monkeypatch.setattr(uncompressed_tiff, "MAPPED_BYTES", 0)
    assert uncompressed_tiff.layout(path).band_blocks(1) is None


def _expanded(px, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, mask) on a height x width grid of PixelBlocks read in place, by its documented rule: pixels outside
    the data masked, NaN or the nodata value masked."""
    from ee_assets.local.kernels.pixel_blocks import MASK_NAN, MASK_NONE, MASK_VALUE

    rows, cols = np.arange(height)[:, None] - px.origin_row, np.arange(width)[None, :] - px.origin_col
    inside = (rows >= 0) & (rows < px.height) & (cols >= 0) & (cols < px.width)
    r, c = np.where(inside, rows, 0), np.where(inside, cols, 0)
    bh, bw = px.values.shape[2:]
    values = px.values[r // bh, c // bw, r % bh, c % bw]
    valid = {MASK_NAN: lambda: ~np.isnan(values), MASK_VALUE: lambda: values != px.nodata,
             MASK_NONE: lambda: np.ones(values.shape, bool)}[px.rule]()
    return values, (inside & valid).astype(np.uint8)


@pytest.mark.parametrize("layout", [dict(tiled=True, blockxsize=32, blockysize=32), dict(tiled=False, blockysize=7)],
                         ids=["tiles", "strips"])
@pytest.mark.parametrize("nodata", [float("nan"), -9999.0, None])
def test_pixel_blocks_show_what_the_gdal_path_reads(tmp_path, monkeypatch, nodata, layout):
    """rasters.pixel_blocks on grids shifted by whole pixels (inside the raster and hanging off its edge) holds the
    (values, mask) read_native reads through GDAL."""
    rng = np.random.default_rng(5)
    data = rng.normal(100, 5, (1, HEIGHT, WIDTH)).astype(np.float32)
    if nodata is not None:
        data[rng.random(data.shape) < 0.3] = nodata
    path = write(tmp_path / "x.tif", data, nodata=nodata, **layout)
    source = grid_of(TRANSFORM, WIDTH, HEIGHT)
    tiles = [grid_of(TRANSFORM @ Affine.translation(c, r), w, h)
             for r, c, h, w in [(0, 0, HEIGHT, WIDTH), (40, 33, 50, 60), (-10, -7, 40, 40), (190, 150, 30, 30)]]
    in_place = [rasters.pixel_blocks(path, 1, source, tile, nodata) for tile in tiles]
    monkeypatch.setattr(uncompressed_tiff, "layout", lambda p: None)
    for px, tile in zip(in_place, tiles, strict=True):
        assert px is not None
        values, mask = _expanded(px, tile.height, tile.width)
        theirs = rasters.read_native(path, 1, source, tile, nodata)
        np.testing.assert_array_equal(mask, theirs[1])
        np.testing.assert_array_equal(values[mask > 0], theirs[0][mask > 0])


def test_pixel_blocks_only_for_the_files_own_grid_and_exact_masks(tmp_path):
    """None (the tiles are evaluated) for a resampled grid, a compressed file, a GDAL mask band without a nodata
    value, and a NaN nodata on integers."""
    data = np.ones((1, 64, 64), np.int16)
    plain = write(tmp_path / "plain.tif", data, tiled=True, blockxsize=16, blockysize=16)
    source = grid_of(TRANSFORM, 64, 64)
    assert rasters.pixel_blocks(plain, 1, source, source, -9999.0) is not None
    assert rasters.pixel_blocks(plain, 1, source, grid_of(TRANSFORM @ Affine.scale(2), 32, 32), None) is None
    assert rasters.pixel_blocks(plain, 1, source, source, float("nan")) is None
    packed = write(tmp_path / "packed.tif", data, compress="deflate")
    assert rasters.pixel_blocks(packed, 1, source, source, None) is None
    masked = tmp_path / "masked.tif"
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(masked, "w", driver="GTiff", width=64, height=64, count=1, dtype="int16",
                           crs="EPSG:4326", transform=TRANSFORM, tiled=True, blockxsize=16, blockysize=16) as ds:
            ds.write(data)
            ds.write_mask(np.full((64, 64), 255, np.uint8))
    assert rasters.pixel_blocks(str(masked), 1, source, source, None) is None
