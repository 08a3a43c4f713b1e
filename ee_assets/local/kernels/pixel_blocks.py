"""A band's pixels as the zonal kernels read them: blocks of values, and a mask beside them or a rule for it.

A tile evaluated in memory is one block with its mask. A band of an uncompressed GeoTIFF read on its own grid can
instead be read where it lies: the file's blocks, in the memory map (catalog/uncompressed_tiff.py), as an array of
(block row, block column, row, column), with the mask made from each value as it is added (NaN, or the nodata value
compared in the data's type, as kernels/nodata.py does) — so a reduction over it copies nothing and keeps no mask.
Pixels outside `height` x `width` from the blocks' first pixel (past the file's edge, or a block's padding) are
masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MASK_ARRAY = 0  # `mask` holds each pixel's mask (any value in [0, 1])
MASK_NAN = 1  # masked where the value is NaN
MASK_VALUE = 2  # masked where the value equals `nodata`
MASK_NONE = 3  # nothing masked

_NO_MASK = np.zeros((1, 1, 1, 1), np.uint8)


@dataclass(frozen=True)
class PixelBlocks:
    """Pixels of one band: values[block row, block column, row, column], with grid pixel (row, col) at block
    position (row - origin_row, col - origin_col)."""

    values: np.ndarray  # 4-D, native byte order
    mask: np.ndarray  # 4-D like values for MASK_ARRAY, else a 1 x 1 x 1 x 1 placeholder
    rule: int
    nodata: float  # MASK_VALUE: the nodata value (held exactly by the values' type)
    origin_row: int  # the grid row and column of the first block's first pixel
    origin_col: int
    height: int  # rows and columns of data from there; the rest is masked
    width: int

    @classmethod
    def of_tile(cls, values: np.ndarray, mask: np.ndarray, top: int, left: int) -> PixelBlocks:
        """A tile's (values, mask), whose first pixel is grid pixel (top, left), as one block."""
        h, w = values.shape
        return cls(values[None, None], mask[None, None], MASK_ARRAY, 0.0, top, left, h, w)

    @classmethod
    def in_place(cls, values: np.ndarray, nodata: float | None, origin_row: int, origin_col: int, height: int,
                 width: int) -> PixelBlocks:
        """Blocks read where they lie, masked by `nodata` (NaN: where the value is NaN; None: nothing masked)."""
        if nodata is None:
            rule, value = MASK_NONE, 0.0
        elif np.isnan(nodata):
            rule, value = MASK_NAN, 0.0
        else:
            rule, value = MASK_VALUE, float(nodata)
        return cls(values, _NO_MASK, rule, value, origin_row, origin_col, height, width)
