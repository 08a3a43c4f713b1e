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


def compute_pixels_bytes(width: int, height: int, dtypes: list) -> int:
    """Uncompressed size EE counts for a computePixels request: each band's bytes plus one mask byte per band pixel."""
    per_pixel = sum(np.dtype(d).itemsize + 1 for d in dtypes)
    return int(width) * int(height) * per_pixel
