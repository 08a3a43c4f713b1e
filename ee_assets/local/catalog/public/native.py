"""The native pixel grid of a synthetic band: CRS, affine transform and extent.

Grids are anchored on a global lattice (the CRS origin, or -180/90 in degrees), so every image of a dataset,
and every window asked of it, snaps to the same cells. Choices (the catalog states only a resolution in metres):

- EPSG:4326 datasets: a round number of cells per degree near the catalog's gsd (30 m -> 1/3600°, 0.1° for ERA5-Land),
  or exactly gsd / 111,319.49 m when no round number is within 20 %;
- MODIS sinusoidal ("SR-ORG:6974" in EE; here as a PROJ string pyproj reads): MODIS's own 231.66 / 463.31 / 926.63 m;
- UTM scenes (Landsat, Sentinel-2): the zone of the scene, `gsd` metres, origin on multiples of the pixel size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import CRS

METERS_PER_DEGREE = 111319.49079327357
MODIS_SINUSOIDAL = "+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m +no_defs"
EE_CRS_NAMES = {MODIS_SINUSOIDAL: "SR-ORG:6974"}
_MODIS_HALF_WIDTH = math.pi * 6371007.181  # x of the antimeridian
_MODIS_PIXELS = (231.65635826395825, 463.3127165279165, 926.625433055833)
_ROUND_CELLS_PER_DEGREE = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 24, 30, 40, 48, 60, 100, 120, 200, 240, 300,
                           360, 400, 480, 600, 720, 1200, 1440, 2400, 3600, 4000, 7200, 10800, 12000, 36000)
_ROUND_DEGREES = (1.5, 2.0, 2.5, 5.0)


@dataclass(frozen=True)
class NativeGrid:
    """A band's native grid: `transform` is (a, b, c, d, e, f) as in rasterio/EE (x = a*col + b*row + c)."""

    crs: str
    transform: tuple[float, float, float, float, float, float]
    width: int
    height: int

    @property
    def ee_crs(self) -> str:
        """The CRS as Earth Engine names it (SR-ORG:6974 for the MODIS sinusoidal grid)."""
        return EE_CRS_NAMES.get(self.crs, self.crs)

    @property
    def scale(self) -> float:
        """Nominal pixel size in metres."""
        a = abs(self.transform[0])
        return a * METERS_PER_DEGREE if CRS.from_user_input(self.crs).is_geographic else a


def degrees_for(gsd_m: float) -> float:
    """The pixel size in degrees of an EPSG:4326 dataset with nominal resolution `gsd_m` metres."""
    exact = gsd_m / METERS_PER_DEGREE
    candidates = [1.0 / n for n in _ROUND_CELLS_PER_DEGREE] + list(_ROUND_DEGREES)
    best = min(candidates, key=lambda c: abs(math.log(c / exact)))
    return best if abs(math.log(best / exact)) <= math.log(1.2) else exact


def modis_pixel(gsd_m: float) -> float:
    return min(_MODIS_PIXELS, key=lambda p: abs(math.log(p / gsd_m)))


def _snap_extent(x0: float, y0: float, x1: float, y1: float, res: float, ox: float, oy: float):
    """Grid (transform origin, width, height) on the lattice (ox + i*res, oy - j*res) covering [x0, x1] x [y0, y1]."""
    c0 = math.floor((x0 - ox) / res + 1e-9)
    c1 = math.ceil((x1 - ox) / res - 1e-9)
    r0 = math.floor((oy - y1) / res + 1e-9)
    r1 = math.ceil((oy - y0) / res - 1e-9)
    return (ox + c0 * res, oy - r0 * res), max(1, c1 - c0), max(1, r1 - r0)


def geographic_grid(gsd_m: float, bbox: tuple[float, float, float, float]) -> NativeGrid:
    res = degrees_for(gsd_m)
    west, south, east, north = bbox
    (x0, y0), w, h = _snap_extent(max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0),
                                  res, -180.0, 90.0)
    return NativeGrid("EPSG:4326", (res, 0.0, x0, 0.0, -res, y0), w, h)


def modis_grid(gsd_m: float, bbox: tuple[float, float, float, float]) -> NativeGrid:
    res = modis_pixel(gsd_m)
    west, south, east, north = bbox
    ymax = _MODIS_HALF_WIDTH / 2
    y0, y1 = max(south, -90.0) / 90.0 * ymax, min(north, 90.0) / 90.0 * ymax
    x0, x1 = max(west, -180.0) / 180.0 * _MODIS_HALF_WIDTH, min(east, 180.0) / 180.0 * _MODIS_HALF_WIDTH
    (gx, gy), w, h = _snap_extent(x0, y0, x1, y1, res, -_MODIS_HALF_WIDTH, ymax)
    return NativeGrid(MODIS_SINUSOIDAL, (res, 0.0, gx, 0.0, -res, gy), w, h)


def utm_epsg(lon: float, lat: float) -> str:
    zone = min(60, max(1, int(math.floor((lon + 180.0) / 6.0)) + 1))
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def utm_grid(epsg: str, bounds: tuple[float, float, float, float], gsd_m: float) -> NativeGrid:
    """The grid of `gsd_m` pixels on the zone's lattice covering `bounds` (minx, miny, maxx, maxy) in that zone."""
    (x0, y0), w, h = _snap_extent(*bounds, gsd_m, 0.0, 0.0)
    return NativeGrid(epsg, (gsd_m, 0.0, x0, 0.0, -gsd_m, y0), w, h)
