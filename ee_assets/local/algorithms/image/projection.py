"""Where and how an image is computed: reproject, setDefaultProjection, resample (bilinear/bicubic),
reduceResolution, clipToBoundsAndScale (the grid of thumbnails) and translate; the pixel coordinates and areas of
the grid an image is computed on (pixelLonLat, pixelCoordinates, pixelArea)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from affine import Affine

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.bands import inside_extent
from ee_assets.local.algorithms.support.coerce import as_geometry, as_image, as_projection
from ee_assets.local.algorithms.support.projection import covering_window, grid_outline, target_projection
from ee_assets.local.errors import InvalidArgument
from ee_assets.local.kernels.resample import pixel_mapping
from ee_assets.local.values.geometry import transformer
from ee_assets.local.values.grid import Grid, crs_equal, crs_is_geographic
from ee_assets.local.values.image import Band, GridRecipe, Image, Pixels, Recipe
from ee_assets.local.values.projection import DEFAULT_PROJECTION, Projection
from ee_assets.local.values.reducer import Reducer

IMG = "Image<unknown bands>"
FLOAT64 = np.dtype(np.float64)
MAX_INTERMEDIATE_PIXELS = 200_000_000


def _check_size(op: str, grid: Grid) -> None:
    if grid.width * grid.height > MAX_INTERMEDIATE_PIXELS:
        raise InvalidArgument(f"{op}: the request needs {grid.width}x{grid.height} pixels in the forced projection; "
                              "request a smaller region or a coarser scale.")


@dataclass(eq=False)
class ReprojectRecipe(Recipe):
    """Compute the input on the forced projection's pixel grid, then show it on the requested grid (nearest)."""

    input: Recipe
    projection: Projection

    def compute(self, grid: Grid) -> Pixels:
        window = covering_window(self.projection, grid_outline(grid, self.projection.crs))
        if window is None:
            return np.zeros(grid.shape), np.zeros(grid.shape, np.float32)
        if window == grid:
            return self.input.evaluate(grid)
        _check_size("Image.reproject", window)
        values, mask = self.input.evaluate(window)
        return gather_onto(window, values, mask, grid)


def gather_onto(src: Grid, values: np.ndarray, mask: np.ndarray, dst: Grid) -> Pixels:
    """Arrays computed on `src` shown on `dst` by nearest neighbour; outside `src` is masked."""
    m = pixel_mapping(src, dst)
    if m.window is None:
        return np.zeros(dst.shape), np.zeros(dst.shape, np.float32)
    w = m.window
    rows, cols = slice(w.row_off, w.row_off + w.height), slice(w.col_off, w.col_off + w.width)
    inside = m.inside
    return (np.where(inside, m.gather(values[rows, cols]), 0.0),
            np.where(inside, m.gather(mask[rows, cols]), 0.0).astype(np.float32))


def _extent_in(band: Band, proj: Projection) -> Grid | None:
    if band.extent is None:
        return None
    return covering_window(proj, grid_outline(band.extent, proj.crs))


@algorithm("Image.reproject", returns=IMG, image=IMG, crs="Projection", crsTransform="List<Float>", scale="Float")
def reproject(image: Image, crs, crsTransform: list | None = None, scale: float | None = None) -> Image:
    """Force the computation of every band into a projection (EE's reproject); the result is then resampled
    (nearest) onto whatever grid a request asks for."""
    img = as_image(image)
    proj = target_projection("Image.reproject", crs, crsTransform, scale)
    return img.with_bands([Band(b.name, b.dtype, proj, ReprojectRecipe(b.recipe, proj), _extent_in(b, proj))
                           for b in img.bands])


@algorithm("Image.setDefaultProjection", returns=IMG, image=IMG, crs="Projection", crsTransform="List<Float>",
           scale="Float")
def set_default_projection(image: Image, crs, crsTransform: list | None = None, scale: float | None = None) -> Image:
    """Change the projection an image reports (and reductions default to) without resampling it."""
    img = as_image(image)
    proj = target_projection("Image.setDefaultProjection", crs, crsTransform, scale)
    return img.with_bands([Band(b.name, b.dtype, proj, b.recipe, b.extent) for b in img.bands])


# -- resample ----------------------------------------------------------------------------------------------------
def _keys_cubic(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (GDAL's 'cubic')."""
    t = np.abs(t)
    a = -0.5
    return np.where(t <= 1, (a + 2) * t**3 - (a + 3) * t**2 + 1,
                    np.where(t < 2, a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a, 0.0))


@dataclass(eq=False)
class InterpolateRecipe(Recipe):
    """Bilinear or bicubic interpolation of a band from its native grid; a pixel is masked when any tap it uses is
    masked or when its centre lies outside the native grid (taps beyond the edge repeat the edge pixel)."""

    input: Recipe
    native: Grid
    mode: str

    def compute(self, grid: Grid) -> Pixels:
        if grid == self.native:
            return self.input.evaluate(grid)
        c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
        t = grid.transform
        x, y = t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f
        if not crs_equal(grid.crs, self.native.crs):
            x, y = transformer(grid.crs, self.native.crs).transform(x, y)
        inv = ~self.native.transform
        u, v = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f  # fractional native pixel coords
        inside = np.isfinite(u) & np.isfinite(v) & (u >= 0) & (u < self.native.width) & (v >= 0) & \
            (v < self.native.height)
        if not inside.any():
            return np.zeros(grid.shape), np.zeros(grid.shape, np.float32)
        taps = (0, 1) if self.mode == "bilinear" else (-1, 0, 1, 2)
        uc, vc = np.where(inside, u - 0.5, 0), np.where(inside, v - 0.5, 0)
        i0, j0 = np.floor(uc).astype(np.int64), np.floor(vc).astype(np.int64)
        fu, fv = uc - i0, vc - j0
        c0 = max(int(i0[inside].min()) + taps[0], 0)
        c1 = min(int(i0[inside].max()) + taps[-1], self.native.width - 1)
        r0 = max(int(j0[inside].min()) + taps[0], 0)
        r1 = min(int(j0[inside].max()) + taps[-1], self.native.height - 1)
        window = self.native.window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)
        values, mask = self.input.evaluate(window)
        out = np.zeros(grid.shape)
        ok = inside.copy()
        for dj in taps:
            wv = (1 - fv if dj == 0 else fv) if self.mode == "bilinear" else _keys_cubic(fv - dj)
            rows = np.clip(j0 + dj, 0, self.native.height - 1) - r0
            rows = np.clip(rows, 0, window.height - 1)
            for di in taps:
                wu = (1 - fu if di == 0 else fu) if self.mode == "bilinear" else _keys_cubic(fu - di)
                cols = np.clip(np.clip(i0 + di, 0, self.native.width - 1) - c0, 0, window.width - 1)
                w = wu * wv
                out += w * values[rows, cols]
                ok &= (mask[rows, cols] > 0) | (w == 0)
        return np.where(ok, out, 0.0), ok.astype(np.float32)


@algorithm("Image.resample", returns=IMG, image=IMG, mode="String")
def resample(image: Image, mode: str = "bilinear") -> Image:
    """Interpolate bands from their native grid when they are computed on another grid (EE's resample)."""
    if mode not in ("bilinear", "bicubic"):
        raise InvalidArgument(f"Image.resample: mode must be 'bilinear' or 'bicubic', got {mode!r}.")
    img = as_image(image)
    bands = []
    for b in img.bands:
        if b.extent is None:
            bands.append(b)  # unbounded bands (constants, composites) have no native grid to interpolate from
            continue
        recipe = InterpolateRecipe(b.recipe, b.extent, mode)
        bands.append(Band(b.name, np.dtype(np.float64) if b.dtype.kind != "f" else b.dtype, b.projection, recipe,
                          b.extent))
    return img.with_bands(bands)


# -- reduceResolution --------------------------------------------------------------------------------------------
@dataclass(eq=False)
class ReduceResolutionRecipe(Recipe):
    """Each requested pixel is the reducer over the native pixels inside it: the input is computed on the requested
    grid subdivided k x k times, k the ratio of the pixel sizes (exact when the grids nest)."""

    input: Recipe
    native: Projection
    reducer: Reducer
    max_pixels: int
    best_effort: bool

    def compute(self, grid: Grid) -> Pixels:
        kx, ky = self._factors(grid)
        if kx * ky <= 1:
            return self.input.evaluate(grid)
        fine = Grid(grid.crs, grid.transform @ Affine.scale(1 / kx, 1 / ky), grid.width * kx, grid.height * ky)
        _check_size("Image.reduceResolution", fine)
        values, mask = self.input.evaluate(fine)
        blocks = (grid.height, ky, grid.width, kx)
        v = values.reshape(blocks).transpose(0, 2, 1, 3).reshape(grid.height, grid.width, kx * ky)
        m = mask.reshape(blocks).transpose(0, 2, 1, 3).reshape(grid.height, grid.width, kx * ky)
        return _reduce_blocks(self.reducer, v, m)

    def _factors(self, grid: Grid) -> tuple[int, int]:
        if crs_equal(grid.crs, self.native.crs):
            ratio_x = math.hypot(grid.transform.a, grid.transform.d) / math.hypot(*self.native.transform[0:4:3])
            ratio_y = math.hypot(grid.transform.b, grid.transform.e) / math.hypot(*self.native.transform[1:5:3])
        else:
            size = Projection(grid.crs, tuple(grid.transform)[:6]).nominal_scale()
            ratio_x = ratio_y = size / self.native.nominal_scale()
        kx, ky = max(1, round(ratio_x)), max(1, round(ratio_y))
        if kx * ky > self.max_pixels:
            if not self.best_effort:
                raise InvalidArgument(f"Image.reduceResolution: Too many input pixels per output pixel. Need "
                                      f"{kx * ky}, but only {self.max_pixels} allowed. Set a larger maxPixels or "
                                      "bestEffort.")
            shrink = math.sqrt(kx * ky / self.max_pixels)
            kx, ky = max(1, int(kx / shrink)), max(1, int(ky / shrink))
        return kx, ky


def _reduce_blocks(reducer: Reducer, v: np.ndarray, m: np.ndarray) -> Pixels:
    valid = m > 0
    any_valid = valid.any(axis=-1)
    kind = reducer.kind
    with np.errstate(all="ignore"):
        if kind == "mean":
            w = np.where(valid, m, 0.0)
            out = (v * w).sum(-1) / np.where(any_valid, w.sum(-1), 1)
        elif kind == "sum":
            out = np.where(valid, v * m, 0.0).sum(-1)
        elif kind == "count":
            return valid.sum(-1).astype(np.float64), np.ones(v.shape[:2], np.float32)
        elif kind in ("min", "max", "median", "stdDev", "variance"):
            nan = np.where(valid, v, np.nan)
            fn = {"min": np.nanmin, "max": np.nanmax, "median": np.nanmedian, "stdDev": np.nanstd,
                  "variance": np.nanvar}[kind]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = fn(nan, axis=-1)
        else:
            raise InvalidArgument(f"Image.reduceResolution: reducer '{kind}' is not supported.")
    return np.where(any_valid, out, 0.0), any_valid.astype(np.float32)


@algorithm("Image.reduceResolution", returns=IMG, image=IMG, reducer="Reducer", bestEffort="Boolean",
           maxPixels="Integer")
def reduce_resolution(image: Image, reducer: Reducer, bestEffort: bool = False, maxPixels: int = 64) -> Image:
    """Aggregate native pixels into coarser requested pixels with `reducer` (usually followed by reproject)."""
    img = as_image(image)
    if len(reducer.leaves) != 1:
        raise InvalidArgument("Image.reduceResolution: use a single reducer (combined reducers are not supported).")
    leaf = reducer.leaves[0]
    if leaf.kind == "percentile":
        raise InvalidArgument("Image.reduceResolution: percentile reducers are not supported; use median.")
    bands = []
    for b in img.bands:
        dtype = b.dtype if leaf.kind in ("min", "max") else np.dtype(np.int64 if leaf.kind == "count" else np.float64)
        recipe = ReduceResolutionRecipe(b.recipe, b.projection, leaf, int(maxPixels), bool(bestEffort))
        bands.append(Band(b.name, dtype, b.projection, recipe, b.extent))
    return img.with_bands(bands)


# -- clipToBoundsAndScale ------------------------------------------------------------------------------------------
@algorithm("Image.clipToBoundsAndScale", returns=IMG, input=IMG, geometry="Geometry", width="Integer",
           height="Integer", maxDimension="Integer", scale="Float")
def clip_to_bounds_and_scale(input: Image, geometry=None, width: int | None = None, height: int | None = None,
                             maxDimension: int | None = None, scale: float | None = None) -> Image:
    """Clip to the bounding box of `geometry` (default: the footprint) in the image's CRS and give the result a
    native grid over that box: `width`/`height` pixels, the longer side `maxDimension` pixels, or `scale` metres."""
    op = "Image.clipToBoundsAndScale"
    img = as_image(input, "input")
    proj = img.projection()
    region = as_geometry(geometry) if geometry is not None else img.footprint()
    if region is None:
        raise InvalidArgument(f"{op}: the image is unbounded; give a geometry (getThumbURL: 'region').")
    minx, miny, maxx, maxy = region.to(proj.crs).bounds
    bw, bh = maxx - minx, maxy - miny
    if bw <= 0 or bh <= 0:
        raise InvalidArgument(f"{op}: the geometry's bounds are empty.")
    if width is not None or height is not None:
        sx = bw / width if width else None
        sy = bh / height if height else None
        sx, sy = sx or sy, sy or sx
    elif maxDimension is not None:
        sx = sy = max(bw, bh) / int(maxDimension)
    elif scale is not None:
        sx = sy = abs(proj.at_scale(float(scale)).transform[0])
    else:
        sx, sy = abs(proj.transform[0]), abs(proj.transform[4]) or abs(proj.transform[0])
    w = int(width) if width else max(1, round(bw / sx))
    h = int(height) if height else max(1, round(bh / sy))
    grid = Grid(proj.crs, Affine(sx, 0, minx, 0, -sy, maxy), w, h)
    out_proj = Projection(proj.crs, (sx, 0.0, minx, 0.0, -sy, maxy))

    def clip(g: Grid, px, extent=grid):
        v, m = px[0]
        return v, (m * inside_extent(g, extent)).astype(np.float32)

    return img.with_bands([Band(b.name, b.dtype, out_proj, GridRecipe(clip, (b.recipe,)), grid) for b in img.bands])


# -- translate -----------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class TranslateRecipe(Recipe):
    """The input shifted by (dx, dy) in `crs` units: a pixel shows the input at (x - dx, y - dy)."""

    input: Recipe
    dx: float
    dy: float
    crs: str

    def compute(self, grid: Grid) -> Pixels:
        if crs_equal(grid.crs, self.crs) and grid.transform.b == 0 and grid.transform.d == 0:
            shifted = Grid(grid.crs, Affine.translation(-self.dx, -self.dy) @ grid.transform, grid.width,
                           grid.height)
            return self.input.evaluate(shifted)
        raise InvalidArgument("Image.translate: the local backend translates only in the requested grid's CRS; "
                              f"request the image in {self.crs} or reproject it first.")


@algorithm("Image.translate", returns=IMG, input=IMG, x="Float", y="Float", units="String", proj="Projection")
def translate(input: Image, x: float, y: float, units: str = "meters", proj=None) -> Image:
    """Shift the image by x, y (east, north): in metres, converted with the nominal scale of `proj` (default: the
    image's projection), or in pixels of that projection."""
    img = as_image(input, "input")
    p = as_projection(proj, "proj") if proj is not None else img.projection()
    if units == "pixels":
        dx, dy = p.affine.a * float(x) + p.affine.b * float(y), p.affine.d * float(x) + p.affine.e * float(y)
    elif units == "meters":  # metres → CRS units by the projection's scale (1 for projected metres)
        per_metre = math.hypot(p.affine.a, p.affine.d) / p.nominal_scale()
        dx, dy = float(x) * per_metre, float(y) * per_metre
    else:
        raise InvalidArgument(f"Image.translate: units must be 'meters' or 'pixels', got {units!r}.")
    bands = []
    for b in img.bands:
        extent = None
        if b.extent is not None and crs_equal(b.extent.crs, p.crs):
            extent = Grid(b.extent.crs, Affine.translation(dx, dy) @ b.extent.transform, b.extent.width,
                          b.extent.height)
        bands.append(Band(b.name, b.dtype, b.projection, TranslateRecipe(b.recipe, dx, dy, p.crs), extent))
    return img.with_bands(bands)


# -- pixel coordinates and areas ------------------------------------------------------------------------------
def _centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    t = grid.transform
    return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f


def _lon_lat(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    x, y = _centres(grid)
    if grid.crs == "EPSG:4326":
        return x, y
    return transformer(grid.crs, "EPSG:4326").transform(x, y)


@algorithm("Image.pixelLonLat", returns=IMG)
def pixel_lon_lat() -> Image:
    """Bands 'longitude' and 'latitude': the WGS84 coordinates of each pixel's centre."""
    ones = np.float32(1)

    def band(i: int, name: str) -> Band:
        recipe = GridRecipe(lambda grid, px: (_lon_lat(grid)[i], np.full(grid.shape, ones)))
        return Band(name, FLOAT64, DEFAULT_PROJECTION, recipe, None)

    return Image([band(0, "longitude"), band(1, "latitude")])


_WGS84_A = 6378137.0


_WGS84_F = 1 / 298.257223563


_E2 = _WGS84_F * (2 - _WGS84_F)


_E = np.sqrt(_E2)


def _authalic(lat_deg: np.ndarray) -> np.ndarray:
    """Ellipsoidal area from the equator to `lat` per radian of longitude (WGS84)."""
    s = np.sin(np.radians(lat_deg))
    b2 = (_WGS84_A * (1 - _WGS84_F)) ** 2
    return b2 / 2 * (s / (1 - _E2 * s * s) + np.log((1 + _E * s) / (1 - _E * s)) / (2 * _E))


def pixel_areas(grid: Grid) -> np.ndarray:
    """Each pixel's area in m² on the WGS84 ellipsoid: exact for north-up lon/lat grids; otherwise the pixel's
    corners in lon/lat (shoelace area in radians²) times the ellipsoid's local area element M·N·cos(lat)."""
    t = grid.transform
    if crs_is_geographic(grid.crs) and t.b == 0 and t.d == 0:
        rows = np.arange(grid.height + 1)
        lat = np.clip(t.f + t.e * rows, -90, 90)
        band = np.abs(np.diff(_authalic(lat)))
        return np.broadcast_to((band * np.radians(abs(t.a)))[:, None], grid.shape).copy()
    c, r = np.meshgrid(np.arange(grid.width + 1), np.arange(grid.height + 1))
    x, y = t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f
    lon, lat = transformer(grid.crs, "EPSG:4326").transform(x, y)
    lon, lat = np.radians(np.unwrap(np.asarray(lon), period=360, axis=1)), np.radians(np.asarray(lat))
    # corners: 1 = top-left, 2 = top-right, 3 = bottom-right, 4 = bottom-left; area = |d13 x d24| / 2
    dx13, dy13 = lon[1:, 1:] - lon[:-1, :-1], lat[1:, 1:] - lat[:-1, :-1]
    dx24, dy24 = lon[1:, :-1] - lon[:-1, 1:], lat[1:, :-1] - lat[:-1, 1:]
    flat = 0.5 * np.abs(dx13 * dy24 - dx24 * dy13)
    phi = (lat[1:, 1:] + lat[:-1, :-1] + lat[1:, :-1] + lat[:-1, 1:]) / 4
    w = 1 - _E2 * np.sin(phi) ** 2
    m, n = _WGS84_A * (1 - _E2) / w**1.5, _WGS84_A / np.sqrt(w)
    return flat * m * n * np.cos(phi)


@algorithm("Image.pixelArea", returns=IMG)
def pixel_area() -> Image:
    """Band 'area': each pixel's area in square metres on the grid it is computed on."""
    recipe = GridRecipe(lambda grid, px: (pixel_areas(grid), np.ones(grid.shape, np.float32)))
    return Image([Band("area", FLOAT64, DEFAULT_PROJECTION, recipe, None)])


@algorithm("Image.pixelCoordinates", returns=IMG, projection="Projection")
def pixel_coordinates(projection) -> Image:
    """Bands 'x' and 'y': each pixel centre's coordinates in the CRS of `projection`."""
    proj = as_projection(projection, "projection")

    def coordinate(axis: int):
        def run(grid: Grid, px):
            c, r = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
            t = grid.transform
            x, y = t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f
            if grid.crs != proj.crs:
                x, y = transformer(grid.crs, proj.crs).transform(x, y)
            return (x if axis == 0 else y), np.ones(grid.shape, np.float32)
        return GridRecipe(run)

    return Image([Band("x", FLOAT64, DEFAULT_PROJECTION, coordinate(0), None),
                  Band("y", FLOAT64, DEFAULT_PROJECTION, coordinate(1), None)])
