"""Areas of interest and pixel grids, read from config (no Dagster, no I/O beyond parsing)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EARTH_RADIUS_M = 6378137.0
SEED_POINT = (-121.58626826832939, 38.059141484827485)  # the computePixels tutorial's point


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


@dataclass(frozen=True)
class AreaOfInterest:
    """A named area: a grid anchored at an upper-left point, sized in pixels at a scale in metres."""

    name: str
    x: float = SEED_POINT[0]
    y: float = SEED_POINT[1]
    width: int = 640
    height: int = 640
    scale_m: float = 10.0
    crs: str = "EPSG:4326"
    collection: str = "COPERNICUS/S2_HARMONIZED"
    extra: dict = field(default_factory=dict)

    def grid(self) -> PixelGrid:
        if self.crs == "EPSG:4326":
            step = degrees_for_meters(self.scale_m)
        else:
            step = self.scale_m
        return PixelGrid(self.crs, self.x, self.y, step, -step, self.width, self.height)


DEFAULT_AOI = AreaOfInterest("delta")
