"""Approximate scene grids of the tiled missions: Landsat's WRS-2 path/row and Sentinel-2's MGRS tiles.

Synthetic scenes only need to be where users expect them, not surveyed, so both are computed:

- WRS-2 scene centres come from a circular sun-synchronous orbit (inclination 98.2°, 233 paths, 248 rows per
  orbit, row 60 on the descending equator crossing, path 1 crossing at 64.6° W, paths 1.545° apart westward,
  Earth turning under the 98.9-minute orbit); footprints are 185 × 180 km squares turned to the ground track.
  Path 44 row 34 lands on San Francisco Bay, 199/26 on Paris, within a few km of the real centres.
- MGRS tiles are the 109.8 km squares of the UTM zone's 100 km grid (the upper-left corner 20 m west of a
  100 km line, as Sentinel-2's are), named with the standard MGRS letters (zone 10, easting 5xx km, northing
  41xx km -> 10SEG). A tile belongs to the zone its centre falls in. Paris is in 31UDQ, Brasília in 23LKC, as
  in the real grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod, Transformer

GEOD = Geod(ellps="WGS84")

# -- WRS-2 ------------------------------------------------------------------------------------------------
WRS2_PATHS, WRS2_ROWS_PER_ORBIT, WRS2_DAY_ROWS = 233, 248, 122  # rows 1..122: the daytime descending half
_INCLINATION = math.radians(98.2)
_PATH1_NODE_LON = -64.6
_PERIOD_MIN = 98.88
_EARTH_DEG_PER_MIN = 360.0 / 1436.07
SCENE_HALF_ALONG_M, SCENE_HALF_ACROSS_M = 90_000.0, 92_500.0


def _wrap(lon):
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def wrs2_center(path, row):
    """(lon, lat) of WRS-2 scene centres (arrays or scalars)."""
    path, row = np.asarray(path, np.float64), np.asarray(row, np.float64)
    u = np.radians(180.0 + (row - 60.0) * 360.0 / WRS2_ROWS_PER_ORBIT)  # argument of latitude from the ascending node
    lat = np.degrees(np.arcsin(np.sin(_INCLINATION) * np.sin(u)))
    node = _PATH1_NODE_LON - (path - 1.0) * 360.0 / WRS2_PATHS  # descending-node longitude
    along = np.degrees(np.arctan2(np.cos(_INCLINATION) * np.sin(u), np.cos(u)))
    minutes_before_node = (180.0 - np.degrees(u)) / 360.0 * _PERIOD_MIN
    lon = _wrap(node - 180.0 + along + minutes_before_node * _EARTH_DEG_PER_MIN)
    return lon, lat


@lru_cache(maxsize=1)
def _wrs2_centres() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centres of every daytime scene (233 × 122), computed once (about 0.5 MB)."""
    p, r = np.meshgrid(np.arange(1, WRS2_PATHS + 1), np.arange(1, WRS2_DAY_ROWS + 1), indexing="ij")
    lon, lat = wrs2_center(p.ravel(), r.ravel())
    return p.ravel(), r.ravel(), lon, lat


def wrs2_heading(path: int, row: int) -> float:
    """Azimuth (degrees from north) of the ground track through a scene centre."""
    lon0, lat0 = wrs2_center(path, row - 0.05)
    lon1, lat1 = wrs2_center(path, row + 0.05)
    az, _, _ = GEOD.inv(float(lon0), float(lat0), float(lon1), float(lat1))
    return float(az)


@lru_cache(maxsize=4096)
def wrs2_footprint(path: int, row: int) -> shapely.Polygon:
    """The approximate footprint of a WRS-2 scene, in lon/lat."""
    lon, lat = (float(v) for v in wrs2_center(path, row))
    heading = wrs2_heading(path, row)
    corners = []
    for along, across in ((1, -1), (1, 1), (-1, 1), (-1, -1)):
        lo, la, _ = GEOD.fwd(lon, lat, heading if along > 0 else heading + 180.0, SCENE_HALF_ALONG_M)
        lo, la, _ = GEOD.fwd(lo, la, heading + 90.0 * across, SCENE_HALF_ACROSS_M)
        corners.append((lo, la))
    return _lonlat_polygon(corners)


def wrs2_scenes(bbox: tuple[float, float, float, float] | None) -> list[tuple[int, int]]:
    """(path, row) of the daytime scenes whose centres lie within ~1.2° of `bbox` (all of them when None),
    ordered by path then row."""
    p, r, lon, lat = _wrs2_centres()
    if bbox is None:
        keep = np.ones(p.shape, bool)
    else:
        west, south, east, north = bbox
        pad_lat = 1.0
        pad_lon = min(180.0, 1.2 / max(0.05, math.cos(math.radians(min(85.0, max(abs(south), abs(north)))))))
        in_lat = (lat >= south - pad_lat) & (lat <= north + pad_lat)
        if east - west + 2 * pad_lon >= 360:
            in_lon = np.ones(p.shape, bool)
        else:
            in_lon = ((lon - (west - pad_lon)) % 360.0) <= (east - west + 2 * pad_lon)
        keep = in_lat & in_lon
    return [(int(a), int(b)) for a, b in zip(p[keep], r[keep], strict=True)]


def wrs2_day_phase(path: int) -> int:
    """Day (0..15) of the 16-day cycle on which a path is imaged: adjacent paths are 7 days apart."""
    return (7 * (path - 1)) % 16


# -- MGRS / Sentinel-2 tiles ------------------------------------------------------------------------------
_BAND_LETTERS = "CDEFGHJKLMNPQRSTUVWX"
_COLUMN_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"
S2_TILE_M = 109_800.0


def latitude_band(lat: float) -> str:
    if lat >= 72:
        return "X"
    return _BAND_LETTERS[max(0, min(19, int(math.floor((lat + 80.0) / 8.0))))]


def mgrs_square(zone: int, easting: float, northing: float) -> str:
    """The two MGRS 100 km square letters of a UTM point (northing with the southern false northing applied)."""
    col = _COLUMN_SETS[(zone - 1) % 3][int(easting // 100_000) - 1]
    row = _ROW_LETTERS[(int(northing // 100_000) + (5 if zone % 2 == 0 else 0)) % 20]
    return col + row


@lru_cache(maxsize=64)
def to_utm(epsg: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", epsg, always_xy=True)


@lru_cache(maxsize=64)
def from_utm(epsg: str) -> Transformer:
    return Transformer.from_crs(epsg, "EPSG:4326", always_xy=True)


def _lonlat_polygon(corners) -> shapely.Polygon:
    lons = [c[0] for c in corners]
    if max(lons) - min(lons) > 180:  # crosses the antimeridian: keep it contiguous
        corners = [(lo + 360.0 if lo < 0 else lo, la) for lo, la in corners]
    return shapely.Polygon(corners)


class Tile:
    """A Sentinel-2 tile: name (e.g. '10SEG'), UTM EPSG code, UTM bounds and lon/lat footprint."""

    __slots__ = ("name", "epsg", "bounds", "footprint", "center")

    def __init__(self, zone: int, south: bool, e100: int, n100: int):
        epsg = f"EPSG:{(32700 if south else 32600) + zone}"
        x0, y1 = e100 * 100_000 - 20.0, (n100 + 1) * 100_000.0
        self.bounds = (x0, y1 - S2_TILE_M, x0 + S2_TILE_M, y1)
        cx, cy = x0 + S2_TILE_M / 2, y1 - S2_TILE_M / 2
        lon, lat = from_utm(epsg).transform(cx, cy)
        self.center = (float(lon), float(lat))
        self.epsg = epsg
        self.name = f"{zone:02d}{latitude_band(lat)}{mgrs_square(zone, e100 * 100_000 + 1, n100 * 100_000 + 1)}"
        xs = np.linspace(self.bounds[0], self.bounds[2], 5)
        ys = np.linspace(self.bounds[1], self.bounds[3], 5)
        ring_x = np.concatenate([xs, np.full(4, xs[-1]), xs[::-1][1:], np.full(3, xs[0])])
        ring_y = np.concatenate([np.full(5, ys[0]), ys[1:], np.full(4, ys[-1]), ys[::-1][1:4]])
        lons, lats = from_utm(epsg).transform(ring_x, ring_y)
        self.footprint = _lonlat_polygon(list(zip(lons.tolist(), lats.tolist(), strict=True)))


@lru_cache(maxsize=4096)  # a few MB of tiles
def tile(zone: int, south: bool, e100: int, n100: int) -> Tile:
    return Tile(zone, south, e100, n100)


def _zone_lon_range(zone: int) -> tuple[float, float]:
    return -180.0 + (zone - 1) * 6.0, -180.0 + zone * 6.0


def iter_s2_tiles(bbox: tuple[float, float, float, float], zones: set[int] | None = None) -> Iterator[Tile]:
    """The tiles (centre inside its own zone, latitude -56..84) whose footprint meets `bbox`, zone by zone
    (west to east, north then south, by position), generated lazily; `zones` restricts the UTM zones."""
    west, south, east, north = bbox
    south, north = max(south, -56.0), min(north, 84.0)
    if south > north:
        return
    box = shapely.box(west, south, east, north)
    first = int(math.floor((max(west, -180.0) + 180.0) / 6.0)) + 1
    last = int(math.floor((min(east, 179.999999) + 180.0) / 6.0)) + 1
    for zone in range(max(1, first), min(60, last) + 1):
        if zones is not None and zone not in zones:
            continue
        zw, ze = _zone_lon_range(zone)
        for hemi_south in (False, True):
            lat_lo, lat_hi = (max(south, 0.0), north) if not hemi_south else (south, min(north, 0.0))
            if lat_lo > lat_hi or (hemi_south and south >= 0) or (not hemi_south and north < 0):
                continue
            epsg = f"EPSG:{(32700 if hemi_south else 32600) + zone}"
            lo_w, lo_e = max(west, zw - 1.0), min(east, ze + 1.0)
            if lo_w > lo_e:
                continue
            gx, gy = np.meshgrid(np.linspace(lo_w, lo_e, 9), np.linspace(lat_lo, lat_hi, 9))
            ux, uy = to_utm(epsg).transform(gx.ravel(), gy.ravel())
            e0, e1 = int(np.floor((np.min(ux) - S2_TILE_M) / 100_000)), int(np.floor(np.max(ux) / 100_000))
            n0, n1 = int(np.floor((np.min(uy) - S2_TILE_M) / 100_000)), int(np.floor(np.max(uy) / 100_000))
            for n100 in range(min(99, n1), max(0, n0) - 1, -1):
                for e100 in range(max(1, e0), min(8, e1) + 1):
                    t = tile(zone, hemi_south, e100, n100)
                    lon, lat = t.center
                    if not (zw <= lon < ze) or not (-56.0 <= lat <= 84.0) or (lat < 0) != hemi_south:
                        continue
                    if t.footprint.intersects(box):
                        yield t


def s2_tiles(bbox: tuple[float, float, float, float], limit: int = 20_000) -> list[Tile]:
    """The first `limit` tiles of `iter_s2_tiles(bbox)`."""
    out = []
    for t in iter_s2_tiles(bbox):
        out.append(t)
        if len(out) >= limit:
            break
    return out


@lru_cache(maxsize=2)
def zone_tile_cells(south: bool) -> tuple[tuple[int, int], ...]:
    """(e100, n100) of every tile of one UTM zone and hemisphere (the same in every zone), north to south, west to
    east: the order `iter_s2_tiles` yields them in."""
    zone = 31
    zw, ze = _zone_lon_range(zone)
    cells = []
    for n100 in range(99, -1, -1):
        for e100 in range(1, 9):
            x, y = e100 * 100_000 - 20.0 + S2_TILE_M / 2, (n100 + 1) * 100_000.0 - S2_TILE_M / 2
            lon, lat = from_utm(f"EPSG:{(32700 if south else 32600) + zone}").transform(x, y)
            if zw <= lon < ze and -56.0 <= lat <= 84.0 and (lat < 0) == south:
                cells.append((e100, n100))
    return tuple(cells)


@lru_cache(maxsize=4096)
def s2_tile_by_name(name: str) -> Tile | None:
    """The tile called `name` ('10SEG' or 'T10SEG'), or None when no tile of that name exists."""
    name = name.removeprefix("T")
    if len(name) != 5 or not name[:2].isdigit():
        return None
    zone, band = int(name[:2]), name[2]
    if not 1 <= zone <= 60 or band not in _BAND_LETTERS:
        return None
    lat_lo = -80.0 + _BAND_LETTERS.index(band) * 8.0
    zw, ze = _zone_lon_range(zone)
    for t in iter_s2_tiles((zw, max(-56.0, lat_lo - 1.0), ze - 1e-6, min(84.0, lat_lo + 9.0)), zones={zone}):
        if t.name == name:
            return t
    return None


def s2_relative_orbit(lon: float) -> int:
    """A relative orbit number 1..143 for a longitude (neighbouring longitudes, neighbouring orbits)."""
    return 1 + int(((lon + 180.0) % 360.0) / 360.0 * 143)


def s2_day_phase(zone: int) -> int:
    """Day (0..9) of Sentinel-2A's 10-day cycle on which a UTM zone's tiles are imaged (one phase per zone, a
    simplification of the real orbits); Sentinel-2B images them 5 days later."""
    return (7 * zone) % 10


def zone_center_lon(zone: int) -> float:
    return -183.0 + 6.0 * zone
