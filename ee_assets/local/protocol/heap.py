"""Give the memory a large request freed back to the operating system.

numpy frees its arrays at once, but glibc's malloc keeps freed memory in its heaps (one per thread that allocated)
for reuse, so after a request that needed a gigabyte the process would stay a gigabyte large. `trim()` asks glibc to
return what is free (malloc_trim); on other C libraries it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache

TRIM_AFTER_BYTES = 32 << 20  # a request that held more than this is followed by a trim
_lock = threading.Lock()


@cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


def trim() -> None:
    """Return free heap memory to the operating system (glibc); a no-op elsewhere."""
    fn = _malloc_trim()
    if fn is not None and _lock.acquire(blocking=False):  # one trim at a time is enough
        try:
            fn(0)
        finally:
            _lock.release()
