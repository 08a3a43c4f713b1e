"""computePixels response bodies: computed band values encoded as NPY, GeoTIFF, PNG or JPEG.

Values arrive as float64 with a float mask (0 = masked). NPY and GeoTIFF keep each band's
declared type: integers are clipped to the type's range and rounded, masked pixels become 0.
A GeoTIFF marks masked pixels in one of two ways (`GEOTIFF_MASKS`): "internal", an internal
GDAL dataset mask (valid where every band is); or "nodata", as EE's own GeoTIFFs do, each
band's masked pixels set to a fill value of the file's type (0 for unsigned integers, the
type's minimum for signed ones, -inf for floats) and that value in the GDAL_NODATA tag, so a
valid pixel equal to it reads as masked. PNG/JPEG need 8-bit data, either given as
uint8 bands or produced by EE's VisualizationOptions (ranges, gamma, palette, opacity);
masked pixels are transparent in PNG and black in JPEG.
"""

from __future__ import annotations

import io
import string
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import rasterio
from PIL import Image, ImageColor
from rasterio.crs import CRS
from rasterio.io import MemoryFile

from ee_assets.local.errors import InvalidArgument
from ee_assets.local.values.grid import Grid

AUTO = "AUTO_JPEG_PNG"
SUPPORTED_FORMATS = (AUTO, "PNG", "JPEG", "NPY", "GEO_TIFF")
PNG_COMPRESS_LEVEL = 1  # responses are produced per request: speed matters more than size
JPEG_QUALITY = 90
TIFF_TILE = 256
GEOTIFF_MASKS = ("internal", "nodata")


def nodata_fill(dtype: np.dtype) -> float:
    """The fill value of masked pixels in EE's GeoTIFFs of this type: 0 unsigned, the minimum signed, -inf float."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return float("-inf")
    if dtype.kind == "i":
        return float(np.iinfo(dtype).min)
    return 0.0


def encode_pixels(
    band_names: list[str],
    values: np.ndarray,
    masks: np.ndarray,
    dtypes: list[np.dtype],
    grid: Grid,
    file_format: str,
    visualization: dict | None,
    geotiff_mask: str = "internal",
) -> tuple[bytes, str]:
    """Encode (bands, height, width) values and masks as a computePixels body and its content type.

    With `visualization`, every format gets the 8-bit rendering (bands vis-red/green/blue,
    or vis-gray for one band without palette), as EE's visualizationOptions apply to any format.
    `geotiff_mask` says how a GeoTIFF marks masked pixels ("internal" or "nodata", see above).
    """
    fmt = file_format or AUTO
    fmt = AUTO if fmt == "IMAGE_FILE_FORMAT_UNSPECIFIED" else fmt
    if fmt not in SUPPORTED_FORMATS:
        raise InvalidArgument(
            f"Unsupported fileFormat {file_format!r} for computePixels; supported: {', '.join(SUPPORTED_FORMATS)}."
        )
    _check_shapes(band_names, values, masks, dtypes, grid)
    if not band_names:
        raise InvalidArgument("Image has no bands to encode.")

    if fmt in (AUTO, "PNG", "JPEG"):
        channels, alpha = _render(values, masks, dtypes, visualization)
        return _encode_picture(channels, alpha, fmt)
    if visualization is not None:
        channels, alpha = _render(values, masks, dtypes, visualization)
        band_names = ["vis-gray"] if len(channels) == 1 else ["vis-red", "vis-green", "vis-blue"]
        values = channels.astype(np.float64)
        masks = np.broadcast_to(alpha / np.float32(255), channels.shape)
        dtypes = [np.dtype(np.uint8)] * len(channels)
    valid = masks > 0
    if fmt == "NPY":
        return _encode_npy(band_names, values, valid, dtypes), "application/octet-stream"
    return _encode_geotiff(band_names, values, valid, dtypes, grid, geotiff_mask), "image/tiff"


def _check_shapes(band_names, values, masks, dtypes, grid: Grid) -> None:
    """Caller consistency (not a client error): one name, dtype, value and mask plane per band."""
    expected = (len(band_names), grid.height, grid.width)
    if values.shape != expected or masks.shape != expected or len(dtypes) != len(band_names):
        raise ValueError(
            f"encode_pixels: values {values.shape}, masks {masks.shape}, {len(dtypes)} dtypes "
            f"do not match {len(band_names)} bands on a {grid.height}x{grid.width} grid"
        )


def _cast_band(values: np.ndarray, valid: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """One band as `dtype`: masked pixels 0; integers clipped to the type's range and rounded (NaN → 0)."""
    dtype = np.dtype(dtype)
    v = np.where(valid, values, 0.0)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        # float(2**63 - 1) rounds up to 2**63, which would overflow the cast.
        hi = np.nextafter(float(info.max), 0.0) if float(info.max) > info.max else float(info.max)
        v = np.rint(np.clip(np.nan_to_num(v, nan=0.0), float(info.min), hi))
    elif dtype.kind == "b":
        v = v != 0
    return v.astype(dtype)


cast_band = _cast_band  # public for the export writers, which cast tile by tile as computePixels casts whole


def _encode_npy(band_names, values, valid, dtypes) -> bytes:
    """A numpy.save'd structured array, one field per band, as the EE client's numpy.load expects."""
    fields = [(name, np.dtype(dt)) for name, dt in zip(band_names, dtypes, strict=True)]
    out = np.zeros(values.shape[1:], dtype=fields)
    for i, name in enumerate(band_names):
        out[name] = _cast_band(values[i], valid[i], dtypes[i])
    buf = io.BytesIO()
    np.save(buf, out, allow_pickle=False)
    return buf.getvalue()


@lru_cache(maxsize=1)
def _tiff_compression() -> str:
    """zstd when this GDAL build has it (an unknown COMPRESS is silently ignored, so probe), else deflate."""
    profile = dict(driver="GTiff", width=1, height=1, count=1, dtype="uint8", compress="zstd")
    with warnings.catch_warnings(), MemoryFile() as mf:
        warnings.simplefilter("ignore")
        with mf.open(**profile) as dst:
            dst.write(np.zeros((1, 1, 1), np.uint8))
        with mf.open() as src:
            return "zstd" if src.compression is not None and src.compression.name == "zstd" else "deflate"


def _encode_geotiff(band_names, values, valid, dtypes, grid: Grid, geotiff_mask: str = "internal") -> bytes:
    """One multi-band GeoTIFF on exactly `grid`, in the common type of the bands, masked pixels marked by an
    internal dataset mask or by the type's nodata fill value (`geotiff_mask`)."""
    if geotiff_mask not in GEOTIFF_MASKS:
        raise ValueError(f"geotiff_mask must be one of {GEOTIFF_MASKS}, got {geotiff_mask!r}")
    dtype = np.result_type(*[np.dtype(d) for d in dtypes])
    data = np.stack([_cast_band(values[i], valid[i], dtypes[i]) for i in range(len(band_names))]).astype(dtype)
    profile: dict[str, Any] = dict(
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=len(band_names),
        dtype=dtype.name,
        crs=CRS.from_user_input(grid.crs),
        transform=grid.transform,  # as given, including a positive y scale
        compress=_tiff_compression(),
    )
    if grid.width >= TIFF_TILE and grid.height >= TIFF_TILE:
        profile.update(tiled=True, blockxsize=TIFF_TILE, blockysize=TIFF_TILE)
    if geotiff_mask == "nodata":
        fill = nodata_fill(dtype)
        data[~valid] = fill
        profile["nodata"] = fill
        with MemoryFile() as mf:
            with mf.open(**profile) as dst:
                dst.write(data)
                dst.descriptions = tuple(band_names)
            return bytes(mf.getbuffer())
    all_valid = valid.all(axis=0)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), MemoryFile() as mf:
        with mf.open(**profile) as dst:
            dst.write(data)
            dst.descriptions = tuple(band_names)
            if not all_valid.all():
                dst.write_mask(all_valid)
        return bytes(mf.getbuffer())


def _render(values, masks, dtypes, visualization: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """8-bit channels (1 grey or 3 RGB) and alpha (min mask × opacity); masked pixels are 0."""
    n = len(values)
    if n not in (1, 3):
        raise InvalidArgument(f"Must specify 1 or 3 bands for PNG/JPEG output, got {n}.")
    valid = masks > 0
    if visualization is None:
        if any(np.dtype(d) != np.uint8 for d in dtypes):
            types = ", ".join(str(np.dtype(d)) for d in dtypes)
            raise InvalidArgument(
                "Only 8-bit RGB data is supported for PNG/JPEG output; specify visualizationOptions "
                f"(ranges) or use GEO_TIFF/NPY. Band types: {types}."
            )
        channels = np.stack([_cast_band(values[i], valid[i], np.dtype(np.uint8)) for i in range(n)])
        opacity = 1.0
    else:
        channels, opacity = visualize_values(values, valid, dtypes, visualization)
    alpha = np.rint(255.0 * np.clip(masks.min(axis=0), 0.0, 1.0) * opacity).astype(np.uint8)
    channels[:, ~valid.all(axis=0)] = 0
    return channels, alpha


def visualize_values(values, valid, dtypes, vis: dict) -> tuple[np.ndarray, float]:
    """EE VisualizationOptions: v' = clip((v-min)/(max-min), 0, 1) ** (1/gamma), then palette or grey/RGB."""
    n = len(values)
    ranges = _per_band(vis.get("ranges"), n, "ranges")
    gammas = _per_band(vis.get("gamma"), n, "gamma") or [1.0] * n
    palette = [parse_color(c) for c in vis.get("paletteColors") or []]
    opacity = _number(vis.get("opacity", 1.0), "opacity")
    if palette and n != 1:
        raise InvalidArgument(f"paletteColors can only be used with 1 band, got {n}.")
    if not 0.0 <= opacity <= 1.0:
        raise InvalidArgument(f"opacity must be between 0 and 1, got {opacity}.")

    unit = []
    for i in range(n):
        lo, hi = _range(ranges[i] if ranges else None, np.dtype(dtypes[i]))
        gamma = _number(gammas[i], "gamma")
        if gamma <= 0:
            raise InvalidArgument(f"gamma must be positive, got {gamma}.")
        v = np.where(valid[i], np.nan_to_num(values[i], nan=lo), lo)
        v = np.clip((v - lo) / (hi - lo), 0.0, 1.0) if hi != lo else (v >= hi).astype(np.float64)
        unit.append(v ** (1.0 / gamma))
    if palette:
        colors = np.asarray(palette, dtype=np.float64)
        pos = unit[0] * (len(colors) - 1)
        scaled = np.stack([np.interp(pos, np.arange(len(colors)), colors[:, c]) for c in range(3)])
    else:
        scaled = 255.0 * np.stack(unit)
    return np.rint(scaled).astype(np.uint8), opacity


def _per_band(spec: Any, n: int, name: str) -> list | None:
    """A visualization field given once for all bands or once per band, as a list of n entries."""
    if spec is None:
        return None
    items = spec if isinstance(spec, list) else [spec]
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise InvalidArgument(f"{name} must have 1 or {n} entries, got {len(items)}.")
    return items


def _number(x: Any, name: str) -> float:
    """A number, also in the {"value": x} wrapper form the EE client sends for gamma."""
    if isinstance(x, dict):
        x = x.get("value")
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        raise InvalidArgument(f"Invalid {name}: {x!r}.")
    try:
        return float(x)
    except ValueError:
        raise InvalidArgument(f"Invalid {name}: {x!r}.") from None


def _range(spec: Any, dtype: np.dtype) -> tuple[float, float]:
    """(min, max) of one range entry; missing keys default to 0 and 1. Without ranges: the
    type's range for integers (so uint8 is used as-is), 0..1 for floats."""
    if spec is None:
        if dtype.kind in "iu":
            return float(np.iinfo(dtype).min), float(np.iinfo(dtype).max)
        return 0.0, 1.0
    if not isinstance(spec, dict):
        raise InvalidArgument(f"Invalid range {spec!r}; expected {{'min': a, 'max': b}}.")
    return _number(spec.get("min", 0.0), "range min"), _number(spec.get("max", 1.0), "range max")


def parse_color(text: Any) -> tuple[int, int, int]:
    """A CSS colour: hex 'rrggbb' or 'rgb', with or without '#', or a CSS colour name."""
    s = str(text).strip()
    digits = s.removeprefix("#")
    if len(digits) in (3, 6) and all(c in string.hexdigits for c in digits):
        if len(digits) == 3:
            digits = "".join(2 * c for c in digits)
        r, g, b = bytes.fromhex(digits)
        return r, g, b
    try:
        r, g, b = ImageColor.getrgb(s)[:3]
    except ValueError:
        raise InvalidArgument(f"Invalid palette color {text!r}.") from None
    return r, g, b


def _encode_picture(channels: np.ndarray, alpha: np.ndarray, fmt: str) -> tuple[bytes, str]:
    """RGBA PNG or RGB JPEG; AUTO_JPEG_PNG is PNG when any pixel is (partly) transparent."""
    rgb = np.repeat(channels, 3, axis=0) if len(channels) == 1 else channels
    if fmt == AUTO:
        fmt = "PNG" if (alpha < 255).any() else "JPEG"
    buf = io.BytesIO()
    if fmt == "PNG":
        Image.fromarray(np.dstack([*rgb, alpha])).save(buf, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        return buf.getvalue(), "image/png"
    Image.fromarray(np.dstack(list(rgb))).save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue(), "image/jpeg"
