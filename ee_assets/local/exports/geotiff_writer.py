"""GeoTIFF exports written strip by strip: the export grid split into files of `fileDimensions` pixels (EE's
naming: `prefix.tif` for one file, else `prefix-yMin-xMin.tif` with 10-digit pixel offsets), each file tiled
`shardSize` pixels and filled one block row at a time, so memory holds one strip whatever the image size.

Masked pixels are marked as computePixels marks them (an internal mask, or the type's fill value and a nodata tag),
or with `noData` when the export gives one. `cloudOptimized` rewrites each finished file with GDAL's COG driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.crs import CRS
from rasterio.windows import Window

from ee_assets.local.encoding.pixels import cast_band, nodata_fill
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.tiles import evaluate_bands
from ee_assets.local.values.grid import Grid

GDAL_CACHE_MB = 64
STRIP_PIXELS = 1 << 22  # pixels per band evaluated at once (a multiple of the block height in rows)


@dataclass(frozen=True)
class GeoTiffOptions:
    """What an image export's geoTiffOptions and maxPixels ask for (EE's names in the comments)."""

    file_width: int  # tileDimensions.width (client: fileDimensions)
    file_height: int
    shard_size: int = 256  # tileSize (client: shardSize)
    cloud_optimized: bool = False
    no_data: float | None = None
    skip_empty: bool = False  # skipEmptyFiles (client: skipEmptyTiles)


@dataclass(frozen=True)
class Shard:
    """One output file: its pixel offsets in the export grid and its size."""

    row: int
    col: int
    height: int
    width: int

    def name(self, prefix: str, single: bool) -> str:
        return f"{prefix}.tif" if single else f"{prefix}-{self.row:010d}-{self.col:010d}.tif"


def shards(width: int, height: int, options: GeoTiffOptions) -> list[Shard]:
    """The files covering a width x height export, row-major (EE's order: by yMin, then xMin)."""
    return [Shard(r, c, min(options.file_height, height - r), min(options.file_width, width - c))
            for r in range(0, height, options.file_height) for c in range(0, width, options.file_width)]


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """EE's maxPixels rule, with EE's message."""
    if width * height > max_pixels:
        raise InvalidArgument(f"Export too large: specified {width * height} pixels (max: {max_pixels}). Specify "
                              "higher maxPixels value if you intend to export a large area.")


def write_shard(path: Path, bands: Sequence[Any], names: list[str], dtypes: list[np.dtype], grid: Grid,
                options: GeoTiffOptions, geotiff_mask: str, on_strip: Callable[[], None]) -> bool:
    """Write the GeoTIFF of `grid` (one shard) at `path`, strip by strip; False when skip_empty and nothing is
    valid (the file is then not wanted). `on_strip` is called after every strip (progress, cancellation)."""
    dtype = np.result_type(*dtypes)
    block = options.shard_size
    profile: dict[str, Any] = dict(driver="GTiff", width=grid.width, height=grid.height, count=len(bands),
                                   dtype=dtype.name, crs=CRS.from_user_input(grid.crs), transform=grid.transform,
                                   compress="deflate", tiled=True, blockxsize=block, blockysize=block,
                                   BIGTIFF="IF_SAFER")
    fill = options.no_data if options.no_data is not None else (nodata_fill(dtype) if geotiff_mask == "nodata"
                                                                else None)
    if fill is not None:
        profile["nodata"] = fill
    rows = max(block, STRIP_PIXELS // max(grid.width, 1) // block * block)
    any_valid = False
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_TIFF_INTERNAL_MASK=True), \
            rasterio.open(path, "w", **profile) as dst:
        dst.descriptions = tuple(names)
        for top in range(0, grid.height, rows):
            h = min(rows, grid.height - top)
            values, masks = evaluate_bands(bands, grid.window(0, top, grid.width, h))
            valid = masks > 0
            data = np.stack([cast_band(values[i], valid[i], dtypes[i]) for i in range(len(bands))]).astype(dtype)
            del values, masks
            window = Window(0, top, grid.width, h)
            all_valid = valid.all(axis=0)
            any_valid = any_valid or bool(all_valid.any())
            if fill is not None:
                data[~valid] = fill
                dst.write(data, window=window)
            else:
                dst.write(data, window=window)
                dst.write_mask(all_valid, window=window)
            on_strip()
    return any_valid or not options.skip_empty


def to_cog(source: Path, target: Path) -> None:
    """Rewrite the finished GeoTIFF `source` as a Cloud Optimized GeoTIFF at `target` (block by block)."""
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_TIFF_INTERNAL_MASK=True):
        rasterio.shutil.copy(str(source), str(target), driver="COG", COMPRESS="DEFLATE", OVERVIEWS="AUTO",
                             OVERVIEW_RESAMPLING="NEAREST", BIGTIFF="IF_SAFER", NUM_THREADS=1)


def strip_count(shard: Shard, options: GeoTiffOptions) -> int:
    """How many strips `write_shard` writes for `shard` (for progress)."""
    rows = max(options.shard_size, STRIP_PIXELS // max(shard.width, 1) // options.shard_size * options.shard_size)
    return -(-shard.height // rows)
