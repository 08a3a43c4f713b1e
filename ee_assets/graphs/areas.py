"""Pixel grids (EE's PixelGrid) and their footprints as EE geometries (no Dagster, no I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import ee

EARTH_RADIUS_M = 6378137.0
GEOGRAPHIC = "EPSG:4326"


@dataclass(frozen=True)
class PixelGrid:
    """An EE PixelGrid: the upper-left corner (x, y) in `crs`, pixel size and dimensions."""

    crs: str
    x: float
    y: float
    scale_x: float
    scale_y: float  # negative for north-up
    width: int
    height: int

    def to_json(self) -> dict:
        return {
            "dimensions": {"width": self.width, "height": self.height},
            "affineTransform": {"scaleX": self.scale_x, "shearX": 0, "translateX": self.x,
                                "shearY": 0, "scaleY": self.scale_y, "translateY": self.y},
            "crsCode": self.crs,
        }

    def bounds(self) -> tuple[float, float, float, float]:
        xs = (self.x, self.x + self.scale_x * self.width)
        ys = (self.y, self.y + self.scale_y * self.height)
        return min(xs), min(ys), max(xs), max(ys)


def degrees_for_meters(meters: float) -> float:
    """EE's EPSG:4326 pixel size for a scale in metres (as Projection.atScale computes it)."""
    return meters / EARTH_RADIUS_M * 180.0 / math.pi


def grid_region(grid: PixelGrid) -> ee.Geometry:
    """The grid's footprint as a rectangle in the grid's CRS."""
    x0, y0, x1, y1 = grid.bounds()
    if grid.crs == GEOGRAPHIC:
        return ee.Geometry.Rectangle([x0, y0, x1, y1])
    return ee.Geometry.Rectangle([x0, y0, x1, y1], grid.crs, False)
