"""Which pixels of a GeoTIFF are valid, however the file marks masked ones.

Earth Engine's GeoTIFFs mark masked pixels with fill values (0 for unsigned integer types, the type's minimum for
signed ones, -inf for floats, depending on the band type and on explicit casts) named in the GDAL_NODATA tag; the
local backend can also write an internal GDAL dataset mask, as the mosaics this package writes have. A pixel is
valid when it is valid in every band:
- with a dataset mask (internal or .msk), that mask says so;
- otherwise each band's nodata value, when tagged, marks its masked pixels, and in float bands a non-finite value
  (-inf, NaN) is masked too, tagged or not (EE has written -inf fills without the tag).
GDAL's own dataset mask for nodata files counts a pixel valid when ANY band is, which would let a pixel with a
masked band (its fill value in that band) pass as data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import MaskFlags
from rasterio.windows import Window


def has_dataset_mask(ds: rasterio.DatasetReader) -> bool:
    """Whether the file carries a per-dataset mask (GDAL internal mask or .msk sidecar)."""
    return any(MaskFlags.per_dataset in flags for flags in ds.mask_flag_enums)


def valid_mask(ds: rasterio.DatasetReader, window: Window | None = None, data: np.ndarray | None = None
               ) -> np.ndarray:
    """(rows, cols) booleans: True where every band is valid (see the module docstring).

    `data`, the bands already read for `window`, saves reading them again.
    """
    if has_dataset_mask(ds):
        return ds.dataset_mask(window=window) > 0
    if data is None:
        data = ds.read(window=window)
    valid = np.ones(data.shape[1:], dtype=bool)
    for band, nodata in zip(data, ds.nodatavals, strict=True):
        if nodata is not None:
            valid &= ~np.isnan(band) if np.isnan(nodata) else band != np.asarray(nodata).astype(band.dtype)
        if band.dtype.kind == "f":
            valid &= np.isfinite(band)
    return valid


def valid_fraction(path: str | Path) -> float:
    """Share of the file's pixels that are valid in every band, read block by block (0 for an empty file)."""
    valid = total = 0
    with rasterio.open(path) as ds:
        for _, window in ds.block_windows(1):
            mask = valid_mask(ds, window)
            valid += int(mask.sum())
            total += mask.size
    return valid / total if total else 0.0
