"""The computePixels encoder, checked against hand-worked numbers and files read back independently."""

from __future__ import annotations

import io

import numpy as np
import pytest
import rasterio
from affine import Affine
from PIL import Image
from pyproj import CRS as ProjCRS
from rasterio.io import MemoryFile

from ee_assets.local.encoding.pixels import encode_pixels
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid

U8, I8, I16, U16, F32, F64 = (np.dtype(t) for t in ("uint8", "int8", "int16", "uint16", "float32", "float64"))


def grid_for(height: int, width: int, crs: str = "EPSG:4326", transform: Affine | None = None) -> Grid:
    return Grid(crs, transform or Affine(0.5, 0, 10, 0, -0.5, 20), width, height)


def encode(values, masks=None, dtypes=None, fmt="PNG", vis=None, names=None, grid=None):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        values = values[None]
    masks = np.ones(values.shape, np.float32) if masks is None else np.asarray(masks, np.float32)
    masks = masks[None] if masks.ndim == 2 else masks
    n = len(values)
    names = names or [f"b{i}" for i in range(n)]
    dtypes = dtypes or [F64] * n
    grid = grid or grid_for(*values.shape[1:])
    return encode_pixels(names, values, masks, dtypes, grid, fmt, vis)


def png_pixels(body: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(body))
    assert img.format == "PNG" and img.mode == "RGBA"
    return np.asarray(img)


def read_tiff(body: bytes):
    with MemoryFile(body) as mf, mf.open() as src:
        return {
            "crs": src.crs,
            "transform": src.transform,
            "shape": (src.count, src.height, src.width),
            "dtypes": src.dtypes,
            "descriptions": src.descriptions,
            "data": src.read(),
            "mask": src.dataset_mask(),
            "mask_flags": src.mask_flag_enums,
            "compression": src.compression.name if src.compression else None,
            "block_shapes": src.block_shapes,
            "files": src.files,
        }


# --- NPY ----------------------------------------------------------------------------------------


def test_npy_structured_round_trip_with_casting_and_masked_zero():
    values = [[[1.4, 2.6, -40000.0], [70000.0, np.nan, 5.0]], [[0.25, -1.5, 3.0], [1e3, 7.0, np.nan]]]
    masks = [[[1, 1, 1], [1, 0, 1]], [[1, 1, 1], [1, 1, 0]]]
    body, ctype = encode(values, masks, [I16, F32], fmt="NPY", names=["B4", "ndvi"])
    assert ctype == "application/octet-stream"
    arr = np.load(io.BytesIO(body))
    assert arr.dtype == np.dtype([("B4", "<i2"), ("ndvi", "<f4")])
    assert arr.shape == (2, 3)
    # int16: rounded to nearest, clipped to [-32768, 32767], masked NaN -> 0
    np.testing.assert_array_equal(arr["B4"], [[1, 3, -32768], [32767, 0, 5]])
    # float32: cast directly, masked -> 0
    np.testing.assert_array_equal(arr["ndvi"], np.array([[0.25, -1.5, 3.0], [1000.0, 7.0, 0.0]], np.float32))


def test_npy_unsigned_clips_negative_to_zero():
    body, _ = encode([[-3.0, 255.6, 300.0, 254.4]], dtypes=[U8], fmt="NPY", names=["x"])
    np.testing.assert_array_equal(np.load(io.BytesIO(body))["x"], [[0, 255, 255, 254]])


# --- GeoTIFF ------------------------------------------------------------------------------------


def test_geotiff_grid_dtype_descriptions_and_mask_read_back():
    transform = Affine(30.0, 0.0, 500000.0, 0.0, -30.0, 4200000.0)
    grid = Grid("EPSG:32610", transform, 3, 2)
    values = [[[1, 2, 3], [4, 5, 6]], [[60000, 0, 1], [2, 3, 4]]]
    masks = [[[1, 1, 1], [0, 1, 1]], [[1, 1, 0], [1, 1, 1]]]
    body, ctype = encode(values, masks, [I16, U16], fmt="GEO_TIFF", names=["B4", "QA"], grid=grid)
    assert ctype == "image/tiff" and body[:4] == b"II*\x00"
    t = read_tiff(body)
    assert t["crs"].to_epsg() == 32610
    assert t["transform"] == transform
    assert t["shape"] == (2, 2, 3)
    assert t["dtypes"] == ("int32", "int32")  # np.result_type(int16, uint16)
    assert t["descriptions"] == ("B4", "QA")
    np.testing.assert_array_equal(t["data"][0], [[1, 2, 3], [0, 5, 6]])
    np.testing.assert_array_equal(t["data"][1], [[60000, 0, 0], [2, 3, 4]])
    # valid only where every band is valid; stored inside the TIFF (no .msk sidecar)
    np.testing.assert_array_equal(t["mask"], [[255, 255, 0], [0, 255, 255]])
    assert [f.name for f in t["mask_flags"][0]] == ["per_dataset"]
    assert len(t["files"]) == 1
    assert t["compression"] in ("zstd", "deflate")


def test_geotiff_positive_y_scale_and_wkt_crs_kept_as_given():
    wkt = ProjCRS.from_epsg(3857).to_wkt()
    transform = Affine(10.0, 0.0, 1000.0, 0.0, 10.0, -5000.0)
    grid = Grid(wkt, transform, 4, 3)
    values = np.arange(12, dtype=np.float64).reshape(1, 3, 4) / 4
    body, _ = encode(values, dtypes=[F32], fmt="GEO_TIFF", names=["v"], grid=grid)
    t = read_tiff(body)
    assert t["transform"] == transform
    assert ProjCRS.from_wkt(t["crs"].to_wkt()) == ProjCRS.from_epsg(3857)
    assert t["dtypes"] == ("float32",)
    np.testing.assert_array_equal(t["data"][0], values[0].astype(np.float32))
    assert (t["mask"] == 255).all()


def test_geotiff_tiled_only_when_both_dimensions_reach_256():
    big, _ = encode(np.zeros((1, 260, 300)), dtypes=[U8], fmt="GEO_TIFF")
    assert read_tiff(big)["block_shapes"] == [(256, 256)]
    narrow, _ = encode(np.zeros((1, 300, 100)), dtypes=[U8], fmt="GEO_TIFF")
    assert read_tiff(narrow)["block_shapes"][0] != (256, 256)


def test_geotiff_mixed_integer_and_float_bands_use_common_type():
    body, _ = encode(np.ones((2, 2, 2)) * 2.5, dtypes=[U8, F32], fmt="GEO_TIFF")
    t = read_tiff(body)
    assert t["dtypes"] == ("float32", "float32")
    np.testing.assert_array_equal(t["data"][0], 2.0)  # rint(2.5) in uint8, then widened
    np.testing.assert_array_equal(t["data"][1], 2.5)


def test_geotiff_with_visualization_holds_the_rendered_bands():
    body, _ = encode([[[0.0, 50.0]]], fmt="GEO_TIFF", vis={"ranges": [{"min": 0, "max": 250}]})
    t = read_tiff(body)
    assert t["descriptions"] == ("vis-gray",) and t["dtypes"] == ("uint8",)
    np.testing.assert_array_equal(t["data"][0], [[0, 51]])


# --- PNG / JPEG ---------------------------------------------------------------------------------


def test_png_three_bands_single_range():
    values = np.array([[[0, 600, 3000, 4500, -10]], [[1000, 300, 0, 0, 0]], [[2000, 0, 0, 0, 0]]], float)
    body, ctype = encode(values, dtypes=[I16] * 3, vis={"ranges": [{"min": 0, "max": 3000}]})
    assert ctype == "image/png"
    px = png_pixels(body)
    assert px.shape == (1, 5, 4)
    # 255 * v / 3000: 600 -> 51, 1000 -> 85, 300 -> 25.5 -> 26 (round half to even), 2000 -> 170
    np.testing.assert_array_equal(px[0, :, 0], [0, 51, 255, 255, 0])
    np.testing.assert_array_equal(px[0, :, 1], [85, 26, 0, 0, 0])
    np.testing.assert_array_equal(px[0, :, 2], [170, 0, 0, 0, 0])
    np.testing.assert_array_equal(px[0, :, 3], 255)


def test_png_three_bands_per_band_ranges_and_missing_min():
    values = np.array([[[5.0]], [[15.0]], [[0.6]]])
    vis = {"ranges": [{"min": 0, "max": 10}, {"min": 10, "max": 20}, {"max": 1}]}
    px = png_pixels(encode(values, vis=vis)[0])
    np.testing.assert_array_equal(px[0, 0], [128, 128, 153, 255])  # 127.5 -> 128, 0.6*255 = 153


def test_png_one_band_palette_interpolates_linearly():
    vis = {"ranges": [{"min": 0, "max": 100}], "paletteColors": ["#C80000", "006400", "00f"]}
    body, _ = encode([[0.0, 75.0, 100.0, 50.0, 150.0]], vis=vis)
    px = png_pixels(body)
    # positions v'*(3-1): 0 -> c0, 1.5 -> halfway c1..c2, 2 -> c2, 1 -> c1
    np.testing.assert_array_equal(px[0, :, :3], [[200, 0, 0], [0, 50, 128], [0, 0, 255], [0, 100, 0], [0, 0, 255]])


def test_png_one_band_without_palette_is_grey_replicated():
    px = png_pixels(encode([[0.2, 1.0]], vis={"ranges": [{"min": 0, "max": 1}]})[0])
    np.testing.assert_array_equal(px[0], [[51, 51, 51, 255], [255, 255, 255, 255]])


@pytest.mark.parametrize("gamma", [2, 2.0, {"value": 2.0}, [{"value": 2}]])
def test_gamma_as_number_or_wrapped_value(gamma):
    vis = {"ranges": [{"min": 0, "max": 1}], "gamma": gamma}
    px = png_pixels(encode([[0.16, 0.64, 1.0]], vis=vis)[0])
    # sqrt: 0.4 -> 102, 0.8 -> 204
    np.testing.assert_array_equal(px[0, :, 0], [102, 204, 255])


def test_gamma_per_band():
    vis = {"ranges": [{"min": 0, "max": 1}], "gamma": [1, 2, {"value": 0.5}]}
    px = png_pixels(encode(np.full((3, 1, 1), 0.4), vis=vis)[0])
    # 0.4 -> 102; sqrt(0.4) = 0.6325 -> 161; 0.4^2 = 0.16 -> 40.8 -> 41
    np.testing.assert_array_equal(px[0, 0], [102, 161, 41, 255])


def test_masked_pixels_are_transparent_and_black_partial_masks_scale_alpha():
    masks = [[[1.0, 0.0, 0.2]], [[1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0]]]
    values = np.full((3, 1, 3), 0.6)
    px = png_pixels(encode(values, masks, vis={"ranges": [{"min": 0, "max": 1}]})[0])
    np.testing.assert_array_equal(px[0, :, 3], [255, 0, 51])
    np.testing.assert_array_equal(px[0, 1, :3], [0, 0, 0])
    np.testing.assert_array_equal(px[0, 2, :3], [153, 153, 153])


def test_opacity_multiplies_alpha():
    vis = {"ranges": [{"min": 0, "max": 1}], "opacity": 0.2}
    px = png_pixels(encode([[0.6, 0.6]], [[1.0, 0.0]], vis=vis)[0])
    np.testing.assert_array_equal(px[0, :, 3], [51, 0])


def test_uint8_bands_without_visualization_used_as_is():
    values = np.array([[[0, 17, 255]], [[1, 2, 3]], [[200, 100, 50]]], float)
    px = png_pixels(encode(values, dtypes=[U8] * 3)[0])
    np.testing.assert_array_equal(px[0, :, :3], values[:, 0].T)


@pytest.mark.parametrize("fmt", ["AUTO_JPEG_PNG", "", "IMAGE_FILE_FORMAT_UNSPECIFIED"])
def test_auto_picks_png_when_masked_and_jpeg_when_not(fmt):
    values = np.full((1, 8, 8), 100.0)
    masked = np.ones((1, 8, 8))
    masked[0, 0, 0] = 0
    body, ctype = encode(values, masked, dtypes=[U8], fmt=fmt)
    assert ctype == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"
    body, ctype = encode(values, dtypes=[U8], fmt=fmt)
    assert ctype == "image/jpeg" and body[:2] == b"\xff\xd8"
    img = Image.open(io.BytesIO(body))
    assert img.mode == "RGB" and img.size == (8, 8)
    assert np.abs(np.asarray(img).astype(int) - 100).max() <= 2


def test_jpeg_masked_pixels_are_black():
    values = np.full((3, 16, 16), 200.0)
    masks = np.ones((3, 16, 16))
    masks[:, :8] = 0
    body, ctype = encode(values, masks, dtypes=[U8] * 3, fmt="JPEG")
    assert ctype == "image/jpeg"
    px = np.asarray(Image.open(io.BytesIO(body))).astype(int)
    assert px[:6].max() <= 5 and px[10:].min() >= 195


# --- errors -------------------------------------------------------------------------------------


def test_two_bands_rejected_for_png():
    with pytest.raises(InvalidArgument, match=r"Must specify 1 or 3 bands for PNG/JPEG output, got 2\."):
        encode(np.zeros((2, 2, 2)), dtypes=[U8, U8])


def test_palette_with_three_bands_rejected():
    vis = {"ranges": [{"min": 0, "max": 1}], "paletteColors": ["000000", "ffffff"]}
    with pytest.raises(InvalidArgument, match=r"paletteColors can only be used with 1 band, got 3\."):
        encode(np.zeros((3, 2, 2)), vis=vis)


def test_non_uint8_without_visualization_rejected():
    with pytest.raises(InvalidArgument, match=r"Only 8-bit RGB data is supported for PNG/JPEG output") as e:
        encode(np.zeros((1, 2, 2)), dtypes=[U16], fmt="JPEG")
    assert "visualizationOptions" in e.value.message and "uint16" in e.value.message


@pytest.mark.parametrize("fmt", ["BMP", "ZIPPED_GEO_TIFF", "TF_RECORD_IMAGE"])
def test_unknown_format_rejected_naming_supported_ones(fmt):
    with pytest.raises(InvalidArgument) as e:
        encode(np.zeros((1, 2, 2)), dtypes=[U8], fmt=fmt)
    assert repr(fmt) in e.value.message
    for name in ("PNG", "JPEG", "AUTO_JPEG_PNG", "NPY", "GEO_TIFF"):
        assert name in e.value.message
    assert e.value.to_json()["error"]["code"] == 400


def test_ranges_count_mismatch_rejected():
    vis = {"ranges": [{"min": 0, "max": 1}, {"min": 0, "max": 2}]}
    with pytest.raises(InvalidArgument, match=r"ranges must have 1 or 3 entries, got 2\."):
        encode(np.zeros((3, 1, 1)), vis=vis)


@pytest.mark.parametrize("vis", [{"paletteColors": ["nocolour"]}, {"gamma": 0}, {"opacity": 1.5}])
def test_bad_visualization_values_rejected(vis):
    with pytest.raises(InvalidArgument):
        encode(np.zeros((1, 1, 1)), vis=vis)


def test_shape_mismatch_is_a_programming_error():
    with pytest.raises(ValueError):
        encode_pixels(["a"], np.zeros((1, 2, 2)), np.ones((1, 2, 2), np.float32), [U8], grid_for(3, 2), "NPY", None)


def test_geotiff_int8_band_opens_from_memory():
    body, _ = encode(np.zeros((1, 2, 2)), dtypes=[I8], fmt="GEO_TIFF")
    with rasterio.MemoryFile(body) as mf, mf.open() as src:
        assert src.driver == "GTiff" and src.dtypes == ("int8",)
