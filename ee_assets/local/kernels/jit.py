"""The compiler settings every compiled kernel uses: numba with an on-disk cache and the GIL released.

`cache=True` keeps first calls fast after the first run; the cache goes under ~/.cache/ee_assets/numba
unless NUMBA_CACHE_DIR says otherwise, because the package folder may not be writable. `nogil=True`
lets kernels run on several threads at once (the tile pool and the composite row chunks rely on it).
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "ee_assets" / "numba"))

import numba  # noqa: E402  (must follow NUMBA_CACHE_DIR)

jit = numba.njit(cache=True, nogil=True)
"""Decorator for a compiled kernel (cached on disk, releases the GIL)."""

jit_sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
"""For kernels whose loops are sums: lets the compiler reorder the additions so that they vectorise
(results may differ from a left-to-right sum in the last bits; they stay deterministic)."""
