"""Comparing geometries the server returns with expected shapely shapes."""

from __future__ import annotations

from shapely.geometry import shape


def same_shape(gj: dict, expected, tol: float = 1e-9) -> bool:
    """Whether GeoJSON `gj` covers the same area as `expected`, to a relative tolerance."""
    got = shape(gj)
    return got.symmetric_difference(expected).area <= tol * max(expected.area, 1e-12) + 1e-15
