"""Pixel values of a synthetic band on any requested grid.

A requested pixel takes the value of the native cell its centre falls in (nearest neighbour, as EE resamples by
default), and a native cell's value is a function of its own centre's lon/lat and the image alone. So the same
request gives the same bytes, a window gives the same bytes however it is tiled, and only the requested window is
ever computed. Values are of the band's inferred type and inside its documented range:

- class bands take only their documented class values, in patches that follow the landscape (forest where it is
  green, water classes on water, cloud/shadow classes where the image has clouds);
- bitmask bands set their cloud, cirrus, shadow, clear, water and snow bits where those are, other quality parts
  at their first ("good") value and unnamed single bits in a few patches;
- spectral bands mix vegetation, soil, water, snow and cloud spectra at their centre wavelength and are stored
  through the band's scale/offset; thermal bands follow a latitude-season-relief temperature; NDVI/EVI bands
  follow the vegetation; elevation bands the relief; everything else is a smooth field over the range.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from ee_assets.local.catalog.public.facts import BandFacts
from ee_assets.local.catalog.public.images import SyntheticImage
from ee_assets.local.catalog.public.landscape import Fields, Moment, StaticStore, season_of
from ee_assets.local.catalog.public.native import METERS_PER_DEGREE, NativeGrid
from ee_assets.local.catalog.public.noise import seed_of, uniform_mixture

FIELD_CACHE_BYTES = 256 * 1024 * 1024
_SNAP_EPS = 1e-6  # cells: a pixel centre exactly on a cell edge goes to the cell right/below of it, robustly

# Reflectance spectra (vegetation, soil, water, snow, cloud) at these wavelengths (µm).
_WL = np.array([0.44, 0.48, 0.56, 0.655, 0.705, 0.74, 0.78, 0.865, 0.945, 1.375, 1.61, 2.2])
_SPECTRA = {
    "veg": np.array([0.03, 0.035, 0.07, 0.04, 0.12, 0.28, 0.35, 0.38, 0.32, 0.02, 0.20, 0.09]),
    "soil": np.array([0.08, 0.10, 0.14, 0.19, 0.21, 0.23, 0.24, 0.26, 0.25, 0.02, 0.33, 0.28]),
    "water": np.array([0.06, 0.055, 0.05, 0.03, 0.02, 0.015, 0.012, 0.01, 0.005, 0.001, 0.004, 0.002]),
    "snow": np.array([0.90, 0.90, 0.88, 0.85, 0.83, 0.80, 0.78, 0.75, 0.60, 0.05, 0.10, 0.05]),
    "cloud": np.array([0.55, 0.55, 0.56, 0.57, 0.57, 0.57, 0.57, 0.58, 0.50, 0.35, 0.42, 0.30]),
}


# -- a byte-bounded cache of fields ----------------------------------------------------------------------
class FieldCache:
    """LRU of computed `Fields` and cell lookups, bounded in bytes, shared by threads. A `Fields` entry is counted
    at its largest (every field it can hold computed), so the bound holds while entries fill in."""

    def __init__(self, max_bytes: int = FIELD_CACHE_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0

    def get(self, key: tuple, make: Callable[[], object]):
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        value = make()
        size = _size(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._items[key] = (value, size)
            self.nbytes += size
            while len(self._items) > 1 and self.nbytes > self.max_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self.nbytes -= evicted
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0


def _size(v) -> int:
    if isinstance(v, Fields | StaticStore):
        return v.max_nbytes
    if isinstance(v, tuple):
        return sum(a.nbytes for a in v if isinstance(a, np.ndarray)) + 200
    return 200


CACHE = FieldCache()


# -- from the request to native cells ------------------------------------------------------------------
_transformers: dict[tuple[str, str], Transformer] = {}
_transformers_lock = threading.Lock()


def _transformer(src: str, dst: str) -> Transformer:
    with _transformers_lock:
        t = _transformers.get((src, dst))
        if t is None:
            if len(_transformers) > 256:
                _transformers.clear()
            t = _transformers[(src, dst)] = Transformer.from_crs(src, dst, always_xy=True)
        return t


def _same_crs(a: str, b: str) -> bool:
    return a == b or CRS.from_user_input(a) == CRS.from_user_input(b)


def _cells(grid: NativeGrid, crs: str, transform: Affine, width: int, height: int,
           footprint: shapely.Geometry | None):
    """For each requested pixel: its native cell (flat index into the unique cells) or -1 outside the image;
    and the unique cells' centres in lon/lat. Returns (index[h, w], lon[n], lat[n])."""
    cols = np.arange(width, dtype=np.float64) + 0.5
    rows = np.arange(height, dtype=np.float64) + 0.5
    a, b, c, d, e, f = transform.a, transform.b, transform.c, transform.d, transform.e, transform.f
    cc, rr = np.meshgrid(cols, rows)
    x = a * cc + b * rr + c
    y = d * cc + e * rr + f
    if not _same_crs(crs, grid.crs):
        x, y = _transformer(crs, grid.crs).transform(x, y)
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    ga, _, gc, _, ge, gf = grid.transform
    col = np.floor((x - gc) / ga + _SNAP_EPS)
    row = np.floor((y - gf) / ge + _SNAP_EPS)
    inside = np.isfinite(col) & np.isfinite(row) & (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    col = np.where(inside, col, 0).astype(np.int64)
    row = np.where(inside, row, 0).astype(np.int64)
    cx = gc + ga * (col + 0.5)
    cy = gf + ge * (row + 0.5)
    if footprint is not None:
        inside &= shapely.contains_xy(footprint, cx, cy)
    flat = row * grid.width + col
    keys, inverse = np.unique(flat[inside], return_inverse=True)
    index = np.full(x.shape, -1, np.int64)
    index[inside] = inverse
    ucol, urow = keys % grid.width, keys // grid.width
    ux, uy = gc + ga * (ucol + 0.5), gf + ge * (urow + 0.5)
    if grid.crs == "EPSG:4326":
        lon, lat = ux, uy
    else:
        lon, lat = _transformer(grid.crs, "EPSG:4326").transform(ux, uy)
        lon, lat = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    return index, lon, lat


def _native_footprint(img: SyntheticImage, grid: NativeGrid) -> shapely.Geometry | None:
    """The footprint in the native CRS when it is not the native grid's rectangle itself (Landsat scenes)."""
    if img.ds.scenes != "WRS2":
        return None
    xs, ys = img.footprint.exterior.coords.xy
    nx, ny = _transformer("EPSG:4326", grid.crs).transform(np.asarray(xs), np.asarray(ys))
    poly = shapely.Polygon(np.column_stack([nx, ny]))
    shapely.prepare(poly)
    return poly


def detail_deg(img: SyntheticImage) -> float:
    """The finest band's pixel size in degrees: the scale of the landscape's finest texture for this dataset."""
    gsds = [b.gsd for b in img.ds.bands if b.gsd] or [img.ds.gsd or 1000.0]
    return float(min(gsds)) / METERS_PER_DEGREE


def _moment(img: SyntheticImage) -> Moment:
    return Moment(img.cloud_seed, img.variation_seed, img.cloud_cover, season_of(img.start.timetuple().tm_yday))


def _fields(img: SyntheticImage, grid: NativeGrid, crs: str, transform: Affine, width: int, height: int):
    req = (crs, tuple(transform)[:6], width, height)
    native = (grid.crs, grid.transform, grid.width, grid.height)
    footprint_key = img.scene.cloud_key if img.ds.scenes == "WRS2" else None

    def make_cells():
        return _cells(grid, crs, transform, width, height, _native_footprint(img, grid))

    index, lon, lat = CACHE.get(("cells", native, footprint_key, req), make_cells)
    moment = _moment(img)
    detail = detail_deg(img)
    static = CACHE.get(("static", native, footprint_key, req, detail), lambda: StaticStore(lon.size))
    fields = CACHE.get(("fields", native, footprint_key, req, detail, moment),
                       lambda: Fields(lon, lat, detail, moment, static))
    return index, fields


# -- public ----------------------------------------------------------------------------------------------
def band_pixels(img: SyntheticImage, band: str, crs: str, transform: Affine | Sequence[float], width: int,
                height: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, valid) of `band` on the grid `crs` / `transform` (pixel corner -> CRS, rasterio order) /
    `width` x `height`: values of the band's type (0 where not valid), valid False outside the image."""
    b = img.ds.band(band)
    if b is None:
        raise KeyError(f"{img.id} has no band {band!r}; bands: {', '.join(img.band_names)}")
    transform = transform if isinstance(transform, Affine) else Affine(*tuple(transform)[:6])
    grid = img.grid(band)
    index, fields = _fields(img, grid, crs, transform, int(width), int(height))
    values = band_values(b, fields, img)
    valid = index >= 0
    out = np.zeros(index.shape, b.dtype)
    out[valid] = values[index[valid]]
    return out, valid


def band_values(b: BandFacts, f: Fields, img: SyntheticImage) -> np.ndarray:
    """The stored values of band `b` at the points of `f` (1-D, of the band's type)."""
    if b.classes:
        raw = _class_values(b, f, img)
    elif b.bits:
        raw = _bitmask_values(b, f)
    else:
        raw = _continuous(b, f, *b.typical_range)
    return _store(raw, b, *b.value_range)


def _store(raw: np.ndarray, b: BandFacts, lo: float, hi: float) -> np.ndarray:
    dtype = b.dtype
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        raw = np.rint(np.clip(raw, max(lo, info.min), min(hi, info.max)))
        return raw.astype(dtype)
    return np.clip(raw, lo, hi).astype(dtype)


# -- continuous bands ---------------------------------------------------------------------------------------
_VEG_INDEX = re.compile(r"(^|_)(ndvi|evi|evi2|savi|ndwi|nbr)(_|$)", re.I)
_ELEVATION = re.compile(r"(^|_)(elevation|elev|dem|dsm|dtm|height|altitude|hgt)(_|$)", re.I)
_CLOUD_PROB = re.compile(r"cldprb|cloud_?prob|^probability$|cloud_fraction|cloud_cover", re.I)
_CLEAR_SCORE = re.compile(r"^(cs|cs_cdf)$")
_TEMP_UNITS = {"k", "kelvin", "°c", "c", "deg c", "celsius", "degc"}


def _scaled(phys: np.ndarray, b: BandFacts, lo: float, hi: float, typical: float, natural_max: float) -> np.ndarray:
    """Physical values -> stored ones: through scale/offset; as they are when the range holds them; else spread
    over the range (physical 0..natural_max -> lo..hi)."""
    if b.scale is not None or b.offset is not None:
        stored = (phys - (b.offset or 0.0)) / (b.scale or 1.0)
        t = (typical - (b.offset or 0.0)) / (b.scale or 1.0)
        if lo <= t <= hi:
            return stored
    elif lo <= typical <= hi and (hi <= natural_max * 2 or b.dtype.kind == "f"):
        return phys
    return lo + (hi - lo) * np.clip(phys / natural_max, 0.0, 1.0)


def _reflectance(wavelength: float, f: Fields) -> np.ndarray:
    s = {k: float(np.interp(wavelength, _WL, v)) for k, v in _SPECTRA.items()}
    veg = f.vegetation
    brightness = 0.8 + 0.4 * f.relief
    r = veg * s["veg"] + (1.0 - veg) * s["soil"] * brightness
    r = np.where(f.water, s["water"], r)
    r = np.where(f.snow & ~f.water, s["snow"], r)
    r = np.where(f.shadow, r * 0.45, r)
    cloud = f.cloud
    return r * (1.0 - cloud) + s["cloud"] * cloud * (0.85 + 0.3 * f.variation)


def _continuous(b: BandFacts, f: Fields, lo: float, hi: float) -> np.ndarray:
    name, units = b.name, (b.units or "").strip().lower()
    if _CLEAR_SCORE.match(name) or _CLOUD_PROB.search(name):
        prob = np.where(f.cloudy, 0.5 + 0.5 * f.cloud, 0.25 * f.variation * (f.moment.cloud_cover > 0))
        u = 1.0 - prob if _CLEAR_SCORE.match(name) else prob
        return lo + (hi - lo) * u
    if _VEG_INDEX.search(name):
        ndvi = np.where(f.water, -0.15, -0.05 + 0.85 * f.vegetation)
        ndvi = np.where(f.cloudy, ndvi * (1.0 - f.cloud) + 0.02 * f.cloud, ndvi)
        return _scaled(ndvi, b, lo, hi, 0.5, 1.0)
    if b.wavelength is not None and 0.35 <= b.wavelength <= 2.6:
        return _scaled(_reflectance(b.wavelength, f), b, lo, hi, 0.2, 1.0)
    if (b.wavelength is not None and b.wavelength > 3.0) or units in _TEMP_UNITS:
        kelvin = f.temperature
        phys, typical = (kelvin - 273.15, 15.0) if units in ("°c", "c", "deg c", "celsius", "degc") else (kelvin, 288.)
        stored_typical = (typical - (b.offset or 0.0)) / (b.scale or 1.0)
        if lo <= stored_typical <= hi:
            return (phys - (b.offset or 0.0)) / (b.scale or 1.0)
    if _ELEVATION.search(name) and units in ("m", "meters", "metres", ""):
        metres = np.where(f.water, 0.0, 2.0 + 3500.0 * f.relief ** 3)
        stored = (metres - (b.offset or 0.0)) / (b.scale or 1.0)
        if lo <= (500.0 - (b.offset or 0.0)) / (b.scale or 1.0) <= hi:
            return stored
    static = uniform_mixture(f.lon, f.lat, f.layers, seed_of("band", name))
    u = 0.75 * static + 0.25 * f.variation
    return lo + (hi - lo) * u


# -- class bands -------------------------------------------------------------------------------------------
_NOT_LAND = re.compile(r"no ?data|fill|unclassified|not classified|saturated|defective|masked|missing|invalid|"
                       r"unknown|background|outside", re.I)
_WATER = re.compile(r"water|ocean|sea\b|lake|river|reservoir", re.I)
_CLOUD = re.compile(r"cloud|cirrus", re.I)
_SHADOW = re.compile(r"shadow", re.I)
_SNOW = re.compile(r"snow|ice\b|glacier", re.I)
_GREENNESS = (
    (re.compile(r"tree|forest|mangrove|woody|canopy|woodland", re.I), 0.95),
    (re.compile(r"wetland|marsh|swamp|flooded|peat|bog", re.I), 0.75),
    (re.compile(r"shrub|scrub|bush", re.I), 0.65),
    (re.compile(r"grass|herbaceous|savanna|pasture|meadow|vegetat", re.I), 0.55),
    (re.compile(r"crop|agricult|cultivat|farm|orchard|vineyard|plantation", re.I), 0.45),
    (re.compile(r"moss|lichen|tundra|sparse", re.I), 0.25),
    (re.compile(r"built|urban|artificial|impervious|developed|settlement|road|city|residential", re.I), 0.1),
    (re.compile(r"bare|barren|desert|rock|sand|soil|dark", re.I), 0.05),
)


def _greenness(description: str) -> float:
    for pattern, score in _GREENNESS:
        if pattern.search(description):
            return score
    return 0.4


def _cloud_level(description: str) -> int:
    d = description.lower()
    return 0 if "low" in d else 2 if "high" in d else 1


def _class_values(b: BandFacts, f: Fields, img: SyntheticImage) -> np.ndarray:
    classes = [(float(v), d or "") for v, d, _ in b.classes]
    water = [v for v, d in classes if _WATER.search(d) and not _CLOUD.search(d)]
    cirrus = [v for v, d in classes if re.search(r"cirrus", d, re.I)]
    cloud = sorted(((_cloud_level(d), v) for v, d in classes if _CLOUD.search(d) and v not in cirrus
                    and not _SHADOW.search(d) and not re.search(r"no cloud|cloud[- ]free|clear|not cloud", d, re.I)))
    cloud_values = [v for _, v in cloud]
    shadow = [v for v, d in classes if _SHADOW.search(d)]
    snow = [v for v, d in classes if _SNOW.search(d) and not _CLOUD.search(d)]
    special = set(water) | set(cirrus) | set(cloud_values) | set(shadow) | set(snow)
    land = [(v, d) for v, d in classes if v not in special and not _NOT_LAND.search(d)]
    if not land:
        land = [(v, d) for v, d in classes if v not in special] or classes
    land.sort(key=lambda c: (_greenness(c[1]), c[0]))
    land_values = np.array([v for v, _ in land])
    u = np.clip(0.85 * f.green + 0.15 * f.variation, 0.0, 1.0 - 1e-12)
    out = land_values[np.minimum((u * len(land_values)).astype(np.int64), len(land_values) - 1)]
    if snow:
        out = np.where(f.snow, snow[0], out)
    if water:
        out = np.where(f.water, water[0], out)
    if f.moment.cloud_cover > 0:
        if shadow:
            out = np.where(f.shadow, shadow[0], out)
        if cloud_values:
            levels = np.array(cloud_values)
            pick = levels[np.minimum((f.cloud * len(levels)).astype(np.int64), len(levels) - 1)]
            out = np.where(f.cloudy, pick, out)
        if cirrus:
            out = np.where(f.cirrus, cirrus[0], out)
    return out.astype(np.float64)


# -- bitmask bands -----------------------------------------------------------------------------------------
def _pick(values: tuple[tuple[int, str], ...], want: str, fallback: int) -> int:
    """The first value whose description matches the first matching alternative of `want` (a|b|c: a first)."""
    for alternative in want.split("|"):
        for v, d in values:
            if re.search(alternative, d, re.I):
                return v
    return fallback


def _part_values(description: str, values: tuple[tuple[int, str], ...], bit_count: int, f: Fields,
                 part_seed: int) -> np.ndarray:
    """The value of one bitmask part at each point."""
    d = description.lower()
    top = (1 << bit_count) - 1
    has_clouds = f.moment is not None and f.moment.cloud_cover > 0
    zeros = np.zeros(f.lon.shape)
    condition = None
    if re.search(r"fill|no ?data|nodata|saturat|unused|reserved|terrain occlusion|dropped|padding", d):
        return zeros
    if "shadow" in d:
        condition = f.shadow if has_clouds else None
    elif "cirrus" in d:
        condition = f.cirrus if has_clouds else None
    elif "dilated" in d:
        condition = f.cloudy if has_clouds else None
    elif "cloud" in d and "clear" not in d:
        if has_clouds and values and bit_count > 1 and any(re.search(r"cloudy", v[1], re.I) for v in values):
            cloudy_v = _pick(values, r"^cloudy|^cloud(?!.*free)", top)
            clear_v = _pick(values, r"clear", 0)
            return np.where(f.cloudy, cloudy_v, clear_v).astype(np.float64)
        condition = f.cloudy if has_clouds else None
    elif "clear" in d:
        if not has_clouds:
            return np.full(f.lon.shape, float(_pick(values, r"not set|clear|are not", 1) if values else 1))
        condition = ~(f.cloudy | f.shadow) if f.moment is not None else None
        if bit_count == 1:
            return condition.astype(np.float64)
    elif "water" in d or "land" in d:
        if values and bit_count > 1:
            land_v = _pick(values, r"^land", 1)
            water_v = _pick(values, r"inland water|water|ocean", 0)
            return np.where(f.water, water_v, land_v).astype(np.float64)
        condition = f.water
    elif "snow" in d or "ice" in d:
        condition = f.snow
    elif bit_count == 1 and not values:
        patches = uniform_mixture(f.lon, f.lat, f.layers, part_seed) > 0.92
        return patches.astype(np.float64)
    else:
        return np.full(f.lon.shape, float(values[0][0]) if values else 0.0)
    if condition is None:
        return np.full(f.lon.shape, float(_pick(values, r"\blow\b|none|^no|not", 0)) if bit_count > 1 else 0.0)
    if bit_count == 1:
        return condition.astype(np.float64)
    high = _pick(values, r"high", top)
    low = _pick(values, r"\blow\b|none|^no|not", 0 if not values else values[0][0])
    return np.where(condition, high, low).astype(np.float64)


def _bitmask_values(b: BandFacts, f: Fields) -> np.ndarray:
    total = np.zeros(f.lon.shape, np.uint64)
    for part in b.bitmask:
        v = _part_values(part.description, part.values, part.bit_count, f, seed_of("bits", b.name, part.first_bit))
        v = np.clip(v, 0, (1 << part.bit_count) - 1).astype(np.uint64)
        total |= v << np.uint64(part.first_bit)
    return total.astype(np.float64)
