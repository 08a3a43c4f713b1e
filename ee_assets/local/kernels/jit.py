"""The compiler settings every compiled kernel uses: numba with an on-disk cache and the GIL released.

`cache=True` keeps first calls fast after the first run; the cache goes under ~/.cache/ee_assets/numba
unless NUMBA_CACHE_DIR says otherwise, because the package folder may not be writable. `nogil=True`
lets kernels run on several threads at once (the tile pool and the composite row chunks rely on it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _cache_dir() -> str:
    """~/.cache/ee_assets/numba, or a folder under the temporary directory when the home folder is read-only
    (numba refuses to define a cached function without a writable cache)."""
    for folder in (Path.home() / ".cache" / "ee_assets" / "numba", Path(tempfile.gettempdir()) / "ee_assets-numba"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return str(folder)
    return str(Path(tempfile.mkdtemp(prefix="ee_assets-numba-")))


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir()

import numba  # noqa: E402  (must follow NUMBA_CACHE_DIR)

jit = numba.njit(cache=True, nogil=True)
"""Decorator for a compiled kernel (cached on disk, releases the GIL)."""

jit_sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
"""For kernels whose loops are sums: lets the compiler reorder the additions so that they vectorise
(results may differ from a left-to-right sum in the last bits; they stay deterministic)."""
