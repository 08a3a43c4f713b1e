"""Pixel grids: the unit every image evaluation is asked for."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from affine import Affine
from pyproj import CRS

EARTH_RADIUS_M = 6378137.0
DEGREES_PER_METER = 180.0 / math.pi / EARTH_RADIUS_M


@lru_cache(maxsize=256)
def parse_crs(crs: str) -> CRS:
    """A pyproj CRS from an EPSG code or WKT, cached because it is parsed per request."""
    return CRS.from_user_input(crs)


def crs_is_geographic(crs: str) -> bool:
    return parse_crs(crs).is_geographic


def crs_equal(a: str, b: str) -> bool:
    return a == b or parse_crs(a) == parse_crs(b)


@dataclass(frozen=True)
class Grid:
    """A raster grid: CRS (EPSG code or WKT), affine transform (pixel corner → CRS) and size."""

    crs: str
    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the grid in its CRS (any transform, including flipped axes)."""
        xs, ys = [], []
        for c, r in ((0, 0), (self.width, 0), (0, self.height), (self.width, self.height)):
            x, y = self.transform @ (c, r)
            xs.append(x)
            ys.append(y)
        return min(xs), min(ys), max(xs), max(ys)

    def window(self, col_off: int, row_off: int, width: int, height: int) -> Grid:
        """The sub-grid starting at (col_off, row_off)."""
        return Grid(self.crs, self.transform @ Affine.translation(col_off, row_off), width, height)
