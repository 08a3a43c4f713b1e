"""The compiled and vectorized hot paths, free of EE semantics: exact coverage fractions (coverage.py), zonal
statistics of many regions in one pass (zonal.py), per-pixel composites (composite.py), nearest-neighbour pixel
mappings (resample.py), connected regions by union-find (connected.py), tiled evaluation on a thread pool
(tiles.py) and numba's on-disk cache (jit.py).

Kernels import only values/ (for grids and images); algorithms/ and catalog/ call them. Their tests compare
against an independent computation, in ee_assets_tests/local/kernels/; their speed is measured by
benchmarks/local_engine.py.
"""
