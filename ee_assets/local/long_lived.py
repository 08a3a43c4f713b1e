"""Module state kept out of the garbage collector's full passes (`gc.freeze()`), in the process the backend runs in.

The local backend usually shares its client's process. When that process decodes a large answer (a reduceRegions
over 50 polygons of 2,000 vertices is 100,000 position lists), CPython's collector runs full passes, and each one
walks every container object in the process: with the backend's modules, catalog and compiled kernels (some 250,000
objects) the official client's `json.loads` of that answer took twice as long (benchmarks/local_engine.py, the
end-to-end row). Module state lives as long as the process, so walking it again finds nothing.

The objects alive when a LocalServer starts are frozen after a collection, and again after a request that imported
modules: the first request of a kind imports its algorithms and compiles their kernels (numba alone adds ~50,000
objects). Frozen objects are still freed by reference counting; only a reference cycle among objects that were alive
at a freeze stays until the process ends. `LocalServer(freeze_gc=False)` leaves collection as it is.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_enabled = False
_modules_at_freeze = 0
freezes = 0  # how many times this process froze (for tests and diagnostics)


def freeze() -> None:
    """Collect, then freeze what is left; from now on also after requests that import modules (after_request)."""
    global _enabled, _modules_at_freeze, freezes
    with _lock:
        _enabled = True
        gc.collect()
        gc.freeze()
        _modules_at_freeze = len(sys.modules)
        freezes += 1


def after_request() -> None:
    """Freeze again when modules were imported since the last freeze (their objects are module state)."""
    if _enabled and len(sys.modules) > _modules_at_freeze:
        freeze()
