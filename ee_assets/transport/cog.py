"""Cloud Optimized GeoTIFFs: a finished local GeoTIFF rewritten by GDAL's COG driver, with internal overviews.

GDAL's COG driver (through rasterio, so no new dependency) is the reference writer of the layout: tiled, the
overviews built from the full-resolution data (masked pixels excluded) and stored before it, the IFDs at the front
so a reader fetches the header with one range request. It reads the source block by block through GDAL's block
cache (capped here), so memory stays small whatever the image size; the bytes depend only on the source's pixels and
these options, never on how the source was produced. rio-cogeo's validator (`rio cogeo validate`) checks the result
in the tests.
"""

from __future__ import annotations

from pathlib import Path

import rasterio
import rasterio.shutil

BLOCK_SIZE = 256
GDAL_CACHE_MB = 64  # GDAL's default block cache is 5% of RAM; the copy needs only a few blocks in flight

# GDAL COG creation options: lossless DEFLATE with the predictor that suits the data type, overviews down to one
# block averaged from the valid pixels, BigTIFF only when the file could pass 4 GiB.
COG_OPTIONS = {"BLOCKSIZE": BLOCK_SIZE, "COMPRESS": "DEFLATE", "PREDICTOR": "YES", "OVERVIEWS": "AUTO",
               "OVERVIEW_RESAMPLING": "AVERAGE", "BIGTIFF": "IF_SAFER", "NUM_THREADS": 1}


def write_cog(source: Path, target: Path) -> None:
    """Write `source` (any GeoTIFF GDAL reads, with its mask and band descriptions) as a COG at `target`.

    `target` is overwritten; write to a temporary path and move it into place for atomicity (see
    `ee_assets.files.write_atomic`). GDAL keeps its temporary overview file next to `target` while it works.
    """
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_TIFF_INTERNAL_MASK=True):
        rasterio.shutil.copy(str(source), str(target), driver="COG", **COG_OPTIONS)
