"""EE projections: a CRS plus an affine transform in EE's row-major 6-tuple order."""

from __future__ import annotations

import math
from dataclasses import dataclass

from affine import Affine

from ee_assets.local.values.grid import EARTH_RADIUS_M, parse_crs

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class Projection:
    """`transform` is [scaleX, shearX, translateX, shearY, scaleY, translateY], as EE serializes it."""

    crs: str
    transform: tuple[float, float, float, float, float, float] = IDENTITY

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)

    @property
    def is_geographic(self) -> bool:
        return parse_crs(self.crs).is_geographic

    def nominal_scale(self) -> float:
        """Metres per pixel along x at the point of true scale (EE's Projection.nominalScale)."""
        sx = math.hypot(self.transform[0], self.transform[3])
        if self.is_geographic:
            return sx * math.pi / 180.0 * EARTH_RADIUS_M
        unit = parse_crs(self.crs).axis_info[0].unit_conversion_factor or 1.0
        return sx * unit

    def at_scale(self, meters: float) -> Projection:
        """The same projection with pixels of `meters` nominal size (EE's Projection.atScale)."""
        if self.is_geographic and self.transform[:2] == (1.0, 0.0) and self.transform[3:5] in ((0.0, 1.0),):
            # Exactly EE's arithmetic for the identity: metres / R * 180 / pi.
            deg = meters / EARTH_RADIUS_M * 180.0 / math.pi
            return Projection(self.crs, (deg, 0.0, self.transform[2], 0.0, deg, self.transform[5]))
        factor = meters / self.nominal_scale()
        a, b, c, d, e, f = self.transform
        return Projection(self.crs, (a * factor, b * factor, c, d * factor, e * factor, f))

    def with_transform(self, transform) -> Projection:
        return Projection(self.crs, tuple(float(v) for v in transform))

    def to_json(self) -> dict:
        return {"type": "Projection", "crs": self.crs, "transform": [_num(v) for v in self.transform]}


def _num(v: float):
    return int(v) if float(v).is_integer() else float(v)


DEFAULT_PROJECTION = Projection("EPSG:4326", IDENTITY)
