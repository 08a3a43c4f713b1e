"""Earth Engine's request limits.

Shared by the local backend, which enforces them, and the transport, which tiles requests under them.
"""

from __future__ import annotations

import numpy as np

COMPUTE_PIXELS_MAX_BYTES = 50_331_648  # 48 MiB uncompressed
COMPUTE_PIXELS_MAX_SIDE = 32_768
COMPUTE_PIXELS_MAX_BANDS = 1_024
REDUCE_DEFAULT_MAX_PIXELS = 10_000_000
COMPUTE_FEATURES_DEFAULT_PAGE_SIZE = 1_000
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
MAX_GRAPH_DEPTH = 100
WIDEST_PIXEL_TYPE = "float64"  # EE's widest band types, double and long, take 8 bytes a pixel


def compute_pixels_bytes(width: int, height: int, dtypes: list) -> int:
    """Uncompressed size EE counts for a computePixels request: each band's bytes plus one mask byte per band pixel."""
    per_pixel = sum(np.dtype(d).itemsize + 1 for d in dtypes)
    return int(width) * int(height) * per_pixel


def compute_pixels_bytes_at_most(width: int, height: int, band_count: int) -> int:
    """The most EE can count for a computePixels request of `band_count` bands whose types are not known yet.

    EE counts the bands the request selects (`bandIds`), before any visualization: a picture of three float64
    bands counts 27 bytes a pixel, not the 3 of its 8-bit rendering. When only the band names are known (a
    component's config, before its graph runs), counting each band at the widest type bounds every answer.
    """
    return compute_pixels_bytes(width, height, [WIDEST_PIXEL_TYPE] * band_count)
